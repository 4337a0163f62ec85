/**
 * Syncing metrics: the planner that finds due connections (sharded index, tiers) and the worker
 * that reads a platform's figures for one connection or one platform batch and writes history.
 */
import type { Connection, MetricSnapshot, SyncTier } from '../model/connection';
import type { TokenSet } from '../model/tokens';
import { StaleWriteError } from '../errors';
import { ProviderError, type MetricsTarget, type ProviderFailure } from '../ports/provider';
import type { WorkMessage } from '../ports/queue';
import type { UseCaseDeps } from './context';
import { DUE_SHARD_COUNT } from './shards';
import { markReauth } from './tokens';

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
 * per call (YouTube: 50) get one message per batch, the others one message per connection.
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
 * Finds connections due for a sync and queues them. `daily` (the midnight snapshot) takes every
 * active connection due within the next day, so each gets a point for the new day.
 */
export const planSync = async (deps: UseCaseDeps, mode: 'due' | 'daily', options: { limitPerShard?: number } = {}): Promise<{ queued: number; messages: number }> => {
  const now = deps.now();
  const dueBy = new Date(now.getTime() + (mode === 'daily' ? 1440 * MINUTE_MS : 0)).toISOString();
  let queued = 0;
  let sent = 0;
  for (let shard = 0; shard < DUE_SHARD_COUNT; shard++) {
    const due = (await deps.connections.dueForSync(shard, dueBy, options.limitPerShard ?? 1000)).filter((c) => c.status === 'active');
    const messages = groupForSync(deps, due, mode === 'daily' ? { force: true } : {});
    await deps.queue.send('sync', messages);
    queued += due.length;
    sent += messages.length;
  }
  return { queued, messages: sent };
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
  const work: Array<{ connection: Connection; tokens: TokenSet }> = [];
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
    for (const r of results) {
      const w = byAccount.get(r.platformAccountId);
      if (!w) continue;
      const c = w.connection;
      if (r.ok) {
        const snapshot: MetricSnapshot = { at: now.toISOString(), ...r.snapshot };
        const firstOfDay = !c.lastSyncAt || c.lastSyncAt.slice(0, 10) !== snapshot.at.slice(0, 10);
        await deps.history.append(c.connectionId, { at: snapshot.at, snapshot: r.snapshot }, { daily: firstOfDay });
        await saveSync(deps, c, { latest: snapshot, lastSyncAt: snapshot.at, nextSyncAt: nextSyncAt(c.tier, now) });
        outcomes.push({ connectionId: c.connectionId, outcome: 'synced', ...(r.snapshot.followers !== undefined && { followers: r.snapshot.followers }) });
        continue;
      }
      outcomes.push({ connectionId: c.connectionId, outcome: 'failed', failure: r.failure });
      if (r.failure.kind === 'auth_expired') await markReauth(deps, c, r.failure.code ?? 'auth_expired');
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
