/**
 * The fake X OAuth 2.0 endpoints: the consent page at x.com/i/oauth2/authorize, and
 * api.x.com/2/oauth2/token and /revoke with HTTP Basic client authentication.
 * https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
 * https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
 */
import { consent, type FakeAppOptions, type FakeContext, type FakeRequest, type FakeResponse } from '../framework';
import type { FakeOAuthStore } from '../oauth-store';
import type { XFakeAccount } from './accounts';
import { missingAuthHeader, missingParameter, oauthError, tokenInvalid } from './responses';

/** Scopes X documents for OAuth 2.0 user tokens. */
export const X_SCOPES = new Set([
  'tweet.read', 'tweet.write', 'tweet.moderate.write', 'users.email', 'users.read', 'follows.read', 'follows.write',
  'offline.access', 'space.read', 'mute.read', 'mute.write', 'like.read', 'like.write', 'list.read', 'list.write',
  'block.read', 'block.write', 'bookmark.read', 'bookmark.write', 'dm.read', 'dm.write', 'media.write',
]);

export interface XOAuthSettings {
  /** Authorization codes work for 30 seconds. */
  readonly codeTtlSeconds: number;
  /** Access tokens: 2 hours. */
  readonly accessTtlSeconds: number;
  /** Refresh tokens: single-use; their idle lifetime is not documented (about six months is observed). */
  readonly refreshTtlSeconds: number;
}

export const DEFAULT_OAUTH_SETTINGS: XOAuthSettings = { codeTtlSeconds: 30, accessTtlSeconds: 7200, refreshTtlSeconds: 180 * 86_400 };

export interface XOAuthState {
  readonly app: FakeAppOptions;
  readonly store: FakeOAuthStore;
  readonly settings: XOAuthSettings;
  accountByName(name: string): XFakeAccount;
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
 * GET x.com/i/oauth2/authorize. Bad client or redirect URI: an error page (never a redirect to an
 * unverified address); other mistakes go back to the redirect URI as `error=…`.
 */
export const authorizePage = (state: XOAuthState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const q = req.query;
  if (q.get('client_id') !== state.app.clientId) return errorPage('You weren’t able to give access to the App: unknown client_id.');
  const redirectUri = q.get('redirect_uri') ?? '';
  try {
    new URL(redirectUri);
  } catch {
    return errorPage('You weren’t able to give access to the App: invalid redirect_uri.');
  }
  const stateParam = q.get('state') ?? '';
  const back = (error: string, description: string): FakeResponse => ({
    status: 302,
    headers: { location: withParams(redirectUri, { error, error_description: description, ...(stateParam && { state: stateParam }) }) },
  });
  if (q.get('response_type') !== 'code') return back('unsupported_response_type', 'response_type must be code');
  if (!stateParam || stateParam.length > 500) return back('invalid_request', 'state is required (up to 500 characters)');
  const challenge = q.get('code_challenge');
  const method = q.get('code_challenge_method') ?? 'plain';
  if (!challenge) return back('invalid_request', 'code_challenge is required');
  if (method !== 'S256' && method !== 'plain') return back('invalid_request', 'code_challenge_method must be S256 or plain');
  const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0 || scopes.some((s) => !X_SCOPES.has(s))) return back('invalid_scope', 'scope is missing or unknown');

  const account = state.accountByName(q.get('fake_account') || 'reach_demo');
  const code = state.store.issueCode({
    accountId: account.id,
    clientId: state.app.clientId,
    scopes,
    redirectUri,
    codeChallenge: challenge,
    codeChallengeMethod: method,
    ttlSeconds: state.settings.codeTtlSeconds,
    now: ctx.now(),
  });
  return consent(req, ctx, {
    platform: 'X',
    account: `@${account.username}`,
    scopes,
    approveUrl: withParams(redirectUri, { state: stateParam, code }),
    denyUrl: withParams(redirectUri, { error: 'access_denied', state: stateParam }),
  });
};

/** True when the request carries the app's own credentials as HTTP Basic. */
const hasClientAuth = (state: XOAuthState, req: FakeRequest): boolean => {
  const m = /^Basic\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i > 0 && decoded.slice(0, i) === state.app.clientId && decoded.slice(i + 1) === state.app.clientSecret;
};

const tokenAnswer = (accessToken: string, refreshToken: string | undefined, scopes: readonly string[], ttl: number): FakeResponse => ({
  status: 200,
  body: {
    token_type: 'bearer',
    expires_in: ttl,
    access_token: accessToken,
    scope: scopes.join(' '),
    ...(refreshToken !== undefined && { refresh_token: refreshToken }),
  },
});

/** POST api.x.com/2/oauth2/token: authorization_code and refresh_token grants. */
export const tokenEndpoint = (state: XOAuthState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  // Reach is a confidential client: without valid Basic credentials X refuses, whatever the body says.
  if (!hasClientAuth(state, req)) return missingAuthHeader();
  const form = req.form();
  const now = ctx.now();
  const grantType = form.get('grant_type');
  if (!grantType) return missingParameter('grant_type');

  if (grantType === 'authorization_code') {
    for (const p of ['code', 'redirect_uri', 'code_verifier']) if (!form.get(p)) return missingParameter(p);
    const redeemed = state.store.redeemCode(form.get('code')!, {
      clientId: state.app.clientId,
      redirectUri: form.get('redirect_uri')!,
      codeVerifier: form.get('code_verifier')!,
      now,
    });
    if (!redeemed.ok) {
      switch (redeemed.reason) {
        case 'pkce_mismatch':
          return oauthError(400, 'invalid_request', 'Value passed for the code verifier did not match the code challenge.');
        case 'redirect_mismatch':
          return oauthError(400, 'invalid_request', 'Value passed for the redirect uri did not match the uri of the authorization code.');
        default:
          return oauthError(400, 'invalid_request', 'Value passed for the authorization code was invalid.');
      }
    }
    const offline = redeemed.grant.scopes.includes('offline.access');
    const issued = state.store.issueTokens(redeemed.grant, {
      accessTtlSeconds: state.settings.accessTtlSeconds,
      ...(offline && { refreshTtlSeconds: state.settings.refreshTtlSeconds }),
      now,
    });
    return tokenAnswer(issued.accessToken, issued.refreshToken, redeemed.grant.scopes, state.settings.accessTtlSeconds);
  }

  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token');
    if (!refreshToken) return missingParameter('refresh_token');
    // Single-use: the old refresh token dies and a new one comes back.
    const used = state.store.useRefreshToken(refreshToken, {
      clientId: state.app.clientId,
      rotate: true,
      accessTtlSeconds: state.settings.accessTtlSeconds,
      refreshTtlSeconds: state.settings.refreshTtlSeconds,
      now,
    });
    if (!used.ok) return tokenInvalid();
    return tokenAnswer(used.accessToken, used.refreshToken, used.grant.scopes, state.settings.accessTtlSeconds);
  }

  return oauthError(400, 'invalid_request', 'Value passed for the grant type was invalid.');
};

/** POST api.x.com/2/oauth2/revoke: revokes the grant behind an access or refresh token. */
export const revokeEndpoint = (state: XOAuthState) => (req: FakeRequest): FakeResponse => {
  if (!hasClientAuth(state, req)) return missingAuthHeader();
  const token = req.form().get('token');
  if (!token) return missingParameter('token');
  // RFC 7009: an unknown or already revoked token is not an error.
  state.store.revoke(token);
  return { status: 200, body: { revoked: true } };
};
