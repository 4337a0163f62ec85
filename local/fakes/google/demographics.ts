/**
 * The demographic and geographic YouTube Analytics reports as the fake serves them
 * (https://developers.google.com/youtube/analytics/channel_reports#demographic-reports and
 * #geographic-reports):
 *
 * - `dimensions=ageGroup,gender` (or either alone) takes `metrics=viewerPercentage` only, with
 *   rows like `["age25-34","female",12.3]` whose percentages add up to 100;
 * - `dimensions=country` splits the channel's figures for the period over ISO country codes.
 *
 * Shares are derived from the account name, so the same channel always has the same audience.
 * A name containing `fewviewers` is under YouTube's anonymity threshold
 * (https://developers.google.com/youtube/analytics/data_model#data-anonymization): both reports
 * answer their headers and no rows, as YouTube does. A name containing `local` is watched in four
 * countries only (shorter than a page of 25); others in 40.
 */
import type { FakeResponse } from '../framework';
import { unit } from '../audience';
import { classicError } from './errors';

export const AGE_GROUPS = ['age13-17', 'age18-24', 'age25-34', 'age35-44', 'age45-54', 'age55-64', 'age65-'] as const;
export const GENDERS = ['female', 'male', 'user_specified'] as const;
export const COUNTRIES = [
  'US', 'IN', 'BR', 'GB', 'DE', 'FR', 'CA', 'MX', 'ID', 'PH', 'JP', 'ES', 'IT', 'AU', 'TR', 'PL', 'NL', 'KR', 'AR', 'CO',
  'VN', 'TH', 'EG', 'NG', 'PK', 'SA', 'ZA', 'SE', 'BE', 'CH', 'AT', 'PT', 'CL', 'PE', 'MY', 'RO', 'UA', 'IE', 'NZ', 'SG',
] as const;

const DEMOGRAPHIC_DIMENSIONS = new Set(['ageGroup', 'gender', 'ageGroup,gender', 'gender,ageGroup']);

/** Whether `dimensions` asks for one of the reports this module serves. */
export const isAudienceDimension = (dimensions: string): boolean => DEMOGRAPHIC_DIMENSIONS.has(dimensions) || dimensions === 'country';

/** Whether the channel is too small for YouTube to show who watches it. */
export const belowThreshold = (accountName: string): boolean => accountName.includes('fewviewers');

const unsupported = (): FakeResponse =>
  classicError(400, 'The query is not supported. Check the documentation at https://developers.google.com/youtube/analytics/v2/available_reports for a list of supported queries.', [
    { message: 'The query is not supported.', domain: 'global', reason: 'badRequest' },
  ], 'INVALID_ARGUMENT');

/** The channel's share of viewers per age group and gender, in percent with one decimal (summing to ~100). */
export const viewerShares = (accountName: string): Map<string, number> => {
  const weights = new Map<string, number>();
  for (const age of AGE_GROUPS) {
    for (const gender of GENDERS) {
      // Few viewers state a custom gender; the youngest and oldest groups are small too.
      const scale = (gender === 'user_specified' ? 0.02 : 1) * (age === 'age13-17' || age === 'age65-' ? 0.3 : 1);
      weights.set(`${age}|${gender}`, unit(`${accountName}:viewers:${age}:${gender}`) * scale);
    }
  }
  const sum = [...weights.values()].reduce((a, b) => a + b, 0);
  const out = new Map<string, number>();
  for (const [key, w] of weights) {
    const pct = Math.round((w * 1000) / sum) / 10;
    if (pct > 0) out.set(key, pct);
  }
  return out;
};

/** The countries the channel is watched from, with their share of its views (largest first, summing to 1). */
export const countryShares = (accountName: string): [string, number][] => {
  const countries = accountName.includes('local') ? COUNTRIES.slice(0, 4) : COUNTRIES;
  // A long tail: each next country weighs less, with a per-channel jitter.
  const weights = countries.map((c, i): [string, number] => [c, (0.5 + unit(`${accountName}:country:${c}`)) / (i + 1)]);
  const sum = weights.reduce((a, [, w]) => a + w, 0);
  return weights.map(([c, w]): [string, number] => [c, w / sum]).sort((a, b) => b[1] - a[1]);
};

interface AudienceReportInput {
  readonly accountName: string;
  readonly dimensions: string;
  readonly metrics: readonly string[];
  /** The channel's figures for the period by metric name (what a report without dimensions says). */
  readonly totals: Readonly<Record<string, number>>;
  readonly sort: string | null;
  readonly maxResults: number;
}

/** Answers a demographic or geographic report in YouTube's `resultTable` shape. */
export const audienceReport = (input: AudienceReportInput): FakeResponse => {
  const { accountName, metrics, totals } = input;
  const dims = input.dimensions.split(',');
  let rows: (string | number)[][];
  let metricType: 'FLOAT' | 'INTEGER';
  if (input.dimensions === 'country') {
    const unknown = metrics.find((m) => !(m in totals));
    if (unknown) return unsupported();
    metricType = 'INTEGER';
    rows = belowThreshold(accountName) ? [] : countryShares(accountName).map(([c, share]) => [c, ...metrics.map((m) => Math.floor((totals[m] ?? 0) * share))]);
  } else {
    // Demographic reports take viewerPercentage and nothing else.
    if (metrics.length !== 1 || metrics[0] !== 'viewerPercentage') return unsupported();
    metricType = 'FLOAT';
    const byKey = new Map<string, number>();
    if (!belowThreshold(accountName) && (totals['views'] ?? 0) > 0) {
      for (const [key, pct] of viewerShares(accountName)) {
        const [age, gender] = key.split('|') as [string, string];
        const k = dims.map((d) => (d === 'ageGroup' ? age : gender)).join('|');
        byKey.set(k, Math.round(((byKey.get(k) ?? 0) + pct) * 10) / 10);
      }
    }
    rows = [...byKey].map(([k, pct]) => [...k.split('|'), pct]);
  }
  rows = rows.filter((r) => r.slice(dims.length).some((x) => x !== 0));

  const columns = [...dims, ...metrics];
  if (input.sort) {
    const desc = input.sort.startsWith('-');
    const col = columns.indexOf(input.sort.replace(/^-/, ''));
    if (col < 0) return classicError(400, `Unknown identifier (${input.sort}) given in field parameters.sort.`, [{ message: 'Unknown identifier', domain: 'global', reason: 'badRequest' }], 'INVALID_ARGUMENT');
    const cmp = (a: string | number, b: string | number) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)));
    rows.sort((a, b) => cmp(a[col]!, b[col]!) * (desc ? -1 : 1));
  }
  if (input.maxResults > 0) rows = rows.slice(0, input.maxResults);
  return {
    status: 200,
    body: {
      kind: 'youtubeAnalytics#resultTable',
      columnHeaders: [
        ...dims.map((name) => ({ name, columnType: 'DIMENSION', dataType: 'STRING' })),
        ...metrics.map((name) => ({ name, columnType: 'METRIC', dataType: metricType })),
      ],
      ...(rows.length > 0 && { rows }),
    },
  };
};
