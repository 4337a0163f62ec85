/**
 * TikTok webhooks: the signature over the raw bytes (every documented body, and the same body with
 * single bytes changed), the timestamp tolerance, garbage headers, parsing of every documented
 * delivery, and the fake's signed deliveries (on request and by itself as publishes move on) sent
 * to a tiny local receiver.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseSignatureHeader, tiktokSignature, tiktokWebhooks } from '../../functions/providers/tiktok/webhooks';
import type { PublishStep, WebhookRequest } from '../../functions/providers/types';
import { bytesOf, content, contextFor, credentials, startMediaServer, startTiktok, type MediaServer, type TiktokWorld } from './tiktok-publish-support';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'tiktok');
const BODIES = ['webhook_authorization_removed.json', 'webhook_video_publish_completed.json', 'webhook_video_upload_failed.json', 'webhook_portability_download_ready.json'];
const rawOf = (name: string): Buffer => readFileSync(join(FIXTURES, name));

const NOW = new Date('2026-11-20T12:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);

const request = (rawBody: Buffer, headers: Record<string, string>, method: 'GET' | 'POST' = 'POST'): WebhookRequest => ({ method, headers, query: {}, rawBody });
const signed = (rawBody: Buffer, t = T, secret = credentials.clientSecret) => request(rawBody, { 'tiktok-signature': tiktokSignature(secret, t, rawBody) });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('TikTok webhook signatures', () => {
  it('has no subscription challenge: TikTok registers the callback URL in its portal', () => {
    expect(tiktokWebhooks.challenge).toBeUndefined();
  });

  it('reads the documented header example (t and a 64-digit hex s) under its documented name', () => {
    const line = readFileSync(join(FIXTURES, 'webhook_signature_header_example.txt'), 'utf8').trim();
    const [, name, value] = /^"([^"]+)":\s*"([^"]+)"$/.exec(line)!;
    expect(name).toBe('Tiktok-Signature');
    const parsed = parseSignatureHeader(value!);
    expect(parsed?.timestamp).toBe(1633174587);
    expect(parsed?.signatures.map((s) => s.toString('hex'))).toEqual(['18494715036ac4416a1d0a673871a2edbcfc94d94bd88ccd2c5ec9b3425afe66']);
    // TikTok publishes no body or secret for it: well-formed, but it signs nothing we hold.
    const req = request(rawOf(BODIES[0]!), { [name!]: value! });
    expect(tiktokWebhooks.verify(req, credentials, new Date(1633174587 * 1000))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each(BODIES)('verifies %s signed as TikTok signs, and refuses it with any single byte changed', (name) => {
    const raw = rawOf(name);
    const header = tiktokSignature(credentials.clientSecret, T, raw);
    expect(tiktokWebhooks.verify(request(raw, { 'tiktok-signature': header }), credentials, NOW)).toEqual({ ok: true });
    // Any spelling of the header name.
    expect(tiktokWebhooks.verify(request(raw, { 'TikTok-Signature': header }), credentials, NOW)).toEqual({ ok: true });
    for (const at of [0, 1, Math.floor(raw.length / 3), Math.floor(raw.length / 2), raw.length - 2, raw.length - 1]) {
      const changed = Buffer.from(raw);
      changed[at] = changed[at]! ^ 0x01;
      expect(tiktokWebhooks.verify(request(changed, { 'tiktok-signature': header }), credentials, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    }
    // The signature covers the timestamp too.
    expect(tiktokWebhooks.verify(request(raw, { 'tiktok-signature': header.replace(`t=${T}`, `t=${T + 1}`) }), credentials, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    // Another app's secret.
    expect(tiktokWebhooks.verify(signed(raw, T, 'other-secret'), credentials, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('takes a timestamp up to five minutes away and refuses one further', () => {
    const raw = rawOf(BODIES[1]!);
    expect(tiktokWebhooks.verify(signed(raw, T - 300), credentials, NOW)).toEqual({ ok: true });
    expect(tiktokWebhooks.verify(signed(raw, T - 301), credentials, NOW)).toEqual({ ok: false, reason: 'stale' });
    expect(tiktokWebhooks.verify(signed(raw, T + 300), credentials, NOW)).toEqual({ ok: true });
    expect(tiktokWebhooks.verify(signed(raw, T + 301), credentials, NOW)).toEqual({ ok: false, reason: 'stale' });
  });

  it('answers missing or malformed headers without throwing', () => {
    const raw = rawOf(BODIES[0]!);
    const good = tiktokSignature(credentials.clientSecret, T, raw);
    const s = good.split(',s=')[1]!;
    const cases: [Record<string, string>, string][] = [
      [{}, 'missing_signature'],
      [{ 'tiktok-signature': '' }, 'missing_signature'],
      [{ 'tiktok-signature': 'garbage' }, 'malformed'],
      [{ 'tiktok-signature': `s=${s}` }, 'malformed'],
      [{ 'tiktok-signature': `t=${T}` }, 'malformed'],
      [{ 'tiktok-signature': `t=abc,s=${s}` }, 'malformed'],
      [{ 'tiktok-signature': `t=${T},s=${s.slice(2)}` }, 'malformed'],
      [{ 'tiktok-signature': `t=${T},s=${s.replace(/./, 'z')}` }, 'malformed'],
      [{ 'tiktok-signature': `t=${T},t=${T},s=${s}` }, 'malformed'],
      [{ 'tiktok-signature': `t=${T},=x,s=${s}` }, 'malformed'],
      [{ 'tiktok-signature': `t=${T},s=${s}`.padEnd(5000, ',') }, 'malformed'],
    ];
    for (const [headers, reason] of cases) expect(tiktokWebhooks.verify(request(raw, headers), credentials, NOW)).toEqual({ ok: false, reason });
    expect(tiktokWebhooks.verify(request(raw, { 'tiktok-signature': good }, 'GET'), credentials, NOW)).toEqual({ ok: false, reason: 'malformed' });
    // Several signatures (as during a secret rotation): any one may match.
    expect(tiktokWebhooks.verify(request(raw, { 'tiktok-signature': `t=${T},s=${'0'.repeat(64)},s=${s}` }), credentials, NOW)).toEqual({ ok: true });
  });
});

describe('parsing TikTok deliveries', () => {
  const parse = (raw: Buffer) => tiktokWebhooks.parse(request(raw, {}));

  it('turns authorization.removed into a deauthorization with its reason', () => {
    const raw = rawOf('webhook_authorization_removed.json');
    expect(parse(raw)).toEqual([
      { eventId: sha(raw), kind: 'deauthorized', platformAccountId: 'act.example12345Example12345Example', occurredAt: '2021-03-10T01:10:10.000Z', data: { reason: 'user_disconnected', reasonCode: 1 } },
    ]);
  });

  it('turns Video Kit\'s completed and failed shares into post statuses', () => {
    const completed = rawOf('webhook_video_publish_completed.json');
    const failed = rawOf('webhook_video_upload_failed.json');
    const share = 'video.6974245311675353080.VDCxrcMJ';
    expect(parse(completed)).toEqual([
      { eventId: sha(completed), kind: 'post_status', platformAccountId: 'act.example12345Example12345Example', occurredAt: '2021-03-10T01:10:10.000Z', data: { event: 'video.publish.completed', status: 'published', publishId: share, shareId: share } },
    ]);
    expect(parse(failed)[0]).toMatchObject({ kind: 'post_status', data: { event: 'video.upload.failed', status: 'failed', publishId: share, reason: 'upload_failed' } });
    expect(parse(completed)[0]!.eventId).not.toBe(parse(failed)[0]!.eventId);
  });

  it('ignores the data-portability event, which names no user', () => {
    const raw = rawOf('webhook_portability_download_ready.json');
    expect(parse(raw)).toEqual([{ eventId: sha(raw), kind: 'ignored', occurredAt: '2021-03-10T01:10:10.000Z', data: { event: 'portability.download.ready' } }]);
  });

  it('reads the Content Posting events with their double-encoded content', () => {
    const body = (event: string, c: Record<string, unknown>) =>
      Buffer.from(JSON.stringify({ client_key: 'k', event, create_time: 1700000000, user_openid: 'open-1', content: JSON.stringify(c) }));
    expect(parse(body('post.publish.complete', { publish_id: 'v_pub_file~v2-1.1', publish_type: 'DIRECT_PUBLISH' }))[0]).toMatchObject({
      kind: 'post_status',
      platformAccountId: 'open-1',
      occurredAt: '2023-11-14T22:13:20.000Z',
      data: { status: 'published', publishId: 'v_pub_file~v2-1.1', publishType: 'DIRECT_PUBLISH' },
    });
    expect(parse(body('post.publish.publicly_available', { publish_id: 'p1', post_id: 7311111111111111111n.toString(), publish_type: 'DIRECT_PUBLISH' }))[0]!.data).toEqual({
      event: 'post.publish.publicly_available',
      status: 'published',
      publishId: 'p1',
      platformPostId: '7311111111111111111',
      publishType: 'DIRECT_PUBLISH',
    });
    expect(parse(body('post.publish.failed', { publish_id: 'p2', reason: 'spam_risk_text', publish_type: 'DIRECT_PUBLISH' }))[0]!.data).toMatchObject({ status: 'failed', reason: 'spam_risk_text' });
    expect(parse(body('post.publish.inbox_delivered', { publish_id: 'p3', publish_type: 'INBOX_SHARE' }))[0]!.kind).toBe('ignored');
    expect(parse(body('post.publish.no_longer_publicaly_available', { publish_id: 'p4', post_id: '1' }))[0]!.kind).toBe('ignored');
    expect(parse(body('post.publish.complete', {}))[0]!.kind).toBe('ignored');
  });

  it('gives no events for a body that is not a delivery, and never throws', () => {
    for (const text of ['', 'not json', '[]', '{"event":"x"}', '{"create_time":1}', 'null', '{"event":"authorization.removed","create_time":"soon"}']) {
      expect(parse(Buffer.from(text))).toEqual([]);
    }
    // A verified delivery whose content is not JSON still says who left.
    expect(parse(Buffer.from('{"event":"authorization.removed","create_time":1,"user_openid":"o","content":"{oops"}'))[0]).toMatchObject({ kind: 'deauthorized', data: { reason: 'unknown', reasonCode: 0 } });
  });

  it('keeps the same event id for the same bytes (a retried delivery)', () => {
    const raw = rawOf('webhook_authorization_removed.json');
    expect(parse(Buffer.from(raw))[0]!.eventId).toBe(parse(Buffer.from(raw))[0]!.eventId);
  });
});

interface Received {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

describe('the fake TikTok\'s webhook deliveries', () => {
  let receiver: Server;
  let received: Received[];
  let world: TiktokWorld;
  let media: MediaServer;

  beforeAll(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        received.push({ path: req.url ?? '', headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    world = await startTiktok({ webhookBaseUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` });
    media = await startMediaServer();
  });
  afterAll(async () => {
    await world.close();
    await media.close();
    await new Promise<void>((resolve) => {
      receiver.closeAllConnections();
      receiver.close(() => resolve());
    });
  });

  const asRequest = (r: Received): WebhookRequest => request(r.body, r.headers);
  const verify = (r: Received) => tiktokWebhooks.verify(asRequest(r), credentials, world.fakes.context.now());
  const since = () => received.length;

  it('signs a requested delivery as TikTok does, and the adapter accepts and reads it', async () => {
    const tokens = await world.connect('hook.maker');
    const account = world.fake.account('hook.maker');
    const from = since();
    const result = await world.fake.deliverWebhook!({ event: 'authorization.removed', account: 'hook.maker', data: { reason: 5 } }, world.fakes.context);
    expect(result).toEqual({ statuses: [200], target: expect.stringMatching(/\/v1\/webhooks\/tiktok$/) });
    const [delivery] = received.slice(from);
    expect(delivery!.path).toBe('/v1/webhooks/tiktok');
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(verify(delivery!)).toEqual({ ok: true });
    const body = JSON.parse(delivery!.body.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ client_key: credentials.clientId, event: 'authorization.removed', user_openid: account.openId, content: '{"reason":5}' });
    expect(tiktokWebhooks.parse(asRequest(delivery!))).toEqual([
      expect.objectContaining({ kind: 'deauthorized', platformAccountId: account.openId, data: { reason: 'developer_revoked', reasonCode: 5 } }),
    ]);
    // TikTok has revoked the grant by the time it calls.
    const info = await fetch(`${world.fakes.baseUrl}/open.tiktokapis.com/v2/user/info/?fields=open_id`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(info.status).toBe(401);
  });

  it('sends forged and stale deliveries the adapter refuses, and a duplicate with the same event id', async () => {
    const from = since();
    await world.fake.deliverWebhook!({ event: 'video.publish.completed', account: 'modes.maker', mode: 'forged' }, world.fakes.context);
    await world.fake.deliverWebhook!({ event: 'video.publish.completed', account: 'modes.maker', mode: 'stale' }, world.fakes.context);
    const dup = await world.fake.deliverWebhook!({ event: 'video.publish.completed', account: 'modes.maker', mode: 'duplicate' }, world.fakes.context);
    expect(dup.statuses).toEqual([200, 200]);
    const [forged, stale, first, second] = received.slice(from);
    expect(verify(forged!)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(stale!)).toEqual({ ok: false, reason: 'stale' });
    expect(verify(first!)).toEqual({ ok: true });
    expect(second!.body.equals(first!.body)).toBe(true);
    expect(tiktokWebhooks.parse(asRequest(second!))[0]!.eventId).toBe(tiktokWebhooks.parse(asRequest(first!))[0]!.eventId);
  });

  it('answers the control route with the delivery it made', async () => {
    const from = since();
    const res = await fetch(`${world.fakes.baseUrl}/__fakes/tiktok/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'post.publish.failed', account: 'control.maker', data: { publishId: 'v_pub_file~v2-1.9', reason: 'spam_risk_text' } }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { statuses: number[] }).statuses).toEqual([200]);
    const [delivery] = received.slice(from);
    expect(verify(delivery!)).toEqual({ ok: true });
    expect(tiktokWebhooks.parse(asRequest(delivery!))[0]).toMatchObject({
      kind: 'post_status',
      platformAccountId: world.fake.account('control.maker').openId,
      data: { status: 'failed', publishId: 'v_pub_file~v2-1.9', reason: 'spam_risk_text', publishType: 'DIRECT_PUBLISH' },
    });
  });

  it('sends post.publish.complete and post.publish.publicly_available by itself as a publish finishes', async () => {
    const tokens = await world.connect('auto.maker');
    const account = world.fake.account('auto.maker');
    const item = media.add('auto.mp4', bytesOf('auto', 2000), 'video/mp4');
    const ctx = contextFor(tokens, account.openId, content('auto hooks', [item], { privacyLevel: 'PUBLIC_TO_EVERYONE' }));
    const from = since();
    let step: PublishStep = await world.provider.publisher!.publish(ctx);
    const publishId = ctx.saved[0]!['publishId'];
    while (step.status === 'processing') step = await world.provider.publisher!.publish({ ...ctx, checkpoint: step.checkpoint });
    await world.fake.settled();

    const events = received.slice(from).map((r) => {
      expect(verify(r)).toEqual({ ok: true });
      return tiktokWebhooks.parse(asRequest(r))[0]!;
    });
    expect(events.map((e) => e.data['event'])).toEqual(['post.publish.complete', 'post.publish.publicly_available']);
    expect(events.every((e) => e.kind === 'post_status' && e.platformAccountId === account.openId && e.data['publishId'] === publishId)).toBe(true);
    expect(events[1]!.data['platformPostId']).toBe(step.platformPostId);
  });

  it('keeps deliveries in its snapshot when no receiver is known', async () => {
    const lonely = await startTiktok();
    try {
      const result = await lonely.fake.deliverWebhook!({ event: 'post.publish.complete', account: 'alone.maker' }, lonely.fakes.context);
      expect(result).toEqual({ statuses: [], target: '' });
      expect((lonely.fake.snapshot() as { webhooks: unknown[] }).webhooks).toEqual([{ event: 'post.publish.complete', account: 'alone.maker', mode: 'valid', at: expect.any(String), statuses: [] }]);
    } finally {
      await lonely.close();
    }
  });
});
