/**
 * Facebook Login, as documented (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow,
 * …/guides/access-tokens/get-long-lived, …/guides/permissions/request-revoke):
 * - `GET www.facebook.com/{version}/dialog/oauth` → redirect `?code=…&state=…[&granted_scopes=…]#_=_`;
 * - `GET graph.facebook.com/{version}/oauth/access_token` with `client_id, client_secret,
 *   redirect_uri, code` (a short-lived user token) or `grant_type=fb_exchange_token` (long-lived);
 * - `DELETE graph.facebook.com/{version}/{user-id}/permissions` → `{success:true}`.
 * Error bodies are the ones Graph answers for a wrong app id (101), secret (1), and code (100 with
 * subcodes 36007 expired, 36008 redirect mismatch, 36009 already used).
 */
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import { redirectWith, runConsent } from './consent';
import { fbSubject, graphRoute, GraphFailure, type GraphCall } from './graph-call';
import { graphError, tokenError } from './responses';
import type { MetaFakeState } from './state';

/** Permissions the dialog knows; anything else is "Invalid Scopes". */
export const FACEBOOK_LOGIN_SCOPES = new Set([
  'public_profile',
  'email',
  'pages_show_list',
  'pages_read_engagement',
  'pages_manage_posts',
  'pages_manage_metadata',
  'pages_read_user_content',
  'read_insights',
  'business_management',
  'instagram_basic',
  'instagram_content_publish',
  'instagram_manage_insights',
  'instagram_manage_comments',
  'instagram_manage_messages',
  'ads_read',
  'ads_management',
]);

