/**
 * Instagram content publishing and media insights in the fake, on graph.instagram.com (Instagram
 * Login tokens) and graph.facebook.com (Facebook Login tokens for a Page's linked account)
 * (https://developers.facebook.com/docs/instagram-platform/content-publishing):
 * - `POST /{ig-user-id}/media`: a container; the fake fetches `image_url` / `video_url` as
 *   Instagram does and refuses images that are not JPEG, over 8 MiB or outside 4:5…1.91:1 with
 *   the documented codes; videos process (IN_PROGRESS) until the fakes' clock or status reads
 *   move them on, and a video it cannot fetch or read puts the container in ERROR;
 * - `GET /{container-id}?fields=status_code,status`;
 * - `POST /{ig-user-id}/media_publish?creation_id=` (9007 / 2207027 while processing, 9 / 2207042
 *   over the rolling limit);
 * - `GET /{ig-user-id}/content_publishing_limit`, `GET /{ig-user-id}/stories`,
 *   `GET /{media-id}/insights?metric=…` (the metrics removed in April 2025 are refused); the
 *   same path on an account or a Page is answered by `demographics.ts`.
 * Error wording not documented by Meta is the fake's own.
 */
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import { derivedFigures, type IgContainer, type IgContainerKind } from './content';
import { accountInsights } from './demographics';
import { edgeSpec } from './edges';
import { requestedFields } from './fields';
import { fbSubject, graphRoute, GraphFailure, igSubject, requireScopes, type GraphCall } from './graph-call';
import { fetchMedia, jpegSize } from './media';
import { igPostById, igStories, renderEdge, renderIgMedia } from './nodes';
import { graphError, unsupportedGet } from './responses';
import type { MetaFakeState, Subject } from './state';
import type { FakePerson, FakePost } from './world';

const MIB = 1024 * 1024;
const MB = 1000 * 1000;
const DAY_MS = 86_400_000;
const CAPTION_MAX = 2200;

type Host = 'graph.instagram.com' | 'graph.facebook.com';
const HOSTS: readonly Host[] = ['graph.instagram.com', 'graph.facebook.com'];

/** What each kind of call needs, in either login's permission names. */
const SCOPES = {
  read: { 'graph.instagram.com': ['instagram_business_basic'], 'graph.facebook.com': ['instagram_basic', 'pages_read_engagement'] },
  publish: {
    'graph.instagram.com': ['instagram_business_basic', 'instagram_business_content_publish'],
    'graph.facebook.com': ['instagram_basic', 'instagram_content_publish', 'pages_read_engagement'],
  },
  insights: {
    'graph.instagram.com': ['instagram_business_basic', 'instagram_business_manage_insights'],
    'graph.facebook.com': ['instagram_basic', 'instagram_manage_insights', 'pages_read_engagement'],
  },
} as const;

/** The Instagram account a token may act for by id: its own (Instagram Login) or one linked to a Page of its person. */
export const igAccountOf = (subject: Subject, id: string): FakePerson | undefined => {
  const p = subject.person;
  if (subject.kind === 'ig') return id === 'me' || id === p.igUserId || id === p.igScopedId ? p : undefined;
  return p.pages.some((pg) => pg.igUserId === id) ? p : undefined;
};

const subjectFor = (state: MetaFakeState, host: Host, req: FakeRequest, ctx: FakeContext): Subject =>
  host === 'graph.instagram.com' ? igSubject(state, req, ctx) : fbSubject(state, req, ctx);

/** The account of `:id` with the permissions `need`, or the Graph error to answer. */
const account = (state: MetaFakeState, host: Host, req: FakeRequest, ctx: FakeContext, need: keyof typeof SCOPES) => {
  const subject = subjectFor(state, host, req, ctx);
  const id = req.params['id'] ?? '';
  const person = igAccountOf(subject, id);
  if (!person) throw new GraphFailure(unsupportedGet(id));
  requireScopes(subject, ...SCOPES[need][host]);
  return { subject, person };
};

/** POST parameters: Graph reads them from the query and the form body alike. */
export const paramsOf = (req: FakeRequest): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of req.query) out[k] = v;
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) for (const [k, v] of req.form()) out[k] = v;
  delete out['access_token'];
  delete out['appsecret_proof'];
  return out;
};

