/**
 * Meta's webhooks, once for Instagram and Facebook Pages (WhatsApp signs the same way, and its real
 * captured deliveries are what the verifier is tested against):
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started
 *
 * - Subscription check: `GET ?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…` is answered
 *   200 with the challenge verbatim when the token is the app's, else 403.
 * - Deliveries: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`. Meta signs
 *   its own serialisation (non-ASCII escaped as `\uXXXX`), so only the bytes as received verify:
 *   the body is never re-serialised before checking.
 * - Body: `{object, entry[{id, time, changes[{field, value}]}]}`, up to 1000 changes per request.
 *   Meta signs no timestamp and retries a failed delivery for up to 36 hours, so there is no
 *   clock check: replays are caught by the event ids.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AppCredentials } from '../../core/model/tokens';
import type { WebhookEvent, WebhookEventKind, WebhookRequest, WebhookResponse, WebhookVerification } from '../types';

export const META_SIGNATURE_HEADER = 'x-hub-signature-256';

/** Meta's challenges are integers; anything far longer is not one. */
const MAX_CHALLENGE_LENGTH = 256;

/** The key Meta signs deliveries with: the app secret, or a webhook secret the operator set instead. */
export const metaWebhookSecret = (credentials: AppCredentials): string => credentials.webhookSecret || credentials.clientSecret;

/** `sha256=` + lowercase hex HMAC-SHA256 of `body` keyed with `secret`: the `X-Hub-Signature-256` value. */
export const metaSignature = (secret: string, body: Buffer | string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Checks `X-Hub-Signature-256` over the raw bytes in constant time; never throws. */
export const verifyMetaSignature = (req: WebhookRequest, secret: string): WebhookVerification => {
  const header = req.headers[META_SIGNATURE_HEADER];
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m || !Buffer.isBuffer(req.rawBody)) return { ok: false, reason: 'malformed' };
  if (secret === '') return { ok: false, reason: 'bad_signature' };
  const given = Buffer.from(m[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(req.rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'bad_signature' };
};

const plain = (status: number, body: string): WebhookResponse => ({ status, contentType: 'text/plain; charset=utf-8', body });

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The subscription check (documented sample: `hub.challenge=1158201444` is answered `1158201444`). */
export const metaChallenge = (req: WebhookRequest, credentials: AppCredentials): WebhookResponse => {
  const mode = req.query['hub.mode'];
  const token = req.query['hub.verify_token'];
  const challenge = req.query['hub.challenge'];
  const expected = credentials.verifyToken;
  if (
    req.method !== 'GET' ||
    mode !== 'subscribe' ||
    challenge === undefined ||
    challenge === '' ||
    challenge.length > MAX_CHALLENGE_LENGTH ||
    token === undefined ||
    expected === undefined ||
    expected === '' ||
    !sameSecret(token, expected)
  ) {
    return plain(403, 'forbidden');
  }
  return plain(200, challenge);
};

// ─── deliveries ──────────────────────────────────────────────────────────────────────────────

const idSchema = z.union([z.string().min(1), z.number()]).transform(String);
const changeSchema = z.object({ field: z.string().min(1), value: z.unknown() });
const entrySchema = z.looseObject({
  id: idSchema,
  // Epoch seconds on Graph deliveries; Messenger-style entries use milliseconds.
  time: z.number().nonnegative().optional(),
  changes: z.array(z.unknown()).optional(),
});
const envelopeSchema = z.object({ object: z.string(), entry: z.array(z.unknown()) });

/** One `changes[]` item of a delivery, with the entry it came in. */
export interface MetaChange {
  readonly object: string;
  /** The entry's id: the Instagram account or Page (or user) the change is about. */
  readonly entryId: string;
  /** The entry's `time` as an ISO instant, when it has one. */
  readonly entryTime?: string;
  readonly field: string;
  readonly value: unknown;
  /** `<entry.id>:<entry.time>:<field>:<hash of value>`: equal for a redelivery of the same change. */
  readonly eventId: string;
}

/** What a provider makes of one change. */
export interface ChangeMeaning {
  readonly kind: WebhookEventKind;
  readonly data: Readonly<Record<string, unknown>>;
  /** When the change says when it happened (e.g. a feed item's `created_time`). */
  readonly occurredAt?: string;
}

const hashOf = (value: unknown): string => createHash('sha256').update(JSON.stringify(value) ?? 'undefined').digest('hex').slice(0, 32);

/** Meta's epoch seconds (or milliseconds) as ISO; undefined when not a usable instant. */
export const metaInstant = (value: unknown): string | undefined => {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
  const ms = n > 1e12 ? n : n * 1000;
  return ms > 8.64e15 ? undefined : new Date(ms).toISOString();
};

/**
 * Every change of a delivery body, or undefined when the body is not Meta's envelope. Entries
 * without `changes` (messaging) become one `messaging` change each, so that they are still seen.
 */
export const metaChanges = (rawBody: Buffer): MetaChange[] | undefined => {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return undefined;
  const out: MetaChange[] = [];
  for (const rawEntry of envelope.data.entry) {
    const entry = entrySchema.safeParse(rawEntry);
    if (!entry.success) continue;
    const { id, time, changes } = entry.data;
    const entryTime = metaInstant(time);
    const base = { object: envelope.data.object, entryId: id, ...(entryTime !== undefined && { entryTime }) };
    const idOf = (field: string, value: unknown) => `${id}:${time ?? '-'}:${field}:${hashOf(value)}`;
    if (changes === undefined) {
      out.push({ ...base, field: 'messaging', value: rawEntry, eventId: idOf('messaging', rawEntry) });
      continue;
    }
    for (const rawChange of changes) {
      const change = changeSchema.safeParse(rawChange);
      if (!change.success) continue;
      out.push({ ...base, field: change.data.field, value: change.data.value, eventId: idOf(change.data.field, change.data.value) });
    }
  }
  return out;
};

/**
 * Turns a verified delivery into events: each change of an entry of `object` is interpreted by
 * `interpret`; changes of another object are `ignored`. A body that is not Meta's envelope gives
 * none; nothing here throws.
 */
export const parseMetaDelivery = (req: WebhookRequest, object: string, interpret: (change: MetaChange) => ChangeMeaning): WebhookEvent[] => {
  const changes = metaChanges(req.rawBody);
  if (!changes) return [];
  const receivedAt = new Date().toISOString();
  return changes.map((change): WebhookEvent => {
    const meaning: ChangeMeaning = change.object === object ? interpret(change) : { kind: 'ignored', data: { object: change.object, field: change.field } };
    return {
      eventId: change.eventId,
      kind: meaning.kind,
      platformAccountId: change.entryId,
      occurredAt: meaning.occurredAt ?? change.entryTime ?? receivedAt,
      data: meaning.data,
    };
  });
};
