import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Connection } from '../../functions/core/model/connection';
import { StaleWriteError } from '../../functions/core/errors';
import { DynamoConnectionRepository } from '../../functions/adapters/dynamodb/connections';
import { DynamoControlStore } from '../../functions/adapters/dynamodb/control';
import { DynamoHistoryRepository } from '../../functions/adapters/dynamodb/history';
import { shardOf } from '../../functions/adapters/dynamodb/shard';
import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { refreshConnection } from '../../functions/core/use-cases/tokens';
import { awsTestConfig, startDynalite, type Dynalite } from '../support/services';
import { directoryOf, memoryDeps } from '../support/memory';
import { createTestProvider } from '../support/test-provider';

let dyn: Dynalite;
let db: DynamoDBDocumentClient;
let now = new Date('2026-11-23T12:00:00Z');
const clock = () => now;

beforeAll(async () => {
  dyn = await startDynalite();
  db = DynamoDBDocumentClient.from(new DynamoDBClient(awsTestConfig(dyn.endpoint)), { marshallOptions: { removeUndefinedValues: true } });
});
afterAll(async () => {
  db.destroy();
  await dyn.stop();
});

const conn = (over: Partial<Connection> = {}): Connection => ({
  userId: 'u1',
  connectionId: `c-${Math.random().toString(36).slice(2)}`,
  platform: 'acme',
  platformAccountId: 'acct-1',
  displayName: 'Demo',
  accountType: 'creator',
  status: 'active',
  scopes: ['read'],
  tokenRef: 'ref',
  tier: 'default',
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  version: 1,
  ...over,
});

describe('DynamoConnectionRepository', () => {
  const repo = () => new DynamoConnectionRepository(db, dyn.tableNames['Connections']!);

  it('creates once, updates under the version it read, and refuses a stale write', async () => {
    const c = conn();
    await repo().create(c);
    await expect(repo().create(c)).rejects.toBeInstanceOf(StaleWriteError);
    await repo().update({ ...c, displayName: 'New', version: 2 });
    await expect(repo().update({ ...c, displayName: 'Old', version: 2 })).rejects.toBeInstanceOf(StaleWriteError);
    expect(await repo().get('u1', c.connectionId)).toMatchObject({ displayName: 'New', version: 2 });
    expect(await repo().get('u2', c.connectionId)).toBeUndefined();
  });

  it('finds the connections of a platform account across users', async () => {
    await repo().create(conn({ userId: 'ua', platformAccountId: 'shared-acct' }));
    await repo().create(conn({ userId: 'ub', platformAccountId: 'shared-acct' }));
    const found = await repo().findByPlatformAccount('acme', 'shared-acct');
    expect(found.map((c) => c.userId).sort()).toEqual(['ua', 'ub']);
    expect(found[0]).not.toHaveProperty('platformAccount');
  });

  it('serves the due indexes per shard, sparse: only active connections with a due instant', async () => {
    const due = conn({ userId: 'due', nextSyncAt: '2026-11-23T11:00:00.000Z', refreshAt: '2026-11-23T11:30:00.000Z' });
    const later = conn({ userId: 'due', nextSyncAt: '2026-11-23T13:00:00.000Z' });
    const paused = conn({ userId: 'due', status: 'reauth_required', nextSyncAt: '2026-11-23T10:00:00.000Z' });
    for (const c of [due, later, paused]) await repo().create(c);
    const found = await repo().dueForSync(shardOf(due.connectionId), now.toISOString(), 100);
    expect(found.map((c) => c.connectionId)).toContain(due.connectionId);
    expect(found.map((c) => c.connectionId)).not.toContain(later.connectionId);
    expect(found.map((c) => c.connectionId)).not.toContain(paused.connectionId);
    expect((await repo().dueForRefresh(shardOf(due.connectionId), now.toISOString(), 100)).map((c) => c.connectionId)).toContain(due.connectionId);
  });
});

