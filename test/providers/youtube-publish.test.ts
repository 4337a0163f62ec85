/**
 * Publishing to YouTube against the Google fake: the content rules at their boundaries, the
 * resumable upload (whole and chunked), resuming from a checkpoint without repeating a step,
 * processing then published, YouTube's refusals, and reconciling an unknown outcome.
 */
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import type { TokenSet } from '../../functions/core/model/tokens';
import type { CallContext } from '../../functions/providers/http';
import { ProviderError, type Checkpoint, type Provider, type PublishContext, type Publisher } from '../../functions/providers/types';
import { createYoutubeProvider } from '../../functions/providers/youtube';
import { classifyYoutube } from '../../functions/providers/youtube/errors';
import { createYoutubePublisher } from '../../functions/providers/youtube/publish';
import { CREDENTIALS, connect, startGoogle, type GoogleHarness } from './google-helpers';
import { mp4, startMediaServer, type MediaServer } from './google-servers';

const INITIATE = 'POST www.googleapis.com/upload/youtube/v3/videos';
const PUT = 'PUT www.googleapis.com/upload/youtube/v3/videos';
const VIDEOS = 'GET www.googleapis.com/youtube/v3/videos';
const KIB = 1024;

interface Upload {
  readonly uploads: { id: string; title: string; description: string; uploadStatus: string; privacyStatus: string; size: number }[];
}

const content = (media: readonly MediaItem[], options: Record<string, unknown> = { title: 'Launch day' }, text = 'We launched. #reach'): PostContent => ({ text, media, options });

/** A fake video item for the pure checks (no bytes behind it). */
const item = (extra: Partial<MediaItem> = {}): MediaItem => ({ mediaId: 'm1', url: 'https://media.reach.test/m1', contentType: 'video/mp4', size: 1_000_000, ...extra });

const codes = (p: Publisher, c: PostContent) => p.validate(c, 'channel').violations.map((v) => `${v.field}:${v.code}`);
const warnings = (p: Publisher, c: PostContent) => p.validate(c, 'channel').warnings.map((v) => `${v.field}:${v.code}`);

