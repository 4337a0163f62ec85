/**
 * Facebook Pages OAuth against the Meta fake: the dialog URL, the dance down to one connection
 * per Page with its own Page token, refresh that re-exchanges the user token behind the Pages,
 * revoke, codes that work once, and injected faults.
 */
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import { tokenAnswerSchema } from '../../functions/providers/meta-graph/oauth';
import { pageTokenSet } from '../../functions/providers/facebook/accounts';
import { userTokenOf } from '../../functions/providers/facebook/oauth';
import { CREDENTIALS, REDIRECT_URI, callbackParams, failureOf, followConsent, metaCalls, sample, startMeta, type MetaHarness } from './meta-support';

const LONG_LIVED_MS = 5_183_944_000;

let h: MetaHarness;
beforeAll(async () => {
  h = await startMeta();
});
afterAll(() => h.close());
beforeEach(() => h.fakes.reset());

const authorize = (scopes: readonly string[] = h.facebook.manifest.oauth.defaultScopes) =>
  h.facebook.oauth.authorizeUrl({ state: 'st-9', redirectUri: REDIRECT_URI, scopes, codeChallenge: 'unused', credentials: CREDENTIALS });

const login = async (scopes?: readonly string[], extra: Record<string, string> = {}) => {
  const location = await followConsent(h, authorize(scopes), extra);
  const params = callbackParams(location);
  const tokens = await h.facebook.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params });
  return { location, params, tokens };
};

