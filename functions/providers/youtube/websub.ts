/**
 * YouTube push notifications over WebSub (https://developers.google.com/youtube/v3/guides/push_notifications,
 * https://www.w3.org/TR/websub/):
 *
 * - the hub checks a subscription with `GET ?hub.mode=subscribe|unsubscribe&hub.topic=…&hub.challenge=…`,
 *   answered `200 text/plain` with the challenge verbatim;
 * - a delivery is an Atom feed signed `X-Hub-Signature: sha1=<hex HMAC-SHA1(hub secret, raw body)>`,
 *   the hub secret being the one Reach gave when subscribing (`webhookSecret`, else the client secret);
 * - a new or changed video is an `<entry>`; a deleted one an `<at:deleted-entry ref="yt:video:ID">`.
 *
 * The feed is read with small, anchored patterns rather than an XML library: YouTube's feed is
 * flat and fixed, and anything that does not match them is dropped, never guessed at.
 * WebSub signs no timestamp: replays are caught by the event ids (video id + its `updated` time).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AppCredentials } from '../../core/model/tokens';
import type { WebhookAdapter, WebhookEvent, WebhookRequest, WebhookResponse, WebhookVerification } from '../types';

export const WEBSUB_SIGNATURE_HEADER = 'x-hub-signature';
/** Deliveries bigger than this are not YouTube's (a feed carries one or a few entries). */
const MAX_BODY_BYTES = 1024 * 1024;
const TOPIC = /^https:\/\/www\.youtube\.com\/(?:xml\/)?feeds\/videos\.xml\?channel_id=([A-Za-z0-9_-]{1,64})$/;
const CHALLENGE = /^[\x21-\x7e]{1,512}$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** WebSub's signature methods and their digest sizes in bytes. */
const METHODS: Readonly<Record<string, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** The key a hub signs with: the `hub.secret` Reach subscribed with. */
export const hubSecretOf = (credentials: AppCredentials): string => credentials.webhookSecret ?? credentials.clientSecret;

/** `sha1=` + hex(HMAC-SHA1(secret, body)): what YouTube's hub sends in `X-Hub-Signature`. */
export const websubSignature = (secret: string, body: string | Buffer): string => `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;

/** The channel a topic URL names, when it is a YouTube channel feed. */
export const channelOfTopic = (topic: string): string | undefined => TOPIC.exec(topic)?.[1];

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const decode = (text: string): string =>
  text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-z]+);/g, (whole, name: string) => {
    if (!name.startsWith('#')) return ENTITIES[name] ?? whole;
    const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    // A reference outside Unicode stays as written rather than throwing.
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });

const escapeTag = (tag: string) => tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text of the first `<tag>…</tag>` in a block (no nested markup), decoded. */
const textOf = (block: string, tag: string): string | undefined => {
  const inner = blocksOf(block, tag, 1)[0]?.inner;
  return inner === undefined || inner.includes('<') ? undefined : decode(inner.trim());
};

const attrOf = (attrs: string, name: string): string | undefined => {
  const m = new RegExp(`(?:^|\\s)${escapeTag(name)}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  const raw = m?.[1] ?? m?.[2];
  return raw === undefined ? undefined : decode(raw);
};

const isoOf = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
};

const FEED = /^\s*(?:<\?xml[^>]*\?>\s*)?<feed\b[^>]*>([\s\S]*)<\/feed>\s*$/;

interface Block {
  /** The attributes of the opening tag. */
  readonly attrs: string;
  /** What lies between the tags (empty for a self-closed one). */
  readonly inner: string;
}

/**
 * The `<tag …>…</tag>` blocks of a text, in order, found with `indexOf` so that a hostile body
 * (thousands of unclosed tags) costs linear time; an unclosed block ends the scan.
 */
const blocksOf = (text: string, tag: string, limit = Number.POSITIVE_INFINITY): Block[] => {
  const out: Block[] = [];
  const open = `<${tag}`;
  const close = `</${tag}>`;
  let from = 0;
  for (;;) {
    if (out.length >= limit) return out;
    const start = text.indexOf(open, from);
    if (start < 0) return out;
    const next = text[start + open.length];
    if (next !== '>' && next !== ' ' && next !== '/' && next !== '\n' && next !== '\t' && next !== '\r') {
      from = start + open.length;
      continue;
    }
    const headEnd = text.indexOf('>', start);
    if (headEnd < 0) return out;
    const head = text.slice(start + open.length, headEnd);
    if (head.endsWith('/')) {
      out.push({ attrs: head.slice(0, -1), inner: '' });
      from = headEnd + 1;
      continue;
    }
    const end = text.indexOf(close, headEnd + 1);
    if (end < 0) return out;
    out.push({ attrs: head, inner: text.slice(headEnd + 1, end) });
    from = end + close.length;
  }
};

/** The text with every `<tag>…</tag>` block cut out. */
const withoutBlocks = (text: string, tag: string): string => {
  const close = `</${tag}>`;
  let out = '';
  let from = 0;
  for (;;) {
    const start = text.indexOf(`<${tag}`, from);
    const end = start < 0 ? -1 : text.indexOf(close, start);
    if (end < 0) return out + text.slice(from);
    out += text.slice(from, start);
    from = end + close.length;
  }
};

