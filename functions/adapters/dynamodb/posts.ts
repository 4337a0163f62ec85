import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { MediaRecord, Post, PostStatus, PostTarget } from '../../core/model/post';
import type { IdempotencyRecord, PostPage, PostRepository, TargetRef } from '../../core/ports/posts';
import { StaleWriteError, ValidationError } from '../../core/errors';
import { epochSeconds, isConditionFailed, isLive, queryAll, writeIf } from './client';
import { deletePartition } from './erase';

type Entity = 'post' | 'target' | 'idem' | 'media';

const postSk = (postId: string) => `post#${postId}`;
const targetSk = (postId: string, connectionId: string) => `post#${postId}#target#${connectionId}`;
const idemSk = (key: string) => `idem#${key}`;
const mediaSk = (mediaId: string) => `media#${mediaId}`;
/** Partition of the due index for analytics refreshes: hours, apart from the publish minutes. */
const analyticsBucket = (hour: string) => `analytics#${hour}`;

/** Attributes only the table needs: stripped on the way out. */
const STORAGE_KEYS = ['sk', 'entity', 'userStatus', 'dueMinute', 'dueKey', 'expiresAt'] as const;

const strip = (item: Record<string, unknown>): Record<string, unknown> => {
  const out = { ...item };
  for (const k of STORAGE_KEYS) delete out[k];
  return out;
};

const cursorSchema = z.object({ s: z.string().nullable(), k: z.string().min(1), c: z.string().optional() });

const encodeCursor = (status: PostStatus | undefined, sk: string, createdAt?: string): string =>
  Buffer.from(JSON.stringify({ s: status ?? null, k: sk, ...(createdAt !== undefined && { c: createdAt }) })).toString('base64url');

const decodeCursor = (cursor: string, status: PostStatus | undefined): z.infer<typeof cursorSchema> => {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success || parsed.data.s !== (status ?? null) || (status !== undefined && parsed.data.c === undefined)) {
    throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor of this listing' }]);
  }
  return parsed.data;
};

/**
 * Posts table. One partition per user: `post#<id>` posts, `post#<id>#target#<connectionId>` their
 * targets, `idem#<key>` idempotency keys (expiring), `media#<id>` media records. Index keys are
 * derived on every write: `userStatus` on posts (byStatus), and on targets `dueMinute`/`dueKey`
 * only while the target waits for a worker (its `wakeAt` minute) or, once published, for its next
 * analytics refresh (`analytics#<hour>`) — so the due index stays sparse.
 */
