/**
 * The framework the fake platform servers stand on.
 *
 * One HTTP server answers for every platform host: a request for `https://api.x.com/2/users/me`
 * arrives as `GET /api.x.com/2/users/me` (see `functions/providers/http.ts`). Each fake declares
 * the hosts it owns and its routes; the framework parses requests, counts calls, applies injected
 * faults, and renders each platform's own error bodies for them.
 *
 * Control endpoints (never part of a platform's API) live under `/__fakes/`:
 *   GET  /__fakes/stats                         calls per platform and route
 *   POST /__fakes/reset                         forget state, faults and counters
 *   POST /__fakes/{platform}/faults             {kind, count?, times?, delayMs?, retryAfterSeconds?, path?}
 *   DELETE /__fakes/{platform}/faults           clear faults
 *   POST /__fakes/clock                         {advanceSeconds} moves the fakes' clock
 *   GET  /__fakes/{platform}/state              the fake's own state (for tests and people)
 *   POST /__fakes/{platform}/webhooks           {event, account?, mode?, data?} sends a signed delivery
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  readonly method: string;
  readonly host: string;
  /** Path below the host, e.g. `/2/users/me`. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json(): unknown;
  /** The body parsed as a form. */
  form(): URLSearchParams;
  /** The bearer token of the `Authorization` header (or the `access_token` query parameter). */
  bearer(): string | undefined;
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: unknown;
}

export interface FakeContext {
  now(): Date;
  /** Where the fakes are reachable (to build upload URLs and such), e.g. `http://127.0.0.1:4000`. */
  baseUrl(): string;
  /** How the consent page behaves: `auto` approves at once, `page` shows approve/deny buttons. */
  consentMode(): 'auto' | 'page';
  /**
   * Where this platform's webhooks go (Reach's `/v1/webhooks/{platform}`), or undefined when no
   * receiver is registered (the fake then keeps its deliveries in its snapshot only).
   */
  webhookTarget(platform: string): string | undefined;
}

/** How a delivery is sent: as the platform would, or deliberately wrong (for tests of the receiver). */
export type DeliveryMode = 'valid' | 'forged' | 'stale' | 'duplicate';

export interface WebhookDeliveryRequest {
  /** The platform's event name, e.g. `video.publish.completed`, `tweet_create_events`. */
  readonly event: string;
  /** The fake account the event concerns. */
  readonly account?: string;
  readonly mode?: DeliveryMode;
  /** Event-specific fields (e.g. `publishId`). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface WebhookDeliveryResult {
  /** HTTP status of each request sent (a `duplicate` sends the same delivery twice). */
  readonly statuses: readonly number[];
  readonly target: string;
}

export type FakeHandler = (req: FakeRequest, ctx: FakeContext) => FakeResponse | Promise<FakeResponse>;

export interface FakeRoute {
  readonly method: string;
  readonly host: string;
  /** Path pattern below the host; `:name` matches one segment, a trailing `*` the rest. */
  readonly path: string;
  readonly handler: FakeHandler;
}

export type FaultKind = 'rate_limited' | 'server_error' | 'expired_token' | 'revoked_grant' | 'slow' | 'timeout';

export interface Fault {
  readonly kind: FaultKind;
  /** Apply to this many matching requests, then stop (default: until cleared). */
  readonly times?: number;
  /** Only requests whose path starts with this (below the host). */
  readonly path?: string;
  readonly retryAfterSeconds?: number;
  readonly delayMs?: number;
}

/** Each platform renders injected failures in its own documented error shape. */
export interface FakeErrors {
  rateLimited(req: FakeRequest, retryAfterSeconds: number, ctx: FakeContext): FakeResponse;
  serverError(req: FakeRequest, ctx: FakeContext): FakeResponse;
  /** The access token presented is expired. */
  expiredToken(req: FakeRequest, ctx: FakeContext): FakeResponse;
  /** The grant is gone: the token endpoint answers as for a revoked refresh token. */
  revokedGrant(req: FakeRequest, ctx: FakeContext): FakeResponse;
}

export interface FakePlatform {
  /** The provider id this fake stands in for. */
  readonly id: string;
  readonly hosts: readonly string[];
  readonly routes: readonly FakeRoute[];
  readonly errors: FakeErrors;
  /** Forget everything (accounts may be re-seeded). */
  reset(): void;
  /** A JSON-able view of the fake's state, for tests. */
  snapshot(): unknown;
  /** Sends a signed webhook delivery the way the platform does (control: POST /__fakes/{id}/webhooks). */
  deliverWebhook?(request: WebhookDeliveryRequest, ctx: FakeContext): Promise<WebhookDeliveryResult>;
}

/** What every fake factory receives: the app credentials the fake expects from Reach. */
export interface FakeAppOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Signs webhook deliveries when the platform uses a separate secret (else the client secret). */
  readonly webhookSecret?: string;
  /** What the platform echoes in its subscription check. */
  readonly verifyToken?: string;
}

