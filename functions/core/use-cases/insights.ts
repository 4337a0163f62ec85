/**
 * Insights over a connection's history: engagement rates (every variant, headline by the
 * platform's basis), averages per post, follower growth, the authenticity score with its reasons,
 * and verification of self-reported follower numbers with an audit trail. Also the totals across
 * all of a user's connections.
 */
import type { Connection } from '../model/connection';
import { ValidationError } from '../errors';
import { assessAuthenticity } from '../insights/authenticity';
import { verifyFollowerClaim, type ClaimVerification } from '../insights/claims';
import { engagementRates } from '../insights/engagement';
import { followerGrowth } from '../insights/growth';
import type { HistoryPoint } from '../ports/history';
import type { ClaimRecord } from '../ports/jobs';
import type { UseCaseDeps } from './context';
import { getConnection, listConnections } from './connections';

const DAY_MS = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

/** The daily snapshots of the last `days` days, and the same with the latest figures appended. */
const dailySeries = async (deps: UseCaseDeps, c: Connection, days: number): Promise<{ daily: HistoryPoint[]; withLatest: HistoryPoint[] }> => {
  const now = deps.now();
  const daily = await deps.history.daily(c.connectionId, day(new Date(now.getTime() - days * DAY_MS)), day(now));
  if (!c.latest || daily.some((p) => p.at === c.latest!.at)) return { daily, withLatest: daily };
  const { at, ...snapshot } = c.latest;
  return { daily, withLatest: [...daily, { at, snapshot }] };
};

export const connectionInsights = async (deps: UseCaseDeps, userId: string, connectionId: string) => {
  const c = await getConnection(deps, userId, connectionId);
  const { daily, withLatest } = await dailySeries(deps, c, 120);
  const basis = deps.platforms.get(c.platform)?.manifest.metrics.engagementBasis ?? 'followers';
  const latest = c.latest;
  return {
    connectionId: c.connectionId,
    platform: c.platform,
    asOf: latest?.at,
    latest,
    engagement: latest ? engagementRates(latest, basis) : undefined,
    averagesPerPost: latest?.recent,
    growth: followerGrowth(withLatest, deps.now()),
    authenticity: assessAuthenticity(daily, latest),
  };
};

export const userStats = async (deps: UseCaseDeps, userId: string) => {
  const all = await listConnections(deps, userId);
  const active = all.filter((c) => c.status === 'active');
  const byPlatform: Record<string, { connections: number; followers: number }> = {};
  let followers = 0;
  const growth = { d7: 0, d30: 0 };
  let withGrowth = { d7: 0, d30: 0 };
  for (const c of active) {
    const f = c.latest?.followers;
    const entry = (byPlatform[c.platform] ??= { connections: 0, followers: 0 });
    entry.connections += 1;
    if (f !== undefined) {
      entry.followers += f;
      followers += f;
    }
    const g = followerGrowth((await dailySeries(deps, c, 31)).withLatest, deps.now(), [7, 30]);
    for (const w of g.windows) {
      if (w.absolute === undefined) continue;
      if (w.days === 7) {
        growth.d7 += w.absolute;
        withGrowth = { ...withGrowth, d7: withGrowth.d7 + 1 };
      } else {
        growth.d30 += w.absolute;
        withGrowth = { ...withGrowth, d30: withGrowth.d30 + 1 };
      }
    }
  }
  return {
    connections: { total: all.length, active: active.length, needingReconnect: all.filter((c) => c.status === 'reauth_required').length },
    followers,
    byPlatform,
    growth: {
      followers7d: withGrowth.d7 > 0 ? growth.d7 : undefined,
      followers30d: withGrowth.d30 > 0 ? growth.d30 : undefined,
      connectionsWithHistory: withGrowth,
    },
  };
};

export interface ClaimInput {
  readonly followers: number;
  readonly at?: string;
  readonly tolerancePercent?: number;
}

/** Compares a self-reported number with the recorded point nearest to it, and keeps the verdict. */
export const verifyClaim = async (deps: UseCaseDeps, userId: string, connectionId: string, input: ClaimInput): Promise<ClaimRecord & { verification: ClaimVerification }> => {
  const c = await getConnection(deps, userId, connectionId);
  const at = input.at ?? deps.now().toISOString();
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new ValidationError([{ field: 'at', message: 'must be an ISO 8601 instant' }]);
  const from = new Date(t - 4 * DAY_MS).toISOString();
  const to = new Date(t + 4 * DAY_MS).toISOString();
  const points = [...(await deps.history.points(c.connectionId, from, to)), ...(await deps.history.daily(c.connectionId, from.slice(0, 10), to.slice(0, 10)))];
  const relative = input.tolerancePercent !== undefined ? input.tolerancePercent / 100 : undefined;
  const verification = verifyFollowerClaim({ followers: input.followers, at }, points, relative !== undefined ? { relativeTolerance: relative } : {});
  const record: ClaimRecord = {
    userId,
    connectionId,
    claimId: deps.newId(),
    recordedAt: deps.now().toISOString(),
    claimed: { followers: input.followers, at },
    verdict: verification.verdict,
    ...(verification.observed && { observed: { followers: verification.observed.followers, at: verification.observed.at } }),
    ...(verification.percent !== undefined && { differencePercent: verification.percent }),
    tolerancePercent: verification.rule.relativeTolerance * 100,
  };
  await deps.jobs.addClaim(record);
  return { ...record, verification };
};

export const listClaims = async (deps: UseCaseDeps, userId: string, connectionId: string): Promise<ClaimRecord[]> => {
  await getConnection(deps, userId, connectionId);
  return deps.jobs.listClaims(userId, connectionId);
};

/**
 * The newest audience breakdown of a connection (read with the first sync of each day), or why
 * there is none.
 */
export const connectionAudience = async (deps: UseCaseDeps, userId: string, connectionId: string) => {
  const c = await getConnection(deps, userId, connectionId);
  const supported = deps.platforms.get(c.platform)?.audience !== undefined;
  const now = deps.now();
  const daily = await deps.history.daily(c.connectionId, day(new Date(now.getTime() - 40 * DAY_MS)), day(now));
  const newest = [...daily].reverse().find((p) => p.snapshot.audience !== undefined);
  if (!newest) {
    return { connectionId: c.connectionId, platform: c.platform, available: false as const, reason: supported ? 'not_read_yet' : 'platform_has_no_audience_breakdown' };
  }
  return { connectionId: c.connectionId, platform: c.platform, available: true as const, at: newest.at, ...newest.snapshot.audience! };
};
