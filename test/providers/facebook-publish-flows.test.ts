/**
 * Publishing to a Facebook Page against the Meta fake: each post type's calls counted at the
 * fake, videos and reels processing then published, Meta's duplicate refusal, resuming without
 * repeating a step, lost answers, and reconcile.
 */
import type { PostContent } from '../../functions/core/model/post';
import { createFacebookProvider } from '../../functions/providers/facebook';
import { createHttpClient } from '../../functions/providers/http';
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import type { Checkpoint } from '../../functions/providers/types';
import { content, item, jpeg, mp4, png, processingOf, publishedOf, recorder, startMediaServer, type MediaServer } from './meta-media';
import { CREDENTIALS, connectPages, failureOf, metaCalls, startMeta, totalCalls, type MetaHarness } from './meta-support';

let h: MetaHarness;
let media: MediaServer;
beforeAll(async () => {
  [h, media] = await Promise.all([startMeta(), startMediaServer()]);
});
afterAll(() => Promise.all([h.close(), media.close()]));
beforeEach(() => h.fakes.reset());

type Page = Awaited<ReturnType<typeof connectPages>>[number];
const firstPage = async (): Promise<Page> => (await connectPages(h))[0]!;
const publisher = () => h.onFakeClock.facebook.publisher!;
const ctxFor = (page: Page, c: PostContent, checkpoint?: Checkpoint) => ({
  tokens: page.tokens,
  credentials: CREDENTIALS,
  platformAccountId: page.pageId,
  accountType: 'page',
  content: c,
  targetKey: 'post-1#conn-2',
  ...(checkpoint !== undefined && { checkpoint }),
});
const calls = (route: string) => metaCalls(h)[route] ?? 0;
interface Snapshot {
  published: { facebook: Array<{ id: string; kind: string; message: string; link?: string; published: boolean; photos: string[]; video?: string }> };
  videos: Array<{ id: string; kind: string; uploaded: boolean; finished: boolean }>;
}
const snapshot = () => h.fake.snapshot() as Snapshot;
const photo = () => item(media.put(`p-${Math.random()}.png`, png(), 'image/png'), 'image/png', 264);
const clip = (seconds = 30) => item(media.put(`v-${Math.random()}.mp4`, mp4(), 'video/mp4'), 'video/mp4', 4096, { width: 1080, height: 1920, durationSeconds: seconds });

