/**
 * Authenticity score: 100 minus the penalties of the rules an account trips, clamped to 0–100,
 * with a reason (code, penalty, message, evidence) for each. Rules:
 * - `follower_spike` — spikes found by `detectFollowerAnomalies`; 15 each, at most 45.
 * - `burst_after_dip` — a spike at most 7 days after a dip; 15 each, at most 30. A spike in a
 *   burst is also a spike: the purge-then-buy pattern is stronger evidence than a spike alone.
 * - `growth_without_engagement` — followers grew ≥ 10 % over the 30 days ending at the newest
 *   snapshot while the average interactions per post (likes + comments + shares) did not grow,
 *   comparing the first and last snapshot of that window that carry a recent-post sample; 20.
 * - `low_engagement_for_size` — ER by followers below a quarter of the typical rate for the
 *   account's size tier (see `SIZE_TIERS`); 20.
 * - `following_ratio` — following ≥ 1,000 and following / followers ≥ 1.5 (follow-for-follow); 15.
 * With fewer than 7 daily snapshots the series rules (spikes, bursts, growth) are not evaluated and
 * an `insufficient_history` reason (penalty 0) says so; `confidence` grows with days of history.
 */
import type { MetricSnapshot } from '../model/connection';
import type { HistoryPoint } from '../ports/history';
import { detectFollowerAnomalies, type AnomalyOptions, type FollowerAnomaly } from './anomaly';
import { engagementRates } from './engagement';
import { DAY_MS, chronological, dailyFollowers, isCount, percentOf } from './series';

export type AuthenticityRule = 'follower_spike' | 'burst_after_dip' | 'growth_without_engagement' | 'low_engagement_for_size' | 'following_ratio';
export type CheckOutcome = 'flagged' | 'passed' | 'not_evaluated';
export type Confidence = 'low' | 'medium' | 'high';

/** Penalty points per rule (per event, capped, for the rules that can fire several times). */
export const AUTHENTICITY_PENALTIES = {
  followerSpike: { each: 15, max: 45 },
  burstAfterDip: { each: 15, max: 30 },
  growthWithoutEngagement: 20,
  lowEngagementForSize: 20,
  followingRatio: 15,
} as const;

/** Fewer daily snapshots than this and the series rules are not evaluated (confidence `low`). */
export const MIN_HISTORY_DAYS = 7;
/** From this many daily snapshots on, confidence is `high`. */
export const HIGH_CONFIDENCE_DAYS = 30;
const GROWTH_WINDOW_DAYS = 30;
const GROWTH_MIN_PERCENT = 10;
const FOLLOWING_MIN = 1_000;
const FOLLOWING_RATIO_MIN = 1.5;
const LOW_ENGAGEMENT_FRACTION = 0.25;

export interface SizeTier {
  readonly tier: string;
  readonly minFollowers: number;
  /** Typical ER by followers, in percent. */
  readonly typicalRate: number;
}

/**
 * Typical ER by followers per account size. These are heuristic benchmarks — round figures in
 * the range industry write-ups commonly quote (engagement falls as audiences grow), not any
 * vendor's published table — so the rule only fires far below them (under a quarter).
 */
export const SIZE_TIERS: readonly SizeTier[] = [
  { tier: 'under_10k', minFollowers: 0, typicalRate: 4 },
  { tier: '10k_to_100k', minFollowers: 10_000, typicalRate: 2 },
  { tier: '100k_to_1m', minFollowers: 100_000, typicalRate: 1.2 },
  { tier: '1m_and_over', minFollowers: 1_000_000, typicalRate: 0.8 },
];

/** The size tier of an account with this many followers. */
export const sizeTierOf = (followers: number): SizeTier => SIZE_TIERS.filter((t) => followers >= t.minFollowers).at(-1) ?? SIZE_TIERS[0]!;

interface AnomalyEvidence {
  readonly day: string;
  readonly at: string;
  readonly change: number;
  readonly perDay: number;
  readonly previous: number;
  readonly followers: number;
  readonly threshold: number;
}

export type AuthenticityReason =
  | { readonly code: 'follower_spike'; readonly penalty: number; readonly message: string; readonly evidence: { readonly spikes: readonly AnomalyEvidence[] } }
  | {
      readonly code: 'burst_after_dip';
      readonly penalty: number;
      readonly message: string;
      readonly evidence: { readonly bursts: readonly { readonly dip: AnomalyEvidence; readonly spike: AnomalyEvidence; readonly daysAfterDip: number }[] };
    }
  | {
      readonly code: 'growth_without_engagement';
      readonly penalty: number;
      readonly message: string;
      readonly evidence: {
        readonly windowDays: number;
        readonly followersFrom: { readonly at: string; readonly followers: number };
        readonly followersTo: { readonly at: string; readonly followers: number };
        readonly followerGrowthPercent: number;
        readonly interactionsFrom: { readonly at: string; readonly perPost: number };
        readonly interactionsTo: { readonly at: string; readonly perPost: number };
      };
    }
  | {
      readonly code: 'low_engagement_for_size';
      readonly penalty: number;
      readonly message: string;
      readonly evidence: {
        readonly followers: number;
        readonly tier: string;
        readonly engagementRate: number;
        readonly typicalRate: number;
        readonly threshold: number;
        readonly sampleSize: number;
      };
    }
  | {
      readonly code: 'following_ratio';
      readonly penalty: number;
      readonly message: string;
      /** `ratio` is absent when the account has no followers (the ratio is unbounded). */
      readonly evidence: { readonly following: number; readonly followers: number; readonly ratio?: number };
    }
  | { readonly code: 'insufficient_history'; readonly penalty: 0; readonly message: string; readonly evidence: { readonly days: number; readonly required: number } };