export interface FakeServerOptions {
  readonly platforms: readonly FakePlatform[];
  readonly port?: number;
  readonly host?: string;
  readonly consent?: 'auto' | 'page';
  /** Public base URL when it differs from the listening address. */
  readonly publicBaseUrl?: string;
  /** Base of Reach's API; deliveries go to `${webhookBaseUrl}/v1/webhooks/{platform}`. */
  readonly webhookBaseUrl?: string;
}

export interface RunningFakes {
  readonly baseUrl: string;
  readonly server: Server;
  readonly context: FakeContext;
  /** Calls counted per platform, then per `METHOD host/path-pattern`. */
  stats(): Record<string, Record<string, number>>;
  inject(platform: string, fault: Fault): void;
  clearFaults(platform?: string): void;
  advanceClock(seconds: number): void;
  reset(): void;
  close(): Promise<void>;
}

interface ActiveFault extends Fault {
  remaining: number;
}

const matchPath = (pattern: string, path: string): Record<string, string> | undefined => {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg === '*') {
      params['*'] = s.slice(i).join('/');
      return params;
    }
    const got = s[i];
    if (got === undefined) return undefined;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(got);
    else if (seg !== got) return undefined;
  }
  return p.length === s.length ? params : undefined;
};

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const send = (res: ServerResponse, out: FakeResponse): void => {
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  let payload: Buffer | string | undefined;
  if (out.body === undefined) payload = undefined;
  else if (Buffer.isBuffer(out.body) || typeof out.body === 'string') payload = out.body;
  else {
    payload = JSON.stringify(out.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  res.writeHead(out.status, headers);
  res.end(payload);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const buildRequest = (
  method: string,
  host: string,
  path: string,
  query: URLSearchParams,
  headers: Record<string, string>,
  body: Buffer,
  params: Record<string, string> = {},
): FakeRequest => {
  const text = body.toString('utf8');
  return {
    method,
    host,
    path,
    params,
    query,
    headers,
    body,
    text,
    json: () => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    },
    form: () => new URLSearchParams(text),
    bearer: () => {
      const auth = headers['authorization'];
      const m = auth ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(auth) : null;
      return m?.[1] ?? query.get('access_token') ?? undefined;
    },
  };
};

export const startFakes = async (options: FakeServerOptions): Promise<RunningFakes> => {
  const byHost = new Map<string, FakePlatform>();
  for (const p of options.platforms) for (const h of p.hosts) byHost.set(h, p);
  const byId = new Map(options.platforms.map((p) => [p.id, p]));
  const faults = new Map<string, ActiveFault[]>();
  const counters: Record<string, Record<string, number>> = {};
  let clockOffsetMs = 0;
  let baseUrl = '';

  const context: FakeContext = {
    now: () => new Date(Date.now() + clockOffsetMs),
    baseUrl: () => baseUrl,
    consentMode: () => options.consent ?? 'auto',
    webhookTarget: (platform) => (options.webhookBaseUrl ? `${options.webhookBaseUrl.replace(/\/$/, '')}/v1/webhooks/${platform}` : undefined),
  };

  const control = async (method: string, parts: string[], body: Buffer): Promise<FakeResponse> => {
    const json = (() => {
      try {
        return body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return undefined;
      }
    })();
    if (json === undefined) return { status: 400, body: { error: 'body must be JSON' } };
    const [first, second] = parts;
    if (method === 'GET' && first === 'stats') return { status: 200, body: counters };
    if (method === 'POST' && first === 'reset') {
      running.reset();
      return { status: 204 };
    }
    if (method === 'POST' && first === 'clock') {
      const s = Number(json['advanceSeconds']);
      if (!Number.isFinite(s)) return { status: 400, body: { error: 'advanceSeconds must be a number' } };
      running.advanceClock(s);
      return { status: 200, body: { now: context.now().toISOString() } };
    }
    const platform = first ? byId.get(first) : undefined;
    if (!platform) return { status: 404, body: { error: `unknown fake platform ${first ?? ''}` } };
    if (second === 'faults' && method === 'POST') {
      const kind = json['kind'];
      const kinds: FaultKind[] = ['rate_limited', 'server_error', 'expired_token', 'revoked_grant', 'slow', 'timeout'];
      if (typeof kind !== 'string' || !kinds.includes(kind as FaultKind)) {
        return { status: 400, body: { error: `kind must be one of ${kinds.join(', ')}` } };
      }
      const fault: Fault = {
        kind: kind as FaultKind,
        ...(typeof json['times'] === 'number' && { times: json['times'] }),
        ...(typeof json['path'] === 'string' && { path: json['path'] }),
        ...(typeof json['retryAfterSeconds'] === 'number' && { retryAfterSeconds: json['retryAfterSeconds'] }),
        ...(typeof json['delayMs'] === 'number' && { delayMs: json['delayMs'] }),
      };
      running.inject(platform.id, fault);
      return { status: 201, body: fault };
    }
    if (second === 'faults' && method === 'DELETE') {
      running.clearFaults(platform.id);
      return { status: 204 };
    }
    if (second === 'state' && method === 'GET') return { status: 200, body: platform.snapshot() };
    if (second === 'webhooks' && method === 'POST') {
      if (!platform.deliverWebhook) return { status: 404, body: { error: `${platform.id} fake sends no webhooks` } };
      const event = json['event'];
      const mode = json['mode'] ?? 'valid';
      if (typeof event !== 'string') return { status: 400, body: { error: 'event must be a string' } };
      if (!['valid', 'forged', 'stale', 'duplicate'].includes(String(mode))) return { status: 400, body: { error: 'mode must be valid, forged, stale or duplicate' } };
      const data = json['data'];
      const result = await platform.deliverWebhook(
        {
          event,
          mode: mode as DeliveryMode,
          ...(typeof json['account'] === 'string' && { account: json['account'] }),
          ...(typeof data === 'object' && data !== null && { data: data as Record<string, unknown> }),
        },
        context,
      );
      return { status: 200, body: result };
    }
    return { status: 404, body: { error: 'unknown control route' } };
  };

  const takeFault = (platformId: string, path: string): ActiveFault | undefined => {
    const list = faults.get(platformId);
    if (!list) return undefined;
    const f = list.find((x) => x.remaining > 0 && (!x.path || path.startsWith(x.path)));
    if (f) f.remaining -= 1;
    return f;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fakes.local');
      const [host = '', ...rest] = url.pathname.split('/').filter(Boolean);
      const path = `/${rest.join('/')}${url.pathname.endsWith('/') && rest.length ? '/' : ''}`;
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      if (host === '__fakes') return send(res, await control(req.method ?? 'GET', rest, body));
      const platform = byHost.get(host);
      if (!platform) return send(res, { status: 404, body: { error: `no fake answers for host ${host}` } });
      for (const route of platform.routes) {
        if (route.host !== host || route.method !== req.method) continue;
        const params = matchPath(route.path, path);
        if (!params) continue;
        const fr = buildRequest(req.method, host, path, url.searchParams, headers, body, params);
        const key = `${route.method} ${host}${route.path}`;
        counters[platform.id] ??= {};
        counters[platform.id]![key] = (counters[platform.id]![key] ?? 0) + 1;
        const fault = takeFault(platform.id, path);
        if (fault) {
          switch (fault.kind) {
            case 'slow':
              await sleep(fault.delayMs ?? 2000);
              break;
            case 'timeout':
              await sleep(fault.delayMs ?? 30_000);
              return send(res, platform.errors.serverError(fr, context));
            case 'rate_limited':
              return send(res, platform.errors.rateLimited(fr, fault.retryAfterSeconds ?? 60, context));
            case 'server_error':
              return send(res, platform.errors.serverError(fr, context));
            case 'expired_token':
              return send(res, platform.errors.expiredToken(fr, context));
            case 'revoked_grant':
              return send(res, platform.errors.revokedGrant(fr, context));
          }
        }
        try {
          return send(res, await route.handler(fr, context));
        } catch (err) {
          return send(res, platform.errors.serverError(fr, context));
        }
      }
      return send(res, { status: 404, body: { error: `no fake route for ${req.method} ${host}${path}` } });
    })().catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: { error: 'fake server failure' } });
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  baseUrl = options.publicBaseUrl ?? `http://127.0.0.1:${addr.port}`;

  const running: RunningFakes = {
    baseUrl,
    server,
    context,
    stats: () => JSON.parse(JSON.stringify(counters)) as Record<string, Record<string, number>>,
    inject: (platform, fault) => {
      const list = faults.get(platform) ?? [];
      list.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
      faults.set(platform, list);
    },
    clearFaults: (platform) => (platform ? faults.delete(platform) : faults.clear()),
    advanceClock: (seconds) => (clockOffsetMs += seconds * 1000),
    reset: () => {
      faults.clear();
      for (const k of Object.keys(counters)) delete counters[k];
      clockOffsetMs = 0;
      for (const p of options.platforms) p.reset();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return running;
};

/** Renders a consent page, or approves at once, as the fake's consent mode says. */
export const consent = (
  req: FakeRequest,
  ctx: FakeContext,
  page: { readonly platform: string; readonly account: string; readonly scopes: readonly string[]; readonly approveUrl: string; readonly denyUrl: string },
): FakeResponse => {
  if (ctx.consentMode() === 'auto' || req.query.get('fake_decision') === 'approve') {
    return { status: 302, headers: { location: page.approveUrl } };
  }
  if (req.query.get('fake_decision') === 'deny') return { status: 302, headers: { location: page.denyUrl } };
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(page.platform)} — authorize</title></head>
<body style="font-family:system-ui;max-width:32rem;margin:4rem auto">
<h1>${esc(page.platform)} (local fake)</h1>
<p>Reach wants to act for <b>${esc(page.account)}</b> with: ${page.scopes.map((s) => `<code>${esc(s)}</code>`).join(', ')}</p>
<p><a id="approve" href="${esc(page.approveUrl)}">Approve</a> &nbsp; <a id="deny" href="${esc(page.denyUrl)}">Deny</a></p>
</body></html>`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
};
