/**
 * What the X publishing, analytics and webhook suites share: the fake X on a free port, a
 * provider pointed at it, consent in one call, call counting, and a tiny media server standing in
 * for Reach's media URLs (plain HTTP, never a platform host).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createXProvider } from '../../functions/providers/x';
import type { MediaItem } from '../../functions/core/model/post';
import type { TokenSet } from '../../functions/core/model/tokens';
import type { Checkpoint, Provider } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createXFake, type XFake, type XFakeOptions } from '../../local/fakes/x';

export const credentials = { clientId: 'x-publish-client', clientSecret: 'x-publish-secret' };
export const REDIRECT = 'https://reach.example.com/cb';

export interface XWorld {
  readonly fakes: RunningFakes;
  readonly fake: XFake;
  readonly http: HttpClient;
  readonly provider: Provider;
}

/** The fake X with a provider in front of it. */
export const startXWorld = async (options: { fake?: XFakeOptions; webhookBaseUrl?: string } = {}): Promise<XWorld> => {
  const fake = createXFake(credentials, options.fake);
  const fakes = await startFakes({ platforms: [fake], ...(options.webhookBaseUrl !== undefined && { webhookBaseUrl: options.webhookBaseUrl }) });
  const http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
  return { fakes, fake, http, provider: createXProvider({ http, now: () => fakes.context.now() }) };
};

/** Consent and code exchange for a fake account; the default scopes include tweet.write and media.write. */
export const connect = async (world: XWorld, account: string, scopes?: readonly string[]): Promise<TokenSet> => {
  const { provider, http } = world;
  const verifier = randomBytes(32).toString('base64url');
  const url = provider.oauth.authorizeUrl({
    state: 'publish',
    redirectUri: REDIRECT,
    scopes: scopes ?? provider.manifest.oauth.defaultScopes,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    credentials,
  });
  const res = await fetch(`${http.publicUrl(url)}&fake_account=${account}`, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  return provider.oauth.exchangeCode({ code, codeVerifier: verifier, redirectUri: REDIRECT, credentials, params: {} });
};

/** Calls counted at the fake X during `run`, as `METHOD path-pattern` → count. */
export const counted = async <T>(fakes: RunningFakes, run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> => {
  const before = fakes.stats()['x'] ?? {};
  const result = await run();
  const after = fakes.stats()['x'] ?? {};
  const calls: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) calls[k.replace(' api.x.com', ' ').replace(/ +/, ' ')] = d;
  }
  return { result, calls };
};

/** Runs `fn` and returns what it threw (the test fails when it throws nothing). */
export const thrown = async (fn: () => Promise<unknown>): Promise<unknown> => {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
};

/** Records every checkpoint saved, for the assertions and the next attempt. */
export const saver = () => {
  const saved: Checkpoint[] = [];
  return {
    saved,
    save: async (c: Checkpoint) => void saved.push(c),
    last: (): Checkpoint | undefined => saved[saved.length - 1],
  };
};

export interface MediaServer {
  readonly server: Server;
  /** Serves `bytes` and returns the media item that points at them. */
  item(name: string, bytes: Buffer, contentType: string, extra?: Partial<MediaItem>): MediaItem;
  /** Requests per path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/** A local HTTP server standing in for Reach's media store (S3 presigned URLs in AWS). */
export const startMediaServer = async (): Promise<MediaServer> => {
  const files = new Map<string, { bytes: Buffer; type: string }>();
  const hits = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://media.local').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end('missing');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'content-length': String(file.bytes.length) }).end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    hits,
    item(name, bytes, contentType, extra = {}) {
      files.set(`/media/${name}`, { bytes, type: contentType });
      return { mediaId: name, url: `${base}/media/${name}?X-Amz-Signature=secret-signature`, contentType, size: bytes.length, ...extra };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Bytes of a given size (a recognisable pattern, never the word X's fake treats as corrupt). */
export const bytes = (size: number, seed = 1): Buffer => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) % 251;
  return b;
};
