/**
 * Photo posts (PULL_FROM_URL), drafts to the creator's inbox, and reconciling a publish whose
 * outcome is unknown, against the fake TikTok with calls counted.
 */
import { ProviderError, type PublishStep } from '../../functions/providers/types';
import { bytesOf, content, contextFor, ROUTES, startMediaServer, startTiktok, type MediaServer, type TiktokWorld } from './tiktok-publish-support';

const PUBLIC = { privacyLevel: 'PUBLIC_TO_EVERYONE' };

interface PostView {
  readonly publishId: string;
  readonly kind: string;
  readonly mode: string;
  readonly status: string;
  readonly title: string;
  readonly description: string;
  readonly settings: Record<string, unknown>;
  readonly downloadedBytes?: number | null;
  readonly postId: string | null;
}
const postOf = (world: TiktokWorld, publishId: string | undefined): PostView | undefined =>
  (world.fake.snapshot() as { posts: PostView[] }).posts.find((p) => p.publishId === publishId);

const processing = (s: PublishStep) => {
  if (s.status !== 'processing') throw new Error(`expected processing, got ${JSON.stringify(s)}`);
  return s;
};
const published = (s: PublishStep) => {
  if (s.status !== 'published') throw new Error(`expected published, got ${JSON.stringify(s)}`);
  return s;
};

let media: MediaServer;
let world: TiktokWorld;
beforeAll(async () => {
  media = await startMediaServer();
  world = await startTiktok();
});
afterAll(async () => {
  await world.close();
  await media.close();
});

const jpegs = (name: string, n: number) => Array.from({ length: n }, (_, i) => media.add(`${name}-${i}.jpg`, bytesOf(`${name}${i}`, 2000 + i), 'image/jpeg'));

describe('TikTok photo posts', () => {
  it('runs creator_info and content/init, then TikTok pulls the images and the post goes out', async () => {
    const tokens = await world.connect('photo.maker');
    const account = world.fake.account('photo.maker');
    const images = jpegs('trip', 3);
    const ctx = contextFor(tokens, account.openId, content('A weekend by the sea #travel', images, { ...PUBLIC, title: 'Trip', photoCoverIndex: 1, autoAddMusic: true }));

    const calls = world.mark();
    const first = processing(await world.provider.publisher!.publish(ctx));
    expect(calls()).toEqual({ [ROUTES.creatorInfo]: 1, [ROUTES.contentInit]: 1, [ROUTES.status]: 1 });
    expect(ctx.saved).toEqual([{ flow: 'photo', publishId: expect.stringMatching(/^p_pub_url~v2\.[0-9]+$/), username: account.username }]);
    // Nothing was pulled yet.
    expect(images.map((m) => media.hits.get(`/${m.mediaId}`) ?? 0)).toEqual([0, 0, 0]);

    const again = world.mark();
    const done = published(await world.provider.publisher!.publish({ ...ctx, checkpoint: first.checkpoint }));
    expect(again()).toEqual({ [ROUTES.status]: 1 });
    expect(images.map((m) => media.hits.get(`/${m.mediaId}`))).toEqual([1, 1, 1]);
    const post = postOf(world, first.checkpoint['publishId']);
    expect(post).toMatchObject({
      kind: 'photo',
      mode: 'DIRECT_POST',
      status: 'PUBLISH_COMPLETE',
      title: 'Trip',
      description: 'A weekend by the sea #travel',
      settings: { photo_cover_index: 1, auto_add_music: true, disable_comment: false, brand_content_toggle: false, brand_organic_toggle: false },
      downloadedBytes: 2000 + 2001 + 2002,
    });
    expect(done).toEqual({ status: 'published', platformPostId: post!.postId, url: `https://www.tiktok.com/@${account.username}/video/${post!.postId}` });
  });

  it('fails (transient, checkpoint cleared) when TikTok cannot pull an image', async () => {
    const tokens = await world.connect('broken.maker');
    const [ok] = jpegs('broken', 1);
    const missing = { ...ok!, mediaId: 'gone', url: ok!.url.replace('broken-0.jpg', 'gone.jpg') };
    const ctx = contextFor(tokens, 'x', content('two', [ok!, missing], PUBLIC));
    const first = processing(await world.provider.publisher!.publish(ctx));
    await expect(world.provider.publisher!.publish({ ...ctx, checkpoint: first.checkpoint })).rejects.toMatchObject({ failure: { kind: 'transient', code: 'photo_pull_failed' } });
    expect(ctx.saved[ctx.saved.length - 1]).toEqual({});
  });
});

