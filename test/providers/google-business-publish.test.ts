/**
 * Publishing Business Profile posts against the Google fake: the rules at their boundaries,
 * create then review (PROCESSING → LIVE), event and offer posts as Google stores them, resuming
 * without a second create, rejections, the 10-edits-a-minute limit, and reconciling.
 */
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import type { TokenSet } from '../../functions/core/model/tokens';
import { createGoogleBusinessProvider } from '../../functions/providers/google-business';
import { phoneNumbersIn } from '../../functions/providers/google-business/rules';
import type { Checkpoint, Provider, PublishContext, Publisher } from '../../functions/providers/types';
import { accountFor } from '../../local/fakes/google/accounts';
import { CREDENTIALS, connect, startGoogle, type GoogleHarness } from './google-helpers';
import { startMediaServer, type MediaServer } from './google-servers';

const CREATE = 'POST mybusiness.googleapis.com/v4/accounts/:account/locations/:location/localPosts';
const GET = 'GET mybusiness.googleapis.com/v4/accounts/:account/locations/:location/localPosts/:post';
const KB = 1024;

const locationOf = (name: string): string => {
  const b = accountFor(name).business!;
  return `${b.name}/${b.locations[0]!.name}`;
};

const photo = (extra: Partial<MediaItem> = {}): MediaItem => ({ mediaId: 'p1', url: 'https://media.reach.test/p1.jpg', contentType: 'image/jpeg', size: 200 * KB, width: 1200, height: 900, ...extra });
const post = (text: string, options: Record<string, unknown> = {}, media: readonly MediaItem[] = [], link?: string): PostContent => ({ text, media, options, ...(link !== undefined && { link }) });

const codes = (p: Publisher, c: PostContent) => p.validate(c, 'location').violations.map((v) => `${v.field}:${v.code}`);

