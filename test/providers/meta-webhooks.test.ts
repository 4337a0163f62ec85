/**
 * Meta's webhook signature and subscription check, shared by Instagram and Facebook, against the
 * real samples: the WhatsApp delivery captured with its app secret and signature, the unicode
 * vector (Meta signs its escaped serialisation), and the documented verification request and
 * event notification.
 */
import { createHmac } from 'node:crypto';
import { facebookWebhooks } from '../../functions/providers/facebook/webhooks';
import { instagramWebhooks } from '../../functions/providers/instagram/webhooks';
import { metaChallenge, metaChanges, verifyMetaSignature } from '../../functions/providers/meta-graph/webhooks';
import type { WebhookRequest } from '../../functions/providers/types';
import { sample, sampleText } from './meta-support';

const post = (rawBody: Buffer, headers: Record<string, string>): WebhookRequest => ({ method: 'POST', headers, query: {}, rawBody });
const sign = (secret: string, body: Buffer | string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const flip = (b: Buffer, i: number): Buffer => {
  const copy = Buffer.from(b);
  copy[i] = copy[i]! ^ 0x01;
  return copy;
};

describe('the real WhatsApp delivery (Meta signing)', () => {
  const body = Buffer.from(sampleText('whatsapp/real_delivery_body.json'), 'utf8');
  const secret = sampleText('whatsapp/real_delivery_app_secret.txt');
  const header = sampleText('whatsapp/real_delivery_x_hub_signature_256.txt');
  const req = post(body, { 'content-type': 'application/json', 'x-hub-signature-256': header });

  it('verifies with the app secret', () => {
    expect(verifyMetaSignature(req, secret)).toEqual({ ok: true });
  });

  it('verifies through both providers, keyed with clientSecret or a webhookSecret that overrides it', () => {
    for (const adapter of [instagramWebhooks, facebookWebhooks]) {
      expect(adapter.verify(req, { clientId: 'app', clientSecret: secret }, new Date())).toEqual({ ok: true });
      expect(adapter.verify(req, { clientId: 'app', clientSecret: 'other', webhookSecret: secret }, new Date())).toEqual({ ok: true });
      expect(adapter.verify(req, { clientId: 'app', clientSecret: secret, webhookSecret: 'other' }, new Date())).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it.each([0, 1, 17, 100, 250, 400, body.length - 1])('fails when byte %i of the body changed', (i) => {
    expect(verifyMetaSignature({ ...req, rawBody: flip(body, i) }, secret)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('fails when a byte of the signature changed, or with another secret', () => {
    const hex = header.slice('sha256='.length);
    const other = hex.slice(0, 10) + (hex[10] === '0' ? '1' : '0') + hex.slice(11);
    expect(verifyMetaSignature({ ...req, headers: { 'x-hub-signature-256': `sha256=${other}` } }, secret)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyMetaSignature(req, `${secret}x`)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyMetaSignature(req, '')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts the hex in upper case (the same bytes)', () => {
    expect(verifyMetaSignature({ ...req, headers: { 'x-hub-signature-256': `sha256=${header.slice(7).toUpperCase()}` } }, secret)).toEqual({ ok: true });
  });

  it.each([
    [{}, 'missing_signature'],
    [{ 'x-hub-signature-256': '' }, 'missing_signature'],
    [{ 'x-hub-signature-256': 'sha1=0e0af69f34c87b1d4d6d7b4c2d4f5b1c1a7c0d51' }, 'malformed'],
    [{ 'x-hub-signature-256': 'sha256=' }, 'malformed'],
    [{ 'x-hub-signature-256': `sha256=${'a'.repeat(63)}` }, 'malformed'],
    [{ 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }, 'malformed'],
    [{ 'x-hub-signature-256': `md5=${'a'.repeat(64)}` }, 'malformed'],
    [{ 'x-hub-signature-256': '\u0000\uffff' }, 'malformed'],
  ])('refuses headers %j as %s, without throwing', (headers, reason) => {
    expect(verifyMetaSignature({ ...req, headers }, secret)).toEqual({ ok: false, reason });
  });

  it('refuses anything but a POST', () => {
    expect(instagramWebhooks.verify({ ...req, method: 'GET' }, { clientId: 'a', clientSecret: secret }, new Date())).toEqual({ ok: false, reason: 'malformed' });
  });

  it('parses to ignored events for the Instagram and Page adapters (another object)', () => {
    const [event] = facebookWebhooks.parse(req);
    expect(event).toMatchObject({ kind: 'ignored', platformAccountId: '264937493375603', data: { object: 'whatsapp_business_account', field: 'messages' } });
    expect(instagramWebhooks.parse(req)).toHaveLength(1);
  });
});

describe('the unicode vector: Meta signs its escaped serialisation', () => {
  const vector = sample('whatsapp/x_hub_signature_unicode_vector.json') as { app_secret: string; body_as_given_in_test: string; x_hub_signature_256: string };
  const escaped = vector.body_as_given_in_test.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

  it('verifies over the bytes as Meta sends them (non-ASCII as lowercase \\uXXXX)', () => {
    expect(escaped).toContain('\\u307f');
    expect(verifyMetaSignature(post(Buffer.from(escaped, 'utf8'), { 'x-hub-signature-256': vector.x_hub_signature_256 }), vector.app_secret)).toEqual({ ok: true });
  });

  it('does not verify over the same text re-encoded as UTF-8', () => {
    expect(verifyMetaSignature(post(Buffer.from(vector.body_as_given_in_test, 'utf8'), { 'x-hub-signature-256': vector.x_hub_signature_256 }), vector.app_secret)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });
});

describe('the documented subscription check', () => {
  // The docs break the URL over lines for reading; the real request is one URL.
  const url = new URL(sampleText('meta/webhook_verification_request.http').replace(/^GET\s+/, '').replace(/\s+/g, ''));
  const req: WebhookRequest = { method: 'GET', headers: {}, query: Object.fromEntries(url.searchParams), rawBody: Buffer.alloc(0) };
  const credentials = { clientId: 'app', clientSecret: 's', verifyToken: 'meatyhamhock' };

  it('answers 200 with hub.challenge verbatim, as plain text', () => {
    expect(metaChallenge(req, credentials)).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: '1158201444' });
    expect(instagramWebhooks.challenge!(req, credentials)).toEqual(facebookWebhooks.challenge!(req, credentials));
  });

  it.each([
    ['a wrong verify token', { ...req.query, 'hub.verify_token': 'meatyhamhocK' }, credentials],
    ['a shorter verify token', { ...req.query, 'hub.verify_token': 'meaty' }, credentials],
    ['another mode', { ...req.query, 'hub.mode': 'unsubscribe' }, credentials],
    ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': 'meatyhamhock' }, credentials],
    ['no verify token configured', req.query, { clientId: 'app', clientSecret: 's' }],
  ])('answers 403 to %s', (_name, query, creds) => {
    expect(metaChallenge({ ...req, query }, creds)).toEqual({ status: 403, contentType: 'text/plain; charset=utf-8', body: 'forbidden' });
  });

  it('answers 403 to a POST', () => {
    expect(metaChallenge({ ...req, method: 'POST' }, credentials).status).toBe(403);
  });
});

describe('the documented event notification', () => {
  const text = sampleText('meta/webhook_event_notification_user_photos.http');
  const body = Buffer.from(text.slice(text.indexOf('\n\n') + 2), 'utf8');

  it('carries a placeholder signature, which is refused as malformed', () => {
    expect(text).toContain('X-Hub-Signature-256: sha256={super-long-SHA256-signature}');
    expect(verifyMetaSignature(post(body, { 'x-hub-signature-256': 'sha256={super-long-SHA256-signature}' }), 'secret')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('verifies once signed as the recipe says, and not after a change', () => {
    const req = post(body, { 'x-hub-signature-256': sign('app-secret', body) });
    expect(verifyMetaSignature(req, 'app-secret')).toEqual({ ok: true });
    expect(verifyMetaSignature({ ...req, rawBody: flip(body, 40) }, 'app-secret')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('parses into one change with a stable id made of entry id, time, field and a hash of the value', () => {
    const changes = metaChanges(body)!;
    expect(changes).toEqual([
      {
        object: 'user',
        entryId: '10210299214172187',
        entryTime: '2018-03-07T00:46:11.000Z',
        field: 'photos',
        value: { verb: 'update', object_id: '10211885744794461' },
        eventId: expect.stringMatching(/^10210299214172187:1520383571:photos:[0-9a-f]{32}$/),
      },
    ]);
    // The same change delivered again (re-indented) has the same id.
    const again = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    expect(metaChanges(again)![0]!.eventId).toBe(changes[0]!.eventId);
    expect(facebookWebhooks.parse(post(body, {}))).toEqual([
      { eventId: changes[0]!.eventId, kind: 'ignored', platformAccountId: '10210299214172187', occurredAt: '2018-03-07T00:46:11.000Z', data: { object: 'user', field: 'photos' } },
    ]);
  });

  it.each([
    ['not JSON', 'not json'],
    ['a JSON array', '[1,2]'],
    ['no entry', '{"object":"page"}'],
    ['entries of the wrong shape', '{"object":"page","entry":[1,"x",{"time":1}]}'],
    ['changes of the wrong shape', '{"object":"page","entry":[{"id":"1","time":1,"changes":[{"value":1}]}]}'],
  ])('parses %s to no events, without throwing', (_name, raw) => {
    expect(facebookWebhooks.parse(post(Buffer.from(raw), {}))).toEqual([]);
    expect(instagramWebhooks.parse(post(Buffer.from(raw), {}))).toEqual([]);
  });
});

describe('the WhatsApp update samples (real delivery shapes)', () => {
  const bodies = { ...(sample('whatsapp/pywa_updates_message.json') as Record<string, unknown>), ...(sample('whatsapp/pywa_updates_message_status.json') as Record<string, unknown>) };
  const cases = Object.entries(bodies);

  it.each(cases)('signs, verifies and parses %s without throwing: another object, so ignored', (_name, body) => {
    // Serialised the way Meta sends it: non-ASCII escaped.
    const raw = Buffer.from(JSON.stringify(body).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'utf8');
    const req = post(raw, { 'x-hub-signature-256': sign('app-secret', raw) });
    expect(facebookWebhooks.verify(req, { clientId: 'a', clientSecret: 'app-secret' }, new Date())).toEqual({ ok: true });
    const events = facebookWebhooks.parse(req);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e).toMatchObject({ kind: 'ignored', data: { object: 'whatsapp_business_account' } });
      // WhatsApp entries carry no time: the id says so and stays stable.
      expect(e.eventId).toMatch(/^[^:]+:-:[a-z_]+:[0-9a-f]{32}$/);
    }
    expect(instagramWebhooks.parse(req).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
  });
});