describe('Page publishing sequences', () => {
  it('posts text with one /feed call', async () => {
    const page = await firstPage();
    const rec = recorder();
    const before = totalCalls(h);
    const done = publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'Open today 9–5' })), save: rec.save }));
    expect(done).toEqual({ platformPostId: expect.stringMatching(new RegExp(`^${page.pageId}_\\d+$`)), url: `https://www.facebook.com/${done.platformPostId}` });
    expect(totalCalls(h) - before).toBe(1);
    expect(snapshot().published.facebook).toEqual([expect.objectContaining({ id: done.platformPostId, kind: 'status', message: 'Open today 9–5', published: true })]);
    expect(rec.saved).toEqual([{ sending: expect.any(String) }, { post: done.platformPostId }]);
  });

  it('posts a link with its URL in `link`, and a hidden post with published=false', async () => {
    const page = await firstPage();
    publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'Read this', link: 'https://example.com/story' })), save: recorder().save }));
    publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'Quiet', options: { published: false } })), save: recorder().save }));
    expect(snapshot().published.facebook).toEqual([
      expect.objectContaining({ kind: 'link', message: 'Read this', link: 'https://example.com/story', published: true }),
      expect.objectContaining({ kind: 'status', message: 'Quiet', published: false }),
    ]);
    expect(calls('POST graph.facebook.com/:version/:id/feed')).toBe(2);
  });

  it('posts one photo with /photos and answers its post id', async () => {
    const page = await firstPage();
    const done = publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'New menu', media: [photo()] })), save: recorder().save }));
    const [post] = snapshot().published.facebook;
    expect(post).toMatchObject({ id: done.platformPostId, kind: 'photo', message: 'New menu' });
    expect(calls('POST graph.facebook.com/:version/:id/photos')).toBe(1);
    expect(calls('POST graph.facebook.com/:version/:id/feed')).toBe(0);
  });

  it('posts several photos: each unpublished first, then one /feed post attaching them', async () => {
    const page = await firstPage();
    const rec = recorder();
    const done = publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'Album', media: [photo(), photo(), photo()] })), save: rec.save }));
    const [post] = snapshot().published.facebook;
    expect(post!.photos).toEqual([rec.saved[0]!['photo.0'], rec.saved[1]!['photo.1'], rec.saved[2]!['photo.2']]);
    expect(post).toMatchObject({ id: done.platformPostId, message: 'Album' });
    expect(calls('POST graph.facebook.com/:version/:id/photos')).toBe(3);
    expect(calls('POST graph.facebook.com/:version/:id/feed')).toBe(1);
  });

  it('posts a video by URL, then waits for Facebook to process it', async () => {
    const page = await firstPage();
    const c = content({ text: 'Behind the scenes', media: [clip(120)] });
    const first = processingOf(await publisher().publish({ ...ctxFor(page, c), save: recorder().save }));
    expect(first).toEqual({ checkpoint: { video: expect.stringMatching(/^\d+$/) }, retryAfterSeconds: 30 });
    expect(snapshot().published.facebook).toEqual([]);

    h.fakes.advanceClock(30);
    const done = publishedOf(await publisher().publish({ ...ctxFor(page, c, first.checkpoint), save: recorder().save }));
    expect(done.platformPostId).toBe(`${page.pageId}_${first.checkpoint['video']}`);
    expect(snapshot().published.facebook).toEqual([expect.objectContaining({ id: done.platformPostId, kind: 'video', message: 'Behind the scenes' })]);
    expect(calls('POST graph.facebook.com/:version/:id/videos')).toBe(1);
  });

  it('publishes a reel: start, upload by URL, finish, then its status', async () => {
    const page = await firstPage();
    const c = content({ text: 'Quick tour', media: [clip(20)], options: { postType: 'reel' } });
    const rec = recorder();
    const first = processingOf(await publisher().publish({ ...ctxFor(page, c), save: rec.save }));
    const videoId = first.checkpoint['video']!;
    expect(first.checkpoint).toEqual({ video: videoId, uploadUrl: `https://rupload.facebook.com/video-upload/${GRAPH_VERSION}/${videoId}`, uploaded: '1', finished: '1' });
    expect(calls('POST graph.facebook.com/:version/:id/video_reels')).toBe(2);
    expect(calls('POST rupload.facebook.com/video-upload/:version/:videoId')).toBe(1);

    h.fakes.advanceClock(30);
    const done = publishedOf(await publisher().publish({ ...ctxFor(page, c, first.checkpoint), save: rec.save }));
    expect(done.platformPostId).toBe(`${page.pageId}_${videoId}`);
    expect(snapshot().published.facebook).toEqual([expect.objectContaining({ kind: 'reel', message: 'Quick tour', video: videoId })]);
    expect(calls('POST graph.facebook.com/:version/:id/video_reels')).toBe(2);
  });

  it('takes reel bytes uploaded to rupload directly, as well as by URL', async () => {
    const page = await firstPage();
    const start = await h.http.send({ method: 'POST', url: `https://graph.facebook.com/${GRAPH_VERSION}/${page.pageId}/video_reels`, form: { upload_phase: 'start' }, headers: { authorization: `Bearer ${page.tokens.accessToken}` } });
    const { video_id, upload_url } = JSON.parse(start.text) as { video_id: string; upload_url: string };
    const bytes = mp4(2048);
    const wrongSize = await h.http.send({ method: 'POST', url: upload_url, headers: { authorization: `OAuth ${page.tokens.accessToken}`, offset: '0', file_size: '10' }, body: bytes });
    expect(wrongSize.status).toBe(400);
    expect(JSON.parse(wrongSize.text)).toMatchObject({ debug_info: { retriable: false, type: 'ProcessingFailedError' } });
    const ok = await h.http.send({ method: 'POST', url: upload_url, headers: { authorization: `OAuth ${page.tokens.accessToken}`, offset: '0', file_size: String(bytes.length) }, body: bytes });
    expect(JSON.parse(ok.text)).toEqual({ success: true });
    expect(snapshot().videos).toEqual([expect.objectContaining({ id: video_id, uploaded: true, finished: false })]);
    const stranger = await h.http.send({ method: 'POST', url: upload_url, headers: { authorization: 'OAuth EAAnotatoken', offset: '0', file_size: String(bytes.length) }, body: bytes });
    expect(JSON.parse(stranger.text).debug_info.message).toContain('unauthorized user request');
  });
});

