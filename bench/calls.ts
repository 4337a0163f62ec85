/**
 * Platform calls per account-sync, counted at the fake platform servers while connections go
 * through the real sync path (the planner queues them, the sync queue feeds the worker, the worker
 * calls the provider). Platforms are synced one at a time so that each call counted belongs to
 * one platform, even where two platforms share a fake (Meta, Google).
 */
import type { LocalRuntime } from '../local/runtime';
import { queueName } from '../local/config';
import { PROVIDER_IDS, type ProviderId } from '../functions/providers/types';
import { deps } from '../functions/composition/deps';
import { syncConnections } from '../functions/core/use-cases/sync';
import { DUE_SHARDS } from '../lib/topology';
import { benchDb, benchUsers, connectAccount, makeDue, readConnections, setSyncTimes, type BenchConnection, type ConnectResult } from './accounts';
import { fixed, formatTable, mapLimit } from './table';

/** Which fake server answers for each platform (the keys of `RunningFakes.stats()`). */
export const PLATFORM_FAKE: Readonly<Record<ProviderId, string>> = {
  instagram: 'meta',
  facebook: 'meta',
  youtube: 'google',
  google_business: 'google',
  tiktok: 'tiktok',
  x: 'x',
  linkedin: 'linkedin',
};

/** The goal: at most `calls` platform calls per `accounts` account-syncs. */
export interface CallGoal {
  readonly calls: number;
  readonly accounts: number;
}

/** The goals the README states (Business Profile has none). */
export const CALL_GOALS: Readonly<Partial<Record<ProviderId, CallGoal>>> = {
  instagram: { calls: 1, accounts: 1 },
  facebook: { calls: 1, accounts: 1 },
  x: { calls: 1, accounts: 1 },
  tiktok: { calls: 2, accounts: 1 },
  linkedin: { calls: 2, accounts: 1 },
  youtube: { calls: 1, accounts: 50 },
};

/** Instagram reads through a different host and token per login, so each is measured. */
export const DEFAULT_VARIANTS: Readonly<Partial<Record<ProviderId, readonly string[]>>> = {
  instagram: ['instagram_login', 'facebook_login'],
};

/** OAuth pages, token, refresh and revoke endpoints: not metrics calls, so not counted. */
export const isOAuthRoute = (routeKey: string): boolean => {
  const path = routeKey.slice(routeKey.indexOf(' ') + 1);
  return /oauth|token|authoriz|dialog/i.test(path);
};

/** Calls per `fake route` key made between two `stats()` readings. */
export const diffStats = (
  before: Readonly<Record<string, Readonly<Record<string, number>>>>,
  after: Readonly<Record<string, Readonly<Record<string, number>>>>,
): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [fake, routes] of Object.entries(after)) {
    for (const [route, n] of Object.entries(routes)) {
      const delta = n - (before[fake]?.[route] ?? 0);
      if (delta > 0) out[`${fake} ${route}`] = delta;
    }
  }
  return out;
};

export interface CallsOptions {
  /** Fake accounts (consents) per platform; one Facebook consent brings its Pages, several connections. */
  readonly accountsPerPlatform: number;
  /** YouTube channels to connect (100 = two batches of 50). */
  readonly youtubeChannels: number;
  readonly platforms?: readonly ProviderId[];
  /** Logins measured separately, per platform that has several (default: both of Instagram's). */
  readonly variants?: Readonly<Partial<Record<ProviderId, readonly string[]>>>;
  /** Connect flows running at once. */
  readonly concurrency?: number;
  readonly drainTimeoutMs?: number;
}

export interface CallsRow {
  readonly platform: ProviderId;
  /** The platform, with the login variant where one was asked for. */
  readonly label: string;
  /** Connections the consents created. */
  readonly connected: number;
  /** Connections whose sync in the measured run wrote a new `lastSyncAt`. */
  readonly synced: number;
  /** Platform calls counted at the fake, OAuth and token routes excluded. */
  readonly calls: number;
  /** OAuth/token calls seen during the run (expected 0: a sync does not refresh tokens). */
  readonly oauthCalls: number;
  /** Sync messages the planner queued for this platform. */
  readonly messages: number;
  /** Accounts the platform's metrics client serves per call. */
  readonly batchSize: number;
  /**
   * For batching platforms: calls counted when the same connections go to `syncConnections` in
   * one call (what the worker does with one full batch message), to tell the provider's batching
   * from the planner's grouping.
   */
  readonly directCalls?: number;
  readonly perAccount: number;
  readonly goal?: CallGoal;
  readonly verdict: 'pass' | 'fail' | 'no goal' | 'not run';
  /** Calls per route, for the detail lines. */
  readonly routes: Readonly<Record<string, number>>;
  /** Why connections are missing (connect or first-sync failures), if any. */
  readonly problems: readonly string[];
}

