/**
 * Publishing to Instagram against the Meta fake, in both logins: each post type's call sequence
 * counted at the fake, processing then published, resuming from a checkpoint without repeating a
 * step, lost answers, reconcile, the rolling publishing limit, and Instagram's own refusals.
 */
import type { PostContent } from '../../functions/core/model/post';
import { createHttpClient } from '../../functions/providers/http';
import { createInstagramProvider } from '../../functions/providers/instagram';
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import type { Checkpoint } from '../../functions/providers/types';
import { recentPosts } from '../../local/fakes/meta/world';
import { content, item, jpeg, mp4, png, processingOf, publishedOf, recorder, startMediaServer, type MediaServer } from './meta-media';
import { CREDENTIALS, connectInstagram, failureOf, metaCalls, startMeta, totalCalls, type MetaHarness } from './meta-support';

let h: MetaHarness;
let media: MediaServer;
beforeAll(async () => {
  [h, media] = await Promise.all([startMeta(), startMediaServer()]);
});
afterAll(() => Promise.all([h.close(), media.close()]));
beforeEach(() => h.fakes.reset());

type Connection = Awaited<ReturnType<typeof connectInstagram>>;
const publisher = () => h.onFakeClock.instagram.publisher!;
const ctxFor = (conn: Connection, c: PostContent, checkpoint?: Checkpoint) => ({
  tokens: conn.tokens,
  credentials: CREDENTIALS,
  platformAccountId: conn.accountId,
  accountType: conn.accountType,
  content: c,
  targetKey: 'post-1#conn-1',
  ...(checkpoint !== undefined && { checkpoint }),
});
const calls = (host: string, route: string) => metaCalls(h)[`${route.split(' ')[0]} ${host}${route.split(' ')[1]}`] ?? 0;
const snapshot = () => h.fake.snapshot() as { published: { instagram: Array<{ id: string; caption: string; mediaType: string; productType: string; children: string[] }> }; containers: Array<{ kind: string }> };

const square = () => item(media.put(`sq-${Math.random()}.jpg`, jpeg(1080, 1080), 'image/jpeg'), 'image/jpeg', 2048, { width: 1080, height: 1080 });
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** reach.demo's own Instagram posts (made in the app, not through the API) listed at `at`, newest first. */
const appPostsAt = (at: Date) => recentPosts('reach.demo#ig', '1790', at, 3);
const clip = (seconds = 20) => item(media.put(`clip-${Math.random()}.mp4`, mp4(), 'video/mp4'), 'video/mp4', 4096, { width: 1080, height: 1920, durationSeconds: seconds });

