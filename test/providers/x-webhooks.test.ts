/**
 * X Account Activity webhooks: the CRC answer, signature checks on the raw bytes, parsing of the
 * documented payloads, webhook registration against the fake (which runs a real CRC), and the
 * fake's signed deliveries reaching a local receiver.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createXWebhookRegistration } from '../../functions/providers/x';
import { classifyXFailure } from '../../functions/providers/x/errors';
import { X_SIGNATURE_HEADER, xWebhooks } from '../../functions/providers/x/webhooks';
import { ProviderError, type WebhookEvent, type WebhookRequest } from '../../functions/providers/types';
import type { DeliveryMode } from '../../local/fakes/framework';
import { connect, credentials, startXWorld, thrown, type XWorld } from './x-publish-support';

const SAMPLES = join(__dirname, '../fixtures/conformance/x');
const raw = (name: string): Buffer => readFileSync(join(SAMPLES, name));
const sign = (secret: string, body: Buffer | string) => `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
const post = (body: Buffer, headers: Record<string, string> = {}): WebhookRequest => ({ method: 'POST', headers, query: {}, rawBody: body });
const signed = (body: Buffer, secret = credentials.clientSecret) => post(body, { [X_SIGNATURE_HEADER]: sign(secret, body), 'content-type': 'application/json' });
const now = new Date();

/** The longform sample with its `"user": { ... }` placeholder made JSON, as X sends it. */
const longform = (userId: string): Buffer =>
  Buffer.from(raw('tweet_create_events_longform.json.txt').toString('utf8').replace('"user": { ... }', `"user": {"id": ${Number(userId)}, "id_str": "${userId}", "screen_name": "someone"}`));

describe('x webhook CRC', () => {
  it('answers the documented HMAC (a vector computed independently with openssl)', () => {
    const res = xWebhooks.challenge!({ method: 'GET', headers: {}, query: { crc_token: 'challenge_string' }, rawBody: Buffer.alloc(0) }, { clientId: 'k', clientSecret: 'your_consumer_secret_here' });
    expect(res).toEqual({ status: 200, contentType: 'application/json', body: '{"response_token":"sha256=mchn+rKsGVnYHN/lGyanuEw6XariJ3D+ARDLDsd0dS0="}' });
  });

  it('answers with the webhook secret when one is set', () => {
    const res = xWebhooks.challenge!({ method: 'GET', headers: {}, query: { crc_token: 'abc', nonce: 'n' }, rawBody: Buffer.alloc(0) }, { ...credentials, webhookSecret: 'consumer-secret' });
    expect(JSON.parse(res.body)).toEqual({ response_token: sign('consumer-secret', 'abc') });
  });

  it.each([
    ['no token', {}],
    ['an empty token', { crc_token: '' }],
    ['a token with spaces', { crc_token: 'a b' }],
    ['an absurdly long token', { crc_token: 'a'.repeat(600) }],
  ])('refuses %s with 403', (_name, query: Record<string, string>) => {
    expect(xWebhooks.challenge!({ method: 'GET', headers: {}, query, rawBody: Buffer.alloc(0) }, credentials).status).toBe(403);
  });
});

