/**
 * The fake TikTok Login Kit v2: the consent page at www.tiktok.com/v2/auth/authorize/, and
 * open.tiktokapis.com/v2/oauth/token/ and /revoke/ with the client credentials in the form body.
 * https://developers.tiktok.com/doc/login-kit-web
 * https://developers.tiktok.com/doc/oauth-user-access-token-management
 * https://developers.tiktok.com/docs/en/oauth-revoke-a-user-access-token
 */
import { consent, type FakeAppOptions, type FakeContext, type FakeRequest, type FakeResponse } from '../framework';
import type { FakeOAuthStore } from '../oauth-store';
import type { TiktokFakeAccount } from './accounts';
import { oauthError, refreshTokenInvalid } from './responses';

/** Scopes TikTok documents for user tokens. https://developers.tiktok.com/doc/tiktok-api-scopes */
export const TIKTOK_SCOPES: ReadonlySet<string> = new Set([
  'user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list', 'video.publish', 'video.upload',
]);

export interface TiktokOAuthSettings {
  readonly codeTtlSeconds: number;
  /** Access-token lifetime: 86400 in the older docs' example, 7200 in the current docs. */
  readonly accessTtlSeconds: number;
  /** Refresh-token lifetime: 31536000 (365 d) in the older example, 180 days in the current docs. */
  readonly refreshTtlSeconds: number;
  /** Each refresh returns a new refresh token and the old one stops working. */
  readonly rotateRefreshTokens: boolean;
  /** Client access tokens (`grant_type=client_credentials`). */
  readonly clientTokenTtlSeconds: number;
}

/** The older docs' example values (24 h / 365 d), rotating as the current docs say. */
export const DEFAULT_OAUTH_SETTINGS: TiktokOAuthSettings = {
  codeTtlSeconds: 600,
  accessTtlSeconds: 86_400,
  refreshTtlSeconds: 31_536_000,
  rotateRefreshTokens: true,
  clientTokenTtlSeconds: 7200,
};

export interface TiktokOAuthState {
  readonly app: FakeAppOptions;
  readonly store: FakeOAuthStore;
  /** Client access tokens (`clt.…`) live apart from user grants: they reach no user endpoint. */
  readonly clientTokens: FakeOAuthStore;
  readonly settings: TiktokOAuthSettings;
  /** When each grant's refresh tokens stop working: the lifetime runs from consent, not from each refresh. */
  readonly refreshDeadlines: Map<string, number>;
  /** The grant each live refresh token belongs to. */
  readonly refreshGrants: Map<string, string>;
  accountByName(name: string): TiktokFakeAccount;
  accountById(id: string): TiktokFakeAccount | undefined;
}

