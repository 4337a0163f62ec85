/**
 * LinkedIn webhooks: the endpoint validation challenge, the delivery signature, and organization
 * social action notifications.
 * https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation ·
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications
 *
 * Both use the app's client secret as the HMAC-SHA256 key and lowercase hex digests:
 * - challenge: `GET ?challengeCode=<uuid>` → 200 JSON `{challengeCode, challengeResponse: hex(HMAC(secret, challengeCode))}`;
 * - delivery: `X-LI-Signature: hex(HMAC(secret, "hmacsha256=" + raw body))` (the prefix is hashed,
 *   not sent).
 * LinkedIn signs no timestamp and retries a failed delivery every 5 minutes for 8 hours, so a
 * replay is caught by the notification id, not by the clock.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AppCredentials } from '../../core/model/tokens';
import type { WebhookAdapter, WebhookEvent, WebhookRequest, WebhookResponse, WebhookVerification } from '../types';

export const LINKEDIN_SIGNATURE_HEADER = 'x-li-signature';
export const SOCIAL_ACTION_EVENT = 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS';
/** Challenge codes are type-4 UUIDs; anything far longer is not one. */
const MAX_CHALLENGE_LENGTH = 256;

/** hex(HMAC-SHA256(client secret, challengeCode)): the challenge answer. */
export const challengeResponse = (secret: string, challengeCode: string): string => createHmac('sha256', secret).update(challengeCode, 'utf8').digest('hex');

/** hex(HMAC-SHA256(client secret, "hmacsha256=" + raw body)): the `X-LI-Signature` of a delivery. */
export const deliverySignature = (secret: string, rawBody: Buffer | string): string =>
  createHmac('sha256', secret).update('hmacsha256=', 'utf8').update(rawBody).digest('hex');

const urn = z.string().startsWith('urn:li:');
const decoratedSchema = z
  .object({
    owner: z.string().optional(),
    entity: z.string().optional(),
    text: z.string().optional(),
    // Some deliveries carry the comment text as `message.text`.
    message: z.object({ text: z.string().optional() }).loose().optional(),
    object: z.string().optional(),
  })
  .loose();

const notificationSchema = z
  .object({
    notificationId: z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String),
    organizationalEntity: urn,
    action: z.string(),
    sourcePost: z.string().optional(),
    decoratedSourcePost: decoratedSchema.optional(),
    generatedActivity: z.string().optional(),
    decoratedGeneratedActivity: z.object({ comment: decoratedSchema.optional(), share: decoratedSchema.optional() }).loose().optional(),
    lastModifiedAt: z.number().optional(),
    subscriber: z.string().optional(),
  })
  .loose();
type Notification = z.infer<typeof notificationSchema>;

/** The post a notification is about: the decorated share/ugcPost URN when given, else `sourcePost` (often an activity URN). */
const postOf = (n: Notification): string | undefined => {
  const entity = n.decoratedSourcePost?.entity;
  return entity && /^urn:li:(share|ugcPost):/.test(entity) ? entity : n.sourcePost;
};

const textOf = (d: z.infer<typeof decoratedSchema> | undefined): string | undefined => d?.text ?? d?.message?.text;

/** Epoch milliseconds as ISO, when they name a real instant (Date throws past ±8.64e15 ms). */
const instant = (ms: number | undefined, fallback: string): string =>
  ms !== undefined && Number.isFinite(ms) && ms > 0 && ms <= 8.64e15 ? new Date(ms).toISOString() : fallback;

