/**
 * Instagram OAuth against the Meta fake, in both login variants: the authorize URL, the whole
 * dance, codes that work once, refresh and revoke, and injected faults.
 */
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import { createInstagramProvider } from '../../functions/providers/instagram';
import { stripCodeFragment } from '../../functions/providers/instagram/oauth';
import { facebookLoginScopes } from '../../functions/providers/instagram/variants';
import { ProviderError } from '../../functions/providers/types';
import { CREDENTIALS, REDIRECT_URI, callbackParams, failureOf, followConsent, metaCalls, sample, sampleText, startMeta, totalCalls, type MetaHarness } from './meta-support';

const DAY_S = 86_400;
const LONG_LIVED_MS = 5_183_944_000;

let h: MetaHarness;
beforeAll(async () => {
  h = await startMeta();
});
afterAll(() => h.close());
beforeEach(() => h.fakes.reset());

const authorize = (variant?: string, scopes = h.instagram.manifest.oauth.defaultScopes) =>
  h.instagram.oauth.authorizeUrl({
    state: 'state-123',
    redirectUri: REDIRECT_URI,
    scopes,
    codeChallenge: 'challenge-not-used',
    credentials: CREDENTIALS,
    ...(variant !== undefined && { variant }),
  });

const connect = async (variant: 'instagram_login' | 'facebook_login', account?: string) => {
  const location = await followConsent(h, authorize(variant), account ? { fake_account: account } : {});
  const params = callbackParams(location);
  const provider = h.onFakeClock.instagram;
  const tokens = await provider.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params, variant });
  return { location, params, tokens };
};

