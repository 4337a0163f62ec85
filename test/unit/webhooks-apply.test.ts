import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse } from 'aws-lambda';
import type { Connection } from '../../functions/core/model/connection';
import type { StoredWebhookEvent } from '../../functions/core/ports/webhook-events';
import { APPLY_LEASE_SECONDS, applyWebhookEvent, type ApplyPostStatus } from '../../functions/core/use-cases/webhook-apply';
import { createWebhookWorker } from '../../functions/handlers/sqs/webhook-worker';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider, seedConnection } from '../support/test-provider';
import { lambdaContext, sqsEvent } from '../support/webhook-http';

const ACCOUNT = 'acct-shared';
const MIN = 60_000;

const setup = (options: { metrics?: boolean } = {}) => {
  const acme = createTestProvider({ withWebhooks: true });
  if (options.metrics === false) delete (acme.provider as { metrics?: unknown }).metrics;
  const deps = memoryDeps(directoryOf(acme.provider));
  return { deps };
};

/** Two users connected the same platform account; a third connection is another account. */
const seedAccount = async (deps: MemoryDeps, over: Partial<Connection> = {}) => {
  const a = await seedConnection(deps, { userId: 'u1', connectionId: 'c1', platformAccountId: ACCOUNT, nextSyncAt: '2026-11-23T13:00:00.000Z', refreshAt: '2026-11-24T00:00:00.000Z', ...over });
  const b = await seedConnection(deps, { userId: 'u2', connectionId: 'c2', platformAccountId: ACCOUNT, ...over });
  const other = await seedConnection(deps, { userId: 'u1', connectionId: 'c3', platformAccountId: 'acct-other' });
  return { a, b, other };
};

let n = 0;
const store = async (deps: MemoryDeps, event: Partial<StoredWebhookEvent> & Pick<StoredWebhookEvent, 'kind'>): Promise<{ platform: string; eventId: string }> => {
  const e: StoredWebhookEvent = {
    platform: 'acme',
    eventId: `evt-${++n}`,
    platformAccountId: ACCOUNT,
    occurredAt: deps.now().toISOString(),
    receivedAt: deps.now().toISOString(),
    data: {},
    ...event,
  };
  expect(await deps.webhookEvents.record(e, new Date(deps.now().getTime() + 7 * 86_400_000))).toBe(true);
  return { platform: e.platform, eventId: e.eventId };
};

