import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { nextRefreshAt, planTokenRefresh, refreshConnection } from '../../functions/core/use-cases/tokens';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider, type TestProviderControls } from '../support/test-provider';

const connect = async (deps: MemoryDeps, userId = 'u1') => {
  const { state } = await startConnect(deps, { userId, platform: 'acme' });
  const out = await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } });
  return (await deps.connections.get(userId, out.connectionIds[0]!))!;
};

const setup = (withRefresh = true): { deps: MemoryDeps; acme: TestProviderControls } => {
  let deps: MemoryDeps | undefined;
  const acme = createTestProvider({ withRefresh, now: () => deps!.now() });
  deps = memoryDeps(directoryOf(acme.provider));
  return { deps, acme };
};

describe('nextRefreshAt', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('is the expiry minus the margin', () => {
    expect(nextRefreshAt({ expiresAt: '2026-01-01T02:00:00.000Z' }, { refreshMarginSeconds: 600 }, now)).toBe('2026-01-01T01:50:00.000Z');
  });
  it('is never later than a day, so every connection is touched daily', () => {
    expect(nextRefreshAt({ expiresAt: '2026-03-01T00:00:00.000Z' }, { refreshMarginSeconds: 600 }, now)).toBe('2026-01-02T00:00:00.000Z');
    expect(nextRefreshAt({}, { refreshMarginSeconds: 600 }, now)).toBe('2026-01-02T00:00:00.000Z');
  });
  it('is now when the token is already inside its margin', () => {
    expect(nextRefreshAt({ expiresAt: '2026-01-01T00:05:00.000Z' }, { refreshMarginSeconds: 600 }, now)).toBe(now.toISOString());
  });
});

describe('planTokenRefresh', () => {
  it('queues only connections whose refresh instant has come', async () => {
    const { deps } = setup();
    const c = await connect(deps);
    expect((await planTokenRefresh(deps)).queued).toBe(0);
    deps.advance(51 * 60_000); // the token lives an hour, margin 10 minutes
    expect((await planTokenRefresh(deps)).queued).toBe(1);
    expect(deps.queue.sent.filter((m) => m.queue === 'refresh')).toEqual([{ queue: 'refresh', body: { userId: 'u1', connectionId: c.connectionId } }]);
  });
});

describe('refreshConnection', () => {
  it('refreshes a due connection, stores the rotated token and moves the refresh instant', async () => {
    const { deps, acme } = setup();
    const c = await connect(deps);
    deps.advance(51 * 60_000);
    const out = await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w1');
    expect(out.outcome).toBe('refreshed');
    expect(acme.calls.refresh).toBe(1);
    expect(deps.vault.items.get(c.tokenRef)?.refreshToken).toBe(acme.liveRefreshToken);
    const after = (await deps.connections.get('u1', c.connectionId))!;
    expect(Date.parse(after.refreshAt!)).toBeGreaterThan(deps.now().getTime());
    expect(after.lastRefreshedAt).toBe(deps.now().toISOString());
  });

  it('skips a connection that is not due, unless forced', async () => {
    const { deps, acme } = setup();
    const c = await connect(deps);
    expect(await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w1')).toEqual({ outcome: 'skipped', reason: 'not_due' });
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId, force: true }, 'w1')).outcome).toBe('refreshed');
    expect(acme.calls.refresh).toBe(1);
  });

  it('lets exactly one of many concurrent refreshers reach the platform', async () => {
    const { deps, acme } = setup();
    const c = await connect(deps);
    deps.advance(51 * 60_000);
    acme.refreshDelayMs = 20;
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, `w${i}`)),
    );
    expect(acme.calls.refresh).toBe(1);
    expect(outcomes.filter((o) => o.outcome === 'refreshed')).toHaveLength(1);
    expect(deps.vault.items.get(c.tokenRef)?.refreshToken).toBe(acme.liveRefreshToken);
  });

  it('keeps the old refresh token when the platform answers without one', async () => {
    const { deps, acme } = setup();
    const c = await connect(deps);
    const original = deps.vault.items.get(c.tokenRef)!.refreshToken;
    const refresh = acme.provider.oauth.refresh!;
    (acme.provider.oauth as { refresh: typeof refresh }).refresh = async (input) => {
      const { refreshToken: _drop, ...rest } = await refresh(input);
      acme.liveRefreshToken = original!;
      return rest;
    };
    deps.advance(51 * 60_000);
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).outcome).toBe('refreshed');
    expect(deps.vault.items.get(c.tokenRef)?.refreshToken).toBe(original);
  });

  it('marks the connection reauth_required when the grant is gone, and says so on the bus', async () => {
    const { deps, acme } = setup();
    const c = await connect(deps);
    deps.advance(51 * 60_000);
    acme.failNext = { kind: 'auth_expired', code: 'invalid_grant', message: 'revoked' };
    expect(await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).toEqual({ outcome: 'reauth_required', reason: 'invalid_grant' });
    const after = (await deps.connections.get('u1', c.connectionId))!;
    expect(after).toMatchObject({ status: 'reauth_required', statusReason: 'invalid_grant' });
    expect(after.nextSyncAt).toBeUndefined();
    expect(deps.events.published.at(-1)).toMatchObject({ type: 'connection.reauth_required', detail: { reason: 'invalid_grant' } });
  });

  it('throws transient failures so the queue retries them, and releases the lease', async () => {
    const { deps, acme } = setup();
    const c = await connect(deps);
    deps.advance(51 * 60_000);
    acme.failNext = { kind: 'transient', message: '503' };
    await expect(refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).rejects.toMatchObject({ failure: { kind: 'transient' } });
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w2')).outcome).toBe('refreshed');
  });

  it('touches a connection whose platform has no refresh, and asks to reconnect once the token expired', async () => {
    const { deps } = setup(false);
    const c = await connect(deps);
    deps.advance(51 * 60_000);
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).outcome).toBe('touched');
    deps.advance(10 * 60_000);
    expect(await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).toEqual({ outcome: 'reauth_required', reason: 'token_expired' });
  });
});

describe('a token set the platform cannot refresh', () => {
  it('is touched until it expires, then the connection asks for a reconnect', async () => {
    const { deps, acme } = setup();
    const c = await connect(deps);
    deps.advance(51 * 60_000);
    acme.failNext = { kind: 'auth_expired', code: 'refresh_unavailable', message: 'no refresh token was granted' };
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).outcome).toBe('touched');
    expect((await deps.connections.get('u1', c.connectionId))?.status).toBe('active');
    deps.advance(10 * 60_000);
    acme.failNext = { kind: 'auth_expired', code: 'refresh_unavailable', message: 'no refresh token was granted' };
    expect(await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).toEqual({ outcome: 'reauth_required', reason: 'token_expired' });
  });
});