/** Whether `calls` for `synced` account-syncs meets `goal` (YouTube: one call per started 50). */
export const meetsGoal = (goal: CallGoal, calls: number, synced: number): boolean => calls <= goal.calls * Math.ceil(synced / goal.accounts);

const summarizeFailures = (results: readonly ConnectResult[]): string[] => {
  const byReason = new Map<string, number>();
  for (const r of results) if (r.error) byReason.set(r.error, (byReason.get(r.error) ?? 0) + 1);
  return [...byReason].map(([reason, n]) => `${n} consent(s) failed: ${reason}`);
};

/** One measured population: a platform, through one of its logins when it has several. */
interface Target {
  readonly platform: ProviderId;
  readonly variant?: string;
}

const label = (t: Target): string => (t.variant ? `${t.platform} (${t.variant})` : t.platform);

/** The calls of a `diffStats` result, OAuth/token routes apart. */
const countCalls = (routes: Readonly<Record<string, number>>): { calls: number; oauthCalls: number } => {
  let calls = 0;
  let oauthCalls = 0;
  for (const [key, n] of Object.entries(routes)) {
    if (isOAuthRoute(key)) oauthCalls += n;
    else calls += n;
  }
  return { calls, oauthCalls };
};

/**
 * One target's run: makes its connections due, fires the sync planner, waits for the queues to
 * drain, and reads the calls each fake received in between.
 */
const runTarget = async (
  rt: LocalRuntime,
  doc: ReturnType<typeof benchDb>['doc'],
  userId: string,
  ready: readonly BenchConnection[],
  drainTimeoutMs: number,
): Promise<{ routes: Record<string, number>; messages: number; synced: number }> => {
  const syncName = queueName('sync');
  const started = new Date();
  await makeDue(rt, doc, ready, started);
  const before = rt.fakes.stats();
  const sentBefore = rt.queues.stats()[syncName]?.sent ?? 0;
  const outcome = await rt.runSchedule('syncPlanner');
  if (!outcome.ok) throw new Error('the sync planner failed');
  await rt.queues.drain(drainTimeoutMs);
  const routes = diffStats(before, rt.fakes.stats());
  const messages = (rt.queues.stats()[syncName]?.sent ?? 0) - sentBefore;
  const ids = new Set(ready.map((c) => c.connectionId));
  const after = await readConnections(rt, doc, [userId]);
  const synced = after.filter((s) => ids.has(s.connectionId) && s.lastSyncAt !== undefined && s.lastSyncAt >= started.toISOString()).length;
  return { routes, messages, synced };
};

/**
 * Connects fake accounts `bench-<platform>-<i>` for one user (Instagram through each of its
 * logins), lets their first syncs drain, then measures one platform (and login) at a time so that
 * every call a fake counts belongs to it.
 */