const bad = (message: string, extra: { subcode?: number; userTitle?: string; userMessage?: string; code?: number } = {}): never => {
  throw new GraphFailure(graphError(400, { message, code: extra.code ?? 100, ...extra, isTransient: false }));
};

const HASHTAG = /(?:^|[^\p{L}\p{N}_&#])#[\p{L}\p{N}_]*[\p{L}_]/gu;
const MENTION = /(?:^|[^\p{L}\p{N}_@.])@[A-Za-z0-9._]{1,30}/gu;

const checkCaption = (caption: string): void => {
  if ([...caption].length > CAPTION_MAX) bad(`(#100) The caption is longer than ${CAPTION_MAX} characters.`);
  if ((caption.match(HASHTAG) ?? []).length > 30) bad('(#100) The caption has more than 30 hashtags.');
  if ((caption.match(MENTION) ?? []).length > 20) bad('(#100) The caption mentions more than 20 accounts.');
};

/** Fetches and checks an image as Instagram does (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes). */
const checkImage = async (state: MetaFakeState, url: string | undefined, feedShape: boolean): Promise<void> => {
  if (!url) bad('(#100) The parameter image_url is required.');
  const fetched = await fetchMedia(url!, 8 * MIB, state.options.mediaFetchTimeoutMs);
  if (!fetched.ok) {
    if (fetched.reason === 'timeout') bad('It takes too long to download the media.', { code: -2, subcode: 2207003 });
    bad('The media could not be fetched from this uri', { code: 9004, subcode: 2207052, userTitle: 'Media download has failed', userMessage: "The media URI doesn't meet our requirements." });
  }
  if (fetched.ok && fetched.tooLarge) {
    // The documented sample, verbatim.
    bad('The image size is too large.', { code: 36000, subcode: 2207004, userTitle: 'Image size too large', userMessage: 'The image is too large to download. It should be less than 8 MiB.' });
  }
  if (fetched.ok && fetched.type !== 'jpeg') bad('The image format is not supported.', { code: 36001, subcode: 2207005, userTitle: 'Unsupported image format', userMessage: 'Only JPEG images are supported.' });
  const size = fetched.ok ? jpegSize(fetched.bytes) : undefined;
  if (feedShape && size) {
    const ratio = size.width / size.height;
    if (ratio < 0.8 - 1e-9 || ratio > 1.91 + 1e-9) {
      bad('The aspect ratio is not supported.', { code: 36003, subcode: 2207009, userTitle: 'Unsupported aspect ratio', userMessage: 'The submitted image with aspect ratio is not supported. Use an aspect ratio between 4:5 and 1.91:1.' });
    }
  }
};

/** Fetches a video as Instagram does: a failure shows later as the container's ERROR status. */
const videoProblem = async (state: MetaFakeState, url: string, maxBytes: number): Promise<string | undefined> => {
  const fetched = await fetchMedia(url, maxBytes, state.options.mediaFetchTimeoutMs);
  if (!fetched.ok) return "Media download has failed. The media URI doesn't meet our requirements. (2207052)";
  if (fetched.tooLarge) return 'The video file is too large. (2207026)';
  if (fetched.type !== 'mp4') return 'The video format is not supported. Please check spec for supported streams. (2207026)';
  return undefined;
};

const createMedia = (state: MetaFakeState, host: Host) => async (req: FakeRequest, ctx: FakeContext, call: GraphCall): Promise<FakeResponse> => {
  const { person } = account(state, host, req, ctx, 'publish');
  const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
  if (throttled) return throttled;
  const p = paramsOf(req);
  const now = ctx.now().getTime();
  const type = (p['media_type'] ?? 'IMAGE').toUpperCase();
  const item = p['is_carousel_item'] === 'true';
  const caption = p['caption'] ?? '';
  if (p['collaborators'] !== undefined) {
    let list: unknown;
    try {
      list = JSON.parse(p['collaborators']);
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list) || list.length > 3) bad('(#100) collaborators must be a JSON array of at most 3 usernames.');
  }
  if (p['thumb_offset'] !== undefined && !/^\d+$/.test(p['thumb_offset'])) {
    bad('Thumbnail offset must be greater than or equal to 0 and less than video duration', { code: 1, subcode: 2207057 });
  }

  const add = (kind: IgContainerKind, isVideo: boolean, extra: Partial<Pick<IgContainer, 'children' | 'error'>> = {}): FakeResponse => {
    const c = state.content.addContainer({
      owner: person.igUserId,
      kind,
      isVideo,
      caption: item || kind === 'STORIES' ? '' : caption,
      children: extra.children ?? [],
      params: p,
      createdAtMs: now,
      processingMs: isVideo ? state.options.videoProcessingSeconds * 1000 : 0,
    });
    if (extra.error !== undefined) c.error = extra.error;
    return { status: 200, body: { id: c.id } };
  };

  if (type === 'CAROUSEL') {
    checkCaption(caption);
    const ids = (p['children'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length < 2 || ids.length > 10) bad('(#100) A carousel takes 2 to 10 children.', { subcode: 2207056 });
    for (const id of ids) {
      const child = state.content.containers.get(id);
      if (!child || child.owner !== person.igUserId || child.kind !== 'CAROUSEL_ITEM' || child.usedInCarousel !== undefined) bad(`(#100) The child container ${id} cannot be used in this carousel.`);
      const status = state.content.containerStatus(child!, now, state.processing);
      if (status === 'IN_PROGRESS') {
        throw new GraphFailure(graphError(400, { message: 'Media ID is not available', code: 9007, subcode: 2207027, userTitle: 'Media not ready', userMessage: 'The media is not ready for publishing, please wait for a moment' }));
      }
      if (status !== 'FINISHED') bad(`(#100) The child container ${id} is ${status.toLowerCase()}.`);
    }
    const res = add('CAROUSEL', false, { children: ids });
    for (const id of ids) state.content.containers.get(id)!.usedInCarousel = (res.body as { id: string }).id;
    return res;
  }
  if (type === 'VIDEO' && !item) bad('(#100) The VIDEO media_type is no longer supported for feed posts; publish videos as REELS.', { subcode: 2207067 });
  if (!['IMAGE', 'VIDEO', 'REELS', 'STORIES'].includes(type)) bad(`(#100) Param media_type must be one of {IMAGE, VIDEO, REELS, STORIES, CAROUSEL}.`);
  if (!item && type !== 'STORIES') checkCaption(caption);

  const videoUrl = p['video_url'];
  const isVideo = type === 'VIDEO' || type === 'REELS' || (type === 'STORIES' && videoUrl !== undefined);
  const kind: IgContainerKind = item ? 'CAROUSEL_ITEM' : type === 'REELS' ? 'REELS' : type === 'STORIES' ? 'STORIES' : 'IMAGE';
  if (!isVideo) {
    await checkImage(state, p['image_url'], kind !== 'STORIES');
    return add(kind, false);
  }
  if (!videoUrl) bad('(#100) The parameter video_url is required.');
  const error = await videoProblem(state, videoUrl!, type === 'REELS' ? 300 * MB : 100 * MB);
  return add(kind, true, error !== undefined ? { error } : {});
};

const STATUS_TEXT = {
  IN_PROGRESS: 'In Progress: Media is still being processed.',
  FINISHED: 'Finished: Media has been uploaded and it is ready to be published.',
  EXPIRED: 'Expired: The media container was not published within 24 hours.',
  PUBLISHED: 'Published: Media has been published.',
} as const;

/** A container node (https://developers.facebook.com/docs/instagram-platform/reference/ig-container); each read counts as a status poll. */
const renderContainer = (state: MetaFakeState, c: IgContainer, req: FakeRequest, now: Date) => {
  c.polls += 1;
  const code = state.content.containerStatus(c, now.getTime(), state.processing);
  const values: Record<string, unknown> = {
    id: c.id,
    status_code: code,
    status: code === 'ERROR' ? `Error: ${c.error}` : STATUS_TEXT[code],
  };
  const specs = requestedFields(req.query, ['id']);
  const out: Record<string, unknown> = {};
  for (const s of specs) {
    if (!(s.name in values)) throw new GraphFailure(graphError(400, { message: `(#100) Tried accessing nonexisting field (${s.name}) on node type (ShadowIGMediaBuilder)`, code: 100 }));
    out[s.name] = values[s.name];
  }
  return { ...out, id: c.id };
};

/**
 * A container or media of an account the token may act for, as `GET /{id}` answers it; undefined
 * when `id` is neither (the caller goes on with its other node types).
 */
export const igNodeFor = (state: MetaFakeState, subject: Subject, host: Host, req: FakeRequest, ctx: FakeContext, call: GraphCall, id: string): FakeResponse | undefined => {
  const now = ctx.now();
  const container = state.content.containers.get(id);
  const owner = container?.owner ?? state.content.igMedia.get(id)?.owner;
  const person = owner !== undefined ? igAccountOf(subject, owner) : undefined;
  if (owner !== undefined && !person) throw new GraphFailure(unsupportedGet(id));
  if (container && person) {
    requireScopes(subject, ...SCOPES.read[host]);
    const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
    return throttled ?? { status: 200, body: renderContainer(state, container, req, now) };
  }
  // Generated history: any media of the accounts the token reaches.
  const candidates = person ? [person] : subject.kind === 'ig' ? [subject.person] : subject.person.pages.some((p) => p.igUserId) ? [subject.person] : [];
  for (const p of candidates) {
    const post = igPostById(state, p, id, now);
    if (!post) continue;
    requireScopes(subject, ...SCOPES.read[host]);
    const throttled = call.admit({ id: p.igUserId, type: 'instagram' });
    return throttled ?? { status: 200, body: renderIgMedia(p, post, requestedFields(req.query, ['id'])) };
  }
  return undefined;
};

const publish = (state: MetaFakeState, host: Host) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const { person } = account(state, host, req, ctx, 'publish');
  const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
  if (throttled) return throttled;
  const creationId = paramsOf(req)['creation_id'];
  if (!creationId) bad('(#100) The parameter creation_id is required.');
  const c = state.content.containers.get(creationId!);
  const nowMs = ctx.now().getTime();
  if (!c || c.owner !== person.igUserId) bad('Media builder with creation id could not be found', { code: 24, subcode: 2207006 });
  if (c!.kind === 'CAROUSEL_ITEM') bad('(#100) A carousel item is published through its carousel.');
  switch (state.content.containerStatus(c!, nowMs, state.processing)) {
    case 'IN_PROGRESS':
      throw new GraphFailure(graphError(400, { message: 'Media ID is not available', code: 9007, subcode: 2207027, userTitle: 'Media not ready', userMessage: 'The media is not ready for publishing, please wait for a moment' }));
    case 'PUBLISHED':
      bad('(#100) The media has already been published.', { subcode: 2207008 });
      break;
    case 'ERROR':
      bad(`(#100) The media cannot be published: ${c!.error}`);
      break;
    case 'EXPIRED':
      bad('The media you are trying to access has expired. Please try to upload again.', { code: -2, subcode: 2207020 });
      break;
    case 'FINISHED':
      break;
  }
  if (state.content.publishedWithin(person.igUserId, nowMs, DAY_MS) >= state.options.igPublishQuota) {
    bad('Application request limit reached', { code: 9, subcode: 2207042, userTitle: 'Maximum posts reached', userMessage: 'You reached maximum number of posts that is allowed to be published by Content Publishing API.' });
  }
  const media = state.content.publishContainer(c!, nowMs);
  return { status: 200, body: { id: media.id } };
};

const publishingLimit = (state: MetaFakeState, host: Host) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const { person } = account(state, host, req, ctx, 'publish');
  const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
  if (throttled) return throttled;
  const usage = state.content.publishedWithin(person.igUserId, ctx.now().getTime(), DAY_MS);
  const fields = (req.query.get('fields') ?? 'quota_usage').split(',').map((f) => f.trim());
  const entry: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === 'quota_usage') entry[f] = usage;
    else if (f === 'config') entry[f] = { quota_total: state.options.igPublishQuota, quota_duration: DAY_MS / 1000 };
    else bad(`(#100) Tried accessing nonexisting field (${f}) on node type (ContentPublishingLimitResponse)`);
  }
  return { status: 200, body: { data: [entry] } };
};