describe('Business Profile publishing', () => {
  let h: GoogleHarness;
  let media: MediaServer;
  let gbp: Provider;
  let publisher: Publisher;

  beforeAll(async () => {
    h = await startGoogle({ pollsToLive: 2, reviewSeconds: 60, rejectSummaries: /\bcasino\b/i });
    media = await startMediaServer();
    gbp = h.provider(createGoogleBusinessProvider);
    publisher = gbp.publisher!;
  });
  afterAll(async () => {
    await media.close();
    await h.close();
  });
  beforeEach(() => h.fakes.reset());

  const publishCtx = (tokens: TokenSet, account: string, c: PostContent, checkpoint?: Checkpoint) => {
    const saves: Checkpoint[] = [];
    const pctx: PublishContext = {
      tokens,
      credentials: CREDENTIALS,
      platformAccountId: locationOf(account),
      accountType: 'location',
      content: c,
      targetKey: 'post1.conn1',
      ...(checkpoint && { checkpoint }),
      save: async (cp) => {
        saves.push(cp);
      },
    };
    return { pctx, saves };
  };

  /** The post as the fake stores it, read through the API. */
  const stored = async (tokens: TokenSet, name: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${h.fakes.baseUrl}/mybusiness.googleapis.com/v4/${name}`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    return (await res.json()) as Record<string, unknown>;
  };

  describe('rules and validate', () => {
    it('publishes its rules as data and has no analytics', () => {
      expect(publisher.rules).toMatchObject({
        postTypes: ['STANDARD', 'EVENT', 'OFFER', 'ALERT'],
        text: { max: 1500, counting: 'characters' },
        media: { min: 0, max: 1, mixing: 'single', maxImageBytes: 5 * KB * KB, maxVideoSeconds: 30 },
        supportsThreads: false,
        supportsLinks: true,
      });
      expect(gbp.analytics).toBeUndefined();
      expect(gbp.manifest.limitations.some((l) => /No per-post analytics/.test(l))).toBe(true);
    });

    it('takes up to 1500 characters, and previews the text as sent', () => {
      expect(codes(publisher, post('é'.repeat(1500)))).toEqual([]);
      expect(codes(publisher, post('é'.repeat(1501)))).toEqual(['text:too_long']);
      expect(publisher.validate(post('é'.repeat(1500)), 'location').preview).toEqual({ text: 'é'.repeat(1500), length: 1500, limit: 1500 });
      expect(codes(publisher, post(''))).toEqual(['text:required']);
    });

    it('refuses phone numbers in the text, not dates or prices', () => {
      expect(codes(publisher, post('Call us at (555) 010-1234 today'))).toEqual(['text:phone_number']);
      expect(codes(publisher, post('Ring +1 555 010 1234'))).toEqual(['text:phone_number']);
      expect(codes(publisher, post('Text 5550101234.'))).toEqual(['text:phone_number']);
      expect(phoneNumbersIn('Open 2024-10-04, from 9 to 17, pastries 3.50 and cakes 1,200.00')).toEqual([]);
      expect(phoneNumbersIn('Order 1234567 shipped; tables 10 20 30 40; code A555-010-1234')).toEqual([]);
      // One pass over the text, whatever it holds.
      const started = Date.now();
      phoneNumbersIn(`${'1'.repeat(1500)}x`);
      phoneNumbersIn('1 '.repeat(750));
      expect(Date.now() - started).toBeLessThan(200);
    });

    it('checks event, offer, call to action and topic rules', () => {
      expect(codes(publisher, post('Party', { topicType: 'EVENT' }))).toEqual(['options.event:required']);
      expect(codes(publisher, post('Party', { topicType: 'EVENT', event: { title: 'Party', start: '2030-06-02', end: '2030-06-01' } }))).toEqual(['options.event.end:before_start']);
      expect(codes(publisher, post('Party', { topicType: 'EVENT', event: { title: 'Party', start: '2030-06-01T18:00', end: '2030-06-01T23:00' } }))).toEqual([]);
      expect(codes(publisher, post('Party', { event: { title: 'Party', start: '2030-06-01', end: '2030-06-01' } }))).toEqual(['options.event:not_allowed']);
      expect(codes(publisher, post('Hi', { callToAction: { actionType: 'CALL', url: 'https://x.test' } }))).toEqual(['options.callToAction.url:not_allowed']);
      expect(codes(publisher, post('Hi', { callToAction: { actionType: 'BOOK' } }))).toEqual(['options.callToAction.url:required']);
      expect(codes(publisher, post('Hi', { callToAction: { actionType: 'BOOK', url: 'https://x.test' } }, [], 'https://y.test'))).toEqual(['link:conflict']);
      expect(codes(publisher, post('Hi', { topicType: 'EVENT', postType: 'OFFER' }))).toEqual(['options.postType:conflict', 'options.event:required']);
      expect(codes(publisher, post('Hi', { offer: { couponCode: 'X' } }))).toEqual(['options.offer:not_allowed']);
      expect(codes(publisher, post('Hi', { privacyStatus: 'public' }))).toEqual(['options.privacyStatus:unknown_option']);
      const offer = publisher.validate(post('', { topicType: 'OFFER', event: { title: 'Sale', start: '2030-06-01', end: '2030-06-07' } }, [], 'https://shop.test'), 'location');
      expect(offer.violations).toEqual([]);
      expect(offer.warnings.map((w) => `${w.field}:${w.code}`)).toEqual(['link:ignored']);
    });

    it('takes one JPG/PNG photo of 10 KB to 5 MB, at least 250 px, or one video up to 30 s', () => {
      expect(codes(publisher, post('Hi', {}, [photo()]))).toEqual([]);
      expect(codes(publisher, post('Hi', {}, [photo(), photo({ mediaId: 'p2' })]))).toEqual(['media:too_many']);
      expect(codes(publisher, post('Hi', {}, [photo({ contentType: 'image/gif' })]))).toEqual(['media.0:unsupported_type']);
      expect(codes(publisher, post('Hi', {}, [photo({ size: 10 * KB - 1 })]))).toEqual(['media.0:too_small']);
      expect(codes(publisher, post('Hi', {}, [photo({ size: 5 * KB * KB + 1 })]))).toEqual(['media.0:too_large']);
      expect(codes(publisher, post('Hi', {}, [photo({ width: 249 })]))).toEqual(['media.0:too_small']);
      expect(codes(publisher, post('Hi', {}, [photo({ contentType: 'video/mp4', size: 5 * KB * KB, durationSeconds: 30 })]))).toEqual([]);
      expect(codes(publisher, post('Hi', {}, [photo({ contentType: 'video/mp4', size: 5 * KB * KB, durationSeconds: 31 })]))).toEqual(['media.0:too_long']);
    });
  });

  describe('publish', () => {
    it('creates the post, saves its name, and reports it live after Google\'s review', async () => {
      const tokens = await connect(h, gbp, 'bakery.one');
      const image = media.add('bread.jpg', Buffer.alloc(20 * KB, 1), 'image/jpeg', { width: 800, height: 600 });
      const c = post('Fresh bread every morning', { languageCode: 'en' }, [image], 'https://bakery.test/menu');
      const run = publishCtx(tokens, 'bakery.one', c);

      const first = await publisher.publish(run.pctx);
      expect(first).toMatchObject({ status: 'processing', retryAfterSeconds: 30 });
      expect(h.calls(CREATE)).toBe(1);
      expect(run.saves).toHaveLength(1);
      const name = run.saves[0]!['localPost']!;
      expect(name).toMatch(new RegExp(`^${locationOf('bakery.one')}/localPosts/\\d+$`));
      await h.google.idle();

      if (first.status !== 'processing') throw new Error('expected processing');
      const second = await publisher.publish(publishCtx(tokens, 'bakery.one', c, first.checkpoint).pctx);
      expect(second).toMatchObject({ status: 'processing' });
      const third = await publisher.publish(publishCtx(tokens, 'bakery.one', c, first.checkpoint).pctx);
      expect(third).toEqual({ status: 'published', platformPostId: name, url: expect.stringMatching(/^https:\/\/local\.google\.com\/place\?.*lpsid=\d+$/) });
      expect(h.calls(CREATE)).toBe(1);
      expect(h.calls(GET)).toBe(2);

      const body = await stored(tokens, name);
      expect(body).toMatchObject({
        summary: 'Fresh bread every morning',
        languageCode: 'en',
        topicType: 'STANDARD',
        callToAction: { actionType: 'LEARN_MORE', url: 'https://bakery.test/menu' },
        media: [{ mediaFormat: 'PHOTO', sourceUrl: image.url }],
        state: 'LIVE',
      });
      // Google fetched the photo from Reach's media URL.
      expect(media.requests.filter((r) => r.path === '/bread.jpg')).toHaveLength(1);
    });

    it('stores event and offer posts with Google\'s schedule shape', async () => {
      const tokens = await connect(h, gbp, 'bakery.events');
      const event = publishCtx(tokens, 'bakery.events', post('Tasting night', { topicType: 'EVENT', event: { title: 'Tasting', start: '2030-06-01T18:30', end: '2030-06-01T22:00' }, callToAction: { actionType: 'CALL' } }));
      await publisher.publish(event.pctx);
      expect(await stored(tokens, event.saves[0]!['localPost']!)).toMatchObject({
        topicType: 'EVENT',
        callToAction: { actionType: 'CALL' },
        event: {
          title: 'Tasting',
          schedule: {
            startDate: { year: 2030, month: 6, day: 1 },
            startTime: { hours: 18, minutes: 30, seconds: 0, nanos: 0 },
            endDate: { year: 2030, month: 6, day: 1 },
            endTime: { hours: 22, minutes: 0, seconds: 0, nanos: 0 },
          },
        },
      });
      const offer = publishCtx(
        tokens,
        'bakery.events',
        post('Half price', { topicType: 'OFFER', event: { title: 'Summer sale', start: '2030-07-01', end: '2030-07-07' }, offer: { couponCode: 'HALF', redeemOnlineUrl: 'https://bakery.test/sale' } }),
      );
      await publisher.publish(offer.pctx);
      const saved = await stored(tokens, offer.saves[0]!['localPost']!);
      expect(saved).toMatchObject({ topicType: 'OFFER', offer: { couponCode: 'HALF', redeemOnlineUrl: 'https://bakery.test/sale' }, event: { schedule: { startDate: { year: 2030, month: 7, day: 1 } } } });
      expect(saved['callToAction']).toBeUndefined();
    });

    it('fails for good when Google rejects the post', async () => {
      const tokens = await connect(h, gbp, 'bakery.rejected');
      const missing: MediaItem = { mediaId: 'gone', url: `${media.baseUrl}/gone.jpg`, contentType: 'image/jpeg', size: 50 * KB };
      const run = publishCtx(tokens, 'bakery.rejected', post('Our new cake', {}, [missing]));
      const first = await publisher.publish(run.pctx);
      await h.google.idle();
      if (first.status !== 'processing') throw new Error('expected processing');
      h.fakes.advanceClock(61);
      await expect(publisher.publish(publishCtx(tokens, 'bakery.rejected', run.pctx.content, first.checkpoint).pctx)).rejects.toMatchObject({
        failure: { kind: 'permanent', code: 'rejected' },
      });
      const policy = publishCtx(tokens, 'bakery.rejected', post('Visit our casino night'));
      const step = await publisher.publish(policy.pctx);
      if (step.status !== 'processing') throw new Error('expected processing');
      h.fakes.advanceClock(61);
      await expect(publisher.publish(publishCtx(tokens, 'bakery.rejected', policy.pctx.content, step.checkpoint).pctx)).rejects.toMatchObject({ failure: { code: 'rejected' } });
    });

    it('fails for good when the post was deleted on Google before it went live', async () => {
      const tokens = await connect(h, gbp, 'bakery.deleted');
      const run = publishCtx(tokens, 'bakery.deleted', post('Short-lived'));
      const first = await publisher.publish(run.pctx);
      if (first.status !== 'processing') throw new Error('expected processing');
      await fetch(`${h.fakes.baseUrl}/mybusiness.googleapis.com/v4/${run.saves[0]!['localPost']}`, { method: 'DELETE', headers: { authorization: `Bearer ${tokens.accessToken}` } });
      await expect(publisher.publish(publishCtx(tokens, 'bakery.deleted', run.pctx.content, first.checkpoint).pctx)).rejects.toMatchObject({
        failure: { kind: 'permanent', code: 'post_deleted' },
      });
      expect(h.calls(CREATE)).toBe(1);
    });

    it('is rate limited past 10 edits a minute on one location, and the wait comes from Google', async () => {
      const tokens = await connect(h, gbp, 'bakery.busy');
      for (let i = 0; i < 10; i++) await publisher.publish(publishCtx(tokens, 'bakery.busy', post(`Update ${i}`)).pctx);
      await expect(publisher.publish(publishCtx(tokens, 'bakery.busy', post('One too many')).pctx)).rejects.toMatchObject({
        failure: { kind: 'rate_limited', retryAfterSeconds: expect.any(Number) },
      });
      h.fakes.advanceClock(61);
      const later = await connect(h, gbp, 'bakery.busy');
      expect((await publisher.publish(publishCtx(later, 'bakery.busy', post('Next minute')).pctx)).status).toBe('processing');
    });

    it('is refused by Google for a phone number, whatever Reach checked', async () => {
      const tokens = await connect(h, gbp, 'bakery.phone');
      const res = await fetch(`${h.fakes.baseUrl}/mybusiness.googleapis.com/v4/${locationOf('bakery.phone')}/localPosts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ topicType: 'STANDARD', summary: 'Call 555-010-1234' }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', details: [{ fieldViolations: [{ field: 'local_post.summary' }] }] } });
    });
  });

  describe('reconcile', () => {
    const since = () => new Date(Date.now() - 5000).toISOString();

    it('finds a live post by its checkpoint, and leaves one in review to publish', async () => {
      const tokens = await connect(h, gbp, 'bakery.rc');
      const run = publishCtx(tokens, 'bakery.rc', post('Reconcile me'));
      await publisher.publish(run.pctx);
      const checkpoint = run.saves[0]!;
      // The first read is the fake's first poll: still in review.
      expect(await publisher.reconcile({ ...run.pctx, checkpoint, since: since() })).toBeUndefined();
      expect(await publisher.reconcile({ ...run.pctx, checkpoint, since: since() })).toMatchObject({ platformPostId: checkpoint['localPost'] });
    });

    it('finds the post among the location\'s posts without a checkpoint, by text and topic', async () => {
      const tokens = await connect(h, gbp, 'bakery.list');
      const run = publishCtx(tokens, 'bakery.list', post('Find me later'));
      await publisher.publish(run.pctx);
      const name = run.saves[0]!['localPost'];
      expect(await publisher.reconcile({ ...run.pctx, since: since() })).toMatchObject({ platformPostId: name });
      expect(await publisher.reconcile({ ...run.pctx, content: post('Something else'), since: since() })).toBeUndefined();
      expect(await publisher.reconcile({ ...run.pctx, since: new Date(Date.now() + 3_600_000).toISOString() })).toBeUndefined();
    });

    it('finds nothing when nothing went out', async () => {
      const tokens = await connect(h, gbp, 'bakery.nothing');
      const { pctx } = publishCtx(tokens, 'bakery.nothing', post('Never sent'));
      expect(await publisher.reconcile({ ...pctx, since: since() })).toBeUndefined();
      expect(h.calls(CREATE)).toBe(0);
    });
  });
});
