/**
 * Google's OAuth endpoints as the fake serves them
 * (https://developers.google.com/identity/protocols/oauth2/web-server):
 *   GET  accounts.google.com/o/oauth2/v2/auth     consent (auto-approved by default)
 *   POST oauth2.googleapis.com/token              authorization_code and refresh_token grants
 *   POST oauth2.googleapis.com/revoke             `token` in the query or the form body
 *   GET  oauth2.googleapis.com/tokeninfo          what an access token grants
 */
import { consent, type FakeContext, type FakeRequest, type FakeResponse, type FakeRoute } from '../framework';
import type { FakeGoogleDirectory } from './accounts';
import { authorizeErrorPage, oauthError } from './errors';
import type { GoogleGrants } from './grants';

export interface GoogleOAuthRouteDeps {
  readonly clients: ReadonlyMap<string, string>;
  /** Registered redirect URIs; any http(s) URI when absent. */
  readonly redirectUris?: readonly string[];
  readonly grants: GoogleGrants;
  readonly directory: FakeGoogleDirectory;
  readonly accessTokenTtlSeconds: number;
}

export const DEFAULT_ACCOUNT = 'reach.demo';

const NO_STORE = { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' };
const SHORT_SCOPES = new Set(['openid', 'email', 'profile']);

const withParams = (base: string, params: Record<string, string | undefined>): string => {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
};

const isHttpUrl = (value: string): boolean => {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

/** The consent step: validates the request like Google, then redirects with a code or shows the page. */
const authorize = (deps: GoogleOAuthRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const q = req.query;
  const clientId = q.get('client_id');
  if (!clientId || !deps.clients.has(clientId)) return authorizeErrorPage(401, 'invalid_client', 'The OAuth client was not found.');
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri) return authorizeErrorPage(400, 'invalid_request', 'Missing required parameter: redirect_uri');
  if (!isHttpUrl(redirectUri) || (deps.redirectUris && !deps.redirectUris.includes(redirectUri))) {
    return authorizeErrorPage(400, 'redirect_uri_mismatch', `Request details: redirect_uri=${redirectUri}`);
  }
  if (q.get('response_type') !== 'code') return authorizeErrorPage(400, 'unsupported_response_type', `Invalid response_type: ${q.get('response_type') ?? ''}`);
  const requested = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
  if (requested.length === 0) return authorizeErrorPage(400, 'invalid_request', 'Missing required parameter: scope');
  const invalid = requested.filter((s) => !SHORT_SCOPES.has(s) && !s.startsWith('https://www.googleapis.com/auth/'));
  if (invalid.length > 0) return authorizeErrorPage(400, 'invalid_scope', `Some requested scopes were invalid. {invalid=[${invalid.join(', ')}]}`);
  const accessType = q.get('access_type') ?? 'online';
  if (accessType !== 'online' && accessType !== 'offline') return authorizeErrorPage(400, 'invalid_request', `Invalid access_type: ${accessType}`);
  const challenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method') ?? undefined;
  if (method !== undefined && (challenge === undefined || (method !== 'S256' && method !== 'plain'))) {
    return authorizeErrorPage(400, 'invalid_request', `Invalid code_challenge_method: ${method}`);
  }

  const loginHint = q.get('login_hint')?.split('@')[0];
  const account = deps.directory.ensure(q.get('fake_account') ?? loginHint ?? DEFAULT_ACCOUNT);
  const scopes = deps.grants.scopesFor(account.name, clientId, requested, q.get('include_granted_scopes') === 'true');
  const state = q.get('state') ?? undefined;
  const denyUrl = withParams(redirectUri, { error: 'access_denied', state });
  const decision = q.get('fake_decision');
  if (decision === 'deny') return { status: 302, headers: { location: denyUrl } };

  const approving = decision === 'approve' || ctx.consentMode() === 'auto';
  let approveUrl: string;
  if (approving) {
    const code = deps.grants.issueCode({
      accountId: account.name,
      clientId,
      scopes,
      redirectUri,
      ...(challenge !== undefined && { codeChallenge: challenge, codeChallengeMethod: method ?? 'plain' }),
      offline: accessType === 'offline',
      forceConsent: (q.get('prompt') ?? '').split(/\s+/).includes('consent'),
      now: ctx.now(),
    });
    approveUrl = withParams(redirectUri, {
      state,
      iss: 'https://accounts.google.com',
      code,
      scope: scopes.join(' '),
      authuser: '0',
      prompt: 'consent',
    });
  } else {
    approveUrl = withParams(`${ctx.baseUrl()}/accounts.google.com/o/oauth2/v2/auth?${q.toString()}`, { fake_decision: 'approve' });
  }
  return consent(req, ctx, { platform: 'Google', account: account.email, scopes, approveUrl, denyUrl });
};

/** Client credentials from the form body or an HTTP Basic header (both accepted by Google). */
const clientOf = (req: FakeRequest, form: URLSearchParams): { id?: string; secret?: string } => {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
  if (basic?.[1]) {
    const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return { ...(id && { id: decodeURIComponent(id) }), ...(secret !== undefined && { secret: decodeURIComponent(secret) }) };
  }
  return { ...(form.get('client_id') && { id: form.get('client_id')! }), ...(form.get('client_secret') !== null && { secret: form.get('client_secret')! }) };
};

const paramsOf = (req: FakeRequest): URLSearchParams => {
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    const json = req.json();
    const out = new URLSearchParams();
    if (json && typeof json === 'object') for (const [k, v] of Object.entries(json)) if (typeof v === 'string') out.set(k, v);
    return out;
  }
  return req.form();
};

