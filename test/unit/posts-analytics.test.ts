import { nextAnalyticsDue, planAnalytics, postAnalytics, refreshPostAnalytics, targetSeriesId } from '../../functions/core/use-cases/post-analytics';
import { createPost } from '../../functions/core/use-cases/posts';
import { publishTarget } from '../../functions/core/use-cases/publish';
import type { Provider } from '../../functions/core/ports/provider';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider, seedConnection, type PublishControls } from '../support/test-provider';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

let deps: MemoryDeps;
let pub: PublishControls;

beforeEach(async () => {
  const acme = createTestProvider();
  deps = memoryDeps(directoryOf(acme.provider));
  pub = acme.publishing;
  await seedConnection(deps, { userId: 'u1', connectionId: 'c1' });
});

/** Creates and publishes a post on c1; returns its id and platform post id. */
const published = async (text = 'Hello') => {
  const { post } = await createPost(deps, 'u1', { text, targets: [{ connectionId: 'c1' }] });
  const out = await publishTarget(deps, { userId: 'u1', postId: post.id, connectionId: 'c1' });
  if (out.outcome !== 'published') throw new Error(`expected published, got ${out.outcome}`);
  return { postId: post.id, platformPostId: out.platformPostId };
};

const targetOf = async (postId: string) => (await deps.posts.getTarget({ userId: 'u1', postId, connectionId: 'c1' }))!;

describe('nextAnalyticsDue', () => {
  it('walks the stages 1 h, 24 h, 7 d, 30 d after publishing, then stops', () => {
    const at = '2026-11-23T12:00:00.000Z';
    const after = (ms: number) => nextAnalyticsDue(at, new Date(Date.parse(at) + ms));
    expect(after(0)).toBe('2026-11-23T13:00:00.000Z');
    expect(after(HOUR)).toBe('2026-11-24T12:00:00.000Z');
    expect(after(2 * DAY)).toBe('2026-11-30T12:00:00.000Z');
    expect(after(8 * DAY)).toBe('2026-12-23T12:00:00.000Z');
    expect(after(30 * DAY)).toBeUndefined();
  });
});

describe('planAnalytics', () => {
  it('refreshes each published target at its stages, storing a series point each time', async () => {
    const { postId, platformPostId } = await published();
    pub.metrics[platformPostId] = { likes: 12, comments: 3, views: 400, impressions: 900 };
    expect((await targetOf(postId)).analyticsDueAt).toBe('2026-11-23T13:00:00.000Z');

    deps.advance(30 * 60_000);
    expect(await planAnalytics(deps)).toEqual({ due: 0, refreshed: 0, failed: 0 });

    deps.advance(31 * 60_000);
    expect(await planAnalytics(deps)).toEqual({ due: 1, refreshed: 1, failed: 0 });
    expect(await targetOf(postId)).toMatchObject({ metrics: { likes: 12, comments: 3, views: 400, impressions: 900 }, analyticsDueAt: '2026-11-24T12:00:00.000Z' });

    pub.metrics[platformPostId] = { likes: 30, comments: 5, views: 1200, impressions: 2000 };
    deps.advance(DAY);
    expect(await planAnalytics(deps)).toMatchObject({ refreshed: 1 });
    expect(await planAnalytics(deps)).toMatchObject({ due: 0 });

    const view = await postAnalytics(deps, 'u1', postId);
    expect(view.targets[0]).toMatchObject({
      connectionId: 'c1',
      platformPostId,
      latest: { likes: 30, comments: 5, views: 1200, impressions: 2000 },
      nextRefreshAt: '2026-11-30T12:00:00.000Z',
      series: [
        { at: '2026-11-23T13:01:00.000Z', likes: 12, comments: 3, views: 400, impressions: 900 },
        { at: '2026-11-24T13:01:00.000Z', likes: 30, comments: 5, views: 1200, impressions: 2000 },
      ],
    });
    expect(deps.history.series.has(targetSeriesId(postId, 'c1'))).toBe(true);
  });

  it('asks the platform once per batch of a connection\'s posts', async () => {
    const posts = [await published('a'), await published('b'), await published('c')];
    for (const p of posts) pub.metrics[p.platformPostId] = { likes: 1 };
    deps.advance(2 * HOUR);
    expect(await planAnalytics(deps)).toMatchObject({ due: 3, refreshed: 3 });
    expect(pub.calls.analytics).toBe(2);
  });

  it('keeps a stage due after a rate limit, and skips it after a refusal', async () => {
    const { postId, platformPostId } = await published();
    pub.metrics[platformPostId] = { likes: 1 };
    deps.advance(2 * HOUR);
    pub.analyticsFailure = { kind: 'rate_limited', retryAfterSeconds: 60, message: 'slow down' };
    expect(await planAnalytics(deps)).toMatchObject({ due: 1, failed: 1 });
    expect((await targetOf(postId)).analyticsDueAt).toBe('2026-11-23T13:00:00.000Z');

    pub.analyticsFailure = { kind: 'invalid_request', message: 'unknown post' };
    expect(await planAnalytics(deps)).toMatchObject({ due: 1, failed: 1 });
    expect((await targetOf(postId)).analyticsDueAt).toBe('2026-11-24T12:00:00.000Z');
  });
});

