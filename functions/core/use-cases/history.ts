/** Reading a connection's metric history. */
import { ValidationError } from '../errors';
import { bucketPoints } from '../insights/buckets';
import type { UseCaseDeps } from './context';
import { getConnection } from './connections';

const DAY_MS = 86_400_000;

export interface HistoryQuery {
  readonly from?: string;
  readonly to?: string;
  readonly interval: 'hour' | 'day';
}

/**
 * Hourly series come from the points (last point of each hour); daily ones from the day
 * snapshots, which outlive the points. The default window is the last 30 days.
 */
export const connectionHistory = async (deps: UseCaseDeps, userId: string, connectionId: string, q: HistoryQuery) => {
  await getConnection(deps, userId, connectionId);
  const to = q.to ? new Date(q.to) : deps.now();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY_MS);
  if (from.getTime() > to.getTime()) throw new ValidationError([{ field: 'query.from', message: 'must not be after to' }]);
  if (q.interval === 'hour' && to.getTime() - from.getTime() > 31 * DAY_MS) {
    throw new ValidationError([{ field: 'query.from', message: 'an hourly series spans at most 31 days; use interval=day' }]);
  }
  const raw =
    q.interval === 'hour'
      ? await deps.history.points(connectionId, from.toISOString(), to.toISOString())
      : await deps.history.daily(connectionId, from.toISOString().slice(0, 10), to.toISOString().slice(0, 10));
  const points = bucketPoints(raw, q.interval);
  return { connectionId, interval: q.interval, from: from.toISOString(), to: to.toISOString(), points: points.map((p) => ({ at: p.at, ...p.snapshot })) };
};