describe('applyWebhookEvent', () => {
  describe('metrics_changed with figures', () => {
    it('writes a history point and the latest figures for every connection of the account, merged over the previous ones', async () => {
      const { deps } = setup();
      await seedAccount(deps, { latest: { at: '2026-11-23T10:00:00.000Z', followers: 1000, following: 10, posts: 5 }, lastSyncAt: '2026-11-23T10:00:00.000Z' });
      const ref = await store(deps, { kind: 'metrics_changed', occurredAt: '2026-11-23T11:58:00.000Z', data: { followers: 1234, note: 'ignored member' } });
      const result = await applyWebhookEvent(deps, ref, 'w1');
      expect(result).toMatchObject({ outcome: 'applied', detail: 'metrics_recorded', connections: 2 });
      for (const id of ['c1', 'c2']) {
        const userId = id === 'c1' ? 'u1' : 'u2';
        expect((await deps.connections.get(userId, id))?.latest).toEqual({ at: '2026-11-23T11:58:00.000Z', followers: 1234, following: 10, posts: 5 });
        expect(await deps.history.points(id, '2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z')).toEqual([
          { at: '2026-11-23T11:58:00.000Z', snapshot: { followers: 1234, following: 10, posts: 5 }, daily: false },
        ]);
        // Not the first point of the day: no new daily snapshot.
        expect(await deps.history.daily(id, '2026-11-23', '2026-11-23')).toEqual([]);
      }
      expect((await deps.connections.get('u1', 'c3'))?.latest).toBeUndefined();
      expect(deps.events.published).toEqual([
        { type: 'metrics.synced', userId: 'u1', detail: { connectionId: 'c1', platform: 'acme', source: 'webhook', followers: 1234 } },
        { type: 'metrics.synced', userId: 'u2', detail: { connectionId: 'c2', platform: 'acme', source: 'webhook', followers: 1234 } },
      ]);
      expect((await deps.webhookEvents.get(ref.platform, ref.eventId))?.state).toBe('applied');
      expect((await deps.webhookEvents.get(ref.platform, ref.eventId))?.outcome).toBe('metrics_recorded');
    });

    it('takes the first figures of a UTC day as its daily snapshot', async () => {
      const { deps } = setup();
      await seedAccount(deps, { latest: { at: '2026-11-22T23:00:00.000Z', followers: 1000 } });
      await applyWebhookEvent(deps, await store(deps, { kind: 'metrics_changed', data: { followers: 1001 } }), 'w1');
      expect(await deps.history.daily('c1', '2026-11-23', '2026-11-23')).toHaveLength(1);
    });

    it('adds an older event as a point without replacing newer latest figures', async () => {
      const { deps } = setup();
      await seedAccount(deps, { latest: { at: '2026-11-23T11:59:00.000Z', followers: 2000 } });
      await applyWebhookEvent(deps, await store(deps, { kind: 'metrics_changed', occurredAt: '2026-11-23T09:00:00.000Z', data: { followers: 1900 } }), 'w1');
      expect((await deps.connections.get('u1', 'c1'))?.latest).toEqual({ at: '2026-11-23T11:59:00.000Z', followers: 2000 });
      expect((await deps.history.points('c1', '2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z')).map((p) => p.snapshot.followers)).toEqual([1900]);
    });

    it('records figures stamped in the future at their receipt time', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      await applyWebhookEvent(deps, await store(deps, { kind: 'metrics_changed', occurredAt: '2027-01-01T00:00:00.000Z', data: { followers: 5 } }), 'w1');
      expect((await deps.connections.get('u1', 'c1'))?.latest?.at).toBe(deps.now().toISOString());
    });
  });

  describe('metrics_changed without figures', () => {
    it('queues one forced sync per stale connection, and none for the rest of the freshness window', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      // c2 was synced three minutes ago: inside the ten-minute window.
      const c2 = (await deps.connections.get('u2', 'c2'))!;
      await deps.connections.update({ ...c2, lastSyncAt: new Date(deps.now().getTime() - 3 * MIN).toISOString(), version: c2.version + 1 });
      const first = await applyWebhookEvent(deps, await store(deps, { kind: 'metrics_changed', data: { metric: 'followers', change: 1 } }), 'w1');
      expect(first).toMatchObject({ outcome: 'applied', detail: 'sync_queued' });
      expect(deps.queue.sent).toEqual([{ queue: 'sync', body: { kind: 'connection', userId: 'u1', connectionId: 'c1', force: true } }]);
      const second = await applyWebhookEvent(deps, await store(deps, { kind: 'metrics_changed', data: { metric: 'followers', change: 1 } }), 'w1');
      expect(second).toMatchObject({ detail: 'already_fresh' });
      expect(deps.queue.sent).toHaveLength(1);
      deps.advance(11 * MIN);
      await applyWebhookEvent(deps, await store(deps, { kind: 'metrics_changed', data: { change: -1 } }), 'w1');
      expect(deps.queue.sent.map((m) => (m.body as { connectionId: string }).connectionId)).toEqual(['c1', 'c1', 'c2']);
    });

    it('queues nothing for a platform that cannot be synced', async () => {
      const { deps } = setup({ metrics: false });
      await seedAccount(deps);
      expect(await applyWebhookEvent(deps, await store(deps, { kind: 'metrics_changed', data: {} }), 'w1')).toMatchObject({ detail: 'no_metrics' });
      expect(deps.queue.sent).toEqual([]);
    });

    it('does not sync connections that are not active', async () => {
      const { deps } = setup();
      await seedAccount(deps, { status: 'reauth_required' });
      expect(await applyWebhookEvent(deps, await store(deps, { kind: 'metrics_changed', data: {} }), 'w1')).toMatchObject({ detail: 'already_fresh' });
      expect(deps.queue.sent).toEqual([]);
    });
  });

  describe('deauthorized', () => {
    it('revokes every connection of the account with the platform reason, deletes its tokens and says so', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      const result = await applyWebhookEvent(deps, await store(deps, { kind: 'deauthorized', data: { reason: 'user_revoked' } }), 'w1');
      expect(result).toMatchObject({ outcome: 'applied', detail: 'revoked', connections: 2 });
      const c1 = (await deps.connections.get('u1', 'c1'))!;
      expect(c1).toMatchObject({ status: 'revoked', statusReason: 'user_revoked', version: 2 });
      expect(c1.nextSyncAt).toBeUndefined();
      expect(c1.refreshAt).toBeUndefined();
      expect((await deps.connections.get('u2', 'c2'))?.status).toBe('revoked');
      expect(await deps.vault.get('tok-c1')).toBeUndefined();
      expect(await deps.vault.get('tok-c2')).toBeUndefined();
      expect(await deps.vault.get('tok-c3')).toBeDefined();
      expect((await deps.connections.get('u1', 'c3'))?.status).toBe('active');
      expect(deps.events.published).toEqual([
        { type: 'connection.disconnected', userId: 'u1', detail: { connectionId: 'c1', platform: 'acme', reason: 'user_revoked', initiatedBy: 'platform', erased: false } },
        { type: 'connection.disconnected', userId: 'u2', detail: { connectionId: 'c2', platform: 'acme', reason: 'user_revoked', initiatedBy: 'platform', erased: false } },
      ]);
    });

    it('uses a safe default reason, and does not announce a connection already revoked again', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      const c2 = (await deps.connections.get('u2', 'c2'))!;
      await deps.connections.update({ ...c2, status: 'revoked', statusReason: 'disconnected', version: 2 });
      await applyWebhookEvent(deps, await store(deps, { kind: 'deauthorized', data: { reason: { nested: true } } }), 'w1');
      expect((await deps.connections.get('u1', 'c1'))?.statusReason).toBe('platform_revoked');
      expect((await deps.connections.get('u2', 'c2'))?.statusReason).toBe('disconnected');
      expect(deps.events.published.map((e) => e.userId)).toEqual(['u1']);
      expect(await deps.vault.get('tok-c2')).toBeUndefined();
    });

    it('revokes the newest version when a sync wrote meanwhile', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      const stale = (await deps.connections.get('u1', 'c1'))!;
      const ref = await store(deps, { kind: 'deauthorized', data: { reason: 'user_revoked' } });
      const find = jest.spyOn(deps.connections, 'findByPlatformAccount').mockImplementationOnce(async () => {
        const all = [...deps.connections.items.values()].filter((c) => c.platformAccountId === ACCOUNT);
        // A sync lands between the read and the revocation.
        await deps.connections.update({ ...stale, lastSyncAt: deps.now().toISOString(), version: stale.version + 1 });
        return all;
      });
      await applyWebhookEvent(deps, ref, 'w1');
      find.mockRestore();
      expect(await deps.connections.get('u1', 'c1')).toMatchObject({ status: 'revoked', version: 3, lastSyncAt: deps.now().toISOString() });
    });
  });

  describe('post_status', () => {
    it('hands the event to the publishing engine', async () => {
      const { deps } = setup();
      const calls: Array<[string, unknown]> = [];
      const applyPostStatus: ApplyPostStatus = async (platform, event) => {
        calls.push([platform, event]);
        return event.data['platformPostId'] === 'known' ? 'applied' : 'unknown_post';
      };
      const known = await store(deps, { kind: 'post_status', data: { status: 'published', platformPostId: 'known' } });
      expect(await applyWebhookEvent(deps, known, 'w1', { applyPostStatus })).toMatchObject({ detail: 'post_applied' });
      expect(calls[0]).toEqual([
        'acme',
        { eventId: known.eventId, kind: 'post_status', platformAccountId: ACCOUNT, occurredAt: deps.now().toISOString(), data: { status: 'published', platformPostId: 'known' } },
      ]);
      const unknown = await store(deps, { kind: 'post_status', data: { platformPostId: 'other' } });
      expect(await applyWebhookEvent(deps, unknown, 'w1', { applyPostStatus })).toMatchObject({ detail: 'unknown_post' });
    });

    it('keeps a post status as applied with its outcome when no engine is wired', async () => {
      const { deps } = setup();
      const ref = await store(deps, { kind: 'post_status', data: {} });
      expect(await applyWebhookEvent(deps, ref, 'w1')).toMatchObject({ detail: 'no_post_handler' });
      expect(await deps.webhookEvents.get(ref.platform, ref.eventId)).toMatchObject({ state: 'applied', outcome: 'no_post_handler' });
    });
  });

  describe('comment and mention', () => {
    it('emits engagement events to every user who connected the account (not to revoked connections) and keeps the event', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      const c2 = (await deps.connections.get('u2', 'c2'))!;
      await deps.connections.update({ ...c2, status: 'revoked', version: 2 });
      const comment = await store(deps, { kind: 'comment', data: { text: 'Nice', commentId: 'k1' } });
      expect(await applyWebhookEvent(deps, comment, 'w1')).toMatchObject({ detail: 'notified', connections: 1 });
      const mention = await store(deps, { kind: 'mention', data: { postId: 'p9' } });
      await applyWebhookEvent(deps, mention, 'w1');
      expect(deps.events.published).toEqual([
        {
          type: 'engagement.comment',
          userId: 'u1',
          detail: { connectionId: 'c1', platform: 'acme', platformAccountId: ACCOUNT, eventId: comment.eventId, occurredAt: deps.now().toISOString(), data: { text: 'Nice', commentId: 'k1' } },
        },
        {
          type: 'engagement.mention',
          userId: 'u1',
          detail: { connectionId: 'c1', platform: 'acme', platformAccountId: ACCOUNT, eventId: mention.eventId, occurredAt: deps.now().toISOString(), data: { postId: 'p9' } },
        },
      ]);
      expect(await deps.webhookEvents.get(comment.platform, comment.eventId)).toMatchObject({ state: 'applied', data: { text: 'Nice', commentId: 'k1' } });
    });
  });

  it('says when an event names no account, or an account nobody connected', async () => {
    const { deps } = setup();
    expect(await applyWebhookEvent(deps, await store(deps, { kind: 'comment', platformAccountId: 'nobody' }), 'w1')).toMatchObject({ detail: 'no_connections' });
    const at = deps.now().toISOString();
    await deps.webhookEvents.record({ platform: 'acme', eventId: 'anonymous', kind: 'comment', occurredAt: at, receivedAt: at, data: {} }, new Date(deps.now().getTime() + 60_000));
    expect(await applyWebhookEvent(deps, { platform: 'acme', eventId: 'anonymous' }, 'w1')).toMatchObject({ detail: 'no_account' });
  });

  describe('once only', () => {
    it('skips an event already applied, and one that is not stored', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      const ref = await store(deps, { kind: 'comment' });
      await applyWebhookEvent(deps, ref, 'w1');
      expect(await applyWebhookEvent(deps, ref, 'w2')).toEqual({ outcome: 'skipped', reason: 'already_applied' });
      expect(await applyWebhookEvent(deps, { platform: 'acme', eventId: 'never' }, 'w2')).toEqual({ outcome: 'skipped', reason: 'missing' });
      expect(deps.events.published).toHaveLength(2);
    });

    it('leaves an event another worker holds until its lease runs out, then takes it over', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      const ref = await store(deps, { kind: 'comment' });
      expect((await deps.webhookEvents.claim(ref.platform, ref.eventId, 'crashed', new Date(deps.now().getTime() + APPLY_LEASE_SECONDS * 1000))).status).toBe('claimed');
      deps.advance(30_000);
      expect(await applyWebhookEvent(deps, ref, 'w2')).toEqual({ outcome: 'busy', retryAfterSeconds: APPLY_LEASE_SECONDS - 30 });
      deps.advance(APPLY_LEASE_SECONDS * 1000);
      expect(await applyWebhookEvent(deps, ref, 'w2')).toMatchObject({ outcome: 'applied', detail: 'notified' });
    });

    it('releases the claim when applying fails, so the retry applies it', async () => {
      const { deps } = setup();
      await seedAccount(deps);
      const ref = await store(deps, { kind: 'comment' });
      jest.spyOn(deps.events, 'publish').mockRejectedValueOnce(new Error('bus down'));
      await expect(applyWebhookEvent(deps, ref, 'w1')).rejects.toThrow('bus down');
      expect((await deps.webhookEvents.get(ref.platform, ref.eventId))?.state).toBe('received');
      expect(await applyWebhookEvent(deps, ref, 'w2')).toMatchObject({ outcome: 'applied' });
      expect(deps.events.published).toHaveLength(2);
    });
  });
});

