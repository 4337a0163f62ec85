import type { PostTarget } from '../../functions/core/model/post';
import type { PostDraft } from '../../functions/core/use-cases/post-content';
import { cancelPost, createPost, getPost, retryPost } from '../../functions/core/use-cases/posts';
import { backoffSeconds, MAX_RETRIES, planPublish, publishTarget } from '../../functions/core/use-cases/publish';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider, seedConnection, type PublishControls } from '../support/test-provider';

const MINUTE = 60_000;
const half = () => 0.5;

interface World {
  deps: MemoryDeps;
  pub: PublishControls;
}

const world = async (connections: string[] = ['c1']): Promise<World> => {
  const acme = createTestProvider();
  const deps = memoryDeps(directoryOf(acme.provider));
  for (const connectionId of connections) await seedConnection(deps, { userId: 'u1', connectionId });
  return { deps, pub: acme.publishing };
};

const newPost = async (w: World, draft: Partial<PostDraft> = {}) =>
  (await createPost(w.deps, 'u1', { text: 'Hello from Reach', targets: [{ connectionId: 'c1' }], ...draft })).post;

const ref = (postId: string, connectionId = 'c1') => ({ userId: 'u1', postId, connectionId });
const deliver = (w: World, postId: string, connectionId = 'c1') => publishTarget(w.deps, ref(postId, connectionId), { random: half });
const target = async (w: World, postId: string, connectionId = 'c1'): Promise<PostTarget> => (await w.deps.posts.getTarget(ref(postId, connectionId)))!;
const publishMessages = (w: World) => w.deps.queue.sent.filter((m) => m.queue === 'publish');
const eventsOf = (w: World, type: string) => w.deps.events.published.filter((e) => e.type === type);

