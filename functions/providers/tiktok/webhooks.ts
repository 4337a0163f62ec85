/**
 * TikTok webhooks: the signature and the deliveries. TikTok has no subscription handshake (the
 * callback URL is set in the developer portal), so there is no `challenge`.
 * https://developers.tiktok.com/doc/webhooks-verification · https://developers.tiktok.com/doc/webhooks-events
 * https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status (Content Posting webhooks)
 *
 * `TikTok-Signature: t=<unix seconds>,s=<hex>` with `s = hex HMAC-SHA256(client_secret, t + "." +
 * raw body)`; deliveries older than five minutes are refused. A delivery is
 * `{client_key, event, create_time, user_openid, content}` where `content` is itself JSON encoded as
 * a string. TikTok sends no event id and retries for up to 72 hours, so the event id is a hash of
 * the raw body: a retried delivery carries the same bytes and dedupes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { WebhookAdapter, WebhookEvent, WebhookRequest, WebhookVerification } from '../types';

export const TIKTOK_SIGNATURE_HEADER = 'tiktok-signature';
/** How far a signed timestamp may lie from our clock. */
export const TIKTOK_SIGNATURE_TOLERANCE_SECONDS = 300;
/** A header longer than this is no TikTok signature (and is not worth splitting). */
const MAX_HEADER_LENGTH = 1024;

/** `t=<ts>,s=<hex HMAC-SHA256(secret, ts + "." + body)>`: how TikTok signs a delivery. */
export const tiktokSignature = (secret: string, timestamp: number, rawBody: Buffer): string =>
  `t=${timestamp},s=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;

/** `authorization.removed` reasons. https://developers.tiktok.com/doc/webhooks-events */
export const DEAUTHORIZATION_REASONS: Readonly<Record<number, string>> = {
  0: 'unknown',
  1: 'user_disconnected',
  2: 'account_deleted',
  3: 'age_changed',
  4: 'account_banned',
  5: 'developer_revoked',
};

const deliverySchema = z.object({
  client_key: z.string().optional(),
  event: z.string().min(1),
  create_time: z.number().int().nonnegative(),
  user_openid: z.string().min(1).optional(),
  // Documented as a JSON string; an object is read as well should TikTok ever send one unencoded.
  content: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

const id = z.union([z.string().min(1), z.number().int()]).transform(String);
const postContentSchema = z.object({
  publish_id: id.optional(),
  post_id: id.optional(),
  publish_type: z.string().optional(),
  reason: z.union([z.string(), z.number()]).transform(String).optional(),
});
const shareContentSchema = z.object({ share_id: z.string().min(1) });
const removedContentSchema = z.object({ reason: z.number().int().optional() });

/** The header's value, whatever case the sender gave its name. */
const headerOf = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
};

/** Splits `t=…,s=…` into its timestamp and signatures; undefined when it is not of that form. */
export const parseSignatureHeader = (header: string): { readonly timestamp: number; readonly signatures: readonly Buffer[] } | undefined => {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const element of header.split(',')) {
    const at = element.indexOf('=');
    if (at <= 0) return undefined;
    const prefix = element.slice(0, at).trim();
    const value = element.slice(at + 1).trim();
    if (prefix === 't') {
      if (!/^[0-9]{1,12}$/.test(value) || timestamp !== undefined) return undefined;
      timestamp = Number(value);
    } else if (prefix === 's') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
};

/** Verifies a delivery against the client secret, in constant time, within the tolerance; never throws. */
export const verifyTiktokSignature = (req: WebhookRequest, secret: string, now: Date): WebhookVerification => {
  const header = headerOf(req.headers, TIKTOK_SIGNATURE_HEADER);
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const parsed = parseSignatureHeader(header.trim());
  if (!parsed) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.`).update(req.rawBody).digest();
  // Every candidate is compared, so the time taken does not tell which (if any) matched.
  let matched = false;
  for (const given of parsed.signatures) if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  if (!matched) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(Math.floor(now.getTime() / 1000) - parsed.timestamp) > TIKTOK_SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'stale' };
  return { ok: true };
};

/** The delivery's `content`, decoded from its JSON string; `{}` when it is not an object. */
const contentOf = (content: string | Record<string, unknown> | undefined): Record<string, unknown> => {
  if (content === undefined) return {};
  if (typeof content !== 'string') return content;
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** What one delivery means for Reach. */
const eventOf = (delivery: z.infer<typeof deliverySchema>, eventId: string): WebhookEvent => {
  const content = contentOf(delivery.content);
  const base = {
    eventId,
    occurredAt: new Date(delivery.create_time * 1000).toISOString(),
    ...(delivery.user_openid !== undefined && { platformAccountId: delivery.user_openid }),
  };
  const ignored = (): WebhookEvent => ({ ...base, kind: 'ignored', data: { event: delivery.event } });
  switch (delivery.event) {
    case 'authorization.removed': {
      const code = removedContentSchema.safeParse(content).data?.reason ?? 0;
      return { ...base, kind: 'deauthorized', data: { reason: DEAUTHORIZATION_REASONS[code] ?? 'unknown', reasonCode: code } };
    }
    case 'post.publish.complete':
    case 'post.publish.publicly_available':
    case 'post.publish.failed': {
      const post = postContentSchema.safeParse(content);
      if (!post.success || post.data.publish_id === undefined) return ignored();
      const failed = delivery.event === 'post.publish.failed';
      return {
        ...base,
        kind: 'post_status',
        data: {
          event: delivery.event,
          status: failed ? 'failed' : 'published',
          publishId: post.data.publish_id,
          ...(post.data.post_id !== undefined && { platformPostId: post.data.post_id }),
          ...(post.data.publish_type !== undefined && { publishType: post.data.publish_type }),
          ...(failed && { reason: post.data.reason ?? 'unknown' }),
        },
      };
    }
    // Video Kit's events name the share by `share_id`, its counterpart of a publish id.
    case 'video.publish.completed':
    case 'video.upload.failed': {
      const share = shareContentSchema.safeParse(content);
      if (!share.success) return ignored();
      const failed = delivery.event === 'video.upload.failed';
      return {
        ...base,
        kind: 'post_status',
        data: { event: delivery.event, status: failed ? 'failed' : 'published', publishId: share.data.share_id, shareId: share.data.share_id, ...(failed && { reason: 'upload_failed' }) },
      };
    }
    default:
      return ignored();
  }
};

export const tiktokWebhooks: WebhookAdapter = {
  /** `TikTok-Signature` over the raw body, keyed with the app's client secret. */
  verify(req, credentials, now) {
    if (req.method !== 'POST') return { ok: false, reason: 'malformed' };
    return verifyTiktokSignature(req, credentials.clientSecret, now);
  },

  /** One event per delivery; a body that is not a TikTok delivery gives none. */
  parse(req) {
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return [];
    }
    const delivery = deliverySchema.safeParse(body);
    if (!delivery.success) return [];
    return [eventOf(delivery.data, createHash('sha256').update(req.rawBody).digest('hex'))];
  },
};
