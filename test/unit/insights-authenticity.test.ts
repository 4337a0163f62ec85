import { assessAuthenticity, sizeTierOf, type AuthenticityReason } from '../../functions/core/insights/authenticity';
import type { HistoryPoint } from '../../functions/core/ports/history';

const DAY = 86_400_000;
const START = Date.parse('2024-03-01T06:00:00.000Z');
const dayAt = (n: number) => new Date(START + n * DAY).toISOString();
const dayOf = (n: number) => dayAt(n).slice(0, 10);
type Snapshot = HistoryPoint['snapshot'];
type Recent = NonNullable<Snapshot['recent']>;

/** A daily series from a start count and day-over-day changes, each day's snapshot extended by `extra(day)`. */
const account = (start: number, changes: readonly number[], extra: (day: number) => Partial<Snapshot> = () => ({})): HistoryPoint[] => {
  let f = start;
  const counts = [start, ...changes.map((c) => (f += c))];
  return counts.map((followers, n) => ({ at: dayAt(n), snapshot: { followers, following: 300, ...extra(n) } }));
};
const recent = (interactions: number): Recent => ({ sampleSize: 12, likes: interactions * 0.8, comments: interactions * 0.15, shares: interactions * 0.05, views: interactions * 20 });
const steady = (days: number, perDay = 100): number[] => Array.from({ length: days }, (_, i) => perDay + ((i * 37) % 41) - 20);
const reason = <C extends AuthenticityReason['code']>(reasons: readonly AuthenticityReason[], code: C) =>
  reasons.find((r): r is Extract<AuthenticityReason, { code: C }> => r.code === code);