describe('YouTube publishing', () => {
  let h: GoogleHarness;
  let media: MediaServer;
  let youtube: Provider;
  let publisher: Publisher;
  let ctx: CallContext;

  beforeAll(async () => {
    h = await startGoogle({ pollsToProcess: 2, processingSeconds: 60 });
    media = await startMediaServer();
    youtube = h.provider(createYoutubeProvider);
    publisher = youtube.publisher!;
    ctx = { platform: 'youtube', http: h.http, classify: (f) => classifyYoutube(f, new Date()) };
  });
  afterAll(async () => {
    await media.close();
    await h.close();
  });
  beforeEach(() => {
    h.fakes.reset();
    media.requests.length = 0;
  });

  /** A publish context that records every checkpoint saved. */
  const publishCtx = (tokens: TokenSet, c: PostContent, checkpoint?: Checkpoint) => {
    const saves: Checkpoint[] = [];
    const pctx: PublishContext = {
      tokens,
      credentials: CREDENTIALS,
      platformAccountId: 'UC-ignored',
      accountType: 'channel',
      content: c,
      targetKey: 'post1.conn1',
      ...(checkpoint && { checkpoint }),
      save: async (cp) => {
        saves.push(cp);
      },
    };
    return { pctx, saves, last: () => saves[saves.length - 1] };
  };

  const uploads = async (): Promise<Upload['uploads']> => {
    const res = await fetch(`${h.fakes.baseUrl}/__fakes/google/state`);
    return ((await res.json()) as { youtube: Upload }).youtube.uploads;
  };

  describe('rules and validate', () => {
    it('publishes its rules as data', () => {
      expect(publisher.rules).toMatchObject({
        postTypes: ['video'],
        text: { max: 5000, counting: 'bytes' },
        media: { min: 1, max: 1, mixing: 'single', maxVideoSeconds: 43200 },
        hashtags: { max: 60, warnAbove: 15 },
        supportsThreads: false,
      });
      expect(Object.keys(publisher.rules.options)).toEqual(expect.arrayContaining(['title', 'privacyStatus', 'publishAt', 'tags', 'categoryId', 'madeForKids']));
    });

    it('accepts a video with a title, and previews the description with its link', () => {
      const check = publisher.validate({ ...content([item()]), link: 'https://reach.test/launch' }, 'channel');
      expect(check.violations).toEqual([]);
      expect(check.preview).toEqual({ text: 'We launched. #reach\n\nhttps://reach.test/launch', length: 46, limit: 5000 });
    });

    it('needs a title of at most 100 characters without < or >', () => {
      expect(codes(publisher, content([item()], {}))).toEqual(['options.title:required']);
      expect(codes(publisher, content([item()], { title: '   ' }))).toEqual(['options.title:required']);
      expect(codes(publisher, content([item()], { title: 'é'.repeat(100) }))).toEqual([]);
      expect(codes(publisher, content([item()], { title: 'é'.repeat(101) }))).toEqual(['options.title:too_long']);
      expect(codes(publisher, content([item()], { title: 'a <b>' }))).toEqual(['options.title:invalid_option']);
    });

    it('counts the description in UTF-8 bytes up to 5000', () => {
      expect(codes(publisher, content([item()], undefined, 'é'.repeat(2500)))).toEqual([]);
      expect(codes(publisher, content([item()], undefined, `${'é'.repeat(2500)}a`))).toEqual(['text:too_long']);
      expect(publisher.validate(content([item()], undefined, 'é'.repeat(2500)), 'channel').preview.length).toBe(5000);
      expect(codes(publisher, content([item()], undefined, 'a < b'))).toEqual(['text:invalid_characters']);
    });

    it('takes exactly one video of a type YouTube reads', () => {
      expect(codes(publisher, content([]))).toEqual(['media:required']);
      expect(codes(publisher, content([item(), item({ mediaId: 'm2' })]))).toEqual(['media:too_many']);
      expect(codes(publisher, content([item({ contentType: 'image/jpeg' })]))).toEqual(['media.0:unsupported_type']);
      expect(codes(publisher, content([item({ durationSeconds: 43_201 })]))).toEqual(['media.0:too_long']);
      expect(warnings(publisher, content([item({ durationSeconds: 901 })]))).toEqual(['media.0:needs_verified_channel']);
    });

    it('says when the video will show as a Short (square or vertical, up to 3 minutes)', () => {
      expect(warnings(publisher, content([item({ width: 1080, height: 1920, durationSeconds: 180 })]))).toEqual(['media.0:youtube_short']);
      expect(warnings(publisher, content([item({ width: 1080, height: 1920, durationSeconds: 181 })]))).toEqual([]);
      expect(warnings(publisher, content([item({ width: 1920, height: 1080, durationSeconds: 30 })]))).toEqual([]);
    });

    it('weighs tags to 500 characters, commas and quotes included', () => {
      // 50 tags of 9 characters: 450 + 49 commas = 499; one more character tips it over.
      const tags = Array.from({ length: 50 }, (_, i) => `tag${String(i).padStart(6, '0')}`);
      expect(codes(publisher, content([item()], { title: 't', tags }))).toEqual([]);
      expect(codes(publisher, content([item()], { title: 't', tags: [...tags.slice(1), 'tag 000000'] }))).toEqual(['options.tags:too_long']);
    });

    it('checks publishAt, privacy, category and refuses unknown options', () => {
      expect(codes(publisher, content([item()], { title: 't', publishAt: '2030-01-01T10:00:00Z', privacyStatus: 'public' }))).toEqual(['options.publishAt:needs_private']);
      expect(codes(publisher, content([item()], { title: 't', publishAt: '2030-01-01T10:00:00Z' }))).toEqual([]);
      expect(codes(publisher, content([item()], { title: 't', publishAt: 'tomorrow' }))).toEqual(['options.publishAt:invalid_option']);
      expect(codes(publisher, content([item()], { title: 't', privacyStatus: 'friends' }))).toEqual(['options.privacyStatus:invalid_option']);
      expect(codes(publisher, content([item()], { title: 't', categoryId: '99' }))).toEqual(['options.categoryId:invalid_option']);
      expect(codes(publisher, content([item()], { title: 't', privacyLevel: 'PUBLIC' }))).toEqual(['options.privacyLevel:unknown_option']);
    });

    it('warns above 15 hashtags and refuses more than 60', () => {
      const tags = (n: number) => Array.from({ length: n }, (_, i) => `#t${i}`).join(' ');
      expect(warnings(publisher, content([item()], undefined, tags(15)))).toEqual([]);
      expect(warnings(publisher, content([item()], undefined, tags(16)))).toEqual(['text:many_hashtags']);
      expect(codes(publisher, content([item()], undefined, tags(60)))).toEqual([]);
      expect(codes(publisher, content([item()], undefined, tags(61)))).toEqual(['text:too_many_hashtags']);
    });
  });

  describe('publish', () => {
    it('uploads in one PUT, reports processing, then published (calls counted)', async () => {
      const tokens = await connect(h, youtube, 'uploader.one');
      const video = media.add('one.mp4', mp4(300 * KIB, 'one'), 'video/mp4', { width: 1920, height: 1080, durationSeconds: 42 });
      const run = publishCtx(tokens, content([video], { title: 'Launch day', tags: ['launch'] }));

      const first = await publisher.publish(run.pctx);
      expect(first).toMatchObject({ status: 'processing', retryAfterSeconds: expect.any(Number) });
      expect(h.calls(INITIATE)).toBe(1);
      expect(h.calls(PUT)).toBe(1);
      expect(h.calls(VIDEOS)).toBe(1);
      // The session is saved before the bytes go, the video id before anything else is asked.
      expect(run.saves.map((s) => Object.keys(s).sort())).toEqual([['session'], ['videoId']]);
      expect(run.saves[0]!['session']).toMatch(/^https:\/\/www\.googleapis\.com\/upload\/youtube\/v3\/videos\?.*upload_id=/);
      if (first.status !== 'processing') throw new Error('expected processing');

      const second = await publisher.publish(publishCtx(tokens, run.pctx.content, first.checkpoint).pctx);
      const videoId = run.last()!['videoId']!;
      expect(second).toEqual({ status: 'published', platformPostId: videoId, url: `https://www.youtube.com/watch?v=${videoId}` });
      expect(h.calls(INITIATE)).toBe(1);
      expect(h.calls(PUT)).toBe(1);
      expect(h.calls(VIDEOS)).toBe(2);

      expect(await uploads()).toEqual([
        expect.objectContaining({ id: videoId, title: 'Launch day', description: 'We launched. #reach', uploadStatus: 'processed', privacyStatus: 'public', size: 300 * KIB }),
      ]);
      expect(media.requests).toEqual([{ path: '/one.mp4', range: `bytes=0-${300 * KIB - 1}`, status: 206 }]);
    });

    it('sends larger files in 256 KiB chunks, following 308 Resume Incomplete', async () => {
      const tokens = await connect(h, youtube, 'uploader.chunks');
      const chunked = createYoutubePublisher(ctx, { chunkBytes: 256 * KIB });
      const video = media.add('big.mp4', mp4(600 * KIB, 'big'), 'video/mp4');
      await chunked.publish(publishCtx(tokens, content([video])).pctx);
      expect(h.calls(PUT)).toBe(3);
      expect(media.requests.map((r) => r.range)).toEqual([`bytes=0-${256 * KIB - 1}`, `bytes=${256 * KIB}-${512 * KIB - 1}`, `bytes=${512 * KIB}-${600 * KIB - 1}`]);
      expect((await uploads())[0]).toMatchObject({ size: 600 * KIB, uploadStatus: 'uploaded' });
    });

    it('resumes an interrupted upload from the checkpointed session, repeating no step', async () => {
      const tokens = await connect(h, youtube, 'uploader.resume');
      const chunked = createYoutubePublisher(ctx, { chunkBytes: 256 * KIB });
      const bytes = mp4(600 * KIB, 'resume');
      const video = media.add('resume.mp4', bytes, 'video/mp4');
      // The second chunk cannot be read: the attempt stops after one chunk went up.
      media.fail('resume.mp4', 503, 1, 1);
      const run = publishCtx(tokens, content([video]));
      const attempt = chunked.publish(run.pctx);
      await expect(attempt).rejects.toMatchObject({ failure: { kind: 'transient', code: 'media_fetch_failed' } });
      expect(h.calls(INITIATE)).toBe(1);
      expect(h.calls(PUT)).toBe(1);
      const checkpoint = run.last()!;
      expect(Object.keys(checkpoint)).toEqual(['session']);

      const resumed = await chunked.publish(publishCtx(tokens, content([video]), checkpoint).pctx);
      expect(resumed.status).toBe('processing');
      // No new session; one status query, then the two chunks left.
      expect(h.calls(INITIATE)).toBe(1);
      expect(h.calls(PUT)).toBe(1 + 1 + 2);
      expect((await uploads())[0]).toMatchObject({ size: bytes.length, uploadStatus: 'uploaded' });
    });

    it('takes the finished video from the session when its id was not saved', async () => {
      const tokens = await connect(h, youtube, 'uploader.lost');
      const video = media.add('lost.mp4', mp4(100 * KIB, 'lost'), 'video/mp4');
      const run = publishCtx(tokens, content([video]));
      await publisher.publish(run.pctx);
      const session = run.saves[0]!;
      const putsBefore = h.calls(PUT);
      const again = await publisher.publish(publishCtx(tokens, content([video]), session).pctx);
      expect(again).toMatchObject({ status: 'published', platformPostId: run.last()!['videoId'] });
      expect(h.calls(INITIATE)).toBe(1);
      // Only the status query: no byte is sent twice.
      expect(h.calls(PUT)).toBe(putsBefore + 1);
      expect(await uploads()).toHaveLength(1);
    });

    it('opens a new session when the checkpointed one expired (404)', async () => {
      const tokens = await connect(h, youtube, 'uploader.expired');
      const video = media.add('expired.mp4', mp4(50 * KIB, 'expired'), 'video/mp4');
      const gone = { session: 'https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=gone&part=snippet,status' };
      const run = publishCtx(tokens, content([video]), gone);
      expect((await publisher.publish(run.pctx)).status).toBe('processing');
      expect(h.calls(INITIATE)).toBe(1);
      expect(run.saves[0]!['session']).not.toBe(gone.session);
    });

    it('is published once processing time has passed on the fakes\' clock', async () => {
      const tokens = await connect(h, youtube, 'uploader.clock');
      const video = media.add('clock.mp4', mp4(20 * KIB, 'clock'), 'video/mp4', { width: 1080, height: 1920, durationSeconds: 30 });
      const first = await publisher.publish(publishCtx(tokens, content([video])).pctx);
      if (first.status !== 'processing') throw new Error('expected processing');
      expect(first.retryAfterSeconds).toBeGreaterThanOrEqual(10);
      h.fakes.advanceClock(61);
      const tokensLater = await connect(h, youtube, 'uploader.clock');
      const done = await publisher.publish(publishCtx(tokensLater, content([video]), first.checkpoint).pctx);
      // A vertical 30-second video is a Short, with the Shorts address.
      expect(done).toMatchObject({ status: 'published', url: expect.stringMatching(/^https:\/\/www\.youtube\.com\/shorts\//) });
    });

    it('fails for good when YouTube rejects the video as a duplicate', async () => {
      const tokens = await connect(h, youtube, 'uploader.dup');
      const bytes = mp4(40 * KIB, 'dup');
      const first = media.add('dup1.mp4', bytes, 'video/mp4');
      const run = publishCtx(tokens, content([first]));
      const step = await publisher.publish(run.pctx);
      if (step.status !== 'processing') throw new Error('expected processing');
      expect((await publisher.publish(publishCtx(tokens, content([first]), step.checkpoint).pctx)).status).toBe('published');

      const copy = media.add('dup2.mp4', bytes, 'video/mp4');
      const second = await publisher.publish(publishCtx(tokens, content([copy], { title: 'Again' })).pctx);
      if (second.status !== 'processing') throw new Error('expected processing');
      await expect(publisher.publish(publishCtx(tokens, content([copy], { title: 'Again' }), second.checkpoint).pctx)).rejects.toMatchObject({
        failure: { kind: 'permanent', code: 'duplicate' },
      });
    });

    it('fails for good when the file is not a playable video', async () => {
      const tokens = await connect(h, youtube, 'uploader.junk');
      const junk = media.add('junk.mp4', Buffer.alloc(30 * KIB, 7), 'video/mp4');
      const step = await publisher.publish(publishCtx(tokens, content([junk])).pctx);
      if (step.status !== 'processing') throw new Error('expected processing');
      await expect(publisher.publish(publishCtx(tokens, content([junk]), step.checkpoint).pctx)).rejects.toMatchObject({ failure: { kind: 'permanent', code: 'upload_conversion' } });
    });

    it('classifies YouTube\'s metadata refusal and the daily upload cap', async () => {
      const tokens = await connect(h, youtube, 'uploader.refused');
      const video = media.add('refused.mp4', mp4(10 * KIB, 'refused'), 'video/mp4');
      // A time already past passes the pure check (which has no clock) but not YouTube.
      await expect(publisher.publish(publishCtx(tokens, content([video], { title: 't', publishAt: '2001-01-01T00:00:00Z' })).pctx)).rejects.toMatchObject({
        failure: { kind: 'invalid_request', code: 'invalidPublishAt' },
      });
      const capped = await startGoogle({ dailyUploadLimit: 1 });
      try {
        const p = capped.provider(createYoutubeProvider).publisher!;
        const t = await connect(capped, capped.provider(createYoutubeProvider), 'uploader.capped');
        await p.publish(publishCtx(t, content([video])).pctx);
        await expect(p.publish(publishCtx(t, content([video], { title: 'second' })).pctx)).rejects.toMatchObject({
          failure: { kind: 'rate_limited', code: 'uploadLimitExceeded', retryAfterSeconds: 86_400 },
        });
      } finally {
        await capped.close();
      }
    });

    it('refuses content that breaks the rules before calling YouTube', async () => {
      const tokens = await connect(h, youtube, 'uploader.invalid');
      await expect(publisher.publish(publishCtx(tokens, content([item()], {})).pctx)).rejects.toBeInstanceOf(ProviderError);
      expect(h.calls(INITIATE)).toBe(0);
    });
  });

  describe('reconcile', () => {
    const since = () => new Date(Date.now() - 5000).toISOString();

    it('finds a processed video by its checkpoint, and by its session when the id was lost', async () => {
      const tokens = await connect(h, youtube, 'reconcile.cp');
      const video = media.add('rc.mp4', mp4(10 * KIB, 'rc'), 'video/mp4');
      const run = publishCtx(tokens, content([video]));
      await publisher.publish(run.pctx);
      const videoId = run.last()!['videoId']!;
      const rctx = { ...run.pctx, since: since() };
      // The first read finishes the fake's processing (two reads by the owner).
      expect(await publisher.reconcile({ ...rctx, checkpoint: { videoId } })).toEqual({ platformPostId: videoId, url: `https://www.youtube.com/watch?v=${videoId}` });
      expect(await publisher.reconcile({ ...rctx, checkpoint: run.saves[0]! })).toEqual({ platformPostId: videoId, url: `https://www.youtube.com/watch?v=${videoId}` });
    });

    it('leaves a video still processing to publish', async () => {
      const slow = await startGoogle({ pollsToProcess: 100 });
      try {
        const provider = slow.provider(createYoutubeProvider);
        const tokens = await connect(slow, provider, 'reconcile.processing');
        const video = media.add('rp.mp4', mp4(10 * KIB, 'rp'), 'video/mp4');
        const run = publishCtx(tokens, content([video]));
        await provider.publisher!.publish(run.pctx);
        expect(await provider.publisher!.reconcile({ ...run.pctx, checkpoint: run.last()!, since: since() })).toBeUndefined();
      } finally {
        await slow.close();
      }
    });

    it('finds the upload among the channel\'s newest without a checkpoint, by title and description', async () => {
      const tokens = await connect(h, youtube, 'reconcile.list');
      const video = media.add('rl.mp4', mp4(10 * KIB, 'rl'), 'video/mp4');
      const run = publishCtx(tokens, content([video], { title: 'Findable', privacyStatus: 'private' }));
      await publisher.publish(run.pctx);
      const videoId = run.last()!['videoId']!;
      const { checkpoint: _none, ...withoutCheckpoint } = run.pctx;
      expect(await publisher.reconcile({ ...withoutCheckpoint, since: since() })).toEqual({ platformPostId: videoId, url: `https://www.youtube.com/watch?v=${videoId}` });
      expect(await publisher.reconcile({ ...withoutCheckpoint, content: content([video], { title: 'Something else' }), since: since() })).toBeUndefined();
      expect(await publisher.reconcile({ ...withoutCheckpoint, since: new Date(Date.now() + 3_600_000).toISOString() })).toBeUndefined();
    });

    it('finds nothing when only the session was opened', async () => {
      const tokens = await connect(h, youtube, 'reconcile.none');
      const video = media.add('rn.mp4', mp4(10 * KIB, 'rn'), 'video/mp4');
      media.fail('rn.mp4', 500, 3);
      const run = publishCtx(tokens, content([video]));
      await expect(publisher.publish(run.pctx)).rejects.toMatchObject({ failure: { code: 'media_fetch_failed' } });
      const checkpoint = run.last()!;
      expect(Object.keys(checkpoint)).toEqual(['session']);
      expect(await publisher.reconcile({ ...run.pctx, checkpoint, since: since() })).toBeUndefined();
    });
  });
});
