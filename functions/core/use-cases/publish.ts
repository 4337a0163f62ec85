/**
 * Firing and publishing post targets, exactly once.
 *
 * States of a target: `scheduled -> claimed -> publishing -> (processing) -> published |
 * failed | unconfirmed | cancelled | missed`. Every change is a conditional write on the target's
 * version, so of two deliveries (or a delivery and a cancel) exactly one wins. A platform call
 * whose outcome is unknown (a timeout, a crash) leaves the target `unconfirmed`, and the platform
 * is asked (`publisher.reconcile`) before any new attempt. A target waiting for something (its due
 * second, a retry, a processing platform, the end of a worker's lease) carries `wakeAt`: the
 * planner reads it from a sparse index and re-sends the target then, so a message lost to the
 * dead-letter queue or a crashed worker never loses the target.
 */
import type { Connection } from '../model/connection';
import type { Post, PostTarget, TargetError } from '../model/post';
import { StaleWriteError } from '../errors';
import { ProviderError, type Checkpoint, type PublishContext, type Publisher } from '../ports/provider';
import type { TargetRef } from '../ports/posts';
import type { WorkMessage } from '../ports/queue';
import type { UseCaseDeps } from './context';
import { resolveMedia, targetContent } from './post-content';
import { rollUpPost } from './post-rollup';
import { markReauth } from './tokens';

const MINUTE_MS = 60_000;
/** Retryable failures (rate limits, transient errors, unknown outcomes) before a target fails. */
export const MAX_RETRIES = 5;
/** A delivery this close to the target's instant counts as on time (clocks and delays are not exact). */
const ON_TIME_TOLERANCE_MS = 1000;
/** The planner looks this many minutes ahead, including the current one's rest. */
export const PLANNER_AHEAD_MINUTES = 2;
/** A target due within this many seconds is sent by whoever schedules it, not left to the planner. */
export const DIRECT_SEND_SECONDS = 180;
/** SQS's longest message delay. */
const MAX_DELAY_SECONDS = 900;
/** The first analytics refresh after a publish. */
const FIRST_ANALYTICS_MS = 3600_000;

export type PublishOutcome =
  | { readonly outcome: 'published'; readonly platformPostId: string; readonly url?: string }
  /** The message should come back after `afterSeconds` (a processing platform, a retry, early arrival). */
  | { readonly outcome: 'processing' | 'retry'; readonly afterSeconds: number; readonly reason: string }
  | { readonly outcome: 'failed'; readonly error: TargetError }
  | { readonly outcome: 'missed' }
  /** Nothing to do: the target is gone, already settled, owned by another worker, or not due for long. */
  | { readonly outcome: 'skipped'; readonly reason: 'gone' | 'settled' | 'busy' | 'early' };

// ─── small pure helpers ──────────────────────────────────────────────────────────────────────

const iso = (ms: number): string => new Date(ms).toISOString();

/** `YYYY-MM-DDTHH:MM` of an instant: the due index's partition. */
export const minuteOf = (instant: string | number): string => (typeof instant === 'number' ? iso(instant) : instant).slice(0, 16);

/** Removes keys from a copy of an item (a stored attribute that should disappear on the next write). */
const without = <T extends object, K extends keyof T>(item: T, ...keys: K[]): Omit<T, K> => {
  const copy = { ...item };
  for (const k of keys) delete copy[k];
  return copy;
};

/** True when a scheduled target that never started is overdue past the window: it must not go out late. */
export const isMissed = (t: PostTarget, now: Date, windowMinutes: number): boolean =>
  t.state === 'scheduled' && t.attempts === 0 && Date.parse(t.dueAt) < now.getTime() - windowMinutes * MINUTE_MS;

/** The queue message of a target, delayed so that it arrives on its second. */
export const publishMessage = (t: Pick<PostTarget, 'userId' | 'postId' | 'connectionId' | 'wakeAt'>, now: Date): WorkMessage => {
  const wait = t.wakeAt ? Math.ceil((Date.parse(t.wakeAt) - now.getTime()) / 1000) : 0;
  return { body: { userId: t.userId, postId: t.postId, connectionId: t.connectionId }, delaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, wait)) };
};