describe('refusals', () => {
  it('passes on Meta’s duplicate refusal (506) as permanent', async () => {
    const page = await firstPage();
    publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'Same words' })), save: recorder().save }));
    const rec = recorder();
    expect(await failureOf(() => publisher().publish({ ...ctxFor(page, content({ text: 'Same words' })), save: rec.save }))).toMatchObject({ kind: 'permanent', code: '506' });
    // A refusal means nothing went out: no unknown-outcome mark is left.
    expect(rec.last()).toEqual({});
  });

  it('refuses content that breaks the rules without calling Facebook', async () => {
    const page = await firstPage();
    const before = totalCalls(h);
    expect(await failureOf(() => publisher().publish({ ...ctxFor(page, content({ text: '', options: { postType: 'text' } })), save: recorder().save }))).toMatchObject({ kind: 'invalid_request', code: 'invalid_content' });
    expect(totalCalls(h)).toBe(before);
  });

  it('passes on a photo Facebook cannot read', async () => {
    const page = await firstPage();
    const url = media.put('broken.png', Buffer.from('not an image'), 'image/png');
    expect(await failureOf(() => publisher().publish({ ...ctxFor(page, content({ media: [item(url, 'image/png', 12)] })), save: recorder().save }))).toMatchObject({ kind: 'invalid_request', code: '324' });
  });

  it('needs the Page token: a user token is refused with (#210)', async () => {
    const page = await firstPage();
    const userToken = { ...page.tokens, accessToken: page.tokens.extra!['userToken']! };
    expect(await failureOf(() => publisher().publish({ ...ctxFor({ ...page, tokens: userToken }, content({ text: 'hi' })), save: recorder().save }))).toMatchObject({ code: '210' });
  });
});

