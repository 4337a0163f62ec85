/**
 * Publishing to the fake X through the provider: the real call sequence for each kind of post
 * (counted at the fake), checkpoints and resuming without repeating a step, media processing,
 * threads, X's refusals, and reconciling an attempt whose outcome was lost.
 */
import type { PostContent } from '../../functions/core/model/post';
import type { TokenSet } from '../../functions/core/model/tokens';
import { createHttpClient } from '../../functions/providers/http';
import { createXPublisher } from '../../functions/providers/x/publish';
import { classifyXFailure } from '../../functions/providers/x/errors';
import { ProviderError, type Checkpoint, type PublishContext, type Publisher } from '../../functions/providers/types';
import { bytes, connect, counted, credentials, saver, startMediaServer, startXWorld, thrown, type MediaServer, type XWorld } from './x-publish-support';

interface SnapshotPost {
  id: string;
  account: string;
  text: string;
  mediaKeys: string[];
  replyTo?: string;
  quoteOf?: string;
  poll?: { options: string[]; durationMinutes: number };
  replySettings: string;
  deleted: boolean;
}
interface SnapshotMedia {
  id: string;
  kind: string;
  state: string;
  bytes: number;
  altText?: string;
}

let world: XWorld;
let mediaServer: MediaServer;
let publisher: Publisher;

beforeAll(async () => {
  world = await startXWorld({ fake: { media: { processingSeconds: 30, processingPolls: 2, checkAfterSeconds: 2 } } });
  mediaServer = await startMediaServer();
  publisher = world.provider.publisher!;
});
afterAll(async () => {
  await mediaServer.close();
  await world.fakes.close();
});
beforeEach(() => world.fakes.reset());

const snapshot = () => world.fake.snapshot() as { posts: SnapshotPost[]; media: SnapshotMedia[] };
const content = (text: string, extra: Partial<PostContent> = {}): PostContent => ({ text, media: [], options: {}, ...extra });

const ctxFor = (tokens: TokenSet, c: PostContent, s = saver(), checkpoint?: Checkpoint): PublishContext => ({
  tokens,
  credentials,
  platformAccountId: world.fake.account('reach_demo').id,
  accountType: 'personal',
  content: c,
  targetKey: 'post_1#conn_1',
  ...(checkpoint !== undefined && { checkpoint }),
  save: s.save,
});