/** Exponential backoff with jitter: 15 s, 30 s, 60 s… (at most 15 min), each drawn from [half, full]. */
export const backoffSeconds = (retries: number, random: () => number): number => {
  const base = Math.min(MAX_DELAY_SECONDS, 15 * 2 ** Math.max(0, retries));
  return Math.round(base / 2 + random() * (base / 2));
};

/** How long to wait after a platform asked us to: its reset, plus up to 10 % so waiters spread out. */
const rateLimitSeconds = (asked: number | undefined, random: () => number): number => {
  const wait = Math.max(1, asked ?? 60);
  return Math.ceil(wait + random() * wait * 0.1);
};

// ─── planner ─────────────────────────────────────────────────────────────────────────────────

export interface PlanPublishResult {
  readonly queued: number;
  readonly missed: number;
  readonly minutesRead: number;
}

/**
 * Every minute: reads the due index for the current minute, the next two, and the overdue minutes
 * back past the missed window (a whole day at the top of each hour, to pick up anything an outage
 * left behind). Each target due is sent with the delay that makes it arrive on its second; a target
 * that never started and is overdue past the window becomes `missed`.
 */
export const planPublish = async (deps: UseCaseDeps, options: { readonly lookbackMinutes?: number } = {}): Promise<PlanPublishResult> => {
  const now = deps.now();
  const window = deps.settings.publishMissedAfterMinutes;
  const lookback = options.lookbackMinutes ?? (now.getUTCMinutes() === 0 ? 24 * 60 : window + 15);
  const current = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const minutes: string[] = [];
  for (let m = -lookback; m <= PLANNER_AHEAD_MINUTES; m++) minutes.push(minuteOf(current + m * MINUTE_MS));

  const found: PostTarget[] = [];
  for (let i = 0; i < minutes.length; i += 16) {
    const pages = await Promise.all(minutes.slice(i, i + 16).map((m) => deps.posts.dueForPublish(m)));
    found.push(...pages.flat());
  }
  const horizon = current + (PLANNER_AHEAD_MINUTES + 1) * MINUTE_MS;
  const messages: WorkMessage[] = [];
  const touchedPosts = new Map<string, { userId: string; postId: string }>();
  let missed = 0;
  for (const t of found) {
    // The index is eventually consistent: a target may have moved on since it was read.
    if (!t.wakeAt || Date.parse(t.wakeAt) >= horizon) continue;
    if (isMissed(t, now, window)) {
      if (await markMissed(deps, t)) {
        missed += 1;
        touchedPosts.set(`${t.userId}/${t.postId}`, { userId: t.userId, postId: t.postId });
      }
      continue;
    }
    messages.push(publishMessage(t, now));
  }
  await deps.queue.send('publish', messages);
  for (const p of touchedPosts.values()) await rollUpPost(deps, p.userId, p.postId);
  return { queued: messages.length, missed, minutesRead: minutes.length };
};

const markMissed = async (deps: UseCaseDeps, t: PostTarget): Promise<boolean> => {
  const window = deps.settings.publishMissedAfterMinutes;
  try {
    await deps.posts.updateTarget({
      ...without(t, 'wakeAt', 'leaseUntil'),
      state: 'missed',
      error: { kind: 'permanent', code: 'missed_window', message: `not sent within ${window} minutes of its due time, so it was not published late` },
      updatedAt: deps.now().toISOString(),
      version: t.version + 1,
    });
    return true;
  } catch (err) {
    if (err instanceof StaleWriteError) return false;
    throw err;
  }
};

// ─── worker ──────────────────────────────────────────────────────────────────────────────────

/** The target's checkpoint belongs to a newer attempt: this worker lost its lease and must stop. */
class LeaseLostError extends Error {
  constructor() {
    super('the publish lease was lost to another worker');
    this.name = 'LeaseLostError';
  }
}

const leaseLive = (t: PostTarget, now: Date): boolean => t.leaseUntil !== undefined && Date.parse(t.leaseUntil) > now.getTime();

interface WorkerOptions {
  /** Source of randomness for jitter (tests pin it). */
  readonly random?: () => number;
}

