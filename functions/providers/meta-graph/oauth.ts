/**
 * Facebook Login, shared by the Facebook provider and Instagram's `facebook_login` variant
 * (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow,
 * https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
 *
 * The code becomes a user token, which is at once exchanged for a long-lived one (about 60 days).
 * Meta issues no refresh token: a long-lived token is extended by exchanging it again with
 * `fb_exchange_token` while it is still valid.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import type { AppCredentials, TokenSet } from '../../core/model/tokens';
import type { RevokeOutcome } from '../types';
import { FACEBOOK_DIALOG_URL, FACEBOOK_GRAPH, FACEBOOK_TOKEN_URL, graphUrl } from './constants';
import { appSecretProof } from './request';

/** `{access_token, token_type, expires_in}`; `expires_in` is left out for tokens that do not expire. */
export const tokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswerSchema>;

/** ISO expiry `expiresIn` seconds after `now`, or undefined when the answer gave no lifetime. */
export const expiresAtFrom = (now: Date, expiresIn: number | undefined): string | undefined =>
  expiresIn === undefined || expiresIn <= 0 ? undefined : new Date(now.getTime() + expiresIn * 1000).toISOString();

/** Splits a comma-separated permission list (Meta's separator), dropping blanks. */
export const splitScopes = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export interface DialogInput {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly scopes: readonly string[];
}

/**
 * The Facebook Login dialog. `response_type=code granted_scopes` makes the redirect carry the
 * permissions the person actually granted, since the code exchange does not report them.
 */
export const facebookDialogUrl = (input: DialogInput): string => {
  const url = new URL(FACEBOOK_DIALOG_URL);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', input.state);
  url.searchParams.set('response_type', 'code granted_scopes');
  url.searchParams.set('scope', input.scopes.join(','));
  return url.toString();
};

/**
 * Exchanges the dialog's code for a (short-lived) user token; credentials go in the query
 * (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#exchangecode).
 */
export const exchangeFacebookCode = (
  ctx: CallContext,
  input: { readonly code: string; readonly redirectUri: string; readonly credentials: AppCredentials },
): Promise<TokenAnswer> =>
  callJson(
    ctx,
    {
      method: 'GET',
      url: FACEBOOK_TOKEN_URL,
      query: {
        client_id: input.credentials.clientId,
        client_secret: input.credentials.clientSecret,
        redirect_uri: input.redirectUri,
        code: input.code,
      },
    },
    tokenAnswerSchema,
  );

/**
 * Exchanges a valid user token (short- or long-lived) for a fresh long-lived one
 * (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
 */
export const exchangeLongLivedFacebookToken = (
  ctx: CallContext,
  input: { readonly accessToken: string; readonly credentials: AppCredentials },
): Promise<TokenAnswer> =>
  callJson(
    ctx,
    {
      method: 'GET',
      url: FACEBOOK_TOKEN_URL,
      query: {
        grant_type: 'fb_exchange_token',
        client_id: input.credentials.clientId,
        client_secret: input.credentials.clientSecret,
        fb_exchange_token: input.accessToken,
      },
    },
    tokenAnswerSchema,
  );

/**
 * The whole Facebook Login exchange: code → user token → long-lived user token, as a token set.
 * `granted_scopes` comes from the callback's query (see `facebookDialogUrl`).
 */
export const completeFacebookLogin = async (
  ctx: CallContext,
  input: {
    readonly code: string;
    readonly redirectUri: string;
    readonly credentials: AppCredentials;
    readonly params: Readonly<Record<string, string>>;
    readonly now: Date;
    readonly extra?: Readonly<Record<string, string>>;
  },
): Promise<TokenSet> => {
  const short = await exchangeFacebookCode(ctx, input);
  const long = await exchangeLongLivedFacebookToken(ctx, { accessToken: short.access_token, credentials: input.credentials });
  return userTokenSet(long, input.now, splitScopes(input.params['granted_scopes']), input.extra);
};

/** A token set for a Facebook user token answer. */
export const userTokenSet = (
  answer: TokenAnswer,
  now: Date,
  scopes: readonly string[],
  extra?: Readonly<Record<string, string>>,
): TokenSet => {
  const expiresAt = expiresAtFrom(now, answer.expires_in);
  return {
    accessToken: answer.access_token,
    tokenType: answer.token_type ?? 'bearer',
    ...(expiresAt !== undefined && { expiresAt }),
    scopes,
    obtainedAt: now.toISOString(),
    ...(extra !== undefined && Object.keys(extra).length > 0 && { extra }),
  };
};

const revokeAnswerSchema = z.object({ success: z.boolean() });

/**
 * Removes every permission the person granted the app: `DELETE /me/permissions` with the user
 * token (https://developers.facebook.com/docs/facebook-login/guides/permissions/request-revoke).
 */
export const revokeFacebookGrant = async (
  ctx: CallContext,
  input: { readonly userToken: string; readonly credentials: AppCredentials },
): Promise<RevokeOutcome> => {
  const answer = await callJson(
    ctx,
    {
      method: 'DELETE',
      url: graphUrl(FACEBOOK_GRAPH, '/me/permissions'),
      query: { appsecret_proof: appSecretProof(input.userToken, input.credentials.clientSecret) },
      headers: { authorization: `Bearer ${input.userToken}` },
    },
    revokeAnswerSchema,
  );
  return answer.success ? { revoked: true } : { revoked: false, reason: 'Meta answered success:false to DELETE /me/permissions' };
};
