/**
 * A connection: one platform account a user connected through OAuth.
 * Tokens are never part of it; it holds only a reference to the vault entry that keeps them.
 */

export type ConnectionStatus = 'active' | 'reauth_required' | 'revoked' | 'error';

/** How often a connection is synced: `high` every 15 min, `default` hourly, `daily` once a day. */
export type SyncTier = 'high' | 'default' | 'daily';

/**
 * Who an account's audience is, as the platform breaks it down. Keys are the platform's own
 * values (ISO country codes, city names, `F.25-34` for gender and age group).
 */
export interface AudienceBreakdown {
  /** What the numbers are: follower counts, or percentages of views. */
  readonly unit: 'followers' | 'percent_of_views';
  readonly byCountry?: Readonly<Record<string, number>>;
  readonly byCity?: Readonly<Record<string, number>>;
  readonly byAgeGender?: Readonly<Record<string, number>>;
}

export interface MetricSnapshot {
  readonly at: string;
  readonly followers?: number;
  readonly following?: number;
  readonly posts?: number;
  readonly views?: number;
  readonly likes?: number;
  readonly verified?: boolean;
  /** Recent posts' engagement, averaged over `sampleSize` posts. */
  readonly recent?: {
    readonly sampleSize: number;
    readonly likes: number;
    readonly comments: number;
    readonly shares: number;
    /** Absent where the platform gives no per-post views without extra calls. */
    readonly views?: number;
  };
  /** Platform-specific figures (e.g. Business Profile's website clicks), by name. */
  readonly extra?: Readonly<Record<string, number>>;
  /** The audience breakdown, on the day's first point only (it costs extra platform calls). */
  readonly audience?: AudienceBreakdown;
}

export interface Connection {
  readonly userId: string;
  readonly connectionId: string;
  readonly platform: string;
  readonly platformAccountId: string;
  readonly username?: string;
  readonly displayName: string;
  readonly avatarUrl?: string;
  readonly accountType: string;
  /** The platform user whose consent created the connection, when the platform names one. */
  readonly grantedBy?: string;
  readonly status: ConnectionStatus;
  /** Machine-readable reason for a non-active status (e.g. `invalid_grant`, `user_revoked`). */
  readonly statusReason?: string;
  readonly scopes: readonly string[];
  /** Name of the vault entry holding this connection's token set. */
  readonly tokenRef: string;
  readonly tokenExpiresAt?: string;
  readonly refreshTokenExpiresAt?: string;
  readonly tier: SyncTier;
  readonly latest?: MetricSnapshot;
  readonly lastSyncAt?: string;
  readonly lastSyncError?: string;
  /** When the next scheduled sync is due; absent while the connection is not syncable. */
  readonly nextSyncAt?: string;
  /** When the token planner should next look at this connection. */
  readonly refreshAt?: string;
  readonly lastRefreshedAt?: string;
  /** When the platform last confirmed a webhook subscription for the account. */
  readonly subscribedAt?: string;
  /** When the subscription must be renewed (its lease ends); absent when it does not lapse. */
  readonly subscriptionRenewAt?: string;
  /** What the provider needs to renew or remove the subscription (ids, never secrets). */
  readonly subscription?: Readonly<Record<string, string>>;
  /** Why the last subscribe failed (kind and a safe message); cleared by the next success. */
  readonly subscriptionError?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-locking counter: every write conditions on it and increments it. */
  readonly version: number;
}

/** The fields of a connection a user may see (no token reference, no internal scheduling keys). */
export interface ConnectionView {
  readonly id: string;
  readonly platform: string;
  readonly platformAccountId: string;
  readonly username?: string;
  readonly displayName: string;
  readonly avatarUrl?: string;
  readonly accountType: string;
  readonly status: ConnectionStatus;
  readonly statusReason?: string;
  readonly scopes: readonly string[];
  readonly tokenExpiresAt?: string;
  readonly refreshTokenExpiresAt?: string;
  readonly tier: SyncTier;
  readonly latest?: MetricSnapshot;
  readonly lastSyncAt?: string;
  readonly lastSyncError?: string;
  readonly nextSyncAt?: string;
  /** When webhooks were last subscribed for the account, where the platform subscribes by API. */
  readonly subscribedAt?: string;
  readonly subscriptionError?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const toConnectionView = (c: Connection): ConnectionView => ({
  id: c.connectionId,
  platform: c.platform,
  platformAccountId: c.platformAccountId,
  ...(c.username !== undefined && { username: c.username }),
  displayName: c.displayName,
  ...(c.avatarUrl !== undefined && { avatarUrl: c.avatarUrl }),
  accountType: c.accountType,
  status: c.status,
  ...(c.statusReason !== undefined && { statusReason: c.statusReason }),
  scopes: c.scopes,
  ...(c.tokenExpiresAt !== undefined && { tokenExpiresAt: c.tokenExpiresAt }),
  ...(c.refreshTokenExpiresAt !== undefined && { refreshTokenExpiresAt: c.refreshTokenExpiresAt }),
  tier: c.tier,
  ...(c.latest !== undefined && { latest: c.latest }),
  ...(c.lastSyncAt !== undefined && { lastSyncAt: c.lastSyncAt }),
  ...(c.lastSyncError !== undefined && { lastSyncError: c.lastSyncError }),
  ...(c.nextSyncAt !== undefined && { nextSyncAt: c.nextSyncAt }),
  ...(c.subscribedAt !== undefined && { subscribedAt: c.subscribedAt }),
  ...(c.subscriptionError !== undefined && { subscriptionError: c.subscriptionError }),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});
