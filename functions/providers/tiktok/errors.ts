/**
 * TikTok's failures, classified once. TikTok answers in two shapes:
 * - the API envelope `{"data":{},"error":{"code","message","log_id"}}` of the Display and Posting
 *   APIs, with readable string codes (https://developers.tiktok.com/doc/tiktok-api-v2-error-handling);
 *   the docs print only the inner struct, which is accepted too;
 * - the flat OAuth body `{"error","error_description","log_id"}` of /v2/oauth/token/ and
 *   /v2/oauth/revoke/ (https://developers.tiktok.com/doc/oauth-error-handling).
 * TikTok sends no rate-limit headers (https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit):
 * a 429 waits one whole window unless a `Retry-After` ever appears.
 */
import { kindFromStatus, retryAfterHeader } from '../http';
import type { FailureKind, HttpFailure, ProviderFailure } from '../types';
import { TIKTOK_RATE_LIMIT_WAIT_SECONDS } from './manifest';
import { apiErrorSchema, envelopeSchema, oauthErrorSchema, type TiktokApiError } from './schemas';

/** Posting caps are per creator or per app and per day: look again tomorrow. */
const DAILY_CAP_WAIT_SECONDS = 86_400;

/** API error codes to kinds. Codes not listed fall back to the HTTP status. */
const API_KINDS: Readonly<Record<string, FailureKind>> = {
  access_token_invalid: 'auth_expired',
  // The user did not grant the scope a field or endpoint needs: our request asked for too much.
  scope_not_authorized: 'invalid_request',
  scope_permission_missed: 'invalid_request',
  invalid_params: 'invalid_request',
  invalid_param: 'invalid_request',
  invalid_file_upload: 'invalid_request',
  privacy_level_option_mismatch: 'invalid_request',
  // An unaudited app asked for a public post, or posted for a public account: the request must
  // change (privacy SELF_ONLY, a private account), not the timing.
  unaudited_client_can_only_post_to_private_accounts: 'invalid_request',
  invalid_publish_id: 'invalid_request',
  token_not_authorized_for_specified_publish_id: 'invalid_request',
  rate_limit_exceeded: 'rate_limited',
  spam_risk_too_many_posts: 'rate_limited',
  spam_risk_too_many_pending_share: 'rate_limited',
  reached_active_user_cap: 'rate_limited',
  internal_error: 'transient',
  // The account or the app may not post, or TikTok judged the content risky: repeating will not help.
  spam_risk_user_banned_from_posting: 'permanent',
  spam_risk_text: 'permanent',
  spam_risk: 'permanent',
  url_ownership_unverified: 'permanent',
};

/** OAuth error categories to kinds (RFC 6749 names, as TikTok uses them). */
const OAUTH_KINDS: Readonly<Record<string, FailureKind>> = {
  // The code or refresh token is invalid, expired, revoked, or was issued to another client.
  invalid_grant: 'auth_expired',
  access_denied: 'auth_expired',
  invalid_request: 'invalid_request',
  // Wrong client key or secret: our configuration, not the user's grant, so connections are not
  // marked for reauthorization over it.
  invalid_client: 'invalid_request',
  unauthorized_client: 'invalid_request',
  unsupported_grant_type: 'invalid_request',
  unsupported_response_type: 'invalid_request',
  invalid_scope: 'invalid_request',
  server_error: 'transient',
  temporarily_unavailable: 'transient',
};

/**
 * `invalid_request` answers whose description says the refresh token itself is no longer valid:
 * the grant is gone even though the category reads like a malformed request.
 */
const GRANT_GONE = /refresh[_ ]token\b.*\b(invalid|expired|revoked|not exist|not found)/i;

/** Hides anything that looks like a TikTok token (`act.`, `rft.`, `clt.`) or another long opaque value. */
export const redact = (text: string): string =>
  text
    .replace(/\b(?:act|rft|clt)\.[A-Za-z0-9._~!*+/=-]+/g, '[redacted]')
    .replace(/[A-Za-z0-9_\-:.~+/=!*]{48,}/g, '[redacted]')
    .slice(0, 300);

const describe = (code: string, text: string | undefined, logId: string | undefined): string =>
  redact(`${code}${text ? `: ${text}` : ''}${logId ? ` (log_id ${logId})` : ''}`);

