/**
 * LinkedIn webhooks: the validation challenge (with the documented request), the `X-LI-Signature`
 * check over the raw bytes, parsing social action notifications, the fake's signed deliveries to a
 * local receiver, and the event subscription client against the fake.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLinkedinEventSubscriptions } from '../../functions/providers/linkedin';
import { createClassifier } from '../../functions/providers/linkedin/errors';
import { subscriptionPath } from '../../functions/providers/linkedin/subscriptions';
import { linkedinWebhooks, parseDelivery } from '../../functions/providers/linkedin/webhooks';
import { ProviderError, type WebhookEvent, type WebhookRequest } from '../../functions/providers/types';
import type { CallContext } from '../../functions/providers/http';
import { accountsOf, connect, CREDENTIALS, startHarness, type LinkedinHarness } from './linkedin-publish-support';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'linkedin');
const NOW = new Date('2026-11-02T10:00:00Z');

/** hex(HMAC-SHA256(secret, msg)), computed here independently of the code under test. */
const hmacHex = (secret: string, msg: string | Buffer) => createHmac('sha256', secret).update(msg).digest('hex');

const post = (rawBody: Buffer, headers: Record<string, string>): WebhookRequest => ({ method: 'POST', headers, query: {}, rawBody });
const signed = (body: string, secret = CREDENTIALS.clientSecret): WebhookRequest =>
  post(Buffer.from(body, 'utf8'), { 'content-type': 'application/json', 'x-li-signature': hmacHex(secret, Buffer.concat([Buffer.from('hmacsha256='), Buffer.from(body, 'utf8')])) });

/**
 * A COMMENT notification in the shape LinkedIn documents for organization social action
 * notifications (field for field as in its example: subscriber, lastModifiedAt, decoratedSourcePost,
 * sourcePost, decoratedGeneratedActivity, action, notificationId, organizationalEntity, generatedActivity).
 */
