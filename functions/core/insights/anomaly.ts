/**
 * Follower spikes and dips on a daily series.
 *
 * The rule, for the daily series f₀ … fₙ (one follower count per UTC day, oldest first):
 * 1. Daily change cᵢ = (fᵢ − fᵢ₋₁) / dᵢ, where dᵢ ≥ 1 is the number of calendar days between the
 *    two snapshots: a change across a gap in syncing is spread evenly over the gap's days.
 * 2. m = median(c); MAD = median(|cᵢ − m|); σ = 1.4826 × MAD, the robust estimate of the standard
 *    deviation (the factor makes it match σ for normally distributed changes). Median and MAD are
 *    used because a spike inflates a mean and a standard deviation enough to hide itself.
 * 3. Day i is a SPIKE when cᵢ > max(m + k·σ, r·fᵢ₋₁, a), and a DIP when cᵢ < min(m − k·σ, −r·fᵢ₋₁, −a),
 *    with k = 3.5 (the modified z-score cut-off of Iglewicz & Hoaglin), r = 2 % of the followers
 *    before the change and a = 50 followers. The floors keep a perfectly steady series (σ = 0)
 *    or a tiny account from flagging ordinary noise.
 * 4. A BURST AFTER DIP is a spike whose day is at most 7 calendar days after a dip's day (the
 *    pattern of a purge of fake followers followed by buying more); each spike pairs with the
 *    newest such dip.
 */
import type { HistoryPoint } from '../ports/history';
import { DAY_MS, dailyFollowers } from './series';

export interface AnomalyOptions {
  /** How many robust deviations above (below) the median a spike (dip) must be. Default 3.5. */
  readonly k?: number;
  /** Minimum change as a fraction of the followers before it. Default 0.02. */
  readonly minRelative?: number;
  /** Minimum change in followers. Default 50. */
  readonly minAbsolute?: number;
  /** How many days after a dip a spike counts as a burst after it. Default 7. */
  readonly burstWindowDays?: number;
}

export const DEFAULT_ANOMALY_OPTIONS: Readonly<Required<AnomalyOptions>> = { k: 3.5, minRelative: 0.02, minAbsolute: 50, burstWindowDays: 7 };

/** The robust-deviation factor for a normal distribution (1 / Φ⁻¹(3/4)). */
const MAD_TO_SIGMA = 1.4826;

/** The change between two consecutive snapshots of the daily series. */
export interface FollowerChange {
  /** Instant of the earlier snapshot. */
  readonly from: string;
  /** Instant of the later snapshot: the change is attributed to its day. */
  readonly at: string;
  /** UTC day (`YYYY-MM-DD`) of `at`. */
  readonly day: string;
  /** Calendar days between the snapshots (1 without a gap). */
  readonly days: number;
  readonly previous: number;
  readonly followers: number;
  /** followers − previous. */
  readonly change: number;
  /** change / days: the figure the rule tests. */
  readonly perDay: number;
}

export interface FollowerAnomaly extends FollowerChange {
  readonly kind: 'spike' | 'dip';
  /** The per-day change this day had to exceed (spike) or fall below (dip). */
  readonly threshold: number;
}

export interface BurstAfterDip {
  readonly dip: FollowerAnomaly;
  readonly spike: FollowerAnomaly;
  /** Calendar days from the dip's day to the spike's day. */
  readonly daysAfterDip: number;
}

export interface AnomalyReport {
  readonly changes: readonly FollowerChange[];
  /** Median per-day change (undefined without any change). */
  readonly median: number | undefined;
  /** σ = 1.4826 × MAD of the per-day changes (undefined without any change). */
  readonly robustDeviation: number | undefined;
  readonly spikes: readonly FollowerAnomaly[];
  readonly dips: readonly FollowerAnomaly[];
  readonly burstsAfterDip: readonly BurstAfterDip[];
  /** The parameters the rule ran with, for the evidence trail. */
  readonly rule: Readonly<Required<AnomalyOptions>>;
}

/** Median of a non-empty list. */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Spikes, dips and bursts after dips of the follower count, by the rule in the module comment. */
export const detectFollowerAnomalies = (points: readonly HistoryPoint[], options: AnomalyOptions = {}): AnomalyReport => {
  const rule = { ...DEFAULT_ANOMALY_OPTIONS, ...options };
  const series = dailyFollowers(points);
  const changes: FollowerChange[] = [];
  for (let i = 1; i < series.length; i++) {
    const prev = series[i - 1]!;
    const cur = series[i]!;
    const days = cur.dayNumber - prev.dayNumber;
    const change = cur.followers - prev.followers;
    changes.push({ from: prev.at, at: cur.at, day: cur.day, days, previous: prev.followers, followers: cur.followers, change, perDay: change / days });
  }
  if (changes.length === 0) return { changes, median: undefined, robustDeviation: undefined, spikes: [], dips: [], burstsAfterDip: [], rule };

  const perDay = changes.map((c) => c.perDay);
  const m = median(perDay);
  const sigma = MAD_TO_SIGMA * median(perDay.map((c) => Math.abs(c - m)));
  const spikes: FollowerAnomaly[] = [];
  const dips: FollowerAnomaly[] = [];
  for (const c of changes) {
    const floor = Math.max(rule.minRelative * c.previous, rule.minAbsolute);
    const up = Math.max(m + rule.k * sigma, floor);
    const down = Math.min(m - rule.k * sigma, -floor);
    if (c.perDay > up) spikes.push({ ...c, kind: 'spike', threshold: up });
    else if (c.perDay < down) dips.push({ ...c, kind: 'dip', threshold: down });
  }
  return { changes, median: m, robustDeviation: sigma, spikes, dips, burstsAfterDip: pairBursts(spikes, dips, rule.burstWindowDays), rule };
};

const dayNumberOf = (day: string): number => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

/** Each spike paired with the newest dip at most `windowDays` calendar days before it. */
const pairBursts = (spikes: readonly FollowerAnomaly[], dips: readonly FollowerAnomaly[], windowDays: number): BurstAfterDip[] => {
  const bursts: BurstAfterDip[] = [];
  for (const spike of spikes) {
    const spikeDay = dayNumberOf(spike.day);
    let dip: FollowerAnomaly | undefined;
    for (const d of dips) {
      const gap = spikeDay - dayNumberOf(d.day);
      if (gap > 0 && gap <= windowDays) dip = d;
    }
    if (dip) bursts.push({ dip, spike, daysAfterDip: spikeDay - dayNumberOf(dip.day) });
  }
  return bursts;
};