const rateWait = (code: string, headers: Readonly<Record<string, string>>, now: Date): number => {
  const header = retryAfterHeader(headers, now);
  if (header !== undefined) return header;
  return code === 'rate_limit_exceeded' ? TIKTOK_RATE_LIMIT_WAIT_SECONDS : DAILY_CAP_WAIT_SECONDS;
};

/** Classifies one API error struct (from a non-2xx answer or a 200 whose code is not `ok`). */
export const classifyApiError = (error: TiktokApiError, status: number, headers: Readonly<Record<string, string>>, now: Date): ProviderFailure => {
  const message = describe(error.code, error.message, error.log_id);
  const known = API_KINDS[error.code];
  const kind: FailureKind = known ?? (status >= 400 ? kindFromStatus(status) : 'permanent');
  if (kind === 'rate_limited') {
    const wait = known === 'rate_limited' ? rateWait(error.code, headers, now) : (retryAfterHeader(headers, now) ?? TIKTOK_RATE_LIMIT_WAIT_SECONDS);
    return { kind, code: error.code, message, retryAfterSeconds: wait };
  }
  return { kind, code: error.code, message };
};

const classifyOAuth = (
  body: { readonly error: string; readonly error_description?: string | undefined; readonly log_id?: string | undefined },
  status: number,
  headers: Readonly<Record<string, string>>,
  now: Date,
): ProviderFailure => {
  const message = describe(body.error, body.error_description, body.log_id);
  if (body.error === 'invalid_request' && GRANT_GONE.test(body.error_description ?? '')) {
    return { kind: 'auth_expired', code: body.error, message };
  }
  if (status === 429) {
    return { kind: 'rate_limited', code: body.error, message, retryAfterSeconds: retryAfterHeader(headers, now) ?? TIKTOK_RATE_LIMIT_WAIT_SECONDS };
  }
  if (status >= 500) return { kind: 'transient', code: body.error, message };
  const kind = OAUTH_KINDS[body.error] ?? (status >= 400 ? kindFromStatus(status) : 'invalid_request');
  return { kind, code: body.error, message };
};

/** Maps any TikTok failure (non-2xx, or a 200 carrying an error) to a kind with TikTok's own code. */
export const classifyTiktokFailure = (failure: HttpFailure, now: Date): ProviderFailure => {
  const { status, headers, json } = failure;

  const oauth = oauthErrorSchema.safeParse(json);
  if (oauth.success) return classifyOAuth(oauth.data, status, headers, now);

  const envelope = envelopeSchema.safeParse(json);
  if (envelope.success && envelope.data.error && envelope.data.error.code !== 'ok') {
    return classifyApiError(envelope.data.error, status, headers, now);
  }
  // The docs print the error struct on its own; accept it bare as well.
  const bare = apiErrorSchema.safeParse(json);
  if (bare.success && bare.data.code !== 'ok') return classifyApiError(bare.data, status, headers, now);

  const kind = kindFromStatus(status);
  const base = { kind, code: `http_${status}`, message: `HTTP ${status} from TikTok` };
  return kind === 'rate_limited' ? { ...base, retryAfterSeconds: retryAfterHeader(headers, now) ?? TIKTOK_RATE_LIMIT_WAIT_SECONDS } : base;
};

/**
 * `fail_reason` of a FAILED publish (status fetch or `post.publish.failed`): TikTok's guidance
 * says which are worth retrying; the rest would fail again the same way.
 * https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
 */
const FAIL_REASON_KINDS: Readonly<Record<string, FailureKind>> = {
  internal: 'transient',
  video_pull_failed: 'transient',
  photo_pull_failed: 'transient',
  spam_risk_too_many_posts: 'rate_limited',
  auth_removed: 'auth_expired',
};

/** Classifies the `fail_reason` of a publish that TikTok gave up on. */
export const classifyFailReason = (reason: string | undefined): ProviderFailure => {
  const code = reason && reason !== '' ? reason : 'publish_failed';
  const kind = FAIL_REASON_KINDS[code] ?? 'permanent';
  const message = redact(`TikTok could not publish the post: ${code}`);
  return kind === 'rate_limited' ? { kind, code, message, retryAfterSeconds: DAILY_CAP_WAIT_SECONDS } : { kind, code, message };
};