const htmlError = (status: number, text: string): FakeResponse => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html><body><h1>Facebook (local fake)</h1><p>${text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p></body></html>`,
});

const dialog = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const q = req.query;
  if (q.get('client_id') !== state.app.clientId) return htmlError(400, 'Invalid App ID: The provided app ID does not look like a valid app ID.');
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri || !URL.canParse(redirectUri)) return htmlError(400, "URL Blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.");
  const responseTypes = (q.get('response_type') ?? 'code').split(/[\s,]+/).filter(Boolean);
  if (!responseTypes.includes('code')) return htmlError(400, 'The fake supports response_type=code (optionally with granted_scopes) only.');
  const scopes = (q.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
  const invalid = scopes.filter((s) => !FACEBOOK_LOGIN_SCOPES.has(s));
  if (invalid.length > 0) return htmlError(400, `Invalid Scopes: ${invalid.join(', ')}. This message is only shown to developers.`);
  const granted = [...new Set(['public_profile', ...scopes])];
  const stateParam = q.get('state');
  const withState = (params: Record<string, string>) => (stateParam === null ? params : { ...params, state: stateParam });
  const challenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method') ?? (challenge ? 'plain' : undefined);
  return runConsent(req, ctx, {
    platform: 'Facebook',
    scopes: granted,
    approve: (account) => {
      state.world.person(account);
      const code = state.fb.issueCode({
        accountId: account,
        clientId: state.app.clientId,
        scopes: granted,
        redirectUri,
        ...(challenge !== undefined && { codeChallenge: challenge }),
        ...(method !== undefined && { codeChallengeMethod: method }),
        ttlSeconds: state.options.fbCodeTtlSeconds,
        now: ctx.now(),
      });
      const params: Record<string, string> = { code, ...(responseTypes.includes('granted_scopes') && { granted_scopes: granted.join(',') }) };
      return redirectWith(redirectUri, withState(params), '#_=_');
    },
    denyUrl: redirectWith(
      redirectUri,
      withState({ error: 'access_denied', error_code: '200', error_description: 'Permissions error', error_reason: 'user_denied' }),
      '#_=_',
    ),
  });
};

const CODE_ERRORS = {
  unknown_code: { message: 'Invalid verification code format.', code: 100 },
  used: { message: 'This authorization code has been used.', code: 100, subcode: 36009 },
  expired: { message: 'This authorization code has expired.', code: 100, subcode: 36007 },
  redirect_mismatch: {
    message: 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
    code: 100,
    subcode: 36008,
  },
  client_mismatch: { message: 'Invalid verification code format.', code: 100 },
  pkce_mismatch: { message: 'Invalid code verifier.', code: 100 },
} as const;

const tokenAnswer = (token: string, ttl: number) => ({ status: 200, body: { access_token: token, token_type: 'bearer', expires_in: ttl } });

const accessToken = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const q = req.query;
  const now = ctx.now();
  const throttled = call.admit();
  if (throttled) return throttled;
  if (q.get('client_id') !== state.app.clientId) return graphError(400, { message: 'Error validating application. Invalid application ID.', code: 101 });
  if (q.get('client_secret') !== state.app.clientSecret) return graphError(400, { message: 'Error validating client secret.', code: 1 });
  const grantType = q.get('grant_type');

  if (grantType === 'fb_exchange_token') {
    const presented = q.get('fb_exchange_token') ?? '';
    const check = state.fb.checkAccess(presented, now);
    if (!check.ok) throw new GraphFailure(tokenError(check.reason, { now, expiredAt: state.expiries.get(presented), appId: state.app.clientId }));
    if (state.pageTokens.has(presented)) return graphError(400, { message: 'Invalid fb_exchange_token: a Page access token cannot be exchanged', code: 100 });
    const ttl = state.options.longLivedSeconds;
    const entry = state.fb.exchangeAccess(presented, { accessTtlSeconds: ttl, now });
    if (!entry) throw new GraphFailure(tokenError('unknown', { now, appId: state.app.clientId }));
    // Exchanging a token that was already long-lived is how a 60-day token is extended.
    if (state.longLived.has(presented)) state.fb.counts.refreshes += 1;
    state.noteToken(entry.token, now, ttl, true);
    return tokenAnswer(entry.token, ttl);
  }
  if (grantType !== null && grantType !== 'authorization_code') {
    return graphError(400, { message: `Invalid grant_type: '${grantType}'. Supported types: authorization_code, client_credentials, fb_exchange_token`, code: 100 });
  }

  const code = q.get('code') ?? '';
  if (state.usedCodes.has(code)) return graphError(400, CODE_ERRORS.used);
  const verifier = q.get('code_verifier');
  const result = state.fb.redeemCode(code, {
    clientId: state.app.clientId,
    redirectUri: q.get('redirect_uri') ?? '',
    ...(verifier !== null && { codeVerifier: verifier }),
    now,
  });
  if (code) state.usedCodes.add(code);
  if (!result.ok) return graphError(400, CODE_ERRORS[result.reason]);
  const ttl = state.options.fbShortLivedSeconds;
  const { accessToken: token } = state.fb.issueTokens(result.grant, { accessTtlSeconds: ttl, now });
  state.noteToken(token, now, ttl, false);
  return tokenAnswer(token, ttl);
};

const revoke = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext, call: GraphCall): FakeResponse => {
  const subject = fbSubject(state, req, ctx);
  const throttled = call.admit();
  if (throttled) return throttled;
  if (subject.kind !== 'user') return graphError(400, { message: '(#100) Tried accessing nonexisting field (permissions) on node type (Page)', code: 100 });
  const target = req.params['id'];
  if (target !== 'me' && target !== subject.person.fbUserId) {
    return graphError(400, { message: '(#200) Cannot remove permissions of another user', code: 200 });
  }
  state.fb.revoke(req.bearer() ?? '');
  return { status: 200, body: { success: true } };
};

/** The Facebook Login routes on www.facebook.com and graph.facebook.com. */
export const facebookLoginRoutes = (state: MetaFakeState): FakeRoute[] => [
  { method: 'GET', host: 'www.facebook.com', path: '/:version/dialog/oauth', handler: dialog(state) },
  { method: 'GET', host: 'www.facebook.com', path: '/dialog/oauth', handler: dialog(state) },
  graphRoute(state, 'GET', 'graph.facebook.com', '/:version/oauth/access_token', accessToken(state)),
  graphRoute(state, 'DELETE', 'graph.facebook.com', '/:version/:id/permissions', revoke(state)),
];