/**
 * Publishes one target (one queue message). Safe to run for the same target any number of times,
 * concurrently or after a crash: it publishes at most once, and a target is always either settled
 * or still reachable by a later delivery.
 */
export const publishTarget = async (deps: UseCaseDeps, ref: TargetRef, options: WorkerOptions = {}): Promise<PublishOutcome> => {
  const random = options.random ?? Math.random;
  let target = await deps.posts.getTarget(ref);
  if (!target) return { outcome: 'skipped', reason: 'gone' };
  const now = deps.now();

  switch (target.state) {
    case 'published':
    case 'failed':
    case 'cancelled':
    case 'missed':
      // A repeat delivery: nothing to publish, but finish a roll-up an earlier run may have left undone.
      await rollUpPost(deps, ref.userId, ref.postId);
      return { outcome: 'skipped', reason: 'settled' };
    case 'claimed':
    case 'publishing':
      if (leaseLive(target, now)) return { outcome: 'skipped', reason: 'busy' };
      if (target.state === 'publishing') {
        // The worker died mid-call: whether the platform took the post is unknown.
        const next = await write(deps, target, {
          ...without(target, 'leaseUntil'),
          state: 'unconfirmed',
          unconfirmedSince: target.attemptStartedAt ?? target.updatedAt,
          wakeAt: now.toISOString(),
        });
        if (!next) return { outcome: 'skipped', reason: 'busy' };
        target = next;
      }
      break;
    case 'scheduled':
    case 'processing':
    case 'unconfirmed':
      break;
  }

  if (isMissed(target, now, deps.settings.publishMissedAfterMinutes)) {
    if (!(await markMissed(deps, target))) return { outcome: 'skipped', reason: 'busy' };
    await rollUpPost(deps, ref.userId, ref.postId);
    return { outcome: 'missed' };
  }
  if (target.wakeAt && Date.parse(target.wakeAt) > now.getTime() + ON_TIME_TOLERANCE_MS) {
    const wait = Math.ceil((Date.parse(target.wakeAt) - now.getTime()) / 1000);
    // Far ahead, the planner sends it again in time; close by, the message comes back on its second.
    return wait > MAX_DELAY_SECONDS ? { outcome: 'skipped', reason: 'early' } : { outcome: 'retry', afterSeconds: wait, reason: 'not due yet' };
  }

  const leaseUntil = iso(now.getTime() + deps.settings.publishLeaseSeconds * 1000);
  const claimed = await write(deps, target, { ...target, state: 'claimed', leaseUntil, wakeAt: leaseUntil });
  if (!claimed) return { outcome: 'skipped', reason: 'busy' };
  if (target.state === 'scheduled') await rollUpPost(deps, ref.userId, ref.postId);
  return runClaimed(deps, claimed, random);
};

/** Writes the next version of a target; undefined when another writer got there first. */
const write = async (deps: UseCaseDeps, current: PostTarget, next: PostTarget): Promise<PostTarget | undefined> => {
  const stored: PostTarget = { ...next, updatedAt: deps.now().toISOString(), version: current.version + 1 };
  try {
    await deps.posts.updateTarget(stored);
    return stored;
  } catch (err) {
    if (err instanceof StaleWriteError) return undefined;
    throw err;
  }
};

interface Loaded {
  readonly post: Post;
  readonly connection: Connection;
  readonly publisher: Publisher;
  readonly base: Omit<PublishContext, 'save' | 'checkpoint'>;
}

