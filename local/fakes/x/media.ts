/**
 * The fake X media upload (API v2): one-shot `POST /2/media/upload` for images, the chunked session
 * (`/initialize`, `/{id}/append`, `/{id}/finalize`), the STATUS poll and `POST /2/media/metadata`.
 * GIFs and videos are processed asynchronously: `pending` after FINALIZE, `in_progress` while
 * polled, `succeeded` once the fakes' clock has moved on far enough or after enough polls. A file
 * whose bytes contain `corrupt` fails processing, as a broken video does at X.
 * https://docs.x.com/x-api/media/quickstart/media-upload-chunked · https://docs.x.com/x-api/media/quickstart/best-practices
 */
import type { FakeContext, FakeRequest, FakeResponse } from '../framework';
import { authorize, ok, type XApiState } from './api';
import { PROBLEM_BASE, rateHeaders } from './responses';

const MB = 1024 * 1024;
const MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/pjpeg', 'image/tiff', 'image/gif', 'video/mp4', 'video/webm', 'video/mp2t', 'video/quicktime']);
const CATEGORIES = new Set(['tweet_image', 'tweet_gif', 'tweet_video', 'amplify_video', 'dm_image', 'dm_gif', 'dm_video', 'subtitles']);
/** Default (non-Premium) limits per category. */
const CATEGORY_MAX_BYTES: Readonly<Record<string, number>> = {
  tweet_image: 5 * MB,
  dm_image: 5 * MB,
  tweet_gif: 15 * MB,
  dm_gif: 15 * MB,
  tweet_video: 8 * 1024 * MB,
  amplify_video: 8 * 1024 * MB,
  dm_video: 512 * MB,
  subtitles: 5 * MB,
};
/** "Keep each segment at or below 5 MB (server maximum is 8 MB)." */
const MAX_SEGMENT_BYTES = 8 * MB;
const INIT_EXPIRES_SECONDS = 1_295_999;
const FINALIZED_EXPIRES_SECONDS = 86_400;
const MEDIA_SCOPES = ['media.write'] as const;

export type FakeMediaKind = 'photo' | 'animated_gif' | 'video';

export interface FakeMedia {
  readonly id: string;
  readonly key: string;
  readonly ownerId: string;
  readonly mediaType: string;
  readonly category: string;
  readonly kind: FakeMediaKind;
  readonly totalBytes: number;
  readonly segments: Map<number, Buffer>;
  state: 'initialized' | 'finalized';
  finalizedAtMs?: number;
  polls: number;
  expiresAtMs: number;
  altText?: string;
}

export interface XMediaSettings {
  /** Seconds of the fakes' clock after FINALIZE until processing has succeeded. */
  readonly processingSeconds: number;
  /** …or this many STATUS polls, whichever comes first. */
  readonly processingPolls: number;
  /** `check_after_secs` X asks for. */
  readonly checkAfterSeconds: number;
}

export const DEFAULT_MEDIA_SETTINGS: XMediaSettings = { processingSeconds: 10, processingPolls: 2, checkAfterSeconds: 1 };

export interface XMediaState {
  readonly api: XApiState;
  readonly settings: XMediaSettings;
  readonly media: Map<string, FakeMedia>;
  /** A fresh snowflake id at the fakes' clock. */
  nextId(now: Date): string;
}

/** An `invalid-request` problem the way X answers bad upload input. */
export const badRequest = (detail: string, parameter?: string): FakeResponse => ({
  status: 400,
  headers: { 'content-type': 'application/problem+json' },
  body: {
    errors: [{ ...(parameter !== undefined && { parameters: { [parameter]: [] } }), message: detail }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: `${PROBLEM_BASE}invalid-request`,
  },
});

/** Splits a `multipart/form-data` body into its named parts. */
export const parseMultipart = (req: FakeRequest): Map<string, Buffer> | undefined => {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const out = new Map<string, Buffer>();
  const delimiter = Buffer.from(`--${boundary.trim()}`);
  let pos = req.body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (req.body.subarray(start, start + 2).toString() === '--') break;
    const next = req.body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = req.body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const name = /name="([^"]+)"/i.exec(part.subarray(0, headerEnd).toString('utf8'))?.[1];
      if (name) out.set(name, part.subarray(headerEnd + 4));
    }
    pos = next;
  }
  return out;
};

