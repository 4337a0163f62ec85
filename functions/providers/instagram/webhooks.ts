/**
 * Instagram webhooks (https://developers.facebook.com/docs/instagram-platform/webhooks): Meta's
 * subscription check and signature (see `meta-graph/webhooks.ts`; Instagram Login apps sign with
 * the Instagram app secret, which is this provider's `clientSecret`), `object: "instagram"`, one
 * entry per professional account (`entry.id` is its id, the connection's `platformAccountId`).
 *
 * - `comments`: `{id, text, from{id, username}, media{id, media_product_type}, parent_id?}` → `comment`;
 * - `mentions`: `{media_id, comment_id?}` (the account was @mentioned in a caption or comment) → `mention`;
 * - anything else (`messages`, `story_insights`, `live_comments`, …) → `ignored`.
 */
import { z } from 'zod';
import type { AppCredentials } from '../../core/model/tokens';
import { metaChallenge, metaWebhookSecret, parseMetaDelivery, verifyMetaSignature, type ChangeMeaning, type MetaChange } from '../meta-graph/webhooks';
import type { WebhookAdapter } from '../types';

const id = z.union([z.string().min(1), z.number()]).transform(String);

const commentSchema = z.object({
  id,
  text: z.string().optional(),
  parent_id: id.optional(),
  from: z.object({ id: id.optional(), username: z.string().optional() }).optional(),
  media: z.object({ id, media_product_type: z.string().optional() }),
});

const mentionSchema = z.object({ media_id: id, comment_id: id.optional() });

/** What one change of an `instagram` delivery means to Reach. */
export const interpretInstagramChange = (change: MetaChange): ChangeMeaning => {
  if (change.field === 'comments') {
    const c = commentSchema.safeParse(change.value);
    if (!c.success) return { kind: 'ignored', data: { field: change.field, reason: 'unexpected_shape' } };
    return {
      kind: 'comment',
      data: {
        platformPostId: c.data.media.id,
        commentId: c.data.id,
        ...(c.data.text !== undefined && { text: c.data.text }),
        ...(c.data.parent_id !== undefined && { parentId: c.data.parent_id }),
        ...(c.data.from?.id !== undefined && { authorId: c.data.from.id }),
        ...(c.data.from?.username !== undefined && { authorUsername: c.data.from.username }),
        ...(c.data.media.media_product_type !== undefined && { mediaProductType: c.data.media.media_product_type }),
      },
    };
  }
  if (change.field === 'mentions') {
    const m = mentionSchema.safeParse(change.value);
    if (!m.success) return { kind: 'ignored', data: { field: change.field, reason: 'unexpected_shape' } };
    return { kind: 'mention', data: { mediaId: m.data.media_id, ...(m.data.comment_id !== undefined && { commentId: m.data.comment_id }) } };
  }
  return { kind: 'ignored', data: { field: change.field } };
};

/** Instagram's webhook adapter. */
export const instagramWebhooks: WebhookAdapter = {
  challenge: (req, credentials: AppCredentials) => metaChallenge(req, credentials),
  verify: (req, credentials, _now) => (req.method !== 'POST' ? { ok: false, reason: 'malformed' } : verifyMetaSignature(req, metaWebhookSecret(credentials))),
  parse: (req) => parseMetaDelivery(req, 'instagram', interpretInstagramChange),
};
