/**
 * The fake Content Posting API: creator_info, the video (Direct Post and inbox) and photo init
 * endpoints, the chunked upload on open-upload.tiktokapis.com and the status endpoint, with the
 * documented request checks, refusals and rate windows.
 * https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info
 * https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
 * https://developers.tiktok.com/doc/content-posting-api-reference-upload-video
 * https://developers.tiktok.com/doc/content-posting-api-reference-photo-post
 * https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
 * https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FakeContext, FakeHandler, FakeRequest, FakeResponse } from '../framework';
import type { AccessEntry } from '../oauth-store';
import type { TiktokFakeAccount } from './accounts';
import { authorized, jsonObject, type TiktokApiState } from './api';
import { advance, isPublic, postsInLastDay, type FakePublish, type FakeUpload, type TiktokPublishState } from './publishes';
import { apiError, invalidParam, logId, ok, postingError, scopeNotAuthorized } from './responses';

const MIB = 1024 * 1024;
const MIN_CHUNK = 5 * MIB;
const MAX_CHUNK = 64 * MIB;
const MAX_FINAL_CHUNK = 128 * MIB;
const MAX_CHUNKS = 1000;
const MAX_VIDEO_BYTES = 4 * 1024 * MIB;
const UPLOAD_TTL_MS = 3_600_000;
const VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/webm'];
const PRIVACY_LEVELS = ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'];

export interface PublishApi {
  readonly api: TiktokApiState;
  readonly state: TiktokPublishState;
}

/** A private account cannot post to everyone; names steer it (`private`, `nocomment`). */
export const privacyOptionsOf = (account: TiktokFakeAccount): string[] =>
  account.name.includes('private') ? PRIVACY_LEVELS.filter((p) => p !== 'PUBLIC_TO_EVERYONE') : [...PRIVACY_LEVELS];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isHttpUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\/\S+$/.test(v);

type Source = { readonly source: 'FILE_UPLOAD'; readonly size: number; readonly chunkSize: number; readonly chunkCount: number } | { readonly source: 'PULL_FROM_URL'; readonly urls: readonly string[] };

/** The media transfer guide's chunk rules for FILE_UPLOAD, or PULL_FROM_URL with its one URL. */
const videoSource = (info: unknown, now: Date): Source | FakeResponse => {
  if (!isObject(info)) return invalidParam('source_info is required.', now);
  if (info['source'] === 'PULL_FROM_URL') {
    return isHttpUrl(info['video_url']) ? { source: 'PULL_FROM_URL', urls: [info['video_url']] } : invalidParam('video_url must be a URL.', now);
  }
  if (info['source'] !== 'FILE_UPLOAD') return invalidParam('source must be FILE_UPLOAD or PULL_FROM_URL.', now);
  const size = info['video_size'];
  const chunkSize = info['chunk_size'];
  const count = info['total_chunk_count'];
  if (!isInt(size) || !isInt(chunkSize) || !isInt(count) || size <= 0 || chunkSize <= 0) {
    return invalidParam('video_size, chunk_size and total_chunk_count are required for FILE_UPLOAD.', now);
  }
  if (size > MAX_VIDEO_BYTES) return invalidParam('The video is larger than 4 GB.', now);
  if (size < MIN_CHUNK && (chunkSize !== size || count !== 1)) return invalidParam('A video under 5 MB must be uploaded whole: chunk_size must equal video_size.', now);
  if (size >= MIN_CHUNK && (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK || chunkSize > size)) return invalidParam('chunk_size must be between 5 MB and 64 MB.', now);
  if (count !== Math.floor(size / chunkSize) || count < 1 || count > MAX_CHUNKS) return invalidParam('The total chunk count is invalid.', now);
  if (size - chunkSize * (count - 1) > MAX_FINAL_CHUNK) return invalidParam('The final chunk may not exceed 128 MB.', now);
  return { source: 'FILE_UPLOAD', size, chunkSize, chunkCount: count };
};

/** PULL_FROM_URL needs a verified prefix (every URL counts as verified unless prefixes are configured). */
const unverified = (state: TiktokPublishState, urls: readonly string[]): boolean =>
  state.settings.verifiedUrlPrefixes !== undefined && urls.some((u) => !state.settings.verifiedUrlPrefixes!.some((prefix) => u.startsWith(prefix)));

