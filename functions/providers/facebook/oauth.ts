/**
 * Facebook Login for Pages (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow).
 *
 * A connection's token set is usually a Page's: its `accessToken` is the Page token and
 * `extra.userToken` the long-lived user token it was derived from. Refreshing re-exchanges that
 * user token (`fb_exchange_token`); the Page token stays as it is. Revoking removes the user's
 * whole grant.
 */
import type { CallContext } from '../http';
import {
  completeFacebookLogin,
  exchangeLongLivedFacebookToken,
  expiresAtFrom,
  facebookDialogUrl,
  revokeFacebookGrant,
  userTokenSet,
} from '../meta-graph/oauth';
import type { TokenSet } from '../../core/model/tokens';
import type { OAuthClient, ProviderDeps } from '../types';

/** The user token behind a token set: its own access token, or the Page's `extra.userToken`. */
export const userTokenOf = (tokens: TokenSet): string => tokens.extra?.['userToken'] ?? tokens.accessToken;

/** Facebook's OAuth client over the one HTTP client. */
export const createFacebookOAuth = (deps: ProviderDeps, ctx: CallContext): OAuthClient => ({
  authorizeUrl: (input) =>
    facebookDialogUrl({ clientId: input.credentials.clientId, redirectUri: input.redirectUri, state: input.state, scopes: input.scopes }),

  exchangeCode: (input) => completeFacebookLogin(ctx, { ...input, now: deps.now() }),

  /** https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived */
  async refresh({ tokens, credentials }): Promise<TokenSet> {
    const now = deps.now();
    const answer = await exchangeLongLivedFacebookToken(ctx, { accessToken: userTokenOf(tokens), credentials });
    if (tokens.extra?.['userToken'] === undefined) return userTokenSet(answer, now, tokens.scopes, tokens.extra);
    const userTokenExpiresAt = expiresAtFrom(now, answer.expires_in);
    const { userTokenExpiresAt: _old, ...kept } = tokens.extra;
    return {
      ...tokens,
      obtainedAt: now.toISOString(),
      extra: { ...kept, userToken: answer.access_token, ...(userTokenExpiresAt !== undefined && { userTokenExpiresAt }) },
    };
  },

  revoke: ({ tokens, credentials }) => revokeFacebookGrant(ctx, { userToken: userTokenOf(tokens), credentials }),
});
