/**
 * Posts as users see them: preview, create (now or at a time in a zone), read, list, cancel and
 * retry; and the media they attach. Every read keys on the caller's user id, so another user's
 * post or media id is simply not found.
 */
import type { MediaRecord, Post, PostStatus, PostTarget } from '../model/post';
import { ConflictError, NotFoundError, StaleWriteError, UnsupportedCapabilityError, ValidationError } from '../errors';
import type { UseCaseDeps } from './context';
import { idempotent } from './idempotency';
import { checkDraft, MEDIA_URL_SECONDS, type PostDraft, type TargetCheck } from './post-content';
import { rollUpPost } from './post-rollup';
import { resolveSchedule } from './post-time';
import { DIRECT_SEND_SECONDS, publishMessage } from './publish';

// ─── views ───────────────────────────────────────────────────────────────────────────────────

export interface TargetView {
  readonly connectionId: string;
  readonly platform: string;
  readonly state: PostTarget['state'];
  readonly attempts: number;
  readonly dueAt: string;
  readonly overrides?: PostTarget['overrides'];
  readonly platformPostId?: string;
  readonly url?: string;
  readonly publishedAt?: string;
  readonly error?: PostTarget['error'];
  /** When the engine next looks at the target (a retry, a processing platform). */
  readonly nextAttemptAt?: string;
}

export interface PostView {
  readonly id: string;
  readonly status: PostStatus;
  readonly text: string;
  readonly media: readonly string[];
  readonly link?: string;
  readonly scheduledAt: string;
  readonly timeZone: string;
  readonly localTime: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly targets: readonly TargetView[];
}

const targetView = (t: PostTarget): TargetView => ({
  connectionId: t.connectionId,
  platform: t.platform,
  state: t.state,
  attempts: t.attempts,
  dueAt: t.dueAt,
  ...(t.overrides !== undefined && { overrides: t.overrides }),
  ...(t.platformPostId !== undefined && { platformPostId: t.platformPostId }),
  ...(t.url !== undefined && { url: t.url }),
  ...(t.publishedAt !== undefined && { publishedAt: t.publishedAt }),
  ...(t.error !== undefined && { error: t.error }),
  ...(t.wakeAt !== undefined && t.state !== 'claimed' && t.state !== 'publishing' && { nextAttemptAt: t.wakeAt }),
});

