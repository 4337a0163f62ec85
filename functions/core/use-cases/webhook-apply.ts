/**
 * Applying a stored webhook event (the webhook worker). The event moves `received → applying →
 * applied` by conditional writes, so a redelivered message changes nothing the second time, and
 * it is routed to every connection of the platform account it concerns (all users who connected
 * that account).
 */
import { z } from 'zod';
import type { Connection, MetricSnapshot } from '../model/connection';
import { StaleWriteError } from '../errors';
import type { ReachEvent } from '../ports/events';
import type { WebhookEvent } from '../ports/provider';
import type { WebhookEventRecord } from '../ports/webhook-events';
import type { UseCaseDeps } from './context';
import { reasonCode, revokeByPlatform } from './revocation';
import { groupForSync } from './sync';

/**
 * Hands a `post_status` event to the publishing engine: `applied` when it matched one of Reach's
 * post targets, `unknown_post` when it names a post Reach did not publish.
 */
export type ApplyPostStatus = (platform: string, event: WebhookEvent) => Promise<'applied' | 'unknown_post'>;

export interface ApplyHooks {
  /** The publishing engine's entry point for post status; without it such events are kept, not applied. */
  readonly applyPostStatus?: ApplyPostStatus;
}

/** What applying an event did; stored on the event as its outcome. */
export type ApplyOutcome =
  | 'metrics_recorded'
  | 'sync_queued'
  | 'already_fresh'
  | 'no_metrics'
  | 'revoked'
  | 'notified'
  | 'post_applied'
  | 'unknown_post'
  | 'no_post_handler'
  | 'no_connections'
  | 'no_account';

export type ApplyResult =
  | { readonly outcome: 'applied'; readonly detail: ApplyOutcome; readonly connections: number; readonly receivedAt: string }
  | { readonly outcome: 'skipped'; readonly reason: 'already_applied' | 'missing' }
  /** Another worker is applying it; try again after `retryAfterSeconds`. */
  | { readonly outcome: 'busy'; readonly retryAfterSeconds: number };

/** How long a worker owns an event it claimed: longer than the worker's timeout (60 s). */
export const APPLY_LEASE_SECONDS = 90;
const MINUTE_MS = 60_000;
/** Figures stamped further ahead than this are taken as received now (a platform's clock skew). */
const FUTURE_SKEW_MS = 5 * MINUTE_MS;
const MAX_STALE_RETRIES = 3;

const count = z.number().int().min(0).max(1e15);
// Absolute figures a platform may put in an event; a change (`+1 follower`) carries none of them.
const countsSchema = z.object({ followers: count, following: count, posts: count, views: count, likes: count }).partial();
type Counts = z.infer<typeof countsSchema>;

const toWebhookEvent = (r: WebhookEventRecord): WebhookEvent => ({
  eventId: r.eventId,
  kind: r.kind,
  ...(r.platformAccountId !== undefined && { platformAccountId: r.platformAccountId }),
  occurredAt: r.occurredAt,
  data: r.data,
});

const countsOf = (data: Readonly<Record<string, unknown>>): Counts | undefined => {
  const parsed = countsSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const present = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as Counts;
  return Object.keys(present).length > 0 ? present : undefined;
};

/** Replaces a connection's latest figures, re-reading it when another writer got there first. */
const saveLatest = async (deps: UseCaseDeps, connection: Connection, at: string, snapshotOf: (c: Connection) => MetricSnapshot): Promise<void> => {
  let current: Connection | undefined = connection;
  for (let attempt = 1; current; attempt++) {
    if (current.latest && current.latest.at > at) return;
    try {
      await deps.connections.update({ ...current, latest: snapshotOf(current), updatedAt: deps.now().toISOString(), version: current.version + 1 });
      return;
    } catch (err) {
      if (!(err instanceof StaleWriteError) || attempt >= MAX_STALE_RETRIES) throw err;
      current = await deps.connections.get(connection.userId, connection.connectionId);
    }
  }
};

/**
 * Figures carried by the event: a history point (and the day's snapshot when it is the first of
 * its UTC day) and the connection's latest figures, merged over the previous ones — the shape a
 * sync writes. An event older than the latest figures only adds its point.
 */
const recordFigures = async (deps: UseCaseDeps, event: WebhookEventRecord, counts: Counts, connections: readonly Connection[]): Promise<void> => {
  const received = Date.parse(event.receivedAt);
  const occurred = Date.parse(event.occurredAt);
  const at = !Number.isNaN(occurred) && occurred <= received + FUTURE_SKEW_MS ? event.occurredAt : event.receivedAt;
  const merged = (c: Connection): MetricSnapshot => {
    const { at: _previousAt, ...previous } = c.latest ?? { at };
    return { ...previous, ...counts, at };
  };
  const synced: ReachEvent[] = [];
  for (const c of connections) {
    const newer = !c.latest || at >= c.latest.at;
    const firstOfDay = newer && (!c.latest || c.latest.at.slice(0, 10) !== at.slice(0, 10));
    const { at: _at, ...snapshot } = merged(c);
    await deps.history.append(c.connectionId, { at, snapshot }, { daily: firstOfDay });
    if (newer) await saveLatest(deps, c, at, merged);
    synced.push({
      type: 'metrics.synced',
      userId: c.userId,
      detail: { connectionId: c.connectionId, platform: c.platform, source: 'webhook', ...(counts.followers !== undefined && { followers: counts.followers }) },
    });
  }
  await deps.events.publish(synced);
};

