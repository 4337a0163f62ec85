/**
 * The DynamoDB adapters of the webhook pipeline against dynalite (the real DynamoDB protocol):
 * the Events table's conditional record / claim / complete / release, and the grant registry's
 * atomic set in the Control table. The same suite runs over the in-memory versions the unit tests
 * use, so the two cannot drift apart.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoGrantRegistry } from '../../functions/adapters/dynamodb/grants';
import { DynamoWebhookEventStore } from '../../functions/adapters/dynamodb/webhook-events';
import type { GrantRegistry } from '../../functions/core/ports/grants';
import type { StoredWebhookEvent, WebhookEventStore } from '../../functions/core/ports/webhook-events';
import { MemoryGrants, MemoryWebhookEvents } from '../support/memory-webhooks';
import { awsTestConfig, startDynalite, type Dynalite } from '../support/services';

let dyn: Dynalite;
let db: DynamoDBDocumentClient;
let t = Date.parse('2026-11-23T12:00:00Z');
const clock = () => new Date(t);

beforeAll(async () => {
  dyn = await startDynalite();
  db = DynamoDBDocumentClient.from(new DynamoDBClient(awsTestConfig(dyn.endpoint)), { marshallOptions: { removeUndefinedValues: true } });
});
afterAll(async () => {
  db.destroy();
  await dyn.stop();
});

let seq = 0;
const event = (over: Partial<StoredWebhookEvent> = {}): StoredWebhookEvent => ({
  platform: 'acme',
  eventId: `evt-${++seq}-${Math.random().toString(36).slice(2)}`,
  kind: 'comment',
  platformAccountId: 'acct-1',
  occurredAt: '2026-11-23T11:00:00.000Z',
  receivedAt: clock().toISOString(),
  data: { text: 'héllo', nested: { n: 1, list: [1, 'two', null, true] }, empty: '' },
  ...over,
});
const inDays = (d: number) => new Date(t + d * 86_400_000);

const stores: Array<[string, () => WebhookEventStore]> = [
  ['DynamoWebhookEventStore', () => new DynamoWebhookEventStore(db, dyn.tableNames['Events']!, clock)],
  ['MemoryWebhookEvents', () => new MemoryWebhookEvents(clock)],
];

describe.each(stores)('%s', (_name, make) => {
  it('records an event once: a second record of the same id is a duplicate and changes nothing', async () => {
    const store = make();
    const e = event();
    expect(await store.record(e, inDays(7))).toBe(true);
    expect(await store.record({ ...e, data: { other: true } }, inDays(7))).toBe(false);
    expect(await store.get(e.platform, e.eventId)).toEqual({ ...e, state: 'received' });
  });

  it('treats an expired event as gone: it reads as absent and may be recorded again', async () => {
    const store = make();
    const e = event();
    await store.record(e, inDays(1));
    t += 2 * 86_400_000;
    try {
      expect(await store.get(e.platform, e.eventId)).toBeUndefined();
      expect((await store.claim(e.platform, e.eventId, 'w', inDays(1))).status).toBe('missing');
      expect(await store.record(e, inDays(7))).toBe(true);
    } finally {
      t -= 2 * 86_400_000;
    }
  });

  it('claims once: a second owner is busy until the lease runs out, the same owner may claim again', async () => {
    const store = make();
    const e = event();
    await store.record(e, inDays(7));
    const lease = new Date(t + 90_000);
    const first = await store.claim(e.platform, e.eventId, 'w1', lease);
    expect(first).toEqual({ status: 'claimed', event: { ...e, state: 'applying' } });
    expect(await store.claim(e.platform, e.eventId, 'w2', new Date(t + 90_000))).toEqual({ status: 'busy', leaseUntil: lease.toISOString() });
    expect((await store.claim(e.platform, e.eventId, 'w1', lease)).status).toBe('claimed');
    t += 91_000;
    try {
      expect((await store.claim(e.platform, e.eventId, 'w2', new Date(t + 90_000))).status).toBe('claimed');
      // The first owner lost it: it can neither complete nor release.
      expect(await store.complete(e.platform, e.eventId, 'w1', 'late')).toBe(false);
      await store.release(e.platform, e.eventId, 'w1');
      expect((await store.get(e.platform, e.eventId))?.state).toBe('applying');
      expect(await store.complete(e.platform, e.eventId, 'w2', 'notified')).toBe(true);
    } finally {
      t -= 91_000;
    }
    const done = await store.get(e.platform, e.eventId);
    expect(done).toMatchObject({ state: 'applied', outcome: 'notified', data: e.data });
    expect(await store.claim(e.platform, e.eventId, 'w3', new Date(t + 90_000))).toEqual({ status: 'applied' });
  });

  it('releases a claim back to received so a retry can take it at once', async () => {
    const store = make();
    const e = event();
    await store.record(e, inDays(7));
    await store.claim(e.platform, e.eventId, 'w1', new Date(t + 90_000));
    await store.release(e.platform, e.eventId, 'w1');
    expect((await store.get(e.platform, e.eventId))?.state).toBe('received');
    expect((await store.claim(e.platform, e.eventId, 'w2', new Date(t + 90_000))).status).toBe('claimed');
  });

  it('forgets only an event nobody claimed yet', async () => {
    const store = make();
    const idle = event();
    const taken = event();
    await store.record(idle, inDays(7));
    await store.record(taken, inDays(7));
    await store.claim(taken.platform, taken.eventId, 'w1', new Date(t + 90_000));
    await store.forget(idle.platform, idle.eventId);
    await store.forget(taken.platform, taken.eventId);
    await store.forget('acme', 'never-stored');
    expect(await store.get(idle.platform, idle.eventId)).toBeUndefined();
    expect((await store.get(taken.platform, taken.eventId))?.state).toBe('applying');
  });

  it('answers missing for an event never stored', async () => {
    expect(await make().claim('acme', 'nothing', 'w', new Date(t + 1000))).toEqual({ status: 'missing' });
  });
});

it('DynamoWebhookEventStore keeps the TTL attribute in epoch seconds and no lease after completion', async () => {
  const store = new DynamoWebhookEventStore(db, dyn.tableNames['Events']!, clock);
  const e = event();
  await store.record(e, inDays(7));
  await store.claim(e.platform, e.eventId, 'w1', new Date(t + 90_000));
  await store.complete(e.platform, e.eventId, 'w1', 'revoked');
  const item = (await db.send(new GetCommand({ TableName: dyn.tableNames['Events']!, Key: { pk: `acme#${e.eventId}` } }))).Item!;
  expect(item['expiresAt']).toBe(Math.floor(inDays(7).getTime() / 1000));
  expect(item['owner']).toBeUndefined();
  expect(item['leaseUntil']).toBeUndefined();
});

const registries: Array<[string, () => GrantRegistry]> = [
  ['DynamoGrantRegistry', () => new DynamoGrantRegistry(db, dyn.tableNames['Control']!, clock)],
  ['MemoryGrants', () => new MemoryGrants()],
];

describe.each(registries)('%s', (_name, make) => {
  it('adds connections to a platform user atomically and idempotently, under concurrency', async () => {
    const grants = make();
    const who = `user-${Math.random().toString(36).slice(2)}`;
    await Promise.all(Array.from({ length: 20 }, (_, i) => grants.add('pages', who, { userId: `u${i % 4}`, connectionId: `c${i}` })));
    await grants.add('pages', who, { userId: 'u0', connectionId: 'c0' });
    const listed = await grants.list('pages', who);
    expect(listed).toHaveLength(20);
    expect(listed).toContainEqual({ userId: 'u3', connectionId: 'c19' });
    expect(await grants.list('photos', who)).toEqual([]);
  });

  it('keeps ids with any characters apart', async () => {
    const grants = make();
    await grants.add('pages', 'odd', { userId: 'a#b|"c"', connectionId: 'x,y' });
    expect(await grants.list('pages', 'odd')).toEqual([{ userId: 'a#b|"c"', connectionId: 'x,y' }]);
    await grants.remove('pages', 'odd');
    expect(await grants.list('pages', 'odd')).toEqual([]);
  });
});
