/**
 * A deterministic fuzzer for the webhooks function: malformed bodies, headers, signatures and
 * queries for `GET`/`POST /v1/webhooks/{platform}`, the family callbacks and the data-deletion
 * status route. Same seed, same requests: a failure can be replayed by its index.
 */
import type { HttpEvent } from '../../functions/handlers/lib/http';
import { webhookEvent } from './webhook-http';

/** mulberry32: a small, fast, seedable PRNG. */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const SIGNATURE_HEADERS = [
  'x-hub-signature-256',
  'x-hub-signature',
  'x-twitter-webhooks-signature',
  'tiktok-signature',
  'x-li-signature',
  'x-acme-signature',
  'x-goog-signature',
  'authorization',
];
const QUERY_KEYS = ['hub.mode', 'hub.challenge', 'hub.verify_token', 'hub.topic', 'hub.lease_seconds', 'crc_token', 'nonce', 'challengeCode', 'applicationId', 'acme.challenge', 'acme.verify_token'];
const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'application/atom+xml', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', ''];
const WEIRD = ['', ' ', '\u0000', '%00', '../../', '\u202e', '🙂', 'null', 'undefined', '[]', '{}', 'sha256=', 't=,s=', '=', '.', '..', 'a.b.c'];

export interface FuzzOptions {
  readonly seed: number;
  /** Platforms with a webhook adapter; unknown names are added by the fuzzer. */
  readonly platforms: readonly string[];
  /** The callback family routes to hit (`meta`). */
  readonly families: readonly string[];
  /** Known delivery bodies (unsigned) to mutate, so parsers behind the signature check are approached. */
  readonly samples: readonly string[];
}

export interface FuzzCase {
  readonly index: number;
  readonly label: string;
  readonly event: HttpEvent;
}

