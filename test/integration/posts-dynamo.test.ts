import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Post, PostTarget } from '../../functions/core/model/post';
import { StaleWriteError, ValidationError } from '../../functions/core/errors';
import { DynamoPostRepository } from '../../functions/adapters/dynamodb/posts';
import type { UseCaseDeps } from '../../functions/core/use-cases/context';
import { cancelPost, createPost, getPost } from '../../functions/core/use-cases/posts';
import { planPublish, publishTarget } from '../../functions/core/use-cases/publish';
import { awsTestConfig, startDynalite, type Dynalite } from '../support/services';
import { directoryOf, memoryDeps } from '../support/memory';
import { createTestProvider, seedConnection } from '../support/test-provider';

let dyn: Dynalite;
let db: DynamoDBDocumentClient;
let now = new Date('2026-11-23T12:00:00Z');
const clock = () => now;
let repo: DynamoPostRepository;
let table: string;

beforeAll(async () => {
  dyn = await startDynalite();
  db = DynamoDBDocumentClient.from(new DynamoDBClient(awsTestConfig(dyn.endpoint)), { marshallOptions: { removeUndefinedValues: true } });
  table = dyn.tableNames['Posts']!;
  repo = new DynamoPostRepository(db, table, clock);
});
afterAll(async () => {
  db.destroy();
  await dyn.stop();
});

const postOf = (userId: string, postId: string, over: Partial<Post> = {}): Post => ({
  userId,
  postId,
  text: 'Hello',
  mediaIds: [],
  targetIds: ['c1'],
  scheduledAt: '2026-11-23T12:30:00.000Z',
  timeZone: 'UTC',
  localTime: '2026-11-23T12:30:00',
  status: 'scheduled',
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  version: 1,
  ...over,
});

const targetOf = (userId: string, postId: string, connectionId: string, over: Partial<PostTarget> = {}): PostTarget => ({
  userId,
  postId,
  connectionId,
  platform: 'acme',
  state: 'scheduled',
  dueAt: '2026-11-23T12:30:00.000Z',
  wakeAt: '2026-11-23T12:30:00.000Z',
  attempts: 0,
  retries: 0,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  version: 1,
  ...over,
});

