/**
 * Google's two error shapes, read and classified once for YouTube and Business Profile:
 *
 * - the OAuth endpoints answer RFC 6749 §5.2 bodies, `{"error":"invalid_grant","error_description":"…"}`
 *   (https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code);
 * - the JSON APIs answer `{"error":{"code","message","status","errors":[{reason,domain}],"details":[…]}}`
 *   (https://cloud.google.com/apis/design/errors, https://developers.google.com/youtube/v3/docs/errors),
 *   where older front-ends leave out `status` and newer ones add `google.rpc.ErrorInfo`/`RetryInfo` details.
 *
 * Parsers never depend on key order: newer front-ends put `code` and `message` first.
 */
import { z } from 'zod';
import { kindFromStatus, retryAfterHeader } from '../http';
import type { FailureKind, HttpFailure, ProviderFailure } from '../types';

/** What a Google JSON API said, flattened. */
export interface GoogleApiError {
  readonly shape: 'api';
  readonly httpStatus: number;
  /** The canonical status, e.g. `UNAUTHENTICATED`, `RESOURCE_EXHAUSTED` (absent in older answers). */
  readonly status?: string;
  readonly message: string;
  /** `errors[]` of the classic shape, e.g. `{reason: 'quotaExceeded', domain: 'youtube.quota'}`. */
  readonly reasons: readonly { readonly reason: string; readonly domain?: string }[];
  /** `google.rpc.ErrorInfo` of the newer shape. */
  readonly errorInfo?: { readonly reason: string; readonly domain?: string; readonly metadata: Readonly<Record<string, string>> };
  /** `google.rpc.RetryInfo.retryDelay` in seconds, when the answer carries one. */
  readonly retryDelaySeconds?: number;
}

/** What a Google OAuth endpoint said. */
export interface GoogleOAuthError {
  readonly shape: 'oauth';
  readonly httpStatus: number;
  readonly error: string;
  readonly description?: string;
}

const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

const apiErrorSchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z
      .array(z.object({ message: z.string().optional(), domain: z.string().optional(), reason: z.string().optional() }))
      .optional(),
    details: z.array(z.unknown()).optional(),
  }),
});

