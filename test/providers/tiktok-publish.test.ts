/**
 * Publishing videos to the fake TikTok: creator_info → video/init (FILE_UPLOAD) → PUT per chunk →
 * status/fetch, counted at the fake; the checkpoint after each step and resuming from it without
 * repeating a step; processing, moderation and private posts; refusals and FAILED publishes.
 */
import { ProviderError, type PublishStep } from '../../functions/providers/types';
import { postUrl } from '../../functions/providers/tiktok/publish';
import {
  bytesOf,
  content,
  contextFor,
  MIB,
  ROUTES,
  sha256,
  startMediaServer,
  startTiktok,
  type MediaServer,
  type TiktokWorld,
} from './tiktok-publish-support';

const PUBLIC = { privacyLevel: 'PUBLIC_TO_EVERYONE' };

interface PostView {
  readonly publishId: string;
  readonly status: string;
  readonly privacy: string | null;
  readonly title: string;
  readonly settings: Record<string, unknown>;
  readonly postId: string | null;
  readonly upload?: { readonly size: number; readonly chunkSize: number; readonly chunkCount: number; readonly chunks: number; readonly sha256: string | null };
}
const postsOf = (world: TiktokWorld): PostView[] => (world.fake.snapshot() as { posts: PostView[] }).posts;

const published = (step: PublishStep) => {
  if (step.status !== 'published') throw new Error(`expected published, got ${JSON.stringify(step)}`);
  return step;
};
const processing = (step: PublishStep) => {
  if (step.status !== 'processing') throw new Error(`expected processing, got ${JSON.stringify(step)}`);
  return step;
};
const failureOf = async (promise: Promise<unknown>): Promise<ProviderError> => {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
};

let media: MediaServer;
beforeAll(async () => {
  media = await startMediaServer();
});
afterAll(async () => {
  await media.close();
});

