import { BADGE_RULE, syncBadge, type BadgeInput } from '../../web/src/badge';

const NOW = new Date('2026-11-23T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const active = (over: Partial<BadgeInput> = {}): BadgeInput => ({ status: 'active', tier: 'default', lastSyncAt: minutesAgo(10), nextSyncAt: minutesAgo(-50), ...over });

describe('syncBadge', () => {
  it('is green for an active connection synced within two periods of its tier', () => {
    expect(syncBadge(active(), NOW)).toEqual({ color: 'green', label: 'Synced', reason: 'Last synced 10 min ago.' });
    expect(syncBadge(active({ tier: 'high', lastSyncAt: minutesAgo(29), nextSyncAt: minutesAgo(14) }), NOW).color).toBe('green');
    expect(syncBadge(active({ tier: 'daily', lastSyncAt: minutesAgo(47 * 60), nextSyncAt: minutesAgo(-60) }), NOW).color).toBe('green');
  });

  it('is yellow while the first sync is queued', () => {
    expect(syncBadge(active({ lastSyncAt: undefined }), NOW)).toMatchObject({ color: 'yellow', label: 'Syncing' });
  });

  it('is yellow when the last sync is older than two periods of the tier', () => {
    const b = syncBadge(active({ tier: 'high', lastSyncAt: minutesAgo(31), nextSyncAt: undefined }), NOW);
    expect(b).toMatchObject({ color: 'yellow', label: 'Stale' });
    expect(b.reason).toBe('Last synced 31 min ago, more than two high-tier periods ago.');
  });

  it('is yellow when a due sync is more than 15 minutes late, not before', () => {
    expect(syncBadge(active({ nextSyncAt: minutesAgo(14) }), NOW).color).toBe('green');
    expect(syncBadge(active({ nextSyncAt: minutesAgo(16) }), NOW)).toMatchObject({ color: 'yellow', label: 'Overdue', reason: 'A sync was due 16 min ago; last synced 10 min ago.' });
  });

  it('is yellow while an expired access token waits for its refresh', () => {
    expect(syncBadge(active({ tokenExpiresAt: minutesAgo(1) }), NOW)).toMatchObject({ color: 'yellow', label: 'Refreshing' });
    expect(syncBadge(active({ tokenExpiresAt: minutesAgo(-5) }), NOW).color).toBe('green');
  });

  it('is yellow when the refresh token ends within seven days', () => {
    const b = syncBadge(active({ refreshTokenExpiresAt: '2026-11-29T00:00:00Z' }), NOW);
    expect(b).toMatchObject({ color: 'yellow', label: 'Reconnect soon' });
    expect(b.reason).toContain('2026-11-29');
    expect(syncBadge(active({ refreshTokenExpiresAt: '2026-12-31T00:00:00Z' }), NOW).color).toBe('green');
  });

  it('is red when the platform wants a reconnect, access was revoked, or the connection failed', () => {
    expect(syncBadge(active({ status: 'reauth_required', statusReason: 'invalid_grant' }), NOW)).toMatchObject({ color: 'red', label: 'Reconnect' });
    expect(syncBadge(active({ status: 'reauth_required', statusReason: 'invalid_grant' }), NOW).reason).toContain('invalid_grant');
    expect(syncBadge(active({ status: 'revoked' }), NOW)).toMatchObject({ color: 'red', label: 'Revoked' });
    expect(syncBadge(active({ status: 'error' }), NOW)).toMatchObject({ color: 'red', label: 'Failing' });
  });

  it('is red when the last sync failed, whatever else is fine', () => {
    expect(syncBadge(active({ lastSyncError: 'transient: platform answered 503' }), NOW)).toEqual({
      color: 'red',
      label: 'Sync failing',
      reason: 'The last sync failed: transient: platform answered 503',
    });
  });

  it('ranks red over yellow (a revoked connection that is also stale is red)', () => {
    expect(syncBadge(active({ status: 'revoked', lastSyncAt: minutesAgo(10_000) }), NOW).color).toBe('red');
  });

  it('states the rule that the tooltip shows', () => {
    expect(BADGE_RULE).toMatch(/^Green: .* Yellow: .* Red: /);
  });
});