describe('x publishing: one post', () => {
  it('publishes text with one POST /2/tweets and returns the id and URL', async () => {
    const tokens = await connect(world, 'reach_demo');
    const s = saver();
    const { result, calls } = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, content('Hello from Reach'), s)));
    const [posted] = snapshot().posts;
    expect(result).toEqual({ status: 'published', platformPostId: posted!.id, url: `https://x.com/i/web/status/${posted!.id}` });
    expect(calls).toEqual({ 'POST /2/tweets': 1 });
    expect(posted).toMatchObject({ account: 'reach_demo', text: 'Hello from Reach', mediaKeys: [], replySettings: 'everyone' });
    // The mark went in before the call, the id right after it.
    expect(s.saved.map((c) => Object.keys(c).sort())).toEqual([['sending.0'], ['post.0']]);
    expect(s.last()).toEqual({ 'post.0': posted!.id });
  });

  it('sends the options as X names them', async () => {
    const tokens = await connect(world, 'reach_demo');
    await publisher.publish(
      ctxFor(tokens, content('Pick one', { options: { poll: { options: ['Yes', 'No'], durationMinutes: 60 }, replySettings: 'following', madeWithAi: true } })),
    );
    const seeded = world.fake.account('reach_demo');
    const quoted = await world.http.send({ method: 'GET', url: `https://api.x.com/2/users/${seeded.id}/tweets`, query: { max_results: 5 }, headers: { authorization: `Bearer ${tokens.accessToken}` } });
    const someId = (JSON.parse(quoted.text) as { data: { id: string }[] }).data.find((p) => !snapshot().posts.some((s) => s.id === p.id))!.id;
    await publisher.publish(ctxFor(tokens, content('Worth reading', { options: { quoteTweetId: someId } })));
    const [poll, quote] = snapshot().posts;
    expect(poll).toMatchObject({ poll: { options: ['Yes', 'No'], durationMinutes: 60 }, replySettings: 'following' });
    expect(quote).toMatchObject({ quoteOf: someId, replySettings: 'everyone' });
  });

  it('uploads an image in one call, sets its alt text, then posts', async () => {
    const tokens = await connect(world, 'reach_demo');
    const image = mediaServer.item('cat.png', bytes(3000), 'image/png', { altText: 'A cat on a keyboard' });
    const s = saver();
    const { result, calls } = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, content('Look', { media: [image] }), s)));
    expect(result.status).toBe('published');
    expect(calls).toEqual({ 'POST /2/media/upload': 1, 'POST /2/media/metadata': 1, 'POST /2/tweets': 1 });
    const { posts, media } = snapshot();
    expect(media).toEqual([expect.objectContaining({ kind: 'photo', state: 'finalized', bytes: 3000, altText: 'A cat on a keyboard' })]);
    expect(posts[0]!.mediaKeys).toEqual([`3_${media[0]!.id}`]);
    expect(mediaServer.hits.get('/media/cat.png')).toBe(1);
    expect(s.last()!['media.0.0']).toMatch(new RegExp(`^${media[0]!.id}:ready:\\d+$`));
  });

  it('uploads four images in four calls and attaches all of them', async () => {
    const tokens = await connect(world, 'reach_demo');
    const images = [0, 1, 2, 3].map((i) => mediaServer.item(`p${i}.jpg`, bytes(500 + i, i), 'image/jpeg'));
    const { calls } = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, content('Album', { media: images }))));
    expect(calls).toEqual({ 'POST /2/media/upload': 4, 'POST /2/tweets': 1 });
    expect(snapshot().posts[0]!.mediaKeys).toHaveLength(4);
  });

  it('reports processing for a video, then publishes it once X is done, repeating no step', async () => {
    const tokens = await connect(world, 'reach_demo');
    const http = createHttpClient({ platformBaseUrl: world.fakes.baseUrl, defaultTimeoutMs: 5000 });
    // Small segments, so that one video is several APPENDs.
    const small = createXPublisher({ platform: 'x', http, classify: (f) => classifyXFailure(f, new Date()) }, () => world.fakes.context.now(), { segmentBytes: 1000 });
    const video = mediaServer.item('clip.mp4', bytes(2500), 'video/mp4', { durationSeconds: 12, width: 1280, height: 720 });
    const c = content('Watch this', { media: [video] });
    const s = saver();

    const first = await counted(world.fakes, () => small.publish(ctxFor(tokens, c, s)));
    expect(first.result).toEqual({ status: 'processing', checkpoint: s.last(), retryAfterSeconds: 2 });
    expect(first.calls).toEqual({ 'POST /2/media/upload/initialize': 1, 'POST /2/media/upload/:id/append': 3, 'POST /2/media/upload/:id/finalize': 1 });

    const second = await counted(world.fakes, () => small.publish(ctxFor(tokens, c, s, s.last())));
    expect(second.result).toMatchObject({ status: 'processing', retryAfterSeconds: 2 });
    expect(second.calls).toEqual({ 'GET /2/media/upload': 1 });

    const third = await counted(world.fakes, () => small.publish(ctxFor(tokens, c, s, s.last())));
    expect(third.result).toMatchObject({ status: 'published' });
    expect(third.calls).toEqual({ 'GET /2/media/upload': 1, 'POST /2/tweets': 1 });
    expect(snapshot().posts).toHaveLength(1);
    expect(snapshot().media).toEqual([expect.objectContaining({ kind: 'video', bytes: 2500 })]);
    expect(mediaServer.hits.get('/media/clip.mp4')).toBe(1);
  });

  it('finishes a video when the fakes clock has moved past the processing time', async () => {
    const tokens = await connect(world, 'reach_demo');
    const gif = mediaServer.item('dance.gif', bytes(4000), 'image/gif');
    const s = saver();
    const c = content('Dancing', { media: [gif] });
    expect((await publisher.publish(ctxFor(tokens, c, s))).status).toBe('processing');
    world.fakes.advanceClock(31);
    const { result, calls } = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, c, s, s.last())));
    expect(result.status).toBe('published');
    expect(calls).toEqual({ 'GET /2/media/upload': 1, 'POST /2/tweets': 1 });
    expect(snapshot().media[0]).toMatchObject({ kind: 'animated_gif' });
  });

  it('fails for good when X cannot process the video', async () => {
    const tokens = await connect(world, 'reach_demo');
    const video = mediaServer.item('broken.mp4', Buffer.from('not a video: corrupt bytes'), 'video/mp4');
    const s = saver();
    const c = content('Broken', { media: [video] });
    await publisher.publish(ctxFor(tokens, c, s));
    world.fakes.advanceClock(60);
    const err = await thrown(() => publisher.publish(ctxFor(tokens, c, s, s.last())));
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'permanent', code: 'InvalidMedia' });
    expect(snapshot().posts).toEqual([]);
  });

  it('uploads again when the checkpointed media id has expired', async () => {
    const tokens = await connect(world, 'reach_demo');
    const image = mediaServer.item('old.png', bytes(800), 'image/png');
    const stale = { 'media.0.0': `123:ready:${Math.floor(Date.now() / 1000) - 10}` };
    const { calls } = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, content('Fresh upload', { media: [image] }), saver(), stale)));
    expect(calls).toEqual({ 'POST /2/media/upload': 1, 'POST /2/tweets': 1 });
  });
});

