/**
 * The Instagram account(s) a token reaches. Instagram Login: the one account behind the token
 * (`GET graph.instagram.com/me`). Facebook Login: every Page's linked professional account
 * (`instagram_business_account` on `/me/accounts`).
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { INSTAGRAM_GRAPH } from '../meta-graph/constants';
import { facebookUserId, listManagedPages } from '../meta-graph/pages';
import { graphGet } from '../meta-graph/request';
import type { AccountsClient, ProviderAccount } from '../types';
import { variantOf } from './variants';

const idSchema = z.union([z.string(), z.number()]).transform(String);

const meSchema = z.object({
  id: idSchema,
  user_id: idSchema.optional(),
  username: z.string().optional(),
  name: z.string().optional(),
  account_type: z.string().optional(),
  profile_picture_url: z.string().optional(),
});

const linkedPageSchema = z.object({
  id: z.string(),
  instagram_business_account: z
    .object({
      id: z.string(),
      username: z.string().optional(),
      name: z.string().optional(),
      profile_picture_url: z.string().optional(),
    })
    .optional(),
});

/** `Business` / `Media_Creator` (any case) to the manifest's account types. */
export const accountTypeOf = (accountType: string | undefined): string => {
  const t = (accountType ?? '').toLowerCase();
  if (t.includes('creator')) return 'creator';
  if (t.includes('business')) return 'business';
  return 'professional';
};

/** Instagram's accounts client. */
export const createInstagramAccounts = (ctx: CallContext): AccountsClient => ({
  async list({ tokens, credentials }): Promise<ProviderAccount[]> {
    if (variantOf(tokens) === 'instagram_login') {
      // https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started#fields
      const me = await graphGet(
        ctx,
        {
          host: INSTAGRAM_GRAPH,
          path: '/me',
          accessToken: tokens.accessToken,
          query: { fields: 'id,user_id,username,name,account_type,profile_picture_url' },
        },
        meSchema,
      );
      return [
        {
          // `user_id` is the professional account id webhooks and publishing use; `id` is app-scoped.
          platformAccountId: me.user_id ?? me.id,
          ...(me.username !== undefined && { username: me.username }),
          displayName: me.name || me.username || me.user_id || me.id,
          ...(me.profile_picture_url !== undefined && { avatarUrl: me.profile_picture_url }),
          accountType: accountTypeOf(me.account_type),
          // The app-scoped Instagram user id: whom Meta's deauthorize callbacks name.
          grantedBy: me.id,
        },
      ];
    }
    // https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/get-started
    const [pages, userId] = await Promise.all([
      listManagedPages(
        ctx,
        { userToken: tokens.accessToken, appSecret: credentials.clientSecret, fields: 'id,instagram_business_account{id,username,name,profile_picture_url}' },
        linkedPageSchema,
      ),
      facebookUserId(ctx, { userToken: tokens.accessToken, appSecret: credentials.clientSecret }),
    ]);
    const seen = new Set<string>();
    const accounts: ProviderAccount[] = [];
    for (const page of pages) {
      const ig = page.instagram_business_account;
      if (!ig || seen.has(ig.id)) continue;
      seen.add(ig.id);
      accounts.push({
        platformAccountId: ig.id,
        ...(ig.username !== undefined && { username: ig.username }),
        displayName: ig.name || ig.username || ig.id,
        ...(ig.profile_picture_url !== undefined && { avatarUrl: ig.profile_picture_url }),
        // Through Facebook Login the IG user node does not say business or creator.
        accountType: 'professional',
        grantedBy: userId,
      });
    }
    return accounts;
  },
});