describe('resuming and reconciling', () => {
  it('resumes a multi-photo post after a crash: uploaded photos are not uploaded again', async () => {
    const page = await firstPage();
    const c = content({ text: 'Three', media: [photo(), photo(), photo()] });
    const crashing = recorder(3);
    await expect(publisher().publish({ ...ctxFor(page, c), save: crashing.save })).rejects.toThrow('worker crashed');
    expect(Object.keys(crashing.last()!)).toEqual(['photo.0', 'photo.1']);
    publishedOf(await publisher().publish({ ...ctxFor(page, c, crashing.last()), save: recorder().save }));
    // Two before the crash, one unsaved upload at it (harmless: unpublished), one after.
    expect(calls('POST graph.facebook.com/:version/:id/photos')).toBe(4);
    expect(calls('POST graph.facebook.com/:version/:id/feed')).toBe(1);
    expect(snapshot().published.facebook[0]!.photos).toHaveLength(3);
  });

  const impatient = () => createFacebookProvider({ http: createHttpClient({ platformBaseUrl: h.fakes.baseUrl, defaultTimeoutMs: 300 }), now: () => h.fakes.context.now() }).publisher!;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('finds a post whose answer was lost instead of posting it twice', async () => {
    const page = await firstPage();
    const c = content({ text: 'Did it go out?' });
    h.fakes.inject('meta', { kind: 'slow', delayMs: 700, times: 1, path: `/${GRAPH_VERSION}/${page.pageId}/feed` });
    const rec = recorder();
    expect(await failureOf(() => impatient().publish({ ...ctxFor(page, c), save: rec.save }))).toMatchObject({ code: 'timeout' });
    await sleep(900);
    expect(rec.last()).toEqual({ sending: expect.any(String) });
    const [went] = snapshot().published.facebook;
    expect(await publisher().reconcile({ ...ctxFor(page, c, rec.last()), since: new Date(Date.now() - 60_000).toISOString() })).toEqual({ platformPostId: went!.id, url: `https://www.facebook.com/${went!.id}` });
    expect(publishedOf(await publisher().publish({ ...ctxFor(page, c, rec.last()), save: rec.save })).platformPostId).toBe(went!.id);
    expect(calls('POST graph.facebook.com/:version/:id/feed')).toBe(1);
  });

  it('reconciles a post among the Page’s recent posts, and finds none that did not go out', async () => {
    const page = await firstPage();
    const since = h.fakes.context.now().toISOString();
    const done = publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'Out there' })), save: recorder().save }));
    expect(await publisher().reconcile({ ...ctxFor(page, content({ text: 'Out there' })), since })).toEqual(done);
    expect(await publisher().reconcile({ ...ctxFor(page, content({ text: 'Never sent' })), since })).toBeUndefined();
  });

  it('reconciles a video from its saved id once Facebook has published it', async () => {
    const page = await firstPage();
    const c = content({ text: 'Clip', media: [clip()] });
    const first = processingOf(await publisher().publish({ ...ctxFor(page, c), save: recorder().save }));
    const since = new Date().toISOString();
    expect(await publisher().reconcile({ ...ctxFor(page, c, first.checkpoint), since })).toBeUndefined();
    h.fakes.advanceClock(60);
    expect(await publisher().reconcile({ ...ctxFor(page, c, first.checkpoint), since })).toEqual({
      platformPostId: `${page.pageId}_${first.checkpoint['video']}`,
      url: `https://www.facebook.com/${page.pageId}_${first.checkpoint['video']}`,
    });
  });
});

describe('the fake’s publishing endpoints', () => {
  it('lists published posts in published_posts, newest first, with a JPEG photo too', async () => {
    const page = await firstPage();
    const jpg = item(media.put('p.jpg', jpeg(800, 600), 'image/jpeg'), 'image/jpeg', 2048);
    const a = publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'older' })), save: recorder().save }));
    h.fakes.advanceClock(5);
    const b = publishedOf(await publisher().publish({ ...ctxFor(page, content({ text: 'newer', media: [jpg] })), save: recorder().save }));
    const res = await h.http.send({ method: 'GET', url: `https://graph.facebook.com/${GRAPH_VERSION}/${page.pageId}/published_posts`, query: { fields: 'id,message,created_time', limit: 3 }, headers: { authorization: `Bearer ${page.tokens.accessToken}` } });
    const data = (JSON.parse(res.text) as { data: Array<{ id: string; message: string; created_time: string }> }).data;
    // The Page's seeded history gains a post every three days at a fixed time of day, which can
    // fall between these two: the listing is newest first, and ours keep their order within it.
    expect(data).toHaveLength(3);
    expect(data.map((p) => p.created_time)).toEqual(data.map((p) => p.created_time).sort().reverse());
    expect(data.filter((p) => p.id === a.platformPostId || p.id === b.platformPostId).map(({ id, message }) => ({ id, message }))).toEqual([
      { id: b.platformPostId, message: 'newer' },
      { id: a.platformPostId, message: 'older' },
    ]);
  });
});
