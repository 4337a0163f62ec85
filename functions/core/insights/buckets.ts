/** Bucketing of history points for the history API (`interval=hour|day`). */
import type { HistoryPoint } from '../ports/history';
import { chronological } from './series';

export type BucketInterval = 'hour' | 'day';

const BUCKET_MS: Readonly<Record<BucketInterval, number>> = { hour: 3_600_000, day: 86_400_000 };

/**
 * The UTC start of the bucket holding an instant, as an ISO string (`…T13:00:00.000Z` for an hour,
 * `…T00:00:00.000Z` for a day), or undefined when the instant does not parse.
 */
export const bucketStart = (at: string, interval: BucketInterval): string | undefined => {
  const time = Date.parse(at);
  if (!Number.isFinite(time)) return undefined;
  const size = BUCKET_MS[interval];
  return new Date(Math.floor(time / size) * size).toISOString();
};

/**
 * One point per UTC hour or day: the newest point of each bucket (a bucket reports where it
 * ended up), buckets oldest first. Empty buckets are left out rather than filled, so a gap in
 * syncing shows as a gap. Points whose instant does not parse are dropped.
 */
export const bucketPoints = (points: readonly HistoryPoint[], interval: BucketInterval): HistoryPoint[] => {
  const size = BUCKET_MS[interval];
  const byBucket = new Map<number, HistoryPoint>();
  for (const { point, time } of chronological(points)) byBucket.set(Math.floor(time / size), point);
  return [...byBucket.values()];
};
