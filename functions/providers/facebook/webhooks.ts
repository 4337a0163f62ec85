/**
 * Facebook Page webhooks (https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed):
 * Meta's subscription check and signature (see `meta-graph/webhooks.ts`, keyed with the Facebook
 * app secret), `object: "page"`, one entry per Page (`entry.id` is the Page id, the connection's
 * `platformAccountId`). The `feed` field's value is
 * `{item, verb, post_id, video_id?, comment_id?, parent_id?, from{id, name}, message?, created_time, published?, reaction_type?}`:
 *
 * - the Page's own post (`status`, `post`, `photo`, `video`) added → `post_status` published;
 *   removed → `post_status` deleted;
 * - a `comment` added → `comment`;
 * - a `reaction` (or legacy `like`) added or removed → `metrics_changed` (likes ±1);
 * - anything else (edits, visitor posts, shares, other fields) → `ignored`.
 */
import { z } from 'zod';
import type { AppCredentials } from '../../core/model/tokens';
import { metaChallenge, metaInstant, metaWebhookSecret, parseMetaDelivery, verifyMetaSignature, type ChangeMeaning, type MetaChange } from '../meta-graph/webhooks';
import type { WebhookAdapter } from '../types';

const id = z.union([z.string().min(1), z.number()]).transform(String);

const feedSchema = z.object({
  item: z.string(),
  verb: z.string(),
  post_id: id.optional(),
  // Set on `video` (and `photo`) items: the upload the post carries.
  video_id: id.optional(),
  comment_id: id.optional(),
  parent_id: id.optional(),
  from: z.object({ id: id.optional(), name: z.string().optional() }).optional(),
  message: z.string().optional(),
  created_time: z.union([z.number(), z.string()]).optional(),
  // 0 for a post created unpublished (scheduled or hidden).
  published: z.union([z.number(), z.boolean()]).optional(),
  reaction_type: z.string().optional(),
});

const POST_ITEMS = new Set(['status', 'post', 'photo', 'video']);

/** What one change of a `page` delivery means to Reach. */
export const interpretPageChange = (change: MetaChange): ChangeMeaning => {
  if (change.field !== 'feed') return { kind: 'ignored', data: { field: change.field } };
  const parsed = feedSchema.safeParse(change.value);
  if (!parsed.success) return { kind: 'ignored', data: { field: change.field, reason: 'unexpected_shape' } };
  const v = parsed.data;
  const occurredAt = metaInstant(v.created_time);
  const at = occurredAt !== undefined ? { occurredAt } : {};
  const ignored = (reason: string): ChangeMeaning => ({ kind: 'ignored', data: { field: 'feed', item: v.item, verb: v.verb, reason }, ...at });

  if (POST_ITEMS.has(v.item)) {
    if (v.post_id === undefined) return ignored('no_post_id');
    // Visitors' posts on the Page's feed are not the Page's own posts.
    if (v.from?.id !== undefined && v.from.id !== change.entryId) return ignored('visitor_post');
    if (v.verb === 'add') {
      if (v.published === 0 || v.published === false) return ignored('unpublished');
      // The video id lets a publish still waiting on processing settle at once (its checkpoint holds it).
      return { kind: 'post_status', data: { status: 'published', platformPostId: v.post_id, item: v.item, ...(v.video_id !== undefined && { publishId: v.video_id }) }, ...at };
    }
    if (v.verb === 'remove') return { kind: 'post_status', data: { status: 'deleted', platformPostId: v.post_id, item: v.item }, ...at };
    return ignored(v.verb);
  }
  if (v.item === 'comment') {
    if (v.verb !== 'add' || v.post_id === undefined || v.comment_id === undefined) return ignored(v.verb);
    return {
      kind: 'comment',
      data: {
        platformPostId: v.post_id,
        commentId: v.comment_id,
        ...(v.message !== undefined && { text: v.message }),
        ...(v.from?.id !== undefined && { authorId: v.from.id }),
        ...(v.parent_id !== undefined && v.parent_id !== v.post_id && { parentId: v.parent_id }),
      },
      ...at,
    };
  }
  if (v.item === 'reaction' || v.item === 'like') {
    const target = v.post_id ?? v.parent_id;
    if (target === undefined) return ignored('no_post_id');
    const change = v.verb === 'add' ? 1 : v.verb === 'remove' ? -1 : 0;
    return {
      kind: 'metrics_changed',
      data: { metric: 'likes', platformPostId: target, change, ...(v.reaction_type !== undefined && { reactionType: v.reaction_type }) },
      ...at,
    };
  }
  return ignored(v.verb);
};

/** Facebook's webhook adapter. */
export const facebookWebhooks: WebhookAdapter = {
  challenge: (req, credentials: AppCredentials) => metaChallenge(req, credentials),
  verify: (req, credentials, _now) => (req.method !== 'POST' ? { ok: false, reason: 'malformed' } : verifyMetaSignature(req, metaWebhookSecret(credentials))),
  parse: (req) => parseMetaDelivery(req, 'page', interpretPageChange),
};
