/**
 * Instagram Login, as documented (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login):
 * - `GET www.instagram.com/oauth/authorize` → redirect `?code=…&state=…#_` (code: 1 h, single use);
 * - `POST api.instagram.com/oauth/access_token` (form with the credentials) → short-lived token,
 *   wrapped in `data[]` (or flat, see options); errors `{error_type, code, error_message}`;
 * - `GET graph.instagram.com/access_token?grant_type=ig_exchange_token` → 60-day token;
 * - `GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token` → a new 60-day
 *   token for one at least 24 hours old.
 */
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import { redirectWith, runConsent } from './consent';
import { graphRoute, GraphFailure } from './graph-call';
import { graphError, instagramOAuthError, tokenError } from './responses';
import type { MetaFakeState } from './state';

/** Instagram Login permissions (the names current since 27 Jan 2025). */
export const INSTAGRAM_LOGIN_SCOPES = new Set([
  'instagram_business_basic',
  'instagram_business_content_publish',
  'instagram_business_manage_insights',
  'instagram_business_manage_comments',
  'instagram_business_manage_messages',
]);

const DAY_MS = 86_400_000;
const CODE_NOT_FOUND = 'Matching code was not found or was already used';
const REDIRECT_MISMATCH = 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request';

const authorize = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const q = req.query;
  if (q.get('client_id') !== state.igApp.clientId) return instagramOAuthError(400, 'Invalid platform app');
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri || !URL.canParse(redirectUri)) return instagramOAuthError(400, 'Invalid redirect_uri');
  if (q.get('response_type') !== 'code') return instagramOAuthError(400, 'Invalid response_type: only code is supported');
  const scopes = (q.get('scope') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const invalid = scopes.filter((s) => !INSTAGRAM_LOGIN_SCOPES.has(s));
  if (invalid.length > 0) return instagramOAuthError(400, `Invalid Scopes: ${invalid.join(', ')}`);
  if (!scopes.includes('instagram_business_basic')) return instagramOAuthError(400, 'Invalid Scopes: instagram_business_basic is required');
  const stateParam = q.get('state');
  const withState = (params: Record<string, string>) => (stateParam === null ? params : { ...params, state: stateParam });
  return runConsent(req, ctx, {
    platform: 'Instagram',
    scopes,
    approve: (account) => {
      state.world.person(account);
      const code = state.ig.issueCode({
        accountId: account,
        clientId: state.igApp.clientId,
        scopes,
        redirectUri,
        ttlSeconds: state.options.igCodeTtlSeconds,
        now: ctx.now(),
      });
      // Instagram appends `#_` to the redirect; it is not part of the code.
      return redirectWith(redirectUri, withState({ code }), '#_');
    },
    denyUrl: redirectWith(
      redirectUri,
      withState({ error: 'access_denied', error_reason: 'user_denied', error_description: 'The user denied your request' }),
    ),
  });
};

const exchange = (state: MetaFakeState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const form = req.form();
  const now = ctx.now();
  if (form.get('client_id') !== state.igApp.clientId) return instagramOAuthError(400, 'Invalid platform app');
  if (form.get('client_secret') !== state.igApp.clientSecret) return instagramOAuthError(400, 'Error validating client secret.');
  if (form.get('grant_type') !== 'authorization_code') return instagramOAuthError(400, 'Invalid grant_type: only authorization_code is supported');
  const code = form.get('code') ?? '';
  if (state.usedCodes.has(code)) return instagramOAuthError(400, CODE_NOT_FOUND);
  const result = state.ig.redeemCode(code, { clientId: state.igApp.clientId, redirectUri: form.get('redirect_uri') ?? '', now });
  state.usedCodes.add(code);
  if (!result.ok) return instagramOAuthError(400, result.reason === 'redirect_mismatch' ? REDIRECT_MISMATCH : CODE_NOT_FOUND);
  const person = state.world.person(result.grant.accountId);
  const { accessToken } = state.ig.issueTokens(result.grant, { accessTtlSeconds: state.options.igShortLivedSeconds, now });
  state.noteToken(accessToken, now, state.options.igShortLivedSeconds, false);
  const token = { access_token: accessToken, user_id: person.igScopedId, permissions: result.grant.scopes.join(',') };
  return { status: 200, body: state.options.igCodeExchangeShape === 'wrapped' ? { data: [token] } : token };
};

/** The Instagram token a token endpoint was given, or the Graph error to answer. */
const presentedToken = (state: MetaFakeState, req: FakeRequest, now: Date): { token: string; issuedAtMs: number } => {
  const token = req.query.get('access_token') ?? '';
  const check = state.ig.checkAccess(token, now);
  if (!check.ok) throw new GraphFailure(tokenError(check.reason, { now, expiredAt: state.expiries.get(token), appId: state.igApp.clientId }));
  return { token, issuedAtMs: check.entry.issuedAtMs };
};

const longLivedAnswer = (state: MetaFakeState, fromToken: string, now: Date): FakeResponse => {
  const ttl = state.options.longLivedSeconds;
  const entry = state.ig.exchangeAccess(fromToken, { accessTtlSeconds: ttl, now });
  if (!entry) throw new GraphFailure(tokenError('unknown', { now, appId: state.igApp.clientId }));
  state.noteToken(entry.token, now, ttl, true);
  return { status: 200, body: { access_token: entry.token, token_type: 'bearer', expires_in: ttl } };
};

/** The Instagram Login routes on www.instagram.com, api.instagram.com and graph.instagram.com. */
export const instagramLoginRoutes = (state: MetaFakeState): FakeRoute[] => [
  { method: 'GET', host: 'www.instagram.com', path: '/oauth/authorize', handler: authorize(state) },
  { method: 'POST', host: 'api.instagram.com', path: '/oauth/access_token', handler: exchange(state) },
  graphRoute(state, 'GET', 'graph.instagram.com', '/access_token', (req, ctx, call) => {
    const now = ctx.now();
    const throttled = call.admit();
    if (throttled) return throttled;
    if (req.query.get('grant_type') !== 'ig_exchange_token') return graphError(400, { message: 'Unsupported grant_type', code: 100 });
    if (req.query.get('client_secret') !== state.igApp.clientSecret) return graphError(400, { message: 'Error validating client secret.', code: 1 });
    const { token } = presentedToken(state, req, now);
    return longLivedAnswer(state, token, now);
  }),
  graphRoute(state, 'GET', 'graph.instagram.com', '/refresh_access_token', (req, ctx, call) => {
    const now = ctx.now();
    const throttled = call.admit();
    if (throttled) return throttled;
    if (req.query.get('grant_type') !== 'ig_refresh_token') return graphError(400, { message: 'Unsupported grant_type', code: 100 });
    const { token, issuedAtMs } = presentedToken(state, req, now);
    // Documented: only an unexpired long-lived token at least 24 hours old can be refreshed.
    // The error wording is the fake's own; Meta does not document it.
    if (!state.longLived.has(token) || now.getTime() - issuedAtMs < DAY_MS) {
      return graphError(400, { message: 'The access token can be refreshed only when it is a long-lived token at least 24 hours old', code: 100 });
    }
    state.ig.counts.refreshes += 1;
    return longLivedAnswer(state, token, now);
  }),
];
