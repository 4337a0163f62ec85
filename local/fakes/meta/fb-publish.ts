/**
 * Facebook Page publishing in the fake, with a Page token holding `pages_manage_posts`
 * (https://developers.facebook.com/docs/pages-api/posts):
 * - `POST /{page-id}/feed` (`message`, `link`, `published`, `attached_media[i]`) → `{id}`, with
 *   Meta's duplicate refusal `(#506) Duplicate status message`;
 * - `POST /{page-id}/photos` (`url`, `caption`, `published`) → `{id, post_id}` or, unpublished, `{id}`;
 * - `POST /{page-id}/videos` (`file_url`, `description`) → `{id}`, then processing;
 * - reels: `POST /{page-id}/video_reels` start → upload to rupload.facebook.com (bytes with
 *   `offset`/`file_size`, or a `file_url` header) → finish;
 * - `GET /{video-id}?fields=status`, `GET /{page-id}/videos`, `GET /{post-id}`, and the multi-id
 *   read `GET /?ids=…` (`(#803)` when one id does not exist).
 * The fake fetches every media URL it is given, and judges files by their bytes. Wording Meta
 * does not document is the fake's own.
 */
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import type { PagePostRecord, PageVideo } from './content';
import { edgeSpec } from './edges';
import { requestedFields, type FieldSpec } from './fields';
import { fbSubject, graphRoute, GraphFailure, requireScopes, type GraphCall } from './graph-call';
import { paramsOf } from './ig-publish';
import { fetchMedia, sniff } from './media';
import { pagePostById, renderEdge, renderNode, renderPagePost } from './nodes';
import { graphError, unsupportedGet } from './responses';
import type { MetaFakeState, Subject } from './state';
import { announcePagePost } from './webhooks';
import { metaTime, type FakePage } from './world';

const MB = 1000 * 1000;
const DAY_MS = 86_400_000;
const MESSAGE_MAX = 63_206;
/** The fake reads at most this much of a video; real Page videos may be far larger. */
const VIDEO_READ_LIMIT = 200 * MB;
const PHOTO_TYPES = new Set(['jpeg', 'png', 'gif', 'webp', 'bmp', 'tiff']);

const bad = (message: string, code = 100, subcode?: number): never => {
  throw new GraphFailure(graphError(400, { message, code, ...(subcode !== undefined && { subcode }) }));
};

/** The Page a write goes to, with a token of that Page and the permissions to post. */
const pageFor = (state: MetaFakeState, req: FakeRequest, ctx: FakeContext): { subject: Subject; page: FakePage } => {
  const subject = fbSubject(state, req, ctx);
  const id = req.params['id'] ?? '';
  const page = subject.person.pages.find((p) => p.id === id);
  if (!page) throw new GraphFailure(unsupportedGet(id));
  if (subject.kind !== 'page' || subject.page.id !== page.id) bad('(#210) A page access token is required to request this resource.', 210);
  requireScopes(subject, 'pages_manage_posts', 'pages_read_engagement');
  return { subject, page };
};

const flag = (value: string | undefined): boolean => !(value === 'false' || value === '0');

const attachedMedia = (p: Record<string, string>): string[] => {
  const out: string[] = [];
  const read = (raw: string) => {
    try {
      const v = JSON.parse(raw) as unknown;
      const fbid = typeof v === 'object' && v !== null && 'media_fbid' in v ? String((v as { media_fbid: unknown }).media_fbid) : undefined;
      if (!fbid) bad('(#100) attached_media entries must be {"media_fbid": "…"}.');
      out.push(fbid!);
    } catch (err) {
      if (err instanceof GraphFailure) throw err;
      bad('(#100) attached_media must be JSON.');
    }
  };
  if (p['attached_media'] !== undefined) {
    let list: unknown;
    try {
      list = JSON.parse(p['attached_media']);
    } catch {
      bad('(#100) attached_media must be JSON.');
    }
    if (!Array.isArray(list)) bad('(#100) attached_media must be a list.');
    for (const v of list as unknown[]) read(JSON.stringify(v));
  }
  for (let i = 0; p[`attached_media[${i}]`] !== undefined; i++) read(p[`attached_media[${i}]`]!);
  return out;
};