describe('x publishing: refusals', () => {
  it('refuses content that breaks the rules before calling X', async () => {
    const tokens = await connect(world, 'reach_demo');
    const { result, calls } = await counted(world.fakes, () => thrown(() => publisher.publish(ctxFor(tokens, content('a'.repeat(281))))));
    expect((result as ProviderError).failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_content', message: "content breaks X's rules: text too_long" });
    expect(calls).toEqual({});
  });

  it('classifies duplicate content as permanent and posts nothing more', async () => {
    const tokens = await connect(world, 'reach_demo');
    await publisher.publish(ctxFor(tokens, content('Same words')));
    const s = saver();
    const err = await thrown(() => publisher.publish(ctxFor(tokens, content('Same words'), s)));
    expect((err as ProviderError).failure).toMatchObject({ kind: 'permanent', code: 'duplicate_content' });
    expect(snapshot().posts).toHaveLength(1);
    // A definite refusal leaves no "maybe sent" mark behind.
    expect(s.last()).toEqual({});
  });

  it('fails without the URL when Reach media cannot be read', async () => {
    const tokens = await connect(world, 'reach_demo');
    const missing = { ...mediaServer.item('gone.png', bytes(10), 'image/png'), url: mediaServer.item('x.png', bytes(1), 'image/png').url.replace('x.png', 'nope.png') };
    const err = (await thrown(() => publisher.publish(ctxFor(tokens, content('Missing', { media: [missing] }))))) as ProviderError;
    expect(err.failure).toEqual({ kind: 'permanent', code: 'media_fetch_failed', message: 'could not read media gone.png: HTTP 404' });
    expect(err.message).not.toContain('X-Amz-Signature');
  });

  it('needs the write scope', async () => {
    const tokens = await connect(world, 'reach_demo', ['tweet.read', 'users.read']);
    const err = (await thrown(() => publisher.publish(ctxFor(tokens, content('No scope'))))) as ProviderError;
    expect(err.failure.kind).toBe('invalid_request');
    expect(snapshot().posts).toEqual([]);
  });
});

describe('x publishing: threads', () => {
  const thread = () =>
    content('1/3 A thread from Reach', {
      options: { thread: [{ text: '2/3 with a picture', media: [mediaServer.item('t.png', bytes(900), 'image/png')] }, { text: '3/3 the end' }] },
    });

  it('posts the first post then each part as a reply to the one before', async () => {
    const tokens = await connect(world, 'reach_demo');
    const { result, calls } = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, thread())));
    const posts = snapshot().posts;
    expect(calls).toEqual({ 'POST /2/media/upload': 1, 'POST /2/tweets': 3 });
    expect(posts.map((p) => p.replyTo)).toEqual([undefined, posts[0]!.id, posts[1]!.id]);
    expect(posts[1]!.mediaKeys).toHaveLength(1);
    expect(result).toMatchObject({ status: 'published', platformPostId: posts[0]!.id });
  });

  it('resumes after a failure without posting any part twice', async () => {
    const tokens = await connect(world, 'reach_demo');
    const s = saver();
    // X fails the second POST /2/tweets (the fault is armed once the first part is saved).
    const ctx = ctxFor(tokens, thread(), s);
    const failing: PublishContext = {
      ...ctx,
      save: async (c) => {
        await s.save(c);
        if (c['post.0'] && !c['post.1'] && !c['sending.1']) world.fakes.inject('x', { kind: 'server_error', path: '/2/tweets', times: 1 });
      },
    };
    const err = await thrown(() => publisher.publish(failing));
    expect((err as ProviderError).failure.kind).toBe('transient');
    expect(snapshot().posts).toHaveLength(1);
    expect(s.last()).toMatchObject({ 'post.0': snapshot().posts[0]!.id, 'sending.1': expect.any(String) });

    const { result, calls } = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, thread(), s, s.last())));
    expect(result.status).toBe('published');
    // One look for the part whose answer was lost, then the two remaining parts; no upload again.
    expect(calls).toEqual({ 'GET /2/users/:id/tweets': 1, 'POST /2/tweets': 2 });
    const posts = snapshot().posts;
    expect(posts).toHaveLength(3);
    expect(posts.map((p) => p.replyTo)).toEqual([undefined, posts[0]!.id, posts[1]!.id]);
  });

  it('does not repeat an upload or a post when resumed from a checkpoint', async () => {
    const tokens = await connect(world, 'reach_demo');
    const s = saver();
    await publisher.publish(ctxFor(tokens, thread(), s));
    const { result, calls } = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, thread(), saver(), s.last())));
    expect(result).toMatchObject({ status: 'published', platformPostId: snapshot().posts[0]!.id });
    expect(calls).toEqual({});
  });
});

