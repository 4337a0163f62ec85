/**
 * A post's status follows its targets. Written on the post item (conditional on its version, so
 * two targets settling at once do not lose each other's update), and announced on the bus once
 * the post reaches `published`, `partial` or `failed`.
 */
import { StaleWriteError } from '../errors';
import { rollUpStatus, type Post, type PostStatus, type PostTarget } from '../model/post';
import type { ReachEventType } from '../ports/events';
import type { UseCaseDeps } from './context';

const ANNOUNCED: Partial<Record<PostStatus, ReachEventType>> = {
  published: 'post.published',
  partial: 'post.partial',
  failed: 'post.failed',
};

/** Conditional writes lost in a row before giving up (the queue retries the message). */
const MAX_ROUNDS = 10;

const eventDetail = (post: Post, targets: readonly PostTarget[]) => ({
  postId: post.postId,
  scheduledAt: post.scheduledAt,
  targets: targets.map((t) => ({
    connectionId: t.connectionId,
    platform: t.platform,
    state: t.state,
    ...(t.platformPostId !== undefined && { platformPostId: t.platformPostId }),
    ...(t.url !== undefined && { url: t.url }),
    ...(t.error !== undefined && { error: { kind: t.error.kind, ...(t.error.code !== undefined && { code: t.error.code }) } }),
  })),
});

/**
 * Recomputes a post's status from its targets and stores it when it changed. The event is sent
 * before the post records it as sent: a crash in between repeats the event rather than losing it.
 */
export const rollUpPost = async (deps: UseCaseDeps, userId: string, postId: string): Promise<Post | undefined> => {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found = await deps.posts.getPostWithTargets(userId, postId);
    if (!found) return undefined;
    const { post, targets } = found;
    const status = rollUpStatus(targets);
    const eventType = ANNOUNCED[status];
    const announce = eventType !== undefined && post.notifiedStatus !== status;
    // Leaving a final status (a user retried a target) re-arms the announcement of the next one.
    const rearm = eventType === undefined && post.notifiedStatus !== undefined;
    if (status === post.status && !announce && !rearm) return post;
    if (announce) await deps.events.publish([{ type: eventType, userId, detail: { ...eventDetail(post, targets), status } }]);
    const { notifiedStatus: _n, ...rest } = post;
    const next: Post = {
      ...rest,
      status,
      ...(announce ? { notifiedStatus: status } : !rearm && post.notifiedStatus !== undefined && { notifiedStatus: post.notifiedStatus }),
      updatedAt: deps.now().toISOString(),
      version: post.version + 1,
    };
    try {
      await deps.posts.updatePost(next);
      return next;
    } catch (err) {
      if (!(err instanceof StaleWriteError)) throw err;
    }
  }
  throw new StaleWriteError(`post ${postId}`);
};