/** Media insight metrics and their values for a post (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights). */
const MEDIA_METRICS: Readonly<Record<string, (p: FakePost) => number>> = {
  views: (p) => p.views,
  reach: (p) => derivedFigures(p).reach,
  likes: (p) => p.likes,
  comments: (p) => p.comments,
  saved: (p) => derivedFigures(p).saves,
  shares: (p) => p.shares,
  total_interactions: (p) => p.likes + p.comments + p.shares + derivedFigures(p).saves,
  follows: () => 0,
  profile_visits: (p) => Math.round(p.views * 0.01),
  replies: () => 0,
};
const REMOVED_METRICS = new Set(['impressions', 'plays', 'video_views', 'clips_replays_count', 'ig_reels_aggregated_all_plays_count']);
const NOT_FOR_STORIES = new Set(['likes', 'comments', 'saved']);

const insights = (state: MetaFakeState, host: Host) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const subject = subjectFor(state, host, req, ctx);
  // Account-level insights (an Instagram account's demographics, a Page's follows) share the path.
  const account = accountInsights(host, subject, req, ctx, call);
  if (account) return account;
  const id = req.params['id'] ?? '';
  const now = ctx.now();
  const owner = state.content.igMedia.get(id)?.owner;
  const people = owner !== undefined ? [igAccountOf(subject, owner)].filter((p): p is FakePerson => p !== undefined) : [subject.person].filter((p) => subject.kind === 'ig' || p.pages.some((pg) => pg.igUserId));
  const found = people.map((p) => ({ person: p, post: igPostById(state, p, id, now) })).find((x) => x.post !== undefined);
  if (!found) throw new GraphFailure(unsupportedGet(id));
  requireScopes(subject, ...SCOPES.insights[host]);
  const throttled = call.admit({ id: found.person.igUserId, type: 'instagram' });
  if (throttled) return throttled;
  const post = found.post!;
  const names = (req.query.get('metric') ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  if (names.length === 0) bad('(#100) The parameter metric is required.');
  for (const name of names) {
    if (REMOVED_METRICS.has(name)) bad(`(#100) Starting from version v22.0 and above, the ${name} metric is no longer supported. Please use views instead.`);
    if (!MEDIA_METRICS[name]) bad(`(#100) metric[0] must be one of the following values: ${Object.keys(MEDIA_METRICS).join(', ')}`);
    if (post.productType === 'STORY' && NOT_FOR_STORIES.has(name)) bad(`(#100) The Media Insights API does not support the ${name} metric for this media product type.`);
  }
  return {
    status: 200,
    body: {
      data: names.map((name) => ({
        name,
        period: 'lifetime',
        values: [{ value: MEDIA_METRICS[name]!(post) }],
        title: name,
        description: `Lifetime ${name} of the media`,
        id: `${id}/insights/${name}/lifetime`,
      })),
    },
  };
};

const stories = (state: MetaFakeState, host: Host) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const { person } = account(state, host, req, ctx, 'read');
  const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
  if (throttled) return throttled;
  const now = ctx.now();
  const list = igStories(state, person, now);
  return {
    status: 200,
    body: renderEdge(edgeSpec('stories', req), {
      items: (offset, limit) => list.slice(offset, offset + limit + 1),
      render: (post, children) => renderIgMedia(person, post, children),
      defaultChildren: ['id'],
    }),
  };
};

/** The Instagram publishing and insights routes, on both Graph hosts. */
export const igPublishRoutes = (state: MetaFakeState): FakeRoute[] =>
  HOSTS.flatMap((host) => [
    graphRoute(state, 'POST', host, '/:version/:id/media', createMedia(state, host)),
    graphRoute(state, 'POST', host, '/:version/:id/media_publish', publish(state, host)),
    graphRoute(state, 'GET', host, '/:version/:id/content_publishing_limit', publishingLimit(state, host)),
    graphRoute(state, 'GET', host, '/:version/:id/insights', insights(state, host)),
    graphRoute(state, 'GET', host, '/:version/:id/stories', stories(state, host)),
  ]);