/** Everything an attempt needs, or the reason the target cannot be published at all. */
const load = async (deps: UseCaseDeps, t: PostTarget): Promise<Loaded | TargetError> => {
  const [post, connection] = await Promise.all([deps.posts.getPost(t.userId, t.postId), deps.connections.get(t.userId, t.connectionId)]);
  if (!post) return { kind: 'permanent', code: 'post_gone', message: 'the post no longer exists' };
  if (!connection) return { kind: 'permanent', code: 'connection_gone', message: 'the connection was removed' };
  if (connection.status !== 'active') return { kind: 'auth_expired', code: `connection_${connection.status}`, message: `the connection is ${connection.status}; reconnect it and retry` };
  const publisher = deps.platforms.get(connection.platform)?.publisher;
  if (!publisher) return { kind: 'permanent', code: 'capability_unsupported', message: `${connection.platform} does not support publishing` };
  const tokens = await deps.vault.get(connection.tokenRef);
  if (!tokens) {
    await markReauth(deps, connection, 'tokens_missing');
    return { kind: 'auth_expired', code: 'tokens_missing', message: 'the connection has no tokens; reconnect it and retry' };
  }
  const ids = t.overrides?.media ?? post.mediaIds;
  const media = await resolveMedia(deps, t.userId, ids);
  const lost = ids.find((id) => !media.has(id));
  if (lost !== undefined) return { kind: 'invalid_request', code: 'media_missing', message: `media ${lost} is no longer available` };
  const credentials = await deps.credentials.get(connection.platform);
  return {
    post,
    connection,
    publisher,
    base: {
      tokens,
      credentials,
      platformAccountId: connection.platformAccountId,
      accountType: connection.accountType,
      content: targetContent(post, t, media),
      targetKey: `${t.postId}.${t.connectionId}`,
    },
  };
};

const runClaimed = async (deps: UseCaseDeps, claimed: PostTarget, random: () => number): Promise<PublishOutcome> => {
  let target = claimed;
  const loaded = await load(deps, target);
  if (!('post' in loaded)) {
    // An earlier attempt's outcome is unknown and it cannot be checked now (e.g. the connection
    // needs reconnecting): say the post may be live; a retry reconciles before sending again.
    if (target.unconfirmedSince !== undefined) {
      return fail(deps, target, {
        ...loaded,
        code: `unconfirmed_${loaded.code ?? loaded.kind}`,
        message: `could not confirm whether an earlier attempt was published: ${loaded.message}`,
      });
    }
    return fail(deps, target, loaded);
  }
  const { publisher, connection, base } = loaded;

  if (target.unconfirmedSince !== undefined) {
    let found: { platformPostId: string; url?: string } | undefined;
    try {
      found = await publisher.reconcile({ ...base, ...(target.checkpoint && { checkpoint: target.checkpoint }), since: target.unconfirmedSince });
    } catch (err) {
      return onFailure(deps, target, connection, err, 'reconcile', random);
    }
    if (found) return settlePublished(deps, target, found);
    target = without(target, 'unconfirmedSince');
  }

  const started = deps.now();
  const leaseUntil = iso(started.getTime() + deps.settings.publishLeaseSeconds * 1000);
  const attempt = target.attempts + 1;
  const publishing = await write(deps, target, {
    ...without(target, 'error'),
    state: 'publishing',
    attempts: attempt,
    attemptStartedAt: started.toISOString(),
    leaseUntil,
    wakeAt: leaseUntil,
  });
  if (!publishing) return { outcome: 'skipped', reason: 'busy' };
  target = publishing;

  let checkpoint: Checkpoint | undefined = target.checkpoint;
  const save = async (next: Checkpoint): Promise<void> => {
    if (!(await deps.posts.saveCheckpoint(target, attempt, next, deps.now().toISOString()))) throw new LeaseLostError();
    checkpoint = next;
    await rememberPlatformIds(deps, connection.platform, target, Object.values(next));
  };
  try {
    const step = await publisher.publish({ ...base, ...(checkpoint && { checkpoint }), save });
    target = { ...target, ...(checkpoint && { checkpoint }) };
    if (step.status === 'published') return settlePublished(deps, target, step);
    await rememberPlatformIds(deps, connection.platform, target, Object.values(step.checkpoint));
    const waitSeconds = Math.max(1, Math.ceil(step.retryAfterSeconds));
    const next = await write(deps, target, {
      ...without(target, 'leaseUntil'),
      state: 'processing',
      checkpoint: step.checkpoint,
      // Progress resets the retry budget: only failures in a row count against it.
      retries: 0,
      wakeAt: iso(deps.now().getTime() + waitSeconds * 1000),
    });
    if (!next) return { outcome: 'skipped', reason: 'busy' };
    return { outcome: 'processing', afterSeconds: waitSeconds, reason: 'the platform is still processing' };
  } catch (err) {
    if (err instanceof LeaseLostError) return { outcome: 'skipped', reason: 'busy' };
    return onFailure(deps, { ...target, ...(checkpoint && { checkpoint }) }, connection, err, 'publish', random);
  }
};

