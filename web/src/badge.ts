/**
 * The sync badge of a connection: one colour and one sentence from the fields of the connection
 * view, so that a person sees at a glance which accounts are fine, late, or need them.
 * Pure (no DOM): the rule is unit-tested and shown verbatim in the badge's tooltip.
 */

export type BadgeColor = 'green' | 'yellow' | 'red';

/** The fields of `GET /v1/connections` the rule reads. */
export interface BadgeInput {
  readonly status: string;
  readonly statusReason?: string | undefined;
  readonly tier: string;
  readonly lastSyncAt?: string | undefined;
  readonly lastSyncError?: string | undefined;
  readonly nextSyncAt?: string | undefined;
  readonly tokenExpiresAt?: string | undefined;
  readonly refreshTokenExpiresAt?: string | undefined;
}

export interface Badge {
  readonly color: BadgeColor;
  /** Two or three words for the badge itself. */
  readonly label: string;
  /** Why this colour, for the tooltip and screen readers. */
  readonly reason: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** How often each tier is synced (DESIGN.md §1): a sync older than two periods is stale. */
export const TIER_PERIOD_MS: Readonly<Record<string, number>> = { high: 15 * MINUTE_MS, default: 60 * MINUTE_MS, daily: DAY_MS };
/** The planner runs every five minutes; a due sync gets that long (and its queue time) before it counts as late. */
export const OVERDUE_GRACE_MS = 15 * MINUTE_MS;
/** Ask for a reconnect this long before the refresh token itself runs out. */
export const REFRESH_WARNING_MS = 7 * DAY_MS;

/** The rule in words, shown in every badge's tooltip. */
export const BADGE_RULE =
  'Green: synced within two sync periods of its tier. Yellow: first sync pending, a sync overdue by more than 15 minutes, a stale last sync, an expired access token waiting for its refresh, or a refresh token ending within 7 days. Red: the platform wants a reconnect, the connection was revoked or failed, or the last sync failed.';

const time = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

const ago = (ms: number): string => {
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
};

/** The badge of one connection at `now`; red outranks yellow, which outranks green. */
export const syncBadge = (c: BadgeInput, now: Date): Badge => {
  const at = now.getTime();
  if (c.status === 'reauth_required') {
    return { color: 'red', label: 'Reconnect', reason: `The platform no longer accepts this grant${c.statusReason ? ` (${c.statusReason})` : ''}: connect the account again.` };
  }
  if (c.status === 'revoked') return { color: 'red', label: 'Revoked', reason: `Access was revoked${c.statusReason ? ` (${c.statusReason})` : ''}: connect the account again.` };
  if (c.status !== 'active') return { color: 'red', label: 'Failing', reason: `The connection is in state ${c.status}${c.statusReason ? ` (${c.statusReason})` : ''}.` };
  if (c.lastSyncError !== undefined) return { color: 'red', label: 'Sync failing', reason: `The last sync failed: ${c.lastSyncError}` };

  const last = time(c.lastSyncAt);
  if (last === undefined) return { color: 'yellow', label: 'Syncing', reason: 'Connected; the first sync is queued.' };
  const refreshEnds = time(c.refreshTokenExpiresAt);
  if (refreshEnds !== undefined && refreshEnds - at < REFRESH_WARNING_MS) {
    return { color: 'yellow', label: 'Reconnect soon', reason: `The platform's grant ends ${new Date(refreshEnds).toISOString().slice(0, 10)}; reconnect before then.` };
  }
  const tokenEnds = time(c.tokenExpiresAt);
  if (tokenEnds !== undefined && tokenEnds <= at) return { color: 'yellow', label: 'Refreshing', reason: 'The access token expired and is waiting for its scheduled refresh.' };
  const next = time(c.nextSyncAt);
  if (next !== undefined && at - next > OVERDUE_GRACE_MS) return { color: 'yellow', label: 'Overdue', reason: `A sync was due ${ago(at - next)}; last synced ${ago(at - last)}.` };
  const period = TIER_PERIOD_MS[c.tier] ?? TIER_PERIOD_MS['default']!;
  if (at - last > 2 * period) return { color: 'yellow', label: 'Stale', reason: `Last synced ${ago(at - last)}, more than two ${c.tier}-tier periods ago.` };
  return { color: 'green', label: 'Synced', reason: `Last synced ${ago(at - last)}.` };
};
