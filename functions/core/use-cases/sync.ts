/**
 * Syncing metrics: the planner that finds due connections (sharded index, tiers) and the worker
 * that reads a platform's figures for one connection or one platform batch and writes history.
 */
import type { AudienceBreakdown, Connection, MetricSnapshot, SyncTier } from '../model/connection';
import type { AppCredentials, TokenSet } from '../model/tokens';
import { StaleWriteError } from '../errors';
import { ProviderError, type MetricsOutcome, type MetricsTarget, type Provider, type ProviderFailure } from '../ports/provider';
import type { JobConnectionOutcome } from '../ports/jobs';
import type { WorkMessage } from '../ports/queue';
import type { UseCaseDeps } from './context';
import { DUE_SHARD_COUNT } from './shards';
import { markReauth, refreshConnection } from './tokens';
import { sendInParallel } from './queue-send';
import { detectFollowerAnomalies } from '../insights/anomaly';

const MINUTE_MS = 60_000;

/** Minutes between two scheduled syncs of a tier. */
export const TIER_MINUTES: Readonly<Record<SyncTier, number>> = { high: 15, default: 60, daily: 1440 };

export interface SyncMember {
  readonly userId: string;
  readonly connectionId: string;
}

/** A sync message: one connection, or a batch of one platform's connections served by one call. */
export type SyncMessage =
  | { readonly kind: 'connection'; readonly userId: string; readonly connectionId: string; readonly reason?: string; readonly jobId?: string; readonly force?: boolean }
  | { readonly kind: 'batch'; readonly platform: string; readonly members: readonly SyncMember[]; readonly jobId?: string; readonly force?: boolean };

/**
 * Groups due connections into messages: platforms whose metrics client serves several accounts
 * per call (up to 50 on some platforms) get one message per batch, the others one message per connection.
 */
export const groupForSync = (deps: UseCaseDeps, due: readonly Connection[], extra: { jobId?: string; force?: boolean } = {}): WorkMessage[] => {
  const byPlatform = new Map<string, Connection[]>();
  for (const c of due) byPlatform.set(c.platform, [...(byPlatform.get(c.platform) ?? []), c]);
  const messages: WorkMessage[] = [];
  for (const [platform, list] of byPlatform) {
    const batchSize = deps.platforms.get(platform)?.metrics?.batchSize ?? 1;
    if (batchSize <= 1) {
      for (const c of list) messages.push({ body: { kind: 'connection', userId: c.userId, connectionId: c.connectionId, ...extra } });
      continue;
    }
    for (let i = 0; i < list.length; i += batchSize) {
      const members = list.slice(i, i + batchSize).map((c) => ({ userId: c.userId, connectionId: c.connectionId }));
      messages.push({ body: { kind: 'batch', platform, members, ...extra } });
    }
  }
  return messages;
};

/**
 * Finds connections due for a sync and queues them. All shards are read at once and grouped
 * together, so a batching platform's connections share messages whatever their shard. `daily`
 * (the midnight snapshot) takes every active connection due within the next day, so each gets a
 * point for the new day.
 */
export const planSync = async (deps: UseCaseDeps, mode: 'due' | 'daily', options: { limitPerShard?: number } = {}): Promise<{ queued: number; messages: number }> => {
  const now = deps.now();
  const dueBy = new Date(now.getTime() + (mode === 'daily' ? 1440 * MINUTE_MS : 0)).toISOString();
  const shards = await Promise.all(
    Array.from({ length: DUE_SHARD_COUNT }, (_, shard) => deps.connections.dueForSync(shard, dueBy, options.limitPerShard ?? 1000)),
  );
  const due = shards.flat().filter((c) => c.status === 'active');
  const messages = groupForSync(deps, due, mode === 'daily' ? { force: true } : {});
  await sendInParallel(deps, 'sync', messages);
  return { queued: due.length, messages: messages.length };
};

export type SyncOutcome =
  | { readonly connectionId: string; readonly outcome: 'synced'; readonly followers?: number }
  | { readonly connectionId: string; readonly outcome: 'fresh' | 'not_active' | 'gone' | 'unsupported' }
  | { readonly connectionId: string; readonly outcome: 'failed'; readonly failure: ProviderFailure };