describe('TikTok video Direct Post against the fake', () => {
  let world: TiktokWorld;
  beforeAll(async () => {
    world = await startTiktok();
  });
  afterAll(async () => {
    await world.close();
  });

  it('runs creator_info, init, one PUT and a status poll, then publishes on the next poll', async () => {
    const tokens = await world.connect('solo.maker');
    const account = world.fake.account('solo.maker');
    const bytes = bytesOf('solo', 1 * MIB);
    const item = media.add('solo.mp4', bytes, 'video/mp4', { durationSeconds: 12 });
    const ctx = contextFor(tokens, account.openId, content('first #video on @tiktok', [item], { ...PUBLIC, disableDuet: true, videoCoverTimestampMs: 1000 }));

    const calls = world.mark();
    const first = processing(await world.provider.publisher!.publish(ctx));
    expect(calls()).toEqual({ [ROUTES.creatorInfo]: 1, [ROUTES.videoInit]: 1, [ROUTES.upload]: 1, [ROUTES.status]: 1 });
    expect(first.retryAfterSeconds).toBeGreaterThanOrEqual(10);
    // Saved right after init, then after the chunk.
    expect(ctx.saved).toHaveLength(2);
    expect(ctx.saved[0]).toMatchObject({ flow: 'video', publishId: expect.stringMatching(/^v_pub_file~v2-1\.[0-9]+$/), uploadedBytes: '0', videoSize: String(bytes.length), chunkCount: '1', username: account.username });
    expect(ctx.saved[1]).toMatchObject({ uploadedBytes: String(bytes.length) });
    expect(first.checkpoint).toEqual(ctx.saved[1]);

    const again = world.mark();
    const done = published(await world.provider.publisher!.publish({ ...ctx, checkpoint: first.checkpoint }));
    expect(again()).toEqual({ [ROUTES.status]: 1 });

    const [post] = postsOf(world).filter((p) => p.publishId === first.checkpoint['publishId']);
    expect(post).toMatchObject({
      status: 'PUBLISH_COMPLETE',
      privacy: 'PUBLIC_TO_EVERYONE',
      title: 'first #video on @tiktok',
      settings: { disable_duet: true, disable_comment: false, disable_stitch: false, video_cover_timestamp_ms: 1000, brand_content_toggle: false, brand_organic_toggle: false },
      upload: { size: bytes.length, chunkCount: 1, chunks: 1, sha256: sha256(bytes) },
    });
    // The 19-digit id arrives as a bare int64 and survives exactly.
    expect(done.platformPostId).toBe(post!.postId);
    expect(done.platformPostId).toMatch(/^[0-9]{18,20}$/);
    expect(done.url).toBe(`https://www.tiktok.com/@${account.username}/video/${post!.postId}`);
  });

  it('cuts a larger video into chunks, the last one taking the remainder, saving after each', async () => {
    const tokens = await world.connect('chunky.maker');
    const bytes = bytesOf('chunky', 12 * MIB + 123);
    const item = media.add('chunky.mp4', bytes, 'video/mp4');
    const ctx = contextFor(tokens, world.fake.account('chunky.maker').openId, content('chunks', [item], PUBLIC));

    const calls = world.mark();
    processing(await world.publisher.publish(ctx));
    expect(calls()).toEqual({ [ROUTES.creatorInfo]: 1, [ROUTES.videoInit]: 1, [ROUTES.upload]: 2, [ROUTES.status]: 1 });
    expect(ctx.saved.map((c) => c['uploadedBytes'])).toEqual(['0', String(5 * MIB), String(bytes.length)]);
    expect(ctx.saved[0]).toMatchObject({ chunkSize: String(5 * MIB), chunkCount: '2' });
    const [post] = postsOf(world).filter((p) => p.publishId === ctx.saved[0]!['publishId']);
    expect(post!.upload).toEqual({ size: bytes.length, chunkSize: 5 * MIB, chunkCount: 2, received: bytes.length, chunks: 2, sha256: sha256(bytes) });
  });

  it('resumes after a crash from the checkpoint without repeating any step', async () => {
    const tokens = await world.connect('crashy.maker');
    const bytes = bytesOf('crashy', 11 * MIB);
    const item = media.add('crashy.mp4', bytes, 'video/mp4');
    const body = content('resume me', [item], PUBLIC);
    const crashing = contextFor(tokens, world.fake.account('crashy.maker').openId, body);
    // The worker dies right after the first chunk's progress was saved.
    const crashed = { ...crashing, save: async (c: Record<string, string>) => {
      crashing.saved.push(c);
      if (crashing.saved.length === 2) throw new Error('worker crashed');
    } };
    await expect(world.publisher.publish(crashed)).rejects.toThrow('worker crashed');
    expect(crashing.saved[1]).toMatchObject({ uploadedBytes: String(5 * MIB) });

    const hitsBefore = media.hits.get('/crashy.mp4') ?? 0;
    const resumed = contextFor(tokens, world.fake.account('crashy.maker').openId, body, crashing.saved[1]);
    const calls = world.mark();
    processing(await world.publisher.publish(resumed));
    // No creator_info, no init, and only the missing chunk.
    expect(calls()).toEqual({ [ROUTES.upload]: 1, [ROUTES.status]: 1 });
    expect((media.hits.get('/crashy.mp4') ?? 0) - hitsBefore).toBe(1);
    const [post] = postsOf(world).filter((p) => p.publishId === crashing.saved[0]!['publishId']);
    expect(post!.upload).toMatchObject({ chunks: 2, sha256: sha256(bytes) });
    expect(postsOf(world).filter((p) => p.title === 'resume me')).toHaveLength(1);
  });

  it('reads the chunks from a media server that ignores Range', async () => {
    media.honourRange = false;
    try {
      const tokens = await world.connect('norange.maker');
      const bytes = bytesOf('norange', 10 * MIB + 7);
      const item = media.add('norange.mp4', bytes, 'video/mp4');
      const ctx = contextFor(tokens, world.fake.account('norange.maker').openId, content('whole files', [item], PUBLIC));
      processing(await world.publisher.publish(ctx));
      const [post] = postsOf(world).filter((p) => p.publishId === ctx.saved[0]!['publishId']);
      expect(post!.upload).toMatchObject({ chunks: 2, sha256: sha256(bytes) });
    } finally {
      media.honourRange = true;
    }
  });

  it('settles a private post under its publish id, without a URL', async () => {
    const tokens = await world.connect('quiet.maker');
    const item = media.add('quiet.mp4', bytesOf('quiet', 2 * MIB), 'video/mp4');
    const ctx = contextFor(tokens, world.fake.account('quiet.maker').openId, content('just me', [item], { privacyLevel: 'SELF_ONLY' }));
    const first = processing(await world.provider.publisher!.publish(ctx));
    const done = published(await world.provider.publisher!.publish({ ...ctx, checkpoint: first.checkpoint }));
    expect(done).toEqual({ status: 'published', platformPostId: first.checkpoint['publishId'] });
  });

  it('refuses content that breaks the rules before calling TikTok', async () => {
    const tokens = await world.connect('rules.maker');
    const item = media.add('rules.mp4', bytesOf('rules', 1000), 'video/mp4');
    const calls = world.mark();
    const err = await failureOf(world.provider.publisher!.publish(contextFor(tokens, 'x', content('no privacy', [item], {}))));
    expect(err.failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_content' });
    expect(err.failure.message).toContain('options.privacyLevel required');
    expect(calls()).toEqual({});
  });

  it('refuses a privacy level the creator does not offer, before any publish starts', async () => {
    const tokens = await world.connect('maker.private');
    const item = media.add('private.mp4', bytesOf('private', 1000), 'video/mp4');
    const ctx = contextFor(tokens, world.fake.account('maker.private').openId, content('public?', [item], PUBLIC));
    const calls = world.mark();
    const err = await failureOf(world.provider.publisher!.publish(ctx));
    expect(err.failure).toMatchObject({ kind: 'invalid_request', code: 'privacy_level_option_mismatch' });
    expect(err.failure.message).toContain('MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR, SELF_ONLY');
    expect(calls()).toEqual({ [ROUTES.creatorInfo]: 1 });
    expect(ctx.saved).toEqual([]);
  });

  it('refuses a video longer than the creator may post', async () => {
    const tokens = await world.connect('long.maker');
    const item = media.add('long.mp4', bytesOf('long', 1000), 'video/mp4', { durationSeconds: 601 });
    const calls = world.mark();
    const err = await failureOf(world.provider.publisher!.publish(contextFor(tokens, 'x', content('long', [item], PUBLIC))));
    expect(err.failure).toMatchObject({ kind: 'invalid_request', code: 'duration_over_creator_limit' });
    expect(calls()).toEqual({ [ROUTES.creatorInfo]: 1 });
  });

  it('turns a FAILED publish into its fail_reason and clears the checkpoint for a fresh start', async () => {
    const tokens = await world.connect('flaky.maker');
    const item = media.add('flaky.mp4', bytesOf('flaky', 1000), 'video/mp4');
    const body = content('will fail', [item], PUBLIC);

    world.fake.failNextPublish('frame_rate_check_failed');
    const ctx = contextFor(tokens, 'x', body);
    const first = processing(await world.provider.publisher!.publish(ctx));
    const err = await failureOf(world.provider.publisher!.publish({ ...ctx, checkpoint: first.checkpoint }));
    expect(err.failure).toMatchObject({ kind: 'permanent', code: 'frame_rate_check_failed' });
    expect(ctx.saved[ctx.saved.length - 1]).toEqual({});

    // TikTok's retryable reason is transient, and the retry starts a new publish.
    world.fake.failNextPublish('internal');
    const retry = contextFor(tokens, 'x', body);
    const again = processing(await world.provider.publisher!.publish(retry));
    expect(again.checkpoint['publishId']).not.toBe(first.checkpoint['publishId']);
    expect((await failureOf(world.provider.publisher!.publish({ ...retry, checkpoint: again.checkpoint }))).failure).toMatchObject({ kind: 'transient', code: 'internal' });
  });

  it('starts over when the upload link has run out, since nothing was posted', async () => {
    const tokens = await world.connect('slow.maker');
    const item = media.add('slow.mp4', bytesOf('slow', 11 * MIB), 'video/mp4');
    const body = content('late upload', [item], PUBLIC);
    const crashing = contextFor(tokens, 'x', body);
    const crashed = { ...crashing, save: async (c: Record<string, string>) => {
      crashing.saved.push(c);
      throw new Error('worker crashed');
    } };
    await expect(world.publisher.publish(crashed)).rejects.toThrow('worker crashed');
    world.fakes.advanceClock(3600);
    try {
      const resumed = contextFor(tokens, 'x', body, crashing.saved[0]);
      const calls = world.mark();
      const step = processing(await world.publisher.publish(resumed));
      expect(calls()).toEqual({ [ROUTES.creatorInfo]: 1, [ROUTES.videoInit]: 1, [ROUTES.upload]: 2, [ROUTES.status]: 1 });
      expect(resumed.saved[0]).toEqual({});
      expect(step.checkpoint['publishId']).not.toBe(crashing.saved[0]!['publishId']);
    } finally {
      world.fakes.advanceClock(-3600);
    }
  });
});

describe('TikTok processing and moderation on the fakes\' clock', () => {
  let world: TiktokWorld;
  beforeAll(async () => {
    // Polls alone never finish processing here, only the clock does; moderation outlasts Reach's hour.
    world = await startTiktok({ publishing: { processingSeconds: 20, processingPolls: 1000, moderationSeconds: 7200 } });
  });
  afterAll(async () => {
    await world.close();
  });

  /** Publishes, lets processing finish, and returns the step that saw PUBLISH_COMPLETE without an id. */
  const untilModeration = async (name: string) => {
    const tokens = await world.connect(`${name}.maker`);
    const item = media.add(`${name}.mp4`, bytesOf(name, 1000), 'video/mp4');
    const ctx = contextFor(tokens, world.fake.account(`${name}.maker`).openId, content(name, [item], PUBLIC));
    const first = processing(await world.provider.publisher!.publish(ctx));
    const second = processing(await world.provider.publisher!.publish({ ...ctx, checkpoint: first.checkpoint }));
    expect(second.retryAfterSeconds).toBe(10);
    world.fakes.advanceClock(20);
    const moderating = processing(await world.provider.publisher!.publish({ ...ctx, checkpoint: second.checkpoint }));
    // Complete, but a public post's id only comes after moderation.
    expect(moderating.retryAfterSeconds).toBe(60);
    expect(Math.abs(Date.parse(moderating.checkpoint['completeSeenAt']!) - world.fakes.context.now().getTime())).toBeLessThan(5000);
    expect(ctx.saved[ctx.saved.length - 1]).toEqual(moderating.checkpoint);
    return { ctx, moderating, account: world.fake.account(`${name}.maker`) };
  };

  it('stays processing until the clock passes, waits out moderation, then publishes with the post id', async () => {
    const { ctx, moderating, account } = await untilModeration('patient');
    world.fakes.advanceClock(7200);
    const done = published(await world.provider.publisher!.publish({ ...ctx, checkpoint: moderating.checkpoint }));
    expect(done.platformPostId).toMatch(/^[0-9]+$/);
    expect(done.url).toBe(postUrl(done.platformPostId, account.username));
  });

  it('settles under the publish id when moderation outlasts an hour', async () => {
    const { ctx, moderating } = await untilModeration('reviewed');
    world.fakes.advanceClock(1800);
    processing(await world.provider.publisher!.publish({ ...ctx, checkpoint: moderating.checkpoint }));
    world.fakes.advanceClock(1800);
    const done = published(await world.provider.publisher!.publish({ ...ctx, checkpoint: moderating.checkpoint }));
    expect(done).toEqual({ status: 'published', platformPostId: moderating.checkpoint['publishId'] });
  });
});

describe('TikTok publishing refusals', () => {
  let world: TiktokWorld;
  beforeAll(async () => {
    world = await startTiktok({ publishing: { dailyPostCap: 1, unaudited: true } });
  });
  afterAll(async () => {
    await world.close();
  });

  it('an unaudited client may only post privately (invalid_request)', async () => {
    const tokens = await world.connect('audit.maker');
    const item = media.add('audit.mp4', bytesOf('audit', 1000), 'video/mp4');
    const calls = world.mark();
    const err = await failureOf(world.provider.publisher!.publish(contextFor(tokens, 'x', content('public', [item], PUBLIC))));
    expect(err.failure).toMatchObject({ kind: 'invalid_request', code: 'unaudited_client_can_only_post_to_private_accounts' });
    expect(calls()).toEqual({ [ROUTES.creatorInfo]: 1, [ROUTES.videoInit]: 1 });
  });

  it('the daily cap is rate_limited for a day', async () => {
    const tokens = await world.connect('busy.maker');
    const item = media.add('busy.mp4', bytesOf('busy', 1000), 'video/mp4');
    processing(await world.provider.publisher!.publish(contextFor(tokens, 'x', content('one', [item], { privacyLevel: 'SELF_ONLY' }))));
    const err = await failureOf(world.provider.publisher!.publish(contextFor(tokens, 'x', content('two', [item], { privacyLevel: 'SELF_ONLY' }))));
    expect(err.failure).toMatchObject({ kind: 'rate_limited', code: 'spam_risk_too_many_posts', retryAfterSeconds: 86_400 });
  });
});
