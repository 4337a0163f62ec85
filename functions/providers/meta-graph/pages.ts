/**
 * The Pages a Facebook user token reaches: `GET /me/accounts`, followed cursor by cursor
 * (https://developers.facebook.com/docs/graph-api/reference/user/accounts,
 * https://developers.facebook.com/docs/graph-api/results#cursors).
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { FACEBOOK_GRAPH } from './constants';
import { graphGet } from './request';

/** 100 Pages per call and at most 10 calls: 1,000 Pages is past any person's real list. */
const PAGE_SIZE = 100;
const MAX_CALLS = 10;

const connectionSchema = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    paging: z
      .object({
        cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).optional(),
        next: z.string().optional(),
      })
      .optional(),
  });

/** Every Page of `/me/accounts` with the requested `fields`, validated by `item`. */
export const listManagedPages = async <T extends z.ZodType>(
  ctx: CallContext,
  input: { readonly userToken: string; readonly appSecret: string; readonly fields: string },
  item: T,
): Promise<z.infer<T>[]> => {
  const out: z.infer<T>[] = [];
  let after: string | undefined;
  for (let call = 0; call < MAX_CALLS; call++) {
    const page = await graphGet(
      ctx,
      {
        host: FACEBOOK_GRAPH,
        path: '/me/accounts',
        accessToken: input.userToken,
        appSecret: input.appSecret,
        query: { fields: input.fields, limit: PAGE_SIZE, after },
      },
      connectionSchema(item),
    );
    out.push(...page.data);
    after = page.paging?.cursors?.after;
    // Graph leaves `next` out on the last page; the cursor alone does not say so.
    if (!page.paging?.next || !after) break;
  }
  return out;
};

const meSchema = z.object({ id: z.union([z.string().min(1), z.number()]).transform(String) });

/**
 * The app-scoped id of the Facebook user behind a user token (`GET /me?fields=id`,
 * https://developers.facebook.com/docs/graph-api/reference/user): who Meta's deauthorize and
 * data-deletion callbacks name.
 */
export const facebookUserId = async (ctx: CallContext, input: { readonly userToken: string; readonly appSecret: string }): Promise<string> =>
  (await graphGet(ctx, { host: FACEBOOK_GRAPH, path: '/me', accessToken: input.userToken, appSecret: input.appSecret, query: { fields: 'id' } }, meSchema)).id;