describe('publishTarget: exactly once', () => {
  it('publishes once however often the message arrives, one after the other or at the same time', async () => {
    const w = await world();
    const post = await newPost(w);
    expect(publishMessages(w)).toEqual([{ queue: 'publish', body: ref(post.id), delaySeconds: 0 }]);

    const [a, b] = await Promise.all([deliver(w, post.id), deliver(w, post.id)]);
    expect([a.outcome, b.outcome].sort()).toEqual(['published', 'skipped']);
    expect(await deliver(w, post.id)).toEqual({ outcome: 'skipped', reason: 'settled' });

    expect(w.pub.accepted).toHaveLength(1);
    const t = await target(w, post.id);
    expect(t).toMatchObject({ state: 'published', platformPostId: w.pub.accepted[0]!.id, url: `https://acme.example/p/${w.pub.accepted[0]!.id}`, attempts: 1 });
    expect(t.wakeAt).toBeUndefined();
    expect((await getPost(w.deps, 'u1', post.id)).status).toBe('published');
    expect(eventsOf(w, 'post.published')).toHaveLength(1);
  });

  it('a timeout after the platform accepted leaves the target unconfirmed; reconcile finds the post, nothing goes out twice', async () => {
    const w = await world();
    const post = await newPost(w);
    w.pub.timeoutsAfterAccept = 1;

    const first = await deliver(w, post.id);
    expect(first).toMatchObject({ outcome: 'retry', reason: 'publish: transient (timeout)' });
    const pending = await target(w, post.id);
    expect(pending.state).toBe('unconfirmed');
    expect(pending.unconfirmedSince).toBe(pending.attemptStartedAt);
    expect(w.pub.accepted).toHaveLength(1);

    w.deps.advance((first.outcome === 'retry' ? first.afterSeconds : 0) * 1000);
    const second = await deliver(w, post.id);
    expect(second).toEqual({ outcome: 'published', platformPostId: w.pub.accepted[0]!.id, url: `https://acme.example/p/${w.pub.accepted[0]!.id}` });
    expect(w.pub.calls).toMatchObject({ publish: 1, reconcile: 1 });
    expect(w.pub.accepted).toHaveLength(1);
    expect((await target(w, post.id)).unconfirmedSince).toBeUndefined();
  });

  describe('a worker that died mid-call', () => {
    const crashMidCall = async (w: World, postId: string) => {
      const t = await target(w, postId);
      const leaseUntil = new Date(w.deps.now().getTime() + 360_000).toISOString();
      await w.deps.posts.updateTarget({
        ...t,
        state: 'publishing',
        attempts: 1,
        attemptStartedAt: w.deps.now().toISOString(),
        leaseUntil,
        wakeAt: leaseUntil,
        version: t.version + 1,
      });
    };

    it('is left alone while its lease lasts, then reconciled: the post it got out is kept, not repeated', async () => {
      const w = await world();
      const post = await newPost(w);
      await crashMidCall(w, post.id);
      w.pub.accepted.push({ id: 'acme-post-crashed', targetKey: `${post.id}.c1`, text: 'Hello from Reach' });

      expect(await deliver(w, post.id)).toEqual({ outcome: 'skipped', reason: 'busy' });
      w.deps.advance(361_000);
      // The lease's end is a wake-up: the planner sends the target again even if its message was lost.
      w.deps.queue.sent.length = 0;
      await planPublish(w.deps, { lookbackMinutes: 5 });
      expect(publishMessages(w).map((m) => m.body)).toEqual([ref(post.id)]);

      expect(await deliver(w, post.id)).toMatchObject({ outcome: 'published', platformPostId: 'acme-post-crashed' });
      expect(w.pub.calls).toMatchObject({ publish: 0, reconcile: 1 });
    });

    it('publishes from the checkpoint when the platform has nothing', async () => {
      const w = await world();
      const post = await newPost(w);
      await crashMidCall(w, post.id);
      w.deps.advance(361_000);

      expect(await deliver(w, post.id)).toMatchObject({ outcome: 'published' });
      expect(w.pub.calls).toMatchObject({ publish: 1, reconcile: 1 });
      expect(w.pub.accepted).toHaveLength(1);
      expect((await target(w, post.id)).attempts).toBe(2);
    });
  });

  it('a worker that outlived its lease cannot save over the attempt that took over, and stops', async () => {
    const w = await world();
    await w.deps.posts.createMedia({ userId: 'u1', mediaId: 'm1', contentType: 'video/mp4', size: 2048, createdAt: w.deps.now().toISOString() });
    w.deps.media.upload({ userId: 'u1', mediaId: 'm1' }, { contentType: 'video/mp4', size: 2048 });
    const post = await newPost(w, { media: ['m1'] });
    let release!: () => void;
    let stalled!: () => void;
    const reachedSave = new Promise<void>((r) => (stalled = r));
    w.pub.beforeSave = () => {
      stalled();
      return new Promise<void>((r) => (release = r));
    };

    const slow = deliver(w, post.id);
    await reachedSave;
    w.deps.advance(361_000);
    expect(await deliver(w, post.id)).toMatchObject({ outcome: 'published' });
    release();
    expect(await slow).toEqual({ outcome: 'skipped', reason: 'busy' });

    expect(w.pub.accepted).toHaveLength(1);
    expect(w.pub.calls.reconcile).toBe(1);
    expect(await target(w, post.id)).toMatchObject({ state: 'published', attempts: 2, checkpoint: { uploadId: 'up-2' } });
  });

  it('resumes a processing platform from the checkpoint without repeating a step', async () => {
    const w = await world();
    await w.deps.posts.createMedia({ userId: 'u1', mediaId: 'm1', contentType: 'video/mp4', size: 2048, createdAt: w.deps.now().toISOString() });
    w.deps.media.upload({ userId: 'u1', mediaId: 'm1' }, { contentType: 'video/mp4', size: 2048 });
    w.pub.processingPolls = 2;
    const post = await newPost(w, { media: ['m1'] });

    expect(await deliver(w, post.id)).toEqual({ outcome: 'processing', afterSeconds: 30, reason: 'the platform is still processing' });
    expect(await target(w, post.id)).toMatchObject({ state: 'processing', checkpoint: { uploadId: 'up-1', polls: '1' } });
    // A duplicate arriving during the wait is sent back until the wait is over.
    w.deps.advance(10_000);
    expect(await deliver(w, post.id)).toEqual({ outcome: 'retry', afterSeconds: 20, reason: 'not due yet' });

    w.deps.advance(20_000);
    expect(await deliver(w, post.id)).toMatchObject({ outcome: 'processing' });
    w.deps.advance(30_000);
    expect(await deliver(w, post.id)).toMatchObject({ outcome: 'published' });

    expect(w.pub.steps).toEqual(['upload', 'poll', 'poll', 'publish']);
    expect(w.pub.accepted).toHaveLength(1);
    expect(await target(w, post.id)).toMatchObject({ state: 'published', attempts: 3 });
  });
});