const feed = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const { page } = pageFor(state, req, ctx);
  const throttled = call.admit({ id: page.id, type: 'pages' });
  if (throttled) return throttled;
  const p = paramsOf(req);
  const message = p['message'] ?? '';
  const link = p['link'];
  const photos = attachedMedia(p);
  const nowMs = ctx.now().getTime();
  if (message.trim() === '' && link === undefined && photos.length === 0) bad('(#100) Requires one of the params: message, link, attached_media.');
  if ([...message].length > MESSAGE_MAX) bad(`(#100) The message is longer than ${MESSAGE_MAX} characters.`);
  if (link !== undefined && !(URL.canParse(link) && /^https?:$/.test(new URL(link).protocol))) bad('Error Posting Link', 1_609_005);
  for (const id of photos) {
    const photo = state.content.photos.get(id);
    if (!photo || photo.pageId !== page.id || photo.published || photo.attachedTo !== undefined) bad(`(#100) attached_media ${id} is not an unpublished photo of this Page.`);
  }
  const duplicate = state.content
    .postsOf(page.id, true)
    .some((rec) => nowMs - rec.createdAtMs < DAY_MS && message.trim() !== '' && rec.message.trim() === message.trim() && rec.link === link);
  if (duplicate) bad('(#506) Duplicate status message', 506);
  const rec = state.content.addPagePost({
    pageId: page.id,
    kind: photos.length > 0 ? 'photo' : link !== undefined ? 'link' : 'status',
    message,
    ...(link !== undefined && { link }),
    createdAtMs: nowMs,
    published: flag(p['published']),
    photoIds: photos,
  });
  for (const id of photos) state.content.photos.get(id)!.attachedTo = rec.id;
  announcePagePost(state, ctx, page, rec);
  return { status: 200, body: { id: rec.id } };
};

const photos = (state: MetaFakeState) => async (req: FakeRequest, ctx: FakeContext, call: GraphCall): Promise<FakeResponse> => {
  const { page } = pageFor(state, req, ctx);
  const throttled = call.admit({ id: page.id, type: 'pages' });
  if (throttled) return throttled;
  const p = paramsOf(req);
  const url = p['url'];
  if (!url) bad('(#324) Requires upload file', 324);
  const fetched = await fetchMedia(url!, 10 * MB, state.options.mediaFetchTimeoutMs);
  if (!fetched.ok) bad('(#324) Missing or invalid image file', 324);
  if (fetched.ok && (fetched.tooLarge || !PHOTO_TYPES.has(fetched.type))) bad('(#324) Missing or invalid image file', 324);
  const nowMs = ctx.now().getTime();
  const published = flag(p['published']);
  const caption = p['caption'] ?? p['message'] ?? '';
  const photo = state.content.addPhoto({ pageId: page.id, url: url!, createdAtMs: nowMs, published });
  if (!published) return { status: 200, body: { id: photo.id } };
  const rec = state.content.addPagePost({ pageId: page.id, kind: 'photo', message: caption, createdAtMs: nowMs, published: true, photoIds: [photo.id] });
  photo.postId = rec.id;
  announcePagePost(state, ctx, page, rec);
  return { status: 200, body: { id: photo.id, post_id: rec.id } };
};

/** Fetches a video from a URL, or the reason Facebook would give for not taking it. */
const videoFromUrl = async (state: MetaFakeState, url: string): Promise<string | undefined> => {
  const fetched = await fetchMedia(url, VIDEO_READ_LIMIT, state.options.mediaFetchTimeoutMs);
  if (!fetched.ok) return 'Unable to fetch video file from URL.';
  if (!fetched.tooLarge && fetched.type !== 'mp4') return "Sorry, the video file you selected is in a format that we don't support.";
  return undefined;
};

const videos = (state: MetaFakeState) => async (req: FakeRequest, ctx: FakeContext, call: GraphCall): Promise<FakeResponse> => {
  const { page } = pageFor(state, req, ctx);
  const throttled = call.admit({ id: page.id, type: 'pages' });
  if (throttled) return throttled;
  const p = paramsOf(req);
  const fileUrl = p['file_url'];
  if (!fileUrl) bad('(#100) The fake takes videos by file_url (resumable uploads go through video_reels or the Resumable Upload API).');
  const problem = await videoFromUrl(state, fileUrl!);
  if (problem?.startsWith('Unable')) bad(problem, 389);
  if (problem) bad(problem, 352);
  const nowMs = ctx.now().getTime();
  const video = state.content.addVideo({ pageId: page.id, kind: 'video', description: p['description'] ?? '', createdAtMs: nowMs, uploadedAtMs: nowMs, finishedAtMs: nowMs, published: flag(p['published']) });
  return { status: 200, body: { id: video.id } };
};

const reels = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const { page } = pageFor(state, req, ctx);
  const throttled = call.admit({ id: page.id, type: 'pages' });
  if (throttled) return throttled;
  const p = paramsOf(req);
  const nowMs = ctx.now().getTime();
  const phase = (p['upload_phase'] ?? '').toLowerCase();
  if (phase === 'start') {
    const video = state.content.addVideo({ pageId: page.id, kind: 'reel', description: '', createdAtMs: nowMs, published: true });
    return { status: 200, body: { video_id: video.id, upload_url: `https://rupload.facebook.com/video-upload/${req.params['version']}/${video.id}` } };
  }
  if (phase !== 'finish') bad('(#100) upload_phase must be one of {start, finish}.');
  const video = state.content.videos.get(p['video_id'] ?? '');
  if (!video || video.pageId !== page.id || video.kind !== 'reel') bad('(#100) video_id is not a reel upload session of this Page.');
  if (video!.uploadedAtMs === undefined) bad('(#100) The reel has not been uploaded yet.');
  if ((p['video_state'] ?? '').toUpperCase() !== 'PUBLISHED') bad('(#100) The fake publishes reels with video_state=PUBLISHED only.');
  video!.description = p['description'] ?? video!.description;
  video!.finishedAtMs ??= nowMs;
  return { status: 200, body: { success: true } };
};