/** The token endpoint: both grants, with Google's answers and error bodies. */
const token = (deps: GoogleOAuthRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const form = paramsOf(req);
  const client = clientOf(req, form);
  if (!client.id || !deps.clients.has(client.id)) return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
  if (deps.clients.get(client.id) !== client.secret) return oauthError(401, 'invalid_client', 'Unauthorized');
  const grantType = form.get('grant_type');
  const now = ctx.now();

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (!code) return oauthError(400, 'invalid_request', 'Missing required parameter: code');
    const redirectUri = form.get('redirect_uri');
    if (!redirectUri) return oauthError(400, 'invalid_request', 'Missing parameter: redirect_uri');
    const verifier = form.get('code_verifier');
    const result = deps.grants.redeem(code, { clientId: client.id, redirectUri, ...(verifier && { codeVerifier: verifier }), now });
    if (!result.ok) return oauthError(result.error === 'unauthorized_client' ? 401 : 400, result.error, result.description);
    return {
      status: 200,
      headers: NO_STORE,
      body: {
        access_token: result.accessToken,
        expires_in: deps.accessTokenTtlSeconds,
        ...(result.refreshToken !== undefined && { refresh_token: result.refreshToken }),
        scope: result.scopes.join(' '),
        token_type: 'Bearer',
      },
    };
  }
  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token');
    if (!refreshToken) return oauthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    const result = deps.grants.refresh(refreshToken, client.id, now);
    if (!result.ok) {
      return result.reason === 'client_mismatch'
        ? oauthError(401, 'unauthorized_client', 'Unauthorized')
        : oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    return {
      status: 200,
      headers: NO_STORE,
      body: { access_token: result.accessToken, expires_in: deps.accessTokenTtlSeconds, scope: result.grant.scopes.join(' '), token_type: 'Bearer' },
    };
  }
  if (!grantType) return oauthError(400, 'unsupported_grant_type', 'Invalid grant_type: ');
  return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
};

/** Revocation: 200 for a live token (the whole grant goes), 400 invalid_token otherwise. */
const revoke = (deps: GoogleOAuthRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const value = req.query.get('token') ?? paramsOf(req).get('token');
  if (!value) return oauthError(400, 'invalid_request', 'Missing required parameter: token');
  if (!deps.grants.revoke(value, ctx.now())) return oauthError(400, 'invalid_token', 'Token expired or revoked');
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: {} };
};

/** What an access token grants; numbers as strings, as Google answers them. */
const tokenInfo = (deps: GoogleOAuthRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const value = req.query.get('access_token') ?? paramsOf(req).get('access_token');
  const now = ctx.now();
  const check = deps.grants.store.checkAccess(value ?? undefined, now);
  if (!check.ok) return { status: 400, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: { error: 'invalid_token', error_description: 'Invalid Value' } };
  const account = deps.directory.get(check.entry.accountId);
  const expiresAt = check.entry.expiresAtMs ?? now.getTime();
  const wantsEmail = check.entry.scopes.some((s) => s === 'email' || s.endsWith('/userinfo.email'));
  return {
    status: 200,
    body: {
      azp: check.entry.clientId,
      aud: check.entry.clientId,
      ...(account && { sub: account.sub }),
      scope: check.entry.scopes.join(' '),
      exp: String(Math.floor(expiresAt / 1000)),
      expires_in: String(Math.max(0, Math.floor((expiresAt - now.getTime()) / 1000))),
      ...(wantsEmail && account && { email: account.email, email_verified: 'true' }),
    },
  };
};

/** Every OAuth route of the Google fake. */
export const googleOAuthRoutes = (deps: GoogleOAuthRouteDeps): FakeRoute[] => [
  { method: 'GET', host: 'accounts.google.com', path: '/o/oauth2/v2/auth', handler: authorize(deps) },
  { method: 'POST', host: 'oauth2.googleapis.com', path: '/token', handler: token(deps) },
  { method: 'POST', host: 'oauth2.googleapis.com', path: '/revoke', handler: revoke(deps) },
  { method: 'GET', host: 'oauth2.googleapis.com', path: '/tokeninfo', handler: tokenInfo(deps) },
  { method: 'POST', host: 'oauth2.googleapis.com', path: '/tokeninfo', handler: tokenInfo(deps) },
];
