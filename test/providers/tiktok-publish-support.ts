/**
 * What the TikTok publishing, analytics and webhook tests share: the fake with a connected
 * account, call counting, a tiny media server standing in for Reach's media URLs, and contexts.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import type { AppCredentials, TokenSet } from '../../functions/core/model/tokens';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createTiktokProvider } from '../../functions/providers/tiktok';
import { classifyTiktokFailure } from '../../functions/providers/tiktok/errors';
import { createTiktokPublisher, type TiktokPublisherOptions } from '../../functions/providers/tiktok/publish';
import type { Checkpoint, PublishContext, Provider, Publisher } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createTiktokFake, type TiktokFake, type TiktokFakeOptions } from '../../local/fakes/tiktok';

export const credentials: AppCredentials = { clientId: 'tt-key', clientSecret: 'tt-secret' };
export const REDIRECT = 'https://reach.example/v1/oauth/tiktok/callback';
export const ALL_SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list', 'video.publish', 'video.upload'];
export const MIB = 1024 * 1024;

export const ROUTES = {
  creatorInfo: 'POST open.tiktokapis.com/v2/post/publish/creator_info/query/',
  videoInit: 'POST open.tiktokapis.com/v2/post/publish/video/init/',
  inboxInit: 'POST open.tiktokapis.com/v2/post/publish/inbox/video/init/',
  contentInit: 'POST open.tiktokapis.com/v2/post/publish/content/init/',
  status: 'POST open.tiktokapis.com/v2/post/publish/status/fetch/',
  upload: 'PUT open-upload.tiktokapis.com/video/',
  videoList: 'POST open.tiktokapis.com/v2/video/list/',
  videoQuery: 'POST open.tiktokapis.com/v2/video/query/',
} as const;

/** Deterministic bytes: the same name and size always give the same file. */
export const bytesOf = (name: string, size: number): Buffer => {
  // An AES-CTR keystream keyed by the name: fast, and different for every name.
  const key = createHash('sha256').update(name).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
};

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export interface MediaServer {
  readonly server: Server;
  /** Serves `bytes` at `/<name>` and returns the media item describing it. */
  add(name: string, bytes: Buffer, contentType: string, extra?: Partial<MediaItem>): MediaItem;
  /** GET requests per path. */
  readonly hits: Map<string, number>;
  /** When false the server ignores `Range` and always answers the whole file. */
  honourRange: boolean;
  close(): Promise<void>;
}

/** Reach's media store, in small: GET with or without `Range`, on port 0. */
export const startMediaServer = async (): Promise<MediaServer> => {
  const files = new Map<string, { bytes: Buffer; type: string }>();
  const hits = new Map<string, number>();
  const media: { honourRange: boolean } = { honourRange: true };
  const server = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://media.local').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const range = /^bytes=([0-9]+)-([0-9]+)$/.exec(req.headers.range ?? '');
    if (range && media.honourRange) {
      const [first, last] = [Number(range[1]), Math.min(Number(range[2]), file.bytes.length - 1)];
      res.writeHead(206, { 'content-type': file.type, 'content-range': `bytes ${first}-${last}/${file.bytes.length}` });
      res.end(file.bytes.subarray(first, last + 1));
      return;
    }
    res.writeHead(200, { 'content-type': file.type });
    res.end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    hits,
    get honourRange() {
      return media.honourRange;
    },
    set honourRange(v: boolean) {
      media.honourRange = v;
    },
    add(name, bytes, contentType, extra = {}) {
      files.set(`/${name}`, { bytes, type: contentType });
      return { mediaId: name, url: `${base}/${name}`, contentType, size: bytes.length, ...extra };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export interface TiktokWorld {
  readonly fakes: RunningFakes;
  readonly fake: TiktokFake;
  readonly http: HttpClient;
  readonly provider: Provider;
  /** A publisher with small chunks, so that tests cut a few MiB into several chunks. */
  readonly publisher: Publisher;
  connect(account: string, scopes?: readonly string[]): Promise<TokenSet>;
  /** Calls made at the fake since the last `mark()`, per route. */
  mark(): () => Record<string, number>;
  close(): Promise<void>;
}

/** Starts the fake TikTok (and, when given, points its webhooks at `webhookBaseUrl`). */
export const startTiktok = async (
  options: TiktokFakeOptions & { readonly webhookBaseUrl?: string; readonly publisher?: TiktokPublisherOptions } = {},
): Promise<TiktokWorld> => {
  const fake = createTiktokFake(credentials, options);
  const fakes = await startFakes({ platforms: [fake], ...(options.webhookBaseUrl && { webhookBaseUrl: options.webhookBaseUrl }) });
  const http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 10_000 });
  // The provider runs on the fakes' clock, so that moving it moves both sides.
  const now = () => fakes.context.now();
  const provider = createTiktokProvider({ http, now });
  const publisher = createTiktokPublisher({ platform: 'tiktok', http, classify: (f) => classifyTiktokFailure(f, now()) }, now, { chunkBytes: 5 * MIB, ...options.publisher });
  const calls = () => fakes.stats()['tiktok'] ?? {};
  return {
    fakes,
    fake,
    http,
    provider,
    publisher,
    async connect(account, scopes = ALL_SCOPES) {
      const url = provider.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT, scopes, codeChallenge: 'x', credentials });
      const res = await fetch(`${http.publicUrl(url)}&fake_account=${encodeURIComponent(account)}`, { redirect: 'manual' });
      const params = Object.fromEntries(new URL(res.headers.get('location')!).searchParams);
      return provider.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT, codeVerifier: 'x', credentials, params });
    },
    mark() {
      const before = calls();
      return () => {
        const after = calls();
        const out: Record<string, number> = {};
        for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
        return out;
      };
    },
    close: () => fakes.close(),
  };
};

/** A publish context whose checkpoints are kept in `saved` (the last one is the current checkpoint). */
export const contextFor = (
  tokens: TokenSet,
  platformAccountId: string,
  content: PostContent,
  checkpoint?: Checkpoint,
): PublishContext & { readonly saved: Checkpoint[] } => {
  const saved: Checkpoint[] = [];
  return {
    tokens,
    credentials,
    platformAccountId,
    accountType: 'creator',
    content,
    targetKey: 'post1.conn1',
    ...(checkpoint && { checkpoint }),
    saved,
    save: async (c) => void saved.push(c),
  };
};

/** Post content with defaults for the fields a test does not care about. */
export const content = (text: string, media: readonly MediaItem[], options: Record<string, unknown> = {}): PostContent => ({ text, media, options });
