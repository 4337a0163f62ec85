/**
 * Facebook Page metrics in one call per Page: followers and the recent published posts'
 * reactions, comments and shares through field expansion with summaries
 * (https://developers.facebook.com/docs/graph-api/reference/page,
 * https://developers.facebook.com/docs/graph-api/reference/page/published_posts,
 * https://developers.facebook.com/docs/graph-api/field-expansion).
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { FACEBOOK_GRAPH, RECENT_POSTS_SAMPLE } from '../meta-graph/constants';
import { averageEngagement } from '../meta-graph/engagement';
import { graphGet } from '../meta-graph/request';
import type { AppCredentials } from '../../core/model/tokens';
import { perAccountMetrics } from '../metrics';
import { type MetricsClient, type MetricsOutcome, type MetricsTarget } from '../types';

type Snapshot = Extract<MetricsOutcome, { ok: true }>['snapshot'];

const summarySchema = z.object({ summary: z.object({ total_count: z.number() }).optional() }).optional();

const postSchema = z.object({
  id: z.string(),
  created_time: z.string().optional(),
  // Left out when a post was never shared.
  shares: z.object({ count: z.number() }).optional(),
  reactions: summarySchema,
  comments: summarySchema,
});

/** The Page node with `followers_count` and the `published_posts` expansion. */
export const pageMetricsSchema = z.object({
  id: z.string(),
  followers_count: z.number().optional(),
  published_posts: z.object({ data: z.array(postSchema) }).optional(),
});
export type PageMetricsAnswer = z.infer<typeof pageMetricsSchema>;

const FIELDS = [
  'id',
  'followers_count',
  `published_posts.limit(${RECENT_POSTS_SAMPLE}){id,created_time,shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)}`,
].join(',');

/** The snapshot for one answer of the metrics call. */
export const pageSnapshot = (answer: PageMetricsAnswer): Extract<MetricsOutcome, { ok: true }>['snapshot'] => {
  const recent = averageEngagement(
    (answer.published_posts?.data ?? []).map((p) => ({
      likes: p.reactions?.summary?.total_count ?? 0,
      comments: p.comments?.summary?.total_count ?? 0,
      shares: p.shares?.count ?? 0,
    })),
  );
  return {
    ...(answer.followers_count !== undefined && { followers: answer.followers_count }),
    ...(recent !== undefined && { recent }),
  };
};

/** One account's counts and recent engagement; a platform failure is thrown (classified). */
const readSnapshot = async (ctx: CallContext, target: MetricsTarget, credentials: AppCredentials): Promise<Snapshot> => {
  const { platformAccountId, tokens } = target;
  const answer = await graphGet(
    ctx,
    {
      host: FACEBOOK_GRAPH,
      path: `/${encodeURIComponent(platformAccountId)}`,
      accessToken: tokens.accessToken,
      appSecret: credentials.clientSecret,
      query: { fields: FIELDS },
    },
    pageMetricsSchema,
  );
  return pageSnapshot(answer);
};

/** Facebook's metrics client: each Page has its own token, so one call serves one Page. */
export const createFacebookMetrics = (ctx: CallContext): MetricsClient => perAccountMetrics((t, credentials) => readSnapshot(ctx, t, credentials));
