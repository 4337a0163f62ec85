/**
 * TikTok failure classification: the documented samples, every documented API error code, the
 * OAuth categories, answers that carry an error with HTTP 200, and faults injected into the fake.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createTiktokProvider } from '../../functions/providers/tiktok';
import { classifyTiktokFailure, redact } from '../../functions/providers/tiktok/errors';
import { ProviderError, type FailureKind, type HttpFailure, type Provider } from '../../functions/providers/types';
import type { AppCredentials, TokenSet } from '../../functions/core/model/tokens';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createTiktokFake, type TiktokFake } from '../../local/fakes/tiktok';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'tiktok');
/** Reads a sample; `.jsonc` samples lose their `//` comments and trailing commas first. */
const sampleText = (name: string): string => {
  const raw = readFileSync(join(FIXTURES, name), 'utf8');
  return name.endsWith('.jsonc') ? raw.replace(/^\s*\/\/.*$/gm, '').replace(/,(\s*[}\]])/g, '$1') : raw;
};

const NOW = new Date('2026-03-01T10:00:00.000Z');

const failure = (status: number, body: unknown, headers: Record<string, string> = {}): HttpFailure => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, body: text, json };
};

const envelope = (code: string, message = 'message', status = 400) =>
  failure(status, { data: {}, error: { code, message, log_id: '20260301100000ABCDEF0123456789ABCDEF' } });

describe('classifyTiktokFailure on the documented samples', () => {
  it('reads the documented access_token_invalid struct, bare as printed and inside the envelope', () => {
    const inner = JSON.parse(sampleText('api_error_access_token_invalid.json')) as Record<string, string>;
    for (const body of [inner, { data: {}, error: inner }]) {
      const f = classifyTiktokFailure(failure(401, body), NOW);
      expect(f).toEqual({
        kind: 'auth_expired',
        code: 'access_token_invalid',
        message: 'access_token_invalid: Access token is invalid, please refresh token and retry (log_id 20220829194722CBE87ED59D524E727021)',
      });
    }
  });

  it('reads the documented malformed-request OAuth error as invalid_request', () => {
    const f = classifyTiktokFailure(failure(400, JSON.parse(sampleText('oauth_error_malformed.json'))), NOW);
    expect(f).toMatchObject({ kind: 'invalid_request', code: 'invalid_request' });
    expect(f.message).toContain('The request parameters are malformed.');
  });

  it('reads the documented redirect mismatch as invalid_request (TikTok does not call it invalid_grant)', () => {
    const f = classifyTiktokFailure(failure(400, JSON.parse(sampleText('oauth_error_redirect_mismatch.json'))), NOW);
    expect(f).toMatchObject({ kind: 'invalid_request', code: 'invalid_request' });
    expect(f.message).toContain('Redirect_uri is not matched');
  });
});

describe('classifyTiktokFailure on the documented API error codes', () => {
  const cases: [string, number, FailureKind, number | undefined][] = [
    ['access_token_invalid', 401, 'auth_expired', undefined],
    ['scope_not_authorized', 401, 'invalid_request', undefined],
    ['scope_permission_missed', 400, 'invalid_request', undefined],
    ['invalid_params', 400, 'invalid_request', undefined],
    ['invalid_param', 400, 'invalid_request', undefined],
    ['invalid_file_upload', 400, 'invalid_request', undefined],
    ['rate_limit_exceeded', 429, 'rate_limited', 60],
    ['internal_error', 500, 'transient', undefined],
    ['spam_risk_too_many_posts', 403, 'rate_limited', 86_400],
    ['reached_active_user_cap', 403, 'rate_limited', 86_400],
    ['spam_risk_user_banned_from_posting', 403, 'permanent', undefined],
    ['unaudited_client_can_only_post_to_private_accounts', 403, 'invalid_request', undefined],
    ['url_ownership_unverified', 403, 'permanent', undefined],
    ['privacy_level_option_mismatch', 400, 'invalid_request', undefined],
    ['invalid_publish_id', 400, 'invalid_request', undefined],
    ['token_not_authorized_for_specified_publish_id', 400, 'invalid_request', undefined],
    ['spam_risk_too_many_pending_share', 403, 'rate_limited', 86_400],
    ['spam_risk_text', 403, 'permanent', undefined],
    ['spam_risk', 403, 'permanent', undefined],
  ];

  it.each(cases)('%s (HTTP %i) is %s', (code, status, kind, wait) => {
    const f = classifyTiktokFailure(envelope(code, 'detail', status), NOW);
    expect(f.kind).toBe(kind);
    expect(f.code).toBe(code);
    expect(f.retryAfterSeconds).toBe(wait);
  });

  it('falls back to the status for codes it does not know', () => {
    expect(classifyTiktokFailure(envelope('brand_new_code', 'x', 503), NOW)).toMatchObject({ kind: 'transient', code: 'brand_new_code' });
    expect(classifyTiktokFailure(envelope('brand_new_code', 'x', 404), NOW)).toMatchObject({ kind: 'invalid_request', code: 'brand_new_code' });
    // An unknown error code in a 200 answer: nothing to retry.
    expect(classifyTiktokFailure(envelope('brand_new_code', 'x', 200), NOW)).toMatchObject({ kind: 'permanent', code: 'brand_new_code' });
  });

  it('honours a Retry-After header should TikTok ever send one', () => {
    const f = classifyTiktokFailure(failure(429, { data: {}, error: { code: 'rate_limit_exceeded', message: '' } }, { 'retry-after': '17' }), NOW);
    expect(f).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 17 });
  });
});