const ruploadFailure = (retriable: boolean, message: string): FakeResponse => ({
  status: 400,
  body: { debug_info: { retriable, type: 'ProcessingFailedError', message: JSON.stringify({ success: false, error: { message } }) } },
});

/** `POST rupload.facebook.com/video-upload/{version}/{video-id}`: the reel's bytes, or a `file_url` to fetch. */
const rupload = (state: MetaFakeState) => async (req: FakeRequest, ctx: FakeContext): Promise<FakeResponse> => {
  const token = req.bearer() ?? '';
  const video = state.content.videos.get(req.params['videoId'] ?? '');
  const check = state.fb.checkAccess(token, ctx.now());
  if (!check.ok || !video || state.pageTokens.get(token) !== video.pageId) return ruploadFailure(false, 'unauthorized user request');
  if (video.kind !== 'reel') return ruploadFailure(false, 'the video is not a reel upload session');
  const fileUrl = req.headers['file_url'];
  if (fileUrl !== undefined) {
    const problem = await videoFromUrl(state, fileUrl);
    if (problem) return ruploadFailure(problem.startsWith('Unable'), problem);
  } else {
    const offset = Number(req.headers['offset'] ?? '0');
    const size = Number(req.headers['file_size']);
    if (offset !== 0 || !Number.isFinite(size) || size !== req.body.length) return ruploadFailure(false, 'offset must be 0 and file_size the length of the body');
    if (sniff(req.body) !== 'mp4') return ruploadFailure(false, "Sorry, the video file you selected is in a format that we don't support.");
  }
  video.uploadedAtMs ??= ctx.now().getTime();
  return { status: 200, body: { success: true } };
};

/** Turns videos that finished processing into Page posts (and announces them), once. */
export const settleVideos = (state: MetaFakeState, ctx: FakeContext, page: FakePage): void => {
  const nowMs = ctx.now().getTime();
  for (const video of state.content.videos.values()) {
    if (video.pageId !== page.id || video.postId !== undefined || !state.content.videoReady(video, nowMs, state.processing)) continue;
    const rec: PagePostRecord = state.content.addPagePost({
      pageId: page.id,
      number: video.id,
      kind: video.kind,
      message: video.description,
      // Done when processing ended: after the set time, or now when status reads finished it sooner.
      createdAtMs: Math.min(nowMs, video.finishedAtMs! + state.options.videoProcessingSeconds * 1000),
      published: video.published,
      photoIds: [],
      videoId: video.id,
    });
    video.postId = rec.id;
    announcePagePost(state, ctx, page, rec);
  }
};

const phase = (status: string) => ({ status });

/** A Video node (https://developers.facebook.com/docs/graph-api/reference/video); each read counts as a status poll. */
const renderVideo = (state: MetaFakeState, ctx: FakeContext, page: FakePage, video: PageVideo, specs: readonly FieldSpec[]) => {
  if (video.finishedAtMs !== undefined) video.polls += 1;
  settleVideos(state, ctx, page);
  const nowMs = ctx.now().getTime();
  const ready = state.content.videoReady(video, nowMs, state.processing);
  const uploaded = video.uploadedAtMs !== undefined;
  const finished = video.finishedAtMs !== undefined;
  return renderNode('Video', video.id, specs, {
    id: () => video.id,
    description: () => video.description,
    created_time: () => metaTime(new Date(video.createdAtMs)),
    published: () => video.published && ready,
    permalink_url: () => (video.kind === 'reel' ? `/reel/${video.id}/` : `/${page.username}/videos/${video.id}/`),
    status: () => ({
      video_status: video.error !== undefined ? 'error' : ready ? 'ready' : uploaded ? 'processing' : 'upload_pending',
      uploading_phase: phase(uploaded ? 'complete' : 'not_started'),
      processing_phase: phase(!uploaded ? 'not_started' : ready ? 'complete' : 'in_progress'),
      publishing_phase: { status: !finished ? 'not_started' : ready ? 'complete' : 'in_progress', publish_status: ready && video.published ? 'published' : 'not_published' },
    }),
  });
};

/**
 * A Page post, photo or video the token may read, as `GET /{id}` answers it; undefined when `id`
 * is none of these (the caller goes on with its other node types).
 */
