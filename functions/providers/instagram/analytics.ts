/**
 * Instagram per-post metrics from media insights
 * (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights):
 * `views, reach, likes, comments, saved, shares, total_interactions`. `impressions`, `plays` and
 * `video_views` were removed on 21 April 2025 (v22+) and are not asked for.
 *
 * Facebook Login connections read up to 50 media in one Graph batch on graph.facebook.com.
 * graph.instagram.com documents no batch endpoint, so Instagram Login connections read each media
 * with its own GET, a few at a time. A media Instagram no longer serves (deleted, or a story
 * past its day) is left out of the answer; a token or throttling failure fails the whole call.
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { MAX_BATCH, graphBatchGet } from '../meta-graph/batch';
import { FACEBOOK_GRAPH } from '../meta-graph/constants';
import { graphGet } from '../meta-graph/request';
import { ProviderError, type AnalyticsClient, type PostMetrics } from '../types';
import { igSession, type IgSession } from './graph';

/** The media insights Reach reads (names as Graph takes them). */
export const MEDIA_METRICS = ['views', 'reach', 'likes', 'comments', 'saved', 'shares', 'total_interactions'] as const;

/** Parallel single reads on graph.instagram.com. */
const CONCURRENCY = 5;

const valueSchema = z.number();
const insightSchema = z.object({
  name: z.string(),
  values: z.array(z.object({ value: valueSchema })).optional(),
  total_value: z.object({ value: valueSchema }).optional(),
});
const insightsSchema = z.object({ data: z.array(insightSchema) });
type Insights = z.infer<typeof insightsSchema>;

const FIELD: Readonly<Record<string, keyof PostMetrics>> = {
  views: 'views',
  reach: 'reach',
  likes: 'likes',
  comments: 'comments',
  saved: 'saves',
  shares: 'shares',
};

/** The metrics of one insights answer, in Reach's names. */
export const metricsOfInsights = (answer: Insights): PostMetrics => {
  const out: Record<string, number> = {};
  for (const m of answer.data) {
    const name = FIELD[m.name];
    const value = m.total_value?.value ?? m.values?.[0]?.value;
    if (name !== undefined && value !== undefined) out[name] = value;
  }
  return out;
};

const relativeUrl = (mediaId: string): string => `${encodeURIComponent(mediaId)}/insights?metric=${MEDIA_METRICS.join(',')}`;

/** Failures that say nothing about one media but about the token or the quota: they fail the call. */
const failsTheCall = (err: ProviderError): boolean => err.failure.kind === 'auth_expired' || err.failure.kind === 'rate_limited' || err.failure.kind === 'transient';

const viaBatch = async (ctx: CallContext, s: IgSession, ids: readonly string[]): Promise<Record<string, PostMetrics>> => {
  const out: Record<string, PostMetrics> = {};
  for (let i = 0; i < ids.length; i += MAX_BATCH) {
    const chunk = ids.slice(i, i + MAX_BATCH);
    const answers = await graphBatchGet(ctx, { accessToken: s.accessToken, appSecret: s.appSecret, relativeUrls: chunk.map(relativeUrl) });
    answers.forEach((answer, k) => {
      const id = chunk[k]!;
      // Meta answers null for a call it could not finish in time: it is simply not read this round.
      if (answer === null) return;
      if (answer.status >= 200 && answer.status < 300) {
        const parsed = insightsSchema.safeParse(answer.body);
        if (parsed.success) out[id] = metricsOfInsights(parsed.data);
        return;
      }
      const failure = ctx.classify({ status: answer.status, headers: answer.headers, body: JSON.stringify(answer.body ?? null), json: answer.body });
      const err = new ProviderError(ctx.platform, failure);
      if (failsTheCall(err)) throw err;
    });
  }
  return out;
};

const oneByOne = async (ctx: CallContext, s: IgSession, ids: readonly string[]): Promise<Record<string, PostMetrics>> => {
  const out: Record<string, PostMetrics> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        const answer = await graphGet(
          ctx,
          { host: s.host, path: `/${encodeURIComponent(id)}/insights`, accessToken: s.accessToken, appSecret: s.appSecret, query: { metric: MEDIA_METRICS.join(',') } },
          insightsSchema,
        );
        out[id] = metricsOfInsights(answer);
      } catch (err) {
        if (!(err instanceof ProviderError) || failsTheCall(err)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return out;
};

/** Instagram's analytics client: 50 media per call through Facebook Login, one per call through Instagram Login. */
export const createInstagramAnalytics = (ctx: CallContext): AnalyticsClient => ({
  batchSize: MAX_BATCH,
  async fetch({ tokens, credentials, platformPostIds }) {
    const ids = [...new Set(platformPostIds)];
    if (ids.length === 0) return {};
    const s = igSession(tokens, credentials);
    return s.host === FACEBOOK_GRAPH ? viaBatch(ctx, s, ids) : oneByOne(ctx, s, ids);
  },
});
