/**
 * YouTube push notifications (WebSub): the documented notification sample verifies with its
 * signature and with no byte changed, parses to the video's status; the subscription check
 * answers exactly as the hub expects; the subscription client and the fake hub do the whole
 * dance; and the fake's deliveries verify (or not, for forged ones) at a local receiver.
 */
import { createHmac } from 'node:crypto';
import { ProviderError } from '../../functions/providers/types';
import { createYoutubeProvider, createYoutubeWebSub } from '../../functions/providers/youtube';
import { youtubeWebhooks, websubSignature } from '../../functions/providers/youtube/websub';
import { accountFor } from '../../local/fakes/google/accounts';
import { CREDENTIALS, connect, sampleText, startGoogle, type GoogleHarness } from './google-helpers';
import { mp4, startMediaServer, startReceiver, webhookRequest, WEBHOOK_CREDENTIALS, type MediaServer, type Receiver } from './google-servers';

const SAMPLE = sampleText('websub_notification_atom.xml');
const SECRET = WEBHOOK_CREDENTIALS.webhookSecret!;
const NOW = new Date('2026-11-20T12:00:00Z');

const signed = (body: string | Buffer, secret = SECRET) => webhookRequest(body, { 'x-hub-signature': websubSignature(secret, body), 'content-type': 'application/atom+xml' });

