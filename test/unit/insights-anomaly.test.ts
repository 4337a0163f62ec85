import { detectFollowerAnomalies, median } from '../../functions/core/insights/anomaly';
import type { HistoryPoint } from '../../functions/core/ports/history';

const DAY = 86_400_000;
const START = Date.parse('2024-03-01T06:00:00.000Z');
const dayAt = (n: number) => new Date(START + n * DAY).toISOString();
const dayOf = (n: number) => dayAt(n).slice(0, 10);
/** A daily series from a start count and the day-over-day changes (day 0 is the start). */
const fromChanges = (start: number, changes: readonly number[]): HistoryPoint[] => {
  let f = start;
  return [{ at: dayAt(0), snapshot: { followers: f } }, ...changes.map((c, i) => ({ at: dayAt(i + 1), snapshot: { followers: (f += c) } }))];
};
const WOBBLE = [100, 130, 70, 115, 85, 120, 80, 105, 95, 125, 75, 110, 90, 100, 140, 60, 100, 115, 85, 100, 120, 80, 105, 95, 100, 130, 70, 100, 110, 90];

describe('detectFollowerAnomalies', () => {
  it('finds no spike or dip in steady growth with day-to-day wobble', () => {
    const r = detectFollowerAnomalies(fromChanges(10_000, WOBBLE));
    expect(r.changes).toHaveLength(30);
    expect(r.median).toBe(100);
    expect(r.spikes).toEqual([]);
    expect(r.dips).toEqual([]);
  });

  it('finds the spike on the day it happened, and only there', () => {
    const changes = [...WOBBLE];
    changes[14] = 3_000; // the change into day 15
    const r = detectFollowerAnomalies(fromChanges(10_000, changes));
    expect(r.spikes).toHaveLength(1);
    expect(r.spikes[0]).toMatchObject({ kind: 'spike', day: dayOf(15), at: dayAt(15), from: dayAt(14), change: 3_000, perDay: 3_000, days: 1 });
    expect(r.spikes[0]!.threshold).toBeGreaterThanOrEqual(0.02 * r.spikes[0]!.previous);
    expect(r.dips).toEqual([]);
  });

  it('applies the floor max(2 % of followers, 50) when the series is perfectly steady (MAD 0)', () => {
    // 1,000 followers: floor = max(20, 50) = 50; median 10, MAD 0 → threshold 50, strictly exceeded.
    const atFloor = detectFollowerAnomalies(fromChanges(1_000, [10, 10, 10, 10, 10, 10, 50]));
    expect(atFloor.robustDeviation).toBe(0);
    expect(atFloor.spikes).toEqual([]);
    const above = detectFollowerAnomalies(fromChanges(1_000, [10, 10, 10, 10, 10, 10, 51]));
    expect(above.spikes).toHaveLength(1);
    expect(above.spikes[0]).toMatchObject({ change: 51, threshold: 50 });
    // 100,060 followers before the jump: the relative floor (2,001.2) dominates the absolute one.
    expect(detectFollowerAnomalies(fromChanges(100_000, [10, 10, 10, 10, 10, 10, 2_001])).spikes).toEqual([]);
    expect(detectFollowerAnomalies(fromChanges(100_000, [10, 10, 10, 10, 10, 10, 2_002])).spikes[0]!.threshold).toBeCloseTo(2_001.2, 9);
  });

  it('raises the threshold to median + 3.5 × 1.4826 × MAD on a noisy series', () => {
    // Changes without the last: median 0, MAD 40 → σ = 59.304, 3.5σ = 207.564 (above the floor of 50).
    const noisy = [0, 40, -40, 80, -80, 0, 40, -40];
    const quiet = detectFollowerAnomalies(fromChanges(1_000, [...noisy, 200]));
    expect(quiet.median).toBe(0);
    expect(quiet.robustDeviation).toBeCloseTo(59.304, 6);
    expect(quiet.spikes).toEqual([]);
    const loud = detectFollowerAnomalies(fromChanges(1_000, [...noisy, 210]));
    expect(loud.spikes).toHaveLength(1);
    expect(loud.spikes[0]!.threshold).toBeCloseTo(207.564, 6);
  });

  it('spreads a change across a gap in syncing over the gap\'s days', () => {
    // 10,000 followers, +20 a day; then 3 days without a snapshot and +450 over them (150/day < floor 200).
    const points = fromChanges(10_000, [20, 20, 20, 20, 20, 20]);
    const last = points.at(-1)!.snapshot.followers!;
    const spread = detectFollowerAnomalies([...points, { at: dayAt(9), snapshot: { followers: last + 450 } }]);
    expect(spread.changes.at(-1)).toMatchObject({ days: 3, change: 450, perDay: 150 });
    expect(spread.spikes).toEqual([]);
    const sudden = detectFollowerAnomalies([...points, { at: dayAt(7), snapshot: { followers: last + 450 } }]);
    expect(sudden.spikes).toHaveLength(1);
  });

  it('finds a dip by the same rule downwards', () => {
    const changes = [...WOBBLE];
    changes[9] = -1_500; // into day 10
    const r = detectFollowerAnomalies(fromChanges(10_000, changes));
    expect(r.spikes).toEqual([]);
    expect(r.dips).toHaveLength(1);
    expect(r.dips[0]).toMatchObject({ kind: 'dip', day: dayOf(10), change: -1_500 });
    expect(r.dips[0]!.threshold).toBeLessThanOrEqual(-0.02 * r.dips[0]!.previous);
  });

  it('pairs a spike within 7 days after a dip as a burst after dip', () => {
    const changes = [...WOBBLE];
    changes[9] = -1_500; // dip on day 10
    changes[13] = 2_500; // spike on day 14
    const r = detectFollowerAnomalies(fromChanges(10_000, changes));
    expect(r.burstsAfterDip).toHaveLength(1);
    expect(r.burstsAfterDip[0]).toMatchObject({ dip: { day: dayOf(10) }, spike: { day: dayOf(14) }, daysAfterDip: 4 });
  });

  it('counts a spike exactly 7 days after the dip, but not 8, nor one before the dip', () => {
    const withSpikeOn = (spikeDay: number) => {
      const changes = [...WOBBLE];
      changes[9] = -1_500; // dip on day 10
      changes[spikeDay - 1] = 2_500;
      return detectFollowerAnomalies(fromChanges(10_000, changes));
    };
    expect(withSpikeOn(17).burstsAfterDip).toMatchObject([{ daysAfterDip: 7 }]);
    expect(withSpikeOn(18).spikes).toHaveLength(1);
    expect(withSpikeOn(18).burstsAfterDip).toEqual([]);
    expect(withSpikeOn(5).burstsAfterDip).toEqual([]);
  });

  it('pairs a spike with the newest of several earlier dips', () => {
    const changes = [...WOBBLE];
    changes[9] = -1_500; // dip on day 10
    changes[11] = -1_500; // dip on day 12
    changes[13] = 3_000; // spike on day 14
    const r = detectFollowerAnomalies(fromChanges(10_000, changes));
    expect(r.burstsAfterDip).toMatchObject([{ dip: { day: dayOf(12) }, daysAfterDip: 2 }]);
  });

  it('uses the last point of each day when given finer points', () => {
    const points = [...fromChanges(1_000, [10, 10, 10, 10, 10]), { at: new Date(START + 5 * DAY - 3_600_000).toISOString(), snapshot: { followers: 5_000 } }];
    // The 05:00 point of day 5 is superseded by the 06:00 one: no spike.
    expect(detectFollowerAnomalies(points).spikes).toEqual([]);
  });

  it('returns no statistics and no anomalies without at least two days', () => {
    for (const points of [[], fromChanges(1_000, [])]) {
      const r = detectFollowerAnomalies(points);
      expect(r).toMatchObject({ changes: [], median: undefined, robustDeviation: undefined, spikes: [], dips: [], burstsAfterDip: [] });
    }
  });

  it('reports the parameters it ran with, honouring overrides', () => {
    const r = detectFollowerAnomalies(fromChanges(1_000, [10, 10, 10, 10, 10, 10, 40]), { minAbsolute: 30 });
    expect(r.rule).toEqual({ k: 3.5, minRelative: 0.02, minAbsolute: 30, burstWindowDays: 7 });
    expect(r.spikes[0]).toMatchObject({ threshold: 30 });
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
