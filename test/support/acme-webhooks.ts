/**
 * Webhooks of the made-up `acme` platform, shaped like the real ones Reach meets:
 * - subscription check: `GET ?acme.challenge=<c>&acme.verify_token=<t>` → 200 text/plain `<c>`
 *   when the token matches the app's verify token, else 403;
 * - deliveries signed `X-Acme-Signature: t=<epoch s>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`
 *   with the webhook secret (else the client secret), refused beyond 5 minutes of skew;
 * - body `{"events":[{"id","type","account","at","data"}]}`; types `followers`, `change`,
 *   `post`, `revoke`, `comment`, `mention`, anything else ignored.
 * `parse` throws on a body that is not JSON, so tests can see the receiver's guard at work.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppCredentials } from '../../functions/core/model/tokens';
import type { WebhookAdapter, WebhookEvent, WebhookEventKind } from '../../functions/core/ports/provider';

export const ACME_SIGNATURE_HEADER = 'x-acme-signature';
const TOLERANCE_SECONDS = 300;

const secretOf = (c: AppCredentials) => c.webhookSecret ?? c.clientSecret;

/** The signature header value for `body` at `timestamp` (epoch seconds). */
export const acmeSignature = (body: string | Buffer, secret: string, timestamp: number): string =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;

export interface AcmeEventInput {
  readonly id: string;
  readonly type: string;
  readonly account?: string;
  readonly at?: string;
  readonly data?: Record<string, unknown>;
}

export const acmeBody = (events: readonly AcmeEventInput[]): string => JSON.stringify({ events });

const KIND: Readonly<Record<string, WebhookEventKind>> = {
  followers: 'metrics_changed',
  change: 'metrics_changed',
  post: 'post_status',
  revoke: 'deauthorized',
  comment: 'comment',
  mention: 'mention',
};

export const acmeWebhooks: WebhookAdapter = {
  challenge: (req, credentials) => {
    const c = req.query['acme.challenge'];
    const token = req.query['acme.verify_token'];
    if (c === undefined || token === undefined || credentials.verifyToken === undefined || token !== credentials.verifyToken) {
      return { status: 403, contentType: 'text/plain; charset=utf-8', body: 'forbidden' };
    }
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: c };
  },
  verify: (req, credentials, now) => {
    const header = req.headers[ACME_SIGNATURE_HEADER];
    if (!header) return { ok: false, reason: 'missing_signature' };
    const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header);
    if (!m) return { ok: false, reason: 'malformed' };
    const t = Number(m[1]);
    const expected = createHmac('sha256', secretOf(credentials)).update(`${m[1]}.`).update(req.rawBody).digest();
    if (!timingSafeEqual(Buffer.from(m[2]!, 'hex'), expected)) return { ok: false, reason: 'bad_signature' };
    if (Math.abs(now.getTime() / 1000 - t) > TOLERANCE_SECONDS) return { ok: false, reason: 'stale' };
    return { ok: true };
  },
  parse: (req) => {
    const body = JSON.parse(req.rawBody.toString('utf8')) as { events?: unknown };
    if (!Array.isArray(body.events)) return [];
    return body.events.map((raw): WebhookEvent => {
      const e = raw as AcmeEventInput;
      return {
        eventId: e.id,
        kind: KIND[e.type] ?? 'ignored',
        ...(e.account !== undefined && { platformAccountId: e.account }),
        occurredAt: e.at ?? new Date(0).toISOString(),
        data: e.data ?? {},
      };
    });
  },
};
