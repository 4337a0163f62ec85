/**
 * How the LinkedIn provider classifies failures: the real samples in
 * `test/fixtures/conformance/linkedin/`, LinkedIn's documented bodies, and every fault the fake
 * can be told to inject.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, parseJson, type HttpClient } from '../../functions/providers/http';
import { createLinkedinProvider } from '../../functions/providers/linkedin';
import type { TokenSet } from '../../functions/core/model/tokens';
import { ProviderError, type HttpFailure, type Provider, type ProviderFailure } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createLinkedinFake } from '../../local/fakes/linkedin';

import { stripJsonComments } from '../support/jsonc';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'linkedin');
const CREDENTIALS = { clientId: 'reach-li-client', clientSecret: 'reach-li-secret' };
const REDIRECT_URI = 'https://reach.example/v1/oauth/linkedin/callback';
/** One minute before the daily reset, so a 429 must wait exactly 60 s. */
const FIXED_NOW = new Date('2026-03-01T23:59:00.000Z');

const readSample = (file: string): unknown => {
  const raw = readFileSync(join(FIXTURES, file), 'utf8');
  return JSON.parse(file.endsWith('.jsonc') ? stripJsonComments(raw) : raw);
};

const failure = (status: number, body: unknown, headers: Record<string, string> = {}): HttpFailure => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers, body: text, json: parseJson(text) };
};

const classifier = createLinkedinProvider({ http: createHttpClient({ defaultTimeoutMs: 1000 }), now: () => FIXED_NOW }).classify;

