/**
 * TikTok's answer shapes, as the fake renders them: the `{data, error}` envelope of the Display
 * API (https://developers.tiktok.com/doc/tiktok-api-v2-error-handling) and the flat OAuth error
 * body (https://developers.tiktok.com/doc/oauth-error-handling), each with a `log_id`.
 */
import { randomBytes } from 'node:crypto';
import type { FakeResponse } from '../framework';

/** A log id like TikTok's: `yyyyMMddHHmmss` (UTC) then 20 upper-case hex digits. */
export const logId = (now: Date): string =>
  `${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}${randomBytes(10).toString('hex').toUpperCase()}`;

/** A success: `{"data":…,"error":{"code":"ok","message":"","log_id":…}}`. */
export const ok = (data: unknown, now: Date): FakeResponse => ({
  status: 200,
  body: { data, error: { code: 'ok', message: '', log_id: logId(now) } },
});

/** An API error in the envelope, `data` left empty as TikTok does. */
export const apiError = (status: number, code: string, message: string, now: Date): FakeResponse => ({
  status,
  body: { data: {}, error: { code, message, log_id: logId(now) } },
});

/** The documented messages of the API error codes. */
export const API_MESSAGES = {
  access_token_invalid: 'The access token is invalid or not found in the request.',
  scope_not_authorized: 'The user did not authorize the scope required for completing this request.',
  invalid_params: 'One or more fields in request is invalid.',
  rate_limit_exceeded: 'The API rate limit was exceeded. Please try again later.',
  internal_error: 'Something went wrong. Please try again later.',
} as const;

/** 401 `access_token_invalid`: the token is missing, unknown, expired or revoked. */
export const tokenInvalid = (now: Date): FakeResponse => apiError(401, 'access_token_invalid', API_MESSAGES.access_token_invalid, now);
/** 401 `scope_not_authorized`: a field or endpoint needs a scope the user did not grant. */
export const scopeNotAuthorized = (scope: string, now: Date): FakeResponse =>
  apiError(401, 'scope_not_authorized', `${API_MESSAGES.scope_not_authorized} Missing scope: ${scope}`, now);
/** 400 `invalid_params`. */
export const invalidParams = (detail: string, now: Date): FakeResponse => apiError(400, 'invalid_params', `${API_MESSAGES.invalid_params} ${detail}`, now);
/** 429 `rate_limit_exceeded`. TikTok's limits carry no headers: the body is all a client gets. */
export const rateLimited = (now: Date): FakeResponse => apiError(429, 'rate_limit_exceeded', API_MESSAGES.rate_limit_exceeded, now);
/** 500 `internal_error`. */
export const internalError = (now: Date): FakeResponse => apiError(500, 'internal_error', API_MESSAGES.internal_error, now);

/** An OAuth error: flat `{error, error_description, log_id}`. */
export const oauthError = (status: number, error: string, description: string, now: Date): FakeResponse => ({
  status,
  body: { error, error_description: description, log_id: logId(now) },
});

/** What the token endpoint says for a refresh token that is unknown, expired or revoked. */
export const refreshTokenInvalid = (now: Date): FakeResponse => oauthError(400, 'invalid_grant', 'Refresh token is invalid or expired.', now);

/** 400 `invalid_param`: the Content Posting API's spelling of a bad field. */
export const invalidParam = (detail: string, now: Date): FakeResponse => apiError(400, 'invalid_param', `Check error message for details. ${detail}`, now);

/** The Content Posting API's refusals, with their documented descriptions. */
export const POSTING_MESSAGES = {
  spam_risk_too_many_posts: 'The daily post cap from the API is reached for the current user.',
  unaudited_client_can_only_post_to_private_accounts: 'Unaudited clients can only post to a private account.',
  url_ownership_unverified: 'To use PULL_FROM_URL the developer must verify the ownership of the URL prefix or domain.',
  privacy_level_option_mismatch: 'privacy_level is not specified or not among the options from the privacy_level_options returned in /publish/creator_info/query/ API.',
  invalid_publish_id: 'The publish_id does not exist.',
  token_not_authorized_for_specified_publish_id: 'The access_token does not have authorization to the publish.',
} as const;

/** A Content Posting refusal (403 unless said otherwise). */
export const postingError = (code: keyof typeof POSTING_MESSAGES, now: Date, status = 403): FakeResponse => apiError(status, code, POSTING_MESSAGES[code], now);
