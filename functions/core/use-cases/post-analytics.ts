/**
 * Per-post metrics: each published target's likes, comments, views… read through the platform's
 * analytics client and kept as a series in the History table (`target#<postId>#<connectionId>`).
 * Refreshed by a planner 1 hour, 1 day, 7 days and 30 days after publishing, and on demand (at
 * most once per freshness window, so repeated clicks do not burn platform quota).
 */
import type { MetricSnapshot } from '../model/connection';
import type { PostTarget, TargetError, TargetMetrics } from '../model/post';
import { NotFoundError, StaleWriteError } from '../errors';
import { ProviderError, type PostMetrics } from '../ports/provider';
import type { UseCaseDeps } from './context';
import { markReauth } from './tokens';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** When after publishing the planner refreshes a target's metrics. */
export const ANALYTICS_STAGES_MS: readonly number[] = [HOUR_MS, DAY_MS, 7 * DAY_MS, 30 * DAY_MS];
/** An on-demand refresh within this many minutes of the last one answers from storage. */
export const ANALYTICS_FRESHNESS_MINUTES = 10;

/** The History series of one target. */
export const targetSeriesId = (postId: string, connectionId: string): string => `target#${postId}#${connectionId}`;

/** The next stage after `now` for a target published at `publishedAt`; undefined after the last. */
export const nextAnalyticsDue = (publishedAt: string, now: Date): string | undefined => {
  const start = Date.parse(publishedAt);
  const next = ANALYTICS_STAGES_MS.map((ms) => start + ms).find((t) => t > now.getTime());
  return next === undefined ? undefined : new Date(next).toISOString();
};

const METRIC_KEYS = ['likes', 'comments', 'shares', 'views', 'impressions', 'reach', 'saves', 'clicks'] as const;

/** Post metrics in the History table's snapshot shape (likes and views are first-class there). */
export const toSnapshot = (m: PostMetrics): Omit<MetricSnapshot, 'at'> => {
  const extra: Record<string, number> = {};
  for (const k of METRIC_KEYS) if (k !== 'likes' && k !== 'views' && m[k] !== undefined) extra[k] = m[k];
  return {
    ...(m.likes !== undefined && { likes: m.likes }),
    ...(m.views !== undefined && { views: m.views }),
    ...(Object.keys(extra).length > 0 && { extra }),
  };
};

/** The reverse of `toSnapshot`. */
export const fromSnapshot = (s: Omit<MetricSnapshot, 'at'>): TargetMetrics => {
  const out: Record<string, number> = {};
  if (s.likes !== undefined) out['likes'] = s.likes;
  if (s.views !== undefined) out['views'] = s.views;
  for (const k of METRIC_KEYS) if (s.extra?.[k] !== undefined) out[k] = s.extra[k];
  return out;
};

export type TargetRefreshOutcome =
  | { readonly connectionId: string; readonly outcome: 'refreshed'; readonly metrics: TargetMetrics }
  | { readonly connectionId: string; readonly outcome: 'fresh' | 'not_published' | 'not_found' }
  | { readonly connectionId: string; readonly outcome: 'unsupported'; readonly reason?: string }
  | { readonly connectionId: string; readonly outcome: 'failed'; readonly error: TargetError };

/** Stores a refresh on the target (metrics, when, the next stage), re-reading once if it changed meanwhile. */
const recordRefresh = async (deps: UseCaseDeps, t: PostTarget, changes: Partial<PostTarget>, now: Date, options: { readonly stop?: boolean } = {}): Promise<void> => {
  const apply = (base: PostTarget): PostTarget => {
    const { analyticsDueAt: _a, ...rest } = base;
    const due = base.publishedAt && !options.stop ? nextAnalyticsDue(base.publishedAt, now) : undefined;
    return { ...rest, ...changes, ...(due !== undefined && { analyticsDueAt: due }), updatedAt: now.toISOString(), version: base.version + 1 };
  };
  try {
    await deps.posts.updateTarget(apply(t));
  } catch (err) {
    if (!(err instanceof StaleWriteError)) throw err;
    const latest = await deps.posts.getTarget(t);
    if (latest && latest.state === 'published') await deps.posts.updateTarget(apply(latest));
  }
};

/**
 * Refreshes the metrics of published targets, one platform call per connection and batch. A
 * refused grant marks the connection; any failure is reported per target, and the target moves on
 * to its next stage only when it was refreshed or the platform refused for good.
 */
