/**
 * Business Profile notifications through Pub/Sub push: the fake signs its pushes with its own key
 * and serves the JWKS where Google does; Reach's adapter verifies the OIDC token (signature,
 * issuer, audience, expiry) after fetching the keys through the platform client, and parses
 * review notifications. No HMAC and no challenge exist on this platform.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { createHttpClient } from '../../functions/providers/http';
import { createBusinessWebhooks, type BusinessWebhookAdapter } from '../../functions/providers/google-business';
import { classifyBusiness } from '../../functions/providers/google-business/errors';
import type { WebhookRequest } from '../../functions/providers/types';
import { accountFor } from '../../local/fakes/google/accounts';
import { CREDENTIALS, startGoogle, type GoogleHarness } from './google-helpers';
import { startReceiver, webhookRequest, WEBHOOK_CREDENTIALS, type Receiver } from './google-servers';

const CERTS = 'GET www.googleapis.com/oauth2/v3/certs';

const locationName = (account: string) => {
  const b = accountFor(account).business!;
  return `${b.name}/${b.locations[0]!.name}`;
};

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A push body around a notification, as Pub/Sub wraps it. */
const push = (notification: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    message: { data: Buffer.from(JSON.stringify(notification)).toString('base64'), messageId: '2070443601311540', publishTime: '2026-11-20T11:59:58.123Z', ...extra },
    subscription: 'projects/p/subscriptions/s',
  });

