/**
 * Media upload to X (API v2): images in one `POST /2/media/upload`; GIFs and videos through the
 * chunked session (`/initialize`, `/{id}/append`, `/{id}/finalize`) and, when X answers with
 * `processing_info`, the STATUS poll. Alt text goes through `POST /2/media/metadata`.
 * https://docs.x.com/x-api/media/quickstart/media-upload-chunked · https://docs.x.com/x-api/media/upload-media
 *
 * The bytes come from Reach's own media URL (presigned S3 in AWS, the local runtime locally),
 * read with plain `fetch`: it is not a platform URL, so it never goes through the platform client,
 * and it never appears in an error (a presigned URL is a credential).
 */
import { randomBytes } from 'node:crypto';
import { callJson, sendClassified, type CallContext } from '../http';
import type { MediaItem } from '../../core/model/post';
import { ProviderError } from '../types';
import { X_API_BASE } from './manifest';
import { mediaKindOf, type XMediaKind } from './rules';
import { mediaMetadataAnswerSchema, mediaUploadAnswerSchema, type ProcessingInfo } from './schemas';

/** X asks for segments of at most 5 MB; 4 MiB keeps each append well inside. */
export const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;
const MEDIA_FETCH_TIMEOUT_MS = 60_000;

const CATEGORY: Readonly<Record<XMediaKind, string>> = { image: 'tweet_image', gif: 'tweet_gif', video: 'tweet_video' };

