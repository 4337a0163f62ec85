/**
 * TikTok OAuth against the fake TikTok: the full dance, the consent URL's exact parameters,
 * single-use codes, refresh-token rotation and lifetimes, revoke, and the endpoint's refusals.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createTiktokProvider } from '../../functions/providers/tiktok';
import { buildAuthorizeUrl, splitScopes, toTokenSet } from '../../functions/providers/tiktok/oauth';
import { tokenAnswerSchema } from '../../functions/providers/tiktok/schemas';
import { ProviderError, type Provider } from '../../functions/providers/types';
import type { AppCredentials, TokenSet } from '../../functions/core/model/tokens';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createTiktokFake, type TiktokFake } from '../../local/fakes/tiktok';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'tiktok');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

const credentials: AppCredentials = { clientId: 'tt-client-key', clientSecret: 'tt-client-secret-value' };
const REDIRECT = 'https://reach.example/v1/oauth/tiktok/callback';
const SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'];

interface Harness {
  readonly fakes: RunningFakes;
  readonly fake: TiktokFake;
  readonly http: HttpClient;
  readonly provider: Provider;
}

const start = async (options: Parameters<typeof createTiktokFake>[1] = {}): Promise<Harness> => {
  const fake = createTiktokFake({ clientId: credentials.clientId, clientSecret: credentials.clientSecret }, options);
  const fakes = await startFakes({ platforms: [fake] });
  const http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
  return { fakes, fake, http, provider: createTiktokProvider({ http, now: () => new Date() }) };
};

/** Opens the consent URL like a browser and returns the callback's query parameters. */
const consent = async (h: Harness, url: string): Promise<Record<string, string>> => {
  const res = await fetch(h.http.publicUrl(url), { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  return Object.fromEntries(location.searchParams);
};

const connect = async (h: Harness, extra = '', creds: AppCredentials = credentials): Promise<TokenSet> => {
  const url = h.provider.oauth.authorizeUrl({ state: 'st-1', redirectUri: REDIRECT, scopes: SCOPES, codeChallenge: 'unused', credentials: creds });
  const params = await consent(h, url + extra);
  return h.provider.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT, codeVerifier: 'unused', credentials: creds, params });
};

const failureOf = async (promise: Promise<unknown>): Promise<ProviderError> => {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
};

const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

