/**
 * Business Profile notifications arrive through Cloud Pub/Sub push
 * (https://developers.google.com/my-business/reference/notifications/rest/v1/NotificationSetting,
 * https://cloud.google.com/pubsub/docs/push): a `POST` with
 * `{"message":{"data":"<base64 JSON notification>","messageId","publishTime","attributes"},"subscription"}`
 * and, on an authenticated subscription, `Authorization: Bearer <Google-signed OIDC JWT>`
 * (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions). There is no HMAC and no
 * subscription check (GET).
 *
 * The token's audience is the one set on the push subscription: Reach's `verifyToken` when the
 * operator set one (a value nobody else knows), else the push endpoint's URL, Pub/Sub's default.
 *
 * The notification names its type (`NEW_REVIEW`, `UPDATED_REVIEW`, `GOOGLE_UPDATE`, …), the
 * location and, for reviews, the review (v4 field names `notificationType`, `locationName`,
 * `reviewName`; the snake_case and short spellings some senders use are read too).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { CallContext } from '../http';
import type { AppCredentials } from '../../core/model/tokens';
import type { WebhookAdapter, WebhookEvent, WebhookRequest, WebhookVerification } from '../types';
import { checkGoogleIdToken, GoogleCerts } from '../google/oidc';

/** Google-issued tokens live an hour; this much clock difference is tolerated on `exp`/`iat`. */
export const TOKEN_SKEW_SECONDS = 300;
const MAX_BODY_BYTES = 256 * 1024;

const pushSchema = z.object({
  message: z.object({
    data: z.string().optional(),
    messageId: z.string().optional(),
    message_id: z.string().optional(),
    publishTime: z.string().optional(),
    publish_time: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
  }),
  subscription: z.string().optional(),
});

const notificationSchema = z
  .object({
    notificationType: z.string().optional(),
    notification_type: z.string().optional(),
    type: z.string().optional(),
    locationName: z.string().optional(),
    location_name: z.string().optional(),
    location: z.string().optional(),
    reviewName: z.string().optional(),
    review_name: z.string().optional(),
    review: z.string().optional(),
  })
  .loose();

const LOCATION = /^(accounts\/[^/]+\/locations\/[^/]+)(?:\/|$)/;

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Whether `aud` is the audience Reach's push subscription was set up with. */
const audienceMatcher = (req: WebhookRequest, credentials: AppCredentials) => (aud: string): boolean => {
  if (credentials.verifyToken) return safeEqual(aud, credentials.verifyToken);
  const host = req.headers['x-forwarded-host'] ?? req.headers['host'];
  try {
    const url = new URL(aud);
    return host !== undefined && url.host === host && /\/v1\/webhooks\/google_business\/?$/.test(url.pathname);
  } catch {
    return false;
  }
};

/** The Business Profile webhook adapter; its `verify` reads Google's signing keys when it must. */
export interface BusinessWebhookAdapter extends WebhookAdapter {
  /** Reads Google's signing keys ahead of time (`verify` also does when a key is not cached). */
  loadKeys(): Promise<void>;
}

const bearerOf = (req: WebhookRequest): string | undefined | null => {
  const header = req.headers['authorization'];
  if (header === undefined || header.trim() === '') return undefined;
  return /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1] ?? null;
};

/** Turns one verified push into events; a body that is not a Pub/Sub push gives none. */
export const parsePush = (raw: Buffer, receivedAt: string): WebhookEvent[] => {
  if (raw.length === 0 || raw.length > MAX_BODY_BYTES) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return [];
  }
  const push = pushSchema.safeParse(json);
  if (!push.success || push.data.message.data === undefined) return [];
  const m = push.data.message;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(m.data!, 'base64').toString('utf8'));
  } catch {
    return [];
  }
  const n = notificationSchema.safeParse(decoded);
  if (!n.success) return [];
  const type = n.data.notificationType ?? n.data.notification_type ?? n.data.type ?? 'UNKNOWN';
  const reviewName = n.data.reviewName ?? n.data.review_name ?? n.data.review;
  const locationName = n.data.locationName ?? n.data.location_name ?? n.data.location;
  const account = LOCATION.exec(locationName ?? '')?.[1] ?? LOCATION.exec(reviewName ?? '')?.[1];
  const published = Date.parse(m.publishTime ?? m.publish_time ?? '');
  const eventId = m.messageId ?? m.message_id ?? createHash('sha256').update(raw).digest('hex');
  const base = {
    eventId,
    ...(account !== undefined && { platformAccountId: account }),
    occurredAt: Number.isNaN(published) ? receivedAt : new Date(published).toISOString(),
  };
  if (type === 'NEW_REVIEW' || type === 'UPDATED_REVIEW') {
    return [{ ...base, kind: 'comment', data: { type, ...(reviewName !== undefined && { reviewName }), ...(locationName !== undefined && { locationName }) } }];
  }
  return [{ ...base, kind: 'ignored', data: { type } }];
};

/** Builds the Business Profile webhook adapter; Google's keys are read through `ctx`. */
export const createBusinessWebhooks = (ctx: CallContext, now: () => Date): BusinessWebhookAdapter => {
  const certs = new GoogleCerts(ctx, now);

  const check = (req: WebhookRequest, credentials: AppCredentials, at: Date) => {
    if (req.method !== 'POST') return { ok: false as const, reason: 'malformed' as const };
    const token = bearerOf(req);
    if (token === undefined) return { ok: false as const, reason: 'missing_signature' as const };
    if (token === null) return { ok: false as const, reason: 'malformed' as const };
    return checkGoogleIdToken(token, certs, { audience: audienceMatcher(req, credentials), now: at, skewSeconds: TOKEN_SKEW_SECONDS });
  };

  const toVerification = (result: ReturnType<typeof check>): WebhookVerification => {
    if (result.ok) return { ok: true };
    switch (result.reason) {
      case 'missing_signature':
      case 'malformed':
      case 'stale':
        return { ok: false, reason: result.reason };
      default:
        return { ok: false, reason: 'bad_signature' };
    }
  };

  const verifyWithKeys = async (req: WebhookRequest, credentials: AppCredentials, at: Date): Promise<WebhookVerification> => {
    const load = () => certs.load().then(() => true, () => false);
    const loaded = certs.stale() && (await load());
    let result = check(req, credentials, at);
    if (!result.ok && result.reason === 'unknown_key' && !loaded && (await load())) result = check(req, credentials, at);
    return toVerification(result);
  };

  return {
    loadKeys: () => certs.load(),

    /**
     * Checks the push's OIDC token against Google's keys, reading them first when the token names
     * a key not cached yet (a cold start, a key rotation) or the cache is old.
     */
    verify: (req, credentials, at) => verifyWithKeys(req, credentials, at),

    /** One event per push: reviews are `comment`, anything else `ignored`. */
    parse(req) {
      return parsePush(req.rawBody, new Date().toISOString());
    },
  };
};