describe.each([
  ['instagram_login', 'graph.instagram.com'],
  ['facebook_login', 'graph.facebook.com'],
] as const)('with %s', (variant, host) => {
  it('publishes a feed image: quota, container, publish, permalink', async () => {
    const conn = await connectInstagram(h, variant);
    const image = square();
    const rec = recorder();
    const before = totalCalls(h);
    const step = await publisher().publish({ ...ctxFor(conn, content({ text: 'First light #dawn', media: [image] })), save: rec.save });

    const out = publishedOf(step);
    const [posted] = snapshot().published.instagram;
    expect(out.platformPostId).toBe(posted!.id);
    expect(out.url).toMatch(/^https:\/\/www\.instagram\.com\/p\/[\w-]{11}\/$/);
    expect(posted).toMatchObject({ caption: 'First light #dawn', mediaType: 'IMAGE', productType: 'FEED' });
    expect(totalCalls(h) - before).toBe(4);
    expect(calls(host, 'GET /:version/:id/content_publishing_limit')).toBe(1);
    expect(calls(host, 'POST /:version/:id/media')).toBe(1);
    expect(calls(host, 'POST /:version/:id/media_publish')).toBe(1);
    expect(media.hits.get(new URL(image.url).pathname)).toBe(1);
    const container = rec.saved[0]!['container'];
    expect(rec.saved).toEqual([{ container }, { container, publishing: expect.any(String) }, { container, media: posted!.id }]);
  });

  it('publishes a reel: processing while Instagram fetches the video, then published', async () => {
    const conn = await connectInstagram(h, variant);
    const c = content({ text: 'Reel time', media: [clip()], options: { shareToFeed: true, thumbOffsetMs: 1500 } });
    const rec = recorder();
    const first = processingOf(await publisher().publish({ ...ctxFor(conn, c), save: rec.save }));
    expect(first.retryAfterSeconds).toBe(60);
    expect(first.checkpoint['container']).toMatch(/^\d+:processing$/);

    // A minute later Instagram is done (the fake processes for 30 s).
    h.fakes.advanceClock(60);
    const done = publishedOf(await publisher().publish({ ...ctxFor(conn, c, first.checkpoint), save: rec.save }));
    expect(done.url).toMatch(/^https:\/\/www\.instagram\.com\/reel\//);
    expect(snapshot().published.instagram).toEqual([expect.objectContaining({ id: done.platformPostId, mediaType: 'VIDEO', productType: 'REELS', caption: 'Reel time' })]);
    expect(calls(host, 'POST /:version/:id/media')).toBe(1);
    expect(calls(host, 'POST /:version/:id/media_publish')).toBe(1);
    expect(calls(host, 'GET /:version/:id/content_publishing_limit')).toBe(1);
  });
});

describe('Instagram publishing sequences', () => {
  it('keeps answering processing while the video is not ready, without a new container', async () => {
    const conn = await connectInstagram(h);
    const c = content({ text: 'Patience', media: [clip()] });
    const rec = recorder();
    const first = processingOf(await publisher().publish({ ...ctxFor(conn, c), save: rec.save }));
    const second = processingOf(await publisher().publish({ ...ctxFor(conn, c, first.checkpoint), save: rec.save }));
    expect(second.checkpoint).toEqual(first.checkpoint);
    expect(calls('graph.instagram.com', 'GET /:version/:id')).toBe(1);
    h.fakes.advanceClock(60);
    publishedOf(await publisher().publish({ ...ctxFor(conn, c, second.checkpoint), save: rec.save }));
    expect(calls('graph.instagram.com', 'POST /:version/:id/media')).toBe(1);
    expect(calls('graph.instagram.com', 'GET /:version/:id')).toBe(3);
  });

  it('publishes a carousel: a child container per item, the video waited for, then the carousel', async () => {
    const conn = await connectInstagram(h, 'facebook_login');
    const c = content({ text: 'Two views', media: [square(), clip(30)] });
    const rec = recorder();
    const first = processingOf(await publisher().publish({ ...ctxFor(conn, c), save: rec.save }));
    expect(first.checkpoint).toEqual({ 'child.0': expect.stringMatching(/^\d+$/), 'child.1': expect.stringMatching(/^\d+:processing$/) });
    expect(rec.saved).toHaveLength(2);

    h.fakes.advanceClock(60);
    const done = publishedOf(await publisher().publish({ ...ctxFor(conn, c, first.checkpoint), save: rec.save }));
    const [album] = snapshot().published.instagram;
    expect(album).toMatchObject({ id: done.platformPostId, mediaType: 'CAROUSEL_ALBUM', caption: 'Two views' });
    expect(album!.children).toEqual([first.checkpoint['child.0'], first.checkpoint['child.1']!.replace(':processing', '')]);
    expect(calls('graph.facebook.com', 'POST /:version/:id/media')).toBe(3);
    expect(calls('graph.facebook.com', 'POST /:version/:id/media_publish')).toBe(1);
    expect(snapshot().containers.map((x) => x.kind)).toEqual(['CAROUSEL_ITEM', 'CAROUSEL_ITEM', 'CAROUSEL']);
  });

  it('publishes a story, which lists among stories rather than posts', async () => {
    const conn = await connectInstagram(h);
    const done = publishedOf(await publisher().publish({ ...ctxFor(conn, content({ media: [square()], options: { postType: 'story' } })), save: recorder().save }));
    expect(snapshot().published.instagram).toEqual([expect.objectContaining({ id: done.platformPostId, productType: 'STORY' })]);
    expect(done.url).toMatch(/^https:\/\/www\.instagram\.com\/stories\/reach\.demo\//);
    const res = await h.http.send({ method: 'GET', url: `https://graph.instagram.com/${GRAPH_VERSION}/${conn.accountId}/stories`, headers: { authorization: `Bearer ${conn.tokens.accessToken}` } });
    expect(JSON.parse(res.text).data).toEqual([{ id: done.platformPostId }]);
  });

  it('lists what it published first in the account’s media, counted in media_count', async () => {
    const conn = await connectInstagram(h);
    const before = await h.instagram.metrics!.fetch([{ platformAccountId: conn.accountId, tokens: conn.tokens }], CREDENTIALS);
    const done = publishedOf(await publisher().publish({ ...ctxFor(conn, content({ text: 'Listed', media: [square()] })), save: recorder().save }));
    const res = await h.http.send({ method: 'GET', url: `https://graph.instagram.com/${GRAPH_VERSION}/me/media`, query: { fields: 'id,caption' }, headers: { authorization: `Bearer ${conn.tokens.accessToken}` } });
    expect(JSON.parse(res.text).data[0]).toEqual({ id: done.platformPostId, caption: 'Listed' });
    const after = await h.instagram.metrics!.fetch([{ platformAccountId: conn.accountId, tokens: conn.tokens }], CREDENTIALS);
    const posts = (o: (typeof after)[number]) => (o.ok ? o.snapshot.posts : undefined);
    expect(posts(after[0]!)).toBe(posts(before[0]!)! + 1);
  });
});

describe('resuming and reconciling', () => {
  it('resumes after a crash from the saved container: no second container, one publish', async () => {
    const conn = await connectInstagram(h);
    const c = content({ text: 'Crash test', media: [square()] });
    const crashing = recorder(2);
    await expect(publisher().publish({ ...ctxFor(conn, c), save: crashing.save })).rejects.toThrow('worker crashed');
    expect(crashing.saved).toEqual([{ container: expect.stringMatching(/^\d+$/) }]);

    const done = publishedOf(await publisher().publish({ ...ctxFor(conn, c, crashing.last()), save: recorder().save }));
    expect(snapshot().published.instagram.map((m) => m.id)).toEqual([done.platformPostId]);
    expect(calls('graph.instagram.com', 'POST /:version/:id/media')).toBe(1);
    expect(calls('graph.instagram.com', 'POST /:version/:id/media_publish')).toBe(1);
    expect(calls('graph.instagram.com', 'GET /:version/:id/content_publishing_limit')).toBe(1);
  });

  /** A publisher whose calls give up after 300 ms, to lose answers the fake still sends. */
  const impatient = () => createInstagramProvider({ http: createHttpClient({ platformBaseUrl: h.fakes.baseUrl, defaultTimeoutMs: 300 }), now: () => h.fakes.context.now() }).publisher!;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('settles a publish whose answer was lost but which went out: found, not sent again', async () => {
    const conn = await connectInstagram(h);
    const c = content({ text: 'Lost answer', media: [square()] });
    h.fakes.inject('meta', { kind: 'slow', delayMs: 700, times: 1, path: `/${GRAPH_VERSION}/${conn.accountId}/media_publish` });
    const rec = recorder();
    expect(await failureOf(() => impatient().publish({ ...ctxFor(conn, c), save: rec.save }))).toMatchObject({ kind: 'transient', code: 'timeout' });
    await sleep(900);
    expect(rec.last()).toEqual({ container: expect.any(String), publishing: expect.any(String) });
    const [went] = snapshot().published.instagram;

    expect(await publisher().reconcile({ ...ctxFor(conn, c, rec.last()), since: new Date(Date.now() - 60_000).toISOString() })).toEqual({
      platformPostId: went!.id,
      url: expect.stringMatching(/^https:\/\/www\.instagram\.com\/p\//),
    });
    const done = publishedOf(await publisher().publish({ ...ctxFor(conn, c, rec.last()), save: rec.save }));
    expect(done.platformPostId).toBe(went!.id);
    expect(calls('graph.instagram.com', 'POST /:version/:id/media_publish')).toBe(1);
    expect(snapshot().published.instagram).toHaveLength(1);
  });

  it('publishes again after a lost answer when the container was not published', async () => {
    const conn = await connectInstagram(h);
    const c = content({ text: 'Never arrived', media: [square()] });
    h.fakes.inject('meta', { kind: 'timeout', delayMs: 700, times: 1, path: `/${GRAPH_VERSION}/${conn.accountId}/media_publish` });
    const rec = recorder();
    await failureOf(() => impatient().publish({ ...ctxFor(conn, c), save: rec.save }));
    await sleep(900);
    expect(await publisher().reconcile({ ...ctxFor(conn, c, rec.last()), since: new Date().toISOString() })).toBeUndefined();
    publishedOf(await publisher().publish({ ...ctxFor(conn, c, rec.last()), save: rec.save }));
    expect(calls('graph.instagram.com', 'POST /:version/:id/media_publish')).toBe(2);
    expect(snapshot().published.instagram).toHaveLength(1);
  });

  it('reconciles from a saved media id, and finds nothing without a container', async () => {
    const conn = await connectInstagram(h);
    const c = content({ text: 'Known', media: [square()] });
    const done = publishedOf(await publisher().publish({ ...ctxFor(conn, c), save: recorder().save }));
    expect(await publisher().reconcile({ ...ctxFor(conn, c, { media: done.platformPostId }), since: new Date().toISOString() })).toEqual(done);
    const before = totalCalls(h);
    expect(await publisher().reconcile({ ...ctxFor(conn, content({ text: 'Nothing', media: [square()] })), since: new Date().toISOString() })).toBeUndefined();
    expect(totalCalls(h)).toBe(before);
  });
});

describe('refusals', () => {
  it('refuses content that breaks the rules before calling Instagram', async () => {
    const conn = await connectInstagram(h);
    const before = totalCalls(h);
    expect(await failureOf(() => publisher().publish({ ...ctxFor(conn, content({ text: 'x'.repeat(2201), media: [square()] })), save: recorder().save }))).toMatchObject({
      kind: 'invalid_request',
      code: 'invalid_content',
      message: expect.stringContaining('text too_long'),
    });
    expect(totalCalls(h)).toBe(before);
  });

  it.each([
    ['an image over 8 MiB', () => jpeg(1080, 1080, 8 * 1024 * 1024 + 10), '36000/2207004'],
    ['a PNG', () => png(), '36001/2207005'],
    ['an image of 1080×1351', () => jpeg(1080, 1351), '36003/2207009'],
  ])('passes on Instagram’s refusal of %s as invalid_request', async (_name, bytes, code) => {
    const conn = await connectInstagram(h);
    const url = media.put(`bad-${Math.random()}.jpg`, bytes(), 'image/jpeg');
    const c = content({ media: [item(url, 'image/jpeg', 2048, { width: 1080, height: 1080 })] });
    expect(await failureOf(() => publisher().publish({ ...ctxFor(conn, c), save: recorder().save }))).toMatchObject({ kind: 'invalid_request', code });
  });

  it('says so when Instagram cannot fetch the media', async () => {
    const conn = await connectInstagram(h);
    const c = content({ media: [item(`${media.base}/missing.jpg`, 'image/jpeg', 2048)] });
    expect(await failureOf(() => publisher().publish({ ...ctxFor(conn, c), save: recorder().save }))).toMatchObject({ code: '9004/2207052' });
  });

  it('fails a video Instagram cannot read, once its container reports ERROR', async () => {
    const conn = await connectInstagram(h);
    const url = media.put('not-a-video.mp4', Buffer.from('definitely not an mp4 file'), 'video/mp4');
    const c = content({ media: [item(url, 'video/mp4', 26, { durationSeconds: 10 })] });
    const first = processingOf(await publisher().publish({ ...ctxFor(conn, c), save: recorder().save }));
    expect(await failureOf(() => publisher().publish({ ...ctxFor(conn, c, first.checkpoint), save: recorder().save }))).toMatchObject({
      kind: 'permanent',
      code: 'container_error',
      message: expect.stringContaining('2207026'),
    });
  });

  it('waits out the rolling publishing limit instead of creating containers', async () => {
    const limited = await startMeta({ igPublishQuota: 1 });
    try {
      // Posts made in the app share the media list the wait is read from; start where none of
      // them is in the window the second attempt looks at (one every three days at most).
      const start = limited.fakes.context.now().getTime();
      const clash = appPostsAt(new Date(start + HOUR_MS)).find((p) => p.createdAt.getTime() > start - 23 * HOUR_MS);
      if (clash) limited.fakes.advanceClock((clash.createdAt.getTime() + DAY_MS + 60_000 - start) / 1000);
      const conn = await connectInstagram(limited);
      const ig = limited.onFakeClock.instagram.publisher!;
      const ctx = (text: string) => ({ ...ctxFor(conn, content({ text, media: [square()] })), save: recorder().save });
      publishedOf(await ig.publish(ctx('one')));
      limited.fakes.advanceClock(3600);
      const now = limited.fakes.context.now().getTime();
      expect(appPostsAt(new Date(now)).filter((p) => p.createdAt.getTime() > now - DAY_MS)).toEqual([]);
      const failure = await failureOf(() => ig.publish(ctx('two')));
      expect(failure).toMatchObject({ kind: 'rate_limited', code: 'publishing_limit' });
      // The first post leaves the 24-hour window 23 hours from now.
      expect(failure.retryAfterSeconds).toBeGreaterThan(23 * 3600 - 120);
      expect(failure.retryAfterSeconds).toBeLessThanOrEqual(23 * 3600 + 1);
      expect(metaCalls(limited)['POST graph.instagram.com/:version/:id/media']).toBe(1);
    } finally {
      await limited.close();
    }
  });

  it('counts only API posts toward the limit, and retries first when an app post leaves the window', async () => {
    const limited = await startMeta({ igPublishQuota: 1 });
    try {
      // An app post an hour before the API post: quota_usage leaves it out, as Instagram does
      // (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit).
      const start = limited.fakes.context.now().getTime();
      const appPost = appPostsAt(new Date(start + 4 * DAY_MS)).filter((p) => p.createdAt.getTime() > start).at(-1)!;
      limited.fakes.advanceClock((appPost.createdAt.getTime() + HOUR_MS - start) / 1000);
      const conn = await connectInstagram(limited);
      const ig = limited.onFakeClock.instagram.publisher!;
      const ctx = (text: string) => ({ ...ctxFor(conn, content({ text, media: [square()] })), save: recorder().save });
      publishedOf(await ig.publish(ctx('one')));
      limited.fakes.advanceClock(3600);
      // The media list does not say which posts the API made, so the earliest the limit could
      // free up is when the app post turns a day old (22 h); by then the API post is the oldest.
      const early = await failureOf(() => ig.publish(ctx('two')));
      expect(early).toMatchObject({ kind: 'rate_limited', code: 'publishing_limit' });
      expect(early.retryAfterSeconds).toBeGreaterThan(22 * 3600 - 120);
      expect(early.retryAfterSeconds).toBeLessThanOrEqual(22 * 3600 + 1);
      limited.fakes.advanceClock(early.retryAfterSeconds!);
      const late = await failureOf(() => ig.publish(ctx('two')));
      expect(late).toMatchObject({ kind: 'rate_limited', code: 'publishing_limit' });
      expect(late.retryAfterSeconds).toBeGreaterThan(3600 - 120);
      expect(late.retryAfterSeconds).toBeLessThanOrEqual(3600 + 1);
      // Media timestamps are whole seconds, so the estimate can fall up to a second short.
      limited.fakes.advanceClock(late.retryAfterSeconds! + 1);
      publishedOf(await ig.publish(ctx('two')));
      expect(metaCalls(limited)['POST graph.instagram.com/:version/:id/media']).toBe(2);
    } finally {
      await limited.close();
    }
  });
});
