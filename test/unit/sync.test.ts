import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { groupForSync, planSync, syncConnections, TIER_MINUTES } from '../../functions/core/use-cases/sync';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider, type TestProviderControls } from '../support/test-provider';

const connectMany = async (deps: MemoryDeps, acme: TestProviderControls, n: number) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    acme.accounts = [{ platformAccountId: `acct-${i}`, displayName: `A${i}`, accountType: 'creator' }];
    const { state } = await startConnect(deps, { userId: `u${i % 3}`, platform: 'acme' });
    ids.push((await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } })).connectionIds[0]!);
  }
  deps.queue.sent.length = 0;
  return ids;
};

describe('planSync', () => {
  it('queues due connections across all shards, one message each when the platform does not batch', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    await connectMany(deps, acme, 40);
    const out = await planSync(deps, 'due');
    expect(out).toEqual({ queued: 40, messages: 40 });
    expect(new Set(deps.queue.sent.map((m) => m.body['connectionId'])).size).toBe(40);
  });

  it('groups a batching platform\'s connections into messages of its batch size', async () => {
    const acme = createTestProvider({ batchSize: 50 });
    const deps = memoryDeps(directoryOf(acme.provider));
    await connectMany(deps, acme, 120);
    const all = [...deps.connections.items.values()];
    const messages = groupForSync(deps, all);
    expect(messages.map((m) => (m.body['members'] as unknown[]).length)).toEqual([50, 50, 20]);
  });

  it('groups a batching platform\'s due connections across shards: 100 channels, 2 messages', async () => {
    const acme = createTestProvider({ batchSize: 50 });
    const deps = memoryDeps(directoryOf(acme.provider));
    await connectMany(deps, acme, 100);
    expect(await planSync(deps, 'due')).toEqual({ queued: 100, messages: 2 });
  });

  it('leaves connections alone until their tier interval has passed; daily mode takes them all', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const ids = await connectMany(deps, acme, 3);
    await syncConnections(deps, ids.map((id, i) => ({ userId: `u${i % 3}`, connectionId: id })));
    expect((await planSync(deps, 'due')).queued).toBe(0);
    deps.advance(TIER_MINUTES.default * 60_000);
    expect((await planSync(deps, 'due')).queued).toBe(3);
    deps.advance(-30 * 60_000);
    expect((await planSync(deps, 'daily')).queued).toBe(3);
  });
});

describe('syncConnections', () => {
  it('writes a point, the day\'s snapshot, the latest figures and an event', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const [id] = await connectMany(deps, acme, 1);
    const out = await syncConnections(deps, [{ userId: 'u0', connectionId: id! }]);
    expect(out).toEqual([{ connectionId: id, outcome: 'synced', followers: 1000 }]);
    expect(deps.history.series.get(id!)!.map((p) => p.daily)).toEqual([false, true]);
    const c = (await deps.connections.get('u0', id!))!;
    expect(c.latest).toMatchObject({ followers: 1000, following: 10, posts: 5 });
    expect(c.nextSyncAt).toBe(new Date(deps.now().getTime() + 60 * 60_000).toISOString());
    expect(deps.events.published.at(-1)).toMatchObject({ type: 'metrics.synced', detail: { connectionId: id, followers: 1000 } });
  });

  it('does not fetch again inside the freshness window, even when forced', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const [id] = await connectMany(deps, acme, 1);
    await syncConnections(deps, [{ userId: 'u0', connectionId: id! }]);
    deps.advance(5 * 60_000);
    expect(await syncConnections(deps, [{ userId: 'u0', connectionId: id! }], { force: true })).toEqual([{ connectionId: id, outcome: 'fresh' }]);
    deps.advance(6 * 60_000);
    expect((await syncConnections(deps, [{ userId: 'u0', connectionId: id! }], { force: true }))[0]!.outcome).toBe('synced');
    expect(acme.calls.metrics).toBe(2);
  });

  it('throws a rate limit with the platform\'s wait so the queue brings the message back', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const [id] = await connectMany(deps, acme, 1);
    acme.failNext = { kind: 'rate_limited', retryAfterSeconds: 900, message: 'slow down' };
    await expect(syncConnections(deps, [{ userId: 'u0', connectionId: id! }])).rejects.toMatchObject({ failure: { kind: 'rate_limited', retryAfterSeconds: 900 } });
    expect(deps.history.series.get(id!)).toBeUndefined();
  });

  it('marks a connection whose grant is gone, and records a permanent failure without retrying', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const [a, b] = await connectMany(deps, acme, 2);
    acme.failNext = { kind: 'auth_expired', code: '190/463', message: 'expired' };
    // The refresh that sync tries first is refused too: the grant itself is gone.
    acme.liveRefreshToken = 'revoked-by-the-user';
    await syncConnections(deps, [{ userId: 'u0', connectionId: a! }]);
    expect(await deps.connections.get('u0', a!)).toMatchObject({ status: 'reauth_required', statusReason: 'invalid_grant' });
    expect(deps.history.series.get(a!)).toBeUndefined();
    acme.failNext = { kind: 'permanent', message: 'account suspended' };
    await syncConnections(deps, [{ userId: 'u1', connectionId: b! }]);
    expect(await deps.connections.get('u1', b!)).toMatchObject({ status: 'active', lastSyncError: 'permanent: account suspended' });
  });

  it('refreshes a refused access token once and reads again before asking the user to reconnect', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const [id] = await connectMany(deps, acme, 1);
    const before = acme.calls.refresh;
    acme.failNext = { kind: 'auth_expired', code: '190/463', message: 'expired early' };
    expect(await syncConnections(deps, [{ userId: 'u0', connectionId: id! }])).toEqual([{ connectionId: id, outcome: 'synced', followers: 1000 }]);
    expect(acme.calls.refresh).toBe(before + 1);
    expect(acme.calls.metrics).toBe(2);
    const c = (await deps.connections.get('u0', id!))!;
    expect(c).toMatchObject({ status: 'active', latest: { followers: 1000 } });
    expect(c.lastRefreshedAt).toBe(deps.now().toISOString());
  });

  it('brings the message back when another worker holds the refresh lease', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const [id] = await connectMany(deps, acme, 1);
    expect(await deps.control.acquireLease(`lease#refresh#${id!}`, 'token-worker', new Date(deps.now().getTime() + 60_000))).toBe(true);
    acme.failNext = { kind: 'auth_expired', code: '190/463', message: 'expired early' };
    await expect(syncConnections(deps, [{ userId: 'u0', connectionId: id! }])).rejects.toMatchObject({ failure: { kind: 'transient' } });
    expect(await deps.connections.get('u0', id!)).toMatchObject({ status: 'active' });
  });
});