const isFresh = (c: Connection, now: Date, freshnessMinutes: number, force: boolean): boolean => {
  if (!c.lastSyncAt) return false;
  const age = now.getTime() - Date.parse(c.lastSyncAt);
  // A scheduled sync skips a connection a duplicate message already synced (next sync not due yet);
  // a forced or manual one skips only inside the freshness window, to spare platform quota.
  if (!force && c.nextSyncAt && Date.parse(c.nextSyncAt) > now.getTime()) return true;
  return age < freshnessMinutes * MINUTE_MS;
};

/**
 * A platform refused a token the vault still holds (it expired early, or the platform revoked the
 * access token but not the grant): refresh once under the refresh lease and read again, before
 * asking the user to reconnect. Platforms without refresh, and a refresh that fails, keep the
 * first answer; a refresh another worker is running counts as transient, so the message returns.
 */
const retryAfterRefresh = async (
  deps: UseCaseDeps,
  provider: Provider,
  w: { readonly connection: Connection; tokens: TokenSet },
  credentials: AppCredentials,
  first: MetricsOutcome,
): Promise<{ readonly outcome: MetricsOutcome; readonly marked: boolean }> => {
  if (!provider.oauth.refresh || w.tokens.refreshToken === undefined || !provider.metrics) return { outcome: first, marked: false };
  const c = w.connection;
  const refreshed = await refreshConnection(deps, { userId: c.userId, connectionId: c.connectionId, force: true }, `sync#${deps.newId()}`);
  if (refreshed.outcome === 'skipped' && refreshed.reason === 'busy') {
    return { outcome: { platformAccountId: first.platformAccountId, ok: false, failure: { kind: 'transient', message: 'a token refresh is under way' } }, marked: false };
  }
  // A refused refresh has already marked the connection, with the platform's reason for the grant.
  if (refreshed.outcome === 'reauth_required') {
    return { outcome: { platformAccountId: first.platformAccountId, ok: false, failure: { kind: 'auth_expired', code: refreshed.reason, message: 'the platform refused the grant' } }, marked: true };
  }
  if (refreshed.outcome !== 'refreshed') return { outcome: first, marked: false };
  const tokens = await deps.vault.get(c.tokenRef);
  if (!tokens) return { outcome: first, marked: false };
  w.tokens = tokens;
  const [again] = await provider.metrics.fetch([{ platformAccountId: c.platformAccountId, tokens }], credentials);
  return { outcome: again ?? first, marked: false };
};

/**
 * Syncs a set of connections of one platform (one message). Figures are written as a history
 * point (and the day's snapshot when it is the first point of a UTC day) and as the connection's
 * latest figures. A refused grant marks the connection; a rate limit or a transient failure throws
 * a `ProviderError` so the queue brings the message back after the platform's reset.
 */
