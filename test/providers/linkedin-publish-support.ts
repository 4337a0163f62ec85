/**
 * What the LinkedIn publishing, analytics and webhook tests share: the fake LinkedIn, a tiny media
 * server standing in for Reach's media URLs, consent through the fake, call counting, and a
 * publish context that records its checkpoints.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createLinkedinProvider } from '../../functions/providers/linkedin';
import { MEMBER_SCOPES } from '../../functions/providers/linkedin/manifest';
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import type { TokenSet } from '../../functions/core/model/tokens';
import type { Checkpoint, PublishContext, Provider } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createLinkedinFake, type LinkedinFake, type LinkedinFakeOptions } from '../../local/fakes/linkedin';

export const CREDENTIALS = { clientId: 'reach-li-client', clientSecret: 'reach-li-secret' };
export const REDIRECT_URI = 'https://reach.example/v1/oauth/linkedin/callback';
/** Small parts so that a test video of a few hundred KB still goes up in several parts. */
export const PART_BYTES = 32 * 1024;
export const PROCESSING_SECONDS = 30;

/** Serves byte blobs at `/media/{id}` like Reach's media URLs, counting reads. */
export interface MediaServer {
  readonly server: Server;
  /** Registers bytes and returns a `MediaItem` pointing at them. */
  item(id: string, contentType: string, bytes: Buffer, extra?: Partial<MediaItem>): MediaItem;
  readonly reads: Record<string, number>;
  close(): Promise<void>;
}