describe('YouTube webhooks (WebSub)', () => {
  describe('verify', () => {
    it('accepts the documented notification with its sha1 signature', () => {
      const req = signed(SAMPLE);
      expect(req.headers['x-hub-signature']).toMatch(/^sha1=[0-9a-f]{40}$/);
      expect(youtubeWebhooks.verify(req, WEBHOOK_CREDENTIALS, NOW)).toEqual({ ok: true });
    });

    it('refuses the same body with any single byte changed', () => {
      const body = Buffer.from(SAMPLE);
      const header = websubSignature(SECRET, body);
      for (const at of [0, 1, 57, Math.floor(body.length / 2), body.length - 2, body.length - 1]) {
        const changed = Buffer.from(body);
        changed[at] = changed[at]! ^ 0x01;
        expect(youtubeWebhooks.verify(webhookRequest(changed, { 'x-hub-signature': header }), WEBHOOK_CREDENTIALS, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
      }
    });

    it('uses the client secret as the hub secret when no webhook secret is set', () => {
      const { webhookSecret: _w, ...plain } = WEBHOOK_CREDENTIALS;
      expect(youtubeWebhooks.verify(signed(SAMPLE, plain.clientSecret), plain, NOW)).toEqual({ ok: true });
      expect(youtubeWebhooks.verify(signed(SAMPLE, plain.clientSecret), WEBHOOK_CREDENTIALS, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('accepts the other WebSub methods a hub may use', () => {
      const header = `sha256=${createHmac('sha256', SECRET).update(SAMPLE).digest('hex')}`;
      expect(youtubeWebhooks.verify(webhookRequest(SAMPLE, { 'x-hub-signature': header }), WEBHOOK_CREDENTIALS, NOW)).toEqual({ ok: true });
    });

    it('answers garbage headers with a reason, never by throwing', () => {
      const hex = websubSignature(SECRET, SAMPLE).slice(5);
      const cases: [Record<string, string>, string][] = [
        [{}, 'missing_signature'],
        [{ 'x-hub-signature': '  ' }, 'missing_signature'],
        [{ 'x-hub-signature': hex }, 'malformed'],
        [{ 'x-hub-signature': `sha1=${hex.slice(1)}` }, 'malformed'],
        [{ 'x-hub-signature': `sha1=${hex}00` }, 'malformed'],
        [{ 'x-hub-signature': `md5=${hex}` }, 'malformed'],
        [{ 'x-hub-signature': `sha1=${'z'.repeat(40)}` }, 'malformed'],
        [{ 'x-hub-signature': `sha1=${'0'.repeat(40)}` }, 'bad_signature'],
      ];
      for (const [headers, reason] of cases) expect(youtubeWebhooks.verify(webhookRequest(SAMPLE, headers), WEBHOOK_CREDENTIALS, NOW)).toEqual({ ok: false, reason });
      expect(youtubeWebhooks.verify({ ...signed(SAMPLE), method: 'GET' }, WEBHOOK_CREDENTIALS, NOW)).toEqual({ ok: false, reason: 'malformed' });
    });
  });

  describe('parse', () => {
    it('turns the documented notification into the video\'s published status', () => {
      const events = youtubeWebhooks.parse(signed(SAMPLE));
      expect(events).toEqual([
        {
          eventId: 'video:VIDEO_ID:2015-03-09T19:05:24.552Z',
          kind: 'post_status',
          platformAccountId: 'CHANNEL_ID',
          occurredAt: '2015-03-09T19:05:24.552Z',
          data: { platformPostId: 'VIDEO_ID', status: 'published', title: 'Video title', publishedAt: '2015-03-06T21:40:57.000Z', updatedAt: '2015-03-09T19:05:24.552Z' },
        },
      ]);
      // The same delivery again has the same id, so it is dropped as a duplicate.
      expect(youtubeWebhooks.parse(signed(SAMPLE))[0]!.eventId).toBe(events[0]!.eventId);
    });

    it('reads a deleted video and decodes entities in titles', () => {
      const deleted = `<feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom"><at:deleted-entry ref="yt:video:abc123DEF45" when="2026-11-20T10:00:00+00:00"><link href="https://www.youtube.com/watch?v=abc123DEF45"/><at:by><name>x</name><uri>https://www.youtube.com/channel/UCabc</uri></at:by></at:deleted-entry></feed>`;
      expect(youtubeWebhooks.parse(signed(deleted))).toEqual([
        { eventId: 'deleted:abc123DEF45:2026-11-20T10:00:00.000Z', kind: 'post_status', platformAccountId: 'UCabc', occurredAt: '2026-11-20T10:00:00.000Z', data: { platformPostId: 'abc123DEF45', status: 'deleted' } },
      ]);
      const titled = SAMPLE.replace('<title>Video title</title>', '<title>Fish &amp; chips &#x1F41F; &#99999999;</title>');
      expect(youtubeWebhooks.parse(signed(titled))[0]!.data['title']).toBe('Fish & chips 🐟 &#99999999;');
    });

    it('gives no events for bodies that are not a YouTube feed, and never throws', () => {
      for (const body of ['', 'not xml', '{"json":true}', '<feed><entry>', '<html><body>hi</body></html>', '<feed>'.repeat(200_000)]) {
        expect(youtubeWebhooks.parse(webhookRequest(body))).toEqual([]);
      }
      // Unclosed tags by the hundred thousand cost linear time, not quadratic.
      const started = Date.now();
      for (const body of [`<feed>${'<entry>'.repeat(140_000)}</feed>`, `<feed><entry>${'<yt:videoId '.repeat(80_000)}></entry></feed>`]) {
        expect(youtubeWebhooks.parse(webhookRequest(body)).filter((e) => e.kind === 'post_status')).toEqual([]);
      }
      expect(Date.now() - started).toBeLessThan(2000);
      const noVideo = SAMPLE.replace('<yt:videoId>VIDEO_ID</yt:videoId>', '');
      expect(youtubeWebhooks.parse(signed(noVideo))).toEqual([expect.objectContaining({ kind: 'ignored', data: { type: 'entry_without_video' } })]);
    });
  });

  describe('challenge', () => {
    const topic = 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCuAXFkgsw1L7xaCfnd5JJOw';
    const check = (query: Record<string, string>) => youtubeWebhooks.challenge!(webhookRequest('', {}, 'GET', query), WEBHOOK_CREDENTIALS);

    it('answers the hub\'s challenge verbatim as text/plain, for subscribe and unsubscribe', () => {
      expect(check({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.challenge': '14241838263431537476', 'hub.lease_seconds': '432000' })).toEqual({
        status: 200,
        contentType: 'text/plain; charset=utf-8',
        body: '14241838263431537476',
      });
      expect(check({ 'hub.mode': 'unsubscribe', 'hub.topic': topic, 'hub.challenge': 'c-1' }).body).toBe('c-1');
      expect(check({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.challenge': 'x', 'hub.verify_token': 'reach-push-audience' }).status).toBe(200);
    });

    it('refuses a wrong verify token, another topic, a missing challenge or another mode', () => {
      expect(check({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.challenge': 'x', 'hub.verify_token': 'reach-push-audiencf' }).status).toBe(403);
      expect(check({ 'hub.mode': 'subscribe', 'hub.topic': 'https://evil.test/feed', 'hub.challenge': 'x' }).status).toBe(403);
      expect(check({ 'hub.mode': 'subscribe', 'hub.topic': topic }).status).toBe(403);
      expect(check({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.challenge': 'has space' }).status).toBe(403);
      expect(check({ 'hub.mode': 'denied', 'hub.topic': topic, 'hub.challenge': 'x' }).status).toBe(403);
      expect(check({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.challenge': 'x', 'hub.lease_seconds': 'soon' }).status).toBe(403);
    });
  });

  describe('against the fake hub and deliveries', () => {
    let receiver: Receiver;
    let h: GoogleHarness;
    let media: MediaServer;

    beforeAll(async () => {
      receiver = await startReceiver({
        youtube: {
          challenge: (req) => youtubeWebhooks.challenge!(req, CREDENTIALS),
          verify: (req) => youtubeWebhooks.verify(req, CREDENTIALS, new Date()),
          parse: (req) => youtubeWebhooks.parse(req),
        },
      });
      h = await startGoogle({ pollsToProcess: 1 }, { webhookBaseUrl: receiver.baseUrl });
      media = await startMediaServer();
    });
    afterAll(async () => {
      await media.close();
      await h.close();
      await receiver.close();
    });
    beforeEach(() => {
      h.fakes.reset();
      receiver.received.length = 0;
    });

    const deliver = async (body: Record<string, unknown>) => {
      const res = await fetch(`${h.fakes.baseUrl}/__fakes/google/webhooks`, { method: 'POST', body: JSON.stringify(body) });
      return (await res.json()) as { statuses: number[]; target: string };
    };

    it('subscribes through the hub, which checks the callback and then notifies of a public upload', async () => {
      const websub = createYoutubeWebSub({ http: h.http, now: () => new Date() });
      const channelId = accountFor('notified.channel').channel!.id;
      const callbackUrl = `${receiver.baseUrl}/v1/webhooks/youtube`;
      expect(await websub.subscribe({ callbackUrl, channelId, credentials: CREDENTIALS })).toEqual({
        topic: `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${channelId}`,
        mode: 'subscribe',
        verification: 'async',
      });
      await h.google.idle();
      expect(receiver.received).toEqual([expect.objectContaining({ status: 200, request: expect.objectContaining({ method: 'GET', query: expect.objectContaining({ 'hub.mode': 'subscribe', 'hub.lease_seconds': '432000' }) }) })]);
      const state = (await (await fetch(`${h.fakes.baseUrl}/__fakes/google/state`)).json()) as { youtube: { subscriptions: { state: string; signed: boolean }[] } };
      expect(state.youtube.subscriptions).toEqual([expect.objectContaining({ state: 'active', signed: true })]);

      const youtube = h.provider(createYoutubeProvider);
      const tokens = await connect(h, youtube, 'notified.channel');
      const video = media.add('n.mp4', mp4(8 * 1024, 'notify'), 'video/mp4');
      await youtube.publisher!.publish({ tokens, credentials: CREDENTIALS, platformAccountId: channelId, accountType: 'channel', content: { text: 'hi', media: [video], options: { title: 'Notify me' } }, targetKey: 't', save: async () => undefined });
      await h.google.idle();
      const posted = receiver.received.filter((r) => r.request.method === 'POST');
      expect(posted).toHaveLength(1);
      expect(posted[0]).toMatchObject({ status: 200, verification: { ok: true } });
      expect(posted[0]!.request.headers['content-type']).toBe('application/atom+xml');
      expect(posted[0]!.events).toEqual([expect.objectContaining({ kind: 'post_status', platformAccountId: channelId, data: expect.objectContaining({ status: 'published', title: 'Notify me' }) })]);

      expect((await websub.subscribe({ callbackUrl, channelId, mode: 'unsubscribe', credentials: CREDENTIALS })).mode).toBe('unsubscribe');
      await h.google.idle();
      const after = (await (await fetch(`${h.fakes.baseUrl}/__fakes/google/state`)).json()) as { youtube: { subscriptions: unknown[] } };
      expect(after.youtube.subscriptions).toEqual([]);
    });

    it('has the hub refuse a subscription it cannot read', async () => {
      const websub = createYoutubeWebSub({ http: h.http, now: () => new Date() });
      await expect(websub.subscribe({ callbackUrl: 'ftp://nowhere', channelId: 'UCx', credentials: CREDENTIALS })).rejects.toBeInstanceOf(ProviderError);
    });

    it('delivers a signed notification that Reach\'s own verify accepts, and refuses a forged one', async () => {
      const valid = await deliver({ event: 'video.published', account: 'deliver.me' });
      expect(valid).toEqual({ statuses: [200], target: `${receiver.baseUrl}/v1/webhooks/youtube` });
      expect(receiver.received[0]!.events).toEqual([expect.objectContaining({ kind: 'post_status', platformAccountId: accountFor('deliver.me').channel!.id })]);

      expect((await deliver({ event: 'video.published', account: 'deliver.me', mode: 'forged' })).statuses).toEqual([401]);
      expect(receiver.received[1]!.verification).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('sends stale and duplicate deliveries as asked', async () => {
      // WebSub signs no time: a stale notification verifies, and its old time shows in the event.
      await deliver({ event: 'video.updated', account: 'deliver.me', mode: 'stale', data: { videoId: 'abcdefghijk' } });
      const stale = receiver.received[0]!;
      expect(stale.verification).toEqual({ ok: true });
      expect(Date.now() - Date.parse(stale.events[0]!.occurredAt)).toBeGreaterThan(29 * 86_400_000);

      const dup = await deliver({ event: 'video.deleted', account: 'deliver.me', mode: 'duplicate', data: { videoId: 'abcdefghijk' } });
      expect(dup.statuses).toEqual([200, 200]);
      const [first, second] = receiver.received.slice(1);
      expect(first!.request.rawBody.equals(second!.request.rawBody)).toBe(true);
      expect(first!.events[0]).toMatchObject({ kind: 'post_status', data: { platformPostId: 'abcdefghijk', status: 'deleted' } });
      expect(second!.events[0]!.eventId).toBe(first!.events[0]!.eventId);
    });
  });
});