/** The request's fields, from multipart or JSON (X takes both; a JSON `media` is base64). */
const fieldsOf = (req: FakeRequest): Map<string, Buffer> | undefined => {
  if ((req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) return parseMultipart(req);
  const json = req.json();
  if (typeof json !== 'object' || json === null) return undefined;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (typeof v === 'string') out.set(k, k === 'media' ? Buffer.from(v, 'base64') : Buffer.from(v, 'utf8'));
    else if (typeof v === 'number') out.set(k, Buffer.from(String(v), 'utf8'));
  }
  return out;
};

const kindOf = (mediaType: string, category: string): FakeMediaKind =>
  mediaType.startsWith('video/') ? 'video' : mediaType === 'image/gif' && category.endsWith('_gif') ? 'animated_gif' : 'photo';

const keyPrefix: Readonly<Record<FakeMediaKind, string>> = { photo: '3', animated_gif: '16', video: '7' };

const defaultCategory = (mediaType: string): string => (mediaType.startsWith('video/') ? 'tweet_video' : mediaType === 'image/gif' ? 'tweet_gif' : 'tweet_image');

/** Processing state of finalized media: image answers carry none. */
const processingOf = (state: XMediaState, m: FakeMedia, now: Date): Record<string, unknown> | undefined => {
  if (m.kind === 'photo' || m.finalizedAtMs === undefined) return undefined;
  const elapsed = (now.getTime() - m.finalizedAtMs) / 1000;
  const done = elapsed >= state.settings.processingSeconds || m.polls >= state.settings.processingPolls;
  if (done) {
    const broken = [...m.segments.values()].some((b) => b.includes('corrupt'));
    return broken
      ? { state: 'failed', progress_percent: 100, error: { code: 1, name: 'InvalidMedia', message: 'Unsupported video format' } }
      : { state: 'succeeded', progress_percent: 100 };
  }
  if (m.polls === 0) return { state: 'pending', check_after_secs: state.settings.checkAfterSeconds };
  const progress = Math.min(99, Math.round(Math.max(elapsed / state.settings.processingSeconds, m.polls / state.settings.processingPolls) * 100));
  return { state: 'in_progress', check_after_secs: state.settings.checkAfterSeconds, progress_percent: progress };
};

/** Whether a media id may be attached to a post now; a reason when not. */
export const attachable = (state: XMediaState, id: string, ownerId: string, now: Date): { ok: true; media: FakeMedia } | { ok: false; reason: string } => {
  const m = state.media.get(id);
  if (!m || m.ownerId !== ownerId) return { ok: false, reason: `Your media IDs are invalid.` };
  if (m.expiresAtMs < now.getTime()) return { ok: false, reason: `Media id ${id} has expired.` };
  if (m.state !== 'finalized') return { ok: false, reason: `Media id ${id} has not been finalized.` };
  const processing = processingOf(state, m, now);
  if (processing && processing['state'] !== 'succeeded') return { ok: false, reason: `Media id ${id} is not ready (processing ${String(processing['state'])}).` };
  return { ok: true, media: m };
};

const mediaAnswer = (m: FakeMedia, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ data: { id: m.id, media_key: m.key, ...extra } });

const create = (state: XMediaState, ownerId: string, mediaType: string, category: string, totalBytes: number, now: Date): FakeMedia => {
  const id = state.nextId(now);
  const kind = kindOf(mediaType, category);
  const m: FakeMedia = {
    id,
    key: `${keyPrefix[kind]}_${id}`,
    ownerId,
    mediaType,
    category,
    kind,
    totalBytes,
    segments: new Map(),
    state: 'initialized',
    polls: 0,
    expiresAtMs: now.getTime() + INIT_EXPIRES_SECONDS * 1000,
  };
  state.media.set(id, m);
  return m;
};

