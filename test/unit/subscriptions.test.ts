/** Webhook subscriptions made by code: on connect, renewed by the token worker, removed on disconnect. */
import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { disconnect } from '../../functions/core/use-cases/connections';
import { refreshConnection } from '../../functions/core/use-cases/tokens';
import { refreshAtWithSubscription, subscriptionDue } from '../../functions/core/use-cases/subscriptions';
import { ProviderError, type Provider, type SubscriptionContext } from '../../functions/core/ports/provider';
import { toConnectionView } from '../../functions/core/model/connection';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider } from '../support/test-provider';

const LEASE_MS = 5 * 86_400_000;

interface Hub {
  subscribed: SubscriptionContext[];
  unsubscribed: SubscriptionContext[];
  failNext?: ProviderError;
}

const setup = (options: { withRefresh?: boolean; accountTypes?: readonly string[] } = {}) => {
  let deps: MemoryDeps | undefined;
  const acme = createTestProvider({ withRefresh: options.withRefresh ?? true, now: () => deps!.now() });
  const hub: Hub = { subscribed: [], unsubscribed: [] };
  const provider: Provider = {
    ...acme.provider,
    subscriptions: {
      ...(options.accountTypes && { accountTypes: options.accountTypes }),
      async subscribe(ctx) {
        hub.subscribed.push(ctx);
        const f = hub.failNext;
        hub.failNext = undefined;
        if (f) throw f;
        return { renewAt: new Date(deps!.now().getTime() + LEASE_MS).toISOString(), detail: { topic: `topic-${ctx.platformAccountId}` } };
      },
      async unsubscribe(ctx) {
        hub.unsubscribed.push(ctx);
      },
    },
  };
  deps = memoryDeps(directoryOf(provider));
  return { deps, acme, hub };
};

const connect = async (deps: MemoryDeps, userId = 'u1') => {
  const { state } = await startConnect(deps, { userId, platform: 'acme' });
  const out = await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } });
  expect(out.outcome).toBe('connected');
  return (await deps.connections.get(userId, out.connectionIds[0]!))!;
};

describe('subscribing on connect', () => {
  it('subscribes the account with its tokens and the platform webhook URL, and keeps the lease on the connection', async () => {
    const { deps, hub } = setup();
    const c = await connect(deps);
    expect(hub.subscribed).toHaveLength(1);
    expect(hub.subscribed[0]).toMatchObject({
      platformAccountId: 'acct-1',
      accountType: 'creator',
      callbackUrl: 'https://api.example.com/v1/webhooks/acme',
      credentials: { clientId: 'cid' },
      tokens: { accessToken: deps.vault.items.get(c.tokenRef)!.accessToken },
    });
    expect(c.subscribedAt).toBe(deps.now().toISOString());
    expect(c.subscriptionRenewAt).toBe(new Date(deps.now().getTime() + LEASE_MS).toISOString());
    expect(c.subscription).toEqual({ topic: 'topic-acct-1' });
    expect(c.subscriptionError).toBeUndefined();
    expect(toConnectionView(c)).toMatchObject({ subscribedAt: c.subscribedAt });
  });

  it('records a failed subscription on the connection without failing the connect', async () => {
    const { deps, hub } = setup();
    hub.failNext = new ProviderError('acme', { kind: 'invalid_request', code: 'bad_callback', message: 'callback refused' });
    const c = await connect(deps);
    expect(c.status).toBe('active');
    expect(c.subscriptionError).toBe('invalid_request: callback refused');
    expect(c.subscribedAt).toBeUndefined();
    expect(toConnectionView(c).subscriptionError).toBe('invalid_request: callback refused');
    expect(deps.queue.sent.filter((m) => m.queue === 'sync')).toHaveLength(1);
  });

  it('a re-link subscribes again and clears an earlier error', async () => {
    const { deps, hub } = setup();
    hub.failNext = new ProviderError('acme', { kind: 'transient', message: 'hub down' });
    const first = await connect(deps);
    expect(first.subscriptionError).toBeDefined();
    const again = await connect(deps);
    expect(again.connectionId).toBe(first.connectionId);
    expect(hub.subscribed).toHaveLength(2);
    expect(again.subscriptionError).toBeUndefined();
    expect(again.subscribedAt).toBeDefined();
  });

  it('leaves out account types the platform does not subscribe', async () => {
    const { deps, hub } = setup({ accountTypes: ['organization'] });
    const c = await connect(deps);
    expect(hub.subscribed).toHaveLength(0);
    expect(c.subscribedAt).toBeUndefined();
    expect(c.subscriptionError).toBeUndefined();
  });
});

