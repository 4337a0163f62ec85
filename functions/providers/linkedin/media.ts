/**
 * Uploading media to LinkedIn before a post references it.
 *
 * Images (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api):
 * `POST /rest/images?action=initializeUpload` → `{value:{uploadUrl, image}}` → `PUT uploadUrl` with
 * the bytes → the image URN.
 *
 * Videos (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api):
 * `POST /rest/videos?action=initializeUpload` with `fileSizeBytes` → `{value:{video,
 * uploadInstructions[{uploadUrl, firstByte, lastByte}], uploadToken}}` → `PUT` each byte range,
 * keeping each answer's `ETag` → `POST /rest/videos?action=finalizeUpload` with the ETags in order →
 * `GET /rest/videos/{urn}` until `status` is `AVAILABLE`.
 *
 * The bytes come from Reach's own media URL (presigned S3 in AWS, the local runtime locally), read
 * with plain `fetch`: it is not a platform URL, so it never goes through the platform client, and it
 * never appears in an error (a presigned URL is a credential). Upload URLs are LinkedIn's, so they do.
 */
import { z } from 'zod';
import { callJson, sendClassified, type CallContext } from '../http';
import type { MediaItem } from '../../core/model/post';
import { ProviderError } from '../types';
import { API_BASE } from './manifest';
import { encodeUrn, restHeaders } from './rest';

const MEDIA_FETCH_TIMEOUT_MS = 60_000;
/** Each part is up to 4 MB; a slow link still moves one in this time. */
const PART_TIMEOUT_MS = 120_000;

const imageInitSchema = z.object({
  value: z.object({ uploadUrl: z.url(), image: z.string().startsWith('urn:li:image:'), uploadUrlExpiresAt: z.number().optional() }),
});

const videoInitSchema = z.object({
  value: z.object({
    video: z.string().startsWith('urn:li:video:'),
    uploadInstructions: z
      .array(z.object({ uploadUrl: z.url(), firstByte: z.number().int().nonnegative(), lastByte: z.number().int().nonnegative() }))
      .min(1),
    // Empty for a single-part upload, which LinkedIn still wants echoed back.
    uploadToken: z.string().optional(),
    uploadUrlsExpireAt: z.number().optional(),
  }),
});

export const VIDEO_STATUSES = ['WAITING_UPLOAD', 'PROCESSING', 'AVAILABLE', 'PROCESSING_FAILED'] as const;
const videoSchema = z.object({ id: z.string().optional(), status: z.string() });

export type VideoStatus = (typeof VIDEO_STATUSES)[number] | 'UNKNOWN';

/** Opens Reach's media URL; failures name the media id, never the URL. */
const openMedia = async (item: MediaItem): Promise<Response> => {
  let res: Response;
  try {
    res = await fetch(item.url, { signal: AbortSignal.timeout(MEDIA_FETCH_TIMEOUT_MS) });
  } catch (err) {
    throw new ProviderError('linkedin', { kind: 'transient', code: 'media_fetch_failed', message: `could not read media ${item.mediaId}` }, { cause: err });
  }
  if (!res.ok || !res.body) {
    // A 4xx from our own store (expired presigned URL, deleted file) will not fix itself by
    // retrying; a 5xx might.
    const kind = res.status >= 500 ? 'transient' : 'permanent';
    throw new ProviderError('linkedin', { kind, code: 'media_fetch_failed', message: `could not read media ${item.mediaId}: HTTP ${res.status}` });
  }
  return res;
};

const sizeMismatch = (item: MediaItem, got: number, expected: number): ProviderError =>
  new ProviderError('linkedin', { kind: 'transient', code: 'media_size_mismatch', message: `media ${item.mediaId} gave ${got} bytes, ${expected} announced` });

/** Cuts a byte stream into consecutive pieces of the given sizes; the stream must hold exactly their sum. */
export async function* pieces(body: ReadableStream<Uint8Array>, sizes: readonly number[], onMismatch: (got: number) => Error): AsyncGenerator<Buffer> {
  const reader = body.getReader();
  const expected = sizes.reduce((a, b) => a + b, 0);
  // Chunks are joined once per piece, not once per chunk, so a 4 MB part costs one copy.
  let chunks: Buffer[] = [];
  let buffered = 0;
  let seen = 0;
  for (const size of sizes) {
    while (buffered < size) {
      const { done, value } = await reader.read();
      if (done) throw onMismatch(seen);
      seen += value.length;
      chunks.push(Buffer.from(value));
      buffered += value.length;
    }
    const joined = Buffer.concat(chunks, buffered);
    yield joined.subarray(0, size);
    const rest = joined.subarray(size);
    chunks = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
  }
  // Anything after the announced size means the announcement was wrong.
  let extra = buffered;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    extra += value.length;
  }
  if (extra > 0) throw onMismatch(expected + extra);
}

