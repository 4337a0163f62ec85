/**
 * The LinkedIn provider's OAuth and accounts against the fake LinkedIn: the consent dance, codes,
 * refresh without rotation, revocation, and the token endpoint's documented refusals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createLinkedinProvider } from '../../functions/providers/linkedin';
import type { TokenSet } from '../../functions/core/model/tokens';
import { ProviderError, type Provider } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createLinkedinFake } from '../../local/fakes/linkedin';

const CREDENTIALS = { clientId: 'reach-li-client', clientSecret: 'reach-li-secret' };
const REDIRECT_URI = 'https://reach.example/v1/oauth/linkedin/callback';
const DAY_S = 86_400;
const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'linkedin');

let fakes: RunningFakes;
let http: HttpClient;
let provider: Provider;

beforeAll(async () => {
  fakes = await startFakes({ platforms: [createLinkedinFake(CREDENTIALS)] });
  http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
  provider = createLinkedinProvider({ http, now: () => new Date() });
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

const authorizeUrl = (p: Provider, variant?: string) =>
  p.oauth.authorizeUrl({
    state: 'state-123',
    redirectUri: REDIRECT_URI,
    scopes: p.manifest.oauth.defaultScopes,
    codeChallenge: 'unused-by-linkedin',
    credentials: CREDENTIALS,
    ...(variant !== undefined && { variant }),
  });

/** Opens the consent URL as a browser would and returns where LinkedIn sends it back. */
const consent = async (url: string, account = 'reach-demo', base: HttpClient = http): Promise<URL> => {
  const res = await fetch(`${base.publicUrl(url)}&fake_account=${account}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
};

const exchange = (p: Provider, location: URL): Promise<TokenSet> =>
  p.oauth.exchangeCode({
    code: location.searchParams.get('code') ?? '',
    redirectUri: REDIRECT_URI,
    codeVerifier: 'unused-by-linkedin',
    credentials: CREDENTIALS,
    params: Object.fromEntries(location.searchParams),
  });

const connect = async (variant?: string, account?: string) => exchange(provider, await consent(authorizeUrl(provider, variant), account));

const failureOf = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return (err as ProviderError).failure;
};

const form = (body: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body).toString(),
});
const fakeUrl = (host: string, path: string) => `${fakes.baseUrl}/${host}${path}`;

describe('authorizeUrl', () => {
  it('points at the real consent page with exactly the documented parameters', () => {
    const url = new URL(authorizeUrl(provider));
    expect(`${url.origin}${url.pathname}`).toBe('https://www.linkedin.com/oauth/v2/authorization');
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'redirect_uri', 'response_type', 'scope', 'state']);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: CREDENTIALS.clientId,
      redirect_uri: REDIRECT_URI,
      state: 'state-123',
      scope: 'openid profile email w_member_social r_member_profileAnalytics',
    });
    expect(url.search).toContain('scope=openid%20profile%20email%20w_member_social%20r_member_profileAnalytics');
  });

  it('asks for the Page scopes with the organization variant', () => {
    const scopes = new URL(authorizeUrl(provider, 'organization')).searchParams.get('scope')?.split(' ');
    expect(scopes).toEqual(expect.arrayContaining(['rw_organization_admin', 'w_organization_social', 'r_organization_social', 'openid']));
  });
});

describe('the consent dance', () => {
  it('connects a member and the Page it administers, refreshes and revokes', async () => {
    const started = Date.now();
    const location = await consent(authorizeUrl(provider, 'organization'));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('state-123');

    const tokens = await exchange(provider, location);
    expect(tokens.accessToken).toMatch(/^AQV/);
    expect(tokens.refreshToken).toMatch(/^AQW/);
    expect(tokens.scopes).toEqual(expect.arrayContaining(['openid', 'profile', 'rw_organization_admin']));
    expect(Date.parse(tokens.expiresAt ?? '') - started).toBeGreaterThanOrEqual(60 * DAY_S * 1000 - 1000);
    expect(Date.parse(tokens.refreshTokenExpiresAt ?? '') - started).toBeGreaterThanOrEqual(365 * DAY_S * 1000 - 1000);
    expect(Date.parse(tokens.obtainedAt)).toBeGreaterThanOrEqual(started);

    const accounts = await provider.accounts.list({ tokens, credentials: CREDENTIALS });
    expect(accounts).toHaveLength(2);
    const [member, org] = accounts;
    expect(member).toMatchObject({ accountType: 'member', displayName: 'Reach Demo', avatarUrl: expect.stringMatching(/^https:\/\/media\.licdn\.com\//) });
    expect(member?.platformAccountId).toMatch(/^urn:li:person:[A-Za-z0-9_-]+$/);
    expect(org).toMatchObject({ accountType: 'organization', displayName: 'Reach Demo Company', username: 'reach-demo-company' });
    expect(org?.platformAccountId).toMatch(/^urn:li:organization:\d+$/);
    expect(org?.avatarUrl).toMatch(/^https:\/\/media\.licdn\.com\/.*company-logo/);

    const refreshed = await provider.oauth.refresh!({ tokens, credentials: CREDENTIALS });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    // The refresh token keeps its first expiry: LinkedIn counts its lifetime down from consent.
    expect(Math.abs(Date.parse(refreshed.refreshTokenExpiresAt ?? '') - Date.parse(tokens.refreshTokenExpiresAt ?? ''))).toBeLessThanOrEqual(2000);
    expect(await provider.accounts.list({ tokens: refreshed, credentials: CREDENTIALS })).toHaveLength(2);

    expect(await provider.oauth.revoke!({ tokens: refreshed, credentials: CREDENTIALS })).toEqual({ revoked: true });
    expect(await failureOf(provider.accounts.list({ tokens: refreshed, credentials: CREDENTIALS }))).toMatchObject({
      kind: 'auth_expired',
      code: '65601/REVOKED_ACCESS_TOKEN',
    });
    expect(await failureOf(provider.oauth.refresh!({ tokens: refreshed, credentials: CREDENTIALS }))).toMatchObject({
      kind: 'auth_expired',
      code: 'invalid_grant',
    });
    expect(fakes.stats()['linkedin']).toMatchObject({
      'GET www.linkedin.com/oauth/v2/authorization': 1,
      'POST www.linkedin.com/oauth/v2/accessToken': 3,
      'POST www.linkedin.com/oauth/v2/revoke': 1,
      'GET api.linkedin.com/v2/userinfo': 3,
    });
    const state = (await (await fetch(`${fakes.baseUrl}/__fakes/linkedin/state`)).json()) as { grants: unknown };
    expect(state.grants).toEqual({ exchanges: 1, refreshes: 1, revokes: 1 });
  });

  it('lists only the member, without asking for ACLs, when no Page scope was granted', async () => {
    const tokens = await connect();
    const accounts = await provider.accounts.list({ tokens, credentials: CREDENTIALS });
    expect(accounts.map((a) => a.accountType)).toEqual(['member']);
    expect(fakes.stats()['linkedin']?.['GET api.linkedin.com/rest/organizationAcls']).toBeUndefined();
  });

  it('invalidates older tokens when the member grants a different scope set', async () => {
    const memberOnly = await connect();
    const same = await connect();
    expect(await provider.accounts.list({ tokens: memberOnly, credentials: CREDENTIALS })).toHaveLength(1);
    const withPages = await connect('organization');
    expect(await provider.accounts.list({ tokens: withPages, credentials: CREDENTIALS })).toHaveLength(2);
    for (const old of [memberOnly, same]) {
      expect(await failureOf(provider.accounts.list({ tokens: old, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired' });
    }
  });

  it('gives each fake account its own member', async () => {
    const [a] = await provider.accounts.list({ tokens: await connect(undefined, 'ana-li'), credentials: CREDENTIALS });
    const [b] = await provider.accounts.list({ tokens: await connect(undefined, 'bo-li'), credentials: CREDENTIALS });
    expect(a?.displayName).toBe('Ana Li');
    expect(a?.platformAccountId).not.toBe(b?.platformAccountId);
  });

  it('sends the member back with user_cancelled_authorize when consent is denied', async () => {
    const paged = await startFakes({ platforms: [createLinkedinFake(CREDENTIALS)], consent: 'page' });
    try {
      const pagedHttp = createHttpClient({ platformBaseUrl: paged.baseUrl, defaultTimeoutMs: 5000 });
      const url = pagedHttp.publicUrl(authorizeUrl(provider));
      const pageRes = await fetch(url, { redirect: 'manual' });
      expect(pageRes.status).toBe(200);
      expect(await pageRes.text()).toContain('reach-demo');
      const denied = await fetch(`${url}&fake_decision=deny`, { redirect: 'manual' });
      const location = new URL(denied.headers.get('location') ?? '');
      expect(location.searchParams.get('error')).toBe('user_cancelled_authorize');
      expect(location.searchParams.get('state')).toBe('state-123');
      expect(location.searchParams.get('code')).toBeNull();
    } finally {
      await paged.close();
    }
  });

  it('refuses a scope the app was not granted with unauthorized_scope_error', async () => {
    const url = provider.oauth.authorizeUrl({
      state: 's',
      redirectUri: REDIRECT_URI,
      scopes: ['openid', 'r_ads'],
      codeChallenge: 'c',
      credentials: CREDENTIALS,
    });
    const location = await consent(url);
    expect(location.searchParams.get('error')).toBe('unauthorized_scope_error');
    expect(location.searchParams.get('error_description')).toContain('r_ads');
  });
});

describe('codes', () => {
  it('work once', async () => {
    const location = await consent(authorizeUrl(provider));
    await exchange(provider, location);
    const again = await failureOf(exchange(provider, location));
    expect(again).toMatchObject({ kind: 'invalid_request', code: 'invalid_request' });
    expect(again.message).toContain('authorization code not found');
    const state = (await (await fetch(`${fakes.baseUrl}/__fakes/linkedin/state`)).json()) as { grants: { exchanges: number } };
    expect(state.grants.exchanges).toBe(1);
  });

  it('expire after 30 minutes', async () => {
    const location = await consent(authorizeUrl(provider));
    fakes.advanceClock(31 * 60);
    const failure = await failureOf(exchange(provider, location));
    expect(failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_request' });
    expect(failure.message).toContain('authorization code expired');
  });

  it('must come back with the same redirect_uri', async () => {
    const location = await consent(authorizeUrl(provider));
    const failure = await failureOf(
      provider.oauth.exchangeCode({
        code: location.searchParams.get('code') ?? '',
        redirectUri: 'https://elsewhere.example/cb',
        codeVerifier: 'v',
        credentials: CREDENTIALS,
        params: {},
      }),
    );
    expect(failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_request' });
  });

  it('are refused to an app with the wrong secret, and that is not the member’s fault', async () => {
    const location = await consent(authorizeUrl(provider));
    const failure = await failureOf(
      provider.oauth.exchangeCode({
        code: location.searchParams.get('code') ?? '',
        redirectUri: REDIRECT_URI,
        codeVerifier: 'v',
        credentials: { ...CREDENTIALS, clientSecret: 'wrong' },
        params: {},
      }),
    );
    expect(failure).toMatchObject({ kind: 'permanent', code: 'invalid_client' });
    expect(failure.message).not.toContain('wrong');
  });

  it('check a PKCE verifier when the (native) flow sent a challenge', async () => {
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const codeFor = async () => {
      const url = `${authorizeUrl(provider)}&code_challenge=${challenge}&code_challenge_method=S256`;
      return (await consent(url)).searchParams.get('code') ?? '';
    };
    const token = (code: string, codeVerifier: string) =>
      fetch(
        fakeUrl('www.linkedin.com', '/oauth/v2/accessToken'),
        form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: CREDENTIALS.clientId, client_secret: CREDENTIALS.clientSecret, code_verifier: codeVerifier }),
      );
    const bad = await token(await codeFor(), 'not-the-verifier');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining('appid/redirect uri/code verifier does not match authorization code'),
    });
    const good = await token(await codeFor(), verifier);
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ access_token: expect.any(String), expires_in: 60 * DAY_S, token_type: 'Bearer' });
  });

  it('are answered with LinkedIn’s messages for missing parameters', async () => {
    const res = await fetch(fakeUrl('www.linkedin.com', '/oauth/v2/accessToken'), form({ grant_type: 'authorization_code', client_id: CREDENTIALS.clientId }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'A required parameter "client_secret" is missing' });
  });
});

describe('refresh', () => {
  it('never loses the refresh token and keeps its first expiry', async () => {
    const clocked = createLinkedinProvider({ http, now: () => fakes.context.now() });
    const first = await exchange(clocked, await consent(authorizeUrl(clocked)));
    fakes.advanceClock(100 * DAY_S);
    const second = await clocked.oauth.refresh!({ tokens: first, credentials: CREDENTIALS });
    fakes.advanceClock(100 * DAY_S);
    const third = await clocked.oauth.refresh!({ tokens: second, credentials: CREDENTIALS });
    for (const t of [second, third]) {
      expect(t.refreshToken).toBe(first.refreshToken);
      expect(Math.abs(Date.parse(t.refreshTokenExpiresAt ?? '') - Date.parse(first.refreshTokenExpiresAt ?? ''))).toBeLessThanOrEqual(2000);
    }
    expect(Date.parse(third.expiresAt ?? '') - fakes.context.now().getTime()).toBeGreaterThan(59 * DAY_S * 1000);
    expect(third.scopes).toEqual(first.scopes);
  });

  it('caps the access token at the refresh token’s end, then asks for consent again', async () => {
    const clocked = createLinkedinProvider({ http, now: () => fakes.context.now() });
    const first = await exchange(clocked, await consent(authorizeUrl(clocked)));
    fakes.advanceClock(360 * DAY_S);
    const late = await clocked.oauth.refresh!({ tokens: first, credentials: CREDENTIALS });
    expect(Math.abs(Date.parse(late.expiresAt ?? '') - Date.parse(first.refreshTokenExpiresAt ?? ''))).toBeLessThanOrEqual(2000);
    fakes.advanceClock(6 * DAY_S);
    expect(await failureOf(clocked.oauth.refresh!({ tokens: late, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('asks for consent again, without a call, when the app has no refresh tokens', async () => {
    const plain = await startFakes({ platforms: [createLinkedinFake(CREDENTIALS, { refreshTokens: false })] });
    try {
      const plainHttp = createHttpClient({ platformBaseUrl: plain.baseUrl, defaultTimeoutMs: 5000 });
      const p = createLinkedinProvider({ http: plainHttp, now: () => new Date() });
      const tokens = await exchange(p, await consent(authorizeUrl(p), 'reach-demo', plainHttp));
      expect(tokens.refreshToken).toBeUndefined();
      expect(tokens.refreshTokenExpiresAt).toBeUndefined();
      expect(await failureOf(p.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'refresh_unavailable' });
      expect(plain.stats()['linkedin']?.['POST www.linkedin.com/oauth/v2/accessToken']).toBe(1);
    } finally {
      await plain.close();
    }
  });
});

describe('revoke', () => {
  it('uses the refresh token to name the grant once the access token has expired', async () => {
    const clocked = createLinkedinProvider({ http, now: () => fakes.context.now() });
    const tokens = await exchange(clocked, await consent(authorizeUrl(clocked)));
    fakes.advanceClock(61 * DAY_S);
    expect(await clocked.oauth.revoke!({ tokens, credentials: CREDENTIALS })).toEqual({ revoked: true });
    expect(await failureOf(clocked.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });
});

describe('introspection (fake)', () => {
  it('answers with the documented sample’s fields and JSON types', async () => {
    const sample = JSON.parse(readFileSync(join(FIXTURES, 'introspect_token_response.json'), 'utf8')) as Record<string, unknown>;
    const tokens = await connect();
    const res = await fetch(
      fakeUrl('www.linkedin.com', '/oauth/v2/introspectToken'),
      form({ client_id: CREDENTIALS.clientId, client_secret: CREDENTIALS.clientSecret, token: tokens.accessToken }),
    );
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(sample).sort());
    for (const [k, v] of Object.entries(sample)) expect([k, typeof body[k]]).toEqual([k, typeof v]);
    expect(body).toMatchObject({ active: true, status: 'active', client_id: CREDENTIALS.clientId, auth_type: '3L' });
    expect(Number(body['expires_at']) - Number(body['created_at'])).toBe(60 * DAY_S);

    await provider.oauth.revoke!({ tokens, credentials: CREDENTIALS });
    const after = await fetch(
      fakeUrl('www.linkedin.com', '/oauth/v2/introspectToken'),
      form({ client_id: CREDENTIALS.clientId, client_secret: CREDENTIALS.clientSecret, token: tokens.accessToken }),
    );
    expect(await after.json()).toMatchObject({ active: false, status: 'revoked' });
  });
});