export class DynamoPostRepository implements PostRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date,
  ) {}

  private postItem(p: Post) {
    return { ...p, sk: postSk(p.postId), entity: 'post' satisfies Entity, userStatus: `${p.userId}#${p.status}` };
  }

  private targetItem(t: PostTarget) {
    const due = t.wakeAt
      ? { dueMinute: t.wakeAt.slice(0, 16), dueKey: `${t.wakeAt}#${t.postId}#${t.connectionId}` }
      : t.analyticsDueAt
        ? { dueMinute: analyticsBucket(t.analyticsDueAt.slice(0, 13)), dueKey: `${t.analyticsDueAt}#${t.postId}#${t.connectionId}` }
        : {};
    return { ...t, sk: targetSk(t.postId, t.connectionId), entity: 'target' satisfies Entity, ...due };
  }

  async eraseUser(userId: string): Promise<TargetRef[]> {
    const sks = await deletePartition(this.db, this.table, { name: 'userId', value: userId }, 'sk');
    const refs: TargetRef[] = [];
    for (const sk of sks) {
      const m = /^post#([^#]+)#target#(.+)$/.exec(sk);
      if (m) refs.push({ userId, postId: m[1]!, connectionId: m[2]! });
    }
    return refs;
  }

  async getIdempotency(userId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { userId, sk: idemSk(key) }, ConsistentRead: true }));
    if (!out.Item || !isLive(out.Item, this.now())) return undefined;
    return strip(out.Item) as unknown as IdempotencyRecord;
  }

  async putIdempotency(record: IdempotencyRecord, expiresAt: Date): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.table,
        Item: { ...record, sk: idemSk(record.key), entity: 'idem' satisfies Entity, expiresAt: epochSeconds(expiresAt) },
        // An expired key that TTL has not removed yet does not block a new use.
        ConditionExpression: 'attribute_not_exists(sk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': epochSeconds(this.now()) },
      }),
    );
  }

  async createPost(post: Post): Promise<void> {
    await this.put(this.postItem(post), 'attribute_not_exists(sk)', {}, `post ${post.postId}`);
  }

  async updatePost(post: Post): Promise<void> {
    await this.put(this.postItem(post), 'version = :expected', { ':expected': post.version - 1 }, `post ${post.postId}`);
  }

  async getPost(userId: string, postId: string): Promise<Post | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { userId, sk: postSk(postId) }, ConsistentRead: true }));
    return out.Item ? (strip(out.Item) as unknown as Post) : undefined;
  }

  async getPostWithTargets(userId: string, postId: string): Promise<{ post: Post; targets: PostTarget[] } | undefined> {
    let post: Post | undefined;
    const targets: PostTarget[] = [];
    const prefix = `${postSk(postId)}#target#`;
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'userId = :u AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':u': userId, ':p': postSk(postId) },
      ConsistentRead: true,
    });
    for (const item of items) {
      const sk = String(item['sk']);
      if (sk === postSk(postId)) post = strip(item) as unknown as Post;
      else if (sk.startsWith(prefix)) targets.push(strip(item) as unknown as PostTarget);
    }
    return post ? { post, targets } : undefined;
  }

  async listPosts(userId: string, query: { readonly status?: PostStatus; readonly cursor?: string; readonly limit: number }): Promise<PostPage> {
    const after = query.cursor !== undefined ? decodeCursor(query.cursor, query.status) : undefined;
    if (query.status !== undefined) {
      const userStatus = `${userId}#${query.status}`;
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byStatus',
          KeyConditionExpression: 'userStatus = :us',
          ExpressionAttributeValues: { ':us': userStatus },
          ScanIndexForward: false,
          Limit: query.limit,
          ...(after && { ExclusiveStartKey: { userId, sk: after.k, userStatus, createdAt: after.c } }),
        }),
      );
      const posts = (page.Items ?? []).map((i) => strip(i) as unknown as Post);
      const last = page.LastEvaluatedKey;
      return { posts, ...(last && { cursor: encodeCursor(query.status, String(last['sk']), String(last['createdAt'])) }) };
    }
    // Every status: the partition's own order (post ids are ULIDs, so newest first), posts only.
    const posts: Post[] = [];
    let startKey: Record<string, unknown> | undefined = after ? { userId, sk: after.k } : undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'userId = :u AND begins_with(sk, :p)',
          FilterExpression: 'entity = :post',
          ExpressionAttributeValues: { ':u': userId, ':p': 'post#', ':post': 'post' },
          ScanIndexForward: false,
          Limit: 100,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = page.Items ?? [];
      for (const [i, item] of items.entries()) {
        posts.push(strip(item) as unknown as Post);
        if (posts.length === query.limit) {
          const more = i < items.length - 1 || page.LastEvaluatedKey !== undefined;
          // Stopping mid-page: the next page starts after the last post returned.
          return { posts, ...(more && { cursor: encodeCursor(undefined, String(item['sk'])) }) };
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { posts };
  }

  async createTarget(target: PostTarget): Promise<boolean> {
    try {
      await this.put(this.targetItem(target), 'attribute_not_exists(sk)', {}, `target ${target.connectionId}`);
      return true;
    } catch (err) {
      if (err instanceof StaleWriteError) return false;
      throw err;
    }
  }

  async getTarget(ref: TargetRef): Promise<PostTarget | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { userId: ref.userId, sk: targetSk(ref.postId, ref.connectionId) }, ConsistentRead: true }),
    );
    return out.Item ? (strip(out.Item) as unknown as PostTarget) : undefined;
  }

  async updateTarget(target: PostTarget): Promise<void> {
    await this.put(this.targetItem(target), 'version = :expected', { ':expected': target.version - 1 }, `target ${target.connectionId}`);
  }

  async saveCheckpoint(ref: TargetRef, attempt: number, checkpoint: Readonly<Record<string, string>>, at: string): Promise<boolean> {
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: { userId: ref.userId, sk: targetSk(ref.postId, ref.connectionId) },
        UpdateExpression: 'SET checkpoint = :c, updatedAt = :at',
        ConditionExpression: '#state = :publishing AND attempts = :a',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':c': checkpoint, ':at': at, ':publishing': 'publishing', ':a': attempt },
      }),
    );
  }

  dueForPublish(minute: string): Promise<PostTarget[]> {
    return this.due(minute);
  }

  dueForAnalytics(hour: string): Promise<PostTarget[]> {
    return this.due(analyticsBucket(hour));
  }

  private async due(bucket: string): Promise<PostTarget[]> {
    const items = await queryAll(this.db, { TableName: this.table, IndexName: 'byDue', KeyConditionExpression: 'dueMinute = :m', ExpressionAttributeValues: { ':m': bucket } });
    return items.map((item) => strip(item) as unknown as PostTarget);
  }

  async createMedia(record: MediaRecord): Promise<void> {
    await this.put({ ...record, sk: mediaSk(record.mediaId), entity: 'media' satisfies Entity }, 'attribute_not_exists(sk)', {}, `media ${record.mediaId}`);
  }

  async getMedia(userId: string, mediaId: string): Promise<MediaRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { userId, sk: mediaSk(mediaId) }, ConsistentRead: true }));
    return out.Item ? (strip(out.Item) as unknown as MediaRecord) : undefined;
  }

  private async put(item: Record<string, unknown>, condition: string, values: Record<string, unknown>, what: string): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: condition,
          ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new StaleWriteError(what, { cause: err });
      throw err;
    }
  }
}