/** Where one media item stands after an upload step. */
export interface UploadedMedia {
  readonly id: string;
  /** `processing`: poll STATUS; `ready`: attach to a post. */
  readonly state: 'processing' | 'ready';
  /** Epoch seconds after which X forgets the media id. */
  readonly expiresAt: number;
  /** Seconds X asked us to wait before the next STATUS poll. */
  readonly checkAfterSeconds?: number;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A `multipart/form-data` body with text fields and at most one file part named `media`. */
export const multipart = (fields: Readonly<Record<string, string>>, file?: { readonly bytes: Uint8Array; readonly type: string }) => {
  const boundary = `reach${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`, 'utf8'));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="blob"\r\nContent-Type: ${file.type}\r\n\r\n`, 'utf8'));
    parts.push(Buffer.from(file.bytes));
    parts.push(Buffer.from('\r\n', 'utf8'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
};

/** Opens Reach's media URL; failures name the media id, never the URL. */
const openMedia = async (item: MediaItem): Promise<Response> => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), MEDIA_FETCH_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(item.url, { signal: controller.signal });
  } catch (err) {
    throw new ProviderError('x', { kind: 'transient', code: 'media_fetch_failed', message: `could not read media ${item.mediaId}` }, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok || !res.body) {
    // A 4xx from our own store (expired presigned URL, deleted file) will not fix itself by
    // retrying the same attempt; a 5xx might.
    const kind = res.status >= 500 ? 'transient' : 'permanent';
    throw new ProviderError('x', { kind, code: 'media_fetch_failed', message: `could not read media ${item.mediaId}: HTTP ${res.status}` });
  }
  return res;
};

/** Cuts a byte stream into segments of exactly `size` bytes (the last may be shorter). */
export async function* segments(body: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  const reader = body.getReader();
  let pending: Buffer[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let chunk = Buffer.from(value);
    while (length + chunk.length >= size) {
      const take = size - length;
      pending.push(chunk.subarray(0, take));
      yield Buffer.concat(pending);
      pending = [];
      length = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      length += chunk.length;
    }
  }
  if (length > 0) yield Buffer.concat(pending);
}

const expiry = (nowSeconds: number, expiresAfter: number | undefined): number => nowSeconds + (expiresAfter ?? 86_400);

const fromAnswer = (data: { id: string; expires_after_secs?: number | undefined; processing_info?: ProcessingInfo | undefined }, nowSeconds: number): UploadedMedia => {
  const info = data.processing_info;
  if (info?.state === 'failed') throw processingFailed(data.id, info);
  const processing = info !== undefined && info.state !== 'succeeded';
  return {
    id: data.id,
    state: processing ? 'processing' : 'ready',
    expiresAt: expiry(nowSeconds, data.expires_after_secs),
    ...(processing && { checkAfterSeconds: Math.max(1, Math.ceil(info.check_after_secs ?? 5)) }),
  };
};

const processingFailed = (id: string, info: ProcessingInfo): ProviderError =>
  new ProviderError('x', {
    kind: 'permanent',
    code: info.error?.name ?? 'media_processing_failed',
    message: `X could not process media ${id}${info.error?.message ? `: ${info.error.message}` : ''}`,
  });

export interface MediaUploader {
  /** Uploads one item (one call for images, the chunked session otherwise). */
  upload(token: string, item: MediaItem): Promise<UploadedMedia>;
  /** One STATUS poll for an item in processing. */
  status(token: string, id: string, previous: UploadedMedia): Promise<UploadedMedia>;
  /** Sets the item's alt text. */
  describe(token: string, id: string, altText: string): Promise<void>;
}

export const createMediaUploader = (ctx: CallContext, now: () => Date, segmentBytes = DEFAULT_SEGMENT_BYTES): MediaUploader => {
  const nowSeconds = () => Math.floor(now().getTime() / 1000);

  /** POST /2/media/upload, multipart `media` + `media_category`. https://docs.x.com/x-api/media/upload-media */
  const oneShot = async (token: string, item: MediaItem, type: string): Promise<UploadedMedia> => {
    const res = await openMedia(item);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const form = multipart({ media_category: CATEGORY.image, media_type: type }, { bytes, type });
    const answer = await callJson(
      ctx,
      { method: 'POST', url: `${X_API_BASE}/media/upload`, headers: { ...bearer(token), 'content-type': form.contentType }, body: form.body },
      mediaUploadAnswerSchema,
    );
    return fromAnswer(answer.data, nowSeconds());
  };

  /**
   * The chunked session. https://docs.x.com/x-api/media/initialize-media-upload ·
   * https://docs.x.com/x-api/media/append-media-upload · https://docs.x.com/x-api/media/finalize-media-upload
   */
  const chunked = async (token: string, item: MediaItem, kind: XMediaKind, type: string): Promise<UploadedMedia> => {
    const res = await openMedia(item);
    const announced = Number(res.headers.get('content-length'));
    const total = Number.isSafeInteger(announced) && announced > 0 ? announced : item.size;
    const init = await callJson(
      ctx,
      { method: 'POST', url: `${X_API_BASE}/media/upload/initialize`, headers: bearer(token), json: { media_type: type, total_bytes: total, media_category: CATEGORY[kind] } },
      mediaUploadAnswerSchema,
    );
    const id = init.data.id;
    let index = 0;
    let sent = 0;
    for await (const segment of segments(res.body!, segmentBytes)) {
      const form = multipart({ segment_index: String(index) }, { bytes: segment, type: 'application/octet-stream' });
      await sendClassified(ctx, {
        method: 'POST',
        url: `${X_API_BASE}/media/upload/${id}/append`,
        headers: { ...bearer(token), 'content-type': form.contentType },
        body: form.body,
      });
      index += 1;
      sent += segment.length;
    }
    if (sent !== total) {
      throw new ProviderError('x', { kind: 'transient', code: 'media_size_mismatch', message: `media ${item.mediaId} gave ${sent} bytes, ${total} announced` });
    }
    const done = await callJson(ctx, { method: 'POST', url: `${X_API_BASE}/media/upload/${id}/finalize`, headers: bearer(token) }, mediaUploadAnswerSchema);
    return fromAnswer(done.data, nowSeconds());
  };

  return {
    async upload(token, item) {
      const kind = mediaKindOf(item.contentType);
      if (!kind) throw new ProviderError('x', { kind: 'invalid_request', code: 'unsupported_media_type', message: `X does not take ${item.contentType}` });
      const type = item.contentType.toLowerCase().split(';')[0]!.trim();
      // The one-shot endpoint takes images only; GIFs need the session for X's async processing.
      return kind === 'image' ? oneShot(token, item, type) : chunked(token, item, kind, type);
    },

    /** GET /2/media/upload?command=STATUS&media_id=… https://docs.x.com/x-api/media/get-media-upload-status */
    async status(token, id, previous) {
      const answer = await callJson(
        ctx,
        { method: 'GET', url: `${X_API_BASE}/media/upload`, query: { command: 'STATUS', media_id: id }, headers: bearer(token) },
        mediaUploadAnswerSchema,
      );
      const next = fromAnswer(answer.data, nowSeconds());
      // STATUS may leave out the expiry; the one from FINALIZE still holds then.
      return answer.data.expires_after_secs === undefined ? { ...next, expiresAt: previous.expiresAt } : next;
    },

    /** POST /2/media/metadata. https://docs.x.com/x-api/media/create-media-metadata */
    async describe(token, id, altText) {
      await callJson(
        ctx,
        { method: 'POST', url: `${X_API_BASE}/media/metadata`, headers: bearer(token), json: { id, metadata: { alt_text: { text: altText } } } },
        mediaMetadataAnswerSchema,
      );
    },
  };
};