/** One notification in Reach's terms. */
const fromNotification = (n: Notification, receivedAt: string): WebhookEvent => {
  const base = {
    eventId: n.notificationId,
    platformAccountId: n.organizationalEntity,
    occurredAt: instant(n.lastModifiedAt, receivedAt),
  };
  const platformPostId = postOf(n);
  const post = platformPostId !== undefined ? { platformPostId } : {};
  switch (n.action) {
    case 'LIKE':
      return { ...base, kind: 'metrics_changed', data: { metric: 'likes', action: n.action, ...post } };
    case 'SHARE':
      return { ...base, kind: 'metrics_changed', data: { metric: 'shares', action: n.action, ...post, ...(n.generatedActivity && { shareId: n.generatedActivity }) } };
    case 'COMMENT':
    case 'ADMIN_COMMENT': {
      const comment = n.decoratedGeneratedActivity?.comment;
      const text = textOf(comment);
      return {
        ...base,
        kind: 'comment',
        data: {
          action: n.action,
          ...post,
          ...(n.generatedActivity && { commentId: n.generatedActivity }),
          ...(comment?.owner && { authorUrn: comment.owner }),
          ...(text !== undefined && { text }),
        },
      };
    }
    case 'SHARE_MENTION': {
      const share = n.decoratedGeneratedActivity?.share;
      const text = textOf(share);
      return {
        ...base,
        kind: 'mention',
        data: {
          action: n.action,
          postId: share?.entity ?? n.generatedActivity ?? n.sourcePost,
          ...(share?.owner && { authorUrn: share.owner }),
          ...(text !== undefined && { text }),
        },
      };
    }
    default:
      // COMMENT_EDIT, COMMENT_DELETE and whatever LinkedIn adds later.
      return { ...base, kind: 'ignored', data: { action: n.action, ...post } };
  }
};

const json = (status: number, body: unknown): WebhookResponse => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

/** The events of a delivery body; anything that is not a notification batch gives none. */
export const parseDelivery = (rawBody: Buffer, receivedAt: string): WebhookEvent[] => {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const envelope = body as Record<string, unknown>;
  const list = envelope['notifications'];
  const hash = createHash('sha256').update(rawBody).digest('hex');
  if (envelope['type'] !== SOCIAL_ACTION_EVENT) {
    // Another event family (lead sync, say): recorded once, by the delivery's hash.
    return typeof envelope['type'] === 'string' ? [{ eventId: hash, kind: 'ignored', occurredAt: receivedAt, data: { type: envelope['type'] } }] : [];
  }
  if (!Array.isArray(list)) return [];
  return list.map((entry: unknown, i): WebhookEvent => {
    const n = notificationSchema.safeParse(entry);
    if (n.success) return fromNotification(n.data, receivedAt);
    return { eventId: `${hash}:${i}`, kind: 'ignored', occurredAt: receivedAt, data: { type: SOCIAL_ACTION_EVENT, reason: 'unreadable notification' } };
  });
};

/** Verifies `X-LI-Signature` over the raw bytes in constant time; never throws. */
export const verifyLinkedinSignature = (req: WebhookRequest, secret: string): WebhookVerification => {
  const header = req.headers[LINKEDIN_SIGNATURE_HEADER];
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const value = header.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(value)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(value, 'hex');
  const expected = Buffer.from(deliverySignature(secret, req.rawBody), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'bad_signature' };
};

/** The key LinkedIn signs with: the app's client secret (LinkedIn has no separate webhook secret). */
const keyOf = (credentials: AppCredentials): string => credentials.clientSecret;

export const linkedinWebhooks: WebhookAdapter = {
  /**
   * `GET ?challengeCode=…[&applicationId=…]` → 200 JSON with the HMAC of the code; a request
   * without a usable code is not LinkedIn's check and gets 403.
   */
  challenge(req, credentials) {
    const code = req.query['challengeCode'];
    if (req.method !== 'GET' || code === undefined || code === '' || code.length > MAX_CHALLENGE_LENGTH || !/^[\x21-\x7e]+$/.test(code)) {
      return json(403, { error: 'not a valid LinkedIn challenge' });
    }
    return json(200, { challengeCode: code, challengeResponse: challengeResponse(keyOf(credentials), code) });
  },

  /** `X-LI-Signature` over `"hmacsha256=" + raw body`; LinkedIn signs no time, so `now` plays no part. */
  verify(req, credentials, _now) {
    if (req.method !== 'POST') return { ok: false, reason: 'malformed' };
    return verifyLinkedinSignature(req, keyOf(credentials));
  },

  /** One event per notification, keyed by `notificationId`; a body that is not a batch gives none. */
  parse(req) {
    return parseDelivery(req.rawBody, new Date().toISOString());
  },
};