const settlePublished = async (deps: UseCaseDeps, t: PostTarget, done: { platformPostId: string; url?: string }): Promise<PublishOutcome> => {
  const at = deps.now();
  const connection = await deps.connections.get(t.userId, t.connectionId);
  if (connection) await rememberPlatformIds(deps, connection.platform, t, [done.platformPostId]);
  const next = await write(deps, t, {
    ...without(t, 'wakeAt', 'leaseUntil', 'unconfirmedSince', 'error', 'url'),
    state: 'published',
    platformPostId: done.platformPostId,
    ...(done.url !== undefined && { url: done.url }),
    publishedAt: at.toISOString(),
    retries: 0,
    analyticsDueAt: iso(at.getTime() + FIRST_ANALYTICS_MS),
  });
  // Losing this write means our lease ran out and another worker took over; it reconciles and
  // finds the post we just made, so nothing is published twice.
  if (!next) return { outcome: 'skipped', reason: 'busy' };
  await rollUpPost(deps, t.userId, t.postId);
  return { outcome: 'published', platformPostId: done.platformPostId, ...(done.url !== undefined && { url: done.url }) };
};

const fail = async (deps: UseCaseDeps, t: PostTarget, error: TargetError): Promise<PublishOutcome> => {
  const next = await write(deps, t, { ...without(t, 'wakeAt', 'leaseUntil'), state: 'failed', error });
  if (!next) return { outcome: 'skipped', reason: 'busy' };
  await rollUpPost(deps, t.userId, t.postId);
  return { outcome: 'failed', error };
};

/** A failure's message, safe to store and show (provider messages never carry tokens). */
const errorOf = (err: unknown): TargetError => {
  if (err instanceof ProviderError) {
    return { kind: err.failure.kind, ...(err.failure.code !== undefined && { code: err.failure.code }), message: err.failure.message.slice(0, 500) };
  }
  return { kind: 'transient', code: 'internal', message: 'the attempt ended unexpectedly' };
};

/**
 * The target's fate after a failed platform call follows the failure's kind: unknown outcomes
 * (timeouts, dropped connections, anything unexpected during the call) leave it `unconfirmed`;
 * rate limits and transient failures wait and retry, up to `MAX_RETRIES`; a refused grant fails
 * it and marks the connection; a refused request fails it.
 */
const onFailure = async (
  deps: UseCaseDeps,
  t: PostTarget,
  connection: Connection,
  err: unknown,
  phase: 'publish' | 'reconcile',
  random: () => number,
): Promise<PublishOutcome> => {
  const error = errorOf(err);
  const unknownOutcome =
    phase === 'publish' && (!(err instanceof ProviderError) || (error.kind === 'transient' && (error.code === 'timeout' || error.code === 'network')));
  // Checking on an earlier attempt keeps the unknown outcome on record whatever happens now.
  const unconfirmedSince = unknownOutcome ? (t.attemptStartedAt ?? t.updatedAt) : t.unconfirmedSince;
  const keep = unconfirmedSince !== undefined ? { unconfirmedSince } : {};

  if (error.kind === 'auth_expired') {
    const out = await fail(deps, { ...without(t, 'unconfirmedSince'), ...keep }, error);
    await markReauth(deps, connection, error.code ?? 'auth_expired');
    return out;
  }
  if (!unknownOutcome && (error.kind === 'invalid_request' || error.kind === 'permanent')) {
    return fail(deps, { ...without(t, 'unconfirmedSince'), ...keep }, error);
  }
  if (t.retries + 1 >= MAX_RETRIES) {
    const gaveUp: TargetError = {
      ...error,
      message: `${unconfirmedSince !== undefined ? 'could not confirm whether the post went out; check the platform before retrying. ' : ''}gave up after ${MAX_RETRIES} tries: ${error.message}`.slice(0, 500),
    };
    return fail(deps, { ...without(t, 'unconfirmedSince'), ...keep }, gaveUp);
  }
  const wait = error.kind === 'rate_limited' && err instanceof ProviderError ? rateLimitSeconds(err.failure.retryAfterSeconds, random) : backoffSeconds(t.retries, random);
  const next = await write(deps, t, {
    ...without(t, 'leaseUntil', 'unconfirmedSince'),
    ...keep,
    state: unconfirmedSince !== undefined ? 'unconfirmed' : 'scheduled',
    retries: t.retries + 1,
    error,
    wakeAt: iso(deps.now().getTime() + wait * 1000),
  });
  if (!next) return { outcome: 'skipped', reason: 'busy' };
  return { outcome: 'retry', afterSeconds: wait, reason: `${phase}: ${error.kind}${error.code ? ` (${error.code})` : ''}` };
};

