import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Provider, WebhookAdapter } from '../../functions/core/ports/provider';
import { MAX_EVENT_DATA_BYTES, MAX_WEBHOOK_BODY_BYTES } from '../../functions/core/use-cases/webhooks';
import { createWebhooksHandler } from '../../functions/handlers/http/webhooks';
import { logger } from '../../functions/handlers/lib/observability';
import { acmeBody, acmeSignature, ACME_SIGNATURE_HEADER, type AcmeEventInput } from '../support/acme-webhooks';
import { directoryOf, memoryDeps, staticCredentials, type MemoryDeps } from '../support/memory';
import { createTestProvider } from '../support/test-provider';
import { bodyOf, lambdaContext, webhookEvent } from '../support/webhook-http';

const CREDENTIALS = { clientId: 'cid', clientSecret: 'csecret', webhookSecret: 'whsec', verifyToken: 'vtoken' };
const ctx = lambdaContext();

const setup = (extra: Provider[] = []) => {
  const acme = createTestProvider({ withWebhooks: true });
  const plain = createTestProvider({ id: 'plain' });
  const base = memoryDeps(directoryOf(acme.provider, plain.provider, ...extra));
  const deps: MemoryDeps = { ...base, credentials: staticCredentials(CREDENTIALS) };
  const handler = createWebhooksHandler(() => deps);
  const nowSeconds = () => Math.floor(deps.now().getTime() / 1000);
  const post = (body: string | Buffer, options: { headers?: Record<string, string>; platform?: string; base64?: boolean; signedAt?: number; secret?: string } = {}) => {
    const signature = acmeSignature(body, options.secret ?? CREDENTIALS.webhookSecret, options.signedAt ?? nowSeconds());
    return handler(
      webhookEvent({
        method: 'POST',
        route: '/v1/webhooks/{platform}',
        params: { platform: options.platform ?? 'acme' },
        headers: options.headers ?? { 'content-type': 'application/json', [ACME_SIGNATURE_HEADER]: signature },
        body,
        ...(options.base64 !== undefined && { base64: options.base64 }),
      }),
      ctx,
    );
  };
  return { deps, handler, post, nowSeconds };
};

const EVENTS: AcmeEventInput[] = [
  { id: 'evt-1', type: 'followers', account: 'acct-1', at: '2026-11-23T11:59:00Z', data: { followers: 1500 } },
  { id: 'evt-2', type: 'comment', account: 'acct-1', at: '2026-11-23T11:59:30Z', data: { text: 'Nice post', commentId: 'c1' } },
];

let metricSpy: jest.SpyInstance;
let dimensionSpy: jest.SpyInstance;
beforeEach(() => {
  metricSpy = jest.spyOn(Metrics.prototype, 'addMetric').mockImplementation(function (this: Metrics) {
    return this;
  });
  dimensionSpy = jest.spyOn(Metrics.prototype, 'addDimensions');
});
afterEach(() => {
  metricSpy.mockRestore();
  dimensionSpy.mockRestore();
});

