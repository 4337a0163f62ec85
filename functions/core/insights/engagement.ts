/**
 * Engagement rate. Analytics vendors disagree on the formula, so every variant the data allows is
 * returned, each with its formula, and the caller picks the headline one by `basis` (a datum of the
 * platform's manifest, never a branch on its name here).
 *
 * All variants use `recent`, the AVERAGES per recent post over `recent.sampleSize` posts:
 * - `byFollowers` = (avg likes + avg comments + avg shares) / followers × 100 — the common
 *   "ER by followers". It is the default because every platform reports a follower count, while
 *   views are missing for many post types, so it is the one rate comparable across accounts.
 * - `byViews` = (avg likes + avg comments + avg shares) / avg views × 100 — the "ER by views" that
 *   vendors use for video-first platforms, where reach is driven by recommendation, not follows.
 * - `byFollowersLikesComments` = (avg likes + avg comments) / followers × 100 — the narrower
 *   variant some tools quote (shares left out because not every platform exposes them).
 *
 * A variant is undefined when its denominator is missing or 0, or when there is no recent-post
 * sample (no `recent`, or `sampleSize` 0): never a fake 0 %.
 */
import type { MetricSnapshot } from '../model/connection';
import { isCount, percentOf } from './series';

export type EngagementBasis = 'followers' | 'views';
export type EngagementVariant = 'byFollowers' | 'byViews' | 'byFollowersLikesComments';

/** The formula of each variant, as shown to users next to the number. */
export const ENGAGEMENT_FORMULAS: Readonly<Record<EngagementVariant, string>> = {
  byFollowers: '(avg likes + avg comments + avg shares per recent post) / followers × 100',
  byViews: '(avg likes + avg comments + avg shares per recent post) / avg views per recent post × 100',
  byFollowersLikesComments: '(avg likes + avg comments per recent post) / followers × 100',
};

/** Which variant is the headline rate for each basis. */
export const PRIMARY_VARIANT: Readonly<Record<EngagementBasis, EngagementVariant>> = { followers: 'byFollowers', views: 'byViews' };

/** The default basis: see the module comment for why followers. */
export const DEFAULT_ENGAGEMENT_BASIS: EngagementBasis = 'followers';

export interface EngagementRate {
  readonly variant: EngagementVariant;
  /** Percent (3.2 means 3.2 %), or undefined when the data does not allow this variant. */
  readonly value: number | undefined;
  readonly formula: string;
}

export interface EngagementRates {
  readonly byFollowers: EngagementRate;
  readonly byViews: EngagementRate;
  readonly byFollowersLikesComments: EngagementRate;
  /** The variant chosen by `basis`; its value stays undefined when that variant is (no silent fallback). */
  readonly primary: EngagementRate & { readonly basis: EngagementBasis };
  /** How many recent posts the averages cover (0 when there is no sample). */
  readonly sampleSize: number;
}

/** The fields of a snapshot the rates read. */
export type EngagementInput = Pick<MetricSnapshot, 'followers' | 'recent'>;

const rate = (variant: EngagementVariant, value: number | undefined): EngagementRate => ({ variant, value, formula: ENGAGEMENT_FORMULAS[variant] });

/** Every engagement-rate variant the snapshot's data allows, plus the headline one chosen by `basis`. */
export const engagementRates = (snapshot: EngagementInput, basis: EngagementBasis = DEFAULT_ENGAGEMENT_BASIS): EngagementRates => {
  const sample = snapshot.recent !== undefined && isCount(snapshot.recent.sampleSize) && snapshot.recent.sampleSize > 0 ? snapshot.recent : undefined;
  const likesComments = sample && isCount(sample.likes) && isCount(sample.comments) ? sample.likes + sample.comments : undefined;
  const interactions = sample && likesComments !== undefined && isCount(sample.shares) ? likesComments + sample.shares : undefined;
  const followers = isCount(snapshot.followers) ? snapshot.followers : undefined;
  const views = sample && isCount(sample.views) ? sample.views : undefined;
  const rates = {
    byFollowers: rate('byFollowers', percentOf(interactions, followers)),
    byViews: rate('byViews', percentOf(interactions, views)),
    byFollowersLikesComments: rate('byFollowersLikesComments', percentOf(likesComments, followers)),
  };
  return { ...rates, primary: { ...rates[PRIMARY_VARIANT[basis]], basis }, sampleSize: sample ? sample.sampleSize : 0 };
};
