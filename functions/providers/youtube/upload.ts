/**
 * YouTube's resumable upload protocol
 * (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
 *
 * 1. `POST https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`
 *    with the metadata → `200` and the session URI in `Location`;
 * 2. `PUT <session>` with `Content-Range: bytes a-b/total` per chunk (a multiple of 256 KiB except
 *    the last) → `308 Resume Incomplete` with `Range: bytes=0-<last received>`, and finally
 *    `200`/`201` with the video resource;
 * 3. `PUT <session>` with `Content-Range: bytes *\/total` and no body asks how far it got (308 with
 *    or without `Range`, or the finished video); `404`/`410` means the session expired.
 *
 * The bytes come from Reach's own media URL with plain `fetch` (never through the platform
 * client: it is not a platform URL), one `Range` request per chunk so that a large file is
 * never held in memory whole.
 */
import { sendClassified, parseJson, type CallContext } from '../http';
import type { MediaItem } from '../../core/model/post';
import type { TokenSet } from '../../core/model/tokens';
import { ProviderError } from '../types';
import { bearer } from '../google/api';
import { videoSchema, type Video } from './videos';

export const UPLOAD_URL = 'https://www.googleapis.com/upload/youtube/v3/videos';
/** Chunks must be multiples of 256 KiB (all but the last). */
export const CHUNK_GRANULE = 256 * 1024;
export const DEFAULT_CHUNK_BYTES = 32 * CHUNK_GRANULE;
/** A chunk of several MB may take a while on a slow link; the default client timeout is for JSON calls. */
const CHUNK_TIMEOUT_MS = 120_000;
const MEDIA_TIMEOUT_MS = 120_000;

/** The metadata of `videos.insert` (https://developers.google.com/youtube/v3/docs/videos/insert). */
export interface VideoMetadata {
  readonly snippet: { readonly title: string; readonly description: string; readonly tags?: readonly string[]; readonly categoryId: string; readonly defaultLanguage?: string };
  readonly status: {
    readonly privacyStatus: 'public' | 'unlisted' | 'private';
    readonly publishAt?: string;
    readonly selfDeclaredMadeForKids?: boolean;
    readonly containsSyntheticMedia?: boolean;
  };
}

/** Where the upload stands: finished (with the video), or how many bytes YouTube holds. */
export type SessionState = { readonly done: true; readonly video: Video } | { readonly done: false; readonly received: number } | { readonly expired: true };

const failure = (kind: 'permanent' | 'transient' | 'invalid_request', code: string, message: string) => new ProviderError('youtube', { kind, code, message });

/** Only YouTube's own upload host may receive the bytes: a session URI from anywhere else is refused. */
const checkSessionUri = (location: string | undefined): string => {
  let url: URL;
  try {
    url = new URL(location ?? '');
  } catch {
    throw failure('permanent', 'no_upload_session', 'videos.insert answered without a session URI');
  }
  if (url.protocol !== 'https:' || url.host !== 'www.googleapis.com' || !url.pathname.startsWith('/upload/youtube/') || !url.searchParams.get('upload_id')) {
    throw failure('permanent', 'bad_upload_session', 'videos.insert answered a session URI outside www.googleapis.com/upload');
  }
  return url.toString();
};

/**
 * Opens a resumable session for `item` with `metadata`; returns the session URI.
 * https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol#Start_Resumable_Session
 */
export const startSession = async (
  ctx: CallContext,
  tokens: TokenSet,
  metadata: VideoMetadata,
  item: MediaItem,
  notifySubscribers: boolean | undefined,
): Promise<string> => {
  const res = await sendClassified(ctx, {
    method: 'POST',
    url: UPLOAD_URL,
    query: { uploadType: 'resumable', part: 'snippet,status', ...(notifySubscribers !== undefined && { notifySubscribers: String(notifySubscribers) }) },
    headers: {
      ...bearer(tokens),
      'content-type': 'application/json; charset=UTF-8',
      'x-upload-content-length': String(item.size),
      'x-upload-content-type': item.contentType,
    },
    body: JSON.stringify(metadata),
  });
  return checkSessionUri(res.headers['location']);
};

/** `Range: bytes=0-N` → N + 1 bytes held; no header → none. */
const receivedOf = (range: string | undefined): number => {
  if (!range) return 0;
  const m = /^bytes=0-(\d+)$/.exec(range.trim());
  if (!m) throw failure('permanent', 'bad_range', `unexpected Range header from the upload session: ${range.slice(0, 40)}`);
  return Number(m[1]) + 1;
};

