/**
 * In-memory implementations of core's ports, for use-case tests. They keep the same contracts as
 * the DynamoDB/Secrets Manager adapters (conditional writes, single-use take, leases).
 */
import type { Connection } from '../../functions/core/model/connection';
import type { AppCredentials, TokenSet } from '../../functions/core/model/tokens';
import type { ConnectionRepository } from '../../functions/core/ports/connections';
import type { ControlStore } from '../../functions/core/ports/control';
import type { EventPublisher, ReachEvent } from '../../functions/core/ports/events';
import type { HistoryPoint, HistoryRepository } from '../../functions/core/ports/history';
import type { ClaimRecord, JobRepository, SyncJob } from '../../functions/core/ports/jobs';
import type { MediaKey, MediaStore, StoredObject } from '../../functions/core/ports/media';
import type { IdempotencyRecord, PostPage, PostRepository, TargetRef } from '../../functions/core/ports/posts';
import type { MediaRecord, Post, PostStatus, PostTarget } from '../../functions/core/model/post';
import type { PlatformDirectory } from '../../functions/core/ports/platforms';
import type { Provider } from '../../functions/core/ports/provider';
import type { WorkMessage, WorkQueue, WorkQueueName } from '../../functions/core/ports/queue';
import type { AppCredentialsSource, TokenVault } from '../../functions/core/ports/token-vault';
import type { UseCaseDeps, UseCaseSettings } from '../../functions/core/use-cases/context';
import { StaleWriteError, ValidationError } from '../../functions/core/errors';
import { shardOf } from '../../functions/adapters/dynamodb/shard';
import { MemoryGrants, MemoryWebhookEvents } from './memory-webhooks';

export class MemoryConnections implements ConnectionRepository {
  readonly items = new Map<string, Connection>();
  private key = (u: string, c: string) => `${u}/${c}`;
  async get(userId: string, connectionId: string) {
    return this.items.get(this.key(userId, connectionId));
  }
  async listByUser(userId: string) {
    return [...this.items.values()].filter((c) => c.userId === userId);
  }
  async listAll() {
    return [...this.items.values()];
  }
  async findByPlatformAccount(platform: string, id: string) {
    return [...this.items.values()].filter((c) => c.platform === platform && c.platformAccountId === id);
  }
  async create(c: Connection) {
    if (this.items.has(this.key(c.userId, c.connectionId))) throw new StaleWriteError('connection');
    this.items.set(this.key(c.userId, c.connectionId), c);
  }
  async update(c: Connection) {
    const cur = this.items.get(this.key(c.userId, c.connectionId));
    if (!cur || cur.version !== c.version - 1) throw new StaleWriteError('connection');
    this.items.set(this.key(c.userId, c.connectionId), c);
  }
  async delete(userId: string, connectionId: string) {
    this.items.delete(this.key(userId, connectionId));
  }
  async dueForSync(shard: number, dueBy: string, limit: number) {
    return [...this.items.values()]
      .filter((c) => c.status === 'active' && c.nextSyncAt !== undefined && c.nextSyncAt <= dueBy && shardOf(c.connectionId) === shard)
      .slice(0, limit);
  }
  async dueForRefresh(shard: number, dueBy: string, limit: number) {
    return [...this.items.values()]
      .filter((c) => c.status !== 'revoked' && c.refreshAt !== undefined && c.refreshAt <= dueBy && shardOf(c.connectionId) === shard)
      .slice(0, limit);
  }
}

export class MemoryControl implements ControlStore {
  readonly items = new Map<string, { value: Record<string, unknown>; expiresAt: number; owner?: string }>();
  constructor(private readonly now: () => Date) {}
  private live(key: string) {
    const e = this.items.get(key);
    return e && e.expiresAt > this.now().getTime() ? e : undefined;
  }
  async putIfAbsent(key: string, value: Readonly<Record<string, unknown>>, expiresAt: Date) {
    if (this.live(key)) return false;
    this.items.set(key, { value: { ...value }, expiresAt: expiresAt.getTime() });
    return true;
  }
  async get(key: string) {
    return this.live(key)?.value;
  }
  async put(key: string, value: Readonly<Record<string, unknown>>, expiresAt: Date) {
    this.items.set(key, { value: { ...value }, expiresAt: expiresAt.getTime() });
  }
  async take(key: string) {
    const e = this.live(key);
    this.items.delete(key);
    return e?.value;
  }
  async acquireLease(key: string, owner: string, expiresAt: Date) {
    const e = this.live(key);
    if (e && e.owner !== owner) return false;
    this.items.set(key, { value: { owner }, owner, expiresAt: expiresAt.getTime() });
    return true;
  }
  async releaseLease(key: string, owner: string) {
    if (this.items.get(key)?.owner === owner) this.items.delete(key);
  }
}

