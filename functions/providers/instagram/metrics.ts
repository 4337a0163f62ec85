/**
 * Instagram metrics in one call per account: profile counts and the recent media's engagement
 * through field expansion (https://developers.facebook.com/docs/graph-api/field-expansion,
 * https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user,
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-media).
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { FACEBOOK_GRAPH, INSTAGRAM_GRAPH, RECENT_POSTS_SAMPLE } from '../meta-graph/constants';
import { averageEngagement } from '../meta-graph/engagement';
import { graphGet } from '../meta-graph/request';
import type { AppCredentials } from '../../core/model/tokens';
import { perAccountMetrics } from '../metrics';
import { ProviderError, type MetricsClient, type MetricsOutcome, type MetricsTarget } from '../types';

type Snapshot = Extract<MetricsOutcome, { ok: true }>['snapshot'];
import { variantOf } from './variants';

const mediaSchema = z.object({
  id: z.string(),
  // Left out when the owner hides like counts.
  like_count: z.number().optional(),
  comments_count: z.number().optional(),
  timestamp: z.string().optional(),
});

/** The IG user node with counts and the `media` expansion, in either login's flavour. */
export const instagramMetricsSchema = z.object({
  id: z.string(),
  user_id: z.union([z.string(), z.number()]).transform(String).optional(),
  followers_count: z.number().optional(),
  follows_count: z.number().optional(),
  media_count: z.number().optional(),
  // Absent when the account has no media.
  media: z.object({ data: z.array(mediaSchema) }).optional(),
});
export type InstagramMetricsAnswer = z.infer<typeof instagramMetricsSchema>;

const COUNTS = 'followers_count,follows_count,media_count';
const MEDIA = `media.limit(${RECENT_POSTS_SAMPLE}){id,like_count,comments_count,timestamp}`;

/** The snapshot for one answer of the metrics call. */
export const instagramSnapshot = (answer: InstagramMetricsAnswer): Extract<MetricsOutcome, { ok: true }>['snapshot'] => {
  const recent = averageEngagement((answer.media?.data ?? []).map((m) => ({ likes: m.like_count, comments: m.comments_count })));
  return {
    ...(answer.followers_count !== undefined && { followers: answer.followers_count }),
    ...(answer.follows_count !== undefined && { following: answer.follows_count }),
    ...(answer.media_count !== undefined && { posts: answer.media_count }),
    ...(recent !== undefined && { recent }),
  };
};

/** One account's counts and recent engagement; a platform failure is thrown (classified). */
const readSnapshot = async (ctx: CallContext, target: MetricsTarget, credentials: AppCredentials): Promise<Snapshot> => {
  const { platformAccountId, tokens } = target;
  if (variantOf(tokens) === 'instagram_login') {
    const answer = await graphGet(
      ctx,
      { host: INSTAGRAM_GRAPH, path: '/me', accessToken: tokens.accessToken, query: { fields: `user_id,${COUNTS},${MEDIA}` } },
      instagramMetricsSchema,
    );
    // The token must still speak for the account it was stored for.
    if ((answer.user_id ?? answer.id) !== platformAccountId) {
      throw new ProviderError('instagram', { kind: 'permanent', code: 'account_mismatch', message: 'the token now answers for another Instagram account' });
    }
    return instagramSnapshot(answer);
  }
  const answer = await graphGet(
    ctx,
    {
      host: FACEBOOK_GRAPH,
      path: `/${encodeURIComponent(platformAccountId)}`,
      accessToken: tokens.accessToken,
      appSecret: credentials.clientSecret,
      query: { fields: `id,${COUNTS},${MEDIA}` },
    },
    instagramMetricsSchema,
  );
  return instagramSnapshot(answer);
};

/** Instagram's metrics client: each account has its own token, so one call serves one account. */
export const createInstagramMetrics = (ctx: CallContext): MetricsClient => perAccountMetrics((t, credentials) => readSnapshot(ctx, t, credentials));