const PLATFORM_REF_TTL_MS = 30 * 86_400_000;
const platformRefKey = (platform: string, id: string) => `pubref#${platform}#${id}`;

/**
 * Remembers which target a platform id (a publish id, an upload id, the post id) belongs to, so a
 * platform's webhook about it finds the target without a scan. Kept 30 days.
 */
const rememberPlatformIds = async (deps: UseCaseDeps, platform: string, t: PostTarget, ids: readonly string[]): Promise<void> => {
  const expiresAt = new Date(deps.now().getTime() + PLATFORM_REF_TTL_MS);
  // Short values (counters, flags) are progress, not ids.
  for (const id of new Set(ids.filter((v) => typeof v === 'string' && v.length >= 4))) {
    await deps.control.put(platformRefKey(platform, id), { userId: t.userId, postId: t.postId, connectionId: t.connectionId }, expiresAt);
  }
};

/**
 * A platform's webhook about a post Reach published (the webhook worker's `post_status`
 * events): `data.publishId` and/or `data.platformPostId` name it, `data.status` says
 * `published` or `failed` (with `data.reason`). A target still waiting on the platform settles at
 * once instead of at its next poll; a published target learns its public post id; a settled one
 * is left alone. Idempotent: applying the same event twice changes nothing the second time.
 */
export const applyPublishStatus = async (deps: UseCaseDeps, platform: string, data: Readonly<Record<string, unknown>>): Promise<'applied' | 'unknown_post'> => {
  const ids = [data['publishId'], data['platformPostId']].filter((v): v is string => typeof v === 'string' && v.length > 0);
  let ref: TargetRef | undefined;
  for (const id of ids) {
    const found = await deps.control.get(platformRefKey(platform, id));
    if (found && typeof found['userId'] === 'string' && typeof found['postId'] === 'string' && typeof found['connectionId'] === 'string') {
      ref = { userId: found['userId'], postId: found['postId'], connectionId: found['connectionId'] };
      break;
    }
  }
  if (!ref) return 'unknown_post';
  const target = await deps.posts.getTarget(ref);
  if (!target) return 'unknown_post';
  const status = data['status'];
  const platformPostId = typeof data['platformPostId'] === 'string' ? data['platformPostId'] : undefined;
  const waiting = target.state === 'processing' || target.state === 'publishing' || target.state === 'unconfirmed' || target.state === 'claimed';
  if (status === 'failed' && waiting) {
    const reason = typeof data['reason'] === 'string' ? data['reason'] : 'the platform reported a failure';
    await fail(deps, target, { kind: 'permanent', code: 'platform_reported_failure', message: reason.slice(0, 500) });
    return 'applied';
  }
  if (status !== 'published') return 'applied';
  if (waiting) {
    await settlePublished(deps, target, { platformPostId: platformPostId ?? target.platformPostId ?? ids[0]!, ...(target.url !== undefined && { url: target.url }) });
    return 'applied';
  }
  if (target.state === 'published' && platformPostId && platformPostId !== target.platformPostId) {
    await write(deps, target, { ...target, platformPostId });
    await rememberPlatformIds(deps, platform, target, [platformPostId]);
  }
  return 'applied';
};
