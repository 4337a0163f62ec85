/**
 * Instagram webhooks: what `comments` and `mentions` deliveries mean, and the Meta fake's own
 * deliveries — signed with the Instagram app's secret, serialised the way Meta does — reaching a
 * receiver that runs the provider's adapter: valid, forged, stale, duplicate, and the
 * subscription check.
 */
import { createHmac } from 'node:crypto';
import { instagramWebhooks } from '../../functions/providers/instagram/webhooks';
import type { WebhookRequest } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createMetaFake } from '../../local/fakes/meta';
import { FakeWorld } from '../../local/fakes/meta/world';
import { startReceiver, type Receiver } from './meta-receiver';

const FB_APP = { clientId: '1111', clientSecret: 'facebook-app-secret', verifyToken: 'fb-verify' };
const IG_APP = { clientId: '2222', clientSecret: 'instagram-app-secret', verifyToken: 'ig-verify' };

const delivery = (body: unknown): WebhookRequest => {
  const raw = Buffer.from(JSON.stringify(body));
  return { method: 'POST', headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', IG_APP.clientSecret).update(raw).digest('hex')}` }, query: {}, rawBody: raw };
};

describe('parsing Instagram deliveries', () => {
  // The shapes of Meta's Instagram webhook reference samples.
  const comment = {
    object: 'instagram',
    entry: [
      {
        id: '17841405822304914',
        time: 1520622968,
        changes: [
          {
            field: 'comments',
            value: { from: { id: '232323232', username: 'test' }, media: { id: '123123123', media_product_type: 'FEED' }, id: '17865799348089039', parent_id: '1231231234', text: 'This is an example.' },
          },
        ],
      },
    ],
  };

  it('turns a comment into a comment event on the media', () => {
    const req = delivery(comment);
    expect(instagramWebhooks.verify(req, IG_APP, new Date())).toEqual({ ok: true });
    expect(instagramWebhooks.parse(req)).toEqual([
      {
        eventId: expect.stringMatching(/^17841405822304914:1520622968:comments:[0-9a-f]{32}$/),
        kind: 'comment',
        platformAccountId: '17841405822304914',
        occurredAt: '2018-03-09T19:16:08.000Z',
        data: { platformPostId: '123123123', commentId: '17865799348089039', text: 'This is an example.', parentId: '1231231234', authorId: '232323232', authorUsername: 'test', mediaProductType: 'FEED' },
      },
    ]);
  });

  it('turns a mention into a mention event, and other fields into ignored ones', () => {
    const body = {
      object: 'instagram',
      entry: [
        {
          id: '1784',
          time: 1700000000,
          changes: [
            { field: 'mentions', value: { media_id: '17887498072083520', comment_id: '17887498072083521' } },
            { field: 'story_insights', value: { media_id: '1', impressions: 4 } },
            { field: 'comments', value: { text: 'no media' } },
          ],
        },
      ],
    };
    expect(instagramWebhooks.parse(delivery(body)).map((e) => [e.kind, e.data])).toEqual([
      ['mention', { mediaId: '17887498072083520', commentId: '17887498072083521' }],
      ['ignored', { field: 'story_insights' }],
      ['ignored', { field: 'comments', reason: 'unexpected_shape' }],
    ]);
  });

  it('ignores a Page delivery sent to the Instagram endpoint', () => {
    const body = { object: 'page', entry: [{ id: '1', time: 1, changes: [{ field: 'feed', value: { item: 'status', verb: 'add', post_id: '1_2' } }] }] };
    expect(instagramWebhooks.parse(delivery(body)).map((e) => e.kind)).toEqual(['ignored']);
  });
});

describe('the fake’s Instagram deliveries', () => {
  let receiver: Receiver;
  let fakes: RunningFakes;
  const fake = createMetaFake(FB_APP, { instagramApp: IG_APP });
  const person = new FakeWorld().person('shop.demo');

  beforeAll(async () => {
    receiver = await startReceiver({ instagram: { adapter: instagramWebhooks, credentials: IG_APP } });
    fakes = await startFakes({ platforms: [fake], webhookBaseUrl: receiver.base });
  });
  afterAll(() => Promise.all([fakes.close(), receiver.close()]));
  beforeEach(() => {
    fakes.reset();
    receiver.received.length = 0;
  });

  it('delivers a comment signed with the Instagram app secret, in Meta’s escaped serialisation', async () => {
    const result = await fake.deliverWebhook!({ event: 'comments', account: 'shop.demo', data: { mediaId: '17900000000000001', text: 'Love it 😍 / see you' } }, fakes.context);
    expect(result).toEqual({ statuses: [200], target: `${receiver.base}/v1/webhooks/instagram` });
    const [got] = await receiver.waitFor(1);
    expect(got!.request.headers['content-type']).toBe('application/json');
    expect(got!.request.headers['x-hub-signature']).toMatch(/^sha1=[0-9a-f]{40}$/);
    const raw = got!.request.rawBody.toString('latin1');
    expect(raw).toContain('\\ud83d\\ude0d \\/ see you');
    expect([...got!.request.rawBody].every((b) => b < 0x80)).toBe(true);
    expect(got!.verification).toEqual({ ok: true });
    expect(got!.events).toEqual([
      expect.objectContaining({
        kind: 'comment',
        platformAccountId: person.igUserId,
        data: expect.objectContaining({ platformPostId: '17900000000000001', text: 'Love it 😍 / see you' }),
      }),
    ]);
    // Not signed with the Facebook app's secret.
    expect(instagramWebhooks.verify(got!.request, FB_APP, new Date())).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('delivers a mention of the account’s newest media by default', async () => {
    await fake.deliverWebhook!({ event: 'mentions', account: 'shop.demo' }, fakes.context);
    const [got] = await receiver.waitFor(1);
    expect(got!.events).toEqual([expect.objectContaining({ kind: 'mention', platformAccountId: person.igUserId, data: { mediaId: expect.stringMatching(/^1790\d{13}$/) } })]);
  });

  it('sends a forged delivery the receiver refuses', async () => {
    const result = await fake.deliverWebhook!({ event: 'comments', account: 'shop.demo', mode: 'forged' }, fakes.context);
    expect(result.statuses).toEqual([401]);
    expect(receiver.received[0]!.verification).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('sends a stale delivery: Meta signs no time, so it verifies and carries its old time', async () => {
    await fake.deliverWebhook!({ event: 'comments', account: 'shop.demo', mode: 'stale' }, fakes.context);
    const [got] = await receiver.waitFor(1);
    expect(got!.verification).toEqual({ ok: true });
    const age = Date.now() - Date.parse(got!.events![0]!.occurredAt);
    expect(age).toBeGreaterThan(2 * 86_400_000 - 60_000);
  });

  it('sends a duplicate: the same bytes twice, the same event id', async () => {
    const result = await fake.deliverWebhook!({ event: 'comments', account: 'shop.demo', mode: 'duplicate' }, fakes.context);
    expect(result.statuses).toEqual([200, 200]);
    const [a, b] = await receiver.waitFor(2);
    expect(a!.request.rawBody.equals(b!.request.rawBody)).toBe(true);
    expect(a!.events![0]!.eventId).toBe(b!.events![0]!.eventId);
  });

  it('runs the subscription check with the Instagram app’s verify token, and a wrong one', async () => {
    expect((await fake.deliverWebhook!({ event: 'subscribe', data: { platform: 'instagram' } }, fakes.context)).statuses).toEqual([200]);
    expect((await fake.deliverWebhook!({ event: 'subscribe', mode: 'forged', data: { platform: 'instagram' } }, fakes.context)).statuses).toEqual([403]);
    const snapshot = fake.snapshot() as { webhooks: Array<{ event: string; body: string }> };
    expect(snapshot.webhooks.map((w) => w.body)).toEqual(['challenge echoed', 'challenge not echoed']);
  });

  it('keeps deliveries in its snapshot, and refuses events it does not send', async () => {
    await fake.deliverWebhook!({ event: 'mentions', account: 'shop.demo' }, fakes.context);
    const snapshot = fake.snapshot() as { webhooks: Array<{ provider: string; event: string; statuses: number[] }> };
    expect(snapshot.webhooks).toEqual([expect.objectContaining({ provider: 'instagram', event: 'mentions', statuses: [200] })]);
    await expect(fake.deliverWebhook!({ event: 'messages' }, fakes.context)).rejects.toThrow('sends no messages webhooks');
  });
});