describe('webhook worker (SQS)', () => {
  let metricSpy: jest.SpyInstance;
  beforeEach(() => {
    metricSpy = jest.spyOn(Metrics.prototype, 'addMetric').mockImplementation(function (this: Metrics) {
      return this;
    });
  });
  afterEach(() => metricSpy.mockRestore());

  const worker = (deps: MemoryDeps, hooks = {}) => {
    const delays: number[] = [];
    const handler = createWebhookWorker({ getDeps: () => deps, hooks, delay: async (_r, s) => void delays.push(s) });
    return { handler, delays };
  };

  it('applies a redelivered message once', async () => {
    const { deps } = setup();
    await seedAccount(deps);
    const ref = await store(deps, { kind: 'deauthorized', data: { reason: 'user_revoked' } });
    const { handler } = worker(deps);
    const message = { body: { type: 'event', ...ref }, messageId: 'm-1' };
    expect(await handler(sqsEvent([message]), lambdaContext('webhookWorker'))).toEqual({ batchItemFailures: [] });
    expect(await handler(sqsEvent([{ ...message, receiveCount: 2 }]), lambdaContext('webhookWorker'))).toEqual({ batchItemFailures: [] });
    expect(deps.events.published.filter((e) => e.type === 'connection.disconnected')).toHaveLength(2);
    expect((await deps.connections.get('u1', 'c1'))?.version).toBe(2);
    expect(metricSpy).toHaveBeenCalledWith('WebhookLag', 'Milliseconds', 0);
  });

  it('sends a message back for the rest of the lease when another worker holds its event', async () => {
    const { deps } = setup();
    await seedAccount(deps);
    const ref = await store(deps, { kind: 'comment' });
    await deps.webhookEvents.claim(ref.platform, ref.eventId, 'other', new Date(deps.now().getTime() + 40_000));
    const { handler, delays } = worker(deps);
    const out = (await handler(sqsEvent([{ body: { type: 'event', ...ref }, messageId: 'm-7' }]), lambdaContext('webhookWorker'))) as SQSBatchResponse;
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-7' }]);
    expect(delays).toEqual([40]);
    expect(deps.events.published).toEqual([]);
  });

  it('passes post status to the hook it was built with', async () => {
    const { deps } = setup();
    const ref = await store(deps, { kind: 'post_status', data: { platformPostId: 'p1' } });
    const seen: string[] = [];
    const { handler } = worker(deps, { applyPostStatus: async (_p: string, e: { eventId: string }) => (seen.push(e.eventId), 'applied' as const) });
    await handler(sqsEvent([{ body: { type: 'event', ...ref } }]), lambdaContext('webhookWorker'));
    expect(seen).toEqual([ref.eventId]);
    expect((await deps.webhookEvents.get(ref.platform, ref.eventId))?.outcome).toBe('post_applied');
  });

  it('drops messages that do not match the schema without failing the batch', async () => {
    const { deps } = setup();
    const { handler } = worker(deps);
    const out = await handler(sqsEvent([{ body: { type: 'event' } }, { body: { type: 'data_deletion', code: '../x' } }, { body: 'junk' }]), lambdaContext('webhookWorker'));
    expect(out).toEqual({ batchItemFailures: [] });
  });
});
