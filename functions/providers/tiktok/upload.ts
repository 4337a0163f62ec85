/**
 * FILE_UPLOAD to TikTok: how a video is cut into chunks, reading each chunk's bytes from Reach's
 * media URL, and the `PUT <upload_url>` of each chunk with its `Content-Range`.
 * https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
 *
 * Chunk rules: each chunk 5–64 MB except the final one, which carries the trailing bytes (up to
 * 128 MB); `total_chunk_count = floor(video_size / chunk_size)`; a file under 5 MB goes whole;
 * 1–1000 chunks, sent in order. "MB" is read strictly both ways: chunks are at least 5 MiB and at
 * most 64 000 000 bytes, so they satisfy the decimal and the binary reading alike.
 *
 * The bytes come from Reach's own media URL (presigned S3 in AWS, the local runtime locally), read
 * with plain `fetch` and a `Range` header so that a 4 GB video never sits in memory whole: it is
 * not a platform URL, so it never goes through the platform client, and it never appears in an
 * error (a presigned URL is a credential).
 */
import { sendClassified, type CallContext } from '../http';
import type { MediaItem } from '../../core/model/post';
import { ProviderError } from '../types';

const MIB = 1024 * 1024;
export const MIN_CHUNK_BYTES = 5 * MIB;
export const MAX_CHUNK_BYTES = 64_000_000;
export const MAX_CHUNKS = 1000;
/** TikTok's own example uses 10 000 000-byte chunks. */
export const DEFAULT_CHUNK_BYTES = 10_000_000;
/** `upload_url` is valid for one hour after it is issued. */
export const UPLOAD_URL_LIFETIME_SECONDS = 3600;

const MEDIA_FETCH_TIMEOUT_MS = 60_000;
const CHUNK_PUT_TIMEOUT_MS = 120_000;

export interface ChunkPlan {
  readonly videoSize: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
}

/** The `source_info` sizes for a video of `size` bytes, with chunks of about `chunkBytes`. */
export const planChunks = (size: number, chunkBytes: number = DEFAULT_CHUNK_BYTES): ChunkPlan => {
  if (size < MIN_CHUNK_BYTES || size <= chunkBytes) return { videoSize: size, chunkSize: size, chunkCount: 1 };
  // Large files get larger chunks rather than more than 1000 of them.
  const chunkSize = Math.min(MAX_CHUNK_BYTES, Math.max(chunkBytes, Math.ceil(size / MAX_CHUNKS)));
  return { videoSize: size, chunkSize, chunkCount: Math.floor(size / chunkSize) };
};

/** First and last byte (inclusive) of chunk `index`; the final chunk takes the remainder. */
export const chunkRange = (plan: ChunkPlan, index: number): { readonly first: number; readonly last: number } => {
  const first = index * plan.chunkSize;
  const last = index === plan.chunkCount - 1 ? plan.videoSize - 1 : first + plan.chunkSize - 1;
  return { first, last };
};

/** Checks a configured chunk size against TikTok's bounds. */
export const assertChunkBytes = (chunkBytes: number): number => {
  if (!Number.isInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`chunkBytes must be an integer from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}`);
  }
  return chunkBytes;
};

const mediaFailure = (item: MediaItem, status: number | undefined, cause?: unknown): ProviderError => {
  // Our own store answering 404/410 will not heal by retrying; anything else (an expired presigned
  // URL is re-signed on the next attempt, a 5xx, the network) may.
  const gone = status === 404 || status === 410;
  return new ProviderError(
    'tiktok',
    { kind: gone ? 'invalid_request' : 'transient', code: 'media_fetch_failed', message: `could not read media ${item.mediaId}${status ? `: HTTP ${status}` : ''}` },
    cause === undefined ? undefined : { cause },
  );
};

/**
 * Reads bytes `first..last` of a media item. A server that honours `Range` answers 206 with just
 * those bytes; one that ignores it answers 200 with the whole file, which is then cut.
 */
export const readRange = async (item: MediaItem, first: number, last: number, fetchImpl: typeof fetch): Promise<Uint8Array> => {
  let res: Response;
  try {
    res = await fetchImpl(item.url, { headers: { range: `bytes=${first}-${last}` }, signal: AbortSignal.timeout(MEDIA_FETCH_TIMEOUT_MS) });
  } catch (err) {
    throw mediaFailure(item, undefined, err);
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    throw mediaFailure(item, res.status);
  }
  const all = new Uint8Array(await res.arrayBuffer());
  const bytes = res.status === 206 ? all : all.subarray(first, last + 1);
  if (bytes.length !== last - first + 1) {
    throw new ProviderError('tiktok', {
      kind: 'invalid_request',
      code: 'media_size_mismatch',
      message: `media ${item.mediaId} holds fewer bytes than its declared ${item.size}`,
    });
  }
  return bytes;
};

/**
 * PUT one chunk to `upload_url` (the whole URL, with its query). TikTok answers 206 while chunks
 * are missing and 201 once the file is complete.
 * https://developers.tiktok.com/doc/content-posting-api-reference-direct-post#send_video_to_tiktok_servers
 */
export const putChunk = async (
  ctx: CallContext,
  uploadUrl: string,
  chunk: { readonly bytes: Uint8Array; readonly first: number; readonly last: number; readonly total: number; readonly contentType: string },
): Promise<number> => {
  const res = await sendClassified(
    ctx,
    {
      method: 'PUT',
      url: uploadUrl,
      body: chunk.bytes,
      headers: {
        'content-type': chunk.contentType.toLowerCase().split(';')[0]!.trim(),
        'content-range': `bytes ${chunk.first}-${chunk.last}/${chunk.total}`,
      },
      timeoutMs: CHUNK_PUT_TIMEOUT_MS,
    },
    { okStatuses: [200, 201, 206] },
  );
  return res.status;
};