/** POST /2/media/upload/initialize — JSON `{media_type, total_bytes, media_category}`. */
export const initializeUpload = (state: XMediaState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = authorize(state.api, req, ctx, 'mediaUpload', MEDIA_SCOPES);
  if (!auth.ok) return auth.response;
  const body = req.json() as Record<string, unknown> | undefined;
  const mediaType = typeof body?.['media_type'] === 'string' ? body['media_type'] : '';
  if (!MEDIA_TYPES.has(mediaType)) return badRequest(`media_type [${mediaType}] is not supported`, 'media_type');
  const total = body?.['total_bytes'];
  if (typeof total !== 'number' || !Number.isInteger(total) || total <= 0 || total > 17_179_869_184) return badRequest('total_bytes must be an integer between 1 and 17179869184', 'total_bytes');
  const category = typeof body?.['media_category'] === 'string' ? body['media_category'] : defaultCategory(mediaType);
  if (!CATEGORIES.has(category)) return badRequest(`media_category [${category}] is not supported`, 'media_category');
  if (total > (CATEGORY_MAX_BYTES[category] ?? 0)) return badRequest(`File size exceeds ${CATEGORY_MAX_BYTES[category]} bytes.`, 'total_bytes');
  const m = create(state, auth.account.id, mediaType, category, total, ctx.now());
  return ok(auth.window, mediaAnswer(m, { expires_after_secs: INIT_EXPIRES_SECONDS }));
};

const ownedSession = (state: XMediaState, req: FakeRequest, ownerId: string): FakeMedia | FakeResponse => {
  const m = state.media.get(req.params['id'] ?? '');
  if (!m || m.ownerId !== ownerId) return badRequest(`media_id [${req.params['id'] ?? ''}] was not found`, 'id');
  return m;
};

/** POST /2/media/upload/{id}/append — `media` (the bytes) and `segment_index` (0–999). */
export const appendUpload = (state: XMediaState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = authorize(state.api, req, ctx, 'mediaUpload', MEDIA_SCOPES);
  if (!auth.ok) return auth.response;
  const m = ownedSession(state, req, auth.account.id);
  if (!('segments' in m)) return m;
  if (m.state !== 'initialized') return badRequest('The media upload has already been finalized.', 'id');
  const fields = fieldsOf(req);
  const media = fields?.get('media');
  const index = Number(fields?.get('segment_index')?.toString('utf8'));
  if (!media || media.length === 0) return badRequest('media is required', 'media');
  if (!Number.isInteger(index) || index < 0 || index > 999) return badRequest('segment_index must be between 0 and 999', 'segment_index');
  if (media.length > MAX_SEGMENT_BYTES) return badRequest(`Segment size exceeds ${MAX_SEGMENT_BYTES} bytes.`, 'media');
  m.segments.set(index, Buffer.from(media));
  return ok(auth.window, { data: { expires_at: Math.floor(m.expiresAtMs / 1000) } });
};

/** POST /2/media/upload/{id}/finalize — the sizes must add up; GIFs and videos start processing. */
export const finalizeUpload = (state: XMediaState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = authorize(state.api, req, ctx, 'mediaUpload', MEDIA_SCOPES);
  if (!auth.ok) return auth.response;
  const m = ownedSession(state, req, auth.account.id);
  if (!('segments' in m)) return m;
  if (m.state !== 'initialized') return badRequest('The media upload has already been finalized.', 'id');
  const indexes = [...m.segments.keys()].sort((a, b) => a - b);
  const received = [...m.segments.values()].reduce((n, b) => n + b.length, 0);
  if (indexes.some((v, i) => v !== i)) return badRequest('Segments are missing: segment_index must run from 0 without gaps.', 'id');
  if (received !== m.totalBytes) return badRequest(`File size mismatch: received ${received} of ${m.totalBytes} bytes.`, 'id');
  const now = ctx.now();
  m.state = 'finalized';
  m.finalizedAtMs = now.getTime();
  m.expiresAtMs = now.getTime() + FINALIZED_EXPIRES_SECONDS * 1000;
  const processing = processingOf(state, m, now);
  return ok(auth.window, mediaAnswer(m, { size: m.totalBytes, expires_after_secs: FINALIZED_EXPIRES_SECONDS, ...(processing && { processing_info: processing }) }));
};

