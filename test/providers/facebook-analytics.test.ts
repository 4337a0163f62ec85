/**
 * Facebook per-post metrics against the Meta fake: one multi-id read for up to 50 posts with
 * reactions, comments, shares and the post insights that replaced impressions; a vanished post
 * (code 803) read around; a grant without `read_insights` still read for engagement.
 */
import { MAX_IDS, POST_INSIGHTS } from '../../functions/providers/facebook/analytics';
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import type { PostMetrics } from '../../functions/providers/types';
import { derivedFigures, publishedFigures } from '../../local/fakes/meta/content';
import { FakeWorld, pageAudience, recentPosts } from '../../local/fakes/meta/world';
import { content, publishedOf, recorder } from './meta-media';
import { CREDENTIALS, connectPages, metaCalls, startMeta, type MetaHarness } from './meta-support';

let h: MetaHarness;
beforeAll(async () => {
  h = await startMeta();
});
afterAll(() => h.close());
beforeEach(() => h.fakes.reset());

const page0 = new FakeWorld().person('reach.demo').pages[0]!;
type Page = Awaited<ReturnType<typeof connectPages>>[number];

const post = async (page: Page, text: string) =>
  publishedOf(
    await h.onFakeClock.facebook.publisher!.publish({
      tokens: page.tokens,
      credentials: CREDENTIALS,
      platformAccountId: page.pageId,
      accountType: 'page',
      content: content({ text }),
      targetKey: text,
      save: recorder().save,
    }),
  ).platformPostId;

const createdAt = (id: string): number => {
  const snap = h.fake.snapshot() as { published: { facebook: Array<{ id: string; createdAt: string }> } };
  return Date.parse(snap.published.facebook.find((p) => p.id === id)!.createdAt);
};

const expectedFor = (figures: { id: string; likes: number; comments: number; shares: number; views: number }, withInsights = true): PostMetrics => {
  const d = derivedFigures(figures);
  return { likes: figures.likes, comments: figures.comments, shares: figures.shares, ...(withInsights && { reach: d.reach, clicks: d.clicks }) };
};
const expectedPublished = (id: string, now: Date, withInsights = true) =>
  expectedFor({ id: id.split('_')[1]!, ...publishedFigures(id, createdAt(id), pageAudience(page0, now), now) }, withInsights);

const fetchFor = (page: Page, ids: readonly string[]) =>
  h.facebook.analytics!.fetch({ tokens: page.tokens, credentials: CREDENTIALS, platformAccountId: page.pageId, platformPostIds: ids });

describe('Facebook post analytics', () => {
  it('uses the metrics that replaced post impressions in 2025, 50 posts per call', () => {
    expect([...POST_INSIGHTS]).toEqual(['post_total_media_view_unique', 'post_clicks']);
    expect(MAX_IDS).toBe(50);
    expect(h.facebook.analytics!.batchSize).toBe(50);
  });

  it('reads published and older posts in one multi-id call', async () => {
    const [page] = await connectPages(h);
    const a = await post(page!, 'one');
    const b = await post(page!, 'two');
    h.fakes.advanceClock(2 * 86_400);
    const older = recentPosts(page0.audienceKey, '1', h.fakes.context.now(), 3)[1]!;
    const olderId = `${page0.id}_${older.id}`;
    const before = h.fakes.context.now();
    const got = await fetchFor(page!, [a, b, olderId]);
    const after = h.fakes.context.now();

    expect(metaCalls(h)['GET graph.facebook.com/:version']).toBe(1);
    expect(Object.keys(got).sort()).toEqual([a, b, olderId].sort());
    for (const id of [a, b]) expect([expectedPublished(id, before), expectedPublished(id, after)]).toContainEqual(got[id]);
    expect(got[olderId]).toEqual(expectedFor(older));
    expect(got[a]!.likes).toBeGreaterThan(0);
  });

  it('reads around a post that no longer exists (803), leaving it out', async () => {
    const [page] = await connectPages(h);
    const a = await post(page!, 'still here');
    const gone = `${page!.pageId}_9999999999`;
    const got = await fetchFor(page!, [a, gone]);
    expect(Object.keys(got)).toEqual([a]);
    // The failed read, then one read per id.
    expect(metaCalls(h)['GET graph.facebook.com/:version']).toBe(3);
  });

  it('still reads engagement when the grant lacks read_insights', async () => {
    const [page] = await connectPages(h, 'reach.demo', ['pages_show_list', 'pages_read_engagement', 'pages_manage_posts']);
    const a = await post(page!, 'no insights');
    h.fakes.advanceClock(86_400);
    const before = h.fakes.context.now();
    const got = await fetchFor(page!, [a]);
    const after = h.fakes.context.now();
    expect([expectedPublished(a, before, false), expectedPublished(a, after, false)]).toContainEqual(got[a]);
    expect(metaCalls(h)['GET graph.facebook.com/:version']).toBe(2);
  });
});

describe('the fake’s post insights', () => {
  it('refuses the retired post_impressions metrics', async () => {
    const [page] = await connectPages(h);
    const id = await post(page!, 'probe');
    const res = await h.http.send({
      method: 'GET',
      url: `https://graph.facebook.com/${GRAPH_VERSION}/${id}`,
      query: { fields: 'insights.metric(post_impressions_unique)' },
      headers: { authorization: `Bearer ${page!.tokens.accessToken}` },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 100, message: expect.stringContaining('post_impressions_unique') });
  });
});
