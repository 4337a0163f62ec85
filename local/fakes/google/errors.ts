/**
 * Google's error bodies as the fake renders them. Two generations of JSON API front-ends exist:
 * YouTube's (www.googleapis.com) still answers the classic shape with `errors[{reason,domain}]`
 * (https://developers.google.com/youtube/v3/docs/errors), while the Business Profile APIs answer
 * the newer shape with a canonical `status` and `google.rpc.ErrorInfo` details
 * (https://cloud.google.com/apis/design/errors). The OAuth endpoints answer RFC 6749 bodies.
 */
import type { FakeErrors, FakeRequest, FakeResponse } from '../framework';

export const OAUTH_HOSTS = new Set(['accounts.google.com', 'oauth2.googleapis.com']);
const CLASSIC_HOSTS = new Set(['www.googleapis.com', 'youtubeanalytics.googleapis.com']);

const JSON_UTF8 = { 'content-type': 'application/json; charset=UTF-8' };

/** The flat OAuth error body of the token and revoke endpoints. */
export const oauthError = (status: number, error: string, description: string, headers: Record<string, string> = {}): FakeResponse => ({
  status,
  headers: { ...JSON_UTF8, ...headers },
  body: { error, error_description: description },
});

interface ClassicReason {
  readonly reason: string;
  readonly domain: string;
  readonly message: string;
  readonly location?: string;
  readonly locationType?: string;
}

/** The classic shape: `{error:{code,message,errors[],status?,details?}}`. */
export const classicError = (
  code: number,
  message: string,
  errors: readonly ClassicReason[],
  status?: string,
  headers: Record<string, string> = {},
  details: readonly unknown[] = [],
): FakeResponse => ({
  status: code,
  headers: { ...JSON_UTF8, ...headers },
  body: { error: { code, message, errors, ...(status !== undefined && { status }), ...(details.length > 0 && { details }) } },
});

/** The newer shape: `{error:{code,message,status,details[]}}`. */
export const modernError = (code: number, status: string, message: string, details: readonly unknown[] = [], headers: Record<string, string> = {}): FakeResponse => ({
  status: code,
  headers: { ...JSON_UTF8, ...headers },
  body: { error: { code, message, status, ...(details.length > 0 && { details }) } },
});

/** A `google.rpc.ErrorInfo` detail, as the newer front-ends attach it. */
export const errorInfo = (reason: string, metadata: Record<string, string> = {}) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'googleapis.com',
  metadata,
});

const badRequestDetail = (field: string, description: string) => ({
  '@type': 'type.googleapis.com/google.rpc.BadRequest',
  fieldViolations: [{ field, description }],
});

const isClassic = (req: FakeRequest) => CLASSIC_HOSTS.has(req.host);
const serviceOf = (req: FakeRequest) => req.host.replace('www.googleapis.com', 'youtube.googleapis.com');