describe('TikTok drafts (MEDIA_UPLOAD)', () => {
  it('uploads a video to the inbox without creator_info and waits for the creator to post it', async () => {
    const tokens = await world.connect('draft.maker');
    const account = world.fake.account('draft.maker');
    const item = media.add('draft.mp4', bytesOf('draft', 3000), 'video/mp4');
    const ctx = contextFor(tokens, account.openId, content('', [item], { postMode: 'MEDIA_UPLOAD' }));

    const calls = world.mark();
    const first = processing(await world.provider.publisher!.publish(ctx));
    expect(calls()).toEqual({ [ROUTES.inboxInit]: 1, [ROUTES.upload]: 1, [ROUTES.status]: 1 });
    expect(first.checkpoint).toMatchObject({ flow: 'video_draft', publishId: expect.stringMatching(/^v_inbox_file~v2\./) });
    expect(first.checkpoint['username']).toBeUndefined();

    const inbox = processing(await world.provider.publisher!.publish({ ...ctx, checkpoint: first.checkpoint }));
    expect(inbox.retryAfterSeconds).toBe(300);
    expect(postOf(world, first.checkpoint['publishId'])).toMatchObject({ status: 'SEND_TO_USER_INBOX', mode: 'MEDIA_UPLOAD' });

    world.fake.postDraft(first.checkpoint['publishId']!, 'PUBLIC_TO_EVERYONE', world.fakes.context);
    const done = published(await world.provider.publisher!.publish({ ...ctx, checkpoint: inbox.checkpoint }));
    const post = postOf(world, first.checkpoint['publishId']);
    expect(done).toEqual({ status: 'published', platformPostId: post!.postId, url: `https://www.tiktok.com/video/${post!.postId}` });
  });

  it('sends a photo draft with its title and description only', async () => {
    const tokens = await world.connect('album.maker');
    const ctx = contextFor(tokens, 'x', content('Album notes', jpegs('album', 2), { postMode: 'MEDIA_UPLOAD', title: 'Album' }));
    const calls = world.mark();
    const first = processing(await world.provider.publisher!.publish(ctx));
    expect(calls()).toEqual({ [ROUTES.contentInit]: 1, [ROUTES.status]: 1 });
    expect(postOf(world, first.checkpoint['publishId'])).toMatchObject({ kind: 'photo', mode: 'MEDIA_UPLOAD', title: 'Album', description: 'Album notes', settings: { photo_cover_index: 0 } });
  });
});

describe('TikTok reconcile', () => {
  it('finds a finished publish from the checkpoint with one status call, and not a failed one', async () => {
    const tokens = await world.connect('found.maker');
    const item = media.add('found.mp4', bytesOf('found', 1000), 'video/mp4');
    const since = world.fakes.context.now().toISOString();
    const ctx = contextFor(tokens, 'x', content('found it', [item], PUBLIC));
    const first = processing(await world.provider.publisher!.publish(ctx));
    const calls = world.mark();
    const found = await world.provider.publisher!.reconcile({ ...ctx, checkpoint: first.checkpoint, since });
    expect(calls()).toEqual({ [ROUTES.status]: 1 });
    const post = postOf(world, first.checkpoint['publishId']);
    expect(found).toEqual({ platformPostId: post!.postId, url: `https://www.tiktok.com/@found.maker/video/${post!.postId}` });

    const failing = contextFor(tokens, 'x', content('failed it', [item], PUBLIC));
    const second = processing(await world.provider.publisher!.publish(failing));
    world.fake.failNextPublish('spam_risk_text');
    expect(await world.provider.publisher!.reconcile({ ...failing, checkpoint: second.checkpoint, since })).toBeUndefined();
  });

  it('finds a photo post whose publish id was lost among the account\'s videos, by its text', async () => {
    const tokens = await world.connect('lost.maker');
    const account = world.fake.account('lost.maker');
    const since = world.fakes.context.now().toISOString();
    const body = content('Lost answer, found post', jpegs('lost', 2), PUBLIC);
    const lost = contextFor(tokens, account.openId, body);
    // The worker dies before it can save the publish id: TikTok has the publish all the same.
    await expect(world.provider.publisher!.publish({ ...lost, save: async () => Promise.reject(new Error('worker crashed')) })).rejects.toThrow('worker crashed');
    world.fakes.advanceClock(30);
    try {
      const calls = world.mark();
      const found = await world.provider.publisher!.reconcile({ ...lost, since });
      expect(calls()).toEqual({ [ROUTES.videoList]: 1 });
      const post = (world.fake.snapshot() as { posts: PostView[] }).posts.find((p) => p.description === 'Lost answer, found post');
      expect(found).toEqual({ platformPostId: post!.postId, url: `https://www.tiktok.com/@${account.username}/video/${post!.postId}` });

      // Another text on the same account did not go out.
      expect(await world.provider.publisher!.reconcile({ ...lost, content: content('Never sent', body.media, PUBLIC), since })).toBeUndefined();
    } finally {
      world.fakes.advanceClock(-30);
    }
  });

  it('knows without a call that a video without a saved publish id never went out', async () => {
    const tokens = await world.connect('never.maker');
    const item = media.add('never.mp4', bytesOf('never', 1000), 'video/mp4');
    const calls = world.mark();
    expect(await world.provider.publisher!.reconcile({ ...contextFor(tokens, 'x', content('never', [item], PUBLIC)), since: new Date().toISOString() })).toBeUndefined();
    expect(calls()).toEqual({});
  });

  it('takes a publish id TikTok does not know as not gone out', async () => {
    const tokens = await world.connect('unknown.maker');
    const item = media.add('unknown.mp4', bytesOf('unknown', 1000), 'video/mp4');
    const ctx = contextFor(tokens, 'x', content('unknown', [item], PUBLIC), { publishId: 'v_pub_file~v2-1.1' });
    expect(await world.provider.publisher!.reconcile({ ...ctx, since: new Date().toISOString() })).toBeUndefined();
  });
});

describe('TikTok photo URLs on a domain not verified for the app', () => {
  it('are refused with url_ownership_unverified (permanent)', async () => {
    const strict = await startTiktok({ publishing: { verifiedUrlPrefixes: ['https://cdn.verified.example/'] } });
    try {
      const tokens = await strict.connect('strict.maker');
      const err = await strict.provider.publisher!.publish(contextFor(tokens, 'x', content('x', jpegs('strict', 1), PUBLIC))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).failure).toMatchObject({ kind: 'permanent', code: 'url_ownership_unverified' });
    } finally {
      await strict.close();
    }
  });
});
