/**
 * Follower growth over fixed windows. For a window of N days the baseline is the newest point at or
 * before `now − N days`; the change is measured from it to the latest point at or before `now`:
 *   absolute = latest followers − baseline followers
 *   percent  = absolute / baseline followers × 100   (undefined when the baseline is 0)
 * A window with no point old enough has no baseline and every figure undefined, never a fake 0.
 */
import type { HistoryPoint } from '../ports/history';
import { DAY_MS, followerSeries, isCount, percentOf, type FollowerPoint } from './series';

/** The windows the API reports, in days. */
export const GROWTH_WINDOW_DAYS: readonly number[] = [1, 7, 30, 90];

/** A follower count at an instant. */
export interface FollowerFigure {
  readonly at: string;
  readonly followers: number;
}

/** The newest figures the series holds, taken from one point. */
export interface LatestFigures extends FollowerFigure {
  readonly following?: number;
  readonly posts?: number;
  readonly views?: number;
  readonly likes?: number;
}

export interface GrowthWindow {
  readonly days: number;
  /** The point the change is measured from; absent when the series does not reach back far enough. */
  readonly baseline?: FollowerFigure;
  readonly absolute?: number;
  readonly percent?: number;
}

export interface FollowerGrowth {
  readonly latest?: LatestFigures;
  /** One entry per requested window, in the order asked. */
  readonly windows: readonly GrowthWindow[];
}

const latestFigures = (p: FollowerPoint): LatestFigures => {
  const s = p.point.snapshot;
  return {
    at: p.at,
    followers: p.followers,
    ...(isCount(s.following) && { following: s.following }),
    ...(isCount(s.posts) && { posts: s.posts }),
    ...(isCount(s.views) && { views: s.views }),
    ...(isCount(s.likes) && { likes: s.likes }),
  };
};

/** Newest point at or before `time` (the series is oldest first). */
const atOrBefore = (series: readonly FollowerPoint[], time: number): FollowerPoint | undefined => {
  let found: FollowerPoint | undefined;
  for (const p of series) {
    if (p.time > time) break;
    found = p;
  }
  return found;
};

/**
 * Follower growth over each window (default 1/7/30/90 days) from daily snapshots (finer points
 * work too), plus the latest figures. Points after `now` are ignored; a baseline must be older
 * than the latest point, so a lone point yields no growth rather than a 0 change.
 */
export const followerGrowth = (points: readonly HistoryPoint[], now: Date, windowDays: readonly number[] = GROWTH_WINDOW_DAYS): FollowerGrowth => {
  const series = followerSeries(points);
  const latest = atOrBefore(series, now.getTime());
  const windows = windowDays.map((days): GrowthWindow => {
    const baseline = latest ? atOrBefore(series, now.getTime() - days * DAY_MS) : undefined;
    if (!latest || !baseline || baseline.time >= latest.time) return { days };
    const absolute = latest.followers - baseline.followers;
    const percent = percentOf(absolute, baseline.followers);
    return { days, baseline: { at: baseline.at, followers: baseline.followers }, absolute, ...(percent !== undefined && { percent }) };
  });
  return { ...(latest && { latest: latestFigures(latest) }), windows };
};
