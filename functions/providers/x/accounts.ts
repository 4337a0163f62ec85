/**
 * The account an X token acts for: one user, read from `GET /2/users/me`.
 * https://docs.x.com/x-api/users/get-my-user
 */
import { callJson, type CallContext } from '../http';
import type { AccountsClient, ProviderAccount } from '../types';
import { ProviderError } from '../types';
import { failureFromPartialErrors } from './errors';
import { X_API_BASE } from './manifest';
import { userAnswerSchema, type XUser } from './schemas';

/** X has no account kinds; its verification badge type is the closest thing. */
export const accountTypeOf = (user: Pick<XUser, 'verified_type'>): string =>
  user.verified_type === 'business' || user.verified_type === 'government' ? user.verified_type : 'personal';

/** Profile fields read at connect time. */
export const PROFILE_FIELDS = 'created_at,description,verified,verified_type,profile_image_url,public_metrics';

/** Maps an X user object to the account Reach stores. */
export const toAccount = (user: XUser): ProviderAccount => ({
  platformAccountId: user.id,
  username: user.username,
  displayName: user.name || user.username,
  ...(user.profile_image_url !== undefined && { avatarUrl: user.profile_image_url }),
  accountType: accountTypeOf(user),
});

/**
 * GET /2/users/me; a 200 carrying only `errors[]` is a failure like any other.
 * https://docs.x.com/x-api/users/get-my-user
 */
export const fetchMe = async (ctx: CallContext, accessToken: string, fields: string, now: Date): Promise<XUser> => {
  const answer = await callJson(
    ctx,
    {
      method: 'GET',
      url: `${X_API_BASE}/users/me`,
      query: { 'user.fields': fields },
      headers: { authorization: `Bearer ${accessToken}` },
    },
    userAnswerSchema,
  );
  if (!answer.data) throw new ProviderError('x', failureFromPartialErrors(answer.errors ?? [], {}, now));
  return answer.data;
};

export const createXAccounts = (ctx: CallContext, now: () => Date): AccountsClient => ({
  /** GET /2/users/me: one X login reaches exactly one account. https://docs.x.com/x-api/users/get-my-user */
  async list(input) {
    const user = await fetchMe(ctx, input.tokens.accessToken, PROFILE_FIELDS, now());
    return [toAccount(user)];
  },
});
