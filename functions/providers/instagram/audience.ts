/**
 * Instagram follower demographics from account insights
 * (https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights):
 * `follower_demographics` with `period=lifetime&metric_type=total_value`, one `breakdown` per call
 * (country, city, then age and gender together), on the connection's own host.
 *
 * Instagram keeps demographics from accounts with fewer than 100 followers and only reports the
 * top 45 values of each breakdown. Such an account is answered with an error (or an empty
 * breakdown); Reach then has no breakdown for it, which is not a failure.
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { graphGet } from '../meta-graph/request';
import type { AppCredentials } from '../../core/model/tokens';
import { ProviderError, type AudienceBreakdown, type AudienceClient, type MetricsTarget } from '../types';
import { credentialsForTokens } from './app-credentials';
import { igSession } from './graph';

/** One breakdown of `total_value`: `dimension_values` follow `dimension_keys` in order. */
const breakdownSchema = z.object({
  dimension_keys: z.array(z.string()).optional(),
  results: z
    .array(z.object({ dimension_values: z.array(z.string()), value: z.number() }))
    .optional(),
});

/** The insights answer for `follower_demographics` (`data` is empty when Instagram has nothing). */
export const demographicsAnswerSchema = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      total_value: z.object({ breakdowns: z.array(breakdownSchema).optional() }).optional(),
    }),
  ),
});
export type DemographicsAnswer = z.infer<typeof demographicsAnswerSchema>;

/** The breakdowns Reach reads, in the order they are asked for. */
export const DEMOGRAPHIC_BREAKDOWNS = ['country', 'city', 'age,gender'] as const;
export type DemographicBreakdown = (typeof DEMOGRAPHIC_BREAKDOWNS)[number];

/**
 * The counts of one answer, keyed as Reach keeps them: the country code, the city name, or
 * `F.25-34` (gender, then age group) for the age-and-gender breakdown. Undefined when empty.
 */
export const demographicCounts = (answer: DemographicsAnswer, breakdown: DemographicBreakdown): Record<string, number> | undefined => {
  const metric = answer.data.find((d) => d.name === 'follower_demographics');
  const first = metric?.total_value?.breakdowns?.[0];
  const keys = first?.dimension_keys ?? breakdown.split(',');
  const out: Record<string, number> = {};
  for (const r of first?.results ?? []) {
    if (breakdown === 'age,gender') {
      const age = r.dimension_values[keys.indexOf('age')];
      const gender = r.dimension_values[keys.indexOf('gender')];
      if (age === undefined || gender === undefined) continue;
      out[`${gender}.${age}`] = r.value;
    } else {
      const key = r.dimension_values[0];
      if (key !== undefined) out[key] = r.value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
};

/**
 * Whether a failure is Instagram declining demographics for a small account. Meta documents the
 * 100-follower threshold but not the error's code, so the (#10)/(#100) codes are told apart from
 * missing permissions by naming followers.
 */
export const isBelowThreshold = (err: ProviderError): boolean =>
  err.failure.kind === 'invalid_request' && /^(10|100)(\/|$)/.test(err.failure.code ?? '') && /follower/i.test(err.failure.message);

const readBreakdown = (ctx: CallContext, target: MetricsTarget, credentials: AppCredentials, breakdown: DemographicBreakdown) => {
  // `withVariantApps` does not wrap this client: Facebook Login's appsecret_proof needs the Facebook app's secret.
  const s = igSession(target.tokens, credentialsForTokens(credentials, target.tokens));
  return graphGet(
    ctx,
    {
      host: s.host,
      path: `/${encodeURIComponent(target.platformAccountId)}/insights`,
      accessToken: s.accessToken,
      appSecret: s.appSecret,
      query: { metric: 'follower_demographics', period: 'lifetime', metric_type: 'total_value', breakdown },
    },
    demographicsAnswerSchema,
  );
};

const FIELD: Readonly<Record<DemographicBreakdown, 'byCountry' | 'byCity' | 'byAgeGender'>> = {
  country: 'byCountry',
  city: 'byCity',
  'age,gender': 'byAgeGender',
};

/** Instagram's audience client: three calls per account (one per breakdown), one when it is too small. */
export const createInstagramAudience = (ctx: CallContext): AudienceClient => ({
  fetch: async (target, credentials) => {
    const out: { -readonly [K in keyof AudienceBreakdown]: AudienceBreakdown[K] } = { unit: 'followers' };
    // One after the other: a small account is known from the first answer, sparing the others.
    for (const breakdown of DEMOGRAPHIC_BREAKDOWNS) {
      let answer: DemographicsAnswer;
      try {
        answer = await readBreakdown(ctx, target, credentials, breakdown);
      } catch (err) {
        if (err instanceof ProviderError && isBelowThreshold(err)) return undefined;
        throw err;
      }
      const counts = demographicCounts(answer, breakdown);
      if (counts === undefined && breakdown === 'country') return undefined;
      if (counts !== undefined) out[FIELD[breakdown]] = counts;
    }
    return out;
  },
});