export class MemoryVault implements TokenVault {
  readonly items = new Map<string, TokenSet>();
  async put(ref: string, tokens: TokenSet) {
    this.items.set(ref, tokens);
  }
  async get(ref: string) {
    return this.items.get(ref);
  }
  async delete(ref: string) {
    this.items.delete(ref);
  }
}

export class MemoryHistory implements HistoryRepository {
  readonly series = new Map<string, Array<HistoryPoint & { daily: boolean }>>();
  async append(seriesId: string, point: HistoryPoint, options: { daily: boolean }) {
    const list = this.series.get(seriesId) ?? [];
    list.push({ ...point, daily: false });
    if (options.daily) list.push({ ...point, daily: true });
    this.series.set(seriesId, list);
  }
  async points(seriesId: string, from: string, to: string) {
    return (this.series.get(seriesId) ?? []).filter((p) => !p.daily && p.at >= from && p.at <= to);
  }
  async daily(seriesId: string, fromDay: string, toDay: string) {
    return (this.series.get(seriesId) ?? []).filter((p) => p.daily && p.at.slice(0, 10) >= fromDay && p.at.slice(0, 10) <= toDay);
  }
  async erase(seriesId: string) {
    this.series.delete(seriesId);
  }
  async deletePointsBefore(seriesId: string, before: string, dryRun: boolean) {
    const list = this.series.get(seriesId) ?? [];
    const old = list.filter((p) => !p.daily && p.at < before);
    if (!dryRun) this.series.set(seriesId, list.filter((p) => p.daily || p.at >= before));
    return old.length;
  }
}

export class MemoryJobs implements JobRepository {
  readonly jobs = new Map<string, SyncJob>();
  readonly claims: ClaimRecord[] = [];
  async createSyncJob(job: SyncJob) {
    this.jobs.set(`${job.userId}/${job.jobId}`, job);
  }
  async getSyncJob(userId: string, jobId: string) {
    return this.jobs.get(`${userId}/${jobId}`);
  }
  async recordOutcomes(userId: string, jobId: string, outcomes: SyncJob['connections']) {
    const job = this.jobs.get(`${userId}/${jobId}`);
    if (job) this.jobs.set(`${userId}/${jobId}`, { ...job, connections: { ...job.connections, ...outcomes } });
  }
  async addClaim(claim: ClaimRecord) {
    this.claims.push(claim);
  }
  async eraseUser(userId: string) {
    for (const k of [...this.jobs.keys()]) if (k.startsWith(`${userId}/`)) this.jobs.delete(k);
    for (let i = this.claims.length - 1; i >= 0; i--) if (this.claims[i]!.userId === userId) this.claims.splice(i, 1);
  }
  async listClaims(userId: string, connectionId: string) {
    return this.claims.filter((c) => c.userId === userId && c.connectionId === connectionId);
  }
}

/**
 * Posts with the DynamoDB adapter's contracts: conditional writes on version, a sparse due index
 * (a target's `wakeAt` minute, or `analytics#<hour>` once published), expiring idempotency keys.
 * `beforeTargetWrite` lets a test hold a write to line up a race.
 */