const UNAUTHENTICATED_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const MISSING_MESSAGE =
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const WWW_AUTH = { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' };

/** 401 for a request without any token. */
export const loginRequired = (req: FakeRequest): FakeResponse =>
  isClassic(req)
    ? classicError(401, MISSING_MESSAGE, [{ message: 'Login Required.', domain: 'global', reason: 'required', location: 'Authorization', locationType: 'header' }], 'UNAUTHENTICATED', {
        'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
      })
    : modernError(401, 'UNAUTHENTICATED', MISSING_MESSAGE, [errorInfo('CREDENTIALS_MISSING', { service: serviceOf(req) })], {
        'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
      });

/** 401 for an unknown, expired or revoked token. */
export const invalidCredentials = (req: FakeRequest, expired: boolean): FakeResponse =>
  isClassic(req)
    ? classicError(
        401,
        UNAUTHENTICATED_MESSAGE,
        [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
        'UNAUTHENTICATED',
        WWW_AUTH,
      )
    : modernError(401, 'UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE, expired ? [errorInfo('ACCESS_TOKEN_EXPIRED', { service: serviceOf(req) })] : [], WWW_AUTH);

/** 403 for a token that lacks the scope the method needs. */
export const insufficientScopes = (req: FakeRequest): FakeResponse => {
  const detail = errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', { service: serviceOf(req) });
  const message = 'Request had insufficient authentication scopes.';
  return isClassic(req)
    ? classicError(403, message, [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }], 'PERMISSION_DENIED', {}, [detail])
    : modernError(403, 'PERMISSION_DENIED', message, [detail]);
};

/** 403 for a resource the caller may not see. */
export const permissionDenied = (req: FakeRequest): FakeResponse =>
  isClassic(req)
    ? classicError(403, 'The caller does not have permission', [{ message: 'The caller does not have permission', domain: 'global', reason: 'forbidden' }], 'PERMISSION_DENIED')
    : modernError(403, 'PERMISSION_DENIED', 'The caller does not have permission');

/** 400 for a bad argument, in the host's shape. */
export const invalidArgument = (req: FakeRequest, field: string, description: string, reason = 'invalidParameter'): FakeResponse =>
  isClassic(req)
    ? classicError(400, description, [{ message: description, domain: 'global', reason, location: field, locationType: 'parameter' }], 'INVALID_ARGUMENT')
    : modernError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [badRequestDetail(field, description)]);

/** 404 for an unknown resource. */
export const notFound = (req: FakeRequest, what: string): FakeResponse =>
  isClassic(req)
    ? classicError(404, `${what} not found.`, [{ message: `${what} not found.`, domain: 'global', reason: 'notFound' }], 'NOT_FOUND')
    : modernError(404, 'NOT_FOUND', 'Requested entity was not found.');

/**
 * The daily quota answer exactly as captured from YouTube (403, domain `youtube.quota`, no
 * `status`, HTML in the message): YouTube sends no reset header; the quota resets at midnight PT.
 */
export const youtubeQuotaExceeded = (): FakeResponse => {
  const message = 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.';
  return classicError(403, message, [{ domain: 'youtube.quota', reason: 'quotaExceeded', message }]);
};

/** The per-minute quota answer of the newer APIs, with the wait in `google.rpc.RetryInfo`. */
export const resourceExhausted = (req: FakeRequest, retryAfterSeconds: number, limitPerMinute = 300): FakeResponse =>
  modernError(
    429,
    'RESOURCE_EXHAUSTED',
    `Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service '${req.host}' for consumer 'project_number:000000000000'.`,
    [
      errorInfo('RATE_LIMIT_EXCEEDED', {
        service: req.host,
        quota_metric: `${req.host}/default_requests`,
        quota_limit: 'DefaultRequestsPerMinutePerProject',
        quota_limit_value: String(limitPerMinute),
        consumer: 'projects/000000000000',
      }),
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterSeconds}s` },
    ],
  );

const REVOKED_GRANT = (): FakeResponse => oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');

/** How injected faults look on each Google host. */
export const googleFakeErrors: FakeErrors = {
  rateLimited: (req, retryAfterSeconds) => {
    if (OAUTH_HOSTS.has(req.host)) {
      return oauthError(429, 'rate_limit_exceeded', 'Rate limit exceeded', { 'retry-after': String(retryAfterSeconds) });
    }
    return isClassic(req) ? youtubeQuotaExceeded() : resourceExhausted(req, retryAfterSeconds);
  },
  serverError: (req) => {
    if (OAUTH_HOSTS.has(req.host)) return oauthError(503, 'temporarily_unavailable', 'The service is currently unavailable.');
    return isClassic(req)
      ? classicError(503, 'The service is currently unavailable.', [{ message: 'The service is currently unavailable.', domain: 'global', reason: 'backendError' }], 'UNAVAILABLE')
      : modernError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
  },
  expiredToken: (req) => (OAUTH_HOSTS.has(req.host) ? REVOKED_GRANT() : invalidCredentials(req, true)),
  revokedGrant: (req) => (OAUTH_HOSTS.has(req.host) ? REVOKED_GRANT() : invalidCredentials(req, false)),
};

/** Google's HTML error page for a broken authorize request ("Error 400: redirect_uri_mismatch"). */
export const authorizeErrorPage = (status: number, error: string, detail: string): FakeResponse => {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Error ${status}: ${esc(error)}</title></head>
<body style="font-family:system-ui;max-width:32rem;margin:4rem auto"><h1>Access blocked: this app's request is invalid</h1>
<p><b>Error ${status}: ${esc(error)}</b></p><p>${esc(detail)}</p></body></html>`,
  };
};
