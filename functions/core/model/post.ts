/**
 * What a user publishes. Content is platform-neutral; each target may override it, and each
 * platform validates it against its own rules before anything is saved.
 */

/** A media file Reach stores and platforms fetch (or receive as an upload). */
export interface MediaItem {
  readonly mediaId: string;
  /** A URL the platform can fetch (presigned or public); for uploads the publisher reads it too. */
  readonly url: string;
  readonly contentType: string;
  readonly size: number;
  readonly width?: number;
  readonly height?: number;
  readonly durationSeconds?: number;
  readonly altText?: string;
}

export interface PostContent {
  readonly text: string;
  readonly media: readonly MediaItem[];
  readonly link?: string;
  /**
   * Platform options, validated by the target's platform (e.g. `privacyLevel`, `title`,
   * `topicType`, `postType`, `thread` parts). Unknown options are refused, not ignored.
   */
  readonly options: Readonly<Record<string, unknown>>;
}

/** State of one target (one post on one connection). */
export type TargetState =
  | 'scheduled'
  | 'claimed'
  | 'publishing'
  | 'processing'
  | 'published'
  | 'failed'
  | 'unconfirmed'
  | 'cancelled'
  | 'missed';

/** Roll-up status of a post over its targets. */
export type PostStatus = 'scheduled' | 'publishing' | 'published' | 'partial' | 'failed' | 'cancelled';

/** Per-target changes to the post's content (a different caption, no video on one platform…). */
export interface TargetOverrides {
  readonly text?: string;
  /** Media ids; an empty list means "no media on this target". */
  readonly media?: readonly string[];
  readonly link?: string;
  /** Platform options (see `ContentRules.options`), checked by the target's publisher. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** A post as stored: platform-neutral content referencing media by id, and its roll-up status. */
export interface Post {
  readonly userId: string;
  readonly postId: string;
  readonly text: string;
  readonly mediaIds: readonly string[];
  readonly link?: string;
  /** The connections the post goes to, in the order the user gave them. */
  readonly targetIds: readonly string[];
  /** The due instant in UTC. */
  readonly scheduledAt: string;
  /** The IANA zone the user scheduled in, and the wall-clock time they chose there. */
  readonly timeZone: string;
  readonly localTime: string;
  readonly status: PostStatus;
  /** The last terminal status announced on the bus (so each transition is announced once). */
  readonly notifiedStatus?: PostStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-locking counter: every write conditions on it and increments it. */
  readonly version: number;
}

/** Why a target failed: the provider's failure kind, its code and a message safe to show. */
export interface TargetError {
  readonly kind: 'auth_expired' | 'rate_limited' | 'invalid_request' | 'transient' | 'permanent';
  readonly code?: string;
  readonly message: string;
}

/** Engagement of one published target, as the platform reports it. */
export interface TargetMetrics {
  readonly likes?: number;
  readonly comments?: number;
  readonly shares?: number;
  readonly views?: number;
  readonly impressions?: number;
  readonly reach?: number;
  readonly saves?: number;
  readonly clicks?: number;
}

/** One post on one connection: its own state machine, attempts, checkpoint and outcome. */
export interface PostTarget {
  readonly userId: string;
  readonly postId: string;
  readonly connectionId: string;
  readonly platform: string;
  readonly overrides?: TargetOverrides;
  readonly state: TargetState;
  /** When the target is meant to go out (the post's instant, or the moment a user retried it). */
  readonly dueAt: string;
  /**
   * When the target next needs a worker: its due instant while scheduled, the end of a retry
   * backoff or of a processing wait, or the end of a worker's lease (a watchdog for crashes).
   * Absent once it settles. Drives the sparse due index the planner reads.
   */
  readonly wakeAt?: string;
  /** Times a worker entered `publishing` (each time is a new attempt number). */
  readonly attempts: number;
  /** Retryable failures since the last success or manual retry (bounded). */
  readonly retries: number;
  /** Until when the worker that claimed the target owns it. */
  readonly leaseUntil?: string;
  readonly attemptStartedAt?: string;
  /** Set while an attempt's outcome is unknown: the platform must be asked before any new attempt. */
  readonly unconfirmedSince?: string;
  /** Progress of a multi-step publish (opaque to the engine, owned by the publisher). */
  readonly checkpoint?: Readonly<Record<string, string>>;
  readonly platformPostId?: string;
  readonly url?: string;
  readonly publishedAt?: string;
  readonly error?: TargetError;
  /** Next analytics refresh (T+1 h, 24 h, 7 d, 30 d after publishing); absent when none is left. */
  readonly analyticsDueAt?: string;
  readonly analyticsAt?: string;
  readonly metrics?: TargetMetrics;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A media file a user declared and (once uploaded) Reach stores. */
export interface MediaRecord {
  readonly userId: string;
  readonly mediaId: string;
  readonly contentType: string;
  /** Declared size in bytes: the upload URL only accepts exactly this many. */
  readonly size: number;
  readonly fileName?: string;
  readonly createdAt: string;
}

/** States a target can still leave on its own; the others are final until a user acts. */
export const ACTIVE_TARGET_STATES: readonly TargetState[] = ['scheduled', 'claimed', 'publishing', 'processing', 'unconfirmed'];

/**
 * The post's status from its targets: `scheduled` until one starts, `publishing` while any is on
 * its way (a target waiting to retry counts), then `published` (every target that was not
 * cancelled went out), `partial`, `failed`, or `cancelled` (every target was cancelled).
 */
export const rollUpStatus = (targets: readonly Pick<PostTarget, 'state' | 'attempts'>[]): PostStatus => {
  if (targets.every((t) => t.state === 'cancelled')) return 'cancelled';
  const active = targets.filter((t) => ACTIVE_TARGET_STATES.includes(t.state));
  const settled = targets.filter((t) => t.state === 'published' || t.state === 'failed' || t.state === 'missed');
  if (active.length > 0) {
    const started = settled.length > 0 || active.some((t) => t.state !== 'scheduled' || t.attempts > 0);
    return started ? 'publishing' : 'scheduled';
  }
  const published = settled.filter((t) => t.state === 'published').length;
  if (published === settled.length) return 'published';
  return published > 0 ? 'partial' : 'failed';
};
