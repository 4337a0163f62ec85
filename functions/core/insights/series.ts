/** Series plumbing shared by the insights functions: instants, UTC days and the daily follower series. */
import type { HistoryPoint } from '../ports/history';

export const DAY_MS = 86_400_000;

/** A point of the daily follower series, with its parsed instant and UTC day. */
export interface FollowerPoint {
  readonly at: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** Whole UTC days since the epoch: the difference of two is a count of calendar days. */
  readonly dayNumber: number;
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  readonly followers: number;
  readonly point: HistoryPoint;
}

/** Whether a value is a usable count: a finite number that is not negative. */
export const isCount = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n >= 0;

/**
 * Points sorted oldest first by their parsed instant (not by string, so offsets other than `Z`
 * order correctly). Points whose instant does not parse carry no position in time and are dropped.
 */
export const chronological = (points: readonly HistoryPoint[]): { readonly point: HistoryPoint; readonly time: number }[] =>
  points
    .map((point) => ({ point, time: Date.parse(point.at) }))
    .filter((p) => Number.isFinite(p.time))
    .sort((a, b) => a.time - b.time);

/** Every point that carries a follower count, oldest first. */
export const followerSeries = (points: readonly HistoryPoint[]): FollowerPoint[] => {
  const series: FollowerPoint[] = [];
  for (const { point, time } of chronological(points)) {
    const followers = point.snapshot.followers;
    if (!isCount(followers)) continue;
    const dayNumber = Math.floor(time / DAY_MS);
    series.push({ at: point.at, time, dayNumber, day: new Date(time).toISOString().slice(0, 10), followers, point });
  }
  return series;
};

/**
 * The daily follower series: for each UTC day, the newest point that carries a follower count,
 * oldest day first. Accepts raw points as well as stored day snapshots (one per day already).
 */
export const dailyFollowers = (points: readonly HistoryPoint[]): FollowerPoint[] => {
  const byDay = new Map<number, FollowerPoint>();
  for (const p of followerSeries(points)) byDay.set(p.dayNumber, p);
  return [...byDay.values()];
};

/** `part / whole × 100`, or undefined when either is missing, not finite, or the whole is not positive. */
export const percentOf = (part: number | undefined, whole: number | undefined): number | undefined =>
  part !== undefined && whole !== undefined && Number.isFinite(part) && Number.isFinite(whole) && whole > 0 ? (part / whole) * 100 : undefined;