export const refreshTargets = async (deps: UseCaseDeps, targets: readonly PostTarget[]): Promise<TargetRefreshOutcome[]> => {
  const now = deps.now();
  const outcomes: TargetRefreshOutcome[] = [];
  const byConnection = new Map<string, PostTarget[]>();
  for (const t of targets) {
    if (t.state !== 'published' || !t.platformPostId) outcomes.push({ connectionId: t.connectionId, outcome: 'not_published' });
    else byConnection.set(`${t.userId}/${t.connectionId}`, [...(byConnection.get(`${t.userId}/${t.connectionId}`) ?? []), t]);
  }
  for (const group of byConnection.values()) {
    const first = group[0]!;
    const connection = await deps.connections.get(first.userId, first.connectionId);
    const analytics = connection ? deps.platforms.get(connection.platform)?.analytics : undefined;
    const tokens = connection && connection.status === 'active' ? await deps.vault.get(connection.tokenRef) : undefined;
    if (!connection || !analytics || !tokens) {
      for (const t of group) {
        outcomes.push({ connectionId: t.connectionId, outcome: 'unsupported' });
        // Nothing to read with: stop planning refreshes for it.
        await recordRefresh(deps, t, {}, now, { stop: true });
      }
      continue;
    }
    const reason = analytics.unsupportedReason?.({ tokens, platformAccountId: connection.platformAccountId });
    if (reason !== undefined) {
      for (const t of group) {
        outcomes.push({ connectionId: t.connectionId, outcome: 'unsupported', reason });
        // The grant, not the post, is the obstacle: later stages read again in case the user reconnected with more.
        await recordRefresh(deps, t, {}, now);
      }
      continue;
    }
    const credentials = await deps.credentials.get(connection.platform);
    for (let i = 0; i < group.length; i += analytics.batchSize) {
      const batch = group.slice(i, i + analytics.batchSize);
      let result: Readonly<Record<string, PostMetrics>>;
      try {
        result = await analytics.fetch({ tokens, credentials, platformAccountId: connection.platformAccountId, platformPostIds: batch.map((t) => t.platformPostId!) });
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        const error: TargetError = { kind: err.failure.kind, ...(err.failure.code !== undefined && { code: err.failure.code }), message: err.failure.message };
        for (const t of batch) outcomes.push({ connectionId: t.connectionId, outcome: 'failed', error });
        if (err.failure.kind === 'auth_expired') await markReauth(deps, connection, err.failure.code ?? 'auth_expired');
        // A refusal for good skips this stage; a rate limit or an outage leaves it due for the next run.
        if (err.failure.kind !== 'rate_limited' && err.failure.kind !== 'transient') for (const t of batch) await recordRefresh(deps, t, {}, now);
        continue;
      }
      for (const t of batch) {
        const m = result[t.platformPostId!];
        if (!m) {
          outcomes.push({ connectionId: t.connectionId, outcome: 'not_found' });
          await recordRefresh(deps, t, {}, now);
          continue;
        }
        const snapshot = toSnapshot(m);
        await deps.history.append(targetSeriesId(t.postId, t.connectionId), { at: now.toISOString(), snapshot }, { daily: false });
        const metrics = fromSnapshot(snapshot);
        await recordRefresh(deps, t, { metrics, analyticsAt: now.toISOString() }, now);
        outcomes.push({ connectionId: t.connectionId, outcome: 'refreshed', metrics });
      }
    }
  }
  return outcomes;
};

/** Refreshes one post's metrics now, leaving alone targets refreshed within the freshness window. */
export const refreshPostAnalytics = async (deps: UseCaseDeps, userId: string, postId: string) => {
  const found = await deps.posts.getPostWithTargets(userId, postId);
  if (!found) throw new NotFoundError(`Post ${postId}`);
  const now = deps.now().getTime();
  const targets = found.targets;
  const fresh = targets.filter((t) => t.analyticsAt !== undefined && now - Date.parse(t.analyticsAt) < ANALYTICS_FRESHNESS_MINUTES * 60_000);
  const outcomes = await refreshTargets(deps, targets.filter((t) => !fresh.includes(t)));
  return {
    postId,
    targets: [...fresh.map((t): TargetRefreshOutcome => ({ connectionId: t.connectionId, outcome: 'fresh' })), ...outcomes],
  };
};

/** Each target's stored metric series since it was published, and its latest figures. */
export const postAnalytics = async (deps: UseCaseDeps, userId: string, postId: string) => {
  const found = await deps.posts.getPostWithTargets(userId, postId);
  if (!found) throw new NotFoundError(`Post ${postId}`);
  const to = deps.now().toISOString();
  const targets = await Promise.all(
    found.targets.map(async (t) => {
      const series = t.publishedAt ? await deps.history.points(targetSeriesId(postId, t.connectionId), t.publishedAt, to) : [];
      return {
        connectionId: t.connectionId,
        platform: t.platform,
        state: t.state,
        ...(t.platformPostId !== undefined && { platformPostId: t.platformPostId }),
        ...(t.publishedAt !== undefined && { publishedAt: t.publishedAt }),
        ...(t.metrics !== undefined && { latest: t.metrics }),
        ...(t.analyticsAt !== undefined && { refreshedAt: t.analyticsAt }),
        ...(t.analyticsDueAt !== undefined && { nextRefreshAt: t.analyticsDueAt }),
        series: series.map((p) => ({ at: p.at, ...fromSnapshot(p.snapshot) })),
      };
    }),
  );
  return { postId, targets };
};

/**
 * Refreshes the targets whose analytics stage has come, reading the sparse due index hour by
 * hour back over `lookbackHours` (so a planner that missed runs catches up).
 */
export const planAnalytics = async (deps: UseCaseDeps, options: { readonly lookbackHours?: number; readonly limit?: number } = {}) => {
  const now = deps.now();
  const lookback = options.lookbackHours ?? 48;
  const limit = options.limit ?? 500;
  const hours: string[] = [];
  for (let h = lookback; h >= 0; h--) hours.push(new Date(now.getTime() - h * HOUR_MS).toISOString().slice(0, 13));
  const due: PostTarget[] = [];
  for (const hour of hours) {
    for (const t of await deps.posts.dueForAnalytics(hour)) {
      if (t.analyticsDueAt !== undefined && Date.parse(t.analyticsDueAt) <= now.getTime() && due.length < limit) due.push(t);
    }
    if (due.length >= limit) break;
  }
  const outcomes = await refreshTargets(deps, due);
  return {
    due: due.length,
    refreshed: outcomes.filter((o) => o.outcome === 'refreshed').length,
    failed: outcomes.filter((o) => o.outcome === 'failed').length,
  };
};