/** The Direct Post checks on privacy, the unaudited restriction and the daily cap. */
const directChecks = (state: TiktokPublishState, account: TiktokFakeAccount, privacy: unknown, now: Date): FakeResponse | undefined => {
  if (typeof privacy !== 'string' || !privacyOptionsOf(account).includes(privacy)) return postingError('privacy_level_option_mismatch', now);
  if (state.settings.unaudited && privacy !== 'SELF_ONLY') return postingError('unaudited_client_can_only_post_to_private_accounts', now);
  if (postsInLastDay(state, account.openId, now) >= state.settings.dailyPostCap) return postingError('spam_risk_too_many_posts', now);
  return undefined;
};

const textField = (info: Record<string, unknown>, name: string, max: number, now: Date): string | FakeResponse => {
  const value = info[name] ?? '';
  if (typeof value !== 'string') return invalidParam(`${name} must be a string.`, now);
  if (value.length > max) return invalidParam(`${name} is longer than ${max} UTF-16 runes.`, now);
  return value;
};

const BOOLEAN_SETTINGS = ['disable_duet', 'disable_comment', 'disable_stitch', 'brand_content_toggle', 'brand_organic_toggle', 'is_aigc', 'auto_add_music'];

const settingsOf = (info: Record<string, unknown>, now: Date): Record<string, unknown> | FakeResponse => {
  const out: Record<string, unknown> = {};
  for (const name of BOOLEAN_SETTINGS) {
    if (info[name] === undefined) continue;
    if (typeof info[name] !== 'boolean') return invalidParam(`${name} must be a boolean.`, now);
    out[name] = info[name];
  }
  const cover = info['video_cover_timestamp_ms'];
  if (cover !== undefined) {
    if (!isInt(cover) || cover < 0) return invalidParam('video_cover_timestamp_ms must be a non-negative integer.', now);
    out['video_cover_timestamp_ms'] = cover;
  }
  return out;
};

const isResponse = (v: unknown): v is FakeResponse => isObject(v) && typeof v['status'] === 'number' && 'body' in v;

/** Records a new publish and answers its id (and upload URL). */
const create = (
  state: TiktokPublishState,
  account: TiktokFakeAccount,
  now: Date,
  p: Omit<FakePublish, 'publishId' | 'openId' | 'accountName' | 'createdAtMs' | 'status' | 'polls' | 'upload' | 'readyAtMs' | 'announcedPublic'>,
  source: Source,
): FakeResponse => {
  state.counter.value += 1;
  const serial = (7_000_000_000_000_000_000n + BigInt(state.counter.value)).toString();
  const prefix = p.kind === 'photo' ? 'p_pub_url~v2' : p.mode === 'MEDIA_UPLOAD' ? 'v_inbox_file~v2' : source.source === 'FILE_UPLOAD' ? 'v_pub_file~v2-1' : 'v_pub_url~v2-1';
  const publishId = `${prefix}.${serial}`;
  let upload: FakeUpload | undefined;
  if (source.source === 'FILE_UPLOAD') {
    upload = {
      uploadId: `${state.counter.value}${randomBytes(4).readUInt32BE(0)}`,
      token: randomBytes(12).toString('base64url'),
      expiresAtMs: now.getTime() + UPLOAD_TTL_MS,
      size: source.size,
      chunkSize: source.chunkSize,
      chunkCount: source.chunkCount,
      received: 0,
      chunks: 0,
      hash: createHash('sha256'),
    };
    state.uploads.set(upload.uploadId, publishId);
  }
  state.publishes.set(publishId, {
    ...p,
    publishId,
    openId: account.openId,
    accountName: account.name,
    createdAtMs: now.getTime(),
    status: source.source === 'FILE_UPLOAD' ? 'PROCESSING_UPLOAD' : 'PROCESSING_DOWNLOAD',
    ...(source.source === 'PULL_FROM_URL' && { readyAtMs: now.getTime() }),
    ...(upload && { upload }),
    polls: 0,
    announcedPublic: false,
  });
  const uploadUrl = upload ? `https://open-upload.tiktokapis.com/video/?upload_id=${upload.uploadId}&upload_token=${upload.token}` : undefined;
  return ok({ publish_id: publishId, ...(uploadUrl && { upload_url: uploadUrl }) }, now);
};

const needsScope = (grant: AccessEntry, scope: string, now: Date): FakeResponse | undefined => (grant.scopes.includes(scope) ? undefined : scopeNotAuthorized(scope, now));

