/**
 * Google OAuth as both Google providers use it, against the Google fake: the consent dance, the
 * authorize URL, single-use codes, PKCE, client checks, refresh without rotation, revocation,
 * Google's grant limits and injected faults.
 */
import type { TokenSet } from '../../functions/core/model/tokens';
import { createHttpClient } from '../../functions/providers/http';
import { startFakes } from '../../local/fakes/framework';
import { createGoogleFake } from '../../local/fakes/google';
import { createGoogleBusinessProvider } from '../../functions/providers/google-business';
import { ProviderError, type Provider } from '../../functions/providers/types';
import { createYoutubeProvider } from '../../functions/providers/youtube';
import { CREDENTIALS, REDIRECT_URI, connect, consent, startGoogle, type GoogleHarness } from './google-helpers';

const YT_SCOPE = 'https://www.googleapis.com/auth/youtube.readonly';
const YT_UPLOAD_SCOPE = 'https://www.googleapis.com/auth/youtube.upload';
/** What the YouTube provider asks for by default: reading, uploading and audience reports. */
const YT_DEFAULT_SCOPES = [YT_SCOPE, YT_UPLOAD_SCOPE, 'https://www.googleapis.com/auth/yt-analytics.readonly'];
const GBP_SCOPE = 'https://www.googleapis.com/auth/business.manage';

/** The classified failure a promise rejects with. */
const failureOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err.failure;
};

