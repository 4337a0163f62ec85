/**
 * How the Meta fake fetches media the way Instagram and Facebook do: from the URL it was given
 * (`image_url`, `video_url`, `url`, `file_url`), with a timeout, reading at most a little past the
 * largest size it would accept. It judges the file by its first bytes, not by the server's
 * content type, and reads a JPEG's dimensions from its frame header.
 */

export type SniffedType = 'jpeg' | 'png' | 'gif' | 'webp' | 'bmp' | 'tiff' | 'mp4' | 'unknown';

export type Fetched =
  | { readonly ok: true; readonly bytes: Buffer; readonly size: number; readonly tooLarge: boolean; readonly type: SniffedType }
  | { readonly ok: false; readonly reason: 'timeout' | 'unreachable' | 'http_error'; readonly status?: number };

/** What the first bytes of a file say it is. */
export const sniff = (b: Buffer): SniffedType => {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.length >= 4 && b.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (b.length >= 2 && b.subarray(0, 2).toString('latin1') === 'BM') return 'bmp';
  if (b.length >= 4 && (b.subarray(0, 4).equals(Buffer.from('II*\0', 'latin1')) || b.subarray(0, 4).equals(Buffer.from('MM\0*', 'latin1')))) return 'tiff';
  // MP4 and QuickTime files start with a box whose type, at offset 4, is `ftyp`.
  if (b.length >= 8 && b.subarray(4, 8).toString('latin1') === 'ftyp') return 'mp4';
  return 'unknown';
};

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Width and height from a JPEG's SOF segment; undefined when there is none. */
export const jpegSize = (b: Buffer): { readonly width: number; readonly height: number } | undefined => {
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    // Markers without a length: RSTn, SOI, EOI, TEM.
    if ((marker >= 0xd0 && marker <= 0xd9) || marker === 0x01) {
      i += 2;
      continue;
    }
    const length = b.readUInt16BE(i + 2);
    if (SOF.has(marker)) return i + 8 < b.length ? { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) } : undefined;
    i += 2 + length;
  }
  return undefined;
};

/** Fetches `url`, reading at most `maxBytes + 1` bytes (enough to know a file is too large). */
export const fetchMedia = async (url: string, maxBytes: number, timeoutMs: number): Promise<Fetched> => {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) return { ok: false, reason: 'unreachable' };
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const name = typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
    return { ok: false, reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable' };
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    return { ok: false, reason: 'http_error', status: res.status };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    return { ok: false, reason: 'timeout' };
  }
  const bytes = Buffer.concat(chunks);
  const declared = Number(res.headers.get('content-length'));
  const total = Number.isFinite(declared) && declared > size ? declared : size;
  return { ok: true, bytes, size: total, tooLarge: total > maxBytes, type: sniff(bytes) };
};