const errorInfoSchema = z.object({
  '@type': z.literal('type.googleapis.com/google.rpc.ErrorInfo'),
  reason: z.string(),
  domain: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

const retryInfoSchema = z.object({
  '@type': z.literal('type.googleapis.com/google.rpc.RetryInfo'),
  // A protobuf Duration in JSON: decimal seconds with an `s` suffix, e.g. "30s" or "0.5s".
  retryDelay: z.string().regex(/^\d+(\.\d+)?s$/),
});

/** Google messages may carry HTML (the quota message links its docs); keep them short and plain. */
const plain = (message: string): string => message.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim().slice(0, 300);

/** Reads either of Google's error shapes from a failed answer; undefined when it is neither. */
export const readGoogleError = (failure: HttpFailure): GoogleApiError | GoogleOAuthError | undefined => {
  const api = apiErrorSchema.safeParse(failure.json);
  if (api.success) {
    const e = api.data.error;
    let errorInfo: GoogleApiError['errorInfo'];
    let retryDelaySeconds: number | undefined;
    for (const detail of e.details ?? []) {
      const info = errorInfoSchema.safeParse(detail);
      if (info.success && !errorInfo) {
        errorInfo = {
          reason: info.data.reason,
          ...(info.data.domain !== undefined && { domain: info.data.domain }),
          metadata: info.data.metadata ?? {},
        };
      }
      const retry = retryInfoSchema.safeParse(detail);
      if (retry.success) retryDelaySeconds = Math.max(1, Math.ceil(Number.parseFloat(retry.data.retryDelay)));
    }
    return {
      shape: 'api',
      httpStatus: failure.status,
      ...(e.status !== undefined && { status: e.status }),
      message: plain(e.message ?? e.errors?.[0]?.message ?? `HTTP ${failure.status}`),
      reasons: (e.errors ?? []).flatMap((x) =>
        x.reason ? [{ reason: x.reason, ...(x.domain !== undefined && { domain: x.domain }) }] : [],
      ),
      ...(errorInfo && { errorInfo }),
      ...(retryDelaySeconds !== undefined && { retryDelaySeconds }),
    };
  }
  const oauth = oauthErrorSchema.safeParse(failure.json);
  if (oauth.success) {
    return {
      shape: 'oauth',
      httpStatus: failure.status,
      error: oauth.data.error,
      ...(oauth.data.error_description !== undefined && { description: plain(oauth.data.error_description) }),
    };
  }
  return undefined;
};

/** True when the API error names `reason` in `errors[]` or in its `ErrorInfo`. */
export const hasReason = (e: GoogleApiError, ...reasons: string[]): boolean =>
  e.reasons.some((r) => reasons.includes(r.reason)) || (e.errorInfo !== undefined && reasons.includes(e.errorInfo.reason));

/** The most specific code an API error carries: its first reason, else its ErrorInfo, else its status. */
export const codeOf = (e: GoogleApiError): string =>
  e.reasons[0]?.reason ?? e.errorInfo?.reason ?? e.status ?? String(e.httpStatus);

/**
 * A platform's own reading of an API error (YouTube's daily quota, say), tried before the shared
 * rules; undefined leaves the error to them.
 */
export type GoogleErrorRule = (error: GoogleApiError, failure: HttpFailure, now: Date) => ProviderFailure | undefined;

/** Google's per-minute quotas refill within a minute; wait that long when the answer names no delay. */
export const DEFAULT_RATE_LIMIT_WAIT_SECONDS = 60;

const failureOf = (kind: FailureKind, code: string, message: string, retryAfterSeconds?: number): ProviderFailure => ({
  kind,
  code,
  message,
  ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
});

/** OAuth endpoint errors (token, revoke): `invalid_grant` means the grant is gone. */
const classifyOAuthError = (e: GoogleOAuthError, failure: HttpFailure, now: Date): ProviderFailure => {
  const message = e.description ? `${e.error}: ${e.description}` : e.error;
  switch (e.error) {
    case 'invalid_grant':
    case 'invalid_token':
      return failureOf('auth_expired', e.error, message);
    case 'invalid_client':
    case 'unauthorized_client':
    case 'deleted_client':
    case 'disabled_client':
    case 'org_internal':
      // The app's own credentials or settings are wrong: no retry and no user action fixes it.
      return failureOf('permanent', e.error, message);
    case 'rate_limit_exceeded':
      return failureOf('rate_limited', e.error, message, retryAfterHeader(failure.headers, now) ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS);
    default: {
      const kind = kindFromStatus(failure.status);
      return failureOf(
        kind,
        e.error,
        message,
        kind === 'rate_limited' ? (retryAfterHeader(failure.headers, now) ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS) : undefined,
      );
    }
  }
};

// Classic quota reasons arrive as 403s; without a stated wait, a minute is Google's quota window.
const RATE_REASONS = ['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED', 'quotaExceeded', 'dailyLimitExceeded'];
const AUTH_REASONS = ['authError', 'required', 'expired', 'ACCESS_TOKEN_EXPIRED', 'CREDENTIALS_MISSING'];
const APP_SETUP_REASONS = ['accessNotConfigured', 'SERVICE_DISABLED', 'API_KEY_SERVICE_BLOCKED', 'CONSUMER_INVALID'];
const PERMISSION_REASONS = ['insufficientPermissions', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'forbidden', 'IAM_PERMISSION_DENIED'];

/** JSON API errors by reason, then by canonical status, then by HTTP status. */
const classifyApiError = (e: GoogleApiError, failure: HttpFailure, now: Date): ProviderFailure => {
  const code = codeOf(e);
  const wait = () => e.retryDelaySeconds ?? retryAfterHeader(failure.headers, now) ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS;
  if (hasReason(e, ...RATE_REASONS) || e.status === 'RESOURCE_EXHAUSTED' || e.httpStatus === 429) {
    return failureOf('rate_limited', code, e.message, wait());
  }
  if (hasReason(e, ...AUTH_REASONS) || e.status === 'UNAUTHENTICATED' || e.httpStatus === 401) {
    return failureOf('auth_expired', code, e.message);
  }
  if (hasReason(e, ...APP_SETUP_REASONS)) return failureOf('permanent', code, e.message);
  if (hasReason(e, ...PERMISSION_REASONS) || e.status === 'PERMISSION_DENIED') return failureOf('invalid_request', code, e.message);
  if (e.httpStatus >= 500 || e.status === 'UNAVAILABLE' || e.status === 'INTERNAL' || hasReason(e, 'backendError')) {
    return failureOf('transient', code, e.message);
  }
  return failureOf(kindFromStatus(e.httpStatus), code, e.message);
};

/**
 * Classifies any failed Google answer: the platform's `rule` first, then the shared rules for the
 * OAuth and JSON API shapes, then the HTTP status for bodies that are neither (an HTML error page).
 */
export const classifyGoogle = (failure: HttpFailure, now: Date, rule?: GoogleErrorRule): ProviderFailure => {
  const parsed = readGoogleError(failure);
  if (parsed?.shape === 'oauth') return classifyOAuthError(parsed, failure, now);
  if (parsed?.shape === 'api') return rule?.(parsed, failure, now) ?? classifyApiError(parsed, failure, now);
  const kind = kindFromStatus(failure.status);
  return failureOf(
    kind,
    String(failure.status),
    `HTTP ${failure.status} without a Google error body`,
    kind === 'rate_limited' ? (retryAfterHeader(failure.headers, now) ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS) : undefined,
  );
};