describe('classifyTiktokFailure on OAuth errors and other bodies', () => {
  const oauth = (error: string, description: string, status = 400) => failure(status, { error, error_description: description, log_id: '2026' });

  it('makes invalid_grant (code used, expired or revoked; refresh token gone) auth_expired', () => {
    expect(classifyTiktokFailure(oauth('invalid_grant', 'Refresh token is invalid or expired.'), NOW)).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
    expect(classifyTiktokFailure(oauth('invalid_grant', 'Authorization code is expired.'), NOW)).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('reads an invalid_request that says the refresh token is gone as auth_expired', () => {
    expect(classifyTiktokFailure(oauth('invalid_request', 'The refresh_token is expired.'), NOW)).toMatchObject({ kind: 'auth_expired', code: 'invalid_request' });
  });

  it('keeps configuration mistakes as invalid_request and server trouble as transient', () => {
    expect(classifyTiktokFailure(oauth('invalid_client', 'Client key or secret is incorrect.', 401), NOW).kind).toBe('invalid_request');
    expect(classifyTiktokFailure(oauth('unsupported_grant_type', 'nope'), NOW).kind).toBe('invalid_request');
    expect(classifyTiktokFailure(oauth('invalid_scope', 'nope'), NOW).kind).toBe('invalid_request');
    expect(classifyTiktokFailure(oauth('server_error', 'boom', 500), NOW).kind).toBe('transient');
    expect(classifyTiktokFailure(oauth('something', 'busy', 503), NOW).kind).toBe('transient');
    expect(classifyTiktokFailure(oauth('slow_down', 'busy', 429), NOW)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 60 });
  });

  it('classifies bodies it cannot read by status', () => {
    expect(classifyTiktokFailure(failure(502, '<html>Bad Gateway</html>'), NOW)).toEqual({ kind: 'transient', code: 'http_502', message: 'HTTP 502 from TikTok' });
    expect(classifyTiktokFailure(failure(429, ''), NOW)).toMatchObject({ kind: 'rate_limited', code: 'http_429', retryAfterSeconds: 60 });
    expect(classifyTiktokFailure(failure(401, ''), NOW).kind).toBe('auth_expired');
  });

  it('never lets a token through into the message', () => {
    const f = classifyTiktokFailure(oauth('invalid_grant', 'refresh token rft.SECRETsecretSECRET123 was revoked for act.ABCdef123'), NOW);
    expect(f.message).not.toMatch(/SECRETsecret|ABCdef123/);
    expect(redact(`x ${'a'.repeat(60)} y`)).toBe('x [redacted] y');
  });
});

describe('answers that carry an error with HTTP 200', () => {
  const credentials: AppCredentials = { clientId: 'k', clientSecret: 's' };
  const tokens: TokenSet = { accessToken: 'act.x', refreshToken: 'rft.x', scopes: ['user.info.basic'], obtainedAt: NOW.toISOString() };
  const providerAnswering = (body: string): Provider =>
    createTiktokProvider({
      http: createHttpClient({ defaultTimeoutMs: 1000, fetchImpl: async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }) }),
      now: () => NOW,
    });

  it('fails a token answer whose body is an OAuth error', async () => {
    const provider = providerAnswering(sampleText('oauth_error_malformed.json'));
    const err = await provider.oauth.refresh!({ tokens, credentials }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_request' });
  });

  it('fails an API answer whose error code is not ok', async () => {
    const provider = providerAnswering(JSON.stringify({ data: {}, error: { code: 'access_token_invalid', message: 'expired', log_id: 'l' } }));
    const err = await provider.accounts.list({ tokens, credentials }).catch((e: unknown) => e);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'auth_expired', code: 'access_token_invalid' });
  });

  it('calls a 2xx answer of an unexpected shape permanent', async () => {
    const provider = providerAnswering(JSON.stringify({ data: { user: { display_name: 'no id' } }, error: { code: 'ok', message: '', log_id: 'l' } }));
    const err = await provider.accounts.list({ tokens, credentials }).catch((e: unknown) => e);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'permanent', code: 'unexpected_answer' });
  });
});