const postSummary = (p: Post) => ({
  id: p.postId,
  status: p.status,
  text: p.text,
  media: p.mediaIds,
  ...(p.link !== undefined && { link: p.link }),
  scheduledAt: p.scheduledAt,
  timeZone: p.timeZone,
  localTime: p.localTime,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

/** A post with its targets in the order the user gave them. */
export const postView = (post: Post, targets: readonly PostTarget[]): PostView => {
  const byId = new Map(targets.map((t) => [t.connectionId, t]));
  return {
    ...postSummary(post),
    targets: post.targetIds.map((id) => byId.get(id)).filter((t): t is PostTarget => t !== undefined).map(targetView),
  };
};

// ─── preview and create ──────────────────────────────────────────────────────────────────────

export interface PreviewResult {
  readonly valid: boolean;
  readonly targets: readonly TargetCheck[];
}

/** Checks a draft against each target platform's rules; saves nothing, calls no platform. */
export const previewPost = async (deps: UseCaseDeps, userId: string, draft: PostDraft): Promise<PreviewResult> => {
  const check = await checkDraft(deps, userId, draft);
  return { valid: check.valid, targets: check.targets };
};

/** Turns a draft's target verdicts into the refusal of a create: 422 for a platform that cannot publish, else 400. */
const refuse = (targets: readonly TargetCheck[]): never => {
  const unsupported = targets.find((t) => t.violations.some((v) => v.code === 'capability_unsupported'));
  if (unsupported) throw new UnsupportedCapabilityError(unsupported.platform ?? unsupported.connectionId, 'publishing');
  throw new ValidationError(
    targets.flatMap((t, i) => t.violations.map((v) => ({ field: `targets.${i}.${v.field}`, message: `${v.message} (${v.code})` }))),
  );
};

const buildItems = (userId: string, postId: string, draft: PostDraft, schedule: ReturnType<typeof resolveSchedule>, platforms: ReadonlyMap<string, string>, now: Date) => {
  const at = now.toISOString();
  const post: Post = {
    userId,
    postId,
    text: draft.text,
    mediaIds: draft.media ?? [],
    ...(draft.link !== undefined && { link: draft.link }),
    targetIds: draft.targets.map((t) => t.connectionId),
    scheduledAt: schedule.scheduledAt,
    timeZone: schedule.timeZone,
    localTime: schedule.localTime,
    status: 'scheduled',
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const targets = draft.targets.map(
    (t): PostTarget => ({
      userId,
      postId,
      connectionId: t.connectionId,
      platform: platforms.get(t.connectionId) ?? '',
      ...(t.overrides !== undefined && { overrides: t.overrides }),
      state: 'scheduled',
      dueAt: schedule.scheduledAt,
      wakeAt: schedule.scheduledAt,
      attempts: 0,
      retries: 0,
      createdAt: at,
      updatedAt: at,
      version: 1,
    }),
  );
  return { post, targets };
};

/** Sends the targets due before the planner's next look straight to the queue. */
const sendIfDueSoon = async (deps: UseCaseDeps, targets: readonly PostTarget[]): Promise<void> => {
  const now = deps.now();
  const soon = targets.filter((t) => t.state === 'scheduled' && t.wakeAt !== undefined && Date.parse(t.wakeAt) - now.getTime() <= DIRECT_SEND_SECONDS * 1000);
  await deps.queue.send('publish', soon.map((t) => publishMessage(t, now)));
};

export interface CreatePostResult {
  readonly post: PostView;
  /** False when an earlier request with the same Idempotency-Key created it. */
  readonly created: boolean;
}

/**
 * Creates a post with one target per connection, after every target platform accepted its content
 * (nothing is saved otherwise). The post item is written first, then its targets, so a request cut
 * short is finished by its repeat under the same Idempotency-Key. Targets due within the next few
 * minutes (or now) are sent to the publish queue at once; later ones wait for the planner.
 */
export const createPost = async (deps: UseCaseDeps, userId: string, draft: PostDraft, idempotencyKey?: string): Promise<CreatePostResult> => {
  const prepare = async () => {
    const schedule = resolveSchedule(draft, deps.now());
    const check = await checkDraft(deps, userId, draft);
    if (!check.valid) refuse(check.targets);
    return { schedule, platforms: new Map([...check.connections].map(([id, c]) => [id, c.platform])) };
  };
  const write = async (postId: string, prepared: Awaited<ReturnType<typeof prepare>>, resuming: boolean): Promise<PostView> => {
    const { post, targets } = buildItems(userId, postId, draft, prepared.schedule, prepared.platforms, deps.now());
    try {
      await deps.posts.createPost(post);
    } catch (err) {
      // Only a resumed creation may find its own post already there.
      if (!resuming || !(err instanceof StaleWriteError)) throw err;
    }
    for (const t of targets) await deps.posts.createTarget(t);
    const stored = await deps.posts.getPostWithTargets(userId, postId);
    const all = stored?.targets ?? targets;
    await sendIfDueSoon(deps, all);
    return postView(stored?.post ?? post, all);
  };
  const replay = async (postId: string): Promise<PostView> => {
    const stored = await deps.posts.getPostWithTargets(userId, postId);
    if (stored && stored.targets.length >= stored.post.targetIds.length) return postView(stored.post, stored.targets);
    // The first request stopped before all its targets were written: finish it.
    return write(postId, await prepare(), true);
  };
  const create = (postId: string, prepared: Awaited<ReturnType<typeof prepare>>) => write(postId, prepared, false);
  const run = await idempotent(deps, { userId, key: idempotencyKey, route: 'POST /v1/posts', body: draft, resource: 'post' }, { prepare, create, replay });
  return { post: run.value, created: run.created };
};

// ─── read ────────────────────────────────────────────────────────────────────────────────────

const load = async (deps: UseCaseDeps, userId: string, postId: string) => {
  const found = await deps.posts.getPostWithTargets(userId, postId);
  if (!found) throw new NotFoundError(`Post ${postId}`);
  return found;
};

/** One of the caller's posts with each target's state, platform post id, URL, error and attempts. */
export const getPost = async (deps: UseCaseDeps, userId: string, postId: string): Promise<PostView> => {
  const { post, targets } = await load(deps, userId, postId);
  return postView(post, targets);
};

/** The caller's posts, newest first, optionally of one status; `cursor` continues a listing. */
export const listPosts = async (deps: UseCaseDeps, userId: string, query: { readonly status?: PostStatus; readonly cursor?: string; readonly limit: number }) => {
  const page = await deps.posts.listPosts(userId, query);
  return { posts: page.posts.map(postSummary), ...(page.cursor !== undefined && { cursor: page.cursor }) };
};

// ─── cancel and retry ────────────────────────────────────────────────────────────────────────

export interface CancelResult {
  readonly id: string;
  readonly status: PostStatus;
  readonly cancelled: readonly string[];
  /** Targets that had already gone out (or started to), with the state that kept them. */
  readonly notCancelled: readonly { readonly connectionId: string; readonly state: PostTarget['state'] }[];
}

/**
 * Cancels every target that has not started: a conditional write from `scheduled`, so a cancel
 * racing a worker's claim loses or wins as a whole — never both.
 */
export const cancelPost = async (deps: UseCaseDeps, userId: string, postId: string): Promise<CancelResult> => {
  const { targets } = await load(deps, userId, postId);
  const cancelled: string[] = [];
  const notCancelled: Array<{ connectionId: string; state: PostTarget['state'] }> = [];
  for (const first of targets) {
    let t: PostTarget | undefined = first;
    for (;;) {
      if (!t || t.state !== 'scheduled') {
        if (t && t.state === 'cancelled') cancelled.push(t.connectionId);
        else notCancelled.push({ connectionId: first.connectionId, state: t?.state ?? first.state });
        break;
      }
      const { wakeAt: _w, leaseUntil: _l, ...rest } = t;
      try {
        await deps.posts.updateTarget({ ...rest, state: 'cancelled', updatedAt: deps.now().toISOString(), version: t.version + 1 });
        cancelled.push(t.connectionId);
        break;
      } catch (err) {
        if (!(err instanceof StaleWriteError)) throw err;
        t = await deps.posts.getTarget(first);
      }
    }
  }
  const post = await rollUpPost(deps, userId, postId);
  return { id: postId, status: post?.status ?? 'cancelled', cancelled, notCancelled };
};

/**
 * Schedules the failed and missed targets (all, or the ones named) to go out now. A target whose
 * earlier outcome was never confirmed keeps its checkpoint so the platform is asked first.
 */
export const retryPost = async (deps: UseCaseDeps, userId: string, postId: string, connectionIds?: readonly string[]): Promise<PostView> => {
  const { targets } = await load(deps, userId, postId);
  if (connectionIds) {
    const unknown = connectionIds.findIndex((id) => !targets.some((t) => t.connectionId === id));
    if (unknown >= 0) throw new ValidationError([{ field: `connectionIds.${unknown}`, message: 'is not a target of this post' }]);
  }
  const chosen = targets.filter((t) => (t.state === 'failed' || t.state === 'missed') && (!connectionIds || connectionIds.includes(t.connectionId)));
  if (chosen.length === 0) throw new ConflictError('No failed or missed targets to retry');
  const now = deps.now().toISOString();
  const retried: PostTarget[] = [];
  for (const t of chosen) {
    const { error: _e, wakeAt: _w, leaseUntil: _l, checkpoint, ...rest } = t;
    const next: PostTarget = {
      ...rest,
      ...(t.unconfirmedSince !== undefined && checkpoint !== undefined && { checkpoint }),
      state: 'scheduled',
      dueAt: now,
      wakeAt: now,
      retries: 0,
      updatedAt: now,
      version: t.version + 1,
    };
    try {
      await deps.posts.updateTarget(next);
      retried.push(next);
    } catch (err) {
      if (!(err instanceof StaleWriteError)) throw err;
    }
  }
  await sendIfDueSoon(deps, retried);
  await rollUpPost(deps, userId, postId);
  return getPost(deps, userId, postId);
};

// ─── media ───────────────────────────────────────────────────────────────────────────────────

/** Types platforms take, and the largest file Reach accepts. */
export const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4', 'video/quicktime', 'video/webm'] as const;
export const MAX_MEDIA_BYTES = 1024 ** 3;
/** How long an upload URL works. */
export const UPLOAD_URL_SECONDS = 15 * 60;

export interface MediaUploadInput {
  readonly contentType: string;
  readonly size: number;
  readonly fileName?: string;
}

const mediaStore = (deps: UseCaseDeps) => {
  if (!deps.media) throw new UnsupportedCapabilityError('this deployment', 'media uploads (no media bucket is configured)');
  return deps.media;
};

/**
 * Declares a media file and returns a URL to PUT it to: the URL is signed for exactly the declared
 * type and size, so what arrives is what was declared.
 */
export const createMediaUpload = async (deps: UseCaseDeps, userId: string, input: MediaUploadInput, idempotencyKey?: string) => {
  const store = mediaStore(deps);
  const issues = [
    ...((MEDIA_TYPES as readonly string[]).includes(input.contentType) ? [] : [{ field: 'contentType', message: `must be one of ${MEDIA_TYPES.join(', ')}` }]),
    ...(Number.isInteger(input.size) && input.size > 0 && input.size <= MAX_MEDIA_BYTES ? [] : [{ field: 'size', message: `must be a whole number of bytes from 1 to ${MAX_MEDIA_BYTES} (1 GiB)` }]),
  ];
  if (issues.length > 0) throw new ValidationError(issues);
  const upload = async (record: MediaRecord) => {
    const expiresAt = new Date(deps.now().getTime() + UPLOAD_URL_SECONDS * 1000).toISOString();
    const uploadUrl = await store.uploadUrl({ userId, mediaId: record.mediaId }, { contentType: record.contentType, size: record.size }, UPLOAD_URL_SECONDS);
    return {
      mediaId: record.mediaId,
      uploadUrl,
      expiresAt,
      /** The headers the PUT must carry (they are part of the signature). */
      uploadHeaders: { 'content-type': record.contentType, 'content-length': String(record.size) },
    };
  };
  const run = await idempotent(
    deps,
    { userId, key: idempotencyKey, route: 'POST /v1/media', body: input, resource: 'media' },
    {
      prepare: async () => undefined,
      create: async (mediaId) => {
        const record: MediaRecord = {
          userId,
          mediaId,
          contentType: input.contentType,
          size: input.size,
          ...(input.fileName !== undefined && { fileName: input.fileName }),
          createdAt: deps.now().toISOString(),
        };
        await deps.posts.createMedia(record);
        return upload(record);
      },
      replay: async (mediaId) => {
        const record = await deps.posts.getMedia(userId, mediaId);
        if (!record) throw new NotFoundError(`Media ${mediaId}`);
        return upload(record);
      },
    },
  );
  return { ...run.value, created: run.created };
};

/** A media file's metadata and, once it has arrived, a URL to read it. */
export const getMedia = async (deps: UseCaseDeps, userId: string, mediaId: string) => {
  const record = await deps.posts.getMedia(userId, mediaId);
  if (!record) throw new NotFoundError(`Media ${mediaId}`);
  const store = mediaStore(deps);
  const stored = await store.head({ userId, mediaId });
  const base = {
    mediaId,
    contentType: record.contentType,
    size: record.size,
    ...(record.fileName !== undefined && { fileName: record.fileName }),
    createdAt: record.createdAt,
  };
  if (!stored) return { ...base, status: 'pending' as const };
  return {
    ...base,
    contentType: stored.contentType,
    size: stored.size,
    status: 'uploaded' as const,
    url: await store.readUrl({ userId, mediaId }, MEDIA_URL_SECONDS),
    urlExpiresAt: new Date(deps.now().getTime() + MEDIA_URL_SECONDS * 1000).toISOString(),
  };
};