const COMMENT = {
  subscriber: 'urn:li:person:zLqTygBP8S',
  lastModifiedAt: 1691574506310,
  decoratedSourcePost: { owner: 'urn:li:organization:96072893', mediaCategory: 'NONE', text: 'This is my post 0008', entity: 'urn:li:share:7094637247487995904' },
  sourcePost: 'urn:li:activity:7094637247890620418',
  decoratedGeneratedActivity: {
    comment: {
      owner: 'urn:li:person:zLqTygBP8S',
      text: 'Commenting as Sumit Butola...',
      entity: 'urn:li:comment:(urn:li:activity:7094637247890620418,7094977717598625792)',
      object: 'urn:li:activity:7094637247890620418',
    },
  },
  action: 'COMMENT',
  notificationId: 5603453321,
  organizationalEntity: 'urn:li:organization:96072893',
  generatedActivity: 'urn:li:comment:(activity:7094637247890620418,7094977717598625792)',
};
const batch = (...notifications: unknown[]) => JSON.stringify({ type: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS', notifications });

describe('the validation challenge', () => {
  // "GET https://webhooks.example.com/linkedin?challengeCode=…" from LinkedIn's webhook-validation page.
  const documented = readFileSync(join(FIXTURES, 'webhook_challenge_request.http'), 'utf8').trim();
  const [method, target] = documented.split(/\s+/);
  const url = new URL(target!);

  it('answers the documented request with the HMAC of the code, as JSON', () => {
    expect(method).toBe('GET');
    const query = Object.fromEntries(url.searchParams);
    const res = linkedinWebhooks.challenge!({ method: 'GET', headers: {}, query, rawBody: Buffer.alloc(0) }, CREDENTIALS);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    const code = '890e4665-4dfe-4ab1-b689-ed553bceeed0';
    expect(JSON.parse(res.body)).toEqual({ challengeCode: code, challengeResponse: hmacHex(CREDENTIALS.clientSecret, code) });
    expect(JSON.parse(res.body).challengeResponse).toMatch(/^[0-9a-f]{64}$/);
  });

  it('also answers a parent-child app’s check (applicationId alongside)', () => {
    const res = linkedinWebhooks.challenge!({ method: 'GET', headers: {}, query: { challengeCode: 'abc', applicationId: '123' }, rawBody: Buffer.alloc(0) }, CREDENTIALS);
    expect(JSON.parse(res.body)).toEqual({ challengeCode: 'abc', challengeResponse: hmacHex(CREDENTIALS.clientSecret, 'abc') });
  });

  it.each([
    ['no code', 'GET', {}],
    ['an empty code', 'GET', { challengeCode: '' }],
    ['a code with spaces', 'GET', { challengeCode: 'not a code' }],
    ['an overlong code', 'GET', { challengeCode: 'x'.repeat(300) }],
    ['a POST', 'POST', { challengeCode: 'abc' }],
  ] as const)('refuses %s with 403', (_name, m, query) => {
    const res = linkedinWebhooks.challenge!({ method: m, headers: {}, query, rawBody: Buffer.alloc(0) }, CREDENTIALS);
    expect(res.status).toBe(403);
  });

  it('answers with another app’s secret differently (a wrong key never validates)', () => {
    const res = linkedinWebhooks.challenge!({ method: 'GET', headers: {}, query: { challengeCode: 'abc' }, rawBody: Buffer.alloc(0) }, { ...CREDENTIALS, clientSecret: 'other' });
    expect(JSON.parse(res.body).challengeResponse).not.toBe(hmacHex(CREDENTIALS.clientSecret, 'abc'));
  });
});

describe('verifying deliveries', () => {
  const body = batch(COMMENT);

  it('accepts a delivery signed over "hmacsha256=" + the raw body', () => {
    expect(linkedinWebhooks.verify(signed(body), CREDENTIALS, NOW)).toEqual({ ok: true });
  });

  it('accepts the hex digest in upper case too', () => {
    const req = signed(body);
    expect(linkedinWebhooks.verify({ ...req, headers: { 'x-li-signature': req.headers['x-li-signature']!.toUpperCase() } }, CREDENTIALS, NOW)).toEqual({ ok: true });
  });

  it('refuses the same body with any single byte changed', () => {
    const req = signed(body);
    const positions = [0, 1, 17, Math.floor(body.length / 2), body.length - 2, body.length - 1];
    for (const at of positions) {
      const bytes = Buffer.from(req.rawBody);
      bytes[at] = bytes[at]! ^ 0x01;
      expect(linkedinWebhooks.verify({ ...req, rawBody: bytes }, CREDENTIALS, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('refuses a body signed without the prefix, or with another secret', () => {
    const unprefixed = post(Buffer.from(body), { 'x-li-signature': hmacHex(CREDENTIALS.clientSecret, body) });
    expect(linkedinWebhooks.verify(unprefixed, CREDENTIALS, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(linkedinWebhooks.verify(signed(body, 'another-secret'), CREDENTIALS, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    ['no header', {}, 'missing_signature'],
    ['an empty header', { 'x-li-signature': ' ' }, 'missing_signature'],
    ['a short digest', { 'x-li-signature': 'abcdef' }, 'malformed'],
    ['a prefixed digest', { 'x-li-signature': `hmacsha256=${'a'.repeat(64)}` }, 'malformed'],
    ['a non-hex digest', { 'x-li-signature': 'z'.repeat(64) }, 'malformed'],
    ['a base64 digest', { 'x-li-signature': Buffer.alloc(32, 7).toString('base64') }, 'malformed'],
  ] as const)('answers %s without throwing', (_name, headers, reason) => {
    expect(linkedinWebhooks.verify(post(Buffer.from(body), headers), CREDENTIALS, NOW)).toEqual({ ok: false, reason });
  });

  it('refuses a GET', () => {
    expect(linkedinWebhooks.verify({ ...signed(body), method: 'GET' }, CREDENTIALS, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('parsing notifications', () => {
  const parse = (body: string): readonly WebhookEvent[] => linkedinWebhooks.parse(signed(body));

  it('reads a comment, keyed by its notificationId, for its organization', () => {
    expect(parse(batch(COMMENT))).toEqual([
      {
        eventId: '5603453321',
        kind: 'comment',
        platformAccountId: 'urn:li:organization:96072893',
        occurredAt: new Date(1691574506310).toISOString(),
        data: {
          action: 'COMMENT',
          platformPostId: 'urn:li:share:7094637247487995904',
          commentId: 'urn:li:comment:(activity:7094637247890620418,7094977717598625792)',
          authorUrn: 'urn:li:person:zLqTygBP8S',
          text: 'Commenting as Sumit Butola...',
        },
      },
    ]);
  });

  it('maps every action LinkedIn sends', () => {
    const of = (action: string, id: number, extra: object = {}) => ({ ...COMMENT, action, notificationId: id, ...extra });
    const events = parse(
      batch(
        of('LIKE', 1, { decoratedGeneratedActivity: undefined, generatedActivity: undefined }),
        of('SHARE', 2, { generatedActivity: 'urn:li:share:2', decoratedGeneratedActivity: { share: { owner: 'urn:li:person:a', text: 'Nice', entity: 'urn:li:share:2' } } }),
        of('ADMIN_COMMENT', 3),
        of('SHARE_MENTION', 4, { generatedActivity: 'urn:li:share:4', decoratedGeneratedActivity: { share: { owner: 'urn:li:person:b', text: 'Thanks to the team', entity: 'urn:li:share:4' } } }),
        of('COMMENT_EDIT', 5),
        of('COMMENT_DELETE', 6),
      ),
    );
    expect(events.map((e) => [e.eventId, e.kind])).toEqual([
      ['1', 'metrics_changed'],
      ['2', 'metrics_changed'],
      ['3', 'comment'],
      ['4', 'mention'],
      ['5', 'ignored'],
      ['6', 'ignored'],
    ]);
    expect(events[0]!.data).toEqual({ metric: 'likes', action: 'LIKE', platformPostId: 'urn:li:share:7094637247487995904' });
    expect(events[1]!.data).toMatchObject({ metric: 'shares', shareId: 'urn:li:share:2' });
    expect(events[3]!.data).toEqual({ action: 'SHARE_MENTION', postId: 'urn:li:share:4', authorUrn: 'urn:li:person:b', text: 'Thanks to the team' });
  });

  it('takes the delivery time when lastModifiedAt is no instant', () => {
    for (const lastModifiedAt of [1e300, -5, 0]) {
      const [event] = linkedinWebhooks.parse(signed(batch({ ...COMMENT, lastModifiedAt })));
      expect(Date.now() - Date.parse(event!.occurredAt)).toBeLessThan(60_000);
    }
  });

  it('falls back to sourcePost when the post is not decorated', () => {
    const [event] = parse(batch({ ...COMMENT, decoratedSourcePost: undefined }));
    expect(event!.data['platformPostId']).toBe('urn:li:activity:7094637247890620418');
  });

  it('keeps an unreadable notification as ignored, with an id from the delivery', () => {
    const events = parse(batch({ action: 'LIKE' }, COMMENT));
    expect(events.map((e) => e.kind)).toEqual(['ignored', 'comment']);
    expect(events[0]!.eventId).toMatch(/^[0-9a-f]{64}:0$/);
  });

  it('records another event family once, by the delivery’s hash', () => {
    const body = JSON.stringify({ type: 'LEAD_ACTION', leadGenFormResponse: 'urn:li:leadGenFormResponse:1', leadAction: 'CREATED' });
    const events = parse(body);
    expect(events).toEqual([{ eventId: expect.stringMatching(/^[0-9a-f]{64}$/), kind: 'ignored', occurredAt: expect.any(String), data: { type: 'LEAD_ACTION' } }]);
    expect(parse(body)[0]!.eventId).toBe(events[0]!.eventId);
  });

  it.each([['not JSON', '{"type":'], ['an array', '[]'], ['no notifications', '{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}'], ['null', 'null']])('gives nothing for %s', (_n, body) => {
    expect(parseDelivery(Buffer.from(body), NOW.toISOString())).toEqual([]);
  });
});

/** A receiver standing in for Reach's `/v1/webhooks/linkedin`: verifies, parses and records. */
const startReceiver = async () => {
  const seen: Array<{ verification: unknown; events: readonly WebhookEvent[]; path: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const request: WebhookRequest = { method: 'POST', headers, query: {}, rawBody: Buffer.concat(chunks) };
      const verification = linkedinWebhooks.verify(request, CREDENTIALS, new Date());
      const ok = 'ok' in verification && verification.ok;
      seen.push({ verification, events: ok ? linkedinWebhooks.parse(request) : [], path: req.url ?? '' });
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

describe('the fake’s deliveries', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let h: LinkedinHarness;

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startHarness({}, receiver.base);
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  beforeEach(() => {
    h.fakes.reset();
    receiver.seen.length = 0;
  });

  const deliver = (mode: 'valid' | 'forged' | 'stale' | 'duplicate', data: Record<string, unknown> = {}) =>
    h.fake.deliverWebhook!({ event: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS', account: 'reach-demo', mode, data }, h.fakes.context);

  it('sends a comment signed as LinkedIn signs it, to /v1/webhooks/linkedin', async () => {
    const tokens = await connect(h, 'reach-demo', { variant: 'organization' });
    const org = (await accountsOf(h, tokens)).organization!;
    const result = await deliver('valid', { action: 'COMMENT', text: 'Congrats!' });
    expect(result).toEqual({ statuses: [200], target: `${receiver.base}/v1/webhooks/linkedin` });
    const [got] = receiver.seen;
    expect(got!.path).toBe('/v1/webhooks/linkedin');
    expect(got!.verification).toEqual({ ok: true });
    expect(got!.events).toEqual([
      expect.objectContaining({ kind: 'comment', platformAccountId: org, data: expect.objectContaining({ action: 'COMMENT', text: 'Congrats!', platformPostId: expect.stringMatching(/^urn:li:(share|ugcPost):/) }) }),
    ]);
    expect(Date.now() - Date.parse(got!.events[0]!.occurredAt)).toBeLessThan(60_000);
  });

  it('sends likes and mentions as their own kinds', async () => {
    await deliver('valid', { action: 'LIKE' });
    await deliver('valid', { action: 'SHARE_MENTION' });
    expect(receiver.seen.flatMap((s) => s.events.map((e) => e.kind))).toEqual(['metrics_changed', 'mention']);
  });

  it('sends a forged delivery that verify refuses', async () => {
    const result = await deliver('forged');
    expect(result.statuses).toEqual([401]);
    expect(receiver.seen[0]!.verification).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('sends a stale delivery: correctly signed (LinkedIn signs no time) but older than LinkedIn’s 8-hour retry window', async () => {
    const result = await deliver('stale');
    expect(result.statuses).toEqual([200]);
    const [event] = receiver.seen[0]!.events;
    expect(Date.now() - Date.parse(event!.occurredAt)).toBeGreaterThan(8 * 3_600_000);
  });

  it('sends a duplicate delivery twice with the same notification id', async () => {
    const result = await deliver('duplicate');
    expect(result.statuses).toEqual([200, 200]);
    const ids = receiver.seen.map((s) => s.events[0]!.eventId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect((h.fake.snapshot() as { deliveries: unknown[] }).deliveries).toEqual([expect.objectContaining({ mode: 'duplicate', statuses: [200, 200] })]);
  });

  it('gives each delivery a new notification id', async () => {
    await deliver('valid');
    await deliver('valid');
    const [a, b] = receiver.seen.map((s) => s.events[0]!.eventId);
    expect(a).not.toBe(b);
  });
});

describe('event subscriptions', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let h: LinkedinHarness;
  let ctx: CallContext;

  beforeAll(async () => {
    receiver = await startReceiver();
    // No Reach receiver configured: deliveries go where the organization is subscribed.
    h = await startHarness();
    ctx = { platform: 'linkedin', http: h.http, classify: createClassifier(() => h.fakes.context.now()) };
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  beforeEach(() => {
    h.fakes.reset();
    receiver.seen.length = 0;
  });

  it('writes the compound key in Rest.li 2.0 syntax', () => {
    expect(subscriptionPath({ applicationId: '123456', personUrn: 'urn:li:person:abc', organizationUrn: 'urn:li:organization:42' })).toBe(
      'https://api.linkedin.com/rest/eventSubscriptions/(developerApplication:urn%3Ali%3AdeveloperApplication%3A123456,user:urn%3Ali%3Aperson%3Aabc,entity:urn%3Ali%3Aorganization%3A42,eventType:ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS)',
    );
    expect(() => subscriptionPath({ applicationId: 'client-id', personUrn: 'urn:li:person:abc', organizationUrn: 'urn:li:organization:42' })).toThrow(/numeric/);
  });

  it('subscribes an admin, reads it back, delivers to it, and removes it', async () => {
    const tokens = await connect(h, 'reach-demo', { variant: 'organization' });
    const { member, organization } = await accountsOf(h, tokens);
    const key = { applicationId: '778899', personUrn: member, organizationUrn: organization! };
    const subs = createLinkedinEventSubscriptions(ctx);
    const webhook = `${receiver.base}/hooks/linkedin`;

    await subs.subscribe(tokens.accessToken, key, webhook);
    const read = await subs.read(tokens.accessToken, key);
    expect(read).toEqual({ webhook, expiresAt: expect.any(String) });
    expect(Date.parse(read!.expiresAt!)).toBeGreaterThan(Date.now());

    const result = await h.fake.deliverWebhook!({ event: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS', mode: 'valid', data: { action: 'LIKE' } }, h.fakes.context);
    expect(result).toEqual({ statuses: [200], target: webhook });
    expect(receiver.seen[0]!.events[0]).toMatchObject({ kind: 'metrics_changed', platformAccountId: organization });

    await subs.remove(tokens.accessToken, key);
    expect(await subs.read(tokens.accessToken, key)).toBeUndefined();
    const stats = h.fakes.stats()['linkedin']!;
    expect(stats['PUT api.linkedin.com/rest/eventSubscriptions/:key']).toBe(1);
    expect(stats['DELETE api.linkedin.com/rest/eventSubscriptions/:key']).toBe(1);
  });

  it('keeps a delivery with nowhere to go in the fake’s record only', async () => {
    const result = await h.fake.deliverWebhook!({ event: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS' }, h.fakes.context);
    expect(result).toEqual({ statuses: [], target: '' });
    expect((h.fake.snapshot() as { deliveries: unknown[] }).deliveries).toHaveLength(1);
    expect(receiver.seen).toEqual([]);
  });

  it('refuses a member without rw_organization_admin', async () => {
    const tokens = await connect(h, 'reach-demo');
    const { member } = await accountsOf(h, tokens);
    // The member's own organization, read from the fake (consenting again with other scopes would revoke this token).
    const snapshot = h.fake.snapshot() as { accounts: Array<{ name: string; organizations: Array<{ urn: string }> }> };
    const organization = snapshot.accounts.find((a) => a.name === 'reach-demo')!.organizations[0]!.urn;
    const subs = createLinkedinEventSubscriptions(ctx);
    const err = await subs.subscribe(tokens.accessToken, { applicationId: '1', personUrn: member, organizationUrn: organization }, 'https://reach.example/hook').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'invalid_request', code: '100/ACCESS_DENIED' });
  });
});
