/**
 * The Pages a Facebook login reaches, each with its own Page token
 * (https://developers.facebook.com/docs/pages-api/getting-started#get-page-access-token).
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { facebookUserId, listManagedPages } from '../meta-graph/pages';
import type { TokenSet } from '../../core/model/tokens';
import type { AccountsClient, ProviderAccount, ProviderDeps } from '../types';

const managedPageSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  username: z.string().optional(),
  // Missing when the person's role on the Page does not allow acting for it.
  access_token: z.string().optional(),
  picture: z.object({ data: z.object({ url: z.string().optional() }) }).optional(),
});

/** A Page's token set: the Page token, with the user token it came from kept for refresh and revoke. */
export const pageTokenSet = (pageToken: string, user: TokenSet, now: Date): TokenSet => ({
  accessToken: pageToken,
  tokenType: 'bearer',
  scopes: user.scopes,
  obtainedAt: now.toISOString(),
  extra: {
    ...user.extra,
    userToken: user.accessToken,
    ...(user.expiresAt !== undefined && { userTokenExpiresAt: user.expiresAt }),
  },
});

/** Facebook's accounts client: one account per Page the person can act for. */
export const createFacebookAccounts = (deps: ProviderDeps, ctx: CallContext): AccountsClient => ({
  async list({ tokens, credentials }): Promise<ProviderAccount[]> {
    const now = deps.now();
    const [pages, userId] = await Promise.all([
      listManagedPages(
        ctx,
        { userToken: tokens.accessToken, appSecret: credentials.clientSecret, fields: 'id,name,username,access_token,picture{url}' },
        managedPageSchema,
      ),
      // The Page token's user: whom Meta's deauthorize and data-deletion callbacks name.
      facebookUserId(ctx, { userToken: tokens.accessToken, appSecret: credentials.clientSecret }),
    ]);
    return pages.flatMap((page): ProviderAccount[] => {
      if (!page.access_token) return [];
      const avatarUrl = page.picture?.data.url;
      return [
        {
          platformAccountId: page.id,
          ...(page.username !== undefined && { username: page.username }),
          displayName: page.name || page.username || page.id,
          ...(avatarUrl !== undefined && { avatarUrl }),
          accountType: 'page',
          tokens: pageTokenSet(page.access_token, tokens, now),
          grantedBy: userId,
        },
      ];
    });
  },
});