describe('publishTarget: failures follow their kind', () => {
  it('waits out a rate limit for as long as the platform asked (plus a little jitter), then publishes', async () => {
    const w = await world();
    const post = await newPost(w);
    w.pub.failures.push({ kind: 'rate_limited', retryAfterSeconds: 120, message: 'slow down' });

    const first = await deliver(w, post.id);
    expect(first.outcome).toBe('retry');
    const wait = first.outcome === 'retry' ? first.afterSeconds : 0;
    expect(wait).toBeGreaterThanOrEqual(120);
    expect(wait).toBeLessThanOrEqual(132);
    expect(await target(w, post.id)).toMatchObject({ state: 'scheduled', retries: 1, error: { kind: 'rate_limited' } });
    expect((await getPost(w.deps, 'u1', post.id)).status).toBe('publishing');

    w.deps.advance(wait * 1000);
    expect(await deliver(w, post.id)).toMatchObject({ outcome: 'published' });
    expect(await target(w, post.id)).not.toHaveProperty('error');
  });

  it('backs off transient failures exponentially with jitter, and fails after the limit', async () => {
    const w = await world();
    const post = await newPost(w);
    for (let i = 0; i < MAX_RETRIES; i++) w.pub.failures.push({ kind: 'transient', code: 'http_503', message: 'unavailable' });

    const waits: number[] = [];
    for (let i = 0; i < MAX_RETRIES - 1; i++) {
      const r = await deliver(w, post.id);
      expect(r.outcome).toBe('retry');
      if (r.outcome === 'retry') waits.push(r.afterSeconds);
      w.deps.advance(waits[i]! * 1000);
    }
    expect(waits).toEqual([0, 1, 2, 3].map((n) => backoffSeconds(n, half)));
    expect(waits).toEqual([...waits].sort((a, b) => a - b));

    const last = await deliver(w, post.id);
    expect(last).toMatchObject({ outcome: 'failed', error: { kind: 'transient', code: 'http_503' } });
    expect((await target(w, post.id)).error?.message).toMatch(/gave up after 5 tries/);
    expect((await getPost(w.deps, 'u1', post.id)).status).toBe('failed');
    expect(eventsOf(w, 'post.failed')).toHaveLength(1);
  });

  it('draws backoff jitter from the upper half of each step, capped at 15 minutes', () => {
    expect(backoffSeconds(0, () => 0)).toBe(8);
    expect(backoffSeconds(0, () => 1)).toBe(15);
    expect(backoffSeconds(3, () => 1)).toBe(120);
    expect(backoffSeconds(20, () => 1)).toBe(900);
  });

  it('a refused grant fails the target at once and asks the user to reconnect', async () => {
    const w = await world();
    const post = await newPost(w);
    w.pub.failures.push({ kind: 'auth_expired', code: '190/463', message: 'token expired' });

    expect(await deliver(w, post.id)).toMatchObject({ outcome: 'failed', error: { kind: 'auth_expired', code: '190/463' } });
    expect((await w.deps.connections.get('u1', 'c1'))).toMatchObject({ status: 'reauth_required', statusReason: '190/463' });
    expect(eventsOf(w, 'connection.reauth_required')).toHaveLength(1);
    expect(w.pub.calls.publish).toBe(1);
  });

  it.each([['invalid_request'], ['permanent']] as const)('a %s failure fails the target without a retry', async (kind) => {
    const w = await world();
    const post = await newPost(w);
    w.pub.failures.push({ kind, code: 'bad', message: 'refused' });
    expect(await deliver(w, post.id)).toMatchObject({ outcome: 'failed', error: { kind, code: 'bad', message: 'refused' } });
    expect(await deliver(w, post.id)).toEqual({ outcome: 'skipped', reason: 'settled' });
    expect(w.pub.calls.publish).toBe(1);
  });

  it('fails a target whose connection needs reconnecting without calling the platform', async () => {
    const w = await world();
    const post = await newPost(w);
    const c = (await w.deps.connections.get('u1', 'c1'))!;
    await w.deps.connections.update({ ...c, status: 'reauth_required', version: c.version + 1 });
    expect(await deliver(w, post.id)).toMatchObject({ outcome: 'failed', error: { kind: 'auth_expired', code: 'connection_reauth_required' } });
    expect(w.pub.calls.publish).toBe(0);
  });
});

