import { followerGrowth } from '../../functions/core/insights/growth';
import type { HistoryPoint } from '../../functions/core/ports/history';

const DAY = 86_400_000;
const START = Date.parse('2024-01-01T06:00:00.000Z');
const dayAt = (n: number) => new Date(START + n * DAY).toISOString();
/** One snapshot a day at 06:00Z, day 0 first. */
const daily = (counts: readonly number[], extra: Partial<HistoryPoint['snapshot']> = {}): HistoryPoint[] =>
  counts.map((followers, n) => ({ at: dayAt(n), snapshot: { followers, ...extra } }));
const windowOf = (g: ReturnType<typeof followerGrowth>, days: number) => g.windows.find((w) => w.days === days)!;

describe('followerGrowth', () => {
  it('measures each window from the snapshot at or before now − N days', () => {
    const points = daily(Array.from({ length: 100 }, (_, i) => 1_000 + 10 * i)); // day 99: 1,990
    const now = new Date(START + 99 * DAY + 2 * 3_600_000);
    const g = followerGrowth(points, now);
    expect(g.latest).toMatchObject({ at: dayAt(99), followers: 1_990 });
    expect(g.windows.map((w) => w.days)).toEqual([1, 7, 30, 90]);
    expect(windowOf(g, 1)).toMatchObject({ baseline: { at: dayAt(98), followers: 1_980 }, absolute: 10 });
    expect(windowOf(g, 1).percent).toBeCloseTo((10 / 1_980) * 100, 10);
    expect(windowOf(g, 7)).toMatchObject({ baseline: { at: dayAt(92) }, absolute: 70 });
    expect(windowOf(g, 30)).toMatchObject({ baseline: { at: dayAt(69) }, absolute: 300 });
    expect(windowOf(g, 90)).toMatchObject({ baseline: { at: dayAt(9), followers: 1_090 }, absolute: 900 });
    expect(windowOf(g, 90).percent).toBeCloseTo((900 / 1_090) * 100, 10);
  });

  it('leaves windows without data old enough undefined rather than 0', () => {
    const g = followerGrowth(daily(Array.from({ length: 10 }, (_, i) => 500 + i)), new Date(START + 9 * DAY + 60_000));
    expect(windowOf(g, 7).absolute).toBe(7);
    expect(windowOf(g, 30)).toEqual({ days: 30 });
    expect(windowOf(g, 90)).toEqual({ days: 90 });
  });

  it('falls back to the nearest earlier snapshot when the exact day is missing', () => {
    const points = daily([100, 110, 120, 130, 140, 150, 160, 170]).filter((_, n) => n !== 0 && n !== 1); // days 2..7
    const g = followerGrowth(points, new Date(START + 7 * DAY + 1_000), [5, 6]);
    expect(windowOf(g, 5)).toMatchObject({ baseline: { at: dayAt(2), followers: 120 }, absolute: 50 });
    expect(windowOf(g, 6)).toEqual({ days: 6 }); // only day 2 or later exists, day 1 is needed
  });

  it('reports a decline as a negative change', () => {
    const g = followerGrowth(daily([2_000, 1_900]), new Date(START + DAY), [1]);
    expect(windowOf(g, 1)).toMatchObject({ absolute: -100, percent: -5 });
  });

  it('gives the absolute change but no percent from a baseline of 0 followers', () => {
    const g = followerGrowth(daily([0, 25]), new Date(START + DAY), [1]);
    expect(windowOf(g, 1)).toEqual({ days: 1, baseline: { at: dayAt(0), followers: 0 }, absolute: 25 });
  });

  it('ignores points after now and points without a follower count', () => {
    const points = [...daily([100, 110, 120]), { at: dayAt(2.5), snapshot: { posts: 4 } }];
    const g = followerGrowth(points, new Date(START + DAY + 60_000), [1]);
    expect(g.latest).toMatchObject({ at: dayAt(1), followers: 110 });
    expect(windowOf(g, 1)).toMatchObject({ absolute: 10 });
  });

  it('yields no growth from a lone point, even when it is old enough to be a baseline', () => {
    const g = followerGrowth(daily([300]), new Date(START + 10 * DAY));
    expect(g.latest).toMatchObject({ followers: 300 });
    expect(g.windows.every((w) => w.baseline === undefined && w.absolute === undefined)).toBe(true);
  });

  it('carries the latest following, posts, views and likes', () => {
    const g = followerGrowth(daily([10, 20], { following: 5, posts: 7, views: 900, likes: 33 }), new Date(START + DAY));
    expect(g.latest).toEqual({ at: dayAt(1), followers: 20, following: 5, posts: 7, views: 900, likes: 33 });
  });

  it('answers an empty series with no latest figures and empty windows', () => {
    const g = followerGrowth([], new Date(START));
    expect(g.latest).toBeUndefined();
    expect(g.windows).toEqual([{ days: 1 }, { days: 7 }, { days: 30 }, { days: 90 }]);
  });
});
