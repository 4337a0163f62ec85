/**
 * Classifies LinkedIn's failures. Two shapes exist:
 *
 * - the API's `{status, serviceErrorCode, code, message}` (older answers lack `code`)
 *   (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling);
 * - the OAuth endpoints' `{error, error_description}`
 *   (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow#api-error-details,
 *   https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens#api-error-details).
 *
 * Validation failures (422) carry `errorDetails.inputErrors[{description, input, code}]`, e.g. the
 * duplicate-content refusal of `POST /rest/posts`:
 * `{"errorDetailType":"com.linkedin.common.error.BadRequest","message":"…Content is a duplicate of
 * urn:li:share:7141138937766391808","errorDetails":{"inputErrors":[{"description":"Duplicate post is
 * detected","input":{},"code":"DUPLICATE_POST"}]},"status":422}` (a real answer quoted in
 * https://github.com/Arisamiga/Linkedin-RSS/issues/5).
 *
 * Rate limits are daily, reset at 00:00 UTC, and come without headers
 * (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits).
 */
import { z } from 'zod';
import { kindFromStatus, retryAfterHeader } from '../http';
import type { FailureKind, HttpFailure, ProviderFailure } from '../types';
import { secondsUntilUtcMidnight } from './rest';

const restErrorSchema = z.object({
  status: z.number().int().optional(),
  serviceErrorCode: z.number().int().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  errorDetails: z
    .object({ inputErrors: z.array(z.object({ code: z.string().optional(), description: z.string().optional() }).loose()).optional() })
    .loose()
    .optional(),
});

const oauthErrorSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
});

/** The serviceErrorCodes of a token that no longer works: invalid, revoked, expired. */
const DEAD_TOKEN_CODES = new Set([65600, 65601, 65602]);

/** LinkedIn's wording for a refresh token (or grant) that is gone; it answers `invalid_request` for it. */
const DEAD_GRANT = /authorization grant or refresh token is invalid|refresh token (?:is )?(?:invalid|expired|revoked)/i;

/** Keeps platform text short; LinkedIn's messages never echo a token, this bounds what reaches logs. */
const clip = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

const classifyOAuth = (f: HttpFailure, body: z.infer<typeof oauthErrorSchema>): ProviderFailure => {
  const message = clip(`${body.error}${body.error_description ? `: ${body.error_description}` : ''}`);
  if (body.error === 'invalid_grant' || (body.error === 'invalid_request' && DEAD_GRANT.test(body.error_description ?? ''))) {
    // Named `invalid_grant` whatever LinkedIn's spelling, so a revoked grant reads the same on every platform.
    return { kind: 'auth_expired', code: 'invalid_grant', message };
  }
  // Wrong app credentials: reconnecting cannot fix that, only the operator can.
  if (body.error === 'invalid_client') return { kind: 'permanent', code: body.error, message };
  const kind: FailureKind = f.status >= 500 ? 'transient' : f.status === 429 ? 'rate_limited' : 'invalid_request';
  return { kind, code: body.error, message };
};

/** LinkedIn's code for a post whose content the author already published. */
export const DUPLICATE_POST = 'DUPLICATE_POST';

const inputErrorCode = (body: z.infer<typeof restErrorSchema>): string | undefined =>
  body.errorDetails?.inputErrors?.find((e) => e.code !== undefined)?.code;

const restCode = (body: z.infer<typeof restErrorSchema>): string | undefined => {
  const input = inputErrorCode(body);
  if (input !== undefined) return input;
  if (body.serviceErrorCode !== undefined && body.code) return `${body.serviceErrorCode}/${body.code}`;
  if (body.serviceErrorCode !== undefined) return String(body.serviceErrorCode);
  return body.code;
};

const classifyRest = (f: HttpFailure, body: z.infer<typeof restErrorSchema>, now: Date): ProviderFailure => {
  const code = restCode(body);
  const message = clip(body.message ?? `HTTP ${f.status}`);
  const withCode = (kind: FailureKind, extra: Partial<ProviderFailure> = {}): ProviderFailure => ({
    kind,
    message,
    ...(code !== undefined && { code }),
    ...extra,
  });
  if (f.status === 429) {
    return withCode('rate_limited', { retryAfterSeconds: retryAfterHeader(f.headers, now) ?? secondsUntilUtcMidnight(now) });
  }
  if (f.status === 401 || (body.serviceErrorCode !== undefined && DEAD_TOKEN_CODES.has(body.serviceErrorCode))) return withCode('auth_expired');
  // A missing or sunset LinkedIn-Version is our deployment's fault: retrying or reconnecting cannot help.
  // The same text again: sending it again would be refused again.
  if (body.errorDetails?.inputErrors?.some((e) => e.code === DUPLICATE_POST)) return withCode('permanent');
  if (body.code === 'VERSION_MISSING' || body.code === 'NONEXISTENT_VERSION' || f.status === 426) return withCode('permanent');
  // ACCESS_DENIED: a scope or an organization role is missing for this call.
  if (f.status === 403) return withCode('invalid_request');
  return withCode(kindFromStatus(f.status));
};

/** Builds the classifier; `now` dates the daily reset a 429 waits for. */
export const createClassifier =
  (now: () => Date) =>
  (failure: HttpFailure): ProviderFailure => {
    const oauth = oauthErrorSchema.safeParse(failure.json);
    if (oauth.success) return classifyOAuth(failure, oauth.data);
    const rest = restErrorSchema.safeParse(failure.json);
    if (rest.success) return classifyRest(failure, rest.data, now());
    const kind = kindFromStatus(failure.status);
    return {
      kind,
      message: `HTTP ${failure.status} from LinkedIn`,
      ...(kind === 'rate_limited' && { retryAfterSeconds: retryAfterHeader(failure.headers, now()) ?? secondsUntilUtcMidnight(now()) }),
    };
  };

/**
 * The post a duplicate-content refusal names ("Content is a duplicate of urn:li:share:…"), read
 * from a classified failure's message.
 */
export const duplicateOf = (failure: ProviderFailure): string | undefined => {
  if (failure.code !== DUPLICATE_POST) return undefined;
  return /duplicate of (urn:li:(?:share|ugcPost):\d+)/.exec(failure.message)?.[1];
};
