/**
 * Small local servers the Google publishing and webhook tests need: one that serves media bytes
 * (Reach's media URLs, with `Range` support like S3), and one that receives webhooks the way
 * Reach's `/v1/webhooks/{platform}` route does (challenge, verify, parse). Both listen on port 0.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MediaItem } from '../../functions/core/model/post';
import type { AppCredentials } from '../../functions/core/model/tokens';
import type { WebhookEvent, WebhookRequest, WebhookVerification } from '../../functions/providers/types';

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** Bytes that look like an MP4 file (an `ftyp` box), then `size - 24` bytes derived from `seed`. */
export const mp4 = (size: number, seed: string): Buffer => {
  const out = Buffer.alloc(size);
  Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')]).copy(out);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 24; i < size; i += block.length) {
    block.copy(out, i, 0, Math.min(block.length, size - i));
    block = createHash('sha256').update(block).digest();
  }
  return out;
};

export interface MediaServer {
  readonly baseUrl: string;
  /** Every GET it answered: path, the Range asked for, and the status given. */
  readonly requests: { path: string; range?: string; status: number }[];
  /** Serves `bytes` at `/name` and returns the media item Reach would hand a publisher. */
  add(name: string, bytes: Buffer, contentType: string, extra?: Partial<MediaItem>): MediaItem;
  /** After `after` more good answers, the next `count` requests for `/name` answer this status instead. */
  fail(name: string, status: number, count?: number, after?: number): void;
  close(): Promise<void>;
}

/** Starts a media server that honours `Range: bytes=a-b` (206) like S3. */
export const startMediaServer = async (): Promise<MediaServer> => {
  const files = new Map<string, { bytes: Buffer; type: string }>();
  const failures = new Map<string, { status: number; count: number; after: number }>();
  const requests: MediaServer['requests'] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const name = path.slice(1);
    const range = req.headers['range'];
    const record = (status: number) => requests.push({ path, ...(range !== undefined && { range }), status });
    const failure = failures.get(name);
    if (failure && failure.after > 0) failure.after -= 1;
    else if (failure && failure.count > 0) {
      failure.count -= 1;
      record(failure.status);
      res.writeHead(failure.status).end();
      return;
    }
    const file = files.get(name);
    if (!file) {
      record(404);
      res.writeHead(404).end();
      return;
    }
    const m = range ? /^bytes=(\d+)-(\d+)$/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), file.bytes.length - 1);
      record(206);
      res.writeHead(206, { 'content-type': file.type, 'content-range': `bytes ${start}-${end}/${file.bytes.length}`, 'content-length': String(end - start + 1) });
      res.end(file.bytes.subarray(start, end + 1));
      return;
    }
    record(200);
    res.writeHead(200, { 'content-type': file.type, 'content-length': String(file.bytes.length) });
    res.end(file.bytes);
  });
  const baseUrl = await listen(server);
  return {
    baseUrl,
    requests,
    add: (name, bytes, contentType, extra = {}) => {
      files.set(name, { bytes, type: contentType });
      return { mediaId: name, url: `${baseUrl}/${name}`, contentType, size: bytes.length, ...extra };
    },
    fail: (name, status, count = 1, after = 0) => failures.set(name, { status, count, after }),
    close: () => close(server),
  };
};

/** What a receiver does with one request: Reach's webhook route in miniature. */
export interface ReceiverAdapter {
  challenge?(req: WebhookRequest): { status: number; contentType: string; body: string };
  verify(req: WebhookRequest): WebhookVerification | Promise<WebhookVerification>;
  parse(req: WebhookRequest): readonly WebhookEvent[];
}

export interface Received {
  readonly request: WebhookRequest;
  readonly path: string;
  readonly verification?: WebhookVerification;
  readonly events: readonly WebhookEvent[];
  readonly status: number;
}

export interface Receiver {
  readonly baseUrl: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/**
 * Starts a receiver for `/v1/webhooks/{platform}`: GET answers the adapter's challenge; POST
 * answers 200 when `verify` accepts the raw body (and records the parsed events), else 401.
 */
export const startReceiver = async (adapters: Readonly<Record<string, ReceiverAdapter>>): Promise<Receiver> => {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://receiver.local');
      const platform = /^\/v1\/webhooks\/([a-z_]+)$/.exec(url.pathname)?.[1];
      const adapter = platform ? adapters[platform] : undefined;
      const rawBody = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      const request: WebhookRequest = {
        method: req.method === 'GET' ? 'GET' : 'POST',
        headers,
        query: Object.fromEntries(url.searchParams),
        rawBody,
      };
      if (!adapter) {
        res.writeHead(404).end();
        return;
      }
      if (request.method === 'GET') {
        const answer = adapter.challenge?.(request) ?? { status: 405, contentType: 'text/plain', body: '' };
        received.push({ request, path: url.pathname, events: [], status: answer.status });
        res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
        return;
      }
      const verification = await adapter.verify(request);
      const events = verification.ok ? adapter.parse(request) : [];
      const status = verification.ok ? 200 : 401;
      received.push({ request, path: url.pathname, verification, events, status });
      res.writeHead(status).end();
    })();
  });
  const baseUrl = await listen(server);
  return { baseUrl, received, close: () => close(server) };
};

/** A webhook request built by hand (for the conformance samples). */
export const webhookRequest = (rawBody: Buffer | string, headers: Record<string, string> = {}, method: 'GET' | 'POST' = 'POST', query: Record<string, string> = {}): WebhookRequest => ({
  method,
  headers,
  query,
  rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody),
});

/** Credentials with a webhook secret and verify token of their own. */
export const WEBHOOK_CREDENTIALS: AppCredentials = {
  clientId: '1234567890-reach.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-reach-fake-secret',
  webhookSecret: 'websub-hub-secret',
  verifyToken: 'reach-push-audience',
};