describe('planPublish and the missed window', () => {
  it('sends targets due in the next two minutes with the delay that lands them on their second', async () => {
    const w = await world();
    const soon = await newPost(w, { scheduledAt: new Date(w.deps.now().getTime() + 95_000).toISOString() });
    expect(publishMessages(w)).toEqual([{ queue: 'publish', body: ref(soon.id), delaySeconds: 95 }]);
    const later = await newPost(w, { scheduledAt: new Date(w.deps.now().getTime() + 10 * MINUTE + 30_000).toISOString() });
    expect(publishMessages(w)).toHaveLength(1);

    w.deps.advance(95_000);
    expect(await deliver(w, soon.id)).toMatchObject({ outcome: 'published' });
    w.deps.advance(9 * MINUTE - 95_000);
    w.deps.queue.sent.length = 0;
    const plan = await planPublish(w.deps, { lookbackMinutes: 60 });
    expect(plan).toMatchObject({ queued: 1, missed: 0 });
    expect(publishMessages(w)).toEqual([{ queue: 'publish', body: ref(later.id), delaySeconds: 90 }]);
  });

  it('sends an overdue target at once inside the window, and marks it missed past the window', async () => {
    const w = await world(['c1', 'c2']);
    const post = await newPost(w, { scheduledAt: new Date(w.deps.now().getTime() + 10 * MINUTE).toISOString(), targets: [{ connectionId: 'c1' }, { connectionId: 'c2' }] });

    w.deps.advance(15 * MINUTE);
    expect(await planPublish(w.deps, { lookbackMinutes: 75 })).toMatchObject({ queued: 2, missed: 0 });
    expect(publishMessages(w).every((m) => m.delaySeconds === 0)).toBe(true);
    expect(await deliver(w, post.id, 'c1')).toMatchObject({ outcome: 'published' });

    w.deps.advance(56 * MINUTE);
    w.deps.queue.sent.length = 0;
    expect(await planPublish(w.deps, { lookbackMinutes: 75 })).toMatchObject({ queued: 0, missed: 1 });
    expect(await target(w, post.id, 'c2')).toMatchObject({ state: 'missed', error: { code: 'missed_window' } });
    expect((await target(w, post.id, 'c2')).wakeAt).toBeUndefined();
    expect((await getPost(w.deps, 'u1', post.id)).status).toBe('partial');
    expect(eventsOf(w, 'post.partial')).toHaveLength(1);
    // A message that was already in flight does not publish it late either.
    expect(await deliver(w, post.id, 'c2')).toEqual({ outcome: 'skipped', reason: 'settled' });
    expect(w.pub.accepted).toHaveLength(1);
  });

  it('a late message for a target the planner has not marked yet marks it missed itself', async () => {
    const w = await world();
    const post = await newPost(w, { scheduledAt: new Date(w.deps.now().getTime() + MINUTE).toISOString() });
    w.deps.advance(62 * MINUTE);
    expect(await deliver(w, post.id)).toEqual({ outcome: 'missed' });
    expect(w.pub.calls.publish).toBe(0);
  });

  it('reads a whole day back at the top of each hour, so an outage leaves nothing behind', async () => {
    const w = await world();
    w.deps.advance(30 * MINUTE);
    expect((await planPublish(w.deps)).minutesRead).toBe(60 + 15 + 1 + 2);
    w.deps.advance(30 * MINUTE);
    expect((await planPublish(w.deps)).minutesRead).toBe(24 * 60 + 1 + 2);
  });
});