describe('classify: conformance samples', () => {
  const expected: Record<string, Partial<ProviderFailure>> = {
    'error_401_invalid_access_token.json': { kind: 'auth_expired', code: '65600', message: 'Invalid access token' },
    'error_401_revoked_access_token.json': {
      kind: 'auth_expired',
      code: '65601/REVOKED_ACCESS_TOKEN',
      message: 'The token used in the request has been revoked by the user',
    },
  };
  const samples = readdirSync(FIXTURES).filter((f) => f.startsWith('error_') && /\.jsonc?$/.test(f));

  it('has an expectation for every error sample on disk', () => {
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(samples)('%s', (file) => {
    const body = readSample(file) as { status: number };
    expect(classifier(failure(body.status, body))).toEqual(expected[file]);
  });
});

describe('classify: documented bodies', () => {
  it.each<[string, HttpFailure, Partial<ProviderFailure>]>([
    [
      'an expired token',
      failure(401, { status: 401, serviceErrorCode: 65602, code: 'EXPIRED_ACCESS_TOKEN', message: 'The token used in the request has expired' }),
      { kind: 'auth_expired', code: '65602/EXPIRED_ACCESS_TOKEN' },
    ],
    [
      'a missing scope or role',
      failure(403, { status: 403, serviceErrorCode: 100, code: 'ACCESS_DENIED', message: 'Not enough permissions to access: memberFollowersCount.GET.20260101' }),
      { kind: 'invalid_request', code: '100/ACCESS_DENIED' },
    ],
    [
      'the daily throttle (no headers: wait for 00:00 UTC)',
      failure(429, { status: 429, serviceErrorCode: 101, code: 'TOO_MANY_REQUESTS', message: 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.' }),
      { kind: 'rate_limited', code: '101/TOO_MANY_REQUESTS', retryAfterSeconds: 60 },
    ],
    ['a throttle with a Retry-After header after all', failure(429, { status: 429, message: 'Too many requests' }, { 'retry-after': '120' }), { kind: 'rate_limited', retryAfterSeconds: 120 }],
    ['a 429 that is not JSON', failure(429, '<html>slow down</html>'), { kind: 'rate_limited', retryAfterSeconds: 60 }],
    ['a server error', failure(500, { status: 500, message: 'Internal Server Error' }), { kind: 'transient' }],
    ['a gateway error page', failure(502, '<html>Bad Gateway</html>'), { kind: 'transient', message: 'HTTP 502 from LinkedIn' }],
    ['a missing version header', failure(400, { status: 400, code: 'VERSION_MISSING', message: 'A version must be present.' }), { kind: 'permanent', code: 'VERSION_MISSING' }],
    ['a sunset version', failure(426, { status: 426, code: 'NONEXISTENT_VERSION', message: 'Requested version 202301 is not active' }), { kind: 'permanent', code: 'NONEXISTENT_VERSION' }],
    ['a validation error', failure(422, { status: 422, message: 'commentary too long' }), { kind: 'invalid_request' }],
    ['an unknown resource', failure(404, { status: 404, code: 'NOT_FOUND', message: 'Organization 1 not found' }), { kind: 'invalid_request', code: 'NOT_FOUND' }],
    [
      'a dead refresh token (LinkedIn says invalid_request)',
      failure(400, { error: 'invalid_request', error_description: 'The provided authorization grant or refresh token is invalid, expired or revoked' }),
      { kind: 'auth_expired', code: 'invalid_grant' },
    ],
    ['an RFC-style invalid_grant', failure(400, { error: 'invalid_grant', error_description: 'grant revoked' }), { kind: 'auth_expired', code: 'invalid_grant' }],
    ['wrong app credentials', failure(401, { error: 'invalid_client', error_description: 'Client authentication failed' }), { kind: 'permanent', code: 'invalid_client' }],
    [
      'a code that does not match or expired',
      failure(400, {
        error: 'invalid_request',
        error_description: 'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired.',
      }),
      { kind: 'invalid_request', code: 'invalid_request' },
    ],
    ['a code never issued', failure(401, { error: 'invalid_request', error_description: 'Unable to retrieve access token: authorization code not found' }), { kind: 'invalid_request' }],
    ['the documented invalid_redirect_uri spelling', failure(400, { error: 'invalid_redirect_uri', error_description: 'Unable to retrieve access token' }), { kind: 'invalid_request', code: 'invalid_redirect_uri' }],
  ])('%s', (_name, input, want) => {
    expect(classifier(input)).toMatchObject(want);
  });

  it('clips long platform messages', () => {
    const out = classifier(failure(400, { status: 400, message: 'x'.repeat(2000) }));
    expect(out.message.length).toBeLessThanOrEqual(301);
  });
});

describe('classify: faults injected at the fake', () => {
  let fakes: RunningFakes;
  let http: HttpClient;
  let provider: Provider;
  let tokens: TokenSet;

  beforeAll(async () => {
    fakes = await startFakes({ platforms: [createLinkedinFake(CREDENTIALS)] });
    http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
    provider = createLinkedinProvider({ http, now: () => FIXED_NOW });
  });
  afterAll(() => fakes.close());

  beforeEach(async () => {
    fakes.reset();
    const url = provider.oauth.authorizeUrl({
      state: 's',
      redirectUri: REDIRECT_URI,
      scopes: provider.manifest.oauth.defaultScopes,
      codeChallenge: 'c',
      credentials: CREDENTIALS,
      variant: 'organization',
    });
    const res = await fetch(http.publicUrl(url), { redirect: 'manual' });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    tokens = await provider.oauth.exchangeCode({ code, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params: {} });
  });

  const rejection = async (promise: Promise<unknown>): Promise<ProviderFailure> => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    return (err as ProviderError).failure;
  };

  const member = async () => (await provider.accounts.list({ tokens, credentials: CREDENTIALS }))[0]!.platformAccountId;

  it('rate_limited: LinkedIn’s throttle body, waiting until 00:00 UTC', async () => {
    const id = await member();
    fakes.inject('linkedin', { kind: 'rate_limited', times: 1, path: '/rest/memberFollowersCount', retryAfterSeconds: 999 });
    const [outcome] = await provider.metrics!.fetch([{ platformAccountId: id, tokens }], CREDENTIALS);
    expect(outcome).toEqual({
      platformAccountId: id,
      ok: false,
      failure: expect.objectContaining({ kind: 'rate_limited', code: '101/TOO_MANY_REQUESTS', retryAfterSeconds: 60 }),
    });
  });

  it('server_error: transient', async () => {
    fakes.inject('linkedin', { kind: 'server_error', times: 1, path: '/v2/userinfo' });
    expect(await rejection(provider.accounts.list({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'transient' });
  });

  it('expired_token: auth_expired with 65602', async () => {
    fakes.inject('linkedin', { kind: 'expired_token', times: 1, path: '/rest/organizationAcls' });
    expect(await rejection(provider.accounts.list({ tokens, credentials: CREDENTIALS }))).toMatchObject({
      kind: 'auth_expired',
      code: '65602/EXPIRED_ACCESS_TOKEN',
    });
  });

  it('revoked_grant on the API: auth_expired with 65601', async () => {
    fakes.inject('linkedin', { kind: 'revoked_grant', times: 1, path: '/v2/userinfo' });
    expect(await rejection(provider.accounts.list({ tokens, credentials: CREDENTIALS }))).toMatchObject({
      kind: 'auth_expired',
      code: '65601/REVOKED_ACCESS_TOKEN',
    });
  });

  it('revoked_grant on the token endpoint: auth_expired invalid_grant', async () => {
    fakes.inject('linkedin', { kind: 'revoked_grant', times: 1, path: '/oauth/v2/accessToken' });
    expect(await rejection(provider.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('timeout: transient, outcome unknown', async () => {
    const impatient = createLinkedinProvider({ http: createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 150 }), now: () => FIXED_NOW });
    fakes.inject('linkedin', { kind: 'slow', times: 1, delayMs: 600, path: '/v2/userinfo' });
    const out = await rejection(impatient.accounts.list({ tokens, credentials: CREDENTIALS }));
    expect(out.kind).toBe('transient');
    // Under jest the abort's DOMException comes from another realm, so http.ts may call it `network`.
    expect(['timeout', 'network']).toContain(out.code);
  });

  it('never puts a token in what it throws', async () => {
    const forged: TokenSet = { ...tokens, accessToken: 'AQV-secret-token-value' };
    const err = await provider.accounts.list({ tokens: forged, credentials: CREDENTIALS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).not.toContain('secret-token');
    expect(JSON.stringify((err as ProviderError).failure)).not.toContain('secret-token');
    expect((err as ProviderError).failure).toMatchObject({ kind: 'auth_expired', code: '65600/INVALID_ACCESS_TOKEN' });
  });

  it('answers a missing version header as LinkedIn does, and that is permanent', async () => {
    const res = await fetch(`${fakes.baseUrl}/api.linkedin.com/rest/memberFollowersCount?q=me`, {
      headers: { authorization: `Bearer ${tokens.accessToken}`, 'x-restli-protocol-version': '2.0.0' },
    });
    const body: unknown = await res.json();
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ status: 400, code: 'VERSION_MISSING' });
    expect(classifier(failure(400, body))).toMatchObject({ kind: 'permanent', code: 'VERSION_MISSING' });
    const sunset = await fetch(`${fakes.baseUrl}/api.linkedin.com/rest/memberFollowersCount?q=me`, {
      headers: { authorization: `Bearer ${tokens.accessToken}`, 'x-restli-protocol-version': '2.0.0', 'linkedin-version': '202301' },
    });
    expect(sunset.status).toBe(426);
  });
});
