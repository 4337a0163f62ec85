/**
 * Where posts, their targets, idempotency keys and media records live. Every user-facing read keys
 * on the caller's user id; every state change is a single-item conditional write (no transactions:
 * the local runtime's dynalite has none, and none are needed).
 */
import type { MediaRecord, Post, PostStatus, PostTarget } from '../model/post';

/** What an `Idempotency-Key` was first used for: the request's fingerprint and what it created. */
export interface IdempotencyRecord {
  readonly userId: string;
  readonly key: string;
  /** Hash of the route and the normalized body: the same key with another body is refused. */
  readonly requestHash: string;
  readonly resource: 'post' | 'media';
  readonly resourceId: string;
  readonly createdAt: string;
}

export interface PostPage {
  readonly posts: Post[];
  /** Opaque: pass it back to get the next page; absent on the last page. */
  readonly cursor?: string;
}

/** Addresses one target. */
export interface TargetRef {
  readonly userId: string;
  readonly postId: string;
  readonly connectionId: string;
}

export interface PostRepository {
  /** A live idempotency record (expired ones read as absent). */
  getIdempotency(userId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Stores the record unless a live one holds the key; false when one did. */
  putIdempotency(record: IdempotencyRecord, expiresAt: Date): Promise<boolean>;

  /** Creates a post; `StaleWriteError` when one with the same id exists. */
  createPost(post: Post): Promise<void>;
  /** Replaces a post if its stored version is `post.version - 1`; `StaleWriteError` otherwise. */
  updatePost(post: Post): Promise<void>;
  getPost(userId: string, postId: string): Promise<Post | undefined>;
  /** The post and all its targets in one read. */
  getPostWithTargets(userId: string, postId: string): Promise<{ readonly post: Post; readonly targets: PostTarget[] } | undefined>;
  /**
   * The user's posts, newest first, optionally of one status. A malformed cursor is a
   * `ValidationError` on `query.cursor`.
   */
  listPosts(userId: string, query: { readonly status?: PostStatus; readonly cursor?: string; readonly limit: number }): Promise<PostPage>;

  /** Creates a target unless it exists; false when it did (creation can be resumed). */
  createTarget(target: PostTarget): Promise<boolean>;
  getTarget(ref: TargetRef): Promise<PostTarget | undefined>;
  /** Replaces a target if its stored version is `target.version - 1`; `StaleWriteError` otherwise. */
  updateTarget(target: PostTarget): Promise<void>;
  /**
   * Saves a publisher's checkpoint, only while the target is still `publishing` in attempt
   * `attempt` (a worker that lost its lease cannot overwrite a newer attempt's progress).
   * False when that no longer holds.
   */
  saveCheckpoint(ref: TargetRef, attempt: number, checkpoint: Readonly<Record<string, string>>, at: string): Promise<boolean>;
  /** Targets whose `wakeAt` falls in the given UTC minute (`YYYY-MM-DDTHH:MM`). */
  dueForPublish(minute: string): Promise<PostTarget[]>;
  /** Targets whose `analyticsDueAt` falls in the given UTC hour (`YYYY-MM-DDTHH`). */
  dueForAnalytics(hour: string): Promise<PostTarget[]>;

  /** Deletes every post, target, idempotency key and media record of a user; returns the targets it removed. */
  eraseUser(userId: string): Promise<TargetRef[]>;

  createMedia(record: MediaRecord): Promise<void>;
  getMedia(userId: string, mediaId: string): Promise<MediaRecord | undefined>;
}