describe('DynamoControlStore', () => {
  const store = () => new DynamoControlStore(db, dyn.tableNames['Control']!, clock);

  it('gives a record to exactly one of many concurrent takers', async () => {
    await store().put('oauth#s1', { userId: 'u1' }, new Date(now.getTime() + 60_000));
    const taken = await Promise.all(Array.from({ length: 20 }, () => store().take('oauth#s1')));
    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it('treats an expired record as gone even before TTL deletes it', async () => {
    await store().put('oauth#old', { userId: 'u1' }, new Date(now.getTime() - 1000));
    expect(await store().get('oauth#old')).toBeUndefined();
    expect(await store().take('oauth#old')).toBeUndefined();
    expect(await store().putIfAbsent('oauth#old', { v: 2 }, new Date(now.getTime() + 1000))).toBe(true);
  });

  it('grants a lease to one owner at a time, and again after it expires or is released', async () => {
    const until = new Date(now.getTime() + 60_000);
    const got = await Promise.all(Array.from({ length: 20 }, (_, i) => store().acquireLease('lease#x', `w${i}`, until)));
    expect(got.filter(Boolean)).toHaveLength(1);
    const owner = `w${got.indexOf(true)}`;
    await store().releaseLease('lease#x', 'someone-else');
    expect(await store().acquireLease('lease#x', 'w-late', until)).toBe(false);
    await store().releaseLease('lease#x', owner);
    expect(await store().acquireLease('lease#x', 'w-late', until)).toBe(true);
    now = new Date(now.getTime() + 61_000);
    expect(await store().acquireLease('lease#x', 'w-later', new Date(now.getTime() + 60_000))).toBe(true);
  });
});

describe('DynamoHistoryRepository', () => {
  it('keeps points and daily snapshots apart, returns ranges oldest first, and erases a series', async () => {
    const repo = new DynamoHistoryRepository(db, dyn.tableNames['History']!, { pointDays: 400, snapshotDays: 1825 }, clock);
    await repo.append('s1', { at: '2026-11-20T10:00:00.000Z', snapshot: { followers: 10 } }, { daily: true });
    await repo.append('s1', { at: '2026-11-20T11:00:00.000Z', snapshot: { followers: 11 } }, { daily: false });
    await repo.append('s1', { at: '2026-11-21T10:00:00.000Z', snapshot: { followers: 12 } }, { daily: true });
    expect((await repo.points('s1', '2026-11-20T00:00:00Z', '2026-11-22T00:00:00Z')).map((p) => p.snapshot.followers)).toEqual([10, 11, 12]);
    expect((await repo.daily('s1', '2026-11-20', '2026-11-21')).map((p) => p.snapshot.followers)).toEqual([10, 12]);
    await repo.erase('s1');
    expect(await repo.points('s1', '2026-01-01', '2027-01-01')).toEqual([]);
  });
});

describe('token refresh over the real DynamoDB protocol', () => {
  it('lets exactly one of 50 concurrent refreshers reach the platform, and stores the newest tokens', async () => {
    const t0 = new Date('2026-11-23T12:00:00Z');
    let t = t0.getTime();
    const acme = createTestProvider({ now: () => new Date(t) });
    const base = memoryDeps(directoryOf(acme.provider), {}, t0);
    const deps = {
      ...base,
      now: () => new Date(t),
      connections: new DynamoConnectionRepository(db, dyn.tableNames['Connections']!),
      control: new DynamoControlStore(db, dyn.tableNames['Control']!, () => new Date(t)),
    };
    const { state } = await startConnect(deps, { userId: 'race', platform: 'acme' });
    const id = (await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } })).connectionIds[0]!;
    t += 51 * 60_000;
    acme.refreshDelayMs = 30;
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => refreshConnection(deps, { userId: 'race', connectionId: id }, `worker-${i}`)));
    expect(acme.calls.refresh).toBe(1);
    expect(outcomes.filter((o) => o.outcome === 'refreshed')).toHaveLength(1);
    const c = (await deps.connections.get('race', id))!;
    expect(base.vault.items.get(c.tokenRef)?.refreshToken).toBe(acme.liveRefreshToken);
    expect(c.version).toBe(2);
  });
});
