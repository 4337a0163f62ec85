/**
 * Setup shared by the publishing benches and the chaos test: connections on every platform
 * (through the real OAuth flow), media uploaded through the API (declare, presigned PUT), posts
 * created through `POST /v1/posts`, and the few direct DynamoDB touches the harness needs to read
 * targets and to bring their wake-up instants forward.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { LocalRuntime } from '../local/runtime';
import { PROVIDER_IDS, type ProviderId } from '../functions/providers/types';
import { benchUsers, connectAccount, type BenchConnection, type BenchUser } from './accounts';
import { mapLimit } from './table';

/** A connection the publishing harness posts to. */
export interface PublishConnection extends BenchConnection {
  readonly platform: ProviderId;
  readonly user: BenchUser;
}

/**
 * A small baseline JPEG (SOI, JFIF APP0, padding, EOI): platforms' fakes check the type and the
 * bytes' signature, Reach checks the declared size against the upload.
 */
export const smallJpeg = (): Buffer =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    Buffer.alloc(12 * 1024, 0x42),
    Buffer.from([0xff, 0xd9]),
  ]);

/**
 * A small MP4 (an `ftyp` box and an `mdat` carrying `salt`): enough for the fakes' upload flows.
 * Platforms reject a re-upload of the same file as a duplicate, so each post gets its own bytes.
 */
export const smallMp4 = (salt = ''): Buffer => {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2')]);
  const payload = Buffer.concat([Buffer.from(salt, 'utf8'), Buffer.alloc(16 * 1024, 0)]);
  const mdat = Buffer.concat([Buffer.alloc(4), Buffer.from('mdat'), payload]);
  mdat.writeUInt32BE(mdat.length, 0);
  return Buffer.concat([ftyp, mdat]);
};

