/**
 * The account a TikTok token acts for: one user, read from `GET /v2/user/info/`. TikTok fails the
 * whole call when one requested field needs a scope the user did not grant, so the fields asked
 * for follow the granted scopes.
 * https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
 */
import type { CallContext } from '../http';
import type { AccountsClient, ProviderAccount } from '../types';
import { TIKTOK_SCOPES, TIKTOK_USER_INFO_URL } from './manifest';
import { bearer, callApi } from './request';
import { userInfoDataSchema, type TiktokUser } from './schemas';

/** Fields each scope unlocks, in the docs' table. */
export const USER_FIELDS_BY_SCOPE: Readonly<Record<string, readonly string[]>> = {
  [TIKTOK_SCOPES.basic]: ['open_id', 'union_id', 'avatar_url', 'display_name'],
  [TIKTOK_SCOPES.profile]: ['username', 'is_verified', 'profile_deep_link'],
  [TIKTOK_SCOPES.stats]: ['follower_count', 'following_count', 'likes_count', 'video_count'],
};

/**
 * The subset of `wanted` the granted scopes allow, always with `open_id` (user.info.basic is part
 * of every Login Kit grant).
 */
export const userFields = (scopes: readonly string[], wanted: readonly string[]): string[] => {
  const allowed = new Set(['open_id']);
  for (const scope of scopes) for (const f of USER_FIELDS_BY_SCOPE[scope] ?? []) allowed.add(f);
  const fields = ['open_id', ...wanted.filter((f) => f !== 'open_id' && allowed.has(f))];
  return [...new Set(fields)];
};

/** Profile fields read at connect time (those the grant allows). */
export const PROFILE_FIELDS = ['open_id', 'union_id', 'avatar_url', 'display_name', 'username', 'is_verified'] as const;

/** Maps a TikTok user object to the account Reach stores. */
export const toAccount = (user: TiktokUser): ProviderAccount => ({
  platformAccountId: user.open_id,
  ...(user.username !== undefined && user.username !== '' && { username: user.username }),
  displayName: user.display_name || user.username || user.open_id,
  ...(user.avatar_url !== undefined && user.avatar_url !== '' && { avatarUrl: user.avatar_url }),
  accountType: 'creator',
});

/** GET /v2/user/info/ with the given fields. https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info */
export const fetchUser = async (ctx: CallContext, accessToken: string, fields: readonly string[]): Promise<TiktokUser> => {
  const data = await callApi(
    ctx,
    { method: 'GET', url: TIKTOK_USER_INFO_URL, query: { fields: fields.join(',') }, headers: bearer(accessToken) },
    userInfoDataSchema,
  );
  return data.user;
};

/** The accounts client: the one user a TikTok token acts for. */
export const createTiktokAccounts = (ctx: CallContext): AccountsClient => ({
  /** One TikTok login reaches exactly one account. */
  async list(input) {
    const user = await fetchUser(ctx, input.tokens.accessToken, userFields(input.tokens.scopes, PROFILE_FIELDS));
    return [toAccount(user)];
  },
});