export const syncConnections = async (
  deps: UseCaseDeps,
  members: readonly SyncMember[],
  options: { readonly force?: boolean } = {},
): Promise<SyncOutcome[]> => {
  const now = deps.now();
  const outcomes: SyncOutcome[] = [];
  const loaded = await Promise.all(members.map((m) => deps.connections.get(m.userId, m.connectionId)));
  const work: Array<{ readonly connection: Connection; tokens: TokenSet }> = [];
  for (const [i, c] of loaded.entries()) {
    const id = members[i]!.connectionId;
    if (!c) outcomes.push({ connectionId: id, outcome: 'gone' });
    else if (c.status !== 'active') outcomes.push({ connectionId: id, outcome: 'not_active' });
    else if (isFresh(c, now, deps.settings.syncFreshnessMinutes, options.force ?? false)) outcomes.push({ connectionId: id, outcome: 'fresh' });
    else {
      const tokens = await deps.vault.get(c.tokenRef);
      if (!tokens) {
        await markReauth(deps, c, 'tokens_missing');
        outcomes.push({ connectionId: id, outcome: 'failed', failure: { kind: 'auth_expired', code: 'tokens_missing', message: 'no tokens stored' } });
      } else work.push({ connection: c, tokens });
    }
  }
  if (work.length === 0) return outcomes;
  const platform = work[0]!.connection.platform;
  const provider = deps.platforms.get(platform);
  const metrics = provider?.metrics;
  if (!metrics) {
    for (const w of work) outcomes.push({ connectionId: w.connection.connectionId, outcome: 'unsupported' });
    return outcomes;
  }
  const credentials = await deps.credentials.get(platform);
  const byAccount = new Map(work.map((w) => [w.connection.platformAccountId, w]));
  const targets: MetricsTarget[] = work.map((w) => ({ platformAccountId: w.connection.platformAccountId, tokens: w.tokens }));
  let deferred: ProviderFailure | undefined;
  for (let i = 0; i < targets.length; i += metrics.batchSize) {
    const results = await metrics.fetch(targets.slice(i, i + metrics.batchSize), credentials);
    for (const first of results) {
      const w = byAccount.get(first.platformAccountId);
      if (!w) continue;
      const c = w.connection;
      const retried = first.ok || first.failure.kind !== 'auth_expired' ? { outcome: first, marked: false } : await retryAfterRefresh(deps, provider, w, credentials, first);
      const r = retried.outcome;
      if (r.ok) {
        const snapshot: MetricSnapshot = { at: now.toISOString(), ...r.snapshot };
        const firstOfDay = !c.lastSyncAt || c.lastSyncAt.slice(0, 10) !== snapshot.at.slice(0, 10);
        // The audience breakdown costs extra calls: read once a day, kept with the day's snapshot only.
        const audience = firstOfDay ? await readAudience(deps, provider, w.tokens, c, credentials) : undefined;
        await deps.history.append(c.connectionId, { at: snapshot.at, snapshot: { ...r.snapshot, ...(audience && { audience }) } }, { daily: firstOfDay });
        await saveSync(deps, c, { latest: snapshot, lastSyncAt: snapshot.at, nextSyncAt: nextSyncAt(c.tier, now) });
        if (firstOfDay) await reportAnomaly(deps, c, now);
        outcomes.push({ connectionId: c.connectionId, outcome: 'synced', ...(r.snapshot.followers !== undefined && { followers: r.snapshot.followers }) });
        continue;
      }
      outcomes.push({ connectionId: c.connectionId, outcome: 'failed', failure: r.failure });
      if (r.failure.kind === 'auth_expired') {
        if (!retried.marked) await markReauth(deps, c, r.failure.code ?? 'auth_expired');
      }
      else if (r.failure.kind === 'rate_limited' || r.failure.kind === 'transient') deferred ??= r.failure;
      else await saveSync(deps, c, { lastSyncError: `${r.failure.kind}: ${r.failure.message}`.slice(0, 500), nextSyncAt: nextSyncAt(c.tier, now) });
    }
  }
  const synced = outcomes.filter((o) => o.outcome === 'synced');
  if (synced.length > 0) {
    await deps.events.publish(
      synced.map((o) => {
        const c = work.find((w) => w.connection.connectionId === o.connectionId)!.connection;
        return { type: 'metrics.synced' as const, userId: c.userId, detail: { connectionId: c.connectionId, platform, ...(o.outcome === 'synced' && o.followers !== undefined && { followers: o.followers }) } };
      }),
    );
  }
  // The platform asked us to wait, or failed transiently: the message comes back after its reset.
  if (deferred) throw new ProviderError(platform, deferred);
  return outcomes;
};

/** The account's audience breakdown, when the platform has one; a failure leaves it out of the day. */
const readAudience = async (
  deps: UseCaseDeps,
  provider: Provider | undefined,
  tokens: TokenSet,
  c: Connection,
  credentials: AppCredentials,
): Promise<AudienceBreakdown | undefined> => {
  if (!provider?.audience) return undefined;
  try {
    return await provider.audience.fetch({ platformAccountId: c.platformAccountId, tokens }, credentials);
  } catch (err) {
    if (err instanceof ProviderError) return undefined;
    throw err;
  }
};

/**
 * Once a day per connection (on its first daily snapshot), looks at the last 30 days for a
 * follower spike on the new day and says so on the bus (`followers.anomaly`).
 */
const reportAnomaly = async (deps: UseCaseDeps, c: Connection, now: Date): Promise<void> => {
  const today = now.toISOString().slice(0, 10);
  const from = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
  const report = detectFollowerAnomalies(await deps.history.daily(c.connectionId, from, today));
  const spike = report.spikes.find((s) => s.day === today);
  if (!spike) return;
  await deps.events.publish([
    {
      type: 'followers.anomaly',
      userId: c.userId,
      detail: { connectionId: c.connectionId, platform: c.platform, day: spike.day, change: spike.change, previous: spike.previous, followers: spike.followers, threshold: spike.threshold },
    },
  ]);
};