describe('authorizeUrl', () => {
  it('builds the Facebook Login dialog with exactly the documented parameters (no PKCE)', () => {
    const url = new URL(authorize());
    expect(`${url.origin}${url.pathname}`).toBe(`https://www.facebook.com/${GRAPH_VERSION}/dialog/oauth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CREDENTIALS.clientId,
      redirect_uri: REDIRECT_URI,
      state: 'st-9',
      response_type: 'code granted_scopes',
      scope: 'pages_show_list,pages_read_engagement,pages_manage_posts,read_insights',
    });
  });

  it('declares query-string client auth, comma scopes and no PKCE in its manifest', () => {
    expect(h.facebook.manifest.oauth).toMatchObject({ clientAuth: 'query', scopeSeparator: ',', pkce: 'none', rotatesRefreshToken: false });
    expect(h.facebook.manifest.oauth.accessTokenLifetimeSeconds).toBeUndefined();
  });
});

describe('the dance', () => {
  it('authorize → long-lived user token → Pages with their own tokens → refresh → revoke', async () => {
    const { location, params, tokens: user } = await login();
    expect(location.hash).toBe('#_=_');
    expect(params['state']).toBe('st-9');
    expect(user.accessToken).toMatch(/^EAA/);
    expect(user.scopes).toEqual(['public_profile', 'pages_show_list', 'pages_read_engagement', 'pages_manage_posts', 'read_insights']);
    expect(user.refreshToken).toBeUndefined();
    expect(Math.abs(Date.parse(user.expiresAt!) - (h.fakes.context.now().getTime() + LONG_LIVED_MS))).toBeLessThan(5_000);
    // The code exchange, then fb_exchange_token.
    expect(metaCalls(h)['GET graph.facebook.com/:version/oauth/access_token']).toBe(2);

    const pages = await h.facebook.accounts.list({ tokens: user, credentials: CREDENTIALS });
    const snapshot = h.fake.snapshot() as { accounts: Array<{ facebookUserId: string; pages: Array<{ id: string; name: string }> }> };
    expect(pages.map((p) => [p.platformAccountId, p.displayName, p.accountType])).toEqual(snapshot.accounts[0]!.pages.map((p) => [p.id, p.name, 'page']));
    // Each Page names the Facebook user who granted it: whom Meta's deauthorize callbacks name.
    expect(pages.map((p) => p.grantedBy)).toEqual([snapshot.accounts[0]!.facebookUserId, snapshot.accounts[0]!.facebookUserId]);
    for (const page of pages) {
      expect(page.tokens!.accessToken).toMatch(/^EAA/);
      expect(page.tokens!.accessToken).not.toBe(user.accessToken);
      expect(page.tokens!.expiresAt).toBeUndefined();
      expect(page.tokens!.extra).toEqual({ userToken: user.accessToken, userTokenExpiresAt: user.expiresAt });
    }
    expect(new Set(pages.map((p) => p.tokens!.accessToken)).size).toBe(2);

    const pageTokens = pages[0]!.tokens!;
    const refreshed = await h.facebook.oauth.refresh!({ tokens: pageTokens, credentials: CREDENTIALS });
    expect(refreshed.accessToken).toBe(pageTokens.accessToken);
    expect(refreshed.expiresAt).toBeUndefined();
    expect(refreshed.extra!['userToken']).not.toBe(user.accessToken);
    expect(refreshed.extra!['userToken']).toMatch(/^EAA/);
    expect(Date.parse(refreshed.extra!['userTokenExpiresAt']!)).toBeGreaterThanOrEqual(Date.parse(user.expiresAt!));
    const [still] = await h.facebook.metrics!.fetch([{ platformAccountId: pages[0]!.platformAccountId, tokens: refreshed }], CREDENTIALS);
    expect(still!.ok).toBe(true);

    await expect(h.facebook.oauth.revoke!({ tokens: refreshed, credentials: CREDENTIALS })).resolves.toEqual({ revoked: true });
    expect((h.fake.snapshot() as { grants: { facebook: { revokes: number } } }).grants.facebook.revokes).toBe(1);
    // Removing the grant stops every Page token derived from it.
    const after = await h.facebook.metrics!.fetch(
      pages.map((p) => ({ platformAccountId: p.platformAccountId, tokens: p.tokens! })),
      CREDENTIALS,
    );
    expect(after.map((o) => (o.ok ? 'ok' : o.failure.code))).toEqual(['190/458', '190/458']);
  });

  it('refreshes a user token set into a new 60-day token, keeping its scopes', async () => {
    const { tokens } = await login();
    const refreshed = await h.facebook.oauth.refresh!({ tokens, credentials: CREDENTIALS });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.scopes).toEqual(tokens.scopes);
    expect(refreshed.refreshToken).toBeUndefined();
    expect(refreshed.expiresAt).toBeDefined();
    expect((h.fake.snapshot() as { grants: { facebook: { refreshes: number } } }).grants.facebook.refreshes).toBe(1);
  });

  it('lists no Pages when pages_show_list was not granted', async () => {
    const { tokens } = await login(['pages_read_engagement']);
    await expect(h.facebook.accounts.list({ tokens, credentials: CREDENTIALS })).resolves.toEqual([]);
  });

  it('keeps the user token behind a Page and finds it again', () => {
    const user = { accessToken: 'EAAuser', scopes: ['a'], obtainedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-03-01T00:00:00.000Z' };
    const page = pageTokenSet('EAApage', user, new Date('2026-01-02T00:00:00.000Z'));
    expect(page).toEqual({
      accessToken: 'EAApage',
      tokenType: 'bearer',
      scopes: ['a'],
      obtainedAt: '2026-01-02T00:00:00.000Z',
      extra: { userToken: 'EAAuser', userTokenExpiresAt: '2026-03-01T00:00:00.000Z' },
    });
    expect(userTokenOf(page)).toBe('EAAuser');
    expect(userTokenOf(user)).toBe('EAAuser');
  });
});

describe('codes and credentials', () => {
  const exchange = (code: string, over: Partial<{ redirectUri: string; clientSecret: string; clientId: string }> = {}) =>
    h.facebook.oauth.exchangeCode({
      code,
      redirectUri: over.redirectUri ?? REDIRECT_URI,
      codeVerifier: 'v',
      credentials: { clientId: over.clientId ?? CREDENTIALS.clientId, clientSecret: over.clientSecret ?? CREDENTIALS.clientSecret },
      params: {},
    });
  const code = async () => callbackParams(await followConsent(h, authorize()))['code']!;

  it('accepts a code once (100/36009 after)', async () => {
    const c = await code();
    await exchange(c);
    expect(await failureOf(() => exchange(c))).toMatchObject({ kind: 'invalid_request', code: '100/36009' });
  });

  it('refuses an expired code (100/36007), a different redirect URI (100/36008) and an unknown code (100)', async () => {
    const stale = await code();
    h.fakes.advanceClock(601);
    expect(await failureOf(() => exchange(stale))).toMatchObject({ kind: 'invalid_request', code: '100/36007' });
    const other = await code();
    expect(await failureOf(() => exchange(other, { redirectUri: 'https://reach.example/other' }))).toMatchObject({ code: '100/36008' });
    expect(await failureOf(() => exchange('AQDmadeup'))).toMatchObject({ kind: 'invalid_request', code: '100' });
  });

  it('refuses a wrong app id (101) and secret (Meta reports it with its generic code 1)', async () => {
    expect(await failureOf(async () => exchange(await code(), { clientId: '999' }))).toMatchObject({ kind: 'invalid_request', code: '101' });
    expect(await failureOf(async () => exchange(await code(), { clientSecret: 'wrong' }))).toMatchObject({ code: '1' });
  });

  it('parses the documented long-lived token answer', () => {
    expect(tokenAnswerSchema.parse(sample('facebook/long_lived_user_token_response.jsonc'))).toEqual({
      access_token: '{long-lived-user-access-token}',
      token_type: 'bearer',
      expires_in: 5183944,
    });
  });
});

describe('consent', () => {
  it('shows a consent page in page mode and issues the code only on approval', async () => {
    const paged = await startMeta({}, 'page');
    try {
      const url = paged.http.publicUrl(paged.facebook.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: ['pages_show_list'], codeChallenge: 'c', credentials: CREDENTIALS }));
      const page = await fetch(url, { redirect: 'manual' });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('pages_show_list');
      const approve = /id="approve" href="([^"]+)"/.exec(html)![1]!.replace(/&#38;/g, '&');
      const res = await fetch(approve, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toMatch(/^AQD/);
    } finally {
      await paged.close();
    }
  });

  it('denies with access_denied and the state', async () => {
    const location = await followConsent(h, authorize(), { fake_decision: 'deny' });
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_reason')).toBe('user_denied');
    expect(location.searchParams.get('state')).toBe('st-9');
  });

  it('refuses scopes Facebook does not know', async () => {
    const res = await fetch(h.http.publicUrl(authorize(['pages_show_list', 'made_up_scope'])), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Invalid Scopes: made_up_scope');
  });
});

describe('injected faults, as the provider sees them', () => {
  it('a throttled /me/accounts is an app-level limit (code 4): wait an hour', async () => {
    const { tokens } = await login();
    h.fakes.inject('meta', { kind: 'rate_limited', path: `/${GRAPH_VERSION}/me/accounts`, times: 1, retryAfterSeconds: 60 });
    expect(await failureOf(() => h.facebook.accounts.list({ tokens, credentials: CREDENTIALS }))).toMatchObject({
      kind: 'rate_limited',
      code: '4',
      retryAfterSeconds: 3600,
    });
  });

  it('server errors on the token endpoint are transient; an expired user token cannot be re-exchanged', async () => {
    const { tokens } = await login();
    h.fakes.inject('meta', { kind: 'server_error', path: `/${GRAPH_VERSION}/oauth/access_token`, times: 1 });
    expect(await failureOf(() => h.facebook.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'transient', code: '2' });
    h.fakes.inject('meta', { kind: 'expired_token', path: `/${GRAPH_VERSION}/oauth/access_token`, times: 1 });
    expect(await failureOf(() => h.facebook.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: '190/463' });
  });

  it('a user token past its 60 days is auth_expired on refresh', async () => {
    const { tokens } = await login();
    h.fakes.advanceClock(61 * 86_400);
    expect(await failureOf(() => h.facebook.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: '190/463' });
  });
});