describe('Business Profile webhooks (Pub/Sub push)', () => {
  let receiver: Receiver;
  let h: GoogleHarness;
  let adapter: BusinessWebhookAdapter;

  const adapterFor = (harness: GoogleHarness) =>
    createBusinessWebhooks({ platform: 'google_business', http: harness.http, classify: (f) => classifyBusiness(f, new Date()) }, () => new Date());

  beforeAll(async () => {
    receiver = await startReceiver({
      google_business: {
        verify: (req) => adapter.verify(req, CREDENTIALS, new Date()),
        parse: (req) => adapter.parse(req),
      },
    });
    h = await startGoogle({}, { webhookBaseUrl: receiver.baseUrl });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  beforeEach(() => {
    h.fakes.reset();
    receiver.received.length = 0;
    adapter = adapterFor(h);
  });

  const deliver = async (body: Record<string, unknown>) => {
    const res = await fetch(`${h.fakes.baseUrl}/__fakes/google/webhooks`, { method: 'POST', body: JSON.stringify(body) });
    return (await res.json()) as { statuses: number[]; target: string };
  };

  describe('deliveries from the fake', () => {
    it('pushes a NEW_REVIEW that verifies and parses into a comment on the location', async () => {
      const result = await deliver({ event: 'NEW_REVIEW', account: 'review.shop', data: { reviewId: 'AbFvOqn' } });
      expect(result).toEqual({ statuses: [200], target: `${receiver.baseUrl}/v1/webhooks/google_business` });
      const got = receiver.received[0]!;
      expect(got.request.headers['authorization']).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      expect(got.request.headers['user-agent']).toContain('APIs-Google');
      expect(got.verification).toEqual({ ok: true });
      const location = locationName('review.shop');
      expect(got.events).toEqual([
        {
          eventId: expect.stringMatching(/^\d+$/),
          kind: 'comment',
          platformAccountId: location,
          occurredAt: expect.any(String),
          data: { type: 'NEW_REVIEW', reviewName: `${location}/reviews/AbFvOqn`, locationName: location },
        },
      ]);
      // The keys were fetched once, through the platform client.
      expect(h.calls(CERTS)).toBe(1);
    });

    it('refuses a forged push and an expired (stale) token', async () => {
      expect((await deliver({ event: 'NEW_REVIEW', account: 'review.shop', mode: 'forged' })).statuses).toEqual([401]);
      expect(receiver.received[0]!.verification).toEqual({ ok: false, reason: 'bad_signature' });
      expect((await deliver({ event: 'UPDATED_REVIEW', account: 'review.shop', mode: 'stale' })).statuses).toEqual([401]);
      expect(receiver.received[1]!.verification).toEqual({ ok: false, reason: 'stale' });
    });

    it('sends a duplicate with the same message id, and GOOGLE_UPDATE as ignored', async () => {
      expect((await deliver({ event: 'UPDATED_REVIEW', account: 'review.shop', mode: 'duplicate' })).statuses).toEqual([200, 200]);
      const [a, b] = receiver.received;
      expect(a!.request.rawBody.equals(b!.request.rawBody)).toBe(true);
      expect(a!.events[0]!.eventId).toBe(b!.events[0]!.eventId);
      await deliver({ event: 'GOOGLE_UPDATE', account: 'review.shop' });
      expect(receiver.received[2]!.events).toEqual([expect.objectContaining({ kind: 'ignored', platformAccountId: locationName('review.shop'), data: { type: 'GOOGLE_UPDATE' } })]);
    });

    it('uses the verify token as the audience when the operator set one', async () => {
      const tokenReceiver = await startReceiver({
        google_business: {
          verify: (req) => strict.verify(req, WEBHOOK_CREDENTIALS, new Date()),
          parse: (req) => strict.parse(req),
        },
      });
      const fake = await startGoogle({ pushAudience: WEBHOOK_CREDENTIALS.verifyToken! }, { webhookBaseUrl: tokenReceiver.baseUrl });
      const strict = adapterFor(fake);
      try {
        const res = await fetch(`${fake.fakes.baseUrl}/__fakes/google/webhooks`, { method: 'POST', body: JSON.stringify({ event: 'NEW_REVIEW', account: 'aud.shop' }) });
        expect(((await res.json()) as { statuses: number[] }).statuses).toEqual([200]);
        // The same push is refused by a receiver expecting another audience.
        const { rawBody, headers } = tokenReceiver.received[0]!.request;
        const other = { ...WEBHOOK_CREDENTIALS, verifyToken: 'someone-else' };
        expect(await strict.verify(webhookRequest(rawBody, headers), other, new Date())).toEqual({ ok: false, reason: 'bad_signature' });
        const { verifyToken: _v, ...noToken } = WEBHOOK_CREDENTIALS;
        expect(await strict.verify(webhookRequest(rawBody, headers), noToken, new Date())).toEqual({ ok: false, reason: 'bad_signature' });
      } finally {
        await fake.close();
        await tokenReceiver.close();
      }
    });
  });

  describe('verify', () => {
    /** A token the fake signed for `aud`, taken from a real push to the receiver. */
    const realPush = async (): Promise<WebhookRequest> => {
      await deliver({ event: 'NEW_REVIEW', account: 'verify.shop' });
      return receiver.received[receiver.received.length - 1]!.request;
    };

    it('reads Google\'s keys on the first push after a cold start, then accepts from the cache', async () => {
      const req = await realPush();
      const fresh = adapterFor(h);
      const callsBefore = h.calls(CERTS);
      expect(await fresh.verify(req, CREDENTIALS, new Date())).toEqual({ ok: true });
      expect(await fresh.verify(req, CREDENTIALS, new Date())).toEqual({ ok: true });
      expect(h.calls(CERTS) - callsBefore).toBe(1);
    });

    it('checks the audience against the receiving host when no verify token is set', async () => {
      const req = await realPush();
      await adapter.loadKeys();
      expect(await adapter.verify(req, CREDENTIALS, new Date())).toEqual({ ok: true });
      expect(await adapter.verify({ ...req, headers: { ...req.headers, host: 'evil.test' } }, CREDENTIALS, new Date())).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('answers missing, odd and tampered tokens with a reason, never by throwing', async () => {
      const req = await realPush();
      await adapter.loadKeys();
      const token = req.headers['authorization']!.slice('Bearer '.length);
      const [head, payload, sig] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const withHeader = (authorization: string | undefined) => {
        const { authorization: _a, ...rest } = req.headers;
        return { ...req, headers: authorization === undefined ? rest : { ...rest, authorization } };
      };
      const cases: [string | undefined, string][] = [
        [undefined, 'missing_signature'],
        ['', 'missing_signature'],
        [`Basic ${token}`, 'malformed'],
        ['Bearer not-a-jwt', 'malformed'],
        ['Bearer a.b.c', 'malformed'],
        [`Bearer ${b64url({ alg: 'none' })}.${payload}.`, 'malformed'],
        [`Bearer ${b64url({ alg: 'HS256', kid: 'x' })}.${payload}.${sig}`, 'malformed'],
        [`Bearer ${head}.${b64url({ ...claims, aud: 'https://evil.test/v1/webhooks/google_business' })}.${sig}`, 'bad_signature'],
        [`Bearer ${head}.${payload}.${sig.slice(0, -4)}AAAA`, 'bad_signature'],
        [`Bearer ${b64url({ alg: 'RS256', kid: 'unknown-key' })}.${payload}.${sig}`, 'bad_signature'],
      ];
      for (const [authorization, reason] of cases) expect(await adapter.verify(withHeader(authorization), CREDENTIALS, new Date())).toEqual({ ok: false, reason });
      expect(await adapter.verify({ ...req, method: 'GET' }, CREDENTIALS, new Date())).toEqual({ ok: false, reason: 'malformed' });
      // Two hours later the one-hour token has expired, beyond the 5 minutes of clock skew allowed.
      expect(await adapter.verify(req, CREDENTIALS, new Date(Date.now() + 2 * 3600_000))).toEqual({ ok: false, reason: 'stale' });
      expect(await adapter.verify(req, CREDENTIALS, new Date(Date.now() + 3600_000 + 200_000))).toEqual({ ok: true });
    });

    it('refuses a token signed by a key Google never published, even with a known key id', async () => {
      const req = await realPush();
      await adapter.loadKeys();
      const token = req.headers['authorization']!.slice('Bearer '.length);
      const [head, payload] = token.split('.') as [string, string, string];
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const forged = `${head}.${payload}.${sign('RSA-SHA256', Buffer.from(`${head}.${payload}`), privateKey).toString('base64url')}`;
      expect(await adapter.verify({ ...req, headers: { ...req.headers, authorization: `Bearer ${forged}` } }, CREDENTIALS, new Date())).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('has no subscription check: Pub/Sub sends none', () => {
      expect(adapter.challenge).toBeUndefined();
    });
  });

  describe('parse', () => {
    it('reads review notifications in either spelling and derives the location', () => {
      const loc = 'accounts/123/locations/456';
      expect(adapter.parse(webhookRequest(push({ notificationType: 'NEW_REVIEW', reviewName: `${loc}/reviews/r1`, locationName: loc })))).toEqual([
        { eventId: '2070443601311540', kind: 'comment', platformAccountId: loc, occurredAt: '2026-11-20T11:59:58.123Z', data: { type: 'NEW_REVIEW', reviewName: `${loc}/reviews/r1`, locationName: loc } },
      ]);
      const snake = adapter.parse(webhookRequest(push({ notification_type: 'UPDATED_REVIEW', review_name: `${loc}/reviews/r2` }, { messageId: undefined, message_id: '99' })));
      expect(snake).toEqual([expect.objectContaining({ eventId: '99', kind: 'comment', platformAccountId: loc, data: { type: 'UPDATED_REVIEW', reviewName: `${loc}/reviews/r2` } })]);
      expect(adapter.parse(webhookRequest(push({ notificationType: 'NEW_QUESTION', locationName: loc })))[0]).toMatchObject({ kind: 'ignored', data: { type: 'NEW_QUESTION' } });
    });

    it('gives no events for bodies that are not a Pub/Sub push, and never throws', () => {
      const bodies = [
        '',
        'nope',
        '[]',
        '{"message":{}}',
        JSON.stringify({ message: { data: '!!!not base64 json', messageId: '1' } }),
        JSON.stringify({ message: { data: Buffer.from('[1,2]').toString('base64'), messageId: '1' } }),
        JSON.stringify({ message: { data: 42 } }),
      ];
      for (const body of bodies) expect(adapter.parse(webhookRequest(body))).toEqual([]);
    });

    it('hashes the body into the event id when the push carries no message id', () => {
      const body = JSON.stringify({ message: { data: Buffer.from(JSON.stringify({ notificationType: 'GOOGLE_UPDATE' })).toString('base64') } });
      const [event] = adapter.parse(webhookRequest(body));
      expect(event!.eventId).toMatch(/^[0-9a-f]{64}$/);
      expect(adapter.parse(webhookRequest(body))[0]!.eventId).toBe(event!.eventId);
    });
  });

  it('reads the JWKS through the platform client only', async () => {
    const calls: string[] = [];
    const http = createHttpClient({ platformBaseUrl: h.fakes.baseUrl, defaultTimeoutMs: 5000, onCall: (c) => calls.push(`${c.method} ${c.host}${c.path}`) });
    const counted = createBusinessWebhooks({ platform: 'google_business', http, classify: (f) => classifyBusiness(f, new Date()) }, () => new Date());
    await counted.loadKeys();
    await counted.loadKeys();
    expect(calls).toEqual(['GET www.googleapis.com/oauth2/v3/certs']);
  });
});
