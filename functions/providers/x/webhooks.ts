/**
 * X Account Activity webhooks: the CRC challenge, the delivery signature and the payloads.
 * https://docs.x.com/x-api/webhooks/quickstart · https://docs.x.com/x-api/account-activity/introduction
 *
 * Both the CRC answer and the delivery signature are `sha256=` + base64(HMAC-SHA256) keyed with
 * the app's consumer secret (API key secret). That secret is not the OAuth 2.0 client secret, so
 * it is read from `webhookSecret` when the operator set one, else from `clientSecret`.
 * X signs no timestamp: replays are caught by the event ids, not by the clock.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AppCredentials } from '../../core/model/tokens';
import type { WebhookAdapter, WebhookEvent, WebhookRequest, WebhookResponse, WebhookVerification } from '../types';

export const X_SIGNATURE_HEADER = 'x-twitter-webhooks-signature';
/** CRC tokens X sends are short opaque strings; anything far longer is not a CRC. */
const MAX_CRC_TOKEN_LENGTH = 512;

/** The key X signs with. */
export const consumerSecretOf = (credentials: AppCredentials): string => credentials.webhookSecret ?? credentials.clientSecret;

/** `sha256=` + base64(HMAC-SHA256(secret, message)): X's CRC answer and delivery signature. */
export const xSignature = (secret: string, message: string | Buffer): string => `sha256=${createHmac('sha256', secret).update(message).digest('base64')}`;

// ─── payload shapes (v1.1 objects; unknown members are dropped) ──────────────────────────────

const idStr = z.union([z.string(), z.number()]).transform(String);
const userRef = z.object({ id_str: z.string().optional(), id: idStr.optional(), screen_name: z.string().optional() }).loose();

const tweetSchema = z.object({
  id_str: z.string(),
  created_at: z.string().optional(),
  timestamp_ms: idStr.optional(),
  text: z.string().optional(),
  full_text: z.string().optional(),
  extended_tweet: z.object({ full_text: z.string().optional() }).optional(),
  user: userRef.optional(),
  in_reply_to_status_id_str: z.string().nullish(),
  in_reply_to_user_id_str: z.string().nullish(),
  retweeted_status: z.object({ id_str: z.string(), user: userRef.optional() }).optional(),
  quoted_status: z.object({ id_str: z.string(), user: userRef.optional() }).optional(),
});
type Tweet = z.infer<typeof tweetSchema>;

const deleteSchema = z.object({ status: z.object({ id: idStr, user_id: idStr }), timestamp_ms: idStr.optional() });
const favoriteSchema = z.object({
  id: z.string(),
  created_at: z.string().optional(),
  timestamp_ms: idStr.optional(),
  favorited_status: tweetSchema,
  user: userRef.optional(),
});
const followSchema = z.object({
  type: z.enum(['follow', 'unfollow']),
  created_timestamp: idStr.optional(),
  target: z.object({ id: idStr }).loose(),
  source: z.object({ id: idStr }).loose(),
});
const revokeSchema = z.object({
  revoke: z.object({
    date_time: z.string().optional(),
    target: z.object({ app_id: idStr }).optional(),
    source: z.object({ user_id: idStr }),
  }),
});

/** Members of a delivery that describe it rather than carry events. */
const ENVELOPE_KEYS = new Set(['for_user_id', 'user_has_blocked', 'is_blocked_by', 'users', 'apps']);

// ─── helpers ─────────────────────────────────────────────────────────────────────────────────

/** An ISO instant from X's epoch-ms strings or v1.1 `created_at` ("Mon May 19 14:01:46 +0000 2025"). */
const instant = (ms: string | undefined, text: string | undefined, fallback: string): string => {
  const n = ms === undefined ? NaN : Number(ms);
  if (Number.isFinite(n) && n > 0) return new Date(n).toISOString();
  const t = text === undefined ? NaN : Date.parse(text);
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
};

const userIdOf = (u: z.infer<typeof userRef> | undefined): string | undefined => u?.id_str ?? u?.id;
const fullText = (t: Tweet): string | undefined => t.extended_tweet?.full_text ?? t.full_text ?? t.text;

/** Turns one tweet of `tweet_create_events` into what it means for the subscribed account. */
const fromTweet = (t: Tweet, forUser: string | undefined, fallbackTime: string): WebhookEvent => {
  const author = userIdOf(t.user);
  const occurredAt = instant(t.timestamp_ms, t.created_at, fallbackTime);
  const base = { eventId: `tweet_create:${forUser ?? '-'}:${t.id_str}`, occurredAt, ...(forUser !== undefined && { platformAccountId: forUser }) };
  const text = fullText(t);
  if (forUser !== undefined && author === forUser) {
    if (t.retweeted_status) return { ...base, kind: 'ignored', data: { type: 'retweet_by_user', platformPostId: t.id_str } };
    return {
      ...base,
      kind: 'post_status',
      data: { status: 'published', platformPostId: t.id_str, ...(t.in_reply_to_status_id_str && { inReplyTo: t.in_reply_to_status_id_str }) },
    };
  }
  const shared = t.retweeted_status ?? t.quoted_status;
  if (forUser !== undefined && shared && userIdOf(shared.user) === forUser) {
    return { ...base, kind: 'metrics_changed', data: { metric: 'shares', platformPostId: shared.id_str, byUserId: author } };
  }
  if (forUser !== undefined && t.in_reply_to_user_id_str === forUser && t.in_reply_to_status_id_str) {
    return { ...base, kind: 'comment', data: { platformPostId: t.in_reply_to_status_id_str, commentId: t.id_str, authorId: author, text } };
  }
  return { ...base, kind: 'mention', data: { postId: t.id_str, authorId: author, text } };
};

