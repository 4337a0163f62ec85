/**
 * The one HTTP client every provider uses: timeouts, form/JSON bodies, lower-cased headers, and a
 * single rule for where platform URLs go.
 *
 * Providers always write the platform's real `https://host/path`. When `platformBaseUrl` is set
 * (the local runtime and tests), `https://graph.facebook.com/v25.0/me` is sent to
 * `${platformBaseUrl}/graph.facebook.com/v25.0/me`, where the fake platform servers answer. That is
 * the only difference between talking to a platform and to its fake.
 */
import { z } from 'zod';
import type { FailureKind, HttpFailure, ProviderFailure, ProviderId } from './types';
import { ProviderError } from './types';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined;

export interface HttpRequest {
  readonly method: HttpMethod;
  /** The platform's real URL (may carry a query string already). */
  readonly url: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `application/x-www-form-urlencoded`; undefined values are left out. */
  readonly form?: Readonly<Record<string, string | undefined>>;
  /** Sent as `application/json`. */
  readonly json?: unknown;
  /** Sent as is, with the caller's `content-type` header. */
  readonly body?: string | Uint8Array;
  readonly timeoutMs?: number;
  /** The platform the call is for; `sendClassified` fills it in, so call metrics are per platform. */
  readonly platform?: ProviderId;
}

export interface HttpResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/** Fired once per platform call, for the call counters and latency metrics. */
export interface HttpCallInfo {
  readonly method: HttpMethod;
  readonly host: string;
  readonly path: string;
  readonly status: number | 'timeout' | 'network';
  readonly ms: number;
  readonly platform?: ProviderId;
  /** How much of a rate limit the answer's headers say is used (0–100), when they say it. */
  readonly rateLimitUsedPercent?: number;
}

export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>;
  /** The URL a person's browser should open for a platform page (consent screens). */
  publicUrl(url: string): string;
}

export interface HttpClientOptions {
  /** When set, platform hosts are reached under this base (fake platform servers). */
  readonly platformBaseUrl?: string;
  /** Public form of the base for browser-facing URLs (defaults to `platformBaseUrl`). */
  readonly publicPlatformBaseUrl?: string;
  readonly defaultTimeoutMs: number;
  readonly onCall?: (info: HttpCallInfo) => void;
  readonly fetchImpl?: typeof fetch;
}

