/**
 * TikTok Login Kit v2 for web: consent at www.tiktok.com with `client_key` (not `client_id`) and
 * comma-separated scopes, no PKCE; code exchange, refresh (the refresh token rotates) and revoke
 * at open.tiktokapis.com with the client credentials in the form body.
 * https://developers.tiktok.com/doc/login-kit-web · https://developers.tiktok.com/doc/oauth-user-access-token-management
 */
import type { CallContext } from '../http';
import type { TokenSet } from '../../core/model/tokens';
import type { AuthorizeInput, OAuthClient, RevokeOutcome, TokenInput } from '../types';
import { ProviderError } from '../types';
import { TIKTOK_AUTHORIZE_URL, TIKTOK_REVOKE_URL, TIKTOK_TOKEN_URL } from './manifest';
import { postForToken, postForm } from './request';
import type { TokenAnswer } from './schemas';

/** Splits TikTok's comma-separated scope list. */
export const splitScopes = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The consent URL, with the parameters in the order of TikTok's example. Scopes are joined with
 * a literal comma (each scope encoded on its own), as the docs show them.
 * https://developers.tiktok.com/doc/login-kit-web#redirect_request_to_tiktok's_authorization_server
 */
export const buildAuthorizeUrl = (input: AuthorizeInput): string => {
  const params: [string, string][] = [
    ['client_key', encodeURIComponent(input.credentials.clientId)],
    ['scope', input.scopes.map(encodeURIComponent).join(',')],
    ['response_type', 'code'],
    ['redirect_uri', encodeURIComponent(input.redirectUri)],
    ['state', encodeURIComponent(input.state)],
  ];
  return `${TIKTOK_AUTHORIZE_URL}?${params.map(([k, v]) => `${k}=${v}`).join('&')}`;
};

const inSeconds = (now: Date, seconds: number): string => new Date(now.getTime() + seconds * 1000).toISOString();

/**
 * Turns a token answer into a `TokenSet`. Lifetimes come from the answer (TikTok's documented
 * values have changed); `previous` supplies what a refresh answer leaves out.
 */
export const toTokenSet = (answer: TokenAnswer, now: Date, previous?: TokenSet, fallbackScopes?: string): TokenSet => {
  const scopes = answer.scope !== undefined ? splitScopes(answer.scope) : previous ? [...previous.scopes] : splitScopes(fallbackScopes);
  // A rotated refresh token brings its own lifetime; a kept one keeps the old expiry.
  const rotated = answer.refresh_token !== undefined;
  const refreshToken = answer.refresh_token ?? previous?.refreshToken;
  const refreshTokenExpiresAt =
    rotated && answer.refresh_expires_in !== undefined ? inSeconds(now, answer.refresh_expires_in) : rotated ? undefined : previous?.refreshTokenExpiresAt;
  return {
    accessToken: answer.access_token,
    ...(refreshToken !== undefined && { refreshToken }),
    tokenType: answer.token_type ?? 'Bearer',
    expiresAt: inSeconds(now, answer.expires_in),
    ...(refreshTokenExpiresAt !== undefined && { refreshTokenExpiresAt }),
    scopes,
    obtainedAt: now.toISOString(),
  };
};

/**
 * POST /v2/oauth/token/ with grant_type=refresh_token.
 * https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token
 */
const refreshTokens = async (ctx: CallContext, input: TokenInput, now: () => Date): Promise<TokenSet> => {
  const refreshToken = input.tokens.refreshToken;
  if (!refreshToken) {
    throw new ProviderError('tiktok', { kind: 'auth_expired', code: 'no_refresh_token', message: 'this TikTok grant has no refresh token' });
  }
  const answer = await postForToken(ctx, TIKTOK_TOKEN_URL, {
    client_key: input.credentials.clientId,
    client_secret: input.credentials.clientSecret,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });
  return toTokenSet(answer, now(), input.tokens);
};

/** Why a revoke could not be done, told to the user who disconnects. */
const ALREADY_GONE =
  'TikTok no longer accepts this grant (it expired or was removed); if Reach still shows in the TikTok app under Settings → Security → Manage app permissions, remove it there';

/** TikTok's OAuth client: consent URL, code exchange, rotating refresh, revoke. */
export const createTiktokOAuth = (ctx: CallContext, now: () => Date): OAuthClient => ({
  authorizeUrl: buildAuthorizeUrl,

  /**
   * POST /v2/oauth/token/ with grant_type=authorization_code. TikTok has no long-lived upgrade:
   * the refresh token does that job. https://developers.tiktok.com/doc/oauth-user-access-token-management
   */
  async exchangeCode(input) {
    const answer = await postForToken(ctx, TIKTOK_TOKEN_URL, {
      client_key: input.credentials.clientId,
      client_secret: input.credentials.clientSecret,
      code: input.code,
      grant_type: 'authorization_code',
      redirect_uri: input.redirectUri,
    });
    // The callback names the granted scopes too (`scopes`), should the answer ever lack `scope`.
    return toTokenSet(answer, now(), undefined, input.params['scopes']);
  },

  /** Refreshes and stores the rotated refresh token; the old one stops working at TikTok. */
  refresh: (input) => refreshTokens(ctx, input, now),

  /**
   * POST /v2/oauth/revoke/ with the access token. An expired access token is refreshed first, since
   * the endpoint takes only access tokens. https://developers.tiktok.com/docs/en/oauth-revoke-a-user-access-token
   */
  async revoke(input): Promise<RevokeOutcome> {
    try {
      const expired = input.tokens.expiresAt !== undefined && Date.parse(input.tokens.expiresAt) <= now().getTime();
      const tokens = expired && input.tokens.refreshToken ? await refreshTokens(ctx, input, now) : input.tokens;
      await postForm(ctx, TIKTOK_REVOKE_URL, {
        client_key: input.credentials.clientId,
        client_secret: input.credentials.clientSecret,
        token: tokens.accessToken,
      });
      return { revoked: true };
    } catch (err) {
      if (err instanceof ProviderError && err.failure.kind === 'auth_expired') return { revoked: false, reason: ALREADY_GONE };
      throw err;
    }
  },
});
