/**
 * Per-post metrics from `GET /2/tweets?ids=…` (up to 100 ids a call), with the videos' view counts
 * through the `attachments.media_keys` expansion in the same call.
 * https://docs.x.com/x-api/posts/get-posts-by-ids · https://docs.x.com/x-api/fundamentals/metrics
 *
 * Private metrics (`non_public_metrics`, `organic_metrics`: link clicks, exact impressions) exist
 * only for the user's own posts younger than 30 days. The post id says when it was made (a
 * snowflake), so older posts are asked for public metrics alone; if X still refuses the private
 * fields for some posts (a partial answer with `errors[]`), those are asked again for public ones.
 */
import { callJson, type CallContext } from '../http';
import type { AnalyticsClient, PostMetrics } from '../types';
import { ProviderError } from '../types';
import { failureFromPartialErrors, problemTypeName } from './errors';
import { X_API_BASE } from './manifest';
import { postsLookupSchema, type MetricsMedia, type MetricsPost, type PostsLookup } from './schemas';

export const X_LOOKUP_BATCH = 100;
const PRIVATE_WINDOW_MS = 30 * 86_400_000;
/** X's snowflake epoch (2010-11-04T01:42:54.657Z): ids carry their creation instant. */
const SNOWFLAKE_EPOCH_MS = 1_288_834_974_657n;

const PUBLIC_FIELDS = 'public_metrics,attachments';
const PRIVATE_FIELDS = 'public_metrics,non_public_metrics,organic_metrics,attachments';

/** When a post was created, read from its id; undefined for an id that is not a snowflake. */
export const createdAtOfId = (id: string): Date | undefined => {
  if (!/^[0-9]{1,20}$/.test(id)) return undefined;
  const ms = (BigInt(id) >> 22n) + SNOWFLAKE_EPOCH_MS;
  return ms > SNOWFLAKE_EPOCH_MS ? new Date(Number(ms)) : undefined;
};

/**
 * Reach's figures from one post: likes, comments (replies), shares (reposts + quotes), saves
 * (bookmarks), impressions (exact private count when given), views (video views, else
 * impressions, which X shows as "views"), clicks (link clicks).
 */
export const toPostMetrics = (post: MetricsPost, media: ReadonlyMap<string, MetricsMedia>): PostMetrics => {
  const pub = post.public_metrics;
  const org = post.organic_metrics;
  const priv = post.non_public_metrics;
  const impressions = priv?.impression_count ?? pub?.impression_count ?? org?.impression_count;
  const videoViews = (post.attachments?.media_keys ?? [])
    .map((k) => media.get(k))
    .filter((m): m is MetricsMedia => m?.public_metrics?.view_count !== undefined)
    .reduce<number | undefined>((sum, m) => (sum ?? 0) + m.public_metrics!.view_count!, undefined);
  const likes = pub?.like_count ?? org?.like_count;
  const comments = pub?.reply_count ?? org?.reply_count;
  const shares = pub ? pub.retweet_count + (pub.quote_count ?? 0) : org?.retweet_count;
  const clicks = priv?.url_link_clicks ?? org?.url_link_clicks;
  const views = videoViews ?? impressions;
  return {
    ...(likes !== undefined && { likes }),
    ...(comments !== undefined && { comments }),
    ...(shares !== undefined && { shares }),
    ...(pub?.bookmark_count !== undefined && { saves: pub.bookmark_count }),
    ...(impressions !== undefined && { impressions }),
    ...(views !== undefined && { views }),
    ...(clicks !== undefined && { clicks }),
  };
};

/** Every post of one lookup answer, by id. */
export const readLookup = (answer: PostsLookup): Record<string, PostMetrics> => {
  const posts = answer.data === undefined ? [] : Array.isArray(answer.data) ? answer.data : [answer.data];
  const media = new Map((answer.includes?.media ?? []).map((m) => [m.media_key, m]));
  return Object.fromEntries(posts.map((p) => [p.id, toPostMetrics(p, media)]));
};

/** Ids X refused the private fields for (`not-authorized-for-field` entries of a partial answer). */
export const refusedPrivate = (answer: PostsLookup): string[] =>
  (answer.errors ?? []).flatMap((e) => (problemTypeName(e.type) === 'not-authorized-for-field' && e.resource_id ? [e.resource_id] : []));

export const createXAnalytics = (ctx: CallContext, now: () => Date): AnalyticsClient => {
  /** GET /2/tweets?ids=… https://docs.x.com/x-api/posts/get-posts-by-ids */
  const lookup = (token: string, ids: readonly string[], fields: string): Promise<PostsLookup> =>
    callJson(
      ctx,
      {
        method: 'GET',
        url: `${X_API_BASE}/tweets`,
        query: { ids: ids.join(','), 'tweet.fields': fields, expansions: 'attachments.media_keys', 'media.fields': 'public_metrics,type' },
        headers: { authorization: `Bearer ${token}` },
      },
      postsLookupSchema,
    );

  /** One lookup; a whole-answer failure with only `errors[]` is thrown, deleted posts just go missing. */
  const read = async (token: string, ids: readonly string[], fields: string): Promise<{ metrics: Record<string, PostMetrics>; refused: string[] }> => {
    const answer = await lookup(token, ids, fields);
    const metrics = readLookup(answer);
    const refused = refusedPrivate(answer);
    if (Object.keys(metrics).length === 0 && refused.length === 0 && answer.errors?.some((e) => problemTypeName(e.type) !== 'resource-not-found')) {
      throw new ProviderError('x', failureFromPartialErrors(answer.errors, {}, now()));
    }
    return { metrics, refused };
  };

  return {
    batchSize: X_LOOKUP_BATCH,
    /** Metrics for up to `batchSize` posts: one call, two when X refuses private fields for some. */
    async fetch(input) {
      const out: Record<string, PostMetrics> = {};
      const token = input.tokens.accessToken;
      const cutoff = now().getTime() - PRIVATE_WINDOW_MS;
      for (let i = 0; i < input.platformPostIds.length; i += X_LOOKUP_BATCH) {
        const batch = input.platformPostIds.slice(i, i + X_LOOKUP_BATCH);
        const recent = batch.filter((id) => (createdAtOfId(id)?.getTime() ?? 0) >= cutoff);
        const old = batch.filter((id) => !recent.includes(id));
        let publicOnly = old;
        if (recent.length > 0) {
          try {
            const got = await read(token, recent, PRIVATE_FIELDS);
            Object.assign(out, got.metrics);
            publicOnly = [...old, ...got.refused.filter((id) => !(id in got.metrics))];
          } catch (err) {
            // The whole request refused for the private fields: ask again with public ones.
            if (!(err instanceof ProviderError) || err.failure.code !== 'not-authorized-for-field') throw err;
            publicOnly = batch;
          }
        }
        if (publicOnly.length > 0) Object.assign(out, (await read(token, publicOnly, PUBLIC_FIELDS)).metrics);
      }
      return out;
    },
  };
};