/** The platform call did not answer in time, or the connection failed: outcome unknown. */
export class HttpTransportError extends Error {
  constructor(
    readonly reason: 'timeout' | 'network',
    readonly target: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason} calling ${target}`, options);
    this.name = 'HttpTransportError';
  }
}

const rewrite = (url: string, base: string | undefined): string => {
  if (!base) return url;
  const u = new URL(url);
  return `${base.replace(/\/$/, '')}/${u.host}${u.pathname}${u.search}`;
};

const withQuery = (url: string, query: HttpRequest['query']): string => {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
};

export const createHttpClient = (options: HttpClientOptions): HttpClient => {
  const doFetch = options.fetchImpl ?? fetch;
  return {
    publicUrl: (url) => rewrite(url, options.publicPlatformBaseUrl ?? options.platformBaseUrl),
    async send(request) {
      const real = new URL(withQuery(request.url, request.query));
      const target = rewrite(real.toString(), options.platformBaseUrl);
      const headers: Record<string, string> = { accept: 'application/json', ...lower(request.headers) };
      let body: string | Uint8Array | undefined = request.body;
      if (request.form) {
        const form = new URLSearchParams();
        for (const [k, v] of Object.entries(request.form)) if (v !== undefined) form.set(k, v);
        body = form.toString();
        headers['content-type'] ??= 'application/x-www-form-urlencoded';
      } else if (request.json !== undefined) {
        body = JSON.stringify(request.json);
        headers['content-type'] ??= 'application/json';
      }
      const started = performance.now();
      const report = (status: HttpCallInfo['status'], responseHeaders?: Readonly<Record<string, string>>) => {
        if (!options.onCall) return;
        const used = responseHeaders && rateLimitUsedPercent(responseHeaders);
        options.onCall({
          method: request.method,
          host: real.host,
          path: real.pathname,
          status,
          ms: performance.now() - started,
          ...(request.platform !== undefined && { platform: request.platform }),
          ...(used !== undefined && { rateLimitUsedPercent: used }),
        });
      };
      let res: Response;
      try {
        res = await doFetch(target, {
          method: request.method,
          headers,
          ...(body !== undefined && { body }),
          redirect: 'manual',
          signal: AbortSignal.timeout(request.timeoutMs ?? options.defaultTimeoutMs),
        });
      } catch (err) {
        const reason = isTimeout(err) ? 'timeout' : 'network';
        report(reason);
        throw new HttpTransportError(reason, `${request.method} ${real.host}${real.pathname}`, { cause: err });
      }
      const text = await res.text();
      const outHeaders: Record<string, string> = {};
      res.headers.forEach((v, k) => (outHeaders[k.toLowerCase()] = v));
      report(res.status, outHeaders);
      return { status: res.status, headers: outHeaders, text };
    },
  };
};

const lower = (h: Readonly<Record<string, string>> | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
};

// Checked by name: the abort DOMException may come from another realm (e.g. under jest).
const isTimeout = (err: unknown): boolean => {
  const name = typeof err === 'object' && err !== null && 'name' in err ? (err as { name: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
};

export const parseJson = (text: string): unknown => {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Builds the `HttpFailure` that `classify` receives from a non-2xx response. */
export const toFailure = (res: HttpResponse): HttpFailure => ({
  status: res.status,
  headers: res.headers,
  body: res.text,
  json: parseJson(res.text),
});

export interface CallContext {
  readonly platform: ProviderId;
  readonly http: HttpClient;
  readonly classify: (failure: HttpFailure) => ProviderFailure;
}

/**
 * Sends a request and returns its JSON body validated by `schema`. Any non-2xx answer is
 * classified by the provider and thrown as a `ProviderError`; a 2xx body that does not match the
 * schema is a `permanent` failure (the platform changed its contract); a timeout is `transient`.
 */
export const callJson = async <S extends z.ZodType>(
  ctx: CallContext,
  request: HttpRequest,
  schema: S,
  options: { readonly okStatuses?: readonly number[] } = {},
): Promise<z.infer<S>> => {
  const res = await sendClassified(ctx, request, options);
  const parsed = schema.safeParse(parseJson(res.text));
  if (!parsed.success) {
    throw new ProviderError(ctx.platform, {
      kind: 'permanent',
      message: `unexpected answer from ${new URL(request.url).pathname}: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(body)'} ${i.message}`)
        .join('; ')}`,
    });
  }
  return parsed.data;
};

/** Like `callJson` for calls whose answer we only need to be a success. */
export const sendClassified = async (
  ctx: CallContext,
  request: HttpRequest,
  options: { readonly okStatuses?: readonly number[] } = {},
): Promise<HttpResponse> => {
  let res: HttpResponse;
  try {
    res = await ctx.http.send({ ...request, platform: ctx.platform });
  } catch (err) {
    if (err instanceof HttpTransportError) {
      throw new ProviderError(ctx.platform, { kind: 'transient', code: err.reason, message: err.message }, { cause: err });
    }
    throw err;
  }
  const ok = options.okStatuses ? options.okStatuses.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok) throw new ProviderError(ctx.platform, ctx.classify(toFailure(res)));
  return res;
};

/** Seconds until an epoch-seconds reset instant (X's `x-rate-limit-reset`), at least 1. */
export const secondsUntil = (epochSeconds: number, now: Date): number =>
  Math.max(1, Math.ceil(epochSeconds - now.getTime() / 1000));

/** Reads `Retry-After` in either of its forms (seconds or an HTTP date). */
export const retryAfterHeader = (headers: Readonly<Record<string, string>>, now: Date): number | undefined => {
  const v = headers['retry-after'];
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(1, Math.ceil(n));
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(1, Math.ceil((t - now.getTime()) / 1000));
};

/** The fallback classification by HTTP status, for answers a provider does not recognise. */
export const kindFromStatus = (status: number): FailureKind => {
  if (status === 401) return 'auth_expired';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400) return 'invalid_request';
  return 'permanent';
};

/**
 * Pairs of headers that state a limit and what remains of it: X's per-endpoint and 24-hour limits
 * (https://docs.x.com/x-api/fundamentals/rate-limits), the common `X-RateLimit-*` form and the IETF
 * draft's `RateLimit-*` (https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/).
 */
const LIMIT_PAIRS: ReadonlyArray<readonly [limit: string, remaining: string]> = [
  ['x-rate-limit-limit', 'x-rate-limit-remaining'],
  ['x-app-limit-24hour-limit', 'x-app-limit-24hour-remaining'],
  ['x-user-limit-24hour-limit', 'x-user-limit-24hour-remaining'],
  ['x-ratelimit-limit', 'x-ratelimit-remaining'],
  ['ratelimit-limit', 'ratelimit-remaining'],
];

/**
 * Headers whose JSON states usage directly as percentages of the limit (`call_count`,
 * `total_cputime`, `total_time`, 0–100): `X-App-Usage` and `X-Page-Usage`, and
 * `X-Business-Use-Case-Usage` with such entries per business object
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
 */
const USAGE_HEADERS = ['x-app-usage', 'x-page-usage'] as const;
const BUSINESS_USAGE_HEADER = 'x-business-use-case-usage';

const usageEntry = z.looseObject({ call_count: z.number().optional(), total_cputime: z.number().optional(), total_time: z.number().optional() });
const businessUsage = z.record(z.string(), z.array(usageEntry));

const percentsOf = (e: z.infer<typeof usageEntry>): number[] => [e.call_count, e.total_cputime, e.total_time].filter((n): n is number => n !== undefined);

const nonNegative = (raw: string | undefined): number | undefined => {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};

/**
 * The highest share (0–100) of any rate limit that an answer's headers report as used, or undefined
 * when they report none. Reads header conventions, not platforms: whichever platform sends one of
 * these headers is measured by it.
 */
export const rateLimitUsedPercent = (headers: Readonly<Record<string, string>>): number | undefined => {
  const used: number[] = [];
  for (const [limitName, remainingName] of LIMIT_PAIRS) {
    const limit = nonNegative(headers[limitName]);
    const remaining = nonNegative(headers[remainingName]);
    if (limit !== undefined && limit > 0 && remaining !== undefined) used.push((100 * (limit - Math.min(remaining, limit))) / limit);
  }
  for (const name of USAGE_HEADERS) {
    const parsed = usageEntry.safeParse(parseJson(headers[name] ?? ''));
    if (parsed.success) used.push(...percentsOf(parsed.data));
  }
  const buc = businessUsage.safeParse(parseJson(headers[BUSINESS_USAGE_HEADER] ?? ''));
  if (buc.success) used.push(...Object.values(buc.data).flat().flatMap(percentsOf));
  if (used.length === 0) return undefined;
  return Math.min(100, Math.max(0, Math.round(Math.max(...used) * 10) / 10));
};