/** Events of one delivery body (already parsed JSON). */
const eventsOf = (body: Record<string, unknown>, bodyHash: string, receivedAt: string): WebhookEvent[] => {
  const forUser = typeof body['for_user_id'] === 'string' ? body['for_user_id'] : undefined;
  const account = forUser !== undefined ? { platformAccountId: forUser } : {};
  const out: WebhookEvent[] = [];
  const hashed = (key: string, i: number) => `${key}:${bodyHash}:${i}`;
  const ignored = (key: string, i: number): WebhookEvent => ({ eventId: hashed(key, i), kind: 'ignored', ...account, occurredAt: receivedAt, data: { type: key } });

  for (const [key, value] of Object.entries(body)) {
    if (ENVELOPE_KEYS.has(key)) continue;
    const list = Array.isArray(value) ? value : [value];
    list.forEach((entry: unknown, i) => {
      switch (key) {
        case 'tweet_create_events': {
          const t = tweetSchema.safeParse(entry);
          out.push(t.success ? fromTweet(t.data, forUser, receivedAt) : ignored(key, i));
          return;
        }
        case 'tweet_delete_events': {
          const d = deleteSchema.safeParse(entry);
          if (!d.success) return void out.push(ignored(key, i));
          const own = forUser === undefined || d.data.status.user_id === forUser;
          out.push({
            eventId: `tweet_delete:${forUser ?? '-'}:${d.data.status.id}`,
            kind: own ? 'post_status' : 'ignored',
            platformAccountId: forUser ?? d.data.status.user_id,
            occurredAt: instant(d.data.timestamp_ms, undefined, receivedAt),
            data: { status: 'deleted', platformPostId: d.data.status.id },
          });
          return;
        }
        case 'favorite_events': {
          const f = favoriteSchema.safeParse(entry);
          if (!f.success) return void out.push(ignored(key, i));
          const likedOwn = forUser !== undefined && userIdOf(f.data.favorited_status.user) === forUser;
          out.push({
            eventId: `favorite:${forUser ?? '-'}:${f.data.id}`,
            kind: likedOwn ? 'metrics_changed' : 'ignored',
            ...account,
            occurredAt: instant(f.data.timestamp_ms, f.data.created_at, receivedAt),
            data: { metric: 'likes', platformPostId: f.data.favorited_status.id_str, byUserId: userIdOf(f.data.user) },
          });
          return;
        }
        case 'follow_events': {
          const f = followSchema.safeParse(entry);
          if (!f.success) return void out.push(ignored(key, i));
          const change = f.data.type === 'follow' ? 1 : -1;
          const metric = f.data.target.id === forUser ? 'followers' : f.data.source.id === forUser ? 'following' : undefined;
          out.push({
            eventId: hashed(key, i),
            kind: metric ? 'metrics_changed' : 'ignored',
            ...account,
            occurredAt: instant(f.data.created_timestamp, undefined, receivedAt),
            data: { metric: metric ?? 'none', change, type: f.data.type, sourceId: f.data.source.id, targetId: f.data.target.id },
          });
          return;
        }
        case 'user_event': {
          const r = revokeSchema.safeParse(entry);
          if (!r.success) return void out.push(ignored(key, i));
          out.push({
            eventId: hashed(key, i),
            kind: 'deauthorized',
            platformAccountId: r.data.revoke.source.user_id,
            occurredAt: instant(undefined, r.data.revoke.date_time, receivedAt),
            data: { reason: 'user_revoked_app', ...(r.data.revoke.target && { appId: r.data.revoke.target.app_id }) },
          });
          return;
        }
        default:
          out.push(ignored(key, i));
      }
    });
  }
  return out;
};

const plain = (status: number, body: string): WebhookResponse => ({ status, contentType: 'text/plain; charset=utf-8', body });

/** Verifies a delivery's signature over the raw bytes, in constant time; never throws. */
export const verifyXSignature = (req: WebhookRequest, secret: string): WebhookVerification => {
  const header = req.headers[X_SIGNATURE_HEADER];
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const m = /^sha256=([A-Za-z0-9+/]{43}=)$/.exec(header.trim());
  if (!m) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(m[1]!, 'base64');
  if (given.length !== 32 || given.toString('base64') !== m[1]) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', secret).update(req.rawBody).digest();
  return timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'bad_signature' };
};

export const xWebhooks: WebhookAdapter = {
  /**
   * The CRC: `GET ?crc_token=…` → 200 `{"response_token":"sha256=<base64 HMAC>"}`. A request
   * without a usable token is no CRC and gets 403.
   */
  challenge(req, credentials) {
    const token = req.query['crc_token'];
    if (req.method !== 'GET' || token === undefined || token === '' || token.length > MAX_CRC_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
      return plain(403, 'not a valid CRC request');
    }
    return { status: 200, contentType: 'application/json', body: JSON.stringify({ response_token: xSignature(consumerSecretOf(credentials), token) }) };
  },

  /** `x-twitter-webhooks-signature: sha256=<base64>` over the raw body. */
  verify(req, credentials, _now) {
    if (req.method !== 'POST') return { ok: false, reason: 'malformed' };
    return verifyXSignature(req, consumerSecretOf(credentials));
  },

  /** One event per entry of each `*_events` member; a body that is not a JSON object gives none. */
  parse(req) {
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return [];
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
    const bodyHash = createHash('sha256').update(req.rawBody).digest('hex');
    return eventsOf(body as Record<string, unknown>, bodyHash, new Date().toISOString());
  },
};
