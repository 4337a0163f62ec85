import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createHttpClient, type HttpClient, type HttpRequest } from '../../functions/providers/http';
import { createXProvider } from '../../functions/providers/x';
import { basicAuth, toTokenSet } from '../../functions/providers/x/oauth';
import { ProviderError, type Provider } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createXFake, type XFake } from '../../local/fakes/x';

const credentials = { clientId: 'x-test-client', clientSecret: 'x-test-secret-0123456789' };
const REDIRECT = 'https://reach.example.com/v1/oauth/x/callback';

let fakes: RunningFakes;
let fake: XFake;
let http: HttpClient;
let provider: Provider;

beforeAll(async () => {
  fake = createXFake(credentials);
  fakes = await startFakes({ platforms: [fake] });
  http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
  provider = createXProvider({ http, now: () => new Date() });
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Opens the consent URL like a browser and returns what X redirects back with. */
const consent = async (opts: { account?: string; scopes?: readonly string[]; state?: string } = {}) => {
  const { verifier, challenge } = pkce();
  const state = opts.state ?? randomBytes(12).toString('base64url');
  const url = provider.oauth.authorizeUrl({
    state,
    redirectUri: REDIRECT,
    scopes: opts.scopes ?? provider.manifest.oauth.defaultScopes,
    codeChallenge: challenge,
    credentials,
  });
  const browserUrl = http.publicUrl(url) + (opts.account ? `&fake_account=${encodeURIComponent(opts.account)}` : '');
  const res = await fetch(browserUrl, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  return { location, code: location.searchParams.get('code') ?? '', state, verifier };
};

const exchange = (code: string, verifier: string, redirectUri = REDIRECT, creds = credentials) =>
  provider.oauth.exchangeCode({ code, codeVerifier: verifier, redirectUri, credentials: creds, params: { code } });

const failureOf = async (p: Promise<unknown>) => {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
};

describe('x authorizeUrl', () => {
  it('builds the documented consent URL with exactly the documented parameters', () => {
    const url = provider.oauth.authorizeUrl({
      state: 'abc-123',
      redirectUri: REDIRECT,
      scopes: ['tweet.read', 'users.read', 'offline.access'],
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      credentials,
    });
    const u = new URL(url);
    expect(`${u.origin}${u.pathname}`).toBe('https://x.com/i/oauth2/authorize');
    expect([...u.searchParams.keys()].sort()).toEqual(
      ['client_id', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'scope', 'state'].sort(),
    );
    expect(Object.fromEntries(u.searchParams)).toEqual({
      response_type: 'code',
      client_id: credentials.clientId,
      redirect_uri: REDIRECT,
      scope: 'tweet.read users.read offline.access',
      state: 'abc-123',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    // Spaces as %20, as X's own examples encode them.
    expect(url).toContain('scope=tweet.read%20users.read%20offline.access');
  });

  it('asks for offline.access by default so that X issues a refresh token', () => {
    expect(provider.manifest.oauth.defaultScopes).toEqual(['tweet.read', 'users.read', 'tweet.write', 'offline.access', 'media.write']);
    expect(provider.manifest.oauth).toMatchObject({ pkce: 'required', clientAuth: 'basic', scopeSeparator: ' ', rotatesRefreshToken: true });
  });

  it('refuses a state longer than X accepts', () => {
    expect(() =>
      provider.oauth.authorizeUrl({ state: 'a'.repeat(501), redirectUri: REDIRECT, scopes: ['users.read'], codeChallenge: 'c', credentials }),
    ).toThrow(ProviderError);
  });
});

describe('x OAuth dance against the fake', () => {
  it('authorizes, exchanges, lists the account, refreshes and revokes', async () => {
    const started = Date.now();
    const { code, verifier, location, state } = await consent();
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe(state);

    const tokens = await exchange(code, verifier);
    expect(tokens.accessToken).toMatch(/^xat_/);
    expect(tokens.refreshToken).toMatch(/^xrt_/);
    expect(tokens.scopes).toEqual(['tweet.read', 'users.read', 'tweet.write', 'offline.access', 'media.write']);
    expect(tokens.tokenType).toBe('bearer');
    const lifetime = Date.parse(tokens.expiresAt!) - Date.parse(tokens.obtainedAt);
    expect(lifetime).toBe(7200 * 1000);
    expect(Date.parse(tokens.obtainedAt)).toBeGreaterThanOrEqual(started);
    expect(tokens.refreshTokenExpiresAt).toBeUndefined();

    const accounts = await provider.accounts.list({ tokens, credentials });
    const demo = fake.account('reach_demo');
    expect(accounts).toEqual([
      {
        platformAccountId: demo.id,
        username: 'reach_demo',
        displayName: 'Reach Demo',
        avatarUrl: expect.stringMatching(/^https:\/\/pbs\.twimg\.com\//),
        accountType: demo.verifiedType === 'business' || demo.verifiedType === 'government' ? demo.verifiedType : 'personal',
      },
    ]);

    const fresh = await provider.oauth.refresh!({ tokens, credentials });
    expect(fresh.accessToken).not.toBe(tokens.accessToken);
    expect(fresh.refreshToken).toMatch(/^xrt_/);
    expect(fresh.refreshToken).not.toBe(tokens.refreshToken);
    expect(await provider.accounts.list({ tokens: fresh, credentials })).toHaveLength(1);

    await expect(provider.oauth.revoke!({ tokens: fresh, credentials })).resolves.toEqual({ revoked: true });
    const after = await failureOf(provider.accounts.list({ tokens: fresh, credentials }));
    expect(after.failure.kind).toBe('auth_expired');
    const refreshAfter = await failureOf(provider.oauth.refresh!({ tokens: fresh, credentials }));
    expect(refreshAfter.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });

    expect(fake.snapshot()).toMatchObject({ grants: { exchanges: 1, refreshes: 1, revokes: 2 } });
  });

  it('lets fake_account pick who consents', async () => {
    const { code, verifier } = await consent({ account: 'biz_bakery' });
    const [account] = await provider.accounts.list({ tokens: await exchange(code, verifier), credentials });
    expect(account).toMatchObject({ platformAccountId: fake.account('biz_bakery').id, username: 'biz_bakery', accountType: 'business' });
  });

  it('sends the documented token request: HTTP Basic, form body without client_id', async () => {
    const seen: HttpRequest[] = [];
    const recording: HttpClient = { publicUrl: http.publicUrl, send: (r) => (seen.push(r), http.send(r)) };
    const recorder = createXProvider({ http: recording, now: () => new Date() });
    const { code, verifier } = await consent();
    await recorder.oauth.exchangeCode({ code, codeVerifier: verifier, redirectUri: REDIRECT, credentials, params: {} });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: 'https://api.x.com/2/oauth2/token' });
    expect(seen[0]!.headers).toEqual({ authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}` });
    expect(seen[0]!.form).toEqual({ code, grant_type: 'authorization_code', redirect_uri: REDIRECT, code_verifier: verifier });
  });
});

describe('x authorization codes', () => {
  it('work exactly once', async () => {
    const { code, verifier } = await consent();
    await expect(exchange(code, verifier)).resolves.toMatchObject({ accessToken: expect.any(String) });
    const again = await failureOf(exchange(code, verifier));
    expect(again.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('expire after 30 seconds', async () => {
    const { code, verifier } = await consent();
    fakes.advanceClock(31);
    const err = await failureOf(exchange(code, verifier));
    expect(err.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('are bound to the redirect URI they were issued for', async () => {
    const { code, verifier } = await consent();
    const err = await failureOf(exchange(code, verifier, 'https://evil.example.com/cb'));
    expect(err.failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_request' });
    expect(err.failure.message).toMatch(/redirect uri/);
  });

  it('need the PKCE verifier that matches the challenge', async () => {
    const { code } = await consent();
    const err = await failureOf(exchange(code, 'not-the-verifier-' + 'x'.repeat(30)));
    expect(err.failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_request' });
    expect(err.failure.message).toMatch(/code verifier/);
  });

  it('are refused with wrong client credentials, without echoing the secret', async () => {
    const { code, verifier } = await consent();
    const wrong = { clientId: credentials.clientId, clientSecret: 'wrong-secret-value-that-must-not-leak' };
    const err = await failureOf(exchange(code, verifier, REDIRECT, wrong));
    expect(err.failure).toMatchObject({ kind: 'invalid_request', code: 'unauthorized_client' });
    expect(err.message).not.toContain(wrong.clientSecret);
    expect(JSON.stringify(err.failure)).not.toContain(wrong.clientSecret);
  });
});

describe('x refresh token rotation', () => {
  it('chains refreshes, never loses a refresh token, and refuses a used one', async () => {
    const { code, verifier } = await consent();
    let tokens = await exchange(code, verifier);
    const used: string[] = [];
    for (let i = 0; i < 3; i++) {
      used.push(tokens.refreshToken!);
      tokens = await provider.oauth.refresh!({ tokens, credentials });
      expect(tokens.refreshToken).toBeDefined();
      expect(used).not.toContain(tokens.refreshToken);
    }
    const replay = await failureOf(provider.oauth.refresh!({ tokens: { ...tokens, refreshToken: used[1]! }, credentials }));
    expect(replay.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
    expect(replay.message).not.toContain(used[1]!);
    // The newest one still works after the failed replay.
    await expect(provider.oauth.refresh!({ tokens, credentials })).resolves.toMatchObject({ refreshToken: expect.stringMatching(/^xrt_/) });
  });

  it('keeps the previous refresh token when an answer carries none', () => {
    const now = new Date('2026-11-20T10:00:00.000Z');
    const previous = { accessToken: 'old', refreshToken: 'keep-me', scopes: ['users.read'], obtainedAt: '2026-11-20T08:00:00.000Z' };
    const set = toTokenSet({ access_token: 'new', expires_in: 7200, token_type: 'bearer' }, now, previous);
    expect(set).toEqual({
      accessToken: 'new',
      refreshToken: 'keep-me',
      tokenType: 'bearer',
      expiresAt: '2026-11-20T12:00:00.000Z',
      scopes: ['users.read'],
      obtainedAt: '2026-11-20T10:00:00.000Z',
    });
  });

  it('has nothing to refresh without offline.access', async () => {
    const { code, verifier } = await consent({ scopes: ['tweet.read', 'users.read'] });
    const tokens = await exchange(code, verifier);
    expect(tokens.refreshToken).toBeUndefined();
    const err = await failureOf(provider.oauth.refresh!({ tokens, credentials }));
    expect(err.failure).toMatchObject({ kind: 'auth_expired', code: 'no_refresh_token' });
  });

  it('reports a grant the user removed at X as auth_expired on refresh', async () => {
    const { code, verifier } = await consent({ account: 'leaver' });
    const tokens = await exchange(code, verifier);
    fake.revokeAccount('leaver');
    const err = await failureOf(provider.oauth.refresh!({ tokens, credentials }));
    expect(err.failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });
});

describe('x basicAuth', () => {
  it('encodes client id and secret exactly like the documented confidential-client header', () => {
    const sample = readFileSync(join(__dirname, '../fixtures/conformance/x/oauth2_token_requests_example.txt'), 'utf8');
    const header = /^Authorization: (Basic \S+)$/m.exec(sample)?.[1];
    const decoded = /^# decoded Basic credentials \(ours\): (\S+)$/m.exec(sample)?.[1];
    expect(header).toBeDefined();
    expect(decoded).toBeDefined();
    const i = decoded!.indexOf(':');
    expect(basicAuth({ clientId: decoded!.slice(0, i), clientSecret: decoded!.slice(i + 1) })).toBe(header);
  });
});
