/**
 * Google's error shapes and token answers, read by the shared module: real samples from
 * test/fixtures/conformance/youtube/ and the documented variants.
 */
import { toFailure } from '../../functions/providers/http';
import { classifyGoogle, readGoogleError } from '../../functions/providers/google/errors';
import { googleTokenAnswerSchema, toTokenSet } from '../../functions/providers/google/oauth';
import { classifyBusiness } from '../../functions/providers/google-business/errors';
import { classifyYoutube } from '../../functions/providers/youtube/errors';
import { nextPacificMidnight, secondsUntilPacificMidnight } from '../../functions/providers/youtube/quota';
import { sampleFailure } from './google-helpers';

const NOW = new Date('2026-01-15T12:00:00.000Z'); // 04:00 in Los Angeles (PST)

const failure = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  toFailure({ status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) });

describe('nextPacificMidnight / secondsUntilPacificMidnight', () => {
  it('counts to midnight PST in winter', () => {
    expect(nextPacificMidnight(NOW).toISOString()).toBe('2026-01-16T08:00:00.000Z');
    expect(secondsUntilPacificMidnight(NOW)).toBe(20 * 3600);
  });

  it('counts to midnight PDT in summer', () => {
    expect(nextPacificMidnight(new Date('2026-07-15T12:00:00Z')).toISOString()).toBe('2026-07-16T07:00:00.000Z');
  });

  it('handles the days daylight saving time starts and ends', () => {
    // 2026-03-08 02:00 PST jumps to 03:00 PDT; the day is 23 hours long.
    expect(nextPacificMidnight(new Date('2026-03-08T09:00:00Z')).toISOString()).toBe('2026-03-09T07:00:00.000Z');
    expect(nextPacificMidnight(new Date('2026-03-07T20:00:00Z')).toISOString()).toBe('2026-03-08T08:00:00.000Z');
    // 2026-11-01 02:00 PDT falls back to 01:00 PST; the day is 25 hours long.
    expect(nextPacificMidnight(new Date('2026-11-01T08:00:00Z')).toISOString()).toBe('2026-11-02T08:00:00.000Z');
  });

  it('is a whole day at midnight exactly and 1 s just before it', () => {
    expect(secondsUntilPacificMidnight(new Date('2026-01-16T08:00:00.000Z'))).toBe(86_400);
    expect(secondsUntilPacificMidnight(new Date('2026-01-16T07:59:59.000Z'))).toBe(1);
    expect(secondsUntilPacificMidnight(new Date('2026-01-16T07:59:59.500Z'))).toBe(1);
  });
});

