/**
 * Verification of a self-reported follower count against the recorded series.
 *
 * The observed figure is the point nearest the claim's instant that carries a follower count,
 * within `maxDistanceDays` (default 3) either side; on a tie the earlier point wins (the count as
 * it stood before the claim). Without such a point the verdict is `no_data`. Otherwise:
 *   difference = claimed − observed;  percent = difference / observed × 100 (undefined if observed is 0)
 *   tolerance  = max(relativeTolerance × observed, minAbsoluteTolerance)   (defaults 5 %, 10)
 *   verdict    = |difference| ≤ tolerance → `verified`; difference > 0 → `overstated`; else `understated`.
 */
import { ValidationError, type FieldIssue } from '../errors';
import type { HistoryPoint } from '../ports/history';
import { DAY_MS, followerSeries, isCount, percentOf, type FollowerPoint } from './series';

export interface FollowerClaim {
  readonly followers: number;
  /** The instant the claim refers to (ISO 8601). */
  readonly at: string;
}

export interface ClaimOptions {
  readonly maxDistanceDays?: number;
  readonly relativeTolerance?: number;
  readonly minAbsoluteTolerance?: number;
}

export const DEFAULT_CLAIM_OPTIONS: Readonly<Required<ClaimOptions>> = { maxDistanceDays: 3, relativeTolerance: 0.05, minAbsoluteTolerance: 10 };

export type ClaimVerdict = 'verified' | 'overstated' | 'understated' | 'no_data';

export interface ClaimVerification {
  readonly verdict: ClaimVerdict;
  readonly claim: FollowerClaim;
  /** The recorded figure compared against; absent for `no_data`. */
  readonly observed?: {
    readonly followers: number;
    readonly at: string;
    /** Hours between the claim's instant and the observed point (always ≥ 0). */
    readonly distanceHours: number;
  };
  readonly difference?: number;
  readonly percent?: number;
  /** The absolute difference allowed for this claim. */
  readonly tolerance?: number;
  /** The parameters the verdict was reached with, for the audit trail. */
  readonly rule: Readonly<Required<ClaimOptions>>;
}

const nearest = (series: readonly FollowerPoint[], time: number): FollowerPoint | undefined => {
  let best: FollowerPoint | undefined;
  for (const p of series) if (!best || Math.abs(p.time - time) < Math.abs(best.time - time)) best = p;
  return best;
};

/** Checks a claimed follower count against the nearest recorded point, by the rule in the module comment. */
export const verifyFollowerClaim = (claim: FollowerClaim, points: readonly HistoryPoint[], options: ClaimOptions = {}): ClaimVerification => {
  const rule = { ...DEFAULT_CLAIM_OPTIONS, ...options };
  const time = Date.parse(claim.at);
  const issues: FieldIssue[] = [];
  if (!isCount(claim.followers)) issues.push({ field: 'followers', message: 'must be a number of followers, 0 or more' });
  if (!Number.isFinite(time)) issues.push({ field: 'at', message: 'must be an ISO 8601 instant' });
  if (issues.length > 0) throw new ValidationError(issues);

  const point = nearest(followerSeries(points), time);
  if (!point || Math.abs(point.time - time) > rule.maxDistanceDays * DAY_MS) return { verdict: 'no_data', claim, rule };

  const difference = claim.followers - point.followers;
  const tolerance = Math.max(rule.relativeTolerance * point.followers, rule.minAbsoluteTolerance);
  const percent = percentOf(difference, point.followers);
  const verdict: ClaimVerdict = Math.abs(difference) <= tolerance ? 'verified' : difference > 0 ? 'overstated' : 'understated';
  return {
    verdict,
    claim,
    observed: { followers: point.followers, at: point.at, distanceHours: Math.abs(point.time - time) / 3_600_000 },
    difference,
    ...(percent !== undefined && { percent }),
    tolerance,
    rule,
  };
};