describe('renewal by the token worker', () => {
  it('brings the next look forward to a day before the lease ends, no sooner than an hour', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const daily = '2026-01-02T00:00:00.000Z';
    expect(refreshAtWithSubscription(daily, {}, now)).toBe(daily);
    expect(refreshAtWithSubscription(daily, { subscriptionRenewAt: '2026-01-02T06:00:00.000Z' }, now)).toBe('2026-01-01T06:00:00.000Z');
    expect(refreshAtWithSubscription(daily, { subscriptionRenewAt: '2026-01-01T02:00:00.000Z' }, now)).toBe('2026-01-01T01:00:00.000Z');
    expect(subscriptionDue({ subscriptionRenewAt: '2026-01-02T00:00:00.000Z' }, now)).toBe(true);
    expect(subscriptionDue({ subscriptionRenewAt: '2026-01-02T00:00:01.000Z' }, now)).toBe(false);
  });

  it('renews only once the lease ends within a day, with the fresh tokens', async () => {
    const { deps, hub } = setup();
    const c = await connect(deps);
    // A day later the token is refreshed, the lease still has four days: no renewal.
    deps.advance(86_400_000);
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).outcome).toBe('refreshed');
    expect(hub.subscribed).toHaveLength(1);
    // Four days after connecting the lease ends within a day: renewed, and the lease moves on.
    deps.advance(3 * 86_400_000);
    const due = (await deps.connections.get('u1', c.connectionId))!;
    expect(Date.parse(due.refreshAt!)).toBeLessThanOrEqual(deps.now().getTime());
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).outcome).toBe('refreshed');
    expect(hub.subscribed).toHaveLength(2);
    const after = (await deps.connections.get('u1', c.connectionId))!;
    expect(after.subscriptionRenewAt).toBe(new Date(deps.now().getTime() + LEASE_MS).toISOString());
    expect(after.subscribedAt).toBe(deps.now().toISOString());
  });

  it('renews with the refreshed token when the token was due too', async () => {
    const { deps, hub, acme } = setup();
    const c = await connect(deps);
    deps.advance(4 * 86_400_000 + 60_000);
    // Make the stored token due by the clock: it lived an hour.
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).outcome).toBe('refreshed');
    expect(acme.calls.refresh).toBe(1);
    expect(hub.subscribed).toHaveLength(2);
    expect(hub.subscribed[1]!.tokens.accessToken).toBe(deps.vault.items.get(c.tokenRef)!.accessToken);
  });

  it('records a failed renewal, keeps the old lease and retries within the hour', async () => {
    const { deps, hub } = setup();
    const c = await connect(deps);
    deps.advance(4 * 86_400_000 + 60_000);
    hub.failNext = new ProviderError('acme', { kind: 'transient', message: 'hub down' });
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w')).outcome).toBe('refreshed');
    const after = (await deps.connections.get('u1', c.connectionId))!;
    expect(after.status).toBe('active');
    expect(after.subscriptionError).toBe('transient: hub down');
    expect(after.subscriptionRenewAt).toBe(c.subscriptionRenewAt);
    expect(Date.parse(after.refreshAt!)).toBeLessThanOrEqual(deps.now().getTime() + 3_600_000);
    // The next run renews, and the error is gone.
    deps.advance(3_600_000);
    await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId }, 'w');
    const renewed = (await deps.connections.get('u1', c.connectionId))!;
    expect(renewed.subscriptionError).toBeUndefined();
    expect(hub.subscribed).toHaveLength(3);
  });

  it('renews on the touch path of a platform without refresh', async () => {
    const { deps, hub } = setup({ withRefresh: false });
    const c = await connect(deps);
    // The test platform's tokens live an hour: pretend this one never expires.
    const stored = deps.vault.items.get(c.tokenRef)!;
    const { expiresAt: _e, ...forever } = stored;
    deps.vault.items.set(c.tokenRef, forever);
    deps.advance(4 * 86_400_000 + 60_000);
    expect((await refreshConnection(deps, { userId: 'u1', connectionId: c.connectionId, force: true }, 'w')).outcome).toBe('touched');
    expect(hub.subscribed).toHaveLength(2);
  });
});

describe('disconnect', () => {
  it('removes the subscription before revoking the grant', async () => {
    const { deps, hub, acme } = setup();
    const c = await connect(deps);
    const out = await disconnect(deps, 'u1', c.connectionId, { erase: false });
    expect(hub.unsubscribed).toHaveLength(1);
    expect(hub.unsubscribed[0]).toMatchObject({ platformAccountId: 'acct-1', detail: { topic: 'topic-acct-1' }, callbackUrl: 'https://api.example.com/v1/webhooks/acme' });
    expect(acme.calls.revoke).toBe(1);
    expect(out.subscriptionNote).toBeUndefined();
  });

  it('does not try to remove a subscription that was never made', async () => {
    const { deps, hub } = setup();
    hub.failNext = new ProviderError('acme', { kind: 'permanent', message: 'no' });
    const c = await connect(deps);
    await disconnect(deps, 'u1', c.connectionId, { erase: true });
    expect(hub.unsubscribed).toHaveLength(0);
  });
});