describe('assessAuthenticity', () => {
  it('scores a steadily growing, engaged account 100 with every rule passed and high confidence', () => {
    const a = assessAuthenticity(account(20_000, steady(40), (n) => ({ recent: recent(500 + 5 * n) })));
    expect(a).toMatchObject({ score: 100, confidence: 'high', daysOfHistory: 41, reasons: [] });
    expect(a.checks).toEqual({
      follower_spike: 'passed',
      burst_after_dip: 'passed',
      growth_without_engagement: 'passed',
      low_engagement_for_size: 'passed',
      following_ratio: 'passed',
    });
  });

  describe('follower_spike', () => {
    it('fires on a spike with its day and size as evidence', () => {
      const changes = steady(20);
      changes[11] = 4_000; // into day 12
      const a = assessAuthenticity(account(20_000, changes, () => ({ recent: recent(600) })));
      const r = reason(a.reasons, 'follower_spike');
      expect(r).toMatchObject({ penalty: 15, evidence: { spikes: [{ day: dayOf(12), change: 4_000 }] } });
      expect(r!.message).toContain(`+4,000 on ${dayOf(12)}`);
      expect(a.checks.follower_spike).toBe('flagged');
      expect(a.score).toBe(100 - a.reasons.reduce((s, x) => s + x.penalty, 0));
    });

    it('caps the penalty at 45 however many spikes there are', () => {
      const changes = steady(30);
      for (const i of [3, 8, 13, 18, 23]) changes[i] = 5_000;
      const r = reason(assessAuthenticity(account(20_000, changes)).reasons, 'follower_spike');
      expect(r!.evidence.spikes).toHaveLength(5);
      expect(r!.penalty).toBe(45);
    });
  });

  describe('burst_after_dip', () => {
    it('fires on a spike within 7 days after a dip, alongside the spike itself', () => {
      const changes = steady(20);
      changes[9] = -2_000; // dip on day 10
      changes[12] = 3_000; // spike on day 13
      const a = assessAuthenticity(account(20_000, changes, () => ({ recent: recent(600) })));
      expect(reason(a.reasons, 'burst_after_dip')).toMatchObject({
        penalty: 15,
        evidence: { bursts: [{ dip: { day: dayOf(10), change: -2_000 }, spike: { day: dayOf(13), change: 3_000 }, daysAfterDip: 3 }] },
      });
      expect(reason(a.reasons, 'follower_spike')?.penalty).toBe(15);
      expect(a.checks.burst_after_dip).toBe('flagged');
    });

    it('does not fire on a dip alone', () => {
      const changes = steady(20);
      changes[9] = -2_000;
      const a = assessAuthenticity(account(20_000, changes, () => ({ recent: recent(600) })));
      expect(a.checks.burst_after_dip).toBe('passed');
      expect(a.reasons).toEqual([]);
    });
  });

  describe('growth_without_engagement', () => {
    // 10,000 → 12,000 over 30 days at a smooth 66–67 a day: ≥ 10 % growth, no spike.
    const grow = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 68 : 66));

    it('fires when followers grew ≥ 10 % in 30 days and interactions per post did not grow', () => {
      const a = assessAuthenticity(account(10_000, grow, (n) => ({ recent: recent(500 - n) })));
      const r = reason(a.reasons, 'growth_without_engagement');
      expect(r).toMatchObject({
        penalty: 20,
        evidence: {
          windowDays: 30,
          followersFrom: { at: dayAt(0), followers: 10_000 },
          followersTo: { at: dayAt(30), followers: 12_000 },
          interactionsFrom: { at: dayAt(0), perPost: 500 },
          interactionsTo: { at: dayAt(30), perPost: 470 },
        },
      });
      expect(r!.evidence.followerGrowthPercent).toBeCloseTo(20, 10);
      expect(a.checks.follower_spike).toBe('passed');
    });

    it('compares the first and last snapshots of the window that carry a recent sample', () => {
      const points = account(10_000, grow, (n) => (n === 4 ? { recent: recent(400) } : n === 26 ? { recent: recent(400) } : {}));
      expect(reason(assessAuthenticity(points).reasons, 'growth_without_engagement')?.evidence).toMatchObject({
        interactionsFrom: { at: dayAt(4) },
        interactionsTo: { at: dayAt(26) },
      });
    });

    it('does not fire when interactions per post grew too', () => {
      const a = assessAuthenticity(account(10_000, grow, (n) => ({ recent: recent(500 + n) })));
      expect(a.checks.growth_without_engagement).toBe('passed');
    });

    it('does not fire when followers grew under 10 %', () => {
      const slow = Array.from({ length: 30 }, () => 30); // +9 %
      const a = assessAuthenticity(account(10_000, slow, () => ({ recent: recent(500) })));
      expect(a.checks.growth_without_engagement).toBe('passed');
    });

    it('is not evaluated without two recent samples in the window', () => {
      const a = assessAuthenticity(account(10_000, grow, (n) => (n === 30 ? { recent: recent(500) } : {})));
      expect(a.checks.growth_without_engagement).toBe('not_evaluated');
      expect(reason(a.reasons, 'growth_without_engagement')).toBeUndefined();
    });
  });

  describe('low_engagement_for_size', () => {
    it('fires when ER by followers is under a quarter of the tier benchmark', () => {
      // 50,000 followers: tier 10k–100k, typical 2 %, threshold 0.5 %; 200 per post = 0.4 %.
      const a = assessAuthenticity(account(50_000, [0], () => ({ recent: recent(200) })));
      const r = reason(a.reasons, 'low_engagement_for_size');
      expect(r).toMatchObject({ penalty: 20, evidence: { followers: 50_000, tier: '10k_to_100k', typicalRate: 2, threshold: 0.5, sampleSize: 12 } });
      expect(r!.evidence.engagementRate).toBeCloseTo(0.4, 10);
    });

    it('does not fire at or above the threshold, and is not evaluated without a sample', () => {
      expect(assessAuthenticity(account(50_000, [0], () => ({ recent: recent(300) }))).checks.low_engagement_for_size).toBe('passed');
      expect(assessAuthenticity(account(50_000, [0])).checks.low_engagement_for_size).toBe('not_evaluated');
    });

    it('judges the given latest snapshot rather than the last daily one', () => {
      const a = assessAuthenticity(account(50_000, [0], () => ({ recent: recent(300) })), { followers: 2_000_000, recent: recent(1_000) });
      expect(reason(a.reasons, 'low_engagement_for_size')?.evidence).toMatchObject({ tier: '1m_and_over', threshold: 0.2 });
    });

    it('places accounts in the documented size tiers', () => {
      expect([9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000].map((f) => sizeTierOf(f).typicalRate)).toEqual([4, 2, 2, 1.2, 1.2, 0.8]);
    });
  });

  describe('following_ratio', () => {
    const latest = (following: number, followers: number) => assessAuthenticity([], { followers, following });

    it('fires at following ≥ 1,000 and following / followers ≥ 1.5', () => {
      expect(reason(latest(3_000, 1_200).reasons, 'following_ratio')).toMatchObject({ penalty: 15, evidence: { following: 3_000, followers: 1_200, ratio: 2.5 } });
      expect(latest(1_500, 1_000).checks.following_ratio).toBe('flagged');
    });

    it('does not fire under either bound', () => {
      expect(latest(999, 100).checks.following_ratio).toBe('passed');
      expect(latest(1_400, 1_000).checks.following_ratio).toBe('passed');
    });

    it('fires without a ratio when the account has no followers', () => {
      const r = reason(latest(1_000, 0).reasons, 'following_ratio');
      expect(r?.evidence).toEqual({ following: 1_000, followers: 0 });
    });
  });

  describe('history length', () => {
    it('says history is insufficient under 7 days and skips the series rules', () => {
      const changes = [0, 0, 5_000]; // a spike, but only 4 days
      const a = assessAuthenticity(account(1_000, changes, () => ({ following: 10_000 }))); // 6,000 followers at the end
      expect(a.confidence).toBe('low');
      expect(reason(a.reasons, 'insufficient_history')).toMatchObject({ penalty: 0, evidence: { days: 4, required: 7 } });
      expect(a.checks).toMatchObject({ follower_spike: 'not_evaluated', burst_after_dip: 'not_evaluated', growth_without_engagement: 'not_evaluated' });
      expect(a.checks.following_ratio).toBe('flagged');
      expect(a.score).toBe(85);
    });

    it('grades confidence medium from 7 days and high from 30', () => {
      expect(assessAuthenticity(account(1_000, steady(6, 5))).confidence).toBe('medium');
      expect(assessAuthenticity(account(1_000, steady(28, 5))).confidence).toBe('medium');
      expect(assessAuthenticity(account(1_000, steady(29, 5))).confidence).toBe('high');
    });
  });

  it('clamps the score at 0 when the penalties add up past 100', () => {
    const changes = Array.from({ length: 40 }, () => 10);
    changes[19] = -500; // dip day 20
    changes[21] = 1_500; // spike day 22
    changes[27] = -500; // dip day 28
    changes[29] = 1_500; // spike day 30
    changes[34] = 1_500; // spike day 35 (7 days after the dip of day 28)
    const a = assessAuthenticity(account(5_000, changes, () => ({ following: 20_000, recent: { sampleSize: 5, likes: 5, comments: 1, shares: 0, views: 90 } })));
    expect(a.reasons.map((r) => [r.code, r.penalty])).toEqual([
      ['follower_spike', 45],
      ['burst_after_dip', 30],
      ['growth_without_engagement', 20],
      ['low_engagement_for_size', 20],
      ['following_ratio', 15],
    ]);
    expect(reason(a.reasons, 'burst_after_dip')!.evidence.bursts.map((b) => b.daysAfterDip)).toEqual([2, 2, 7]);
    expect(a.score).toBe(0);
  });
});