describe('faults injected into the fake, as the provider sees them', () => {
  const credentials: AppCredentials = { clientId: 'tt-key', clientSecret: 'tt-secret' };
  const REDIRECT = 'https://reach.example/v1/oauth/tiktok/callback';
  let fakes: RunningFakes;
  let fake: TiktokFake;
  let http: HttpClient;
  let provider: Provider;
  let tokens: TokenSet;

  beforeAll(async () => {
    fake = createTiktokFake(credentials);
    fakes = await startFakes({ platforms: [fake] });
    http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
    provider = createTiktokProvider({ http, now: () => new Date() });
    const url = provider.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT, scopes: ['user.info.basic', 'user.info.stats', 'video.list'], codeChallenge: 'x', credentials });
    const res = await fetch(http.publicUrl(url), { redirect: 'manual' });
    const params = Object.fromEntries(new URL(res.headers.get('location')!).searchParams);
    tokens = await provider.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT, codeVerifier: 'x', credentials, params });
  });
  afterAll(async () => {
    await fakes.close();
  });
  afterEach(() => fakes.clearFaults());

  const metricsFailure = async () => {
    const [outcome] = await provider.metrics!.fetch([{ platformAccountId: fake.account('reach.demo').openId, tokens }], credentials);
    if (!outcome || outcome.ok) throw new Error('expected a failed outcome');
    return outcome.failure;
  };

  it('rate_limited: a bare 429 rate_limit_exceeded, waited out for a whole window', async () => {
    fakes.inject('tiktok', { kind: 'rate_limited', retryAfterSeconds: 5 });
    const raw = await fetch(`${fakes.baseUrl}/open.tiktokapis.com/v2/user/info/?fields=open_id`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBeNull();
    expect(await raw.json()).toMatchObject({ data: {}, error: { code: 'rate_limit_exceeded' } });
    expect(await metricsFailure()).toMatchObject({ kind: 'rate_limited', code: 'rate_limit_exceeded', retryAfterSeconds: 60 });
  });

  it('server_error: internal_error, transient', async () => {
    fakes.inject('tiktok', { kind: 'server_error', times: 2 });
    expect(await metricsFailure()).toMatchObject({ kind: 'transient', code: 'internal_error' });
  });

  it('expired_token: access_token_invalid on the API, auth_expired', async () => {
    fakes.inject('tiktok', { kind: 'expired_token', path: '/v2/user/info' });
    const err = await provider.accounts.list({ tokens, credentials }).catch((e: unknown) => e);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'auth_expired', code: 'access_token_invalid' });
  });

  it('revoked_grant: invalid_grant on the token endpoint, auth_expired', async () => {
    fakes.inject('tiktok', { kind: 'revoked_grant', path: '/v2/oauth/token' });
    const err = await provider.oauth.refresh!({ tokens, credentials }).catch((e: unknown) => e);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('slow answers past the client timeout are transient', async () => {
    fakes.inject('tiktok', { kind: 'slow', delayMs: 400, times: 1 });
    const impatient = createTiktokProvider({ http: createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 100 }), now: () => new Date() });
    const err = await impatient.accounts.list({ tokens, credentials }).catch((e: unknown) => e);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'transient', code: 'timeout' });
  });
});