/** The events of one Atom delivery; a body that is not a YouTube feed gives none. */
export const parseFeed = (raw: Buffer, receivedAt: string): WebhookEvent[] => {
  if (raw.length === 0 || raw.length > MAX_BODY_BYTES) return [];
  const feed = FEED.exec(raw.toString('utf8').replace(/<!--[\s\S]*?-->/g, ''));
  if (!feed) return [];
  const body = feed[1]!;
  const feedUpdated = isoOf(textOf(withoutBlocks(body, 'entry'), 'updated'));
  const hash = createHash('sha256').update(raw).digest('hex');
  const events: WebhookEvent[] = [];

  let index = 0;
  for (const { inner: entry } of blocksOf(body, 'entry')) {
    const videoId = textOf(entry, 'yt:videoId');
    const channelId = textOf(entry, 'yt:channelId');
    const published = isoOf(textOf(entry, 'published'));
    const updated = isoOf(textOf(entry, 'updated'));
    const occurredAt = updated ?? published ?? feedUpdated ?? receivedAt;
    if (!videoId || !ID.test(videoId) || (channelId !== undefined && !ID.test(channelId))) {
      events.push({ eventId: `websub:${hash}:${index++}`, kind: 'ignored', occurredAt, data: { type: 'entry_without_video' } });
      continue;
    }
    const title = textOf(entry, 'title');
    events.push({
      eventId: `video:${videoId}:${updated ?? published ?? hash}`,
      kind: 'post_status',
      ...(channelId !== undefined && { platformAccountId: channelId }),
      occurredAt,
      data: {
        platformPostId: videoId,
        status: 'published',
        ...(title !== undefined && { title }),
        ...(published !== undefined && { publishedAt: published }),
        ...(updated !== undefined && { updatedAt: updated }),
      },
    });
    index++;
  }

  for (const { attrs, inner } of blocksOf(body, 'at:deleted-entry')) {
    const ref = attrOf(attrs, 'ref');
    const when = isoOf(attrOf(attrs, 'when'));
    const videoId = ref?.startsWith('yt:video:') ? ref.slice('yt:video:'.length) : undefined;
    const channelId = /\/channel\/([A-Za-z0-9_-]{1,64})/.exec(textOf(inner, 'uri') ?? '')?.[1];
    const occurredAt = when ?? feedUpdated ?? receivedAt;
    if (!videoId || !ID.test(videoId)) {
      events.push({ eventId: `websub:${hash}:${index++}`, kind: 'ignored', occurredAt, data: { type: 'deleted_entry_without_video' } });
      continue;
    }
    events.push({
      eventId: `deleted:${videoId}:${when ?? hash}`,
      kind: 'post_status',
      ...(channelId !== undefined && { platformAccountId: channelId }),
      occurredAt,
      data: { platformPostId: videoId, status: 'deleted' },
    });
    index++;
  }
  return events;
};

const plain = (status: number, body: string): WebhookResponse => ({ status, contentType: 'text/plain; charset=utf-8', body });

/** Checks `X-Hub-Signature` over the raw body, in constant time; never throws. */
export const verifyWebsubSignature = (req: WebhookRequest, secret: string): WebhookVerification => {
  const header = req.headers[WEBSUB_SIGNATURE_HEADER];
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const m = /^(sha1|sha256|sha384|sha512)=([0-9a-fA-F]+)$/.exec(header.trim());
  if (!m) return { ok: false, reason: 'malformed' };
  const method = m[1]!;
  const hex = m[2]!;
  if (hex.length !== METHODS[method]! * 2) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(hex, 'hex');
  const expected = createHmac(method, secret).update(req.rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'bad_signature' };
};

/** YouTube's WebSub adapter. */
export const youtubeWebhooks: WebhookAdapter = {
  /**
   * The hub's subscription check: a (un)subscribe for a YouTube channel feed answers the
   * challenge verbatim. A `hub.verify_token` (WebSub 0.3 hubs echo it) must be Reach's.
   */
  challenge(req, credentials) {
    const q = req.query;
    const mode = q['hub.mode'];
    const challenge = q['hub.challenge'];
    const topic = q['hub.topic'];
    if (req.method !== 'GET' || (mode !== 'subscribe' && mode !== 'unsubscribe')) return plain(403, 'not a subscription check');
    if (topic === undefined || channelOfTopic(topic) === undefined) return plain(403, 'not a YouTube channel feed');
    if (challenge === undefined || !CHALLENGE.test(challenge)) return plain(403, 'no usable hub.challenge');
    if (mode === 'subscribe' && q['hub.lease_seconds'] !== undefined && !/^\d{1,9}$/.test(q['hub.lease_seconds'])) return plain(403, 'bad hub.lease_seconds');
    const token = q['hub.verify_token'];
    if (token !== undefined) {
      const expected = Buffer.from(credentials.verifyToken ?? '', 'utf8');
      const given = Buffer.from(token, 'utf8');
      if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) return plain(403, 'wrong hub.verify_token');
    }
    return plain(200, challenge);
  },

  /** `X-Hub-Signature` over the raw body with the hub secret. */
  verify(req, credentials, _now) {
    if (req.method !== 'POST') return { ok: false, reason: 'malformed' };
    return verifyWebsubSignature(req, hubSecretOf(credentials));
  },

  /** One event per entry and per deleted entry of the feed. */
  parse(req) {
    return parseFeed(req.rawBody, new Date().toISOString());
  },
};
