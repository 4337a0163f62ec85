/**
 * X per-post analytics: the documented metric samples read into Reach's figures, and the lookup
 * against the fake (private metrics for the account's own recent posts, public ones otherwise,
 * in as few calls as X allows).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createdAtOfId, readLookup, refusedPrivate } from '../../functions/providers/x/analytics';
import { postsLookupSchema } from '../../functions/providers/x/schemas';
import type { TokenSet } from '../../functions/core/model/tokens';
import { publishedMetrics, type PublishedPost } from '../../local/fakes/x/posts';
import { recentPosts } from '../../local/fakes/x/accounts';
import { bytes, connect, counted, credentials, startMediaServer, startXWorld, type MediaServer, type XWorld } from './x-publish-support';

const SAMPLES = join(__dirname, '../fixtures/conformance/x');
const sample = (name: string) => postsLookupSchema.parse(JSON.parse(readFileSync(join(SAMPLES, name), 'utf8')));

describe('x analytics: documented samples', () => {
  it('reads public metrics', () => {
    expect(readLookup(sample('tweet_public_metrics_response.json'))).toEqual({
      '1234567890': { likes: 234, comments: 12, shares: 55, saves: 8, impressions: 5432, views: 5432 },
    });
  });

  it('reads private and organic metrics (link clicks, exact impressions)', () => {
    expect(readLookup(sample('tweet_private_metrics_response.json'))).toEqual({
      '1234567890': { likes: 234, comments: 12, shares: 50, impressions: 5432, views: 5432, clicks: 89 },
    });
  });

  it('takes video views from the media expansion', () => {
    expect(readLookup(sample('tweet_video_metrics_response.json'))).toEqual({ '1234567890': { views: 12543 } });
  });

  it('keeps the data of a partial answer and leaves the missing post out', () => {
    const answer = sample('partial_error_200.json');
    expect(readLookup(answer)).toEqual({ '123': {} });
    expect(refusedPrivate(answer)).toEqual([]);
  });

  it('reads the creation instant from a post id', () => {
    // The id and created_at of the documented tweet_create_events sample.
    expect(createdAtOfId('1924465506158878979')?.toISOString().slice(0, 19)).toBe('2025-05-19T14:01:46');
    expect(createdAtOfId('not-an-id')).toBeUndefined();
  });
});

describe('x analytics against the fake', () => {
  let world: XWorld;
  let mediaServer: MediaServer;
  let tokens: TokenSet;

  beforeAll(async () => {
    world = await startXWorld({ fake: { media: { processingSeconds: 0 } } });
    mediaServer = await startMediaServer();
  });
  afterAll(async () => {
    await mediaServer.close();
    await world.fakes.close();
  });
  beforeEach(async () => {
    world.fakes.reset();
    tokens = await connect(world, 'reach_demo');
  });

  const publish = async (text: string, media = [] as ReturnType<MediaServer['item']>[]) => {
    let step = await world.provider.publisher!.publish({
      tokens,
      credentials,
      platformAccountId: world.fake.account('reach_demo').id,
      accountType: 'personal',
      content: { text, media, options: {} },
      targetKey: text,
      save: async () => undefined,
    });
    if (step.status === 'processing') {
      step = await world.provider.publisher!.publish({
        tokens,
        credentials,
        platformAccountId: world.fake.account('reach_demo').id,
        accountType: 'personal',
        content: { text, media, options: {} },
        targetKey: text,
        checkpoint: step.checkpoint,
        save: async () => undefined,
      });
    }
    if (step.status !== 'published') throw new Error('not published');
    return step.platformPostId;
  };

  /** Moves the fakes' clock; the 2-hour access token is refreshed as the token planner would. */
  const advance = async (hours: number) => {
    world.fakes.advanceClock(hours * 3600);
    tokens = await world.provider.oauth.refresh!({ tokens, credentials });
  };

  const fetchMetrics = (ids: readonly string[]) =>
    world.provider.analytics!.fetch({ tokens, credentials, platformAccountId: world.fake.account('reach_demo').id, platformPostIds: ids });

  /** What the fake says a published post shows now. */
  const expected = (id: string) => {
    const state = world.fake.snapshot() as { posts: { id: string; createdAt: string }[] };
    const p = state.posts.find((x) => x.id === id)!;
    const post = { id, createdAt: p.createdAt, hasLink: false } as PublishedPost;
    return publishedMetrics(post, world.fake.account('reach_demo'), world.fakes.context.now());
  };

  it('gives private metrics for the account own recent posts in one call', async () => {
    const a = await publish('First analytics post');
    const b = await publish('Second analytics post');
    await advance(12);
    const { result, calls } = await counted(world.fakes, () => fetchMetrics([a, b]));
    expect(calls).toEqual({ 'GET /2/tweets': 1 });
    for (const id of [a, b]) {
      const m = expected(id);
      expect(result[id]).toEqual({
        likes: m.public_metrics.like_count,
        comments: m.public_metrics.reply_count,
        shares: m.public_metrics.retweet_count + m.public_metrics.quote_count,
        saves: m.public_metrics.bookmark_count,
        impressions: m.non_public_metrics.impression_count,
        views: m.non_public_metrics.impression_count,
        clicks: m.non_public_metrics.url_link_clicks,
      });
      expect(result[id]!.impressions).toBeGreaterThan(0);
    }
  });

  it('grows as time passes', async () => {
    const id = await publish('Growing post');
    const early = (await fetchMetrics([id]))[id]!;
    await advance(24);
    const later = (await fetchMetrics([id]))[id]!;
    expect(early.impressions).toBe(0);
    expect(later.impressions!).toBeGreaterThan(0);
    expect(later.likes!).toBeGreaterThanOrEqual(early.likes!);
  });

  it('counts video views from the media', async () => {
    const id = await publish('Video analytics', [mediaServer.item('v.mp4', bytes(1200), 'video/mp4')]);
    await advance(6);
    const got = (await fetchMetrics([id]))[id]!;
    expect(got.views).toBe(expected(id).videoViews);
    expect(got.impressions).toBe(expected(id).public_metrics.impression_count);
  });

  it("falls back to public metrics for others' posts, asks public ones directly for old posts, and leaves deleted posts out", async () => {
    const own = await publish('Mine');
    const other = world.fake.account('someone_else');
    const now = world.fakes.context.now();
    const othersRecent = recentPosts(other, now, 0, 1)[0]!.id;
    const ownOld = recentPosts(world.fake.account('reach_demo'), now, 15, 1)[0]!;
    expect(now.getTime() - Date.parse(ownOld.createdAt)).toBeGreaterThan(30 * 86_400_000);
    const { result, calls } = await counted(world.fakes, () => fetchMetrics([own, othersRecent, ownOld.id, '1111111111111111111']));
    // One call for the recent ones (private fields), one for what X refused and the old post.
    expect(calls).toEqual({ 'GET /2/tweets': 2 });
    expect(result[own]!.clicks).toBe(0);
    expect(result[othersRecent]).toEqual(expect.objectContaining({ likes: expect.any(Number), impressions: expect.any(Number) }));
    expect(result[othersRecent]!.clicks).toBeUndefined();
    expect(result[ownOld.id]).toEqual({
      likes: ownOld.metrics.like_count,
      comments: ownOld.metrics.reply_count,
      shares: ownOld.metrics.retweet_count + ownOld.metrics.quote_count,
      saves: ownOld.metrics.bookmark_count,
      impressions: ownOld.metrics.impression_count,
      views: ownOld.metrics.impression_count,
    });
    expect(Object.keys(result).sort()).toEqual([own, othersRecent, ownOld.id].sort());
  });

  it('splits more than 100 ids into calls of 100', async () => {
    const account = world.fake.account('reach_demo');
    const ids = recentPosts(account, world.fakes.context.now(), 0, 150).map((p) => p.id);
    expect(ids).toHaveLength(150);
    expect(world.provider.analytics!.batchSize).toBe(100);
    const { result, calls } = await counted(world.fakes, () => fetchMetrics(ids));
    expect(Object.keys(result)).toHaveLength(150);
    // The fake posts every 3 days: the first 100 hold ~10 posts within 30 days (one call with
    // private fields) and ~90 older ones (one public call); the other 50 are all old (one call).
    expect(calls['GET /2/tweets']).toBe(3);
  });
});