describe('cancel, retry and the roll-up', () => {
  it('a cancel racing a claim: exactly one wins', async () => {
    for (const order of ['cancel-first', 'claim-first'] as const) {
      const w = await world();
      const post = await newPost(w, { scheduledAt: new Date(w.deps.now().getTime() + 30_000).toISOString() });
      w.deps.advance(30_000);
      // Hold both writers until each has read the target, then let them write in the chosen order.
      const arrived: Array<{ who: string; go: () => void }> = [];
      w.deps.posts.beforeTargetWrite = (next) =>
        new Promise<void>((go) => {
          arrived.push({ who: next.state === 'cancelled' ? 'cancel' : 'claim', go });
          if (arrived.length === 2) {
            w.deps.posts.beforeTargetWrite = undefined;
            const first = arrived.find((a) => (order === 'cancel-first' ? a.who === 'cancel' : a.who === 'claim'))!;
            first.go();
            setTimeout(() => arrived.find((a) => a !== first)!.go(), 5);
          }
        });
      const [cancel, outcome] = await Promise.all([cancelPost(w.deps, 'u1', post.id), deliver(w, post.id)]);
      const t = await target(w, post.id);
      if (order === 'cancel-first') {
        expect(cancel.cancelled).toEqual(['c1']);
        expect(outcome).toEqual({ outcome: 'skipped', reason: 'busy' });
        expect(t.state).toBe('cancelled');
        expect(w.pub.accepted).toHaveLength(0);
        expect((await getPost(w.deps, 'u1', post.id)).status).toBe('cancelled');
      } else {
        expect(cancel.notCancelled).toEqual([{ connectionId: 'c1', state: expect.stringMatching(/claimed|publishing|published/) }]);
        expect(outcome.outcome).toBe('published');
        expect(t.state).toBe('published');
        expect(w.pub.accepted).toHaveLength(1);
      }
    }
  });

  it('cancels only what has not gone out, and says what it could not cancel', async () => {
    const w = await world(['c1', 'c2']);
    const post = await newPost(w, { targets: [{ connectionId: 'c1' }, { connectionId: 'c2' }] });
    await deliver(w, post.id, 'c1');
    const result = await cancelPost(w.deps, 'u1', post.id);
    expect(result).toEqual({ id: post.id, status: 'published', cancelled: ['c2'], notCancelled: [{ connectionId: 'c1', state: 'published' }] });
    expect(await deliver(w, post.id, 'c2')).toEqual({ outcome: 'skipped', reason: 'settled' });
    expect(w.pub.accepted).toHaveLength(1);
  });

  it('rolls up to partial when one target fails, announces it once, and to published after a retry', async () => {
    const w = await world(['c1', 'c2']);
    const post = await newPost(w, { targets: [{ connectionId: 'c1' }, { connectionId: 'c2' }] });
    expect(await deliver(w, post.id, 'c1')).toMatchObject({ outcome: 'published' });
    expect((await getPost(w.deps, 'u1', post.id)).status).toBe('publishing');
    w.pub.failures.push({ kind: 'invalid_request', code: 'duplicate_content', message: 'looks like a duplicate' });
    expect(await deliver(w, post.id, 'c2')).toMatchObject({ outcome: 'failed' });

    const view = await getPost(w.deps, 'u1', post.id);
    expect(view.status).toBe('partial');
    expect(view.targets.map((t) => [t.connectionId, t.state, t.error?.code])).toEqual([
      ['c1', 'published', undefined],
      ['c2', 'failed', 'duplicate_content'],
    ]);
    await deliver(w, post.id, 'c2');
    const partial = eventsOf(w, 'post.partial');
    expect(partial).toHaveLength(1);
    expect(partial[0]!.detail).toMatchObject({ postId: post.id, status: 'partial', targets: [{ connectionId: 'c1', state: 'published' }, { connectionId: 'c2', state: 'failed', error: { code: 'duplicate_content' } }] });

    w.deps.queue.sent.length = 0;
    const retried = await retryPost(w.deps, 'u1', post.id);
    expect(retried.status).toBe('publishing');
    expect(retried.targets[1]).toMatchObject({ state: 'scheduled' });
    expect(publishMessages(w)).toEqual([{ queue: 'publish', body: ref(post.id, 'c2'), delaySeconds: 0 }]);
    expect(await deliver(w, post.id, 'c2')).toMatchObject({ outcome: 'published' });
    expect((await getPost(w.deps, 'u1', post.id)).status).toBe('published');
    expect(eventsOf(w, 'post.published')).toHaveLength(1);
  });

  it('retries a missed target from now, and refuses when nothing failed', async () => {
    const w = await world();
    const post = await newPost(w, { scheduledAt: new Date(w.deps.now().getTime() + MINUTE).toISOString() });
    w.deps.advance(90 * MINUTE);
    await planPublish(w.deps, { lookbackMinutes: 120 });
    expect((await target(w, post.id)).state).toBe('missed');
    await retryPost(w.deps, 'u1', post.id);
    expect(await deliver(w, post.id)).toMatchObject({ outcome: 'published' });
    await expect(retryPost(w.deps, 'u1', post.id)).rejects.toThrow('No failed or missed targets to retry');
  });
});
