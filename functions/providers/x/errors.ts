/**
 * X's failures, classified once. X answers in three shapes:
 * - API v2 problem details `{type, title, detail, status}` (https://docs.x.com/x-api/fundamentals/response-codes-and-errors),
 *   also as entries of `errors[]` in HTTP 200 partial answers;
 * - the legacy `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}` still shown for 429
 *   (https://docs.x.com/x-api/fundamentals/rate-limits);
 * - OAuth errors `{"error","error_description"}` on /2/oauth2/token and /2/oauth2/revoke.
 * Rate-limit waits come from `x-rate-limit-reset` (epoch seconds), or from the 24-hour headers of
 * whichever limit is exhausted.
 */
import { kindFromStatus, retryAfterHeader, secondsUntil } from '../http';
import type { FailureKind, HttpFailure, ProviderFailure } from '../types';
import { legacyErrorsSchema, oauthErrorSchema, problemSchema, type XProblem } from './schemas';

/** Default wait for a 429 without reset headers: X's windows are 15 minutes. */
const DEFAULT_RATE_WAIT_SECONDS = 900;
/** Default wait for a usage cap without reset headers: look again tomorrow. */
const DEFAULT_USAGE_CAP_WAIT_SECONDS = 86_400;

/** The 15-minute window first, then the 24-hour limits of `POST /2/tweets`. */
const RATE_LIMIT_PREFIXES = ['x-rate-limit', 'x-user-limit-24hour', 'x-app-limit-24hour'] as const;

/** Problem type (last segment of `https://api.x.com/2/problems/<name>`) to kind. */
const PROBLEM_KINDS: Readonly<Record<string, FailureKind>> = {
  'invalid-request': 'invalid_request',
  'not-authorized-for-field': 'invalid_request',
  // Our request used an authentication the endpoint does not take: a bug on our side.
  'unsupported-authentication': 'invalid_request',
  conflict: 'invalid_request',
  'duplicate-rules': 'invalid_request',
  'noncompliant-rules': 'invalid_request',
  // The account or post is gone, suspended or protected: repeating will not help.
  'resource-not-found': 'permanent',
  'resource-unavailable': 'permanent',
  'not-authorized-for-resource': 'permanent',
  'disallowed-resource': 'permanent',
  // The app itself is not allowed (no project, wrong tier): an operator problem.
  'client-forbidden': 'permanent',
  'rate-limit-exceeded': 'rate_limited',
  'usage-capped': 'rate_limited',
  'client-disconnected': 'transient',
  'operational-disconnect': 'transient',
  'streaming-connection': 'transient',
};

/** Legacy v1.1 error codes that still appear in X answers. */
const LEGACY_KINDS: Readonly<Record<number, FailureKind>> = {
  88: 'rate_limited', // Rate limit exceeded
  32: 'auth_expired', // Could not authenticate you
  89: 'auth_expired', // Invalid or expired token
  215: 'auth_expired', // Bad authentication data
  64: 'permanent', // Account suspended
  326: 'permanent', // Account locked
  187: 'permanent', // Duplicate status
  130: 'transient', // Over capacity
  131: 'transient', // Internal error
};

/** Replaces anything that looks like a credential (long opaque runs) before text is logged. */
export const redact = (text: string): string => text.replace(/[A-Za-z0-9_\-:.~+/=]{32,}/g, '[redacted]').slice(0, 300);

/** The problem type's short name, e.g. `invalid-request`; undefined for `about:blank`. */
export const problemTypeName = (type: string | undefined): string | undefined => {
  if (!type || type === 'about:blank') return undefined;
  const m = /\/problems\/([a-z0-9-]+)\/?$/i.exec(type);
  return m?.[1]?.toLowerCase();
};

const slug = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

/**
 * Seconds to wait before the exhausted limit resets. A 429 on posting may come from the 24-hour
 * user or app limit while the 15-minute window still has room, so the exhausted one wins.
 */
export const rateLimitWait = (headers: Readonly<Record<string, string>>, now: Date): number | undefined => {
  const windows = RATE_LIMIT_PREFIXES.map((prefix) => ({
    remaining: headers[`${prefix}-remaining`] === undefined ? undefined : Number(headers[`${prefix}-remaining`]),
    reset: Number(headers[`${prefix}-reset`]),
  })).filter((w) => Number.isFinite(w.reset) && w.reset > 0);
  const first = windows[0];
  if (!first) return retryAfterHeader(headers, now);
  const exhausted = windows.filter((w) => w.remaining !== undefined && w.remaining <= 0);
  const pool = exhausted.length > 0 ? exhausted : [first];
  return secondsUntil(Math.max(...pool.map((w) => w.reset)), now);
};

