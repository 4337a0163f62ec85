/**
 * X OAuth 2.0: authorization code with PKCE (mandatory), confidential client with HTTP Basic,
 * 2-hour access tokens, single-use refresh tokens (each refresh rotates), revocation.
 * https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
 */
import { callJson, type CallContext } from '../http';
import type { AppCredentials, TokenSet } from '../../core/model/tokens';
import type { AuthorizeInput, OAuthClient, RevokeOutcome } from '../types';
import { ProviderError } from '../types';
import { X_AUTHORIZE_URL, X_MAX_STATE_LENGTH, X_REVOKE_URL, X_TOKEN_URL } from './manifest';
import { revokeAnswerSchema, tokenAnswerSchema, type TokenAnswer } from './schemas';

/** `Authorization: Basic base64(client_id:client_secret)`, as X's confidential clients send it. */
export const basicAuth = (credentials: AppCredentials): string =>
  `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64')}`;

/**
 * The consent URL. Parameters are percent-encoded with `%20` between scopes, as X's examples do
 * (a `+` for a space is not what the docs show, so it is not relied on).
 * https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code#authorize-url
 */
export const buildAuthorizeUrl = (input: AuthorizeInput): string => {
  if (input.state.length > X_MAX_STATE_LENGTH) {
    throw new ProviderError('x', { kind: 'invalid_request', code: 'state_too_long', message: `X accepts a state of at most ${X_MAX_STATE_LENGTH} characters` });
  }
  const params: [string, string][] = [
    ['response_type', 'code'],
    ['client_id', input.credentials.clientId],
    ['redirect_uri', input.redirectUri],
    ['scope', input.scopes.join(' ')],
    ['state', input.state],
    ['code_challenge', input.codeChallenge],
    ['code_challenge_method', 'S256'],
  ];
  return `${X_AUTHORIZE_URL}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
};

/** Turns a token answer into a `TokenSet`; `previous` supplies what the answer leaves out. */
export const toTokenSet = (answer: TokenAnswer, now: Date, previous?: TokenSet): TokenSet => {
  const scopes = answer.scope ? answer.scope.split(' ').filter(Boolean) : (previous?.scopes ?? []);
  const refreshToken = answer.refresh_token ?? previous?.refreshToken;
  return {
    accessToken: answer.access_token,
    ...(refreshToken !== undefined && { refreshToken }),
    tokenType: answer.token_type ?? 'bearer',
    ...(answer.expires_in !== undefined && { expiresAt: new Date(now.getTime() + answer.expires_in * 1000).toISOString() }),
    scopes,
    obtainedAt: now.toISOString(),
  };
};

export const createXOAuth = (ctx: CallContext, now: () => Date): OAuthClient => ({
  authorizeUrl: buildAuthorizeUrl,

  /**
   * POST /2/oauth2/token (grant_type=authorization_code); X has no long-lived upgrade, refresh does
   * that job. https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (step 3)
   */
  async exchangeCode(input) {
    const answer = await callJson(
      ctx,
      {
        method: 'POST',
        url: X_TOKEN_URL,
        headers: { authorization: basicAuth(input.credentials) },
        form: { code: input.code, grant_type: 'authorization_code', redirect_uri: input.redirectUri, code_verifier: input.codeVerifier },
      },
      tokenAnswerSchema,
    );
    return toTokenSet(answer, now());
  },

  /**
   * POST /2/oauth2/token (grant_type=refresh_token). X rotates: the answer carries a new refresh
   * token and the old one stops working; should an answer ever lack one, the old one is kept.
   * https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (step 5)
   */
  async refresh(input) {
    const refreshToken = input.tokens.refreshToken;
    if (!refreshToken) {
      throw new ProviderError('x', {
        kind: 'auth_expired',
        code: 'no_refresh_token',
        message: 'this X grant has no refresh token (offline.access was not granted)',
      });
    }
    const answer = await callJson(
      ctx,
      {
        method: 'POST',
        url: X_TOKEN_URL,
        headers: { authorization: basicAuth(input.credentials) },
        form: { refresh_token: refreshToken, grant_type: 'refresh_token' },
      },
      tokenAnswerSchema,
    );
    return toTokenSet(answer, now(), input.tokens);
  },

  /**
   * POST /2/oauth2/revoke for the refresh token (which ends the offline grant) and the access
   * token. https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (step 6)
   */
  async revoke(input): Promise<RevokeOutcome> {
    const targets: [string, 'refresh_token' | 'access_token'][] = [];
    if (input.tokens.refreshToken) targets.push([input.tokens.refreshToken, 'refresh_token']);
    targets.push([input.tokens.accessToken, 'access_token']);
    for (const [token, hint] of targets) {
      const answer = await callJson(
        ctx,
        {
          method: 'POST',
          url: X_REVOKE_URL,
          headers: { authorization: basicAuth(input.credentials) },
          form: { token, token_type_hint: hint },
        },
        revokeAnswerSchema,
      );
      if (!answer.revoked) return { revoked: false, reason: `X did not revoke the ${hint.replace('_', ' ')}` };
    }
    return { revoked: true };
  },
});