const videoOf = (text: string): Video => {
  const parsed = videoSchema.safeParse(parseJson(text));
  if (!parsed.success) throw failure('permanent', 'bad_video_resource', 'the finished upload did not answer a video resource');
  return parsed.data;
};

/** Sends one `PUT` to the session and reads what it says. */
const put = async (ctx: CallContext, tokens: TokenSet, session: string, contentRange: string, body: Uint8Array | undefined, contentType: string): Promise<SessionState> => {
  const res = await sendClassified(
    ctx,
    {
      method: 'PUT',
      url: session,
      headers: { ...bearer(tokens), 'content-range': contentRange, ...(body && { 'content-type': contentType }) },
      body: body ?? new Uint8Array(0),
      timeoutMs: CHUNK_TIMEOUT_MS,
    },
    { okStatuses: [200, 201, 308, 404, 410] },
  );
  if (res.status === 404 || res.status === 410) return { expired: true };
  if (res.status === 308) return { done: false, received: receivedOf(res.headers['range']) };
  return { done: true, video: videoOf(res.text) };
};

/**
 * Asks the session how far the upload got.
 * https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol#Check_Upload_Status
 */
export const sessionState = (ctx: CallContext, tokens: TokenSet, session: string, item: MediaItem): Promise<SessionState> =>
  put(ctx, tokens, session, `bytes */${item.size}`, undefined, item.contentType);

/**
 * Reads bytes `[start, end]` of Reach's media file. A store that ignores `Range` answers the
 * whole file, which is then cut.
 */
export const readMedia = async (item: MediaItem, start: number, end: number): Promise<Uint8Array> => {
  let res: Response;
  try {
    res = await fetch(item.url, { headers: { range: `bytes=${start}-${end}` }, signal: AbortSignal.timeout(MEDIA_TIMEOUT_MS) });
  } catch (err) {
    throw new ProviderError('youtube', { kind: 'transient', code: 'media_fetch_failed', message: `could not read media ${item.mediaId}` }, { cause: err });
  }
  if (res.status !== 200 && res.status !== 206) {
    // A 4xx from our own store (an expired presigned URL, a deleted file) does not fix itself
    // within this attempt; the next attempt gets a fresh URL.
    throw failure(res.status >= 500 ? 'transient' : 'permanent', 'media_fetch_failed', `could not read media ${item.mediaId}: HTTP ${res.status}`);
  }
  const body = new Uint8Array(await res.arrayBuffer());
  const wanted = end - start + 1;
  if (res.status === 206) {
    if (body.length !== wanted) throw failure('permanent', 'media_size_mismatch', `media ${item.mediaId} answered ${body.length} bytes for a range of ${wanted}`);
    return body;
  }
  if (body.length !== item.size) throw failure('permanent', 'media_size_mismatch', `media ${item.mediaId} holds ${body.length} bytes, not the ${item.size} declared`);
  return body.subarray(start, end + 1);
};

/**
 * Sends the bytes from `from` on, chunk by chunk, following what the session says it holds;
 * returns the finished video, or `expired` when the session is gone.
 */
export const uploadFrom = async (
  ctx: CallContext,
  tokens: TokenSet,
  session: string,
  item: MediaItem,
  from: number,
  chunkBytes: number,
): Promise<{ readonly video: Video } | { readonly expired: true }> => {
  if (chunkBytes <= 0 || chunkBytes % CHUNK_GRANULE !== 0) throw new RangeError(`chunk size must be a positive multiple of ${CHUNK_GRANULE}`);
  let offset = from;
  // Each round either advances or ends; YouTube holding fewer bytes than sent is retried from
  // where it stands, at most a bounded number of times in a row.
  let stalls = 0;
  while (offset < item.size) {
    const end = Math.min(item.size, offset + chunkBytes) - 1;
    const bytes = await readMedia(item, offset, end);
    const state = await put(ctx, tokens, session, `bytes ${offset}-${end}/${item.size}`, bytes, item.contentType);
    if ('expired' in state) return state;
    if (state.done) return { video: state.video };
    if (state.received <= offset) {
      stalls += 1;
      if (stalls > 3) throw failure('transient', 'upload_stalled', 'YouTube kept no bytes of the last chunks');
    } else stalls = 0;
    offset = state.received;
  }
  // Every byte is there but the session did not say it finished: ask it.
  const state = await sessionState(ctx, tokens, session, item);
  if ('expired' in state) return state;
  if (state.done) return { video: state.video };
  throw failure('transient', 'upload_incomplete', `YouTube holds ${state.received} of ${item.size} bytes after the last chunk`);
};
