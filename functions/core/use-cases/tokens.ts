/**
 * Keeping tokens fresh: when a connection's tokens are due, the planner that finds them, and the
 * worker that refreshes one connection under a lease.
 */
import type { Connection } from '../model/connection';
import type { TokenSet } from '../model/tokens';
import { StaleWriteError } from '../errors';
import { ProviderError, type OAuthManifest, type Provider } from '../ports/provider';
import type { UseCaseDeps } from './context';
import { DUE_SHARD_COUNT } from './shards';
import { sendInParallel } from './queue-send';
import { refreshAtWithSubscription, subscribeAccount, subscriptionDue, withSubscription, type SubscriptionFields } from './subscriptions';

const DAY_MS = 86_400_000;
/** Ask the user to reconnect this long before a refresh token itself expires. */
export const REAUTH_WARNING_MS = 7 * DAY_MS;

/**
 * When the token planner should next look at a connection: the access token's expiry minus the
 * platform's margin, and never later than a day from now (every connection is touched daily, so a
 * grant revoked at the platform is noticed even when its token never expires).
 */
export const nextRefreshAt = (tokens: Pick<TokenSet, 'expiresAt'>, oauth: Pick<OAuthManifest, 'refreshMarginSeconds'>, now: Date): string => {
  const daily = now.getTime() + DAY_MS;
  if (!tokens.expiresAt) return new Date(daily).toISOString();
  const due = Date.parse(tokens.expiresAt) - oauth.refreshMarginSeconds * 1000;
  return new Date(Math.max(now.getTime(), Math.min(daily, due))).toISOString();
};

export interface PlanResult {
  readonly queued: number;
}

/** Queues every connection whose refresh instant has come, reading all shards at once. */
export const planTokenRefresh = async (deps: UseCaseDeps, options: { readonly limitPerShard?: number } = {}): Promise<PlanResult> => {
  const dueBy = deps.now().toISOString();
  const shards = await Promise.all(
    Array.from({ length: DUE_SHARD_COUNT }, (_, shard) => deps.connections.dueForRefresh(shard, dueBy, options.limitPerShard ?? 500)),
  );
  const live = shards.flat().filter((c) => c.status === 'active');
  await sendInParallel(
    deps,
    'refresh',
    live.map((c) => ({ body: { userId: c.userId, connectionId: c.connectionId } })),
  );
  return { queued: live.length };
};

export type RefreshOutcome =
  | { readonly outcome: 'refreshed'; readonly expiresAt?: string }
  | { readonly outcome: 'touched' }
  | { readonly outcome: 'skipped'; readonly reason: 'busy' | 'not_due' | 'not_active' | 'gone' }
  | { readonly outcome: 'reauth_required'; readonly reason: string };

const LEASE_SECONDS = 60;

/** The failure code a provider gives when a token set cannot be refreshed (no refresh token was granted). */
export const REFRESH_UNAVAILABLE = 'refresh_unavailable';

/** Next look for a token that cannot be refreshed: daily, and at its expiry. */
const untilExpiry = (tokens: TokenSet, now: Date): string => {
  const daily = now.getTime() + DAY_MS;
  const expiry = tokens.expiresAt ? Date.parse(tokens.expiresAt) : daily;
  return new Date(Math.max(now.getTime() + 60_000, Math.min(daily, expiry))).toISOString();
};

/**
 * Renews the connection's webhook subscription when its lease ends within a day (with the tokens
 * that are current after this run), and brings the next look forward to the next renewal window.
 */
const renewSubscription = async (
  deps: UseCaseDeps,
  provider: Provider,
  connection: Connection,
  tokens: TokenSet,
  refreshAt: string,
  now: Date,
): Promise<{ readonly refreshAt: string; readonly fields?: SubscriptionFields }> => {
  if (!subscriptionDue(connection, now)) return { refreshAt: refreshAtWithSubscription(refreshAt, connection, now) };
  const credentials = await deps.credentials.get(connection.platform);
  const fields = await subscribeAccount(deps, provider, connection, tokens, credentials);
  return { refreshAt: refreshAtWithSubscription(refreshAt, withSubscription(connection, fields), now), ...(fields && { fields }) };
};

/**
 * Refreshes one connection's tokens, and renews its webhook subscription when that is due. One
 * refresher at a time: a lease in the control table; after taking it the connection is read again
 * and left alone when another worker already refreshed it. Rate limits and transient failures are
 * thrown (the queue retries them); a refused grant marks the connection `reauth_required` and is
 * not retried. A failed renewal is recorded on the connection and retried an hour later at most.
 */
