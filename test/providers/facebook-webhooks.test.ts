/**
 * Facebook Page webhooks: what `feed` changes mean (own posts added and removed, visitors' posts,
 * comments, reactions), and the Meta fake's deliveries — signed with the Facebook app's secret —
 * reaching a receiver that runs the provider's adapter, including the announcement Meta sends
 * when a Page post is published.
 */
import { createHmac } from 'node:crypto';
import { createFacebookProvider } from '../../functions/providers/facebook';
import { facebookWebhooks } from '../../functions/providers/facebook/webhooks';
import { createHttpClient } from '../../functions/providers/http';
import type { WebhookRequest } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createMetaFake } from '../../local/fakes/meta';
import { FakeWorld } from '../../local/fakes/meta/world';
import { content, publishedOf, recorder } from './meta-media';
import { startReceiver, type Receiver } from './meta-receiver';
import { REDIRECT_URI, callbackParams } from './meta-support';

const FB_APP = { clientId: '1111', clientSecret: 'facebook-app-secret', verifyToken: 'fb-verify' };
const IG_APP = { clientId: '2222', clientSecret: 'instagram-app-secret' };
const PAGE = '101';

const feed = (value: Record<string, unknown>, field = 'feed'): WebhookRequest => {
  const raw = Buffer.from(JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: 1691185460, changes: [{ field, value }] }] }));
  return { method: 'POST', headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', FB_APP.clientSecret).update(raw).digest('hex')}` }, query: {}, rawBody: raw };
};
const meaning = (value: Record<string, unknown>, field?: string) => facebookWebhooks.parse(feed(value, field)).map((e) => ({ kind: e.kind, data: e.data, occurredAt: e.occurredAt }));

describe('parsing Page feed deliveries', () => {
  it('turns the Page’s own new post into post_status published, dated by created_time', () => {
    const req = feed({ item: 'status', post_id: `${PAGE}_9`, verb: 'add', published: 1, created_time: 1691185400, message: 'Example post content.', from: { name: 'Test Page', id: PAGE } });
    expect(facebookWebhooks.verify(req, FB_APP, new Date())).toEqual({ ok: true });
    expect(facebookWebhooks.parse(req)).toEqual([
      {
        eventId: expect.stringMatching(/^101:1691185460:feed:[0-9a-f]{32}$/),
        kind: 'post_status',
        platformAccountId: PAGE,
        occurredAt: '2023-08-04T21:43:20.000Z',
        data: { status: 'published', platformPostId: `${PAGE}_9`, item: 'status' },
      },
    ]);
  });

  it('reads photos and videos as posts too, and a removal as deleted', () => {
    expect(meaning({ item: 'photo', post_id: `${PAGE}_1`, verb: 'add', from: { id: PAGE } })[0]).toMatchObject({ kind: 'post_status', data: { status: 'published', item: 'photo' } });
    expect(meaning({ item: 'video', post_id: `${PAGE}_2`, verb: 'remove', from: { id: PAGE } })[0]).toMatchObject({ kind: 'post_status', data: { status: 'deleted', platformPostId: `${PAGE}_2` } });
    // A new video names its upload, which a publish waiting on processing has in its checkpoint.
    expect(meaning({ item: 'video', post_id: `${PAGE}_3`, video_id: '3', verb: 'add', from: { id: PAGE } })[0]).toMatchObject({
      kind: 'post_status',
      data: { status: 'published', platformPostId: `${PAGE}_3`, publishId: '3', item: 'video' },
    });
  });

  it('ignores visitors’ posts, unpublished posts and edits', () => {
    expect(meaning({ item: 'post', post_id: `${PAGE}_3`, verb: 'add', from: { id: '555' } })[0]).toMatchObject({ kind: 'ignored', data: { reason: 'visitor_post' } });
    expect(meaning({ item: 'status', post_id: `${PAGE}_4`, verb: 'add', published: 0, from: { id: PAGE } })[0]).toMatchObject({ kind: 'ignored', data: { reason: 'unpublished' } });
    expect(meaning({ item: 'status', post_id: `${PAGE}_5`, verb: 'edited', from: { id: PAGE } })[0]).toMatchObject({ kind: 'ignored', data: { reason: 'edited' } });
  });

  it('turns a comment into a comment event on its post', () => {
    expect(meaning({ item: 'comment', verb: 'add', post_id: `${PAGE}_6`, comment_id: '6_77', parent_id: `${PAGE}_6`, message: 'Nice', from: { id: '555', name: 'Fan' }, created_time: 1691185460 })).toEqual([
      { kind: 'comment', data: { platformPostId: `${PAGE}_6`, commentId: '6_77', text: 'Nice', authorId: '555' }, occurredAt: '2023-08-04T21:44:20.000Z' },
    ]);
    expect(meaning({ item: 'comment', verb: 'remove', post_id: `${PAGE}_6`, comment_id: '6_77' })[0]!.kind).toBe('ignored');
  });

  it('turns reactions into metrics_changed, +1 added and −1 removed', () => {
    expect(meaning({ item: 'reaction', verb: 'add', post_id: `${PAGE}_7`, reaction_type: 'love' })[0]).toMatchObject({ kind: 'metrics_changed', data: { metric: 'likes', change: 1, platformPostId: `${PAGE}_7`, reactionType: 'love' } });
    expect(meaning({ item: 'reaction', verb: 'remove', post_id: `${PAGE}_7` })[0]).toMatchObject({ kind: 'metrics_changed', data: { change: -1 } });
  });

  it('ignores other fields, other items and values of the wrong shape', () => {
    expect(meaning({ message: 'hi' }, 'mention')[0]!.kind).toBe('ignored');
    expect(meaning({ item: 'share', verb: 'add', post_id: `${PAGE}_8` })[0]!.kind).toBe('ignored');
    expect(meaning({ verb: 'add' })[0]).toMatchObject({ kind: 'ignored', data: { reason: 'unexpected_shape' } });
  });
});