/** Classifies one problem object (a whole error body, or an entry of a partial answer's `errors[]`). */
export const classifyProblem = (problem: XProblem, status: number, headers: Readonly<Record<string, string>>, now: Date): ProviderFailure => {
  const name = problemTypeName(problem.type);
  const text = redact([problem.title, problem.detail].filter(Boolean).join(': ') || `HTTP ${status}`);
  const code = name ?? (problem.title ? slug(problem.title) : `http_${status}`);
  if (status >= 500) return { kind: 'transient', code, message: text };
  // The same text again: repeating the request can never succeed.
  if (/duplicate content/i.test(problem.detail ?? '')) return { kind: 'permanent', code: 'duplicate_content', message: text };
  const kind = (name !== undefined ? PROBLEM_KINDS[name] : undefined) ?? (status >= 400 ? kindFromStatus(status) : 'permanent');
  if (kind === 'rate_limited') {
    const fallback = name === 'usage-capped' ? DEFAULT_USAGE_CAP_WAIT_SECONDS : DEFAULT_RATE_WAIT_SECONDS;
    return { kind, code, message: text, retryAfterSeconds: rateLimitWait(headers, now) ?? fallback };
  }
  return { kind, code, message: text };
};

/**
 * Token endpoint errors. X says `invalid_request` both for a malformed request and for a refresh
 * token or code that is no longer valid (revoked, expired, already used); only the description
 * tells them apart, so the grant-is-gone descriptions become `auth_expired` / `invalid_grant`.
 */
const classifyOAuth = (error: string, description: string | undefined, status: number): ProviderFailure => {
  const message = redact(description ? `${error}: ${description}` : error);
  const grantGone = error === 'invalid_grant' || /(token|authorization code) was invalid|expired|revoked/i.test(description ?? '');
  if (grantGone) return { kind: 'auth_expired', code: 'invalid_grant', message };
  if (status >= 500 || error === 'server_error' || error === 'temporarily_unavailable') return { kind: 'transient', code: error, message };
  // Wrong client credentials: our configuration, not the user's grant. Marking every connection
  // for reauthorization would not help, so this is surfaced as our own invalid request.
  return { kind: 'invalid_request', code: error, message };
};

/** Maps any non-2xx X answer to a failure kind with X's own code. */
export const classifyXFailure = (failure: HttpFailure, now: Date): ProviderFailure => {
  const { status, headers, json } = failure;
  const oauth = oauthErrorSchema.safeParse(json);
  if (oauth.success) return classifyOAuth(oauth.data.error, oauth.data.error_description, status);

  const legacy = legacyErrorsSchema.safeParse(json);
  if (legacy.success) {
    const first = legacy.data.errors[0]!;
    const message = redact(first.message ?? `error ${first.code}`);
    const kind = status >= 500 ? 'transient' : (LEGACY_KINDS[first.code] ?? kindFromStatus(status));
    if (kind === 'rate_limited' || status === 429) {
      return { kind: 'rate_limited', code: String(first.code), message, retryAfterSeconds: rateLimitWait(headers, now) ?? DEFAULT_RATE_WAIT_SECONDS };
    }
    return { kind, code: String(first.code), message };
  }

  const problem = problemSchema.safeParse(json);
  if (problem.success && (problem.data.type !== undefined || problem.data.title !== undefined)) {
    return classifyProblem(problem.data, status, headers, now);
  }

  const kind = kindFromStatus(status);
  const base = { kind, code: `http_${status}`, message: `HTTP ${status} from X` };
  return kind === 'rate_limited' ? { ...base, retryAfterSeconds: rateLimitWait(headers, now) ?? DEFAULT_RATE_WAIT_SECONDS } : base;
};

/** The failure a 2xx partial answer stands for when it carries `errors[]` but no `data`. */
export const failureFromPartialErrors = (errors: readonly XProblem[], headers: Readonly<Record<string, string>>, now: Date): ProviderFailure => {
  const first = errors[0];
  if (!first) return { kind: 'permanent', code: 'no_data', message: 'X answered without data or errors' };
  return classifyProblem(first, first.status ?? 200, headers, now);
};