export const nextSyncAt = (tier: SyncTier, now: Date): string => new Date(now.getTime() + TIER_MINUTES[tier] * MINUTE_MS).toISOString();

const saveSync = async (deps: UseCaseDeps, c: Connection, changes: Partial<Connection>): Promise<void> => {
  const clearError = changes.lastSyncError === undefined;
  const apply = (base: Connection): Connection => {
    const { lastSyncError: _e, ...rest } = base;
    return { ...(clearError ? rest : base), ...changes, updatedAt: deps.now().toISOString(), version: base.version + 1 };
  };
  try {
    await deps.connections.update(apply(c));
  } catch (err) {
    if (!(err instanceof StaleWriteError)) throw err;
    const latest = await deps.connections.get(c.userId, c.connectionId);
    if (latest && latest.status === 'active') await deps.connections.update(apply(latest));
  }
};

export interface SyncRequestResult {
  readonly jobId: string;
  readonly dryRun: boolean;
  readonly queued: number;
  readonly fresh: number;
  readonly skipped: number;
}

/**
 * A manual sync of some of the caller's connections (or all of them): a job records each
 * connection's outcome. A connection synced within the freshness window is not fetched again (the
 * job says `fresh`), so repeated clicks do not burn platform quota. A dry run queues nothing.
 */
export const requestSync = async (
  deps: UseCaseDeps,
  userId: string,
  connections: readonly Connection[],
  options: { readonly dryRun: boolean },
): Promise<SyncRequestResult> => {
  const now = deps.now();
  const jobId = deps.newId();
  const outcomes: Record<string, { outcome: JobConnectionOutcome; at: string; detail?: string }> = {};
  const toQueue: Connection[] = [];
  for (const c of connections) {
    const at = now.toISOString();
    if (c.status !== 'active') outcomes[c.connectionId] = { outcome: 'not_active', at, detail: c.status };
    else if (!deps.platforms.get(c.platform)?.metrics) outcomes[c.connectionId] = { outcome: 'unsupported', at };
    else if (isFresh(c, now, deps.settings.syncFreshnessMinutes, true)) {
      outcomes[c.connectionId] = { outcome: 'fresh', at, detail: `synced at ${c.lastSyncAt}` };
    } else {
      outcomes[c.connectionId] = { outcome: options.dryRun ? 'would_sync' : 'queued', at };
      toQueue.push(c);
    }
  }
  await deps.jobs.createSyncJob({ userId, jobId, createdAt: now.toISOString(), dryRun: options.dryRun, connections: outcomes }, 7);
  if (!options.dryRun) await deps.queue.send('sync', groupForSync(deps, toQueue, { jobId, force: true }));
  const count = (o: JobConnectionOutcome) => Object.values(outcomes).filter((x) => x.outcome === o).length;
  return {
    jobId,
    dryRun: options.dryRun,
    queued: options.dryRun ? 0 : toQueue.length,
    fresh: count('fresh'),
    skipped: count('not_active') + count('unsupported'),
  };
};

/** Runs one sync message and records its outcomes on the job that asked for it, if any. */
export const runSyncMessage = async (deps: UseCaseDeps, message: SyncMessage): Promise<SyncOutcome[]> => {
  const members = message.kind === 'batch' ? message.members : [{ userId: message.userId, connectionId: message.connectionId }];
  const outcomes = await syncConnections(deps, members, { force: message.force ?? false });
  if (message.jobId && members[0]) {
    const at = deps.now().toISOString();
    const recorded: Record<string, { outcome: JobConnectionOutcome; at: string; detail?: string }> = {};
    for (const o of outcomes) {
      recorded[o.connectionId] = o.outcome === 'failed' ? { outcome: 'failed', at, detail: `${o.failure.kind}: ${o.failure.message}` } : { outcome: o.outcome, at };
    }
    await deps.jobs.recordOutcomes(members[0].userId, message.jobId, recorded);
  }
  return outcomes;
};