export type AuthenticityCode = AuthenticityReason['code'];

export interface AuthenticityAssessment {
  /** 0–100; 100 means no rule fired. */
  readonly score: number;
  readonly confidence: Confidence;
  /** Days with a daily snapshot carrying a follower count. */
  readonly daysOfHistory: number;
  readonly reasons: readonly AuthenticityReason[];
  /** What each rule concluded, so "passed" and "could not tell" are told apart. */
  readonly checks: Readonly<Record<AuthenticityRule, CheckOutcome>>;
}

export interface AuthenticityOptions {
  readonly anomaly?: AnomalyOptions;
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const signed = (n: number): string => (n > 0 ? `+${number.format(n)}` : number.format(n));

const anomalyEvidence = (a: FollowerAnomaly): AnomalyEvidence => ({
  day: a.day,
  at: a.at,
  change: a.change,
  perDay: a.perDay,
  previous: a.previous,
  followers: a.followers,
  threshold: a.threshold,
});

const confidenceOf = (days: number): Confidence => (days < MIN_HISTORY_DAYS ? 'low' : days < HIGH_CONFIDENCE_DAYS ? 'medium' : 'high');

type Check<R> = { readonly outcome: CheckOutcome; readonly reason?: R };
type ReasonOf<C extends AuthenticityCode> = Extract<AuthenticityReason, { code: C }>;

const interactionsPerPost = (s: HistoryPoint['snapshot']): number | undefined => {
  const r = s.recent;
  if (!r || !isCount(r.sampleSize) || r.sampleSize === 0) return undefined;
  return isCount(r.likes) && isCount(r.comments) && isCount(r.shares) ? r.likes + r.comments + r.shares : undefined;
};

const growthWithoutEngagement = (daily: readonly HistoryPoint[]): Check<ReasonOf<'growth_without_engagement'>> => {
  const series = dailyFollowers(daily);
  const end = series.at(-1);
  if (!end) return { outcome: 'not_evaluated' };
  const start = end.time - GROWTH_WINDOW_DAYS * DAY_MS;
  const inWindow = series.filter((p) => p.time >= start);
  const first = inWindow[0]!;
  const growth = percentOf(end.followers - first.followers, first.followers);
  if (first === end || growth === undefined) return { outcome: 'not_evaluated' };
  if (growth < GROWTH_MIN_PERCENT) return { outcome: 'passed' };
  const sampled = chronological(daily)
    .filter((p) => p.time >= start && p.time <= end.time)
    .flatMap((p) => {
      const perPost = interactionsPerPost(p.point.snapshot);
      return perPost === undefined ? [] : [{ at: p.point.at, perPost }];
    });
  const from = sampled[0];
  const to = sampled.at(-1);
  if (!from || !to || from === to) return { outcome: 'not_evaluated' };
  if (to.perPost > from.perPost) return { outcome: 'passed' };
  return {
    outcome: 'flagged',
    reason: {
      code: 'growth_without_engagement',
      penalty: AUTHENTICITY_PENALTIES.growthWithoutEngagement,
      message: `Followers grew ${number.format(growth)} % in ${GROWTH_WINDOW_DAYS} days while interactions per post did not grow (${number.format(from.perPost)} → ${number.format(to.perPost)})`,
      evidence: {
        windowDays: GROWTH_WINDOW_DAYS,
        followersFrom: { at: first.at, followers: first.followers },
        followersTo: { at: end.at, followers: end.followers },
        followerGrowthPercent: growth,
        interactionsFrom: from,
        interactionsTo: to,
      },
    },
  };
};

const lowEngagementForSize = (latest: HistoryPoint['snapshot'] | undefined): Check<ReasonOf<'low_engagement_for_size'>> => {
  if (!latest || !isCount(latest.followers)) return { outcome: 'not_evaluated' };
  const rates = engagementRates(latest, 'followers');
  const er = rates.byFollowers.value;
  if (er === undefined) return { outcome: 'not_evaluated' };
  const tier = sizeTierOf(latest.followers);
  const threshold = tier.typicalRate * LOW_ENGAGEMENT_FRACTION;
  if (er >= threshold) return { outcome: 'passed' };
  return {
    outcome: 'flagged',
    reason: {
      code: 'low_engagement_for_size',
      penalty: AUTHENTICITY_PENALTIES.lowEngagementForSize,
      message: `Engagement rate ${number.format(er)} % is under a quarter of the typical ${number.format(tier.typicalRate)} % for an account of ${number.format(latest.followers)} followers`,
      evidence: { followers: latest.followers, tier: tier.tier, engagementRate: er, typicalRate: tier.typicalRate, threshold, sampleSize: rates.sampleSize },
    },
  };
};

const followingRatio = (latest: HistoryPoint['snapshot'] | undefined): Check<ReasonOf<'following_ratio'>> => {
  if (!latest || !isCount(latest.followers) || !isCount(latest.following)) return { outcome: 'not_evaluated' };
  const { followers, following } = latest;
  const ratio = followers > 0 ? following / followers : undefined;
  if (following < FOLLOWING_MIN || (ratio !== undefined && ratio < FOLLOWING_RATIO_MIN)) return { outcome: 'passed' };
  return {
    outcome: 'flagged',
    reason: {
      code: 'following_ratio',
      penalty: AUTHENTICITY_PENALTIES.followingRatio,
      message:
        ratio === undefined
          ? `Follows ${number.format(following)} accounts with no followers`
          : `Follows ${number.format(following)} accounts, ${number.format(ratio)} times its ${number.format(followers)} followers`,
      evidence: { following, followers, ...(ratio !== undefined && { ratio }) },
    },
  };
};

/**
 * Scores how organic an account's audience looks from its daily snapshots and latest snapshot
 * (default: the newest daily snapshot). The rules and penalties are in the module comment.
 */
export const assessAuthenticity = (
  daily: readonly HistoryPoint[],
  latest: Omit<MetricSnapshot, 'at'> | undefined = chronological(daily).at(-1)?.point.snapshot,
  options: AuthenticityOptions = {},
): AuthenticityAssessment => {
  const days = dailyFollowers(daily).length;
  const reasons: AuthenticityReason[] = [];
  const checks: Record<AuthenticityRule, CheckOutcome> = {
    follower_spike: 'not_evaluated',
    burst_after_dip: 'not_evaluated',
    growth_without_engagement: 'not_evaluated',
    low_engagement_for_size: 'not_evaluated',
    following_ratio: 'not_evaluated',
  };

  if (days < MIN_HISTORY_DAYS) {
    reasons.push({
      code: 'insufficient_history',
      penalty: 0,
      message: `Only ${days} day${days === 1 ? '' : 's'} of history; spikes, dips and growth need at least ${MIN_HISTORY_DAYS} daily snapshots`,
      evidence: { days, required: MIN_HISTORY_DAYS },
    });
  } else {
    const anomalies = detectFollowerAnomalies(daily, options.anomaly);
    checks.follower_spike = anomalies.spikes.length > 0 ? 'flagged' : 'passed';
    if (anomalies.spikes.length > 0) {
      const { each, max } = AUTHENTICITY_PENALTIES.followerSpike;
      reasons.push({
        code: 'follower_spike',
        penalty: Math.min(each * anomalies.spikes.length, max),
        message: `Sudden follower spike${anomalies.spikes.length === 1 ? '' : 's'}: ${anomalies.spikes.map((s) => `${signed(s.change)} on ${s.day}`).join(', ')}`,
        evidence: { spikes: anomalies.spikes.map(anomalyEvidence) },
      });
    }
    checks.burst_after_dip = anomalies.burstsAfterDip.length > 0 ? 'flagged' : 'passed';
    if (anomalies.burstsAfterDip.length > 0) {
      const { each, max } = AUTHENTICITY_PENALTIES.burstAfterDip;
      reasons.push({
        code: 'burst_after_dip',
        penalty: Math.min(each * anomalies.burstsAfterDip.length, max),
        message: `Followers surged soon after a drop: ${anomalies.burstsAfterDip
          .map((b) => `${signed(b.dip.change)} on ${b.dip.day}, then ${signed(b.spike.change)} on ${b.spike.day}`)
          .join('; ')}`,
        evidence: { bursts: anomalies.burstsAfterDip.map((b) => ({ dip: anomalyEvidence(b.dip), spike: anomalyEvidence(b.spike), daysAfterDip: b.daysAfterDip })) },
      });
    }
    const growth = growthWithoutEngagement(daily);
    checks.growth_without_engagement = growth.outcome;
    if (growth.reason) reasons.push(growth.reason);
  }

  const engagement = lowEngagementForSize(latest);
  checks.low_engagement_for_size = engagement.outcome;
  if (engagement.reason) reasons.push(engagement.reason);
  const ratio = followingRatio(latest);
  checks.following_ratio = ratio.outcome;
  if (ratio.reason) reasons.push(ratio.reason);

  const penalties = reasons.reduce((sum, r) => sum + r.penalty, 0);
  return { score: Math.min(100, Math.max(0, 100 - penalties)), confidence: confidenceOf(days), daysOfHistory: days, reasons, checks };
};