const apiCall = async (rt: LocalRuntime, user: BenchUser, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(`${rt.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
};

const declaredMedia = z.object({ mediaId: z.string().min(1), uploadUrl: z.string().url() });

/** Declares a media file through `POST /v1/media` and PUTs its bytes to the presigned URL; returns its id. */
export const uploadMedia = async (rt: LocalRuntime, user: BenchUser, contentType: string, bytes: Buffer): Promise<string> => {
  const declared = await apiCall(rt, user, 'POST', '/v1/media', { contentType, size: bytes.length });
  if (declared.status !== 201 && declared.status !== 200) throw new Error(`POST /v1/media answered HTTP ${declared.status}: ${JSON.stringify(declared.json)}`);
  const { mediaId, uploadUrl } = declaredMedia.parse(declared.json);
  const put = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': contentType }, body: new Uint8Array(bytes) });
  await put.arrayBuffer();
  if (!put.ok) throw new Error(`the presigned PUT answered HTTP ${put.status}`);
  return mediaId;
};

/** Media a user's posts reuse: one JPEG and one MP4. */
export interface UserMedia {
  readonly image: string;
  readonly video: string;
}

/** Uploads the JPEG and the MP4 once for a user. */
export const uploadUserMedia = async (rt: LocalRuntime, user: BenchUser): Promise<UserMedia> => ({
  image: await uploadMedia(rt, user, 'image/jpeg', smallJpeg()),
  video: await uploadMedia(rt, user, 'video/mp4', smallMp4()),
});

/** The per-target part of a draft that makes `platform` accept a post: media and options where it needs them. */
export const targetDraft = (platform: ProviderId, media: UserMedia, text: string): { overrides?: Record<string, unknown> } => {
  switch (platform) {
    case 'instagram':
      return { overrides: { media: [media.image] } };
    case 'tiktok':
      return { overrides: { media: [media.image], options: { privacyLevel: 'SELF_ONLY', title: text.slice(0, 80) } } };
    case 'youtube':
      return { overrides: { media: [media.video], options: { title: text.slice(0, 90), privacyStatus: 'private' } } };
    default:
      return {};
  }
};

/**
 * Connects `perPlatform` connections on each platform for `users` users (a consent may bring
 * several connections: Facebook Pages, Business Profile locations; the first ones are kept).
 * Throws when a platform yields none: the harness needs all seven.
 */
export const connectPublishAccounts = async (rt: LocalRuntime, prefix: string, users: number, perPlatform: number, platforms: readonly ProviderId[] = PROVIDER_IDS): Promise<PublishConnection[]> => {
  const people = await benchUsers(rt, prefix, users);
  const jobs = platforms.flatMap((platform) => Array.from({ length: perPlatform }, (_, i) => ({ platform, i, user: people[i % people.length]! })));
  const results = await mapLimit(jobs, 6, async (j) => {
    const r = await connectAccount(rt, j.user, j.platform, `${prefix}-${j.platform.replace(/_/g, '')}-${j.i}`);
    if (r.error || r.connectionIds.length === 0) throw new Error(`connecting ${j.platform} failed: ${r.error ?? 'no connection'}`);
    return { platform: j.platform, userId: j.user.id, connectionId: r.connectionIds[0]!, user: j.user };
  });
  return results;
};

const createdPost = z.object({
  id: z.string().min(1),
  targets: z.array(z.object({ connectionId: z.string(), platform: z.string(), state: z.string() })),
});

/** What the harness created: one post with one target, and the unique text that identifies it at the platform. */
export interface CreatedTarget {
  readonly userId: string;
  readonly postId: string;
  readonly connectionId: string;
  readonly platform: ProviderId;
  readonly text: string;
  readonly dueAt: string;
}

/**
 * Creates one post per item through `POST /v1/posts` (with an Idempotency-Key), due at `dueAt`
 * (omitted: now). Texts must be unique: they are how posts are matched at the platforms.
 */
export const createPosts = async (
  rt: LocalRuntime,
  items: readonly { readonly connection: PublishConnection; readonly text: string; readonly dueAt?: string }[],
  media: ReadonlyMap<string, UserMedia>,
  concurrency = 8,
): Promise<CreatedTarget[]> =>
  mapLimit(items, concurrency, async (item) => {
    const c = item.connection;
    const m = media.get(c.userId);
    if (!m) throw new Error(`no media uploaded for ${c.userId}`);
    // A video of its own per post: YouTube refuses the same file twice.
    const own = c.platform === 'youtube' ? { ...m, video: await uploadMedia(rt, c.user, 'video/mp4', smallMp4(item.text)) } : m;
    const body = {
      text: item.text,
      targets: [{ connectionId: c.connectionId, ...targetDraft(c.platform, own, item.text) }],
      ...(item.dueAt !== undefined && { scheduledAt: item.dueAt }),
    };
    const res = await fetch(`${rt.apiUrl}/v1/posts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.user.token}`, 'content-type': 'application/json', 'idempotency-key': `k-${item.text.replace(/[^\x21-\x7e]/g, '-').slice(0, 200)}` },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 201 && res.status !== 200) throw new Error(`POST /v1/posts for ${c.platform} answered HTTP ${res.status}: ${text.slice(0, 400)}`);
    const post = createdPost.parse(JSON.parse(text));
    return { userId: c.userId, postId: post.id, connectionId: c.connectionId, platform: c.platform, text: item.text, dueAt: item.dueAt ?? new Date().toISOString() };
  });

const storedTarget = z.object({
  userId: z.string(),
  postId: z.string(),
  connectionId: z.string(),
  state: z.string(),
  version: z.number(),
  attempts: z.number(),
  retries: z.number(),
  updatedAt: z.string(),
  wakeAt: z.string().optional(),
  leaseUntil: z.string().optional(),
  unconfirmedSince: z.string().optional(),
  platformPostId: z.string().optional(),
  publishedAt: z.string().optional(),
  error: z.object({ kind: z.string(), code: z.string().optional(), message: z.string() }).optional(),
});

/** A target as stored (the fields the harness reads). */
export type StoredTarget = z.infer<typeof storedTarget>;

const postsTable = (rt: LocalRuntime): string => {
  const name = rt.env['TABLE_POSTS'];
  if (!name) throw new Error('the runtime has no TABLE_POSTS');
  return name;
};

/** Every target of the given users' posts, keyed `postId/connectionId`. */
export const readTargets = async (rt: LocalRuntime, doc: DynamoDBDocumentClient, userIds: readonly string[]): Promise<Map<string, StoredTarget>> => {
  const out = new Map<string, StoredTarget>();
  for (const userId of userIds) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: postsTable(rt),
          KeyConditionExpression: 'userId = :u AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':u': userId, ':p': 'post#' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (!String(item['sk']).includes('#target#')) continue;
        const t = storedTarget.parse(item);
        out.set(`${t.postId}/${t.connectionId}`, t);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return out;
};

/**
 * Harness time travel, not product behaviour: brings a waiting target's wake-up instant (and, for a
 * worker the harness knows is dead, its lease) to `at`, keeping the due index's keys in step, so
 * that the planner's next run sends it instead of the harness sleeping through a backoff. The
 * write is conditional on the version read, so it never overwrites a worker's newer write; it
 * does not bump the version, so a worker holding the old version still wins its own write.
 */
export const wakeNow = async (rt: LocalRuntime, doc: DynamoDBDocumentClient, t: StoredTarget, at: Date, expireLease: boolean): Promise<boolean> => {
  const wake = at.toISOString();
  try {
    await doc.send(
      new UpdateCommand({
        TableName: postsTable(rt),
        Key: { userId: t.userId, sk: `post#${t.postId}#target#${t.connectionId}` },
        UpdateExpression: `SET wakeAt = :w, dueMinute = :m, dueKey = :k${expireLease ? ', leaseUntil = :w' : ''}`,
        ConditionExpression: 'version = :v AND #state = :s',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':w': wake, ':m': wake.slice(0, 16), ':k': `${wake}#${t.postId}#${t.connectionId}`, ':v': t.version, ':s': t.state },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
};
