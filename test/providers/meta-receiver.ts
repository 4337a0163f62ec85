/**
 * A tiny stand-in for Reach's `/v1/webhooks/{platform}` receiver, for the webhook tests: it hands
 * each request, raw bytes and all, to the provider's own adapter (challenge on GET, verify and
 * parse on POST) and keeps what happened.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppCredentials } from '../../functions/core/model/tokens';
import type { WebhookAdapter, WebhookEvent, WebhookRequest, WebhookVerification } from '../../functions/providers/types';

export interface Received {
  readonly platform: string;
  readonly request: WebhookRequest;
  readonly verification?: WebhookVerification;
  readonly events?: readonly WebhookEvent[];
  readonly status: number;
}

export interface Receiver {
  /** What the fakes take as `webhookBaseUrl`. */
  readonly base: string;
  readonly received: Received[];
  /** Resolves once `n` requests arrived (or rejects after 3 s). */
  waitFor(n: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** Starts the receiver with one adapter and the app credentials per platform. */
export const startReceiver = async (adapters: Readonly<Record<string, { adapter: WebhookAdapter; credentials: AppCredentials }>>): Promise<Receiver> => {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://receiver.local');
      const platform = url.pathname.split('/').pop() ?? '';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      const request: WebhookRequest = { method: req.method === 'GET' ? 'GET' : 'POST', headers, query: Object.fromEntries(url.searchParams), rawBody: Buffer.concat(chunks) };
      const entry = adapters[platform];
      if (!entry) {
        received.push({ platform, request, status: 404 });
        res.writeHead(404).end();
        return;
      }
      if (request.method === 'GET') {
        const answer = entry.adapter.challenge!(request, entry.credentials);
        received.push({ platform, request, status: answer.status });
        res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
        return;
      }
      const verification = await entry.adapter.verify(request, entry.credentials, new Date());
      const events = verification.ok ? entry.adapter.parse(request) : undefined;
      const status = verification.ok ? 200 : 401;
      received.push({ platform, request, verification, ...(events !== undefined && { events }), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    async waitFor(n) {
      const until = Date.now() + 3000;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} webhook requests, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received.slice(0, n);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