describe('POST /v1/webhooks/{platform}', () => {
  it('stores each verified event once and queues it, answering with the counts', async () => {
    const { deps, post } = setup();
    const res = await post(acmeBody(EVENTS));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ received: 2, duplicates: 0 });
    expect(deps.queue.sent).toEqual([
      { queue: 'webhookEvents', body: { type: 'event', platform: 'acme', eventId: 'evt-1' } },
      { queue: 'webhookEvents', body: { type: 'event', platform: 'acme', eventId: 'evt-2' } },
    ]);
    const stored = await deps.webhookEvents.get('acme', 'evt-1');
    expect(stored).toEqual({
      platform: 'acme',
      eventId: 'evt-1',
      kind: 'metrics_changed',
      platformAccountId: 'acct-1',
      occurredAt: '2026-11-23T11:59:00.000Z',
      receivedAt: deps.now().toISOString(),
      data: { followers: 1500 },
      state: 'received',
    });
    // Nothing of the delivery's credentials is kept: only the parsed data.
    const everything = JSON.stringify([...deps.webhookEvents.items.values()]);
    for (const secret of [CREDENTIALS.webhookSecret, CREDENTIALS.clientSecret, 'v1=']) expect(everything).not.toContain(secret);
    // Events expire after the configured seven days.
    expect([...deps.webhookEvents.items.values()][0]!.expiresAt).toBe(deps.now().getTime() + 7 * 86_400_000);
  });

  it('drops a redelivery as duplicates: the same delivery twice queues each event once', async () => {
    const { deps, post } = setup();
    const body = acmeBody(EVENTS);
    expect(bodyOf(await post(body))).toEqual({ received: 2, duplicates: 0 });
    const again = await post(body);
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again)).toEqual({ received: 0, duplicates: 2 });
    expect(deps.queue.sent).toHaveLength(2);
  });

  it('stores an id repeated within one delivery once', async () => {
    const { deps, post } = setup();
    expect(bodyOf(await post(acmeBody([EVENTS[0]!, EVENTS[0]!, EVENTS[1]!])))).toEqual({ received: 2, duplicates: 0 });
    expect(deps.queue.sent).toHaveLength(2);
  });

  it('verifies the raw bytes: a base64-encoded body with non-ASCII text verifies and parses', async () => {
    const { deps, post } = setup();
    const body = Buffer.from(acmeBody([{ id: 'evt-é', type: 'mention', account: 'acct-1', data: { text: 'Grüße ✨' } }]), 'utf8');
    const res = await post(body, { base64: true });
    expect(bodyOf(res)).toEqual({ received: 1, duplicates: 0 });
    expect((await deps.webhookEvents.get('acme', 'evt-é'))?.data).toEqual({ text: 'Grüße ✨' });
  });

  it('never re-serializes: the same JSON with other whitespace does not verify', async () => {
    const { deps, handler, nowSeconds } = setup();
    const signed = acmeBody(EVENTS);
    const sent = JSON.stringify(JSON.parse(signed), null, 2);
    const res = await handler(
      webhookEvent({
        method: 'POST',
        route: '/v1/webhooks/{platform}',
        params: { platform: 'acme' },
        headers: { [ACME_SIGNATURE_HEADER]: acmeSignature(signed, CREDENTIALS.webhookSecret, nowSeconds()) },
        body: sent,
      }),
      ctx,
    );
    expect(res.statusCode).toBe(403);
    expect(deps.webhookEvents.items.size).toBe(0);
  });

  type PostOptions = Parameters<ReturnType<typeof setup>['post']>[1];
  const cases: Array<[string, (nowSeconds: number) => PostOptions, number, string]> = [
    ['no signature', () => ({ headers: { 'content-type': 'application/json' } }), 401, 'missing_signature'],
    ['a forged signature', () => ({ secret: 'not-the-secret' }), 403, 'bad_signature'],
    ['a stale signature', (now) => ({ signedAt: now - 3600 }), 403, 'stale'],
    ['a malformed signature', () => ({ headers: { [ACME_SIGNATURE_HEADER]: 't=1,v1=zz' } }), 403, 'malformed'],
  ];
  it.each(cases)('refuses a delivery with %s (problem+json, counted, nothing stored or queued)', async (_name, options, status, reason) => {
    const { deps, post, nowSeconds } = setup();
    const res = await post(acmeBody(EVENTS), options(nowSeconds()));
    expect(res.statusCode).toBe(status);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(bodyOf(res)).toMatchObject({ type: 'https://reach.dev/problems/unverified_delivery', status });
    expect(res.body).not.toContain('Nice post');
    expect(deps.webhookEvents.puts).toBe(0);
    expect(deps.queue.sent).toEqual([]);
    expect(metricSpy).toHaveBeenCalledWith('WebhookRejected', 'Count', 1);
    expect(metricSpy).toHaveBeenCalledTimes(1);
    expect(dimensionSpy).toHaveBeenCalledWith({ platform: 'acme', reason });
  });

  it('answers 404 problem+json for an unknown platform and for one without webhooks', async () => {
    const { post } = setup();
    for (const platform of ['nope', 'plain']) {
      const res = await post(acmeBody(EVENTS), { platform });
      expect(res.statusCode).toBe(404);
      expect(res.headers?.['content-type']).toBe('application/problem+json');
    }
  });

  it('acknowledges and drops kinds Reach does not use', async () => {
    const { deps, post } = setup();
    const res = await post(acmeBody([{ id: 'evt-9', type: 'story_insights', account: 'acct-1' }]));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ received: 0, duplicates: 0 });
    expect(deps.webhookEvents.puts).toBe(0);
    expect(deps.queue.sent).toEqual([]);
  });

  it('acknowledges a verified body it cannot parse with nothing queued (so the platform does not retry it), logging no body', async () => {
    const { deps, post } = setup();
    const logged = jest.spyOn(logger, 'error');
    const res = await post('this is not json, and private');
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ received: 0, duplicates: 0 });
    expect(deps.webhookEvents.puts).toBe(0);
    expect(deps.queue.sent).toEqual([]);
    expect(logged).toHaveBeenCalledWith('verified webhook delivery could not be parsed', { platform: 'acme', problem: 'SyntaxError', bytes: 29 });
    logged.mockRestore();
  });

  it('refuses a body over 1 MiB with 413 before verifying it, plain or base64', async () => {
    const { deps, post } = setup();
    const big = acmeBody([{ id: 'big', type: 'comment', account: 'acct-1', data: { text: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) } }]);
    for (const base64 of [false, true]) {
      const res = await post(big, { base64 });
      expect(res.statusCode).toBe(413);
      expect(res.headers?.['content-type']).toBe('application/problem+json');
    }
    expect(deps.webhookEvents.puts).toBe(0);
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const { post } = setup();
    const head = acmeBody([{ id: 'edge', type: 'comment', account: 'acct-1', data: { text: '' } }]);
    const pad = MAX_WEBHOOK_BODY_BYTES - Buffer.byteLength(head);
    const body = head.replace('"text":""', `"text":"${'y'.repeat(pad)}"`);
    expect(Buffer.byteLength(body)).toBe(MAX_WEBHOOK_BODY_BYTES);
    expect((await post(body)).statusCode).toBe(200);
  });

  it('keeps oversized event data out of the table, with a marker', async () => {
    const { deps, post } = setup();
    const res = await post(acmeBody([{ id: 'huge', type: 'comment', account: 'acct-1', data: { text: 'z'.repeat(MAX_EVENT_DATA_BYTES) } }]));
    expect(bodyOf(res)).toEqual({ received: 1, duplicates: 0 });
    expect((await deps.webhookEvents.get('acme', 'huge'))?.data).toEqual({ oversized: true, bytes: MAX_EVENT_DATA_BYTES + 11 });
  });

  it('stores an id too long for a key under its hash', async () => {
    const { deps, post } = setup();
    await post(acmeBody([{ id: 'i'.repeat(600), type: 'comment', account: 'acct-1' }]));
    const [message] = deps.queue.sent;
    expect((message!.body as { eventId: string }).eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('forgets what it stored when the queue refuses, answers 5xx, and takes the retry as new', async () => {
    const { deps, post } = setup();
    const send = jest.spyOn(deps.queue, 'send').mockRejectedValueOnce(new Error('SQS is down'));
    const body = acmeBody(EVENTS);
    const failed = await post(body);
    expect(failed.statusCode).toBe(500);
    expect(failed.body).not.toContain('SQS is down');
    expect(deps.webhookEvents.items.size).toBe(0);
    send.mockRestore();
    expect(bodyOf(await post(body))).toEqual({ received: 2, duplicates: 0 });
    expect(deps.queue.sent).toHaveLength(2);
  });

  it('drops events an adapter produced in a shape Reach cannot store, keeping the rest', async () => {
    const sloppy: WebhookAdapter = {
      verify: () => ({ ok: true }),
      parse: () =>
        [
          { eventId: '', kind: 'comment', occurredAt: 'x', data: {} },
          { eventId: 'ok-1', kind: 'comment', platformAccountId: 'a', occurredAt: 'not a date', data: { n: 1 } },
          { eventId: 'bad-kind', kind: 'explosion', occurredAt: '2026-01-01T00:00:00Z', data: {} },
        ] as never,
    };
    const other = createTestProvider({ id: 'sloppy' });
    const { deps, post } = setup([{ ...other.provider, webhooks: sloppy }]);
    expect(bodyOf(await post('{}', { platform: 'sloppy' }))).toEqual({ received: 1, duplicates: 0 });
    // A date the adapter could not give is the receipt time.
    expect((await deps.webhookEvents.get('sloppy', 'ok-1'))?.occurredAt).toBe(deps.now().toISOString());
  });

  it('treats an adapter that throws while verifying, or answers nonsense, as unverified', async () => {
    const adapters: Record<string, WebhookAdapter['verify']> = {
      throws: () => {
        throw new Error('boom');
      },
      nothing: () => undefined as never,
      odd: () => ({ ok: false, reason: 'because' }) as never,
      truthy: () => ({ ok: 'yes' }) as never,
    };
    const extra = Object.entries(adapters).map(([id, verify]) => ({ ...createTestProvider({ id }).provider, webhooks: { verify, parse: () => [] } }));
    const { deps, post } = setup(extra);
    for (const id of Object.keys(adapters)) {
      const res = await post('{}', { platform: id });
      expect(res.statusCode).toBe(403);
      expect(bodyOf(res)['detail']).toBe('The signature is malformed');
    }
    expect(deps.webhookEvents.puts).toBe(0);
  });
});

describe('GET /v1/webhooks/{platform}', () => {
  const get = (handler: ReturnType<typeof setup>['handler'], platform: string, query: Record<string, string>) =>
    handler(webhookEvent({ method: 'GET', route: '/v1/webhooks/{platform}', params: { platform }, query }), ctx);

  it("returns the adapter's answer exactly (status, content type, body)", async () => {
    const { handler } = setup();
    const res = await get(handler, 'acme', { 'acme.challenge': '1158201444', 'acme.verify_token': CREDENTIALS.verifyToken });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('1158201444');
  });

  it('passes on the refusal of a wrong verify token', async () => {
    const { handler } = setup();
    const res = await get(handler, 'acme', { 'acme.challenge': '1', 'acme.verify_token': 'wrong' });
    expect(res.statusCode).toBe(403);
    expect(res.body).toBe('forbidden');
    expect(metricSpy).toHaveBeenCalledWith('WebhookRejected', 'Count', 1);
  });

  it('answers 404 for a platform without a subscription check or without webhooks', async () => {
    const noCheck = createTestProvider({ id: 'nocheck' });
    const { handler } = setup([{ ...noCheck.provider, webhooks: { verify: () => ({ ok: false, reason: 'missing_signature' }), parse: () => [] } }]);
    for (const platform of ['nocheck', 'plain', 'unknown']) {
      const res = await get(handler, platform, { 'acme.challenge': '1' });
      expect(res.statusCode).toBe(404);
      expect(res.headers?.['content-type']).toBe('application/problem+json');
    }
  });
});
