/**
 * The locations a Google login manages. Business Profile accounts
 * (https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list)
 * hold locations (https://developers.google.com/my-business/reference/businessinformation/rest/v1/accounts.locations/list);
 * each location that may carry posts is one connectable account, named `accounts/{a}/locations/{l}`.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import type { TokenSet } from '../../core/model/tokens';
import type { AccountsClient, ProviderAccount, TokenInput } from '../types';
import { allPages, bearer } from '../google/api';

export const ACCOUNTS_URL = 'https://mybusinessaccountmanagement.googleapis.com/v1/accounts';
const LOCATIONS_URL = (account: string) => `https://mybusinessbusinessinformation.googleapis.com/v1/${account}/locations`;
/** The Business Information API returns only the fields its `readMask` names, and requires one. */
export const LOCATION_READ_MASK = 'name,title,storefrontAddress,metadata';

const accountListSchema = z.object({
  accounts: z
    .array(z.object({ name: z.string().regex(/^accounts\/[^/]+$/), accountName: z.string().optional(), type: z.string().optional() }))
    .optional(),
  nextPageToken: z.string().optional(),
});

const locationSchema = z.object({
  name: z.string().regex(/^locations\/[^/]+$/),
  title: z.string().optional(),
  storefrontAddress: z
    .object({ locality: z.string().optional(), administrativeArea: z.string().optional(), regionCode: z.string().optional() })
    .optional(),
  metadata: z.object({ canOperateLocalPost: z.boolean().optional(), mapsUri: z.string().optional() }).optional(),
});

const locationListSchema = z.object({
  locations: z.array(locationSchema).optional(),
  nextPageToken: z.string().optional(),
});

const listAccounts = (ctx: CallContext, tokens: TokenSet) =>
  allPages(async (pageToken) => {
    const page = await callJson(
      ctx,
      { method: 'GET', url: ACCOUNTS_URL, query: { pageSize: 20, pageToken }, headers: bearer(tokens) },
      accountListSchema,
    );
    return { items: page.accounts ?? [], next: page.nextPageToken };
  });

const listLocations = (ctx: CallContext, tokens: TokenSet, account: string) =>
  allPages(async (pageToken) => {
    const page = await callJson(
      ctx,
      { method: 'GET', url: LOCATIONS_URL(account), query: { readMask: LOCATION_READ_MASK, pageSize: 100, pageToken }, headers: bearer(tokens) },
      locationListSchema,
    );
    return { items: page.locations ?? [], next: page.nextPageToken };
  });

/** Builds the Business Profile accounts client. */
export const createBusinessAccounts = (ctx: CallContext): AccountsClient => ({
  /**
   * Every location of every account the user manages, except those that cannot carry posts
   * (`metadata.canOperateLocalPost === false`: unverified, suspended or duplicate listings).
   */
  async list({ tokens }: TokenInput): Promise<readonly ProviderAccount[]> {
    const out: ProviderAccount[] = [];
    for (const account of await listAccounts(ctx, tokens)) {
      for (const location of await listLocations(ctx, tokens, account.name)) {
        if (location.metadata?.canOperateLocalPost === false) continue;
        out.push({
          platformAccountId: `${account.name}/${location.name}`,
          displayName: location.title ?? location.storefrontAddress?.locality ?? location.name,
          accountType: 'location',
        });
      }
    }
    return out;
  },
});