describe('refreshPostAnalytics', () => {
  it('reads the platform on demand at most once per freshness window', async () => {
    const { postId, platformPostId } = await published();
    pub.metrics[platformPostId] = { likes: 5, shares: 1 };
    expect(await refreshPostAnalytics(deps, 'u1', postId)).toEqual({ postId, targets: [{ connectionId: 'c1', outcome: 'refreshed', metrics: { likes: 5, shares: 1 } }] });
    deps.advance(5 * 60_000);
    expect(await refreshPostAnalytics(deps, 'u1', postId)).toEqual({ postId, targets: [{ connectionId: 'c1', outcome: 'fresh' }] });
    expect(pub.calls.analytics).toBe(1);
    deps.advance(6 * 60_000);
    expect((await refreshPostAnalytics(deps, 'u1', postId)).targets).toEqual([{ connectionId: 'c1', outcome: 'refreshed', metrics: { likes: 5, shares: 1 } }]);
    expect(pub.calls.analytics).toBe(2);
  });

  it('reports targets that have not gone out, and refuses another user\'s post', async () => {
    const { post } = await createPost(deps, 'u1', { text: 'Later', targets: [{ connectionId: 'c1' }], scheduledAt: '2026-11-24T10:00:00Z' });
    expect((await refreshPostAnalytics(deps, 'u1', post.id)).targets).toEqual([{ connectionId: 'c1', outcome: 'not_published' }]);
    await expect(refreshPostAnalytics(deps, 'u2', post.id)).rejects.toThrow(`Post ${post.id} was not found`);
    await expect(postAnalytics(deps, 'u2', post.id)).rejects.toThrow('was not found');
  });
});

describe('a connection whose grant the platform will not measure', () => {
  it('answers unsupported with the platform’s reason, calls nothing, and tries again at the next stage', async () => {
    const acme = createTestProvider();
    const analytics = acme.provider.analytics!;
    const reason = 'the platform serves post figures only with read_posts, which this connection was not granted';
    const provider: Provider = { ...acme.provider, analytics: { ...analytics, unsupportedReason: ({ tokens }) => (tokens.scopes.includes('read_posts') ? undefined : reason) } };
    deps = memoryDeps(directoryOf(provider));
    pub = acme.publishing;
    await seedConnection(deps, { userId: 'u1', connectionId: 'c1' });
    const { postId, platformPostId } = await published();
    pub.metrics[platformPostId] = { likes: 5 };

    expect(await refreshPostAnalytics(deps, 'u1', postId)).toEqual({ postId, targets: [{ connectionId: 'c1', outcome: 'unsupported', reason }] });
    expect(pub.calls.analytics).toBe(0);
    const target = await targetOf(postId);
    expect(target.metrics).toBeUndefined();
    expect(target.analyticsAt).toBeUndefined();
    expect(target.error).toBeUndefined();
    // Not a dead end: the planner comes back at the next stage, in case the user reconnected with more.
    expect(target.analyticsDueAt).toBe('2026-11-23T13:00:00.000Z');
    deps.advance(61 * 60_000);
    expect(await planAnalytics(deps)).toEqual({ due: 1, refreshed: 0, failed: 0 });
    expect((await targetOf(postId)).analyticsDueAt).toBe('2026-11-24T12:00:00.000Z');
    expect(pub.calls.analytics).toBe(0);
  });
});