export const startMediaServer = async (): Promise<MediaServer> => {
  const blobs = new Map<string, { bytes: Buffer; type: string }>();
  const reads: Record<string, number> = {};
  const server = createServer((req, res) => {
    const id = /^\/media\/([\w.-]+)$/.exec(req.url ?? '')?.[1];
    const blob = id ? blobs.get(id) : undefined;
    if (!id || !blob) {
      res.writeHead(404).end();
      return;
    }
    reads[id] = (reads[id] ?? 0) + 1;
    res.writeHead(200, { 'content-type': blob.type, 'content-length': String(blob.bytes.length) }).end(blob.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    reads,
    item(id, contentType, bytes, extra = {}) {
      blobs.set(id, { bytes, type: contentType });
      return { mediaId: id, url: `${base}/media/${id}`, contentType, size: bytes.length, ...extra };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Bytes that differ per id (the fake checks part sizes, not content). */
export const bytesOf = (id: string, size: number): Buffer => {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (id.charCodeAt(i % id.length) + i) & 0xff;
  return out;
};

export interface LinkedinHarness {
  readonly fakes: RunningFakes;
  readonly fake: LinkedinFake;
  readonly http: HttpClient;
  readonly provider: Provider;
  readonly media: MediaServer;
  /** When set, the next `POST /rest/posts` reaches LinkedIn but its answer is lost (a timeout). */
  loseNextPostAnswer: boolean;
  close(): Promise<void>;
}

export const startHarness = async (options: LinkedinFakeOptions = {}, webhookBaseUrl?: string): Promise<LinkedinHarness> => {
  const fake = createLinkedinFake(CREDENTIALS, { videoPartBytes: PART_BYTES, videoProcessingSeconds: PROCESSING_SECONDS, ...options });
  const fakes = await startFakes({ platforms: [fake], ...(webhookBaseUrl !== undefined && { webhookBaseUrl }) });
  const media = await startMediaServer();
  const harness: LinkedinHarness = {
    fakes,
    fake,
    media,
    loseNextPostAnswer: false,
    http: undefined as unknown as HttpClient,
    provider: undefined as unknown as Provider,
    close: async () => {
      await fakes.close();
      await media.close();
    },
  };
  // The platform answered, then the connection died: the caller sees a timeout.
  const fetchImpl: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (harness.loseNextPostAnswer && init?.method === 'POST' && url.endsWith('/api.linkedin.com/rest/posts')) {
      harness.loseNextPostAnswer = false;
      await res.arrayBuffer();
      const lost = new Error('the answer never arrived');
      lost.name = 'TimeoutError';
      throw lost;
    }
    return res;
  };
  const http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000, fetchImpl });
  Object.assign(harness, { http, provider: createLinkedinProvider({ http, now: () => fakes.context.now() }) });
  return harness;
};

/** Consents through the fake as `account` and returns the token set. */
export const connect = async (h: LinkedinHarness, account: string, options: { variant?: string; scopes?: readonly string[] } = {}): Promise<TokenSet> => {
  const url = h.provider.oauth.authorizeUrl({
    state: 's',
    redirectUri: REDIRECT_URI,
    scopes: options.scopes ?? h.provider.manifest.oauth.defaultScopes,
    codeChallenge: 'c',
    credentials: CREDENTIALS,
    ...(options.variant !== undefined && { variant: options.variant }),
  });
  const res = await fetch(`${h.http.publicUrl(url)}&fake_account=${account}`, { redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
  return h.provider.oauth.exchangeCode({ code, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params: {} });
};

/** A member who may also read its own posts (the restricted r_member_social). */
export const MEMBER_WITH_READ = [...MEMBER_SCOPES, 'r_member_social'];

/** The member's and its organization's URNs as the accounts client lists them. */
export const accountsOf = async (h: LinkedinHarness, tokens: TokenSet): Promise<{ member: string; organization?: string }> => {
  const accounts = await h.provider.accounts.list({ tokens, credentials: CREDENTIALS });
  const org = accounts.find((a) => a.accountType === 'organization');
  return { member: accounts.find((a) => a.accountType === 'member')!.platformAccountId, ...(org && { organization: org.platformAccountId }) };
};

/** Platform calls made while `fn` runs, per route. */
export const callsDuring = async <T>(h: LinkedinHarness, fn: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> => {
  const before = h.fakes.stats()['linkedin'] ?? {};
  const result = await fn();
  const after = h.fakes.stats()['linkedin'] ?? {};
  const calls: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) calls[k] = v - (before[k] ?? 0);
  return { result, calls };
};

/** Calls made while `fn` runs, which is expected to throw; returns the error and the calls. */
export const failureDuring = async (h: LinkedinHarness, fn: () => Promise<unknown>): Promise<{ error: unknown; calls: Record<string, number> }> => {
  const before = h.fakes.stats()['linkedin'] ?? {};
  let error: unknown;
  try {
    await fn();
  } catch (err) {
    error = err;
  }
  const after = h.fakes.stats()['linkedin'] ?? {};
  const calls: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) calls[k] = v - (before[k] ?? 0);
  return { error, calls };
};

export const content = (text: string, extra: Partial<PostContent> = {}): PostContent => ({ text, media: [], options: {}, ...extra });

/** A publish context whose `save` keeps every checkpoint, as the engine would store it. */
export const contextFor = (
  tokens: TokenSet,
  platformAccountId: string,
  postContent: PostContent,
  checkpoint?: Checkpoint,
): PublishContext & { readonly saved: Checkpoint[] } => {
  const saved: Checkpoint[] = [];
  return {
    tokens,
    credentials: CREDENTIALS,
    platformAccountId,
    accountType: platformAccountId.startsWith('urn:li:organization:') ? 'organization' : 'member',
    content: postContent,
    targetKey: 'post-1.connection-1',
    ...(checkpoint !== undefined && { checkpoint }),
    saved,
    save: async (cp) => {
      saved.push(cp);
    },
  };
};

/** The fake's published posts. */
export const postsAtFake = (h: LinkedinHarness): Array<{ id: string; author: string; kind: string; text: string; visibility: string; createdAt: string }> =>
  (h.fake.snapshot() as { posts: Array<{ id: string; author: string; kind: string; text: string; visibility: string; createdAt: string }> }).posts;