describe('Google OAuth', () => {
  let h: GoogleHarness;
  let youtube: Provider;
  let business: Provider;

  beforeAll(async () => {
    h = await startGoogle();
    youtube = h.provider(createYoutubeProvider);
    business = h.provider(createGoogleBusinessProvider);
  });
  afterAll(() => h.close());
  beforeEach(() => h.fakes.reset());

  describe('authorizeUrl', () => {
    it('is Google consent URL with exactly the documented parameters', () => {
      const url = new URL(
        youtube.oauth.authorizeUrl({
          state: 'st-1',
          redirectUri: REDIRECT_URI,
          scopes: [YT_SCOPE, 'https://www.googleapis.com/auth/yt-analytics.readonly'],
          codeChallenge: 'challenge-abc',
          credentials: CREDENTIALS,
        }),
      );
      expect(`${url.origin}${url.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        client_id: CREDENTIALS.clientId,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: `${YT_SCOPE} https://www.googleapis.com/auth/yt-analytics.readonly`,
        access_type: 'offline',
        prompt: 'consent',
        include_granted_scopes: 'true',
        state: 'st-1',
        code_challenge: 'challenge-abc',
        code_challenge_method: 'S256',
      });
    });

    it('is the same for Business Profile, with its own scope', () => {
      const url = new URL(business.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: business.manifest.oauth.defaultScopes, codeChallenge: 'c', credentials: CREDENTIALS }));
      expect(url.searchParams.get('scope')).toBe(GBP_SCOPE);
      expect(url.searchParams.get('access_type')).toBe('offline');
    });
  });

  describe('the full dance', () => {
    it('consents, exchanges, lists, refreshes and revokes', async () => {
      const before = Date.now();
      const c = await consent(h, youtube, { account: 'dance.user' });
      expect(c.params['state']).toBe(c.state);
      expect(c.params['code']).toMatch(/^4\/0A/);
      expect(c.params['scope']).toBe(YT_DEFAULT_SCOPES.join(' '));

      const tokens = await youtube.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params });
      expect(tokens.accessToken).toMatch(/^ya29\./);
      expect(tokens.refreshToken).toMatch(/^1\/\/0/);
      expect(tokens.tokenType).toBe('Bearer');
      expect(tokens.scopes).toEqual(YT_DEFAULT_SCOPES);
      expect(Date.parse(tokens.obtainedAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(tokens.expiresAt!) - Date.parse(tokens.obtainedAt)).toBe(3599_000);

      const accounts = await youtube.accounts.list({ tokens, credentials: CREDENTIALS });
      expect(accounts).toHaveLength(1);
      expect(accounts[0]).toMatchObject({ username: '@dance.user', displayName: 'dance.user (YouTube)', accountType: 'channel' });

      const refreshed = await youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS });
      expect(refreshed.accessToken).not.toBe(tokens.accessToken);
      expect(refreshed.refreshToken).toBe(tokens.refreshToken);
      expect(refreshed.scopes).toEqual(YT_DEFAULT_SCOPES);
      expect(await youtube.accounts.list({ tokens: refreshed, credentials: CREDENTIALS })).toEqual(accounts);

      expect(await youtube.oauth.revoke!({ tokens: refreshed, credentials: CREDENTIALS })).toEqual({ revoked: true });
      expect(await failureOf(youtube.oauth.refresh!({ tokens: refreshed, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
      expect(await failureOf(youtube.accounts.list({ tokens: refreshed, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'authError' });
      // Revoking a grant that is already gone is still "revoked".
      expect(await youtube.oauth.revoke!({ tokens: refreshed, credentials: CREDENTIALS })).toEqual({ revoked: true });

      const state = (await (await fetch(`${h.fakes.baseUrl}/__fakes/google/state`)).json()) as { grants: unknown };
      expect(state.grants).toEqual({ exchanges: 1, refreshes: 1, revokes: 1 });
      expect(h.calls('POST oauth2.googleapis.com/token')).toBe(3);
      expect(h.calls('POST oauth2.googleapis.com/revoke')).toBe(2);
    });

    it('tells a denied consent by error=access_denied with the state', async () => {
      const c = await consent(h, youtube, { extra: { fake_decision: 'deny' } });
      expect(c.params).toEqual({ error: 'access_denied', state: c.state });
    });
  });

  describe('codes and PKCE', () => {
    it('accepts a code once', async () => {
      const c = await consent(h, youtube);
      const input = { code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params };
      await youtube.oauth.exchangeCode(input);
      expect(await failureOf(youtube.oauth.exchangeCode(input))).toEqual({ kind: 'auth_expired', code: 'invalid_grant', message: 'invalid_grant: Bad Request' });
    });

    it('refuses a wrong code verifier', async () => {
      const c = await consent(h, youtube);
      const failure = await failureOf(youtube.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'not-the-verifier', credentials: CREDENTIALS, params: c.params }));
      expect(failure).toEqual({ kind: 'auth_expired', code: 'invalid_grant', message: 'invalid_grant: Invalid code verifier.' });
    });

    it('refuses an expired code', async () => {
      const c = await consent(h, youtube);
      h.fakes.advanceClock(601);
      const failure = await failureOf(youtube.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params }));
      expect(failure).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
    });

    it('refuses a code never issued', async () => {
      const failure = await failureOf(youtube.oauth.exchangeCode({ code: '4/0Anot-a-code', redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params: {} }));
      expect(failure).toEqual({ kind: 'auth_expired', code: 'invalid_grant', message: 'invalid_grant: Malformed auth code.' });
    });

    it('refuses another redirect_uri than the consent had', async () => {
      const c = await consent(h, youtube);
      const failure = await failureOf(youtube.oauth.exchangeCode({ code: c.params['code']!, redirectUri: 'https://evil.test/cb', codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params }));
      expect(failure).toMatchObject({ kind: 'invalid_request', code: 'redirect_uri_mismatch' });
    });

    it('refuses wrong client credentials as the app’s own (permanent) problem', async () => {
      const c = await consent(h, youtube);
      const failure = await failureOf(
        youtube.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: { ...CREDENTIALS, clientSecret: 'wrong' }, params: c.params }),
      );
      expect(failure).toEqual({ kind: 'permanent', code: 'invalid_client', message: 'invalid_client: Unauthorized' });
      expect(failure.message).not.toContain('wrong');
    });
  });

  describe('the consent page', () => {
    it('answers Google’s error page for an unknown client', async () => {
      const url = new URL(h.http.publicUrl(youtube.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: [YT_SCOPE], codeChallenge: 'c', credentials: { clientId: 'nobody', clientSecret: 'x' } })));
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('Error 401: invalid_client');
    });

    it('refuses a redirect URI that is not registered', async () => {
      const strict = await startGoogle({ redirectUris: ['https://registered.test/cb'] });
      try {
        const url = strict.http.publicUrl(youtube.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: [YT_SCOPE], codeChallenge: 'c', credentials: CREDENTIALS }));
        const res = await fetch(url, { redirect: 'manual' });
        expect(res.status).toBe(400);
        expect(await res.text()).toContain('redirect_uri_mismatch');
      } finally {
        await strict.close();
      }
    });

    it('shows an approve/deny page in page mode, whose approve link leads to the callback with a code', async () => {
      const fakes = await startFakes({ platforms: [createGoogleFake(CREDENTIALS)], consent: 'page' });
      try {
        const http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
        const url = http.publicUrl(youtube.oauth.authorizeUrl({ state: 'st', redirectUri: REDIRECT_URI, scopes: [YT_SCOPE], codeChallenge: 'c', credentials: CREDENTIALS }));
        const page = await fetch(url, { redirect: 'manual' });
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('reach.demo@gmail.com');
        const approve = /id="approve" href="([^"]+)"/.exec(html)?.[1]?.replace(/&#38;/g, '&');
        const deny = /id="deny" href="([^"]+)"/.exec(html)?.[1]?.replace(/&#38;/g, '&');
        expect(deny && Object.fromEntries(new URL(deny).searchParams)).toEqual({ error: 'access_denied', state: 'st' });
        const approved = await fetch(approve!, { redirect: 'manual' });
        expect(approved.status).toBe(302);
        const callback = new URL(approved.headers.get('location')!);
        expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
        expect(callback.searchParams.get('code')).toMatch(/^4\/0A/);
        expect(callback.searchParams.get('state')).toBe('st');
      } finally {
        await fakes.close();
      }
    });

    it('adds scopes granted before (include_granted_scopes)', async () => {
      await connect(h, youtube, 'both.user');
      const tokens = await connect(h, business, 'both.user');
      expect(new Set(tokens.scopes)).toEqual(new Set([...YT_DEFAULT_SCOPES, GBP_SCOPE]));
    });
  });

  describe('refresh', () => {
    it('never loses the refresh token, its expiry or the provider’s extras', async () => {
      const first = await connect(h, youtube);
      let tokens: TokenSet = { ...first, refreshTokenExpiresAt: '2099-01-01T00:00:00.000Z', extra: { note: 'kept' } };
      for (let i = 0; i < 3; i++) {
        const next = await youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS });
        expect(next.refreshToken).toBe(first.refreshToken);
        expect(next.refreshTokenExpiresAt).toBe('2099-01-01T00:00:00.000Z');
        expect(next.extra).toEqual({ note: 'kept' });
        tokens = next;
      }
    });

    it('says the grant is gone when no refresh token is kept, without calling Google', async () => {
      const { refreshToken: _dropped, ...tokens } = await connect(h, youtube);
      const calls = h.calls('POST oauth2.googleapis.com/token');
      expect(await failureOf(youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'no_refresh_token' });
      expect(h.calls('POST oauth2.googleapis.com/token')).toBe(calls);
    });

    it('works again after the access token expired', async () => {
      const tokens = await connect(h, youtube);
      h.fakes.advanceClock(3600);
      expect(await failureOf(youtube.accounts.list({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'authError' });
      const fresh = await youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS });
      expect(await youtube.accounts.list({ tokens: fresh, credentials: CREDENTIALS })).toHaveLength(1);
    });

    it('fails with invalid_grant once Google dropped the oldest of too many refresh tokens', async () => {
      const limited = await startGoogle({ refreshTokenLimit: 2 });
      try {
        const yt = limited.provider(createYoutubeProvider);
        const oldest = await connect(limited, yt, 'busy.user');
        await connect(limited, yt, 'busy.user');
        const newest = await connect(limited, yt, 'busy.user');
        expect(await failureOf(yt.oauth.refresh!({ tokens: oldest, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
        await expect(yt.oauth.refresh!({ tokens: newest, credentials: CREDENTIALS })).resolves.toMatchObject({ refreshToken: newest.refreshToken });
      } finally {
        await limited.close();
      }
    });

    it('fails with invalid_grant after 7 days when the app is in Testing status', async () => {
      const testing = await startGoogle({ testingMode: true });
      try {
        const yt = testing.provider(createYoutubeProvider);
        const tokens = await connect(testing, yt);
        testing.fakes.advanceClock(6 * 86_400);
        await expect(yt.oauth.refresh!({ tokens, credentials: CREDENTIALS })).resolves.toBeDefined();
        testing.fakes.advanceClock(2 * 86_400);
        expect(await failureOf(yt.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
      } finally {
        await testing.close();
      }
    });
  });

  describe('revoke', () => {
    it('cannot revoke with only an expired access token, and says what to do', async () => {
      const { refreshToken: _dropped, ...tokens } = await connect(h, youtube);
      h.fakes.advanceClock(3600);
      const outcome = await youtube.oauth.revoke!({ tokens, credentials: CREDENTIALS });
      expect(outcome.revoked).toBe(false);
      expect(outcome).toMatchObject({ reason: expect.stringContaining('https://myaccount.google.com/permissions') });
    });

    it('revokes the whole grant through the access token', async () => {
      const tokens = await connect(h, youtube);
      const { refreshToken, ...accessOnly } = tokens;
      expect(refreshToken).toBeDefined();
      expect(await youtube.oauth.revoke!({ tokens: accessOnly, credentials: CREDENTIALS })).toEqual({ revoked: true });
      expect(await failureOf(youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ code: 'invalid_grant' });
    });
  });

  describe('injected faults on the token endpoint', () => {
    it('classifies a revoked grant as auth_expired invalid_grant', async () => {
      const tokens = await connect(h, youtube);
      h.fakes.inject('google', { kind: 'revoked_grant', path: '/token', times: 1 });
      expect(await failureOf(youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toEqual({
        kind: 'auth_expired',
        code: 'invalid_grant',
        message: 'invalid_grant: Token has been expired or revoked.',
      });
    });

    it('classifies an outage as transient', async () => {
      const tokens = await connect(h, youtube);
      h.fakes.inject('google', { kind: 'server_error', path: '/token', times: 1 });
      expect(await failureOf(youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'transient' });
      await expect(youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS })).resolves.toBeDefined();
    });

    it('classifies a rate limit with the wait from Retry-After', async () => {
      const tokens = await connect(h, youtube);
      h.fakes.inject('google', { kind: 'rate_limited', path: '/token', times: 1, retryAfterSeconds: 42 });
      expect(await failureOf(youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS }))).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 42 });
    });

    it('never puts a token in a failure message', async () => {
      const tokens = await connect(h, youtube);
      h.fakes.inject('google', { kind: 'revoked_grant', path: '/token', times: 1 });
      const failure = await failureOf(youtube.oauth.refresh!({ tokens, credentials: CREDENTIALS }));
      expect(failure.message).not.toContain(tokens.refreshToken!);
      expect(failure.message).not.toContain(tokens.accessToken);
    });
  });

  describe('tokeninfo (fake)', () => {
    it('tells the scopes and expiry of a live token, and refuses a dead one', async () => {
      const tokens = await connect(h, youtube);
      const res = await fetch(`${h.fakes.baseUrl}/oauth2.googleapis.com/tokeninfo?access_token=${encodeURIComponent(tokens.accessToken)}`);
      const info = (await res.json()) as Record<string, string>;
      expect(res.status).toBe(200);
      expect(info).toMatchObject({ aud: CREDENTIALS.clientId, scope: YT_DEFAULT_SCOPES.join(' ') });
      expect(Number(info['expires_in'])).toBeGreaterThan(3500);
      const dead = await fetch(`${h.fakes.baseUrl}/oauth2.googleapis.com/tokeninfo?access_token=ya29.nothing`);
      expect(dead.status).toBe(400);
      expect(await dead.json()).toEqual({ error: 'invalid_token', error_description: 'Invalid Value' });
    });
  });
});