export class MemoryPosts implements PostRepository {
  readonly posts = new Map<string, Post>();
  readonly targets = new Map<string, PostTarget>();
  readonly idem = new Map<string, { record: IdempotencyRecord; expiresAt: number }>();
  readonly media = new Map<string, MediaRecord>();
  beforeTargetWrite?: (next: PostTarget) => Promise<void>;
  constructor(private readonly now: () => Date) {}
  private pk = (u: string, p: string) => `${u}/${p}`;
  private tk = (r: TargetRef) => `${r.userId}/${r.postId}/${r.connectionId}`;
  private copy = <T>(v: T): T => structuredClone(v);
  async eraseUser(userId: string) {
    const refs: TargetRef[] = [];
    for (const [k, t] of this.targets) if (t.userId === userId) (this.targets.delete(k), refs.push({ userId, postId: t.postId, connectionId: t.connectionId }));
    for (const [k, p] of this.posts) if (p.userId === userId) this.posts.delete(k);
    for (const k of [...this.idem.keys()]) if (k.startsWith(`${userId}/`)) this.idem.delete(k);
    for (const [k, m] of this.media) if (m.userId === userId) this.media.delete(k);
    return refs;
  }
  async getIdempotency(userId: string, key: string) {
    const e = this.idem.get(`${userId}/${key}`);
    return e && e.expiresAt > this.now().getTime() ? this.copy(e.record) : undefined;
  }
  async putIdempotency(record: IdempotencyRecord, expiresAt: Date) {
    if (await this.getIdempotency(record.userId, record.key)) return false;
    this.idem.set(`${record.userId}/${record.key}`, { record: this.copy(record), expiresAt: expiresAt.getTime() });
    return true;
  }
  async createPost(post: Post) {
    if (this.posts.has(this.pk(post.userId, post.postId))) throw new StaleWriteError('post');
    this.posts.set(this.pk(post.userId, post.postId), this.copy(post));
  }
  async updatePost(post: Post) {
    const cur = this.posts.get(this.pk(post.userId, post.postId));
    if (!cur || cur.version !== post.version - 1) throw new StaleWriteError('post');
    this.posts.set(this.pk(post.userId, post.postId), this.copy(post));
  }
  async getPost(userId: string, postId: string) {
    const p = this.posts.get(this.pk(userId, postId));
    return p && this.copy(p);
  }
  async getPostWithTargets(userId: string, postId: string) {
    const post = await this.getPost(userId, postId);
    if (!post) return undefined;
    const targets = [...this.targets.values()].filter((t) => t.userId === userId && t.postId === postId).map(this.copy);
    return { post, targets };
  }
  async listPosts(userId: string, q: { status?: PostStatus; cursor?: string; limit: number }): Promise<PostPage> {
    const all = [...this.posts.values()]
      .filter((p) => p.userId === userId && (q.status === undefined || p.status === q.status))
      .sort((a, b) => (a.postId < b.postId ? 1 : -1));
    let start = 0;
    if (q.cursor !== undefined) {
      const [status, after] = q.cursor.split('|');
      if (status !== (q.status ?? '') || after === undefined) throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor of this listing' }]);
      start = all.findIndex((p) => p.postId < after);
      if (start < 0) start = all.length;
    }
    const posts = all.slice(start, start + q.limit).map(this.copy);
    const more = start + q.limit < all.length;
    return { posts, ...(more && { cursor: `${q.status ?? ''}|${posts[posts.length - 1]!.postId}` }) };
  }
  async createTarget(t: PostTarget) {
    if (this.targets.has(this.tk(t))) return false;
    this.targets.set(this.tk(t), this.copy(t));
    return true;
  }
  async getTarget(ref: TargetRef) {
    const t = this.targets.get(this.tk(ref));
    return t && this.copy(t);
  }
  async updateTarget(t: PostTarget) {
    await this.beforeTargetWrite?.(t);
    const cur = this.targets.get(this.tk(t));
    if (!cur || cur.version !== t.version - 1) throw new StaleWriteError('target');
    this.targets.set(this.tk(t), this.copy(t));
  }
  async saveCheckpoint(ref: TargetRef, attempt: number, checkpoint: Readonly<Record<string, string>>, at: string) {
    const cur = this.targets.get(this.tk(ref));
    if (!cur || cur.state !== 'publishing' || cur.attempts !== attempt) return false;
    this.targets.set(this.tk(ref), { ...cur, checkpoint: this.copy(checkpoint), updatedAt: at });
    return true;
  }
  async dueForPublish(minute: string) {
    return [...this.targets.values()].filter((t) => t.wakeAt !== undefined && t.wakeAt.slice(0, 16) === minute).map(this.copy);
  }
  async dueForAnalytics(hour: string) {
    return [...this.targets.values()].filter((t) => t.wakeAt === undefined && t.analyticsDueAt?.slice(0, 13) === hour).map(this.copy);
  }
  async createMedia(record: MediaRecord) {
    if (this.media.has(`${record.userId}/${record.mediaId}`)) throw new StaleWriteError('media');
    this.media.set(`${record.userId}/${record.mediaId}`, this.copy(record));
  }
  async getMedia(userId: string, mediaId: string) {
    const m = this.media.get(`${userId}/${mediaId}`);
    return m && this.copy(m);
  }
}