describe('x publishing: lost answers and reconcile', () => {
  /** A publisher whose calls give up long before the fake answers. */
  const impatient = () => {
    const http = createHttpClient({ platformBaseUrl: world.fakes.baseUrl, defaultTimeoutMs: 150 });
    return createXPublisher({ platform: 'x', http, classify: (f) => classifyXFailure(f, new Date()) }, () => world.fakes.context.now());
  };
  const settle = () => new Promise((r) => setTimeout(r, 500));

  it('finds a post whose answer was lost instead of posting it again', async () => {
    const tokens = await connect(world, 'reach_demo');
    const c = content('Launch day & more: https://example.com/launch');
    const s = saver();
    world.fakes.inject('x', { kind: 'slow', path: '/2/tweets', delayMs: 400, times: 1 });
    const err = await thrown(() => impatient().publish(ctxFor(tokens, c, s)));
    expect((err as ProviderError).failure).toMatchObject({ kind: 'transient', code: 'timeout' });
    await settle();
    const [out] = snapshot().posts;
    // X stores the link as t.co and escapes the ampersand: matching must see through both.
    expect(out!.text).toMatch(/^Launch day &amp; more: https:\/\/t\.co\/\w{10}$/);

    const since = new Date(Date.now() - 5000).toISOString();
    const { platformAccountId } = ctxFor(tokens, c);
    const found = await counted(world.fakes, () => publisher.reconcile({ tokens, credentials, platformAccountId, accountType: 'personal', content: c, targetKey: 't', since }));
    expect(found.result).toEqual({ platformPostId: out!.id, url: `https://x.com/i/web/status/${out!.id}` });
    expect(found.calls).toEqual({ 'GET /2/users/:id/tweets': 1 });

    const resumed = await counted(world.fakes, () => publisher.publish(ctxFor(tokens, c, s, s.last())));
    expect(resumed.result).toEqual({ status: 'published', platformPostId: out!.id, url: `https://x.com/i/web/status/${out!.id}` });
    expect(resumed.calls).toEqual({ 'GET /2/users/:id/tweets': 1 });
    expect(snapshot().posts).toHaveLength(1);
  });

  it('reports a post that did not go out as not found', async () => {
    const tokens = await connect(world, 'reach_demo');
    await publisher.publish(ctxFor(tokens, content('Something else entirely')));
    const base = ctxFor(tokens, content('Never sent'));
    const got = await publisher.reconcile({ ...base, since: new Date(Date.now() - 60_000).toISOString() });
    expect(got).toBeUndefined();
  });

  it('trusts the checkpoint before looking anywhere', async () => {
    const tokens = await connect(world, 'reach_demo');
    const { result, calls } = await counted(world.fakes, () =>
      publisher.reconcile({ ...ctxFor(tokens, content('Anything')), checkpoint: { 'post.0': '1234567890' }, since: new Date().toISOString() }),
    );
    expect(result).toEqual({ platformPostId: '1234567890', url: 'https://x.com/i/web/status/1234567890' });
    expect(calls).toEqual({});
  });

  it('finds a whole thread, and not a thread missing a part', async () => {
    const tokens = await connect(world, 'reach_demo');
    const since = new Date(Date.now() - 1000).toISOString();
    const whole = content('Thread head', { options: { thread: [{ text: 'Thread tail' }] } });
    await publisher.publish(ctxFor(tokens, whole));
    const posts = snapshot().posts;
    expect(await publisher.reconcile({ ...ctxFor(tokens, whole), since })).toEqual({ platformPostId: posts[0]!.id, url: `https://x.com/i/web/status/${posts[0]!.id}` });
    const longer = content('Thread head', { options: { thread: [{ text: 'Thread tail' }, { text: 'Never posted' }] } });
    expect(await publisher.reconcile({ ...ctxFor(tokens, longer), since })).toBeUndefined();
  });

  it('does not take an older post with the same text for this one', async () => {
    const tokens = await connect(world, 'reach_demo');
    await publisher.publish(ctxFor(tokens, content('Weekly update')));
    world.fakes.advanceClock(3600);
    const since = world.fakes.context.now().toISOString();
    expect(await publisher.reconcile({ ...ctxFor(tokens, content('Weekly update')), since })).toBeUndefined();
  });
});
