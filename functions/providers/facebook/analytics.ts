/**
 * Facebook per-post metrics for up to 50 posts in one multi-id read
 * (https://developers.facebook.com/docs/graph-api/overview#multiple-ids):
 * `GET /?ids=…&fields=reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares,insights.metric(…)`.
 *
 * Insights use the metrics that replaced the retired impressions ones
 * (https://developers.facebook.com/docs/graph-api/reference/insights#post-metrics): since 15 June
 * 2025 `post_impressions_unique` is `post_total_media_view_unique` (read as reach), and on 15
 * November 2025 the `post_impressions*` metrics were removed. `post_clicks` gives clicks.
 *
 * Graph fails a multi-id read as a whole when one id is gone (code 803, or 100/33); the posts are
 * then read one by one and the missing ones left out. Without `read_insights` the insights are
 * left out and the engagement counts still read.
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { FACEBOOK_GRAPH } from '../meta-graph/constants';
import { graphGet } from '../meta-graph/request';
import { ProviderError, type AnalyticsClient, type PostMetrics } from '../types';

/** Graph reads at most 50 ids per request. */
export const MAX_IDS = 50;

/** The post insights Reach reads: unique media views (as reach) and clicks. */
export const POST_INSIGHTS = ['post_total_media_view_unique', 'post_clicks'] as const;

const ENGAGEMENT = ['id', 'reactions.summary(total_count).limit(0)', 'comments.summary(total_count).limit(0)', 'shares'];
const WITH_INSIGHTS = [...ENGAGEMENT, `insights.metric(${POST_INSIGHTS.join(',')})`].join(',');
const WITHOUT_INSIGHTS = ENGAGEMENT.join(',');

const summary = z.object({ summary: z.object({ total_count: z.number() }).optional() }).optional();
const postSchema = z.object({
  id: z.string().optional(),
  reactions: summary,
  comments: summary,
  // Left out for a post nobody shared.
  shares: z.object({ count: z.number() }).optional(),
  insights: z
    .object({
      data: z.array(z.object({ name: z.string(), values: z.array(z.object({ value: z.unknown() })).optional() })),
    })
    .optional(),
});
type PostAnswer = z.infer<typeof postSchema>;

/** The metrics of one post answer, in Reach's names. */
export const metricsOfPost = (p: PostAnswer): PostMetrics => {
  const insight = (name: string): number | undefined => {
    const v = p.insights?.data.find((m) => m.name === name)?.values?.[0]?.value;
    return typeof v === 'number' ? v : undefined;
  };
  const reach = insight('post_total_media_view_unique');
  const clicks = insight('post_clicks');
  return {
    likes: p.reactions?.summary?.total_count ?? 0,
    comments: p.comments?.summary?.total_count ?? 0,
    shares: p.shares?.count ?? 0,
    ...(reach !== undefined && { reach }),
    ...(clicks !== undefined && { clicks }),
  };
};

const codeOf = (err: ProviderError): number => Number(err.failure.code?.split('/')[0]);
/** An id that does not exist (803), or that the token cannot see (100, subcode 33). */
const isMissingObject = (err: ProviderError): boolean => codeOf(err) === 803 || err.failure.code === '100/33';
/** A permission the grant lacks (10, 200–299): here, `read_insights`. */
const isMissingPermission = (err: ProviderError): boolean => {
  const code = codeOf(err);
  return code === 10 || (code >= 200 && code <= 299);
};

/** Facebook's analytics client. */
export const createFacebookAnalytics = (ctx: CallContext): AnalyticsClient => {
  const read = (token: string, appSecret: string, ids: readonly string[], fields: string) =>
    graphGet(ctx, { host: FACEBOOK_GRAPH, path: '/', accessToken: token, appSecret, query: { ids: ids.join(','), fields } }, z.record(z.string(), postSchema));

  /** One multi-id read; without insights when the grant lacks them. */
  const readMany = async (token: string, appSecret: string, ids: readonly string[]) => {
    try {
      return await read(token, appSecret, ids, WITH_INSIGHTS);
    } catch (err) {
      if (err instanceof ProviderError && isMissingPermission(err)) return read(token, appSecret, ids, WITHOUT_INSIGHTS);
      throw err;
    }
  };

  return {
    batchSize: MAX_IDS,
    async fetch({ tokens, credentials, platformPostIds }) {
      const ids = [...new Set(platformPostIds)];
      const out: Record<string, PostMetrics> = {};
      for (let i = 0; i < ids.length; i += MAX_IDS) {
        const chunk = ids.slice(i, i + MAX_IDS);
        let answer: Record<string, PostAnswer>;
        try {
          answer = await readMany(tokens.accessToken, credentials.clientSecret, chunk);
        } catch (err) {
          if (!(err instanceof ProviderError) || !isMissingObject(err)) throw err;
          answer = {};
          // One id is gone: read each on its own so that the others still count.
          for (const id of chunk.length > 1 ? chunk : []) {
            try {
              Object.assign(answer, await readMany(tokens.accessToken, credentials.clientSecret, [id]));
            } catch (one) {
              if (!(one instanceof ProviderError && isMissingObject(one))) throw one;
            }
          }
        }
        for (const id of chunk) {
          const post = answer[id];
          if (post) out[id] = metricsOfPost(post);
        }
      }
      return out;
    },
  };
};