export const measureCalls = async (rt: LocalRuntime, options: CallsOptions): Promise<CallsRow[]> => {
  const platforms = options.platforms ?? PROVIDER_IDS;
  const variants = options.variants ?? DEFAULT_VARIANTS;
  const drainTimeoutMs = options.drainTimeoutMs ?? 120_000;
  const targets: Target[] = platforms.flatMap((platform) => (variants[platform] ?? [undefined]).map((variant) => ({ platform, ...(variant !== undefined && { variant }) })));
  const [user] = await benchUsers(rt, 'bench-calls', 1);
  const logins = targets.flatMap((target) => {
    const count = target.platform === 'youtube' ? options.youtubeChannels : options.accountsPerPlatform;
    const suffix = target.variant ? `-${target.variant.replace(/_/g, '')}` : '';
    return Array.from({ length: count }, (_, i) => ({ target, name: `bench-${target.platform}-${i}${suffix}` }));
  });
  const results = await mapLimit(logins, options.concurrency ?? 4, (l) => connectAccount(rt, user!, l.target.platform, l.name, l.target.variant));
  await rt.queues.drain(drainTimeoutMs);

  const db = benchDb(rt);
  try {
    const states = new Map((await readConnections(rt, db.doc, [user!.id])).map((s) => [s.connectionId, s]));
    // A connection whose first sync failed stays due; park it so that it cannot add calls to
    // another platform's run (bench setup), and report it.
    const unsynced = [...states.values()].filter((s) => s.lastSyncAt === undefined || s.status !== 'active');
    await setSyncTimes(rt, db.doc, unsynced, { nextSyncAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });

    const rows: CallsRow[] = [];
    for (const target of targets) {
      const { platform } = target;
      const mine = results.filter((r) => r.platform === platform && r.variant === target.variant);
      const connections = mine.flatMap((r) => r.connectionIds.map((id) => states.get(id))).filter((c): c is NonNullable<typeof c> => c !== undefined);
      const ready = connections.filter((c) => !unsynced.includes(c));
      const problems = summarizeFailures(mine);
      if (connections.length > ready.length) {
        const why = [...new Set(connections.filter((c) => !ready.includes(c)).map((c) => c.lastSyncError ?? c.status))];
        problems.push(`${connections.length - ready.length} connection(s) not synced after connecting (${why.join('; ')})`);
      }
      const goal = CALL_GOALS[platform];
      const batchSize = deps().platforms.get(platform)?.metrics?.batchSize ?? 1;
      const base = { platform, label: label(target), connected: connections.length, batchSize, ...(goal && { goal }), problems };
      if (ready.length === 0) {
        rows.push({ ...base, synced: 0, calls: 0, oauthCalls: 0, messages: 0, perAccount: Number.NaN, verdict: 'not run', routes: {} });
        continue;
      }
      const { routes, messages, synced } = await runTarget(rt, db.doc, user!.id, ready, drainTimeoutMs);
      const { calls, oauthCalls } = countCalls(routes);
      if (synced < ready.length) problems.push(`${ready.length - synced} due connection(s) not synced in the measured run`);
      let directCalls: number | undefined;
      if (batchSize > 1) {
        await makeDue(rt, db.doc, ready);
        const directBefore = rt.fakes.stats();
        await syncConnections(deps(), ready.map((c) => ({ userId: c.userId, connectionId: c.connectionId })));
        directCalls = countCalls(diffStats(directBefore, rt.fakes.stats())).calls;
      }
      rows.push({
        ...base,
        synced,
        calls,
        oauthCalls,
        messages,
        ...(directCalls !== undefined && { directCalls }),
        perAccount: synced > 0 ? calls / synced : Number.NaN,
        verdict: !goal ? 'no goal' : synced === ready.length && meetsGoal(goal, calls, synced) ? 'pass' : 'fail',
        routes,
      });
    }
    return rows;
  } finally {
    db.close();
  }
};

const goalText = (goal: CallGoal | undefined): string => (!goal ? '—' : goal.accounts === 1 ? `≤ ${goal.calls}` : `≤ ${goal.calls} per ${goal.accounts}`);

/** The calls table, then one line per platform with its routes and any problem. */
export const formatCallsTable = (rows: readonly CallsRow[]): string => {
  const table = formatTable(
    ['platform', 'connected', 'synced', 'messages', 'calls', 'calls/account', 'goal', 'result'],
    rows.map((r) => [r.label, String(r.connected), String(r.synced), String(r.messages), String(r.calls), fixed(r.perAccount, 2), goalText(r.goal), r.verdict]),
  );
  const details = rows.flatMap((r) => [
    ...(Object.keys(r.routes).length > 0 ? [`  ${r.label}: ${Object.entries(r.routes).map(([k, n]) => `${k} ×${n}`).join(', ')}`] : []),
    ...(r.batchSize > 1 && r.messages > Math.ceil(r.synced / r.batchSize)
      ? [
          `  ${r.label}: its metrics client takes ${r.batchSize} accounts per call, so ${Math.ceil(r.synced / r.batchSize)} message(s) would do; the planner sent ${r.messages} ` +
            `(it groups the due connections of each of the ${DUE_SHARDS} due-index shards separately)`,
        ]
      : []),
    ...(r.directCalls !== undefined ? [`  ${r.label}: the same ${r.synced} given to syncConnections at once: ${r.directCalls} call(s)`] : []),
    ...(r.oauthCalls > 0 ? [`  ${r.label}: ${r.oauthCalls} OAuth/token call(s) during the run (not counted above)`] : []),
    ...r.problems.map((p) => `  ${r.label}: ${p}`),
  ]);
  return details.length > 0 ? `${table}\n\n${details.join('\n')}` : table;
};
