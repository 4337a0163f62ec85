/**
 * Meta's usage headers, read for how long to wait after a throttle
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
 *
 * `X-App-Usage` and `X-Page-Usage` carry percentages of the rolling one-hour limit;
 * `X-Business-Use-Case-Usage` is keyed by business object id, each with entries whose
 * `estimated_time_to_regain_access` is in minutes.
 */
import { z } from 'zod';
import { parseJson } from '../http';

const usageEntrySchema = z.looseObject({
  type: z.string().optional(),
  call_count: z.number().optional(),
  total_cputime: z.number().optional(),
  total_time: z.number().optional(),
  estimated_time_to_regain_access: z.number().optional(),
});

/** `X-App-Usage` / `X-Page-Usage`: percentages (0–100) of the rolling-hour limit. */
export const appUsageSchema = usageEntrySchema;
/** `X-Business-Use-Case-Usage`: per business object id, one entry per use case. */
export const businessUseCaseUsageSchema = z.record(z.string(), z.array(usageEntrySchema));

export type AppUsage = z.infer<typeof appUsageSchema>;
export type BusinessUseCaseUsage = z.infer<typeof businessUseCaseUsageSchema>;

/** Parses one usage header; undefined when absent or not the documented JSON. */
export const readAppUsage = (headers: Readonly<Record<string, string>>, name: 'x-app-usage' | 'x-page-usage'): AppUsage | undefined => {
  const raw = headers[name];
  if (!raw) return undefined;
  const parsed = appUsageSchema.safeParse(parseJson(raw));
  return parsed.success ? parsed.data : undefined;
};

/** Parses `X-Business-Use-Case-Usage`; undefined when absent or not the documented JSON. */
export const readBusinessUseCaseUsage = (headers: Readonly<Record<string, string>>): BusinessUseCaseUsage | undefined => {
  const raw = headers['x-business-use-case-usage'];
  if (!raw) return undefined;
  const parsed = businessUseCaseUsageSchema.safeParse(parseJson(raw));
  return parsed.success ? parsed.data : undefined;
};

/**
 * Seconds until access returns, from the longest `estimated_time_to_regain_access` (minutes) in
 * the Business Use Case header, then the Page header. Undefined when neither names a wait.
 */
export const regainAccessSeconds = (headers: Readonly<Record<string, string>>): number | undefined => {
  const buc = readBusinessUseCaseUsage(headers);
  const bucMinutes = buc ? Object.values(buc).flat().map((e) => e.estimated_time_to_regain_access ?? 0) : [];
  const pageMinutes = readAppUsage(headers, 'x-page-usage')?.estimated_time_to_regain_access ?? 0;
  const minutes = Math.max(0, ...bucMinutes, pageMinutes);
  return minutes > 0 ? Math.ceil(minutes * 60) : undefined;
};
