/**
 * LinkedIn's 3-legged OAuth: consent URL, code exchange, programmatic refresh and revocation.
 * Client credentials always travel in the form body; LinkedIn does not take HTTP Basic.
 */
import { z } from 'zod';
import { callJson, sendClassified, type CallContext } from '../http';
import { ProviderError, type AuthorizeInput, type OAuthClient, type TokenInput } from '../types';
import type { TokenSet } from '../../core/model/tokens';
import { ORGANIZATION_SCOPES, OAUTH_BASE, linkedinManifest } from './manifest';
import { isoAfter, parseScopes } from './rest';

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  refresh_token: z.string().min(1).optional(),
  refresh_token_expires_in: z.number().int().nonnegative().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
  id_token: z.string().optional(),
});
type TokenResponse = z.infer<typeof tokenResponseSchema>;

/**
 * The consent URL (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow#step-2-request-an-authorization-code).
 * Scopes are space-delimited and percent-encoded (`%20`, as documented, not `+`); the
 * `organization` variant adds the Page scopes.
 */
export const buildAuthorizeUrl = (input: AuthorizeInput): string => {
  const scopes = [...new Set([...input.scopes, ...(input.variant === 'organization' ? ORGANIZATION_SCOPES : [])])];
  const params: Array<[string, string]> = [
    ['response_type', 'code'],
    ['client_id', input.credentials.clientId],
    ['redirect_uri', input.redirectUri],
    ['state', input.state],
    ['scope', scopes.join(linkedinManifest.oauth.scopeSeparator)],
  ];
  return `${linkedinManifest.oauth.authorizeUrl}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
};

/** Turns a token answer into a `TokenSet`; `previous` supplies what a refresh answer may leave out. */
export const toTokenSet = (res: TokenResponse, now: Date, previous?: TokenSet): TokenSet => {
  const scopes = parseScopes(res.scope);
  const refreshToken = res.refresh_token ?? previous?.refreshToken;
  const refreshTokenExpiresAt =
    res.refresh_token_expires_in !== undefined ? isoAfter(now, res.refresh_token_expires_in) : previous?.refreshTokenExpiresAt;
  return {
    accessToken: res.access_token,
    tokenType: 'Bearer',
    expiresAt: isoAfter(now, res.expires_in),
    scopes: scopes.length > 0 ? scopes : [...(previous?.scopes ?? [])],
    obtainedAt: now.toISOString(),
    ...(refreshToken !== undefined && { refreshToken }),
    ...(refreshTokenExpiresAt !== undefined && { refreshTokenExpiresAt }),
    ...(previous?.extra !== undefined && { extra: previous.extra }),
  };
};

/** Builds LinkedIn's OAuth client over the shared call context. */
export const createOAuthClient = (ctx: CallContext, now: () => Date): OAuthClient => ({
  authorizeUrl: buildAuthorizeUrl,

  /** https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow#step-3-exchange-authorization-code-for-an-access-token */
  async exchangeCode(input) {
    const res = await callJson(
      ctx,
      {
        method: 'POST',
        url: linkedinManifest.oauth.tokenUrl,
        form: {
          grant_type: 'authorization_code',
          code: input.code,
          client_id: input.credentials.clientId,
          client_secret: input.credentials.clientSecret,
          redirect_uri: input.redirectUri,
        },
      },
      tokenResponseSchema,
    );
    return toTokenSet(res, now());
  },

  /**
   * https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens#step-2-exchanging-a-refresh-token-for-a-new-access-token
   * LinkedIn answers with the same refresh token and its remaining lifetime, which keeps the
   * original expiry (365 days from consent).
   */
  async refresh(input: TokenInput) {
    const { tokens, credentials } = input;
    if (!tokens.refreshToken) {
      throw new ProviderError('linkedin', {
        kind: 'auth_expired',
        code: 'refresh_unavailable',
        message: 'LinkedIn issued no refresh token (the app is not approved for programmatic refresh tokens); the member must reconnect',
      });
    }
    const res = await callJson(
      ctx,
      {
        method: 'POST',
        url: linkedinManifest.oauth.tokenUrl,
        form: {
          grant_type: 'refresh_token',
          refresh_token: tokens.refreshToken,
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
        },
      },
      tokenResponseSchema,
    );
    return toTokenSet(res, now(), tokens);
  },

  /**
   * POST https://www.linkedin.com/oauth/v2/revoke with the token and the app's credentials
   * (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow).
   * An expired access token cannot name the grant any more, so the refresh token is sent then.
   */
  async revoke(input: TokenInput) {
    const { tokens, credentials } = input;
    const accessExpired = tokens.expiresAt !== undefined && Date.parse(tokens.expiresAt) <= now().getTime();
    const token = accessExpired && tokens.refreshToken ? tokens.refreshToken : tokens.accessToken;
    await sendClassified(ctx, {
      method: 'POST',
      url: `${OAUTH_BASE}/revoke`,
      form: { client_id: credentials.clientId, client_secret: credentials.clientSecret, token },
    });
    return { revoked: true };
  },
});
