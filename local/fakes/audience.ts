/**
 * How a fake account's audience evolves with the fakes' clock, so that history and insights have
 * something real to show: steady growth with daily wobble, a dip, or a bought-followers spike.
 * Deterministic: the same account name and instant always give the same figures.
 */
import { createHash } from 'node:crypto';

export type AudienceScenario = 'steady' | 'dip' | 'spike';

export interface Audience {
  readonly followers: number;
  readonly following: number;
  readonly posts: number;
  /** Typical likes/comments/shares/views per recent post. */
  readonly perPost: { readonly likes: number; readonly comments: number; readonly shares: number; readonly views: number };
}

const DAY_MS = 86_400_000;

/** A stable pseudo-random number in [0, 1) for a key. */
export const unit = (key: string): number => createHash('sha256').update(key).digest().readUInt32BE(0) / 0x1_0000_0000;

/** Picks a scenario from an account name: names containing `spike` or `dip` get that scenario. */
export const scenarioOf = (account: string): AudienceScenario =>
  account.includes('spike') ? 'spike' : account.includes('dip') ? 'dip' : 'steady';

/**
 * The audience of `account` at `now`. Growth is ~0.2 %/day with ±0.05 % wobble; `dip` loses 3 %
 * over the last 3 days; `spike` gains 25 % in the last day with no matching engagement.
 */
export const audienceAt = (account: string, now: Date, scenario: AudienceScenario = scenarioOf(account)): Audience => {
  const base = 1_000 + Math.floor(unit(`${account}:base`) * 49_000);
  const day = Math.floor(now.getTime() / DAY_MS);
  const epochDay = 20_000; // 2024-10-04: where every fake account "started"
  const days = Math.max(0, day - epochDay);
  const wobble = (unit(`${account}:${day}`) - 0.5) * 0.001;
  let followers = base * Math.pow(1.002, days) * (1 + wobble);
  const sinceDayStart = (now.getTime() % DAY_MS) / DAY_MS;
  if (scenario === 'dip') followers *= 1 - 0.03 * Math.min(1, (days % 30) / 3);
  if (scenario === 'spike' && days % 30 >= 29) followers *= 1 + 0.25 * Math.min(1, sinceDayStart * 4);
  const organic = base * Math.pow(1.002, days);
  const rate = 0.02 + unit(`${account}:rate`) * 0.04;
  return {
    followers: Math.round(followers),
    following: 50 + Math.floor(unit(`${account}:following`) * 900),
    posts: 20 + Math.floor(days / 3),
    perPost: {
      likes: Math.round(organic * rate),
      comments: Math.round(organic * rate * 0.08),
      shares: Math.round(organic * rate * 0.05),
      views: Math.round(organic * rate * 12),
    },
  };
};
