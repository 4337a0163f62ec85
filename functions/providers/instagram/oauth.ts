/**
 * Instagram OAuth in both variants.
 *
 * Instagram Login (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login):
 * the code is exchanged on api.instagram.com with the credentials in the form body for a one-hour
 * token, which graph.instagram.com exchanges (`ig_exchange_token`) for a 60-day token. There is no
 * refresh token: `ig_refresh_token` re-issues the long-lived token itself, once it is a day old.
 * There is no revoke endpoint.
 *
 * Facebook Login: see `meta-graph/oauth.ts`.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import { INSTAGRAM_GRAPH } from '../meta-graph/constants';
import {
  completeFacebookLogin,
  exchangeLongLivedFacebookToken,
  facebookDialogUrl,
  revokeFacebookGrant,
  splitScopes,
  tokenAnswerSchema,
  userTokenSet,
} from '../meta-graph/oauth';
import type { TokenSet } from '../../core/model/tokens';
import { ProviderError, type OAuthClient, type ProviderDeps } from '../types';
import { instagramManifest } from './manifest';
import { facebookLoginScopes, requestedVariant, variantOf } from './variants';

const DAY_MS = 86_400_000;

const permissionsSchema = z.union([z.string(), z.array(z.string())]).optional();
const shortTokenSchema = z.object({
  access_token: z.string().min(1),
  user_id: z.union([z.string(), z.number()]).optional(),
  permissions: permissionsSchema,
});
/** Documented wrapped in `data[]`; older answers (and several real clients) see it flat. */
const codeExchangeSchema = z.union([z.object({ data: z.array(shortTokenSchema).min(1) }), shortTokenSchema]);

/** Instagram appends `#_` to the code in its redirect; it is not part of the code. */
export const stripCodeFragment = (code: string): string => code.replace(/#_?$/, '');

const scopesOf = (permissions: z.infer<typeof permissionsSchema>): string[] =>
  Array.isArray(permissions) ? permissions : splitScopes(permissions);

/** Instagram's OAuth client over the one HTTP client. */
export const createInstagramOAuth = (deps: ProviderDeps, ctx: CallContext): OAuthClient => ({
  /** https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login#step-1--get-authorization */
  authorizeUrl(input) {
    if (requestedVariant(input.variant) === 'facebook_login') {
      return facebookDialogUrl({
        clientId: input.credentials.clientId,
        redirectUri: input.redirectUri,
        state: input.state,
        scopes: facebookLoginScopes(input.scopes),
      });
    }
    const url = new URL(instagramManifest.oauth.authorizeUrl);
    url.searchParams.set('client_id', input.credentials.clientId);
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', input.scopes.join(instagramManifest.oauth.scopeSeparator));
    url.searchParams.set('state', input.state);
    return url.toString();
  },

  async exchangeCode(input) {
    const now = deps.now();
    const variant = requestedVariant(input.variant);
    const code = stripCodeFragment(input.code);
    if (variant === 'facebook_login') {
      return completeFacebookLogin(ctx, { ...input, code, now, extra: { variant } });
    }
    // https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login#step-2--exchange-the-code-for-a-token
    const answer = await callJson(
      ctx,
      {
        method: 'POST',
        url: instagramManifest.oauth.tokenUrl,
        form: {
          client_id: input.credentials.clientId,
          client_secret: input.credentials.clientSecret,
          grant_type: 'authorization_code',
          redirect_uri: input.redirectUri,
          code,
        },
      },
      codeExchangeSchema,
    );
    const short = 'data' in answer ? answer.data[0]! : answer;
    // https://developers.facebook.com/docs/instagram-platform/reference/access_token
    const long = await callJson(
      ctx,
      {
        method: 'GET',
        url: `${INSTAGRAM_GRAPH}/access_token`,
        query: { grant_type: 'ig_exchange_token', client_secret: input.credentials.clientSecret, access_token: short.access_token },
      },
      tokenAnswerSchema,
    );
    const extra = { variant, ...(short.user_id !== undefined && { userId: String(short.user_id) }) };
    return userTokenSet(long, now, scopesOf(short.permissions), extra);
  },

  async refresh({ tokens, credentials }): Promise<TokenSet> {
    const now = deps.now();
    if (variantOf(tokens) === 'facebook_login') {
      const answer = await exchangeLongLivedFacebookToken(ctx, { accessToken: tokens.accessToken, credentials });
      return userTokenSet(answer, now, tokens.scopes, tokens.extra);
    }
    // Instagram refuses tokens younger than a day; asking would only spend a call.
    if (now.getTime() - Date.parse(tokens.obtainedAt) < DAY_MS) {
      throw new ProviderError('instagram', {
        kind: 'invalid_request',
        code: 'token_too_new',
        message: 'Instagram Login tokens can be refreshed only once they are 24 hours old',
      });
    }
    // https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token
    const answer = await callJson(
      ctx,
      {
        method: 'GET',
        url: `${INSTAGRAM_GRAPH}/refresh_access_token`,
        query: { grant_type: 'ig_refresh_token', access_token: tokens.accessToken },
      },
      tokenAnswerSchema,
    );
    return userTokenSet(answer, now, tokens.scopes, tokens.extra);
  },

  async revoke({ tokens, credentials }) {
    if (variantOf(tokens) === 'instagram_login') {
      return { revoked: false, reason: 'Instagram Login grants are removed by the user in Instagram settings' };
    }
    return revokeFacebookGrant(ctx, { userToken: tokens.accessToken, credentials });
  },
});