const errorPage = (message: string): FakeResponse => ({
  status: 400,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html><body><h1>Something went wrong</h1><p>${message.replace(/[<>&"]/g, '')}</p></body></html>`,
});

const withParams = (base: string, params: Record<string, string>): string => {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
};

/**
 * Web redirect URIs must be absolute https, static (no query) and without fragment. Loopback http
 * is let through so that Reach's local runtime can be the redirect target.
 */
export const redirectUriProblem = (value: string): string | undefined => {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'redirect_uri must be an absolute URL';
  }
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) return 'redirect_uri must begin with https';
  if (u.search !== '' || value.includes('?')) return 'redirect_uri must be static: parameters are denied';
  if (value.includes('#')) return 'redirect_uri cannot include a fragment';
  if (value.length >= 512) return 'redirect_uri must be shorter than 512 characters';
  return undefined;
};

/**
 * GET www.tiktok.com/v2/auth/authorize/. A wrong client key or redirect URI shows an error page
 * (never a redirect to an unverified address); other mistakes go back as `error=…`. The fake-only
 * `fake_account` picks who consents and `fake_grant` the subset of scopes they agree to.
 */
export const authorizePage = (state: TiktokOAuthState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const q = req.query;
  if (q.has('client_id') && !q.has('client_key')) return errorPage('client_key is required (TikTok does not take client_id).');
  if (q.get('client_key') !== state.app.clientId) return errorPage('Unknown client_key.');
  const redirectUri = q.get('redirect_uri') ?? '';
  const problem = redirectUriProblem(redirectUri);
  if (problem) return errorPage(problem);
  const stateParam = q.get('state') ?? '';
  const back = (error: string, description: string): FakeResponse => ({
    status: 302,
    headers: { location: withParams(redirectUri, { error, error_description: description, ...(stateParam && { state: stateParam }) }) },
  });
  if (q.get('response_type') !== 'code') return back('unsupported_response_type', 'response_type must be code');
  const scopes = (q.get('scope') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (scopes.length === 0) return back('invalid_scope', 'scope is required');
  const unknown = scopes.find((s) => !TIKTOK_SCOPES.has(s));
  if (unknown) return back('invalid_scope', `The scope ${unknown} is invalid, unknown, or malformed (scopes are separated by commas)`);
  // Desktop and mobile flows send a PKCE challenge; web does not. When present it is enforced.
  const challenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method') ?? undefined;
  if (challenge !== undefined && method !== 'S256') return back('invalid_request', 'code_challenge_method must be S256');

  const subset = q.get('fake_grant');
  const granted = subset === null ? scopes : scopes.filter((s) => subset.split(',').includes(s));
  if (!granted.includes('user.info.basic') && scopes.includes('user.info.basic')) granted.unshift('user.info.basic');
  const account = state.accountByName(q.get('fake_account') || 'reach.demo');
  const code = state.store.issueCode({
    accountId: account.openId,
    clientId: state.app.clientId,
    scopes: granted,
    redirectUri,
    ...(challenge !== undefined && { codeChallenge: challenge, codeChallengeMethod: 'S256' }),
    ttlSeconds: state.settings.codeTtlSeconds,
    now: ctx.now(),
  });
  return consent(req, ctx, {
    platform: 'TikTok',
    account: `@${account.username}`,
    scopes,
    approveUrl: withParams(redirectUri, { code, scopes: granted.join(','), state: stateParam }),
    denyUrl: withParams(redirectUri, { error: 'access_denied', error_description: 'The user denied the request', state: stateParam }),
  });
};

const tokenAnswer = (
  state: TiktokOAuthState,
  tokens: { accessToken: string; refreshToken?: string; grantId: string },
  openId: string,
  scopes: readonly string[],
  now: Date,
): FakeResponse => {
  const deadline = state.refreshDeadlines.get(tokens.grantId);
  const refreshExpiresIn = deadline === undefined ? state.settings.refreshTtlSeconds : Math.max(0, Math.floor((deadline - now.getTime()) / 1000));
  return {
    status: 200,
    body: {
      access_token: tokens.accessToken,
      expires_in: state.settings.accessTtlSeconds,
      open_id: openId,
      refresh_expires_in: refreshExpiresIn,
      ...(tokens.refreshToken !== undefined && { refresh_token: tokens.refreshToken }),
      scope: scopes.join(','),
      token_type: 'Bearer',
    },
  };
};

/** The form, or an error when the body is not form-encoded or lacks the app's own credentials. */
const readClientForm = (state: TiktokOAuthState, req: FakeRequest, now: Date): { form: URLSearchParams } | { error: FakeResponse } => {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return { error: oauthError(400, 'invalid_request', 'The request parameters are malformed.', now) };
  }
  const form = req.form();
  const key = form.get('client_key');
  const secret = form.get('client_secret');
  if (!key || !secret) return { error: oauthError(400, 'invalid_request', 'The request parameters are malformed.', now) };
  if (key !== state.app.clientId || secret !== state.app.clientSecret) {
    return { error: oauthError(401, 'invalid_client', 'Client key or secret is incorrect.', now) };
  }
  return { form };
};

/** POST open.tiktokapis.com/v2/oauth/token/: authorization_code, refresh_token and client_credentials grants. */
export const tokenEndpoint = (state: TiktokOAuthState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const read = readClientForm(state, req, now);
  if ('error' in read) return read.error;
  const form = read.form;
  const grantType = form.get('grant_type');

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    if (!code || !redirectUri) return oauthError(400, 'invalid_request', 'The request parameters are malformed.', now);
    const redeemed = state.store.redeemCode(code, {
      clientId: state.app.clientId,
      redirectUri,
      ...(form.get('code_verifier') !== null && { codeVerifier: form.get('code_verifier')! }),
      now,
    });
    if (!redeemed.ok) {
      switch (redeemed.reason) {
        case 'redirect_mismatch':
          return oauthError(400, 'invalid_request', 'Redirect_uri is not matched with the uri when requesting code.', now);
        case 'pkce_mismatch':
          return oauthError(400, 'invalid_grant', 'Code verifier or code challenge is invalid.', now);
        case 'expired':
          return oauthError(400, 'invalid_grant', 'Authorization code is expired.', now);
        default:
          return oauthError(400, 'invalid_grant', 'Authorization code is invalid or has been used.', now);
      }
    }
    const issued = state.store.issueTokens(redeemed.grant, {
      accessTtlSeconds: state.settings.accessTtlSeconds,
      refreshTtlSeconds: state.settings.refreshTtlSeconds,
      now,
    });
    state.refreshDeadlines.set(issued.grantId, now.getTime() + state.settings.refreshTtlSeconds * 1000);
    if (issued.refreshToken !== undefined) state.refreshGrants.set(issued.refreshToken, issued.grantId);
    return tokenAnswer(state, issued, redeemed.grant.accountId, redeemed.grant.scopes, now);
  }

  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token');
    if (!refreshToken) return oauthError(400, 'invalid_request', 'The request parameters are malformed.', now);
    const grantId = state.refreshGrants.get(refreshToken) ?? '';
    const deadline = state.refreshDeadlines.get(grantId);
    const used = state.store.useRefreshToken(refreshToken, {
      clientId: state.app.clientId,
      rotate: state.settings.rotateRefreshTokens,
      accessTtlSeconds: state.settings.accessTtlSeconds,
      // A rotated token keeps the grant's deadline: the store is told the seconds left.
      refreshTtlSeconds: deadline === undefined ? state.settings.refreshTtlSeconds : Math.max(1, Math.ceil((deadline - now.getTime()) / 1000)),
      now,
    });
    if (!used.ok) return refreshTokenInvalid(now);
    if (used.refreshToken !== undefined) {
      state.refreshGrants.delete(refreshToken);
      state.refreshGrants.set(used.refreshToken, grantId);
    }
    // Without rotation TikTok still returns the (same) refresh token.
    const answer = { accessToken: used.accessToken, refreshToken: used.refreshToken ?? refreshToken, grantId };
    return tokenAnswer(state, answer, used.grant.accountId, used.grant.scopes, now);
  }

  if (grantType === 'client_credentials') {
    const issued = state.clientTokens.issueTokens(
      { accountId: state.app.clientId, clientId: state.app.clientId, scopes: [] },
      { accessTtlSeconds: state.settings.clientTokenTtlSeconds, now },
    );
    return { status: 200, body: { access_token: issued.accessToken, expires_in: state.settings.clientTokenTtlSeconds, token_type: 'Bearer' } };
  }

  return oauthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.', now);
};

/** POST open.tiktokapis.com/v2/oauth/revoke/: ends the grant behind the token; an empty body on success. */
export const revokeEndpoint = (state: TiktokOAuthState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const read = readClientForm(state, req, now);
  if ('error' in read) return read.error;
  const token = read.form.get('token');
  if (!token) return oauthError(400, 'invalid_request', 'The request parameters are malformed.', now);
  const check = state.store.checkAccess(token, now);
  if (!check.ok) return oauthError(400, 'invalid_grant', 'Access token is invalid or expired.', now);
  state.store.revoke(token);
  return { status: 200 };
};
