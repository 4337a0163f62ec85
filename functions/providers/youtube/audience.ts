/**
 * Who watches a channel, from YouTube Analytics `reports.query`
 * (https://developers.google.com/youtube/analytics/reference/reports/query), over the last 30 days:
 *
 * - `dimensions=ageGroup,gender&metrics=viewerPercentage` gives each age group and gender's share
 *   of the channel's logged-in viewers (https://developers.google.com/youtube/analytics/channel_reports#demographic-reports);
 * - `dimensions=country&metrics=views&sort=-views&maxResults=25` gives the top countries by views
 *   (https://developers.google.com/youtube/analytics/channel_reports#geographic-reports).
 *
 * YouTube leaves out rows that would fall under its anonymity threshold
 * (https://developers.google.com/youtube/analytics/data_model#data-anonymization), so a small
 * channel answers with no rows rather than an error: that becomes "no breakdown".
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import type { AudienceBreakdown, AudienceClient, MetricsTarget } from '../types';
import type { TokenSet } from '../../core/model/tokens';
import { bearer } from '../google/api';
import { YT_ANALYTICS_SCOPE } from './analytics';

const REPORTS_URL = 'https://youtubeanalytics.googleapis.com/v2/reports';
const DAY_MS = 86_400_000;
const WINDOW_DAYS = 30;
/** The top countries kept; the rest of the views are left out of `byCountry`. */
export const TOP_COUNTRIES = 25;

const reportSchema = z.object({
  columnHeaders: z.array(z.object({ name: z.string() })),
  rows: z.array(z.array(z.union([z.string(), z.number()]))).optional(),
});
type Report = z.infer<typeof reportSchema>;

const GENDERS: Readonly<Record<string, string>> = { female: 'F', male: 'M', user_specified: 'U' };

/** `female` + `age25-34` → `F.25-34`; `age65-` (65 and over) → `65+`. Undefined for values YouTube does not document. */
export const ageGenderKey = (gender: string, ageGroup: string): string | undefined => {
  const g = GENDERS[gender];
  const age = /^age(\d+)-(\d*)$/.exec(ageGroup);
  if (!g || !age) return undefined;
  return `${g}.${age[1]}${age[2] ? `-${age[2]}` : '+'}`;
};

/** Rows of a report as objects keyed by column name: YouTube's column order is not relied on. */
const rowsOf = (report: Report): Record<string, string | number>[] => {
  const names = report.columnHeaders.map((c) => c.name);
  return (report.rows ?? []).map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? ''])));
};

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** `byAgeGender` from an `ageGroup,gender` / `viewerPercentage` report; undefined when it has no rows. */
export const parseAgeGender = (report: Report): Record<string, number> | undefined => {
  const out: Record<string, number> = {};
  for (const row of rowsOf(report)) {
    const key = ageGenderKey(String(row['gender']), String(row['ageGroup']));
    const pct = Number(row['viewerPercentage']);
    if (key && Number.isFinite(pct) && pct > 0) out[key] = round2((out[key] ?? 0) + pct);
  }
  return Object.keys(out).length > 0 ? out : undefined;
};

/**
 * `byCountry` as percent of all views: the report's views by country over `totalViews` (the
 * channel's views in the same window). Undefined when there were no views.
 */
export const parseCountries = (report: Report, totalViews?: number): Record<string, number> | undefined => {
  const views = new Map<string, number>();
  for (const row of rowsOf(report)) {
    const country = String(row['country']);
    const n = Number(row['views']);
    if (/^[A-Z]{2}$/.test(country) && Number.isFinite(n) && n > 0) views.set(country, n);
  }
  const listed = [...views.values()].reduce((a, b) => a + b, 0);
  // A total below the listed sum would give shares over 100 %: the rows are then the better total.
  const total = Math.max(totalViews ?? 0, listed);
  if (total === 0) return undefined;
  return Object.fromEntries([...views].map(([country, n]) => [country, round2((n * 100) / total)]));
};

const query = (ctx: CallContext, tokens: TokenSet, params: Record<string, string | number>): Promise<Report> =>
  callJson(ctx, { method: 'GET', url: REPORTS_URL, query: { ids: 'channel==MINE', ...params }, headers: bearer(tokens) }, reportSchema);

/** Builds the YouTube audience client: two reports a day, a third when the country list is cut at 25. */
export const createYoutubeAudience = (ctx: CallContext, now: () => Date): AudienceClient => ({
  /**
   * The channel's audience over the last 30 days, as percentages of views. Undefined when the
   * grant lacks `yt-analytics.readonly` (no call is made) or YouTube has no figures to show.
   * `ids=channel==MINE` means the token's own channel: one token serves one channel.
   */
  async fetch(target: MetricsTarget): Promise<AudienceBreakdown | undefined> {
    const { tokens } = target;
    if (!tokens.scopes.includes(YT_ANALYTICS_SCOPE)) return undefined;
    const end = now();
    const window = { startDate: new Date(end.getTime() - WINDOW_DAYS * DAY_MS).toISOString().slice(0, 10), endDate: end.toISOString().slice(0, 10) };

    const ageGender = await query(ctx, tokens, { ...window, metrics: 'viewerPercentage', dimensions: 'ageGroup,gender' });
    const countries = await query(ctx, tokens, { ...window, metrics: 'views', dimensions: 'country', sort: '-views', maxResults: TOP_COUNTRIES });
    // A full page means other countries were cut off, so their views must come from the total.
    let totalViews: number | undefined;
    if ((countries.rows?.length ?? 0) >= TOP_COUNTRIES) {
      const total = rowsOf(await query(ctx, tokens, { ...window, metrics: 'views' }))[0]?.['views'];
      totalViews = Number.isFinite(Number(total)) ? Number(total) : undefined;
    }

    const byAgeGender = parseAgeGender(ageGender);
    const byCountry = parseCountries(countries, totalViews);
    if (!byAgeGender && !byCountry) return undefined;
    return { unit: 'percent_of_views', ...(byCountry && { byCountry }), ...(byAgeGender && { byAgeGender }) };
  },
});