/** GET /2/media/upload?command=STATUS&media_id=… — each poll moves processing along. */
export const uploadStatus = (state: XMediaState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = authorize(state.api, req, ctx, 'mediaUpload', MEDIA_SCOPES);
  if (!auth.ok) return auth.response;
  if (req.query.get('command') !== 'STATUS') return badRequest('command must be STATUS', 'command');
  const m = state.media.get(req.query.get('media_id') ?? '');
  if (!m || m.ownerId !== auth.account.id) return badRequest(`media_id [${req.query.get('media_id') ?? ''}] was not found`, 'media_id');
  if (m.state !== 'finalized') return badRequest('The media upload has not been finalized.', 'media_id');
  const now = ctx.now();
  m.polls += 1;
  const processing = processingOf(state, m, now);
  const remaining = Math.max(0, Math.floor((m.expiresAtMs - now.getTime()) / 1000));
  return ok(auth.window, mediaAnswer(m, { size: m.totalBytes, expires_after_secs: remaining, ...(processing && { processing_info: processing }) }));
};

/** POST /2/media/upload — one-shot multipart upload of an image (`media`, `media_category`, `media_type`). */
export const oneShotUpload = (state: XMediaState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = authorize(state.api, req, ctx, 'mediaUpload', MEDIA_SCOPES);
  if (!auth.ok) return auth.response;
  const fields = fieldsOf(req);
  const media = fields?.get('media');
  if (!fields || !media || media.length === 0) return badRequest('media is required', 'media');
  const category = fields.get('media_category')?.toString('utf8') ?? '';
  if (!['tweet_image', 'dm_image', 'subtitles'].includes(category)) return badRequest(`media_category [${category}] is not one of [tweet_image, dm_image, subtitles]`, 'media_category');
  const mediaType = fields.get('media_type')?.toString('utf8') ?? 'image/jpeg';
  if (!MEDIA_TYPES.has(mediaType) || mediaType.startsWith('video/') || mediaType === 'image/gif') return badRequest(`media_type [${mediaType}] is not supported here`, 'media_type');
  if (media.length > (CATEGORY_MAX_BYTES[category] ?? 0)) return badRequest(`File size exceeds ${CATEGORY_MAX_BYTES[category]} bytes.`, 'media');
  const now = ctx.now();
  const m = create(state, auth.account.id, mediaType, category, media.length, now);
  m.segments.set(0, Buffer.from(media));
  m.state = 'finalized';
  m.finalizedAtMs = now.getTime();
  m.expiresAtMs = now.getTime() + FINALIZED_EXPIRES_SECONDS * 1000;
  return ok(auth.window, mediaAnswer(m, { size: m.totalBytes, expires_after_secs: FINALIZED_EXPIRES_SECONDS }));
};

/** POST /2/media/metadata — `{id, metadata: {alt_text: {text}}}`; alt text up to 1000 characters. */
export const mediaMetadata = (state: XMediaState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = authorize(state.api, req, ctx, 'mediaUpload', MEDIA_SCOPES);
  if (!auth.ok) return auth.response;
  const body = req.json() as { id?: unknown; metadata?: { alt_text?: { text?: unknown } } } | undefined;
  const m = typeof body?.id === 'string' ? state.media.get(body.id) : undefined;
  if (!m || m.ownerId !== auth.account.id) return badRequest('id was not found', 'id');
  const text = body?.metadata?.alt_text?.text;
  if (typeof text !== 'string' || [...text].length > 1000) return badRequest('alt_text.text must be a string of at most 1000 characters', 'metadata');
  m.altText = text;
  return { status: 200, headers: rateHeaders(auth.window), body: { data: { id: m.id, associated_metadata: { alt_text: { text } } } } };
};