/** POST /v2/post/publish/creator_info/query/ (scope video.publish). */
export const creatorInfo = ({ api, state }: PublishApi): FakeHandler =>
  authorized(api, 'creatorInfo', (_req, now, grant, account) => {
    const missing = needsScope(grant, 'video.publish', now);
    if (missing) return missing;
    if (postsInLastDay(state, account.openId, now) >= state.settings.dailyPostCap) return postingError('spam_risk_too_many_posts', now);
    return ok(
      {
        creator_avatar_url: `https://p16-sign.tiktokcdn-us.com/tos-useast5-avt-0068-tx/${account.openId.slice(0, 8)}~c5_168x168.jpeg`,
        creator_username: account.username,
        creator_nickname: account.displayName,
        privacy_level_options: privacyOptionsOf(account),
        comment_disabled: account.name.includes('nocomment'),
        duet_disabled: false,
        stitch_disabled: false,
        max_video_post_duration_sec: state.settings.maxVideoSeconds,
      },
      now,
    );
  });

/** POST /v2/post/publish/video/init/ (Direct Post, scope video.publish). */
export const videoInit = ({ api, state }: PublishApi): FakeHandler =>
  authorized(api, 'videoInit', (req, now, grant, account) => {
    const missing = needsScope(grant, 'video.publish', now);
    if (missing) return missing;
    const body = jsonObject(req);
    const info = body?.['post_info'];
    if (!body || !isObject(info)) return invalidParam('post_info is required.', now);
    const refused = directChecks(state, account, info['privacy_level'], now);
    if (refused) return refused;
    const title = textField(info, 'title', 2200, now);
    if (typeof title !== 'string') return title;
    const settings = settingsOf(info, now);
    if (isResponse(settings)) return settings;
    const source = videoSource(body['source_info'], now);
    if ('status' in source) return source;
    if (source.source === 'PULL_FROM_URL' && unverified(state, source.urls)) return postingError('url_ownership_unverified', now);
    const privacy = info['privacy_level'] as string;
    return create(state, account, now, { kind: 'video', mode: 'DIRECT_POST', source: source.source, title, description: '', privacy, settings, urls: 'urls' in source ? source.urls : [] }, source);
  });

/** POST /v2/post/publish/inbox/video/init/ (a draft, scope video.upload): `source_info` only. */
export const inboxVideoInit = ({ api, state }: PublishApi): FakeHandler =>
  authorized(api, 'inboxInit', (req, now, grant, account) => {
    const missing = needsScope(grant, 'video.upload', now);
    if (missing) return missing;
    const body = jsonObject(req);
    if (!body) return invalidParam('The request body must be a JSON object.', now);
    const source = videoSource(body['source_info'], now);
    if ('status' in source) return source;
    if (source.source === 'PULL_FROM_URL' && unverified(state, source.urls)) return postingError('url_ownership_unverified', now);
    return create(state, account, now, { kind: 'video', mode: 'MEDIA_UPLOAD', source: source.source, title: '', description: '', privacy: undefined, settings: {}, urls: 'urls' in source ? source.urls : [] }, source);
  });

/** POST /v2/post/publish/content/init/ with `media_type: PHOTO` (PULL_FROM_URL, up to 35 images). */
export const contentInit = ({ api, state }: PublishApi): FakeHandler =>
  authorized(api, 'contentInit', (req, now, grant, account) => {
    const body = jsonObject(req);
    if (!body) return invalidParam('The request body must be a JSON object.', now);
    if (body['media_type'] !== 'PHOTO') return invalidParam('media_type must be PHOTO.', now);
    const mode = body['post_mode'];
    if (mode !== 'DIRECT_POST' && mode !== 'MEDIA_UPLOAD') return invalidParam('post_mode must be DIRECT_POST or MEDIA_UPLOAD.', now);
    const missing = needsScope(grant, mode === 'DIRECT_POST' ? 'video.publish' : 'video.upload', now);
    if (missing) return missing;
    const info = body['post_info'];
    if (!isObject(info)) return invalidParam('post_info is required.', now);
    const title = textField(info, 'title', 90, now);
    if (typeof title !== 'string') return title;
    const description = textField(info, 'description', 4000, now);
    if (typeof description !== 'string') return description;
    if (mode === 'DIRECT_POST') {
      const refused = directChecks(state, account, info['privacy_level'], now);
      if (refused) return refused;
    }
    const settings = settingsOf(info, now);
    if (isResponse(settings)) return settings;
    const source = body['source_info'];
    if (!isObject(source) || source['source'] !== 'PULL_FROM_URL') return invalidParam('Photos only take source PULL_FROM_URL.', now);
    const images = source['photo_images'];
    if (!Array.isArray(images) || images.length < 1 || images.length > 35 || !images.every(isHttpUrl)) return invalidParam('photo_images must list 1 to 35 URLs.', now);
    const cover = source['photo_cover_index'];
    if (!isInt(cover) || cover < 0 || cover >= images.length) return invalidParam('photo_cover_index must name one of the photo_images.', now);
    if (unverified(state, images)) return postingError('url_ownership_unverified', now);
    const privacy = mode === 'DIRECT_POST' ? (info['privacy_level'] as string) : undefined;
    return create(
      state,
      account,
      now,
      { kind: 'photo', mode, source: 'PULL_FROM_URL', title, description, privacy, settings: { ...settings, photo_cover_index: cover }, urls: images },
      { source: 'PULL_FROM_URL', urls: images },
    );
  });

