/**
 * Facebook Page followers by country and by city from Page insights
 * (https://developers.facebook.com/docs/graph-api/reference/insights,
 * https://developers.facebook.com/docs/platforminsights/page): `page_follows_country` and
 * `page_follows_city`, `period=day`, both in one call with the Page token. Each metric is a
 * series of daily values; the newest non-empty one is the current breakdown.
 *
 * Pages have no follower age and gender since Meta retired `page_fans_gender_age` (2024), and
 * Page insights exist only for Pages with 100 or more followers: smaller Pages answer `data: []`.
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { FACEBOOK_GRAPH } from '../meta-graph/constants';
import { graphGet } from '../meta-graph/request';
import type { AudienceBreakdown, AudienceClient } from '../types';

/** The metrics Reach asks for, and where each goes in the breakdown. */
export const PAGE_AUDIENCE_METRICS = { page_follows_country: 'byCountry', page_follows_city: 'byCity' } as const;

const pointSchema = z.object({
  // Absent or `{}` on a day the Page has no figures.
  value: z.union([z.record(z.string(), z.number()), z.number(), z.array(z.unknown())]).optional(),
  end_time: z.string().optional(),
});

/** The Page insights answer: one entry per metric, each a series of `{value, end_time}`. */
export const pageInsightsSchema = z.object({
  data: z.array(z.object({ name: z.string(), period: z.string().optional(), values: z.array(pointSchema).optional() })),
});
export type PageInsightsAnswer = z.infer<typeof pageInsightsSchema>;

/** The newest non-empty map of a metric's series, or undefined. */
const latest = (values: readonly z.infer<typeof pointSchema>[]): Record<string, number> | undefined => {
  const maps = values
    .map((p, i) => ({ value: p.value, order: p.end_time !== undefined ? Date.parse(p.end_time) : Number.NaN, i }))
    .filter((p): p is { value: Record<string, number>; order: number; i: number } => typeof p.value === 'object' && !Array.isArray(p.value) && Object.keys(p.value).length > 0)
    // Newest by end_time; without one, by position (Graph lists oldest first).
    .sort((a, b) => (Number.isNaN(a.order) || Number.isNaN(b.order) ? b.i - a.i : b.order - a.order));
  return maps[0] ? { ...maps[0].value } : undefined;
};

/** The breakdown of one answer; undefined when the Page has no figures (under 100 followers). */
export const pageAudienceOf = (answer: PageInsightsAnswer): AudienceBreakdown | undefined => {
  const out: { -readonly [K in keyof AudienceBreakdown]: AudienceBreakdown[K] } = { unit: 'followers' };
  for (const metric of answer.data) {
    const field = (PAGE_AUDIENCE_METRICS as Readonly<Record<string, 'byCountry' | 'byCity'>>)[metric.name];
    if (field === undefined) continue;
    const counts = latest(metric.values ?? []);
    if (counts !== undefined) out[field] = counts;
  }
  return out.byCountry !== undefined || out.byCity !== undefined ? out : undefined;
};

/** The Page audience client: one call per Page, with the Page's own token. */
export const createFacebookAudience = (ctx: CallContext): AudienceClient => ({
  fetch: async (target, credentials) => {
    const answer = await graphGet(
      ctx,
      {
        host: FACEBOOK_GRAPH,
        path: `/${encodeURIComponent(target.platformAccountId)}/insights`,
        accessToken: target.tokens.accessToken,
        appSecret: credentials.clientSecret,
        query: { metric: Object.keys(PAGE_AUDIENCE_METRICS).join(','), period: 'day' },
      },
      pageInsightsSchema,
    );
    return pageAudienceOf(answer);
  },
});