/** The byte count the media URL announces, else the size Reach recorded. */
const announcedSize = (res: Response, item: MediaItem): number => {
  const n = Number(res.headers.get('content-length'));
  return Number.isSafeInteger(n) && n > 0 ? n : item.size;
};

const plainType = (contentType: string): string => contentType.toLowerCase().split(';')[0]!.trim();

export interface LinkedinMediaUploader {
  /** Uploads one image for `owner`; returns its URN. */
  uploadImage(token: string, owner: string, item: MediaItem): Promise<string>;
  /** Uploads and finalizes one video for `owner`; returns its URN (LinkedIn then processes it). */
  uploadVideo(token: string, owner: string, item: MediaItem): Promise<string>;
  /** Where LinkedIn's processing of a video stands. */
  videoStatus(token: string, urn: string): Promise<VideoStatus>;
}

/** Builds the uploader over the shared call context. */
export const createMediaUploader = (ctx: CallContext): LinkedinMediaUploader => ({
  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api#initialize-image-upload */
  async uploadImage(token, owner, item) {
    const res = await openMedia(item);
    const bytes = Buffer.from(await res.arrayBuffer());
    const init = await callJson(
      ctx,
      {
        method: 'POST',
        url: `${API_BASE}/rest/images?action=initializeUpload`,
        headers: restHeaders(token),
        json: { initializeUploadRequest: { owner } },
      },
      imageInitSchema,
    );
    // "Upload the image using the uploadUrl" with the member's bearer token.
    await sendClassified(ctx, {
      method: 'PUT',
      url: init.value.uploadUrl,
      headers: { ...restHeaders(token), 'content-type': plainType(item.contentType) },
      body: bytes,
      timeoutMs: PART_TIMEOUT_MS,
    });
    return init.value.image;
  },

  /**
   * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api#initialize-video-upload ·
   * #upload-the-video · #finalize-video-upload
   */
  async uploadVideo(token, owner, item) {
    const res = await openMedia(item);
    const total = announcedSize(res, item);
    const init = await callJson(
      ctx,
      {
        method: 'POST',
        url: `${API_BASE}/rest/videos?action=initializeUpload`,
        headers: restHeaders(token),
        json: { initializeUploadRequest: { owner, fileSizeBytes: total, uploadCaptions: false, uploadThumbnail: false } },
      },
      videoInitSchema,
    );
    const parts = [...init.value.uploadInstructions].sort((a, b) => a.firstByte - b.firstByte);
    const sizes = parts.map((p) => p.lastByte - p.firstByte + 1);
    const covered = sizes.reduce((a, b) => a + b, 0);
    if (parts[0]!.firstByte !== 0 || covered !== total || sizes.some((s) => s <= 0)) {
      throw new ProviderError('linkedin', { kind: 'permanent', code: 'bad_upload_instructions', message: `LinkedIn's upload instructions do not cover the ${total} bytes of media ${item.mediaId}` });
    }
    const etags: string[] = [];
    let k = 0;
    for await (const piece of pieces(res.body!, sizes, (got) => sizeMismatch(item, got, total))) {
      const answer = await sendClassified(ctx, {
        method: 'PUT',
        url: parts[k]!.uploadUrl,
        headers: { ...restHeaders(token), 'content-type': 'application/octet-stream' },
        body: piece,
        timeoutMs: PART_TIMEOUT_MS,
      });
      const etag = answer.headers['etag'];
      if (!etag) throw new ProviderError('linkedin', { kind: 'transient', code: 'missing_etag', message: `LinkedIn gave no ETag for part ${k} of media ${item.mediaId}` });
      etags.push(etag);
      k += 1;
    }
    await sendClassified(ctx, {
      method: 'POST',
      url: `${API_BASE}/rest/videos?action=finalizeUpload`,
      headers: restHeaders(token),
      json: { finalizeUploadRequest: { video: init.value.video, uploadToken: init.value.uploadToken ?? '', uploadedPartIds: etags } },
    });
    return init.value.video;
  },

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api#get-a-video */
  async videoStatus(token, urn) {
    const video = await callJson(ctx, { method: 'GET', url: `${API_BASE}/rest/videos/${encodeUrn(urn)}`, headers: restHeaders(token) }, videoSchema);
    return (VIDEO_STATUSES as readonly string[]).includes(video.status) ? (video.status as VideoStatus) : 'UNKNOWN';
  },
});