/** Yields `count` malformed requests. */
export function* fuzzCases(options: FuzzOptions, count: number): Generator<FuzzCase> {
  const r = prng(options.seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  const chance = (p: number) => r() < p;
  const ascii = (n: number) => Array.from(randomBytesFrom(n), (b) => String.fromCharCode(32 + (b % 95))).join('');
  const b64url = (n: number) => randomBytesFrom(n).toString('base64url');
  const hex = (n: number) => randomBytesFrom(n).toString('hex');
  function randomBytesFrom(n: number): Buffer {
    const out = Buffer.alloc(n + 4);
    for (let i = 0; i < n; i += 4) out.writeUInt32LE(Math.floor(r() * 4294967296), i);
    return out.subarray(0, n);
  }
  const text = (): string => {
    switch (int(6)) {
      case 0:
        return pick(WEIRD);
      case 1:
        return ascii(int(64));
      case 2:
        return 'x'.repeat(int(2000));
      case 3:
        return String(int(1e12));
      case 4:
        return randomBytesFrom(int(32)).toString('latin1');
      default:
        return `${pick(['sha256=', 'sha1=', 't=1,s=', 'hmacsha256=', ''])}${pick([hex(32), hex(20), b64url(32), randomBytesFrom(32).toString('base64'), ascii(10)])}`;
    }
  };
  const signatureHeader = (): string => {
    switch (int(7)) {
      case 0:
        return `sha256=${hex(32)}`;
      case 1:
        return `sha256=${randomBytesFrom(32).toString('base64')}`;
      case 2:
        return `t=${Math.floor(Date.now() / 1000) - int(1000)},s=${hex(32)}`;
      case 3:
        return `t=${int(1e10)},v1=${hex(32)}`;
      case 4:
        return `sha1=${hex(20)}`;
      case 5:
        return hex(32);
      default:
        return text();
    }
  };
  const mutate = (sample: string): string => {
    const chars = [...sample];
    const edits = 1 + int(8);
    for (let i = 0; i < edits && chars.length > 0; i++) {
      const at = int(chars.length);
      switch (int(3)) {
        case 0:
          chars[at] = String.fromCharCode(int(128));
          break;
        case 1:
          chars.splice(at, 1);
          break;
        default:
          chars.splice(at, 0, pick(['{', '}', '"', '\\', ',', '[', ']', '\u0000', 'é']));
      }
    }
    return chars.join('');
  };
  const body = (): string | Buffer => {
    switch (int(10)) {
      case 0:
        return '';
      case 1:
        return randomBytesFrom(int(512));
      case 2:
        return options.samples.length > 0 ? pick(options.samples) : '{}';
      case 3:
        return options.samples.length > 0 ? mutate(pick(options.samples)) : ascii(100);
      case 4:
        return `${'['.repeat(1 + int(2000))}${chance(0.5) ? ']'.repeat(int(2000)) : ''}`;
      case 5:
        return JSON.stringify({ object: pick(['page', 'instagram', 'user', 'whatsapp_business_account']), entry: [{ id: text(), time: int(2e9), changes: [{ field: text(), value: text() }] }] });
      case 6:
        return JSON.stringify({ events: [{ id: text(), type: pick(['followers', 'revoke', 'comment', 'post', 'x']), account: text(), data: { followers: int(1e9) } }] });
      case 7:
        return `signed_request=${encodeURIComponent(`${b64url(32)}.${Buffer.from(JSON.stringify({ algorithm: 'HMAC-SHA256', user_id: String(int(1e9)), issued_at: int(2e9) })).toString('base64url')}`)}`;
      case 8:
        return ascii(int(300));
      default:
        return new URLSearchParams({ [pick(['signed_request', 'signed', 'foo'])]: text() }).toString();
    }
  };
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = {};
    if (chance(0.8)) h['content-type'] = pick(CONTENT_TYPES);
    const n = int(4);
    for (let i = 0; i < n; i++) h[pick(SIGNATURE_HEADERS)] = signatureHeader();
    if (chance(0.1)) h[ascii(1 + int(20)).toLowerCase().replace(/[^a-z0-9-]/g, 'x')] = text();
    return h;
  };
  const query = (): Record<string, string> => {
    const q: Record<string, string> = {};
    const n = int(5);
    for (let i = 0; i < n; i++) q[chance(0.9) ? pick(QUERY_KEYS) : ascii(8)] = text();
    if (chance(0.3)) q['hub.mode'] = pick(['subscribe', 'unsubscribe', 'denied', '']);
    return q;
  };
  const unknown = ['unknown', 'X', 'meta', '..', 'a'.repeat(300), '%2e%2e', '🙂', ''];
  // Mostly platforms that have an adapter: that is where the parsers and verifiers are.
  const platform = () => (options.platforms.length > 0 && chance(0.85) ? pick(options.platforms) : pick(unknown));

  for (let index = 0; index < count; index++) {
    const kind = int(10);
    const base64 = chance(0.3);
    // Now and then a body over the 1 MiB limit.
    const huge = index % 997 === 0;
    if (kind <= 2) {
      const p = platform();
      yield { index, label: `GET /v1/webhooks/${p.slice(0, 20)}`, event: webhookEvent({ method: 'GET', route: '/v1/webhooks/{platform}', params: { platform: p }, headers: headers(), query: query() }) };
    } else if (kind <= 6) {
      const p = platform();
      const b = huge ? 'z'.repeat(1024 * 1024 + 1 + int(1000)) : body();
      yield {
        index,
        label: `POST /v1/webhooks/${p.slice(0, 20)}`,
        event: webhookEvent({ method: 'POST', route: '/v1/webhooks/{platform}', params: { platform: p }, headers: headers(), query: chance(0.2) ? query() : {}, body: b, base64 }),
      };
    } else if (kind <= 8) {
      const family = pick(options.families);
      const path = pick(['deauthorize', 'data-deletion']);
      yield {
        index,
        label: `POST /v1/webhooks/${family}/${path}`,
        event: webhookEvent({ method: 'POST', route: `/v1/webhooks/${family}/${path}`, headers: headers(), body: huge ? 'signed_request='.padEnd(1024 * 1024 + 10, 'A') : body(), base64 }),
      };
    } else {
      const code = pick([text(), ascii(26), b64url(16), '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
      yield { index, label: 'GET /v1/data-deletion/{code}', event: webhookEvent({ method: 'GET', route: '/v1/data-deletion/{code}', params: { code } }) };
    }
  }
}