export const pageNodeFor = (state: MetaFakeState, subject: Subject, req: FakeRequest, ctx: FakeContext, call: GraphCall, id: string): FakeResponse | undefined => {
  const now = ctx.now();
  const pageOf = (pageId: string) => subject.person.pages.find((p) => p.id === pageId);
  const video = state.content.videos.get(id);
  const photo = state.content.photos.get(id);
  const pageId = video?.pageId ?? photo?.pageId ?? (id.includes('_') ? id.split('_')[0]! : undefined);
  const page = pageId !== undefined ? pageOf(pageId) : undefined;
  if (!page) return undefined;
  requireScopes(subject, 'pages_read_engagement');
  const throttled = call.admit({ id: page.id, type: 'pages' });
  if (throttled) return throttled;
  if (video) return { status: 200, body: renderVideo(state, ctx, page, video, requestedFields(req.query, ['id'])) };
  if (photo) {
    return {
      status: 200,
      body: renderNode('Photo', photo.id, requestedFields(req.query, ['id', 'created_time']), {
        id: () => photo.id,
        created_time: () => metaTime(new Date(photo.createdAtMs)),
        link: () => `https://www.facebook.com/photo.php?fbid=${photo.id}`,
        page_story_id: () => photo.postId,
      }),
    };
  }
  settleVideos(state, ctx, page);
  const post = pagePostById(state, page, id, now);
  if (!post) throw new GraphFailure(unsupportedGet(id));
  return { status: 200, body: renderPagePost(page, post, requestedFields(req.query, ['created_time', 'message', 'id']), subject) };
};

/** `GET /?ids=a,b&fields=…`: each id's node, keyed by id; `(#803)` when one does not exist. */
const multiIdRead = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const subject = fbSubject(state, req, ctx);
  const ids = (req.query.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) bad('(#100) Unsupported get request. Pass ids or use a node path.');
  if (ids.length > 50) bad('(#100) Too many IDs. Maximum: 50.');
  const now = ctx.now();
  const specs = requestedFields(req.query, ['created_time', 'message', 'id']);
  const found: Array<{ id: string; page: FakePage }> = [];
  const missing: string[] = [];
  for (const id of ids) {
    const page = subject.person.pages.find((p) => id.startsWith(`${p.id}_`));
    if (page) settleVideos(state, ctx, page);
    if (page && pagePostById(state, page, id, now)) found.push({ id, page });
    else missing.push(id);
  }
  if (missing.length > 0) bad(`(#803) Some of the aliases you requested do not exist: ${missing.join(',')}`, 803);
  requireScopes(subject, 'pages_read_engagement');
  const throttled = call.admit({ id: found[0]!.page.id, type: 'pages' });
  if (throttled) return throttled;
  const body: Record<string, unknown> = {};
  for (const { id, page } of found) body[id] = renderPagePost(page, pagePostById(state, page, id, now)!, specs, subject);
  return { status: 200, body };
};

/** `GET /{page-id}/videos`: the Page's uploaded videos, newest first (https://developers.facebook.com/docs/graph-api/reference/page/videos). */
const pageVideos = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const subject = fbSubject(state, req, ctx);
  const id = req.params['id'] ?? '';
  const page = subject.person.pages.find((p) => p.id === id);
  if (!page) throw new GraphFailure(unsupportedGet(id));
  requireScopes(subject, 'pages_read_engagement');
  const throttled = call.admit({ id: page.id, type: 'pages' });
  if (throttled) return throttled;
  const list = [...state.content.videos.values()].filter((v) => v.pageId === page.id && v.kind === 'video').sort((a, b) => b.createdAtMs - a.createdAtMs);
  return {
    status: 200,
    body: renderEdge(edgeSpec('videos', req), {
      items: (offset, limit) => list.slice(offset, offset + limit + 1),
      render: (video, children) => renderVideo(state, ctx, page, video, children),
      defaultChildren: ['id', 'description', 'created_time'],
    }),
  };
};

/** The Page publishing routes, the multi-id read, and rupload. */
export const fbPublishRoutes = (state: MetaFakeState): FakeRoute[] => {
  const host = 'graph.facebook.com';
  return [
    graphRoute(state, 'POST', host, '/:version/:id/feed', feed(state)),
    graphRoute(state, 'POST', host, '/:version/:id/photos', photos(state)),
    graphRoute(state, 'POST', host, '/:version/:id/videos', videos(state)),
    graphRoute(state, 'GET', host, '/:version/:id/videos', pageVideos(state)),
    graphRoute(state, 'POST', host, '/:version/:id/video_reels', reels(state)),
    graphRoute(state, 'GET', host, '/:version', multiIdRead(state)),
    { method: 'POST', host: 'rupload.facebook.com', path: '/video-upload/:version/:videoId', handler: rupload(state) },
  ];
};