describe('x webhook signatures', () => {
  const bodies = ['tweet_delete_events.json', 'user_event_revoke.json', 'webhook_create_response.json', 'tweet_create_events_longform.json.txt'];

  it.each(bodies)('verifies %s signed with the consumer secret', (name) => {
    expect(xWebhooks.verify(signed(raw(name)), credentials, now)).toEqual({ ok: true });
  });

  it('matches a signature computed independently with openssl', () => {
    const body = Buffer.from('{"for_user_id":"2244994945"}');
    const req = post(body, { [X_SIGNATURE_HEADER]: 'sha256=Ho/cH6+HHikxmaDTmWHDYtT9sqVhUoRZFKuo+2l9990=' });
    expect(xWebhooks.verify(req, { clientId: 'k', clientSecret: 'your_consumer_secret_here' }, now)).toEqual({ ok: true });
  });

  it.each(bodies)('refuses %s with any single byte changed', (name) => {
    const body = raw(name);
    const header = sign(credentials.clientSecret, body);
    for (const at of [0, 1, Math.floor(body.length / 3), Math.floor(body.length / 2), body.length - 2, body.length - 1]) {
      const changed = Buffer.from(body);
      changed[at] = changed[at]! ^ 0x01;
      expect({ at, result: xWebhooks.verify(post(changed, { [X_SIGNATURE_HEADER]: header }), credentials, now) }).toEqual({ at, result: { ok: false, reason: 'bad_signature' } });
    }
  });

  it('refuses a signature made with another secret, and prefers the webhook secret', () => {
    const body = raw('tweet_delete_events.json');
    expect(xWebhooks.verify(signed(body, 'someone-else'), credentials, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(xWebhooks.verify(signed(body, 'consumer-secret'), { ...credentials, webhookSecret: 'consumer-secret' }, now)).toEqual({ ok: true });
    expect(xWebhooks.verify(signed(body), { ...credentials, webhookSecret: 'consumer-secret' }, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    ['no header', {}, 'missing_signature'],
    ['an empty header', { [X_SIGNATURE_HEADER]: '' }, 'missing_signature'],
    ['another algorithm', { [X_SIGNATURE_HEADER]: 'sha1=abc' }, 'malformed'],
    ['hex instead of base64', { [X_SIGNATURE_HEADER]: `sha256=${'ab'.repeat(32)}` }, 'malformed'],
    ['a short digest', { [X_SIGNATURE_HEADER]: 'sha256=AAAA' }, 'malformed'],
    ['garbage', { [X_SIGNATURE_HEADER]: 'sha256=!!!!not base64 at all!!!!' }, 'malformed'],
    ['a digest with a bad padding bit', { [X_SIGNATURE_HEADER]: `sha256=${'A'.repeat(42)}B=` }, 'malformed'],
  ])('answers %s without throwing', (_name, headers: Record<string, string>, reason) => {
    expect(xWebhooks.verify(post(Buffer.from('{}'), headers), credentials, now)).toEqual({ ok: false, reason });
  });

  it('refuses a GET as a delivery', () => {
    const body = Buffer.from('{}');
    expect(xWebhooks.verify({ ...signed(body), method: 'GET' }, credentials, now)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('x webhook payloads (documented samples)', () => {
  it('reads tweet_delete_events as a deleted post of the account', () => {
    const events = xWebhooks.parse(signed(raw('tweet_delete_events.json')));
    expect(events).toEqual([
      {
        eventId: 'tweet_delete:930524282358325248:1045405559317569537',
        kind: 'post_status',
        platformAccountId: '930524282358325248',
        occurredAt: '2015-05-21T17:09:15.593Z',
        data: { status: 'deleted', platformPostId: '1045405559317569537' },
      },
    ]);
  });

  it('reads user_event revoke as a deauthorization', () => {
    const [event] = xWebhooks.parse(signed(raw('user_event_revoke.json')));
    expect(event).toEqual({
      eventId: expect.stringMatching(/^user_event:[0-9a-f]{64}:0$/),
      kind: 'deauthorized',
      platformAccountId: '63046977',
      occurredAt: '2018-05-24T09:48:12.000Z',
      data: { reason: 'user_revoked_app', appId: '13090192' },
    });
  });

  it('gives nothing for the longform sample as documented (its "user": { ... } is not JSON)', () => {
    expect(xWebhooks.parse(signed(raw('tweet_create_events_longform.json.txt')))).toEqual([]);
  });

  it('reads the longform post as the account own post, by id_str and not the rounded id', () => {
    expect(xWebhooks.parse(signed(longform('1603419180975409153')))).toEqual([
      {
        eventId: 'tweet_create:1603419180975409153:1924465506158878979',
        kind: 'post_status',
        platformAccountId: '1603419180975409153',
        occurredAt: '2025-05-19T14:01:46.000Z',
        data: { status: 'published', platformPostId: '1924465506158878979' },
      },
    ]);
  });

  it("reads someone else's longform post as a mention, with the full text", () => {
    const [event] = xWebhooks.parse(signed(longform('42')));
    expect(event).toMatchObject({ kind: 'mention', platformAccountId: '1603419180975409153', data: { postId: '1924465506158878979', authorId: '42' } });
    expect((event!.data['text'] as string).startsWith('The Antikythera Mechanism')).toBe(true);
    expect((event!.data['text'] as string).endsWith('off the Greek island of Antikythera...')).toBe(true);
  });

  it('reads likes, follows, replies and unknown events from the documented shapes', () => {
    const body = Buffer.from(
      JSON.stringify({
        for_user_id: '2244994945',
        favorite_events: [
          { id: 'a7ba59eab0bfcba386f7acedac279542', created_at: 'Mon Mar 26 16:33:26 +0000 2018', timestamp_ms: 1522082006140, favorited_status: { id_str: '9', user: { id_str: '2244994945' } }, user: { id_str: '7' } },
        ],
        follow_events: [
          { type: 'follow', created_timestamp: '1517588749178', target: { id: '2244994945' }, source: { id: '7' } },
          { type: 'unfollow', created_timestamp: '1517588749178', target: { id: '8' }, source: { id: '2244994945' } },
        ],
        tweet_create_events: [{ id_str: '11', created_at: 'Mon Mar 26 16:40:00 +0000 2018', text: '@me nice', user: { id_str: '7' }, in_reply_to_status_id_str: '9', in_reply_to_user_id_str: '2244994945' }],
        direct_message_events: [{ type: 'message_create', id: '954491830116155396' }],
      }),
    );
    const events = xWebhooks.parse(signed(body));
    const byKind = (e: WebhookEvent) => [e.kind, e.data];
    expect(events.map(byKind)).toEqual([
      ['metrics_changed', { metric: 'likes', platformPostId: '9', byUserId: '7' }],
      ['metrics_changed', { metric: 'followers', change: 1, type: 'follow', sourceId: '7', targetId: '2244994945' }],
      ['metrics_changed', { metric: 'following', change: -1, type: 'unfollow', sourceId: '2244994945', targetId: '8' }],
      ['comment', { platformPostId: '9', commentId: '11', authorId: '7', text: '@me nice' }],
      ['ignored', { type: 'direct_message_events' }],
    ]);
    expect(events[0]).toMatchObject({ eventId: 'favorite:2244994945:a7ba59eab0bfcba386f7acedac279542', occurredAt: '2018-03-26T16:33:26.140Z' });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    // The same bytes give the same ids: duplicates are caught by id.
    expect(xWebhooks.parse(signed(body)).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
  });

  it.each([
    ['empty', ''],
    ['not JSON', '{"for_user_id":'],
    ['null', 'null'],
    ['an array', '[1,2]'],
    ['a string', '"tweet_create_events"'],
  ])('parses a malformed body (%s) to no events', (_name, text) => {
    expect(xWebhooks.parse(signed(Buffer.from(text)))).toEqual([]);
  });

  it('turns malformed entries into ignored events instead of throwing', () => {
    const events = xWebhooks.parse(signed(Buffer.from('{"for_user_id":"1","tweet_create_events":[{"no":"id"}],"user_event":{"revoke":{}}}')));
    expect(events.map((e) => e.kind)).toEqual(['ignored', 'ignored']);
  });
});

/** A local receiver answering CRCs with the provider's own adapter and recording deliveries. */
const startReceiver = async (secret = credentials.clientSecret) => {
  const received: WebhookRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver.local');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const request: WebhookRequest = { method: req.method === 'GET' ? 'GET' : 'POST', headers, query: Object.fromEntries(url.searchParams), rawBody: Buffer.concat(chunks) };
      if (request.method === 'GET') {
        const answer = xWebhooks.challenge!(request, { clientId: 'x', clientSecret: secret });
        res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
        return;
      }
      received.push({ ...request, query: { path: url.pathname } });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
};

describe('x webhook registration against the fake', () => {
  let world: XWorld;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    world = await startXWorld();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await world.fakes.close();
  });
  beforeEach(() => world.fakes.reset());

  const registration = () => createXWebhookRegistration({ platform: 'x', http: world.http, classify: (f) => classifyXFailure(f, new Date()) });
  const appToken = () => registration().appBearerToken({ key: credentials.clientId, secret: credentials.clientSecret });

  it('registers a URL that passes the CRC, lists it, re-validates it and subscribes an account', async () => {
    const reg = registration();
    const token = await appToken();
    const hook = await reg.register(token, `${receiver.base}/v1/webhooks/x`);
    expect(hook).toEqual({ id: expect.stringMatching(/^\d+$/), url: `${receiver.base}/v1/webhooks/x`, valid: true, created_at: expect.any(String) });
    expect(await reg.list(token)).toEqual([hook]);
    expect(await reg.revalidate(token, hook.id)).toBe(true);
    const user = await connect(world, 'reach_demo');
    expect(await reg.subscribe(user.accessToken, hook.id)).toBe(true);
    expect(((await thrown(() => reg.subscribe(user.accessToken, hook.id))) as ProviderError).failure.kind).toBe('invalid_request');
    expect(await reg.remove(token, hook.id)).toBe(true);
    expect(await reg.list(token)).toEqual([]);
  });

  it('refuses a URL whose CRC answer is wrong, a non-https URL, and a user token', async () => {
    const wrong = await startReceiver('not-the-consumer-secret');
    try {
      const token = await appToken();
      const crc = (await thrown(() => registration().register(token, `${wrong.base}/hook`))) as ProviderError;
      expect(crc.failure).toMatchObject({ kind: 'invalid_request', code: 'invalid-request' });
      expect(crc.failure.message).toContain('CrcValidationFailed');
      const insecure = (await thrown(() => registration().register(token, 'http://reach.example.com/hook'))) as ProviderError;
      expect(insecure.failure.message).toContain('UrlValidationFailed');
      const user = await connect(world, 'reach_demo');
      const userAuth = (await thrown(() => registration().list(user.accessToken))) as ProviderError;
      expect(userAuth.failure).toMatchObject({ kind: 'invalid_request', code: 'unsupported-authentication' });
    } finally {
      await wrong.close();
    }
  });

  it('sends a signed tweet_create_events on its own when a subscribed account posts', async () => {
    const reg = registration();
    const token = await appToken();
    const hook = await reg.register(token, `${receiver.base}/aaa`);
    const user = await connect(world, 'reach_demo');
    await reg.subscribe(user.accessToken, hook.id);
    receiver.received.length = 0;
    const step = await world.provider.publisher!.publish({
      tokens: user,
      credentials,
      platformAccountId: world.fake.account('reach_demo').id,
      accountType: 'personal',
      content: { text: 'Posted while subscribed', media: [], options: {} },
      targetKey: 'k',
      save: async () => undefined,
    });
    for (let i = 0; i < 50 && receiver.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(receiver.received).toHaveLength(1);
    const delivery = receiver.received[0]!;
    expect(xWebhooks.verify(delivery, credentials, new Date())).toEqual({ ok: true });
    expect(xWebhooks.parse(delivery)).toEqual([
      expect.objectContaining({ kind: 'post_status', platformAccountId: world.fake.account('reach_demo').id, data: { status: 'published', platformPostId: step.status === 'published' ? step.platformPostId : '' } }),
    ]);
  });
});

describe('x webhook deliveries from the fake', () => {
  let world: XWorld;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
    world = await startXWorld({ webhookBaseUrl: receiver.base });
  });
  afterAll(async () => {
    await world.fakes.close();
    await receiver.close();
  });
  beforeEach(() => {
    world.fakes.reset();
    receiver.received.length = 0;
  });

  const deliver = async (event: string, mode: DeliveryMode = 'valid', data?: Record<string, unknown>) => {
    const result = await world.fake.deliverWebhook!({ event, account: 'reach_demo', mode, ...(data && { data }) }, world.fakes.context);
    expect(result.target).toBe(`${receiver.base}/v1/webhooks/x`);
    return result;
  };

  it.each([
    ['tweet_create_events', 'post_status'],
    ['tweet_delete_events', 'post_status'],
    ['favorite_events', 'metrics_changed'],
    ['follow_events', 'metrics_changed'],
    ['unfollow_events', 'metrics_changed'],
    ['user_event', 'deauthorized'],
  ])('delivers %s signed as X signs it, read as %s', async (event, kind) => {
    const result = await deliver(event);
    expect(result.statuses).toEqual([200]);
    const [delivery] = receiver.received;
    expect(delivery!.query['path']).toBe('/v1/webhooks/x');
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(xWebhooks.verify(delivery!, credentials, new Date())).toEqual({ ok: true });
    const events = xWebhooks.parse(delivery!);
    expect(events).toEqual([expect.objectContaining({ kind, platformAccountId: world.fake.account('reach_demo').id })]);
  });

  it('delivers a mention from another account when asked for one', async () => {
    await deliver('tweet_create_events', 'valid', { from: 'a_fan', text: '@reach_demo great post' });
    const [event] = xWebhooks.parse(receiver.received[0]!);
    expect(event).toMatchObject({ kind: 'mention', data: { authorId: world.fake.account('a_fan').id, text: '@reach_demo great post' } });
  });

  it('sends a forged delivery that verify refuses', async () => {
    await deliver('tweet_create_events', 'forged');
    expect(xWebhooks.verify(receiver.received[0]!, credentials, new Date())).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('sends a stale delivery: X signs no timestamp, so it verifies but carries its old time', async () => {
    await deliver('follow_events', 'stale');
    const delivery = receiver.received[0]!;
    expect(xWebhooks.verify(delivery, credentials, new Date())).toEqual({ ok: true });
    const [event] = xWebhooks.parse(delivery);
    expect(Date.now() - Date.parse(event!.occurredAt)).toBeGreaterThan(2 * 86_400_000);
  });

  it('sends a duplicate twice with the same bytes, so the events carry the same ids', async () => {
    const result = await deliver('favorite_events', 'duplicate');
    expect(result.statuses).toEqual([200, 200]);
    const [a, b] = receiver.received;
    expect(a!.rawBody.equals(b!.rawBody)).toBe(true);
    expect(xWebhooks.parse(a!).map((e) => e.eventId)).toEqual(xWebhooks.parse(b!).map((e) => e.eventId));
  });

  it('revokes the grant along with a user_event', async () => {
    const user = await connect(world, 'reach_demo');
    await deliver('user_event');
    const err = (await thrown(() => world.provider.accounts.list({ tokens: user, credentials }))) as ProviderError;
    expect(err.failure.kind).toBe('auth_expired');
  });

  it('is reachable through the control endpoint', async () => {
    const res = await fetch(`${world.fakes.baseUrl}/__fakes/x/webhooks`, { method: 'POST', body: JSON.stringify({ event: 'follow_events', account: 'reach_demo' }) });
    expect(await res.json()).toEqual({ statuses: [200], target: `${receiver.base}/v1/webhooks/x` });
    expect(xWebhooks.verify(receiver.received[0]!, credentials, new Date())).toEqual({ ok: true });
  });
});