describe('authorizeUrl', () => {
  it('builds the Instagram Login consent URL with exactly the documented parameters (no PKCE)', () => {
    const url = new URL(authorize());
    expect(`${url.origin}${url.pathname}`).toBe('https://www.instagram.com/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CREDENTIALS.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights',
      state: 'state-123',
    });
  });

  it('builds the Facebook Login dialog for the facebook_login variant, with the Facebook Login scope names', () => {
    const url = new URL(authorize('facebook_login'));
    expect(`${url.origin}${url.pathname}`).toBe(`https://www.facebook.com/${GRAPH_VERSION}/dialog/oauth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CREDENTIALS.clientId,
      redirect_uri: REDIRECT_URI,
      state: 'state-123',
      response_type: 'code granted_scopes',
      scope: 'instagram_basic,pages_show_list,pages_read_engagement,instagram_content_publish,instagram_manage_insights',
    });
  });

  it('refuses a variant the manifest does not list', () => {
    expect(() => authorize('tiktok_login')).toThrow(ProviderError);
  });

  it('maps Instagram Login scopes to Facebook Login ones and keeps unknown ones', () => {
    expect(facebookLoginScopes(['instagram_business_basic', 'instagram_business_manage_comments', 'business_management'])).toEqual([
      'instagram_basic',
      'pages_show_list',
      'pages_read_engagement',
      'instagram_manage_comments',
      'business_management',
    ]);
  });

  it('declares both variants, Instagram Login first', () => {
    expect(h.instagram.manifest.oauth.variants).toEqual(['instagram_login', 'facebook_login']);
  });
});

describe('the Instagram Login dance', () => {
  it('authorize → code → long-lived token → account → refresh → revoke', async () => {
    const { location, params, tokens } = await connect('instagram_login');
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.hash).toBe('#_');
    expect(params['state']).toBe('state-123');

    const now = h.fakes.context.now().getTime();
    expect(tokens.accessToken).toMatch(/^IGAA/);
    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.scopes).toEqual(['instagram_business_basic', 'instagram_business_content_publish', 'instagram_business_manage_insights']);
    expect(Math.abs(Date.parse(tokens.expiresAt!) - (now + LONG_LIVED_MS))).toBeLessThan(5_000);
    expect(tokens.extra).toMatchObject({ variant: 'instagram_login' });
    expect(metaCalls(h)['POST api.instagram.com/oauth/access_token']).toBe(1);
    expect(metaCalls(h)['GET graph.instagram.com/access_token']).toBe(1);

    const accounts = await h.instagram.accounts.list({ tokens, credentials: CREDENTIALS });
    const snapshot = h.fake.snapshot() as { accounts: Array<{ instagram: { userId: string; scopedId: string; username: string } }> };
    expect(accounts).toEqual([
      {
        platformAccountId: snapshot.accounts[0]!.instagram.userId,
        username: 'reach.demo',
        displayName: 'Reach Demo',
        avatarUrl: expect.stringMatching(/^https:\/\//),
        accountType: 'business',
        // The app-scoped Instagram user: whom Meta's deauthorize callbacks name.
        grantedBy: snapshot.accounts[0]!.instagram.scopedId,
      },
    ]);

    h.fakes.advanceClock(DAY_S + 60);
    const refreshed = await h.onFakeClock.instagram.oauth.refresh!({ tokens, credentials: CREDENTIALS });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.extra).toEqual(tokens.extra);
    expect(refreshed.scopes).toEqual(tokens.scopes);
    expect(Date.parse(refreshed.expiresAt!)).toBeGreaterThan(Date.parse(tokens.expiresAt!));
    expect((h.fake.snapshot() as { grants: { instagram: { refreshes: number } } }).grants.instagram.refreshes).toBe(1);
    // The refreshed token works.
    const again = await h.instagram.accounts.list({ tokens: refreshed, credentials: CREDENTIALS });
    expect(again[0]!.platformAccountId).toBe(accounts[0]!.platformAccountId);

    const before = totalCalls(h);
    await expect(h.instagram.oauth.revoke!({ tokens: refreshed, credentials: CREDENTIALS })).resolves.toEqual({
      revoked: false,
      reason: 'Instagram Login grants are removed by the user in Instagram settings',
    });
    expect(totalCalls(h)).toBe(before);
  });

  it('refuses to refresh a token younger than a day without calling Instagram', async () => {
    const { tokens } = await connect('instagram_login');
    const before = totalCalls(h);
    const f = await failureOf(() => h.onFakeClock.instagram.oauth.refresh!({ tokens, credentials: CREDENTIALS }));
    expect(f).toMatchObject({ kind: 'invalid_request', code: 'token_too_new' });
    expect(totalCalls(h)).toBe(before);
  });

  it('is refused by the platform too when the token is younger than a day (provider clock ahead)', async () => {
    const { tokens } = await connect('instagram_login');
    const aged = { ...tokens, obtainedAt: new Date(Date.parse(tokens.obtainedAt) - 2 * DAY_S * 1000).toISOString() };
    const f = await failureOf(() => h.instagram.oauth.refresh!({ tokens: aged, credentials: CREDENTIALS }));
    expect(f).toMatchObject({ kind: 'invalid_request', code: '100' });
  });

  it('cannot refresh an expired long-lived token: the grant is gone', async () => {
    const { tokens } = await connect('instagram_login');
    h.fakes.advanceClock(61 * DAY_S);
    const f = await failureOf(() => h.onFakeClock.instagram.oauth.refresh!({ tokens, credentials: CREDENTIALS }));
    expect(f).toMatchObject({ kind: 'auth_expired', code: '190/463' });
  });

  it('accepts a code only once, with the documented answer the second time', async () => {
    const location = await followConsent(h, authorize());
    const params = callbackParams(location);
    const input = { code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params };
    await h.instagram.oauth.exchangeCode(input);
    const f = await failureOf(() => h.instagram.oauth.exchangeCode(input));
    expect(f).toMatchObject({ kind: 'invalid_request', code: 'OAuthException/400' });
    expect(f.message).toContain(String((sample('instagram/ig_login_code_exchange_error.json') as { error_message: string }).error_message));
  });

  it('rejects an expired code, a wrong redirect URI and a wrong client secret', async () => {
    const code = async () => callbackParams(await followConsent(h, authorize()))['code']!;
    const base = { redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params: {} };

    const mismatch = await failureOf(async () => h.instagram.oauth.exchangeCode({ ...base, code: await code(), redirectUri: 'https://evil.example/cb' }));
    expect(mismatch.message).toContain('redirect_uri is identical');

    const wrongSecret = await failureOf(async () =>
      h.instagram.oauth.exchangeCode({ ...base, code: await code(), credentials: { ...CREDENTIALS, clientSecret: 'nope' } }),
    );
    expect(wrongSecret).toMatchObject({ kind: 'invalid_request', code: 'OAuthException/400' });

    const stale = await code();
    h.fakes.advanceClock(3601);
    const expired = await failureOf(() => h.instagram.oauth.exchangeCode({ ...base, code: stale }));
    expect(expired).toMatchObject({ kind: 'invalid_request', code: 'OAuthException/400' });
  });

  it('strips the #_ Instagram appends to the code (documented redirect sample)', () => {
    const raw = sampleText('instagram/ig_login_success_redirect.txt').trim();
    const code = /code=([^&]+)/.exec(raw)![1]!;
    expect(code).toBe('abcdefghijklmnopqrstuvwxyz#_');
    expect(stripCodeFragment(code)).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(new URL(raw).searchParams.get('code')).toBe('abcdefghijklmnopqrstuvwxyz');
  });

  it('denies with the documented cancel parameters', async () => {
    const location = await followConsent(h, authorize(), { fake_decision: 'deny' });
    const documented = new URL(sampleText('instagram/ig_login_cancelled_redirect.txt').replace(/\s+/g, ''));
    for (const key of ['error', 'error_reason', 'error_description']) {
      expect(location.searchParams.get(key)).toBe(documented.searchParams.get(key));
    }
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('lets fake_account pick who consents, and makes creators creators', async () => {
    const { tokens } = await connect('instagram_login', 'studio.creator');
    const [account] = await h.instagram.accounts.list({ tokens, credentials: CREDENTIALS });
    expect(account).toMatchObject({ username: 'studio.creator', displayName: 'Studio Creator', accountType: 'creator' });
  });
});

describe('code exchange answer shapes', () => {
  it('accepts the flat answer older clients see', async () => {
    const flat = await startMeta({ igCodeExchangeShape: 'flat' });
    try {
      const params = callbackParams(await followConsent(flat, authorize()));
      const tokens = await flat.instagram.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params });
      expect(tokens.scopes).toContain('instagram_business_basic');
      expect(tokens.extra?.['userId']).toMatch(/^\d+$/);
    } finally {
      await flat.close();
    }
  });

  it('parses the documented data[] sample (with its comments stripped)', async () => {
    const answer = sample('instagram/ig_login_code_exchange_response.jsonc') as { data: Array<{ user_id: string; permissions: string }> };
    const sent: string[] = [];
    const provider = createInstagramProvider({
      now: () => new Date('2026-05-01T00:00:00Z'),
      http: {
        publicUrl: (u) => u,
        send: async (req) => {
          sent.push(`${req.method} ${new URL(req.url).host}${new URL(req.url).pathname}`);
          const body = req.method === 'POST' ? answer : sample('instagram/ig_long_lived_token_response.jsonc');
          return { status: 200, headers: {}, text: JSON.stringify(body) };
        },
      },
    });
    const tokens = await provider.oauth.exchangeCode({ code: 'abc#_', redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params: {} });
    expect(sent).toEqual(['POST api.instagram.com/oauth/access_token', 'GET graph.instagram.com/access_token']);
    expect(tokens.scopes).toEqual(answer.data[0]!.permissions.split(','));
    expect(tokens.extra).toEqual({ variant: 'instagram_login', userId: answer.data[0]!.user_id });
    expect(tokens.expiresAt).toBe(new Date(Date.parse('2026-05-01T00:00:00Z') + LONG_LIVED_MS).toISOString());
  });
});

describe('the Facebook Login variant', () => {
  it('authorize → code → long-lived user token → linked IG account → refresh → revoke', async () => {
    const { location, params, tokens } = await connect('facebook_login');
    expect(location.hash).toBe('#_=_');
    expect(params['granted_scopes']!.split(',')).toEqual(expect.arrayContaining(['instagram_basic', 'pages_show_list']));
    expect(tokens.accessToken).toMatch(/^EAA/);
    expect(tokens.scopes).toEqual(params['granted_scopes']!.split(','));
    expect(tokens.extra).toEqual({ variant: 'facebook_login' });
    expect(tokens.refreshToken).toBeUndefined();
    expect(metaCalls(h)['GET graph.facebook.com/:version/oauth/access_token']).toBe(2);

    const accounts = await h.instagram.accounts.list({ tokens, credentials: CREDENTIALS });
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ username: 'reach.demo', accountType: 'professional' });
    expect(accounts[0]!.tokens).toBeUndefined();

    const refreshed = await h.instagram.oauth.refresh!({ tokens, credentials: CREDENTIALS });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.extra).toEqual({ variant: 'facebook_login' });
    expect((h.fake.snapshot() as { grants: { facebook: { refreshes: number } } }).grants.facebook.refreshes).toBe(1);

    await expect(h.instagram.oauth.revoke!({ tokens: refreshed, credentials: CREDENTIALS })).resolves.toEqual({ revoked: true });
    const f = await failureOf(() => h.instagram.accounts.list({ tokens: refreshed, credentials: CREDENTIALS }));
    expect(f).toMatchObject({ kind: 'auth_expired', code: '190/458' });
  });

  it('accepts a code only once (100/36009 the second time)', async () => {
    const params = callbackParams(await followConsent(h, authorize('facebook_login')));
    const input = { code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params, variant: 'facebook_login' };
    await h.instagram.oauth.exchangeCode(input);
    expect(await failureOf(() => h.instagram.oauth.exchangeCode(input))).toMatchObject({ kind: 'invalid_request', code: '100/36009' });
  });
});

describe('injected faults, as the provider sees them', () => {
  it('a throttled account read is rate_limited for as long as the BUC header says', async () => {
    const { tokens } = await connect('instagram_login');
    h.fakes.inject('meta', { kind: 'rate_limited', path: `/${GRAPH_VERSION}/me`, times: 1, retryAfterSeconds: 125 });
    const f = await failureOf(() => h.instagram.accounts.list({ tokens, credentials: CREDENTIALS }));
    expect(f).toMatchObject({ kind: 'rate_limited', code: '80002', retryAfterSeconds: 180 });
  });

  it('a throttled code exchange is rate_limited', async () => {
    const params = callbackParams(await followConsent(h, authorize()));
    h.fakes.inject('meta', { kind: 'rate_limited', path: '/oauth/access_token', times: 1 });
    const f = await failureOf(() => h.instagram.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params }));
    expect(f.kind).toBe('rate_limited');
  });

  it('server errors are transient, an expired token and a revoked grant are auth_expired', async () => {
    const { tokens } = await connect('instagram_login');
    const list = () => h.instagram.accounts.list({ tokens, credentials: CREDENTIALS });
    h.fakes.inject('meta', { kind: 'server_error', times: 1 });
    expect(await failureOf(list)).toMatchObject({ kind: 'transient', code: '2' });
    h.fakes.inject('meta', { kind: 'expired_token', times: 1 });
    expect(await failureOf(list)).toMatchObject({ kind: 'auth_expired', code: '190/463' });
    h.fakes.inject('meta', { kind: 'revoked_grant', times: 1 });
    expect(await failureOf(list)).toMatchObject({ kind: 'auth_expired', code: '190/458' });
    await expect(list()).resolves.toHaveLength(1);
  });

  it('a revoked grant on the Facebook token exchange makes refresh auth_expired', async () => {
    const { tokens } = await connect('facebook_login');
    h.fakes.inject('meta', { kind: 'revoked_grant', path: `/${GRAPH_VERSION}/oauth/access_token`, times: 1 });
    expect(await failureOf(() => h.instagram.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: '190/458' });
  });
});