describe('TikTok authorizeUrl', () => {
  it('carries exactly client_key, comma-separated scope, response_type, redirect_uri and state', () => {
    const url = buildAuthorizeUrl({ state: 's t/+', redirectUri: REDIRECT, scopes: SCOPES, codeChallenge: 'challenge', credentials });
    const u = new URL(url);
    expect(`${u.origin}${u.pathname}`).toBe('https://www.tiktok.com/v2/auth/authorize/');
    expect([...u.searchParams.keys()]).toEqual(['client_key', 'scope', 'response_type', 'redirect_uri', 'state']);
    expect(u.searchParams.get('client_key')).toBe('tt-client-key');
    expect(u.searchParams.get('scope')).toBe('user.info.basic,user.info.profile,user.info.stats,video.list');
    expect(u.searchParams.get('response_type')).toBe('code');
    expect(u.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(u.searchParams.get('state')).toBe('s t/+');
    // Commas stay literal in the raw URL, and web logins send no PKCE and no client_id.
    expect(url).toContain('scope=user.info.basic,user.info.profile,user.info.stats,video.list&');
    expect(url).not.toMatch(/client_id|code_challenge/);
  });

  it('is what the provider uses, and the manifest says comma, no PKCE, credentials in the body', async () => {
    const h = await start();
    try {
      const oauth = h.provider.manifest.oauth;
      expect(oauth).toMatchObject({ scopeSeparator: ',', pkce: 'none', clientAuth: 'body', rotatesRefreshToken: true });
      const input = { state: 'abc', redirectUri: REDIRECT, scopes: ['user.info.basic'], codeChallenge: 'x', credentials };
      expect(h.provider.oauth.authorizeUrl(input)).toBe(buildAuthorizeUrl(input));
    } finally {
      await h.fakes.close();
    }
  });
});

describe('TikTok OAuth against the fake', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await start();
  });
  afterEach(async () => {
    await h.fakes.close();
  });

  it('runs the full dance: consent → code → tokens → account → refresh → revoke', async () => {
    const url = h.provider.oauth.authorizeUrl({ state: 'state-42', redirectUri: REDIRECT, scopes: SCOPES, codeChallenge: 'unused', credentials });
    const params = await consent(h, url);
    expect(params['state']).toBe('state-42');
    expect(params['scopes']).toBe(SCOPES.join(','));
    expect(params['code']).toMatch(/^ttc\./);

    const tokens = await h.provider.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT, codeVerifier: 'unused', credentials, params });
    expect(tokens.accessToken).toMatch(/^act\./);
    expect(tokens.refreshToken).toMatch(/^rft\./);
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.scopes).toEqual(SCOPES);
    expect(seconds(tokens.obtainedAt, tokens.expiresAt!)).toBe(86_400);
    expect(seconds(tokens.obtainedAt, tokens.refreshTokenExpiresAt!)).toBe(31_536_000);

    const accounts = await h.provider.accounts.list({ tokens, credentials });
    const demo = h.fake.account('reach.demo');
    expect(accounts).toEqual([
      { platformAccountId: demo.openId, username: 'reach.demo', displayName: 'Reach Demo', avatarUrl: expect.stringMatching(/^https:\/\//), accountType: 'creator' },
    ]);

    const refreshed = await h.provider.oauth.refresh!({ tokens, credentials });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.scopes).toEqual(SCOPES);
    expect(await h.provider.accounts.list({ tokens: refreshed, credentials })).toHaveLength(1);

    await expect(h.provider.oauth.revoke!({ tokens: refreshed, credentials })).resolves.toEqual({ revoked: true });
    const after = await failureOf(h.provider.accounts.list({ tokens: refreshed, credentials }));
    expect(after.failure).toMatchObject({ kind: 'auth_expired', code: 'access_token_invalid' });
    const refreshAfter = await failureOf(h.provider.oauth.refresh!({ tokens: refreshed, credentials }));
    expect(refreshAfter.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
    expect(h.fake.snapshot()).toMatchObject({ grants: { exchanges: 1, refreshes: 1, revokes: 1 } });
  });

  it('lets fake_account choose who consents, and fake_grant a subset of the scopes', async () => {
    const tokens = await connect(h, '&fake_account=studio.verified&fake_grant=video.list');
    expect(tokens.scopes).toEqual(['user.info.basic', 'video.list']);
    const [account] = await h.provider.accounts.list({ tokens, credentials });
    // Without user.info.profile the username is not asked for (asking would fail the whole call).
    expect(account).toEqual({
      platformAccountId: h.fake.account('studio.verified').openId,
      displayName: 'Studio Verified',
      avatarUrl: expect.any(String),
      accountType: 'creator',
    });
  });

  it('accepts a code once', async () => {
    const url = h.provider.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT, scopes: SCOPES, codeChallenge: 'x', credentials });
    const params = await consent(h, url);
    const input = { code: params['code']!, redirectUri: REDIRECT, codeVerifier: 'x', credentials, params };
    await h.provider.oauth.exchangeCode(input);
    const again = await failureOf(h.provider.oauth.exchangeCode(input));
    expect(again.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
    expect(again.message).not.toContain(params['code']);
  });

  it('refuses an expired code', async () => {
    const url = h.provider.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT, scopes: SCOPES, codeChallenge: 'x', credentials });
    const params = await consent(h, url);
    h.fakes.advanceClock(601);
    const err = await failureOf(h.provider.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT, codeVerifier: 'x', credentials, params }));
    expect(err.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('answers a redirect_uri mismatch with TikTok\'s documented invalid_request', async () => {
    const url = h.provider.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT, scopes: SCOPES, codeChallenge: 'x', credentials });
    const params = await consent(h, url);
    const err = await failureOf(
      h.provider.oauth.exchangeCode({ code: params['code']!, redirectUri: 'https://reach.example/other', codeVerifier: 'x', credentials, params }),
    );
    expect(err.failure.kind).toBe('invalid_request');
    expect(err.failure.code).toBe('invalid_request');
    expect(err.failure.message).toContain('Redirect_uri is not matched');
  });

  it('refuses wrong client credentials as invalid_client, without echoing the secret', async () => {
    const url = h.provider.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT, scopes: SCOPES, codeChallenge: 'x', credentials });
    const params = await consent(h, url);
    const wrong = { ...credentials, clientSecret: 'not-the-secret' };
    const err = await failureOf(h.provider.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT, codeVerifier: 'x', credentials: wrong, params }));
    expect(err.failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_client' });
    expect(JSON.stringify(err.failure)).not.toContain('not-the-secret');
  });

  it('enforces PKCE when the consent carried a challenge (desktop flow), with invalid_grant for a bad verifier', async () => {
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = `${buildAuthorizeUrl({ state: 's', redirectUri: REDIRECT, scopes: SCOPES, codeChallenge: '', credentials })}&code_challenge=${challenge}&code_challenge_method=S256`;
    const token = (code: string, codeVerifier: string) =>
      fetch(`${h.fakes.baseUrl}/open.tiktokapis.com/v2/oauth/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_key: credentials.clientId, client_secret: credentials.clientSecret, code, grant_type: 'authorization_code', redirect_uri: REDIRECT, code_verifier: codeVerifier }),
      });
    const bad = await token((await consent(h, url))['code']!, 'wrong-verifier');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String), log_id: expect.stringMatching(/^\d{14}[0-9A-F]{20}$/) });
    const good = await token((await consent(h, url))['code']!, verifier);
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ access_token: expect.stringMatching(/^act\./), token_type: 'Bearer' });
  });

  it('rotates refresh tokens: the old one stops working and the new one is always kept', async () => {
    const first = await connect(h);
    const second = await h.provider.oauth.refresh!({ tokens: first, credentials });
    expect(second.refreshToken).toBeDefined();
    expect(second.refreshToken).not.toBe(first.refreshToken);

    const reused = await failureOf(h.provider.oauth.refresh!({ tokens: first, credentials }));
    expect(reused.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
    expect(reused.message).not.toContain(first.refreshToken!);

    const third = await h.provider.oauth.refresh!({ tokens: second, credentials });
    expect(third.refreshToken).not.toBe(second.refreshToken);
    expect(await h.provider.accounts.list({ tokens: third, credentials })).toHaveLength(1);
  });

  it('reports the refresh token\'s remaining lifetime, and the grant ends with it', async () => {
    await h.fakes.close();
    h = await start({ oauth: { accessTtlSeconds: 7200, refreshTtlSeconds: 1000 } });
    const first = await connect(h);
    expect(seconds(first.obtainedAt, first.expiresAt!)).toBe(7200);
    expect(seconds(first.obtainedAt, first.refreshTokenExpiresAt!)).toBe(1000);

    h.fakes.advanceClock(400);
    const second = await h.provider.oauth.refresh!({ tokens: first, credentials });
    // The fake's clock moved 400 s: about 600 s are left, whatever the real clock did meanwhile.
    expect(seconds(second.obtainedAt, second.refreshTokenExpiresAt!)).toBeGreaterThanOrEqual(598);
    expect(seconds(second.obtainedAt, second.refreshTokenExpiresAt!)).toBeLessThanOrEqual(600);

    h.fakes.advanceClock(700);
    const expired = await failureOf(h.provider.oauth.refresh!({ tokens: second, credentials }));
    expect(expired.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('keeps the same refresh token when the platform does not rotate', async () => {
    await h.fakes.close();
    h = await start({ oauth: { rotateRefreshTokens: false } });
    const first = await connect(h);
    const second = await h.provider.oauth.refresh!({ tokens: first, credentials });
    expect(second.refreshToken).toBe(first.refreshToken);
    const third = await h.provider.oauth.refresh!({ tokens: second, credentials });
    expect(third.accessToken).not.toBe(second.accessToken);
  });

  it('refreshes an expired access token before revoking it', async () => {
    await h.fakes.close();
    h = await start({ oauth: { accessTtlSeconds: 60 } });
    const tokens = await connect(h);
    // The provider judges expiry on its own clock: hand it a set whose access token has expired.
    const stale: TokenSet = { ...tokens, expiresAt: new Date(Date.now() - 1000).toISOString() };
    h.fakes.advanceClock(120);
    await expect(h.provider.oauth.revoke!({ tokens: stale, credentials })).resolves.toEqual({ revoked: true });
    expect(h.fake.snapshot()).toMatchObject({ grants: { refreshes: 1, revokes: 1 } });
  });

  it('tells the user what remains when the grant is already gone at TikTok', async () => {
    const tokens = await connect(h);
    h.fake.revokeAccount('reach.demo');
    const outcome = await h.provider.oauth.revoke!({ tokens, credentials });
    expect(outcome.revoked).toBe(false);
    expect(outcome).toMatchObject({ reason: expect.stringContaining('Manage app permissions') });
  });

  it('does not call TikTok to refresh a token set that has no refresh token', async () => {
    const tokens = await connect(h);
    const { refreshToken: _dropped, ...withoutRefresh } = tokens;
    const err = await failureOf(h.provider.oauth.refresh!({ tokens: withoutRefresh, credentials }));
    expect(err.failure).toMatchObject({ kind: 'auth_expired', code: 'no_refresh_token' });
    expect(h.fakes.stats()['tiktok']?.['POST open.tiktokapis.com/v2/oauth/token/']).toBe(1);
  });
});

describe('the fake consent page', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => {
    await h.fakes.close();
  });

  const open = (query: string) => fetch(`${h.fakes.baseUrl}/www.tiktok.com/v2/auth/authorize/?${query}`, { redirect: 'manual' });
  const base = `client_key=${credentials.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s1`;

  it('sends space-separated scopes back as invalid_scope', async () => {
    const res = await open(`${base}&scope=${encodeURIComponent('user.info.basic video.list')}`);
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('state')).toBe('s1');
  });

  it('shows an error page for client_id instead of client_key, and for a redirect URI with a query', async () => {
    const withClientId = await open(base.replace('client_key', 'client_id') + '&scope=user.info.basic');
    expect(withClientId.status).toBe(400);
    expect(await withClientId.text()).toContain('client_key');
    const withQuery = await open(`client_key=${credentials.clientId}&response_type=code&scope=user.info.basic&redirect_uri=${encodeURIComponent(`${REDIRECT}?x=1`)}`);
    expect(withQuery.status).toBe(400);
    expect(withQuery.headers.get('location')).toBeNull();
  });
});

describe('toTokenSet', () => {
  const now = new Date('2026-03-01T10:00:00.000Z');

  it('reads TikTok\'s documented code-exchange answer, trusting expires_in and refresh_expires_in', () => {
    const answer = tokenAnswerSchema.parse(sample('oauth_token_response.json'));
    expect(toTokenSet(answer, now)).toEqual({
      accessToken: 'act.example12345Example12345Example',
      refreshToken: 'rft.example12345Example12345Example',
      tokenType: 'Bearer',
      expiresAt: '2026-03-02T10:00:00.000Z',
      refreshTokenExpiresAt: '2027-03-01T10:00:00.000Z',
      scopes: ['user.info.basic', 'video.list'],
      obtainedAt: now.toISOString(),
    });
  });

  it('takes the rotated refresh token and its lifetime from the documented refresh answer', () => {
    const previous: TokenSet = {
      accessToken: 'act.old',
      refreshToken: 'rft.old',
      refreshTokenExpiresAt: '2026-06-01T00:00:00.000Z',
      scopes: ['user.info.basic'],
      obtainedAt: '2026-02-01T00:00:00.000Z',
    };
    const next = toTokenSet(tokenAnswerSchema.parse(sample('oauth_refresh_response.json')), now, previous);
    expect(next.refreshToken).toBe('rft.example12345Example12345Example');
    expect(next.refreshTokenExpiresAt).toBe('2027-03-01T10:00:00.000Z');
    expect(next.scopes).toEqual(['user.info.basic', 'video.list']);
  });

  it('keeps the old refresh token, its expiry and the scopes when an answer leaves them out', () => {
    const previous: TokenSet = {
      accessToken: 'act.old',
      refreshToken: 'rft.kept',
      refreshTokenExpiresAt: '2026-06-01T00:00:00.000Z',
      scopes: ['user.info.basic', 'video.list'],
      obtainedAt: '2026-02-01T00:00:00.000Z',
    };
    const next = toTokenSet(tokenAnswerSchema.parse({ access_token: 'act.new', expires_in: 7200 }), now, previous);
    expect(next).toMatchObject({ accessToken: 'act.new', refreshToken: 'rft.kept', refreshTokenExpiresAt: '2026-06-01T00:00:00.000Z', scopes: previous.scopes });
    expect(next.expiresAt).toBe('2026-03-01T12:00:00.000Z');
  });

  it('falls back to the callback\'s scopes when the answer has no scope', () => {
    const set = toTokenSet(tokenAnswerSchema.parse({ access_token: 'act.x', expires_in: 60 }), now, undefined, 'user.info.basic,video.list');
    expect(set.scopes).toEqual(['user.info.basic', 'video.list']);
  });

  it('splits comma lists, ignoring blanks', () => {
    expect(splitScopes(' user.info.basic, ,video.list,')).toEqual(['user.info.basic', 'video.list']);
    expect(splitScopes(undefined)).toEqual([]);
  });
});