const CONTENT_RANGE = /^bytes ([0-9]+)-([0-9]+)\/([0-9]+)$/;

/**
 * PUT open-upload.tiktokapis.com/video/?upload_id&upload_token: chunks in order, each of the
 * declared size (the final one with the remainder); 206 while chunks are missing, 201 when whole.
 */
export const uploadChunk =
  ({ state }: PublishApi): FakeHandler =>
  (req: FakeRequest, ctx: FakeContext): FakeResponse => {
    const now = ctx.now();
    const publishId = state.uploads.get(req.query.get('upload_id') ?? '');
    const p = publishId ? state.publishes.get(publishId) : undefined;
    const upload = p?.upload;
    if (!p || !upload || req.query.get('upload_token') !== upload.token) return apiError(404, 'invalid_params', 'The upload_url is invalid.', now);
    if (now.getTime() > upload.expiresAtMs) return apiError(403, 'invalid_file_upload', 'The upload_url has expired.', now);
    if (upload.received === upload.size) return apiError(400, 'invalid_file_upload', 'The file is already complete.', now);
    if (!VIDEO_TYPES.includes((req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase())) {
      return apiError(400, 'invalid_file_upload', 'Content-Type must be video/mp4, video/quicktime or video/webm.', now);
    }
    const range = CONTENT_RANGE.exec(req.headers['content-range'] ?? '');
    if (!range) return apiError(400, 'invalid_file_upload', 'Content-Range must be bytes {FIRST_BYTE}-{LAST_BYTE}/{TOTAL_BYTE_LENGTH}.', now);
    const [first, last, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    const index = upload.chunks;
    const expected = index === upload.chunkCount - 1 ? upload.size - upload.chunkSize * (upload.chunkCount - 1) : upload.chunkSize;
    if (total !== upload.size) return apiError(400, 'invalid_file_upload', 'The total byte length does not match video_size.', now);
    if (first !== upload.received) return apiError(400, 'invalid_file_upload', 'File chunks must be uploaded sequentially.', now);
    if (last - first + 1 !== expected || req.body.length !== expected) return apiError(400, 'invalid_file_upload', `Chunk ${index + 1} must hold ${expected} bytes.`, now);
    upload.hash.update(req.body);
    upload.received += req.body.length;
    upload.chunks += 1;
    if (upload.received < upload.size) return { status: 206 };
    upload.sha256 = upload.hash.digest('hex');
    p.readyAtMs = now.getTime();
    return { status: 201 };
  };

/** TikTok sends `publicaly_available_post_id` as a list of int64: bare numbers in the JSON. */
const withInt64Ids = (text: string): string =>
  text.replace(/("publicaly_available_post_id":\[)([^\]]*)(\])/, (_m, open: string, inner: string, close: string) => `${open}${inner.replace(/"([0-9]+)"/g, '$1')}${close}`);

/** POST /v2/post/publish/status/fetch/ `{publish_id}`: advances the publish, then tells where it stands. */
export const statusFetch = ({ api, state }: PublishApi): FakeHandler =>
  authorized(api, 'statusFetch', async (req, now, grant, account, ctx) => {
    if (!grant.scopes.includes('video.publish') && !grant.scopes.includes('video.upload')) return scopeNotAuthorized('video.publish', now);
    const publishId = jsonObject(req)?.['publish_id'];
    if (typeof publishId !== 'string' || publishId === '') return invalidParam('publish_id is required.', now);
    const p = state.publishes.get(publishId);
    if (!p) return postingError('invalid_publish_id', now, 400);
    if (p.openId !== account.openId) return postingError('token_not_authorized_for_specified_publish_id', now, 400);
    await advance(state, p, now, ctx, true);
    const data = {
      status: p.status,
      ...(p.status === 'FAILED' && { fail_reason: p.failReason }),
      publicaly_available_post_id: isPublic(p, now) ? [p.postId] : [],
      ...(p.upload && { uploaded_bytes: p.upload.received }),
      ...(p.source === 'PULL_FROM_URL' && { downloaded_bytes: p.downloadedBytes ?? 0 }),
    };
    const text = withInt64Ids(JSON.stringify({ data, error: { code: 'ok', message: '', log_id: logId(now) } }));
    return { status: 200, headers: { 'content-type': 'application/json' }, body: text };
  });
