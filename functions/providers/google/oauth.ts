/**
 * Google's OAuth 2.0 web-server flow, written once for every Google provider
 * (https://developers.google.com/identity/protocols/oauth2/web-server).
 */
import { z } from 'zod';
import { callJson, sendClassified, type CallContext } from '../http';
import type { TokenSet } from '../../core/model/tokens';
import type { ExchangeInput, OAuthClient, ProviderDeps, ProviderFailure, ProviderId, RevokeOutcome, TokenInput } from '../types';
import { ProviderError } from '../types';
import { GOOGLE_AUTHORIZE_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL } from './manifest';

/** The token endpoint's answer to both grants; `refresh_token` only on the first (offline) one. */
export const googleTokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  // Only set when the user granted time-based access.
  refresh_token_expires_in: z.number().int().positive().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});
export type GoogleTokenAnswer = z.infer<typeof googleTokenAnswerSchema>;

const splitScopes = (scope: string | undefined): string[] | undefined => {
  const list = scope?.split(/\s+/).filter(Boolean);
  return list && list.length > 0 ? list : undefined;
};

const plus = (now: Date, seconds: number): string => new Date(now.getTime() + seconds * 1000).toISOString();

/**
 * Turns a token answer into a `TokenSet`. `previous` carries what the answer may leave out: the
 * refresh token (Google never rotates it), its expiry, the scopes and the provider's extras.
 */
export const toTokenSet = (answer: GoogleTokenAnswer, now: Date, previous?: Partial<TokenSet>): TokenSet => {
  const refreshToken = answer.refresh_token ?? previous?.refreshToken;
  const refreshTokenExpiresAt =
    answer.refresh_token_expires_in !== undefined
      ? plus(now, answer.refresh_token_expires_in)
      : answer.refresh_token === undefined
        ? previous?.refreshTokenExpiresAt
        : undefined;
  return {
    accessToken: answer.access_token,
    ...(refreshToken !== undefined && { refreshToken }),
    tokenType: answer.token_type ?? 'Bearer',
    ...(answer.expires_in !== undefined && { expiresAt: plus(now, answer.expires_in) }),
    ...(refreshTokenExpiresAt !== undefined && { refreshTokenExpiresAt }),
    scopes: splitScopes(answer.scope) ?? [...(previous?.scopes ?? [])],
    obtainedAt: now.toISOString(),
    ...(previous?.extra !== undefined && { extra: previous.extra }),
  };
};

export interface GoogleOAuthOptions {
  readonly platform: ProviderId;
  readonly deps: ProviderDeps;
  readonly classify: CallContext['classify'];
}

/** Builds the OAuth client of a Google provider: authorize, exchange, refresh and revoke. */
export const createGoogleOAuth = ({ platform, deps, classify }: GoogleOAuthOptions): Required<OAuthClient> => {
  const ctx: CallContext = { platform, http: deps.http, classify };

  return {
    /**
     * The consent URL. `access_type=offline` with `prompt=consent` makes Google return a refresh
     * token on every consent (not only the first); `include_granted_scopes` keeps scopes granted
     * earlier. https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient
     */
    authorizeUrl(input) {
      const url = new URL(GOOGLE_AUTHORIZE_URL);
      const params: Record<string, string> = {
        client_id: input.credentials.clientId,
        redirect_uri: input.redirectUri,
        response_type: 'code',
        scope: input.scopes.join(' '),
        access_type: 'offline',
        prompt: 'consent',
        include_granted_scopes: 'true',
        state: input.state,
        code_challenge: input.codeChallenge,
        code_challenge_method: 'S256',
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.toString();
    },

    /**
     * Exchanges the callback's code (with the PKCE verifier). Google's tokens need no upgrade.
     * https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
     */
    async exchangeCode(input: ExchangeInput) {
      const answer = await callJson(
        ctx,
        {
          method: 'POST',
          url: GOOGLE_TOKEN_URL,
          form: {
            grant_type: 'authorization_code',
            code: input.code,
            redirect_uri: input.redirectUri,
            client_id: input.credentials.clientId,
            client_secret: input.credentials.clientSecret,
            code_verifier: input.codeVerifier,
          },
        },
        googleTokenAnswerSchema,
      );
      // The callback's `scope` names what was granted when the answer does not.
      return toTokenSet(answer, deps.now(), { scopes: splitScopes(input.params['scope']) ?? [] });
    },

    /**
     * Gets a fresh access token. The answer has no refresh token: the old one is kept.
     * https://developers.google.com/identity/protocols/oauth2/web-server#offline
     */
    async refresh({ tokens, credentials }: TokenInput) {
      if (!tokens.refreshToken) {
        throw new ProviderError(platform, {
          kind: 'auth_expired',
          code: 'no_refresh_token',
          message: 'no refresh token is kept for this grant; the account must be connected again',
        });
      }
      const answer = await callJson(
        ctx,
        {
          method: 'POST',
          url: GOOGLE_TOKEN_URL,
          form: {
            grant_type: 'refresh_token',
            refresh_token: tokens.refreshToken,
            client_id: credentials.clientId,
            client_secret: credentials.clientSecret,
          },
        },
        googleTokenAnswerSchema,
      );
      return toTokenSet(answer, deps.now(), tokens);
    },

    /**
     * Revokes the grant. Revoking the refresh token revokes every token of the grant; the token
     * travels in the form body (Google accepts it there as in the query) to keep it out of URLs.
     * https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
     */
    async revoke({ tokens }: TokenInput): Promise<RevokeOutcome> {
      const token = tokens.refreshToken ?? tokens.accessToken;
      try {
        await sendClassified(ctx, { method: 'POST', url: GOOGLE_REVOKE_URL, form: { token } });
        return { revoked: true };
      } catch (err) {
        if (!(err instanceof ProviderError) || !isTokenAlreadyInvalid(err.failure)) throw err;
        if (tokens.refreshToken) return { revoked: true }; // The grant behind it is already gone.
        return {
          revoked: false,
          reason:
            'Google no longer accepts the expired access token for revocation and no refresh token was kept; remove access at https://myaccount.google.com/permissions',
        };
      }
    },
  };
};

/** Google answers 400 `invalid_token` ("Token expired or revoked") for a token that is already dead. */
const isTokenAlreadyInvalid = (failure: ProviderFailure): boolean => failure.code === 'invalid_token';