describe('DynamoPostRepository', () => {
  it('keeps a post and exactly its own targets, per user', async () => {
    await repo.createPost(postOf('u1', 'P1'));
    await repo.createPost(postOf('u1', 'P10'));
    expect(await repo.createTarget(targetOf('u1', 'P1', 'c1'))).toBe(true);
    expect(await repo.createTarget(targetOf('u1', 'P1', 'c1'))).toBe(false);
    await repo.createTarget(targetOf('u1', 'P1', 'c2'));
    await repo.createTarget(targetOf('u1', 'P10', 'c1'));
    await expect(repo.createPost(postOf('u1', 'P1'))).rejects.toBeInstanceOf(StaleWriteError);

    const found = await repo.getPostWithTargets('u1', 'P1');
    expect(found?.post).toEqual(postOf('u1', 'P1'));
    expect(found?.targets.map((t) => t.connectionId).sort()).toEqual(['c1', 'c2']);
    expect(found?.targets[0]).not.toHaveProperty('dueMinute');
    expect(await repo.getPostWithTargets('u2', 'P1')).toBeUndefined();
    expect(await repo.getTarget({ userId: 'u2', postId: 'P1', connectionId: 'c1' })).toBeUndefined();
  });

  it('writes posts and targets only over the version it read', async () => {
    await repo.createPost(postOf('uv', 'P1'));
    await repo.updatePost(postOf('uv', 'P1', { status: 'publishing', version: 2 }));
    await expect(repo.updatePost(postOf('uv', 'P1', { status: 'cancelled', version: 2 }))).rejects.toBeInstanceOf(StaleWriteError);
    await repo.createTarget(targetOf('uv', 'P1', 'c1'));
    await repo.updateTarget(targetOf('uv', 'P1', 'c1', { state: 'claimed', version: 2 }));
    await expect(repo.updateTarget(targetOf('uv', 'P1', 'c1', { state: 'cancelled', version: 2 }))).rejects.toBeInstanceOf(StaleWriteError);
    await expect(repo.updateTarget(targetOf('uv', 'P1', 'nope', { version: 2 }))).rejects.toBeInstanceOf(StaleWriteError);
    expect((await repo.getTarget({ userId: 'uv', postId: 'P1', connectionId: 'c1' }))?.state).toBe('claimed');
  });

  it('keeps the due index sparse: a target is there while it waits, under its analytics hour once published', async () => {
    await repo.createTarget(targetOf('ud', 'P1', 'c1', { wakeAt: '2026-11-23T12:31:15.000Z' }));
    await repo.createTarget(targetOf('ud', 'P2', 'c1', { wakeAt: '2026-11-23T12:32:00.000Z' }));
    expect((await repo.dueForPublish('2026-11-23T12:31')).map((t) => t.postId)).toEqual(['P1']);

    const t = (await repo.getTarget({ userId: 'ud', postId: 'P1', connectionId: 'c1' }))!;
    const { wakeAt: _w, ...rest } = t;
    await repo.updateTarget({ ...rest, state: 'published', platformPostId: 'x1', publishedAt: '2026-11-23T12:31:16.000Z', analyticsDueAt: '2026-11-23T13:31:16.000Z', version: 2 });
    expect(await repo.dueForPublish('2026-11-23T12:31')).toEqual([]);
    expect((await repo.dueForAnalytics('2026-11-23T13')).map((x) => x.platformPostId)).toEqual(['x1']);
    const raw = await db.send(new GetCommand({ TableName: table, Key: { userId: 'ud', sk: 'post#P1#target#c1' } }));
    expect(raw.Item?.['dueMinute']).toBe('analytics#2026-11-23T13');
    expect(raw.Item).not.toHaveProperty('wakeAt');
  });

  it('saves a checkpoint only for the attempt that is still publishing', async () => {
    await repo.createTarget(targetOf('uc', 'P1', 'c1', { state: 'publishing', attempts: 2, version: 3 }));
    const r = { userId: 'uc', postId: 'P1', connectionId: 'c1' };
    expect(await repo.saveCheckpoint(r, 2, { containerId: 'k1' }, now.toISOString())).toBe(true);
    expect(await repo.saveCheckpoint(r, 1, { containerId: 'old' }, now.toISOString())).toBe(false);
    const t = (await repo.getTarget(r))!;
    expect(t).toMatchObject({ checkpoint: { containerId: 'k1' }, version: 3 });
    await repo.updateTarget({ ...t, state: 'processing', version: 4 });
    expect(await repo.saveCheckpoint(r, 2, { containerId: 'late' }, now.toISOString())).toBe(false);
    expect(await repo.saveCheckpoint({ ...r, connectionId: 'none' }, 1, {}, now.toISOString())).toBe(false);
  });

  it('holds an idempotency key until it expires', async () => {
    const record = { userId: 'ui', key: 'k', requestHash: 'h1', resource: 'post' as const, resourceId: 'P1', createdAt: now.toISOString() };
    expect(await repo.putIdempotency(record, new Date(now.getTime() + 3600_000))).toBe(true);
    expect(await repo.putIdempotency({ ...record, requestHash: 'h2' }, new Date(now.getTime() + 3600_000))).toBe(false);
    expect(await repo.getIdempotency('ui', 'k')).toEqual(record);
    expect(await repo.getIdempotency('other', 'k')).toBeUndefined();
    now = new Date(now.getTime() + 2 * 3600_000);
    try {
      expect(await repo.getIdempotency('ui', 'k')).toBeUndefined();
      expect(await repo.putIdempotency({ ...record, requestHash: 'h3' }, new Date(now.getTime() + 3600_000))).toBe(true);
      expect((await repo.getIdempotency('ui', 'k'))?.requestHash).toBe('h3');
    } finally {
      now = new Date('2026-11-23T12:00:00Z');
    }
  });

  it('lists posts newest first, of every status or one, page by page', async () => {
    const ids = ['01A', '01B', '01C', '01D', '01E'];
    for (const [i, id] of ids.entries()) {
      await repo.createPost(postOf('ul', id, { status: i % 2 === 0 ? 'scheduled' : 'published', createdAt: `2026-11-23T12:0${i}:00.000Z` }));
      await repo.createTarget(targetOf('ul', id, 'c1'));
    }
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.listPosts('ul', { limit: 2, ...(cursor !== undefined && { cursor }) });
      all.push(...page.posts.map((p) => p.postId));
      expect(page.posts.every((p) => !('userStatus' in p))).toBe(true);
      cursor = page.cursor;
    } while (cursor);
    expect(all).toEqual(['01E', '01D', '01C', '01B', '01A']);

    const first = await repo.listPosts('ul', { status: 'scheduled', limit: 2 });
    expect(first.posts.map((p) => p.postId)).toEqual(['01E', '01C']);
    const second = await repo.listPosts('ul', { status: 'scheduled', limit: 2, cursor: first.cursor! });
    expect(second.posts.map((p) => p.postId)).toEqual(['01A']);
    await expect(repo.listPosts('ul', { status: 'published', limit: 2, cursor: first.cursor! })).rejects.toBeInstanceOf(ValidationError);
    await expect(repo.listPosts('ul', { limit: 2, cursor: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('keeps media records per user', async () => {
    const record = { userId: 'um', mediaId: 'M1', contentType: 'image/png', size: 10, fileName: 'a.png', createdAt: now.toISOString() };
    await repo.createMedia(record);
    await expect(repo.createMedia(record)).rejects.toBeInstanceOf(StaleWriteError);
    expect(await repo.getMedia('um', 'M1')).toEqual(record);
    expect(await repo.getMedia('other', 'M1')).toBeUndefined();
  });
});

describe('the publishing engine on DynamoDB', () => {
  // Each world has its own user: the in-memory id generator restarts, the table does not.
  const world = async (userId: string) => {
    const acme = createTestProvider();
    const base = memoryDeps(directoryOf(acme.provider));
    const deps: UseCaseDeps = { ...base, posts: new DynamoPostRepository(db, table, () => base.now()) };
    await seedConnection(deps, { userId, connectionId: 'c1' });
    await seedConnection(deps, { userId, connectionId: 'c2' });
    return { deps, base, pub: acme.publishing };
  };

  it('publishes each target once under concurrent deliveries, and rolls the post up', async () => {
    const { deps, base, pub } = await world('engine');
    const { post } = await createPost(deps, 'engine', { text: 'On dynamo', targets: [{ connectionId: 'c1' }, { connectionId: 'c2' }] }, 'dyn-key');
    const refs = ['c1', 'c2'].map((connectionId) => ({ userId: 'engine', postId: post.id, connectionId }));
    const outcomes = await Promise.all([...refs, ...refs, ...refs].map((r) => publishTarget(deps, r)));
    expect(outcomes.filter((o) => o.outcome === 'published')).toHaveLength(2);
    expect(pub.accepted).toHaveLength(2);
    expect((await getPost(deps, 'engine', post.id)).status).toBe('published');
    expect(base.events.published.filter((e) => e.type === 'post.published')).toHaveLength(1);
    expect((await createPost(deps, 'engine', { text: 'On dynamo', targets: [{ connectionId: 'c1' }, { connectionId: 'c2' }] }, 'dyn-key')).created).toBe(false);
  });

  it('plans from the due index and lets a cancel stop what has not gone out', async () => {
    const { deps, base, pub } = await world('planner');
    const due = new Date(base.now().getTime() + 150_000).toISOString();
    const { post } = await createPost(deps, 'planner', { text: 'Later', targets: [{ connectionId: 'c1' }, { connectionId: 'c2' }], scheduledAt: due });
    expect(base.queue.sent).toHaveLength(2);
    base.queue.sent.length = 0;
    base.advance(60_000);
    expect(await planPublish(deps, { lookbackMinutes: 5 })).toMatchObject({ queued: 2 });
    expect(base.queue.sent.map((m) => m.delaySeconds)).toEqual([90, 90]);

    base.advance(90_000);
    expect(await publishTarget(deps, { userId: 'planner', postId: post.id, connectionId: 'c1' })).toMatchObject({ outcome: 'published' });
    const cancel = await cancelPost(deps, 'planner', post.id);
    expect(cancel).toMatchObject({ cancelled: ['c2'], notCancelled: [{ connectionId: 'c1', state: 'published' }], status: 'published' });
    expect(await publishTarget(deps, { userId: 'planner', postId: post.id, connectionId: 'c2' })).toEqual({ outcome: 'skipped', reason: 'settled' });
    expect(pub.accepted).toHaveLength(1);
  });
});

describe('DynamoPostRepository.eraseUser', () => {
  it('deletes every item of one user (posts, targets, keys, media) and returns the targets; others stay', async () => {
    await repo.createPost(postOf('erase-me', 'p1'));
    await repo.createTarget(targetOf('erase-me', 'p1', 'c1'));
    await repo.createTarget(targetOf('erase-me', 'p1', 'c2'));
    await repo.createMedia({ userId: 'erase-me', mediaId: 'm1', contentType: 'image/jpeg', size: 10, createdAt: now.toISOString() });
    await repo.createPost(postOf('keep-me', 'p1'));
    const refs = await repo.eraseUser('erase-me');
    expect(refs.map((r) => r.connectionId).sort()).toEqual(['c1', 'c2']);
    expect(await repo.getPost('erase-me', 'p1')).toBeUndefined();
    expect(await repo.getMedia('erase-me', 'm1')).toBeUndefined();
    expect(await repo.getPost('keep-me', 'p1')).toBeDefined();
  });
});