describe('conformance samples', () => {
  it('google_oauth_invalid_grant_400.json: a refused refresh is auth_expired invalid_grant', () => {
    expect(classifyYoutube(sampleFailure('google_oauth_invalid_grant_400.json', 400), NOW)).toEqual({
      kind: 'auth_expired',
      code: 'invalid_grant',
      message: 'invalid_grant: Token has been expired or revoked.',
    });
    expect(classifyBusiness(sampleFailure('google_oauth_invalid_grant_400.json', 400), NOW)).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('google_api_error_401_login_required.json: a missing token is auth_expired `required`', () => {
    const f = sampleFailure('google_api_error_401_login_required.json', 401);
    expect(readGoogleError(f)).toMatchObject({ shape: 'api', status: 'UNAUTHENTICATED', reasons: [{ reason: 'required', domain: 'global' }] });
    expect(classifyYoutube(f, NOW)).toMatchObject({ kind: 'auth_expired', code: 'required' });
  });

  it('youtube_error_401_youtubeSignupRequired.json: no channel is invalid_request, not an expired login', () => {
    const result = classifyYoutube(sampleFailure('youtube_error_401_youtubeSignupRequired.json', 401), NOW);
    expect(result).toMatchObject({ kind: 'invalid_request', code: 'youtubeSignupRequired' });
    expect(result.message).toContain('no YouTube channel');
  });

  it('error_403_quotaExceeded_captured.json: the daily quota waits until midnight Pacific Time', () => {
    const result = classifyYoutube(sampleFailure('error_403_quotaExceeded_captured.json', 403), NOW);
    expect(result).toMatchObject({ kind: 'rate_limited', code: 'quotaExceeded', retryAfterSeconds: 20 * 3600 });
    // The HTML link in Google's message is not carried into ours.
    expect(result.message).not.toContain('<a');
    expect(result.message).toContain('exceeded your quota');
  });
});

describe('classifyGoogle', () => {
  const api = (code: number, extra: Record<string, unknown>) => ({ error: { code, message: 'm', ...extra } });

  it.each([
    ['401 authError', 'auth_expired', 'authError', 401, { errors: [{ reason: 'authError', domain: 'global' }] }],
    ['401 ACCESS_TOKEN_EXPIRED (newer shape)', 'auth_expired', 'ACCESS_TOKEN_EXPIRED', 401, { status: 'UNAUTHENTICATED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_EXPIRED', domain: 'googleapis.com' }] }],
    ['403 insufficientPermissions', 'invalid_request', 'insufficientPermissions', 403, { errors: [{ reason: 'insufficientPermissions', domain: 'global' }], status: 'PERMISSION_DENIED' }],
    ['403 forbidden', 'invalid_request', 'forbidden', 403, { errors: [{ reason: 'forbidden', domain: 'youtube.channel' }] }],
    ['403 PERMISSION_DENIED without reasons', 'invalid_request', 'PERMISSION_DENIED', 403, { status: 'PERMISSION_DENIED' }],
    ['403 accessNotConfigured (API disabled for the project)', 'permanent', 'accessNotConfigured', 403, { errors: [{ reason: 'accessNotConfigured', domain: 'usageLimits' }] }],
    ['404 channelNotFound', 'invalid_request', 'channelNotFound', 404, { errors: [{ reason: 'channelNotFound', domain: 'youtube.channel' }] }],
    ['400 invalidParameter', 'invalid_request', 'invalidParameter', 400, { errors: [{ reason: 'invalidParameter', domain: 'global' }], status: 'INVALID_ARGUMENT' }],
    ['500 backendError', 'transient', 'backendError', 500, { errors: [{ reason: 'backendError', domain: 'global' }] }],
    ['503 UNAVAILABLE', 'transient', 'UNAVAILABLE', 503, { status: 'UNAVAILABLE' }],
  ] as const)('%s → %s (%s)', (_name, kind, code, status, extra) => {
    expect(classifyGoogle(failure(status, api(status, extra)), NOW)).toMatchObject({ kind, code, message: 'm' });
  });

  it('reads a classic 403 quotaExceeded of another Google API as rate_limited (YouTube’s own rule waits for midnight)', () => {
    const body = api(403, { errors: [{ reason: 'quotaExceeded', domain: 'usageLimits' }] });
    expect(classifyGoogle(failure(403, body), NOW)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 60 });
    expect(classifyYoutube(failure(403, body), NOW)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 20 * 3600 });
  });

  it('waits 60 s for rateLimitExceeded (per-minute quota)', () => {
    const result = classifyGoogle(failure(403, api(403, { errors: [{ reason: 'rateLimitExceeded', domain: 'youtube.quota' }] })), NOW);
    expect(result).toEqual({ kind: 'rate_limited', code: 'rateLimitExceeded', message: 'm', retryAfterSeconds: 60 });
  });

  it('takes the wait from google.rpc.RetryInfo, then Retry-After, for RESOURCE_EXHAUSTED', () => {
    const body = (details: unknown[]) => api(429, { status: 'RESOURCE_EXHAUSTED', details });
    expect(classifyGoogle(failure(429, body([{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12.5s' }])), NOW)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 13 });
    expect(classifyGoogle(failure(429, body([]), { 'retry-after': '7' }), NOW)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 7, code: 'RESOURCE_EXHAUSTED' });
    expect(classifyGoogle(failure(429, body([])), NOW)).toMatchObject({ retryAfterSeconds: 60 });
  });

  it.each([
    ['invalid_grant', 400, 'auth_expired'],
    ['invalid_client', 401, 'permanent'],
    ['unauthorized_client', 401, 'permanent'],
    ['redirect_uri_mismatch', 400, 'invalid_request'],
    ['invalid_request', 400, 'invalid_request'],
    ['invalid_scope', 400, 'invalid_request'],
    ['temporarily_unavailable', 503, 'transient'],
  ])('reads the OAuth error %s (%i) as %s', (error, status, kind) => {
    expect(classifyGoogle(failure(status, { error, error_description: 'Bad Request' }), NOW)).toEqual({ kind, code: error, message: `${error}: Bad Request` });
  });

  it('falls back to the HTTP status for a body that is not Google JSON', () => {
    expect(classifyGoogle(failure(502, '<html>Bad Gateway</html>'), NOW)).toMatchObject({ kind: 'transient', code: '502' });
    expect(classifyGoogle(failure(429, '', { 'retry-after': '5' }), NOW)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 5 });
  });

  it('does not depend on key order (newer front-ends put code and message first)', () => {
    const reordered = '{"error":{"message":"quota","code":403,"status":"PERMISSION_DENIED","errors":[{"reason":"quotaExceeded","domain":"youtube.quota","message":"quota"}]}}';
    expect(classifyYoutube(toFailure({ status: 403, headers: {}, text: reordered }), NOW)).toMatchObject({ kind: 'rate_limited', code: 'quotaExceeded' });
  });
});

describe('classifyBusiness', () => {
  it('reads a 0-QPM quota (API access not approved) as permanent', () => {
    const body = {
      error: {
        code: 429,
        message: "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute'",
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com', metadata: { quota_limit_value: '0' } }],
      },
    };
    expect(classifyBusiness(failure(429, body), NOW)).toMatchObject({ kind: 'permanent', code: 'RATE_LIMIT_EXCEEDED' });
  });

  it('reads an ordinary per-minute exhaustion as rate_limited', () => {
    const body = { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', metadata: { quota_limit_value: '300' } }] } };
    expect(classifyBusiness(failure(429, body), NOW)).toEqual({ kind: 'rate_limited', code: 'RATE_LIMIT_EXCEEDED', message: 'Quota exceeded', retryAfterSeconds: 60 });
  });
});

describe('toTokenSet', () => {
  const answer = (a: Record<string, unknown>) => googleTokenAnswerSchema.parse(a);

  it('builds the set of a first consent', () => {
    expect(toTokenSet(answer({ access_token: 'ya29.a', expires_in: 3599, refresh_token: '1//r', scope: 'a b', token_type: 'Bearer' }), NOW)).toEqual({
      accessToken: 'ya29.a',
      refreshToken: '1//r',
      tokenType: 'Bearer',
      expiresAt: '2026-01-15T12:59:59.000Z',
      scopes: ['a', 'b'],
      obtainedAt: NOW.toISOString(),
    });
  });

  it('tracks the refresh token’s own expiry when Google states it (time-based access)', () => {
    const set = toTokenSet(answer({ access_token: 'x', expires_in: 3599, refresh_token: 'r', refresh_token_expires_in: 86_400 }), NOW);
    expect(set.refreshTokenExpiresAt).toBe('2026-01-16T12:00:00.000Z');
  });

  it('keeps the previous refresh token, expiry, scopes and extras when the answer has none', () => {
    const previous = { refreshToken: 'old', refreshTokenExpiresAt: '2026-02-01T00:00:00.000Z', scopes: ['s'], extra: { k: 'v' } };
    expect(toTokenSet(answer({ access_token: 'new', expires_in: 3599 }), NOW, previous)).toMatchObject({
      accessToken: 'new',
      refreshToken: 'old',
      refreshTokenExpiresAt: '2026-02-01T00:00:00.000Z',
      scopes: ['s'],
      extra: { k: 'v' },
    });
  });

  it('rejects an answer without an access token', () => {
    expect(googleTokenAnswerSchema.safeParse({ expires_in: 3599 }).success).toBe(false);
  });
});