/**
 * A change without figures: a sync of the connections, except those synced within the freshness
 * window or already asked for by an earlier event in it, so a burst of events costs one platform
 * call per connection.
 */
const requestSyncFor = async (deps: UseCaseDeps, platform: string, connections: readonly Connection[]): Promise<ApplyOutcome> => {
  if (!deps.platforms.get(platform)?.metrics) return 'no_metrics';
  const now = deps.now();
  const windowMs = deps.settings.syncFreshnessMinutes * MINUTE_MS;
  const due: Connection[] = [];
  for (const c of connections) {
    if (c.status !== 'active') continue;
    if (c.lastSyncAt && now.getTime() - Date.parse(c.lastSyncAt) < windowMs) continue;
    const asked = await deps.control.putIfAbsent(`webhook-sync#${c.connectionId}`, { requestedAt: now.toISOString() }, new Date(now.getTime() + windowMs));
    if (asked) due.push(c);
  }
  if (due.length === 0) return 'already_fresh';
  // `force`: the worker would otherwise skip a connection whose scheduled sync is not due yet.
  await deps.queue.send('sync', groupForSync(deps, due, { force: true }));
  return 'sync_queued';
};

const engagement = (deps: UseCaseDeps, event: WebhookEventRecord, connections: readonly Connection[]): Promise<void> =>
  deps.events.publish(
    connections.map((c) => ({
      type: event.kind === 'comment' ? ('engagement.comment' as const) : ('engagement.mention' as const),
      userId: c.userId,
      detail: {
        connectionId: c.connectionId,
        platform: c.platform,
        platformAccountId: c.platformAccountId,
        eventId: event.eventId,
        occurredAt: event.occurredAt,
        data: event.data,
      },
    })),
  );

/** Routes one claimed event; returns what it did and to how many connections. */
const route = async (deps: UseCaseDeps, event: WebhookEventRecord, hooks: ApplyHooks): Promise<{ detail: ApplyOutcome; connections: number }> => {
  if (event.kind === 'post_status') {
    if (!hooks.applyPostStatus) return { detail: 'no_post_handler', connections: 0 };
    const result = await hooks.applyPostStatus(event.platform, toWebhookEvent(event));
    return { detail: result === 'applied' ? 'post_applied' : 'unknown_post', connections: 0 };
  }
  if (event.platformAccountId === undefined) return { detail: 'no_account', connections: 0 };
  const all = await deps.connections.findByPlatformAccount(event.platform, event.platformAccountId);
  const connections = all.filter((c) => c.status !== 'revoked');
  if (event.kind === 'deauthorized') {
    // Revoked ones too: a revocation that stopped before deleting the tokens finishes here.
    if (all.length === 0) return { detail: 'no_connections', connections: 0 };
    const reason = reasonCode(event.data['reason'], 'platform_revoked');
    for (const c of all) await revokeByPlatform(deps, c, reason);
    return { detail: 'revoked', connections: all.length };
  }
  if (connections.length === 0) return { detail: 'no_connections', connections: 0 };
  switch (event.kind) {
    case 'metrics_changed': {
      const counts = countsOf(event.data);
      if (counts) {
        await recordFigures(deps, event, counts, connections);
        return { detail: 'metrics_recorded', connections: connections.length };
      }
      return { detail: await requestSyncFor(deps, event.platform, connections), connections: connections.length };
    }
    case 'comment':
    case 'mention':
      await engagement(deps, event, connections);
      return { detail: 'notified', connections: connections.length };
  }
};

/**
 * Applies one stored event, once: claims it (a lease, so a crashed worker's event is taken over
 * after the lease), routes it, and marks it applied. A failure releases the claim and is thrown,
 * so the queue brings the message back.
 */
export const applyWebhookEvent = async (
  deps: UseCaseDeps,
  ref: { readonly platform: string; readonly eventId: string },
  owner: string,
  hooks: ApplyHooks = {},
): Promise<ApplyResult> => {
  const now = deps.now();
  const claim = await deps.webhookEvents.claim(ref.platform, ref.eventId, owner, new Date(now.getTime() + APPLY_LEASE_SECONDS * 1000));
  switch (claim.status) {
    case 'applied':
      return { outcome: 'skipped', reason: 'already_applied' };
    case 'missing':
      return { outcome: 'skipped', reason: 'missing' };
    case 'busy': {
      const left = claim.leaseUntil ? Math.ceil((Date.parse(claim.leaseUntil) - now.getTime()) / 1000) : APPLY_LEASE_SECONDS;
      return { outcome: 'busy', retryAfterSeconds: Math.max(1, Math.min(APPLY_LEASE_SECONDS, left)) };
    }
    case 'claimed':
      break;
  }
  let routed: { detail: ApplyOutcome; connections: number };
  try {
    routed = await route(deps, claim.event, hooks);
  } catch (err) {
    try {
      await deps.webhookEvents.release(ref.platform, ref.eventId, owner);
    } catch {
      // The lease runs out on its own; the original failure is the one worth reporting.
    }
    throw err;
  }
  await deps.webhookEvents.complete(ref.platform, ref.eventId, owner, routed.detail);
  return { outcome: 'applied', ...routed, receivedAt: claim.event.receivedAt };
};