/** A media store whose "uploads" tests perform with `upload`. */
export class MemoryMedia implements MediaStore {
  readonly objects = new Map<string, StoredObject>();
  private key = (k: MediaKey) => `${k.userId}/${k.mediaId}`;
  upload(key: MediaKey, object: StoredObject) {
    this.objects.set(this.key(key), object);
  }
  async uploadUrl(key: MediaKey, declared: StoredObject, expiresInSeconds: number) {
    return `https://media.example/${this.key(key)}?put&type=${encodeURIComponent(declared.contentType)}&size=${declared.size}&expires=${expiresInSeconds}`;
  }
  async head(key: MediaKey) {
    return this.objects.get(this.key(key));
  }
  async readUrl(key: MediaKey, expiresInSeconds: number) {
    return `https://media.example/${this.key(key)}?get&expires=${expiresInSeconds}`;
  }
}

export class MemoryQueue implements WorkQueue {
  readonly sent: Array<{ queue: WorkQueueName } & WorkMessage> = [];
  async send(queue: WorkQueueName, messages: readonly WorkMessage[]) {
    for (const m of messages) this.sent.push({ queue, ...m });
  }
}

export class MemoryEvents implements EventPublisher {
  readonly published: ReachEvent[] = [];
  async publish(events: readonly ReachEvent[]) {
    this.published.push(...events);
  }
}

export const staticCredentials = (creds: AppCredentials = { clientId: 'cid', clientSecret: 'csecret' }): AppCredentialsSource => ({
  get: async () => creds,
});

export const directoryOf = (...providers: Provider[]): PlatformDirectory => ({
  get: (id) => providers.find((p) => p.manifest.id === id),
  list: () => providers,
});

export interface MemoryDeps extends UseCaseDeps {
  readonly connections: MemoryConnections;
  readonly control: MemoryControl;
  readonly webhookEvents: MemoryWebhookEvents;
  readonly grants: MemoryGrants;
  readonly vault: MemoryVault;
  readonly history: MemoryHistory;
  readonly jobs: MemoryJobs;
  readonly posts: MemoryPosts;
  readonly media: MemoryMedia;
  readonly queue: MemoryQueue;
  readonly events: MemoryEvents;
  /** Moves the clock used by every port. */
  advance(ms: number): void;
}

export const memoryDeps = (platforms: PlatformDirectory, settings: Partial<UseCaseSettings> = {}, start = new Date('2026-11-23T12:00:00Z')): MemoryDeps => {
  let t = start.getTime();
  const now = () => new Date(t);
  let n = 0;
  return {
    connections: new MemoryConnections(),
    control: new MemoryControl(now),
    webhookEvents: new MemoryWebhookEvents(now),
    grants: new MemoryGrants(),
    vault: new MemoryVault(),
    history: new MemoryHistory(),
    jobs: new MemoryJobs(),
    posts: new MemoryPosts(now),
    media: new MemoryMedia(),
    queue: new MemoryQueue(),
    events: new MemoryEvents(),
    credentials: staticCredentials(),
    platforms,
    now,
    newId: () => `01TEST${String(++n).padStart(20, '0')}`,
    advance: (ms) => (t += ms),
    settings: {
      redirectUri: (p) => `https://api.example.com/v1/oauth/${p}/callback`,
      webhookUrl: (p) => `https://api.example.com/v1/webhooks/${p}`,
      browserUrl: (u) => u,
      returnUrlAllowlist: ['https://app.example.com'],
      defaultReturnUrl: 'https://api.example.com/v1/oauth/result',
      oauthStateTtlSeconds: 600,
      historyRetentionDays: 400,
      snapshotRetentionDays: 1825,
      syncFreshnessMinutes: 10,
      publishMissedAfterMinutes: 60,
      publishLeaseSeconds: 360,
      webhookEventTtlDays: 7,
      dataDeletionStatusUrl: (code) => `https://api.example.com/v1/data-deletion/${code}`,
      ...settings,
    },
  };
};
