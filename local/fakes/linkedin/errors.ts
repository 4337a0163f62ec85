/**
 * LinkedIn's error bodies, as the fake renders them:
 * - the API: `{status, serviceErrorCode, code, message}`
 *   (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling);
 * - the OAuth endpoints: `{error, error_description}`
 *   (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow#api-error-details).
 * Rate limits are daily and LinkedIn sends no rate-limit headers, so a 429 carries none.
 */
import type { FakeErrors, FakeRequest, FakeResponse } from '../framework';

export const OAUTH_HOST = 'www.linkedin.com';
export const API_HOST = 'api.linkedin.com';

/** An API error in LinkedIn's shape; `code` is left out where LinkedIn's own answer has none. */
export const apiError = (status: number, message: string, extra: { serviceErrorCode?: number; code?: string } = {}): FakeResponse => ({
  status,
  body: {
    status,
    ...(extra.serviceErrorCode !== undefined && { serviceErrorCode: extra.serviceErrorCode }),
    ...(extra.code !== undefined && { code: extra.code }),
    message,
  },
});

/** An OAuth endpoint error. */
export const oauthError = (status: number, error: string, description: string): FakeResponse => ({
  status,
  body: { error, error_description: description },
});

export const missingParameter = (name: string): FakeResponse => oauthError(400, 'invalid_request', `A required parameter "${name}" is missing`);
export const invalidClient = (): FakeResponse => oauthError(401, 'invalid_client', 'Client authentication failed');
export const codeNotFound = (): FakeResponse => oauthError(401, 'invalid_request', 'Unable to retrieve access token: authorization code not found');
export const codeMismatch = (): FakeResponse =>
  oauthError(
    400,
    'invalid_request',
    'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists',
  );
/** The documented answer to a refresh token that is invalid, expired or revoked (programmatic-refresh-tokens#api-error-details). */
export const deadRefreshToken = (): FakeResponse =>
  oauthError(400, 'invalid_request', 'The provided authorization grant or refresh token is invalid, expired or revoked');

export const emptyToken = (): FakeResponse => apiError(401, 'Empty oauth2 access token', { serviceErrorCode: 65604, code: 'EMPTY_ACCESS_TOKEN' });
export const invalidToken = (): FakeResponse => apiError(401, 'Invalid access token', { serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN' });
export const revokedToken = (): FakeResponse =>
  apiError(401, 'The token used in the request has been revoked by the user', { serviceErrorCode: 65601, code: 'REVOKED_ACCESS_TOKEN' });
export const expiredToken = (): FakeResponse =>
  apiError(401, 'The token used in the request has expired', { serviceErrorCode: 65602, code: 'EXPIRED_ACCESS_TOKEN' });
export const accessDenied = (resource: string, method: string, version: string): FakeResponse =>
  apiError(403, `Not enough permissions to access: ${resource}.${method}.${version}`, { serviceErrorCode: 100, code: 'ACCESS_DENIED' });
export const notFound = (what: string): FakeResponse => apiError(404, `${what} not found`, { code: 'NOT_FOUND' });
export const badRequest = (message: string): FakeResponse => apiError(400, message, { code: 'ILLEGAL_ARGUMENT' });
/**
 * A 422 validation failure in the Posts API's shape (`errorDetails.inputErrors`), as in the real
 * duplicate-content answer quoted in https://github.com/Arisamiga/Linkedin-RSS/issues/5.
 */
export const inputError = (message: string, code: string, description: string, fieldPath?: string): FakeResponse => ({
  status: 422,
  body: {
    errorDetailType: 'com.linkedin.common.error.BadRequest',
    message,
    errorDetails: { inputErrors: [{ description, input: fieldPath !== undefined ? { inputPath: { fieldPath } } : {}, code }] },
    status: 422,
  },
});
/** LinkedIn's refusal of the same content from the same author, naming the existing post. */
export const duplicatePost = (existing: string): FakeResponse =>
  inputError(
    `com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of ${existing}`,
    'DUPLICATE_POST',
    'Duplicate post is detected',
  );
export const throttled = (): FakeResponse =>
  apiError(429, 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.', { serviceErrorCode: 101, code: 'TOO_MANY_REQUESTS' });

/** Injected faults in LinkedIn's shapes: the OAuth host answers as its token endpoint does. */
export const linkedinErrors: FakeErrors = {
  // LinkedIn publishes no reset header: the wait the fault asks for cannot be told, only the daily reset.
  rateLimited: () => throttled(),
  serverError: () => apiError(500, 'Internal Server Error'),
  expiredToken: (req: FakeRequest) => (req.host === OAUTH_HOST ? deadRefreshToken() : expiredToken()),
  revokedGrant: (req: FakeRequest) => (req.host === OAUTH_HOST ? deadRefreshToken() : revokedToken()),
};