describe('the fake’s Page deliveries', () => {
  let receiver: Receiver;
  let fakes: RunningFakes;
  const fake = createMetaFake(FB_APP, { instagramApp: IG_APP });
  const page = new FakeWorld().person('cafe.demo').pages[0]!;

  beforeAll(async () => {
    receiver = await startReceiver({ facebook: { adapter: facebookWebhooks, credentials: FB_APP } });
    fakes = await startFakes({ platforms: [fake], webhookBaseUrl: receiver.base });
  });
  afterAll(() => Promise.all([fakes.close(), receiver.close()]));
  beforeEach(() => {
    fakes.reset();
    receiver.received.length = 0;
  });

  it.each([
    ['status', 'post_status'],
    ['comment', 'comment'],
    ['reaction', 'metrics_changed'],
  ])('delivers a feed %s the receiver verifies and reads as %s', async (item, kind) => {
    const result = await fake.deliverWebhook!({ event: 'feed', account: 'cafe.demo', data: { item, postId: `${page.id}_42` } }, fakes.context);
    expect(result.statuses).toEqual([200]);
    const [got] = await receiver.waitFor(1);
    expect(got!.verification).toEqual({ ok: true });
    expect(got!.events).toEqual([expect.objectContaining({ kind, platformAccountId: page.id, data: expect.objectContaining({ platformPostId: `${page.id}_42` }) })]);
    expect(facebookWebhooks.verify(got!.request, IG_APP, new Date())).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('sends forged deliveries the receiver refuses, and duplicates with one event id', async () => {
    expect((await fake.deliverWebhook!({ event: 'feed', account: 'cafe.demo', mode: 'forged' }, fakes.context)).statuses).toEqual([401]);
    expect((await fake.deliverWebhook!({ event: 'feed', account: 'cafe.demo', mode: 'duplicate' }, fakes.context)).statuses).toEqual([200, 200]);
    const [, a, b] = await receiver.waitFor(3);
    expect(a!.events![0]!.eventId).toBe(b!.events![0]!.eventId);
  });

  it('runs the subscription check with the Facebook app’s verify token', async () => {
    expect((await fake.deliverWebhook!({ event: 'subscribe' }, fakes.context)).statuses).toEqual([200]);
    const [got] = await receiver.waitFor(1);
    expect(got!.request.query).toMatchObject({ 'hub.mode': 'subscribe', 'hub.verify_token': 'fb-verify' });
  });

  it('announces a Page post it publishes, as Meta does to subscribed apps', async () => {
    const http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
    const facebook = createFacebookProvider({ http, now: () => fakes.context.now() });
    const url = facebook.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: facebook.manifest.oauth.defaultScopes, codeChallenge: 'c', credentials: FB_APP });
    const consent = new URL(http.publicUrl(url));
    consent.searchParams.set('fake_account', 'cafe.demo');
    const params = callbackParams(new URL((await fetch(consent, { redirect: 'manual' })).headers.get('location')!));
    const user = await facebook.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: FB_APP, params });
    const [first] = await facebook.accounts.list({ tokens: user, credentials: FB_APP });

    const done = publishedOf(
      await facebook.publisher!.publish({ tokens: first!.tokens!, credentials: FB_APP, platformAccountId: first!.platformAccountId, accountType: 'page', content: content({ text: 'Fresh bread at 7' }), targetKey: 'k', save: recorder().save }),
    );
    const [got] = await receiver.waitFor(1);
    expect(got!.events).toEqual([expect.objectContaining({ kind: 'post_status', platformAccountId: page.id, data: { status: 'published', platformPostId: done.platformPostId, item: 'status' } })]);
  });
});
