/**
 * Location-level daily metrics, one call per location:
 * `locations/{l}:fetchMultiDailyMetricsTimeSeries` returns every requested metric's daily values
 * (https://developers.google.com/my-business/reference/performance/rest/v1/locations/fetchMultiDailyMetricsTimeSeries).
 * Values are int64 strings, and a day whose value is 0 carries no `value` at all
 * (https://developers.google.com/my-business/reference/performance/rest/v1/TimeSeries).
 * Business Profile has no followers; what it has goes to `snapshot.extra`.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import type { MetricsClient, MetricsOutcome, MetricsTarget } from '../types';
import { bearer, failedOutcome } from '../google/api';

const PERFORMANCE_URL = 'https://businessprofileperformance.googleapis.com/v1';

/** Figures are sums over this many complete days, ending yesterday (UTC). */
export const METRICS_WINDOW_DAYS = 7;

/** The daily metrics Reach asks for, and the `snapshot.extra` name each adds to. */
export const DAILY_METRICS = {
  WEBSITE_CLICKS: 'websiteClicks',
  CALL_CLICKS: 'callClicks',
  BUSINESS_DIRECTION_REQUESTS: 'directionRequests',
  BUSINESS_CONVERSATIONS: 'conversations',
  BUSINESS_BOOKINGS: 'bookings',
  BUSINESS_IMPRESSIONS_DESKTOP_MAPS: 'impressionsMaps',
  BUSINESS_IMPRESSIONS_MOBILE_MAPS: 'impressionsMaps',
  BUSINESS_IMPRESSIONS_DESKTOP_SEARCH: 'impressionsSearch',
  BUSINESS_IMPRESSIONS_MOBILE_SEARCH: 'impressionsSearch',
} as const;

const dateSchema = z.object({ year: z.number().int(), month: z.number().int(), day: z.number().int().optional() });

export const multiDailyMetricsSchema = z.object({
  multiDailyMetricTimeSeries: z
    .array(
      z.object({
        dailyMetricTimeSeries: z
          .array(
            z.object({
              dailyMetric: z.string(),
              timeSeries: z
                .object({
                  datedValues: z
                    .array(z.object({ date: dateSchema.optional(), value: z.string().regex(/^\d+$/).optional() }))
                    .optional(),
                })
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});
export type MultiDailyMetrics = z.infer<typeof multiDailyMetricsSchema>;

type Snapshot = Extract<MetricsOutcome, { ok: true }>['snapshot'];

/** The UTC calendar dates of the window ending yesterday. */
export const metricsWindow = (now: Date, days = METRICS_WINDOW_DAYS): { start: Date; end: Date } => {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { start: new Date(today - days * 86_400_000), end: new Date(today - 86_400_000) };
};

/**
 * Sums each metric over the answer's days into named figures; `impressions` (profile views on
 * Maps and Search, desktop and mobile) is also the snapshot's `views`.
 */
export const toBusinessSnapshot = (answer: MultiDailyMetrics): Snapshot => {
  const extra: Record<string, number> = {};
  for (const name of new Set(Object.values(DAILY_METRICS))) extra[name] = 0;
  for (const multi of answer.multiDailyMetricTimeSeries ?? []) {
    for (const series of multi.dailyMetricTimeSeries ?? []) {
      const name = (DAILY_METRICS as Readonly<Record<string, string>>)[series.dailyMetric];
      if (!name) continue;
      for (const point of series.timeSeries?.datedValues ?? []) extra[name] = (extra[name] ?? 0) + Number(point.value ?? '0');
    }
  }
  const impressions = (extra['impressionsMaps'] ?? 0) + (extra['impressionsSearch'] ?? 0);
  return { views: impressions, extra: { ...extra, impressions } };
};

/** `accounts/{a}/locations/{l}` → `locations/{l}`, the name the Performance API knows. */
export const locationOf = (platformAccountId: string): string | undefined =>
  /^accounts\/[^/]+\/(locations\/[^/]+)$/.exec(platformAccountId)?.[1];

const fetchLocation = async (ctx: CallContext, target: MetricsTarget, now: Date): Promise<MetricsOutcome> => {
  const location = locationOf(target.platformAccountId);
  if (!location) {
    return {
      platformAccountId: target.platformAccountId,
      ok: false,
      failure: { kind: 'invalid_request', code: 'bad_location_name', message: 'expected an id of the form accounts/{a}/locations/{l}' },
    };
  }
  // `dailyMetrics` repeats, which a query record cannot express: the URL carries the query itself.
  const url = new URL(`${PERFORMANCE_URL}/${location}:fetchMultiDailyMetricsTimeSeries`);
  for (const metric of Object.keys(DAILY_METRICS)) url.searchParams.append('dailyMetrics', metric);
  const { start, end } = metricsWindow(now);
  for (const [edge, d] of [['startDate', start], ['endDate', end]] as const) {
    url.searchParams.set(`dailyRange.${edge}.year`, String(d.getUTCFullYear()));
    url.searchParams.set(`dailyRange.${edge}.month`, String(d.getUTCMonth() + 1));
    url.searchParams.set(`dailyRange.${edge}.day`, String(d.getUTCDate()));
  }
  try {
    const answer = await callJson(ctx, { method: 'GET', url: url.toString(), headers: bearer(target.tokens) }, multiDailyMetricsSchema);
    return { platformAccountId: target.platformAccountId, ok: true, snapshot: toBusinessSnapshot(answer) };
  } catch (err) {
    return failedOutcome(target.platformAccountId, err);
  }
};

/** Builds the Business Profile metrics client: one call per location. */
export const createBusinessMetrics = (ctx: CallContext, now: () => Date): MetricsClient => ({
  batchSize: 1,
  /** One outcome per target; locations are read one after another to stay under 300 QPM. */
  async fetch(targets) {
    const outcomes: MetricsOutcome[] = [];
    for (const target of targets) outcomes.push(await fetchLocation(ctx, target, now()));
    return outcomes;
  },
});
