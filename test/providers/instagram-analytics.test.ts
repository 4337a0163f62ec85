/**
 * Instagram per-post metrics against the Meta fake: one Graph batch for up to 50 media through
 * Facebook Login, one GET per media through Instagram Login, the values the fake's model gives
 * for published and older media, media that cannot be read left out, and the metrics Meta
 * retired in 2025 never asked for.
 */
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import { MEDIA_METRICS } from '../../functions/providers/instagram/analytics';
import type { PostMetrics } from '../../functions/providers/types';
import { derivedFigures, publishedFigures } from '../../local/fakes/meta/content';
import { FakeWorld, igAudience, recentPosts } from '../../local/fakes/meta/world';
import { content, item, jpeg, publishedOf, recorder, startMediaServer, type MediaServer } from './meta-media';
import { CREDENTIALS, connectInstagram, failureOf, metaCalls, startMeta, type MetaHarness } from './meta-support';

let h: MetaHarness;
let media: MediaServer;
beforeAll(async () => {
  [h, media] = await Promise.all([startMeta(), startMediaServer()]);
});
afterAll(() => Promise.all([h.close(), media.close()]));
beforeEach(() => h.fakes.reset());

const person = new FakeWorld().person('reach.demo');
type Connection = Awaited<ReturnType<typeof connectInstagram>>;

const publish = async (conn: Connection, text: string, postType?: string) => {
  const url = media.put(`a-${Math.random()}.jpg`, jpeg(1080, 1080), 'image/jpeg');
  const step = await h.onFakeClock.instagram.publisher!.publish({
    tokens: conn.tokens,
    credentials: CREDENTIALS,
    platformAccountId: conn.accountId,
    accountType: conn.accountType,
    content: content({ text, media: [item(url, 'image/jpeg', 2048)], ...(postType !== undefined && { options: { postType } }) }),
    targetKey: text,
    save: recorder().save,
  });
  return publishedOf(step).platformPostId;
};

const createdAt = (id: string): number => {
  const snap = h.fake.snapshot() as { published: { instagram: Array<{ id: string; createdAt: string }> } };
  return Date.parse(snap.published.instagram.find((m) => m.id === id)!.createdAt);
};

/** What the fake's model says a media's insights are at `now`. */
const expectedFor = (figures: { id: string; likes: number; comments: number; shares: number; views: number }): PostMetrics => {
  const d = derivedFigures(figures);
  return { views: figures.views, reach: d.reach, likes: figures.likes, comments: figures.comments, saves: d.saves, shares: figures.shares };
};
const expectedPublished = (id: string, now: Date) => expectedFor({ id, ...publishedFigures(id, createdAt(id), igAudience(person, now), now) });

const fetchFor = (conn: Connection, ids: readonly string[]) =>
  h.instagram.analytics!.fetch({ tokens: conn.tokens, credentials: CREDENTIALS, platformAccountId: conn.accountId, platformPostIds: ids });

describe('Instagram post analytics', () => {
  it('asks for the current media metrics only (impressions, plays and video_views were removed in 2025)', () => {
    expect([...MEDIA_METRICS]).toEqual(['views', 'reach', 'likes', 'comments', 'saved', 'shares', 'total_interactions']);
    expect(h.instagram.analytics!.batchSize).toBe(50);
  });

  it('reads published and older media in one Graph batch through Facebook Login', async () => {
    const conn = await connectInstagram(h, 'facebook_login');
    const a = await publish(conn, 'first');
    const b = await publish(conn, 'second');
    h.fakes.advanceClock(86_400);
    const older = recentPosts('reach.demo#ig', '1790', h.fakes.context.now(), 5)[2]!;
    const before = h.fakes.context.now();
    const got = await fetchFor(conn, [a, b, older.id, '17900000000000000']);
    const after = h.fakes.context.now();

    expect(metaCalls(h)['POST graph.facebook.com/:version']).toBe(1);
    expect(metaCalls(h)['GET graph.facebook.com/:version/:id/insights']).toBeUndefined();
    expect(Object.keys(got).sort()).toEqual([a, b, older.id].sort());
    for (const id of [a, b]) expect([expectedPublished(id, before), expectedPublished(id, after)]).toContainEqual(got[id]);
    expect(got[older.id]).toEqual(expectedFor(older));
    expect(got[a]!.likes).toBeGreaterThan(0);
  });

  it('reads each media with its own GET through Instagram Login', async () => {
    const conn = await connectInstagram(h, 'instagram_login');
    const a = await publish(conn, 'solo');
    h.fakes.advanceClock(3600);
    const older = recentPosts('reach.demo#ig', '1790', h.fakes.context.now(), 2)[1]!;
    const got = await fetchFor(conn, [a, older.id, a]);
    expect(metaCalls(h)['GET graph.instagram.com/:version/:id/insights']).toBe(2);
    expect(got[older.id]).toEqual(expectedFor(older));
    expect(got[a]).toMatchObject({ likes: expect.any(Number), reach: expect.any(Number), saves: expect.any(Number) });
  });

  it('splits more than 50 media into batches of 50', async () => {
    const conn = await connectInstagram(h, 'facebook_login');
    const ids = recentPosts('reach.demo#ig', '1790', h.fakes.context.now(), 51).map((p) => p.id);
    expect(ids).toHaveLength(51);
    const got = await fetchFor(conn, ids);
    expect(Object.keys(got)).toHaveLength(51);
    expect(metaCalls(h)['POST graph.facebook.com/:version']).toBe(2);
  });

  it('leaves out a story, whose insights have no likes, and keeps the rest', async () => {
    const conn = await connectInstagram(h, 'facebook_login');
    const post = await publish(conn, 'post');
    const story = await publish(conn, '', 'story');
    const got = await fetchFor(conn, [post, story]);
    expect(Object.keys(got)).toEqual([post]);
  });

  it('fails the whole call when the token is gone', async () => {
    const conn = await connectInstagram(h, 'facebook_login');
    h.fakes.inject('meta', { kind: 'revoked_grant', times: 1, path: `/${GRAPH_VERSION}/` });
    expect(await failureOf(() => fetchFor(conn, [recentPosts('reach.demo#ig', '1790', h.fakes.context.now(), 1)[0]!.id]))).toMatchObject({ kind: 'auth_expired', code: '190/458' });
  });

  it('answers nothing for no ids, without a call', async () => {
    const conn = await connectInstagram(h);
    const before = Object.values(metaCalls(h)).reduce((a, b) => a + b, 0);
    expect(await fetchFor(conn, [])).toEqual({});
    expect(Object.values(metaCalls(h)).reduce((a, b) => a + b, 0)).toBe(before);
  });
});

describe('the fake’s media insights', () => {
  it('refuses a metric Meta removed, as Graph does', async () => {
    const conn = await connectInstagram(h);
    const id = recentPosts('reach.demo#ig', '1790', h.fakes.context.now(), 1)[0]!.id;
    const res = await h.http.send({ method: 'GET', url: `https://graph.instagram.com/${GRAPH_VERSION}/${id}/insights`, query: { metric: 'impressions' }, headers: { authorization: `Bearer ${conn.tokens.accessToken}` } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 100, message: expect.stringContaining('impressions metric is no longer supported') });
  });
});
