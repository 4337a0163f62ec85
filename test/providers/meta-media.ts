/**
 * What the Meta publishing tests share: a tiny media server (Reach's media URLs, which Instagram
 * and Facebook fetch), files with the first bytes and dimensions platforms judge them by, media
 * items describing them, and a recording `save`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import type { Checkpoint, PublishContext, PublishStep } from '../../functions/providers/types';

/** A JPEG with a frame header of `width`×`height`, padded to `size` bytes. */
export const jpeg = (width: number, height: number, size = 2048): Buffer => {
  const head = Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
  ]);
  const tail = Buffer.from([0xff, 0xd9]);
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length - tail.length)), tail]);
};

/** A PNG signature and a little data. */
export const png = (): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(256)]);

/** The start of an MP4: an `ftyp` box. */
export const mp4 = (size = 4096): Buffer => Buffer.concat([Buffer.from([0x00, 0x00, 0x00, 0x18]), Buffer.from('ftypmp42', 'latin1'), Buffer.alloc(size - 12)]);

export interface MediaServer {
  readonly base: string;
  /** Serves `bytes` at `/name` and returns its URL. */
  put(name: string, bytes: Buffer, contentType: string): string;
  /** Requests served per path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/** Starts the media server on a free port. */
export const startMediaServer = async (): Promise<MediaServer> => {
  const files = new Map<string, { bytes: Buffer; contentType: string }>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://media.local').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const f = files.get(path);
    if (!f) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': f.contentType, 'content-length': String(f.bytes.length) }).end(f.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    put(name, bytes, contentType) {
      files.set(`/${name}`, { bytes, contentType });
      return `${base}/${name}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** A media item as Reach describes it. */
export const item = (url: string, contentType: string, size: number, extra: Partial<MediaItem> = {}): MediaItem => ({
  mediaId: `m-${url.split('/').pop()}`,
  url,
  contentType,
  size,
  ...extra,
});

/** Content with defaults. */
export const content = (over: Partial<PostContent> = {}): PostContent => ({ text: '', media: [], options: {}, ...over });

/** A `save` that records every checkpoint, optionally failing at the n-th save (1-based) to simulate a crash. */
export const recorder = (failAt?: number) => {
  const saved: Checkpoint[] = [];
  const save = async (cp: Checkpoint): Promise<void> => {
    if (failAt !== undefined && saved.length + 1 === failAt) throw new Error('worker crashed');
    saved.push(cp);
  };
  return { saved, save, last: (): Checkpoint | undefined => saved[saved.length - 1] };
};

/** The checkpoint of a `processing` step (fails the test otherwise). */
export const processingOf = (step: PublishStep): { checkpoint: Checkpoint; retryAfterSeconds: number } => {
  if (step.status !== 'processing') throw new Error(`expected processing, got ${step.status}`);
  return { checkpoint: step.checkpoint, retryAfterSeconds: step.retryAfterSeconds };
};

/** The post of a `published` step (fails the test otherwise). */
export const publishedOf = (step: PublishStep): { platformPostId: string; url?: string } => {
  if (step.status !== 'published') throw new Error(`expected published, got ${step.status}`);
  return { platformPostId: step.platformPostId, ...(step.url !== undefined && { url: step.url }) };
};

export type PublishInput = Omit<PublishContext, 'save'>;