export const refreshConnection = async (
  deps: UseCaseDeps,
  input: { readonly userId: string; readonly connectionId: string; readonly force?: boolean },
  owner: string,
): Promise<RefreshOutcome> => {
  const leaseKey = `lease#refresh#${input.connectionId}`;
  const now = deps.now();
  if (!(await deps.control.acquireLease(leaseKey, owner, new Date(now.getTime() + LEASE_SECONDS * 1000)))) {
    return { outcome: 'skipped', reason: 'busy' };
  }
  try {
    const connection = await deps.connections.get(input.userId, input.connectionId);
    if (!connection) return { outcome: 'skipped', reason: 'gone' };
    if (connection.status !== 'active') return { outcome: 'skipped', reason: 'not_active' };
    if (!input.force && connection.refreshAt !== undefined && Date.parse(connection.refreshAt) > now.getTime()) {
      return { outcome: 'skipped', reason: 'not_due' };
    }
    const provider = deps.platforms.get(connection.platform);
    const tokens = await deps.vault.get(connection.tokenRef);
    if (!provider || !tokens) return markReauth(deps, connection, provider ? 'tokens_missing' : 'platform_disabled');

    const refreshTokenGone = tokens.refreshTokenExpiresAt !== undefined && Date.parse(tokens.refreshTokenExpiresAt) <= now.getTime();
    if (refreshTokenGone) return markReauth(deps, connection, 'refresh_token_expired');

    const refresh = provider.oauth.refresh;
    if (!refresh) {
      const expired = tokens.expiresAt !== undefined && Date.parse(tokens.expiresAt) <= now.getTime();
      if (expired) return markReauth(deps, connection, 'token_expired');
      const renewal = await renewSubscription(deps, provider, connection, tokens, nextRefreshAt(tokens, provider.manifest.oauth, now), now);
      await save(deps, connection, { refreshAt: renewal.refreshAt }, renewal.fields);
      return { outcome: 'touched' };
    }
    let fresh: TokenSet;
    try {
      const credentials = await deps.credentials.get(connection.platform);
      fresh = await refresh.call(provider.oauth, { tokens, credentials });
    } catch (err) {
      // A token set the platform cannot refresh (no refresh token granted) keeps working until it
      // expires: touch it until then instead of asking the user to reconnect early.
      if (err instanceof ProviderError && err.failure.code === REFRESH_UNAVAILABLE) {
        const expired = tokens.expiresAt !== undefined && Date.parse(tokens.expiresAt) <= now.getTime();
        if (expired) return markReauth(deps, connection, 'token_expired');
        const renewal = await renewSubscription(deps, provider, connection, tokens, untilExpiry(tokens, now), now);
        await save(deps, connection, { refreshAt: renewal.refreshAt }, renewal.fields);
        return { outcome: 'touched' };
      }
      if (err instanceof ProviderError && (err.failure.kind === 'auth_expired' || err.failure.kind === 'permanent')) {
        return markReauth(deps, connection, err.failure.code ?? err.failure.kind);
      }
      throw err;
    }
    // Keep the old refresh token when the platform's answer has none (Google never re-sends it).
    const merged: TokenSet = {
      ...fresh,
      ...(fresh.refreshToken === undefined && tokens.refreshToken !== undefined && { refreshToken: tokens.refreshToken }),
      ...(fresh.refreshTokenExpiresAt === undefined && fresh.refreshToken === undefined && tokens.refreshTokenExpiresAt !== undefined && {
        refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
      }),
      ...(fresh.extra === undefined && tokens.extra !== undefined && { extra: tokens.extra }),
    };
    await deps.vault.put(connection.tokenRef, merged, { userId: connection.userId, platform: connection.platform });
    const { tokenExpiresAt: _t, refreshTokenExpiresAt: _r, ...rest } = connection;
    const renewal = await renewSubscription(deps, provider, connection, merged, nextRefreshAt(merged, provider.manifest.oauth, now), now);
    await save(
      deps,
      rest,
      {
        ...(merged.expiresAt !== undefined && { tokenExpiresAt: merged.expiresAt }),
        ...(merged.refreshTokenExpiresAt !== undefined && { refreshTokenExpiresAt: merged.refreshTokenExpiresAt }),
        scopes: merged.scopes.length > 0 ? merged.scopes : connection.scopes,
        refreshAt: renewal.refreshAt,
        lastRefreshedAt: now.toISOString(),
      },
      renewal.fields,
    );
    return { outcome: 'refreshed', ...(merged.expiresAt !== undefined && { expiresAt: merged.expiresAt }) };
  } finally {
    await deps.control.releaseLease(leaseKey, owner);
  }
};

const save = async (deps: UseCaseDeps, connection: Connection, changes: Partial<Connection>, subscription?: SubscriptionFields): Promise<void> => {
  try {
    await deps.connections.update(
      withSubscription({ ...connection, ...changes, updatedAt: deps.now().toISOString(), version: connection.version + 1 }, subscription),
    );
  } catch (err) {
    // Another writer (a sync, a re-link) changed the connection meanwhile: the vault already holds
    // the new tokens, so re-apply our changes onto the newest version once.
    if (!(err instanceof StaleWriteError)) throw err;
    const latest = await deps.connections.get(connection.userId, connection.connectionId);
    if (!latest) return;
    await deps.connections.update(withSubscription({ ...latest, ...changes, updatedAt: deps.now().toISOString(), version: latest.version + 1 }, subscription));
  }
};

/** Marks a connection as needing the user to reconnect, and says so on the bus. */
export const markReauth = async (deps: UseCaseDeps, connection: Connection, reason: string): Promise<RefreshOutcome> => {
  const { nextSyncAt: _n, refreshAt: _r, ...rest } = connection;
  await save(deps, rest as Connection, { status: 'reauth_required', statusReason: reason });
  await deps.events.publish([
    {
      type: 'connection.reauth_required',
      userId: connection.userId,
      detail: { connectionId: connection.connectionId, platform: connection.platform, reason },
    },
  ]);
  return { outcome: 'reauth_required', reason };
};
