/**
 * Publishing to LinkedIn against the fake: each post type's full call sequence, resuming from a
 * checkpoint without repeating a step, video processing, LinkedIn's duplicate refusal, and
 * reconciling a create whose answer was lost.
 */
import { ProviderError, type Checkpoint } from '../../functions/providers/types';
import {
  accountsOf,
  bytesOf,
  callsDuring,
  connect,
  content,
  contextFor,
  failureDuring,
  MEMBER_WITH_READ,
  PART_BYTES,
  postsAtFake,
  PROCESSING_SECONDS,
  startHarness,
  type LinkedinHarness,
} from './linkedin-publish-support';

const POSTS = 'POST api.linkedin.com/rest/posts';
const LIST = 'GET api.linkedin.com/rest/posts';
const IMAGES = 'POST api.linkedin.com/rest/images';
const VIDEOS = 'POST api.linkedin.com/rest/videos';
const VIDEO = 'GET api.linkedin.com/rest/videos/:urn';
const UPLOAD = 'PUT www.linkedin.com/dms-uploads/*';

let h: LinkedinHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.fakes.reset();
  h.loseNextPostAnswer = false;
});

const publisher = () => h.provider.publisher!;

/** A member token (posting only) and an admin token for the member's organization. */
const member = async (account = 'reach-demo', scopes?: readonly string[]) => {
  const tokens = await connect(h, account, scopes ? { scopes } : {});
  return { tokens, urn: (await accountsOf(h, tokens)).member };
};
const organization = async (account = 'reach-demo') => {
  const tokens = await connect(h, account, { variant: 'organization' });
  return { tokens, urn: (await accountsOf(h, tokens)).organization! };
};

describe('publishing each kind of post', () => {
  it('posts text as the member, escaped so that LinkedIn shows it whole', async () => {
    const { tokens, urn } = await member();
    const text = 'Launch (v2) — 50% off! #Reach #launch_day @team [beta] <3 ~ * _ \\ | {}';
    const ctx = contextFor(tokens, urn, content(text));
    const { result, calls } = await callsDuring(h, () => publisher().publish(ctx));
    expect(calls).toEqual({ [POSTS]: 1 });
    const [made] = postsAtFake(h);
    expect(made).toMatchObject({ author: urn, kind: 'text', text, visibility: 'PUBLIC' });
    expect(result).toEqual({ status: 'published', platformPostId: made!.id, url: `https://www.linkedin.com/feed/update/${made!.id}/` });
    expect(made!.id).toMatch(/^urn:li:share:\d{19}$/);
    // The mark goes down before the create: the only thing saved.
    expect(ctx.saved.map((c) => Object.keys(c))).toEqual([['sending']]);
  });

  it('posts one image for an organization: initialize, upload, post', async () => {
    const { tokens, urn } = await organization();
    const item = h.media.item('one-image', 'image/png', bytesOf('one-image', 5000), { altText: 'A chart' });
    const ctx = contextFor(tokens, urn, content('Our quarter', { media: [item], options: { visibility: 'LOGGED_IN' } }));
    const { result, calls } = await callsDuring(h, () => publisher().publish(ctx));
    expect(calls).toEqual({ [IMAGES]: 1, [UPLOAD]: 1, [POSTS]: 1 });
    expect(h.media.reads['one-image']).toBe(1);
    expect(result.status).toBe('published');
    expect(postsAtFake(h)).toEqual([expect.objectContaining({ author: urn, kind: 'image', text: 'Our quarter', visibility: 'LOGGED_IN' })]);
    expect(ctx.saved.map((c) => Object.keys(c).sort())).toEqual([['image.0'], ['image.0', 'sending']]);
    expect(ctx.saved[0]!['image.0']).toMatch(/^urn:li:image:/);
  });

  it('posts several images as a multi-image post, one upload each', async () => {
    const { tokens, urn } = await member();
    const media = [0, 1, 2].map((i) => h.media.item(`multi-${i}`, 'image/jpeg', bytesOf(`multi-${i}`, 3000 + i)));
    const ctx = contextFor(tokens, urn, content('Three views', { media }));
    const { calls } = await callsDuring(h, () => publisher().publish(ctx));
    expect(calls).toEqual({ [IMAGES]: 3, [UPLOAD]: 3, [POSTS]: 1 });
    expect(postsAtFake(h)).toEqual([expect.objectContaining({ kind: 'multiImage', text: 'Three views' })]);
    expect(Object.keys(ctx.saved.at(-1)!).sort()).toEqual(['image.0', 'image.1', 'image.2', 'sending']);
  });

  it('posts a link without media as an article', async () => {
    const { tokens, urn } = await organization();
    const ctx = contextFor(tokens, urn, content('Read the write-up', { link: 'https://reach.example/blog/launch', options: { articleTitle: 'How we launched' } }));
    const { calls } = await callsDuring(h, () => publisher().publish(ctx));
    expect(calls).toEqual({ [POSTS]: 1 });
    expect(postsAtFake(h)).toEqual([expect.objectContaining({ kind: 'article', text: 'Read the write-up' })]);
  });

  it('uploads a video in parts, waits while LinkedIn processes it, then posts', async () => {
    const { tokens, urn } = await organization();
    const size = 2 * PART_BYTES + 1234 + 80 * 1024;
    const item = h.media.item('clip', 'video/mp4', bytesOf('clip', size), { durationSeconds: 12 });
    const parts = Math.ceil(size / PART_BYTES);
    const first = contextFor(tokens, urn, content('Watch this', { media: [item], options: { videoTitle: 'Launch day' } }));
    const run1 = await callsDuring(h, () => publisher().publish(first));
    expect(run1.calls).toEqual({ [VIDEOS]: 2, [UPLOAD]: parts, [VIDEO]: 1 });
    expect(run1.result).toEqual({ status: 'processing', checkpoint: { video: expect.stringMatching(/^urn:li:video:/) }, retryAfterSeconds: 10 });
    expect(postsAtFake(h)).toEqual([]);
    if (run1.result.status !== 'processing') return;

    // Still processing a moment later: one status call, nothing else.
    const again = contextFor(tokens, urn, first.content, run1.result.checkpoint);
    const run2 = await callsDuring(h, () => publisher().publish(again));
    expect(run2.calls).toEqual({ [VIDEO]: 1 });
    expect(run2.result.status).toBe('processing');

    h.fakes.advanceClock(PROCESSING_SECONDS + 1);
    const last = contextFor(tokens, urn, first.content, run1.result.checkpoint);
    const run3 = await callsDuring(h, () => publisher().publish(last));
    expect(run3.calls).toEqual({ [VIDEO]: 1, [POSTS]: 1 });
    expect(run3.result).toMatchObject({ status: 'published', platformPostId: expect.stringMatching(/^urn:li:ugcPost:\d{19}$/) });
    expect(postsAtFake(h)).toEqual([expect.objectContaining({ kind: 'video', text: 'Watch this' })]);
    expect(h.media.reads['clip']).toBe(1);
  });

  it('fails a video LinkedIn could not process, and forgets it so a retry uploads again', async () => {
    const { tokens, urn } = await member();
    const item = h.media.item('broken', 'video/mp4', bytesOf('broken', 80 * 1024));
    const ctx = contextFor(tokens, urn, content('Broken', { media: [item] }));
    const step = await publisher().publish(ctx);
    if (step.status !== 'processing') throw new Error('expected processing');
    expect(h.fake.failVideo(step.checkpoint['video']!)).toBe(true);
    const retry = contextFor(tokens, urn, ctx.content, step.checkpoint);
    const { error } = await failureDuring(h, () => publisher().publish(retry));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).failure).toMatchObject({ kind: 'permanent', code: 'PROCESSING_FAILED' });
    expect(retry.saved.at(-1)).toEqual({});
  });
});

describe('resuming from a checkpoint', () => {
  it('uploads only the images not yet saved, then posts once', async () => {
    const { tokens, urn } = await member();
    const media = [0, 1, 2].map((i) => h.media.item(`resume-${i}`, 'image/jpeg', bytesOf(`resume-${i}`, 2000)));
    const post = content('Resumed', { media });
    // The worker dies right after the second image is saved.
    const crashing = contextFor(tokens, urn, post);
    const crash = new Error('worker died');
    const saved: Checkpoint[] = [];
    const first = await failureDuring(h, () =>
      publisher().publish({
        ...crashing,
        save: async (cp) => {
          saved.push(cp);
          if (saved.length === 2) throw crash;
        },
      }),
    );
    expect(first.error).toBe(crash);
    expect(first.calls).toEqual({ [IMAGES]: 2, [UPLOAD]: 2 });

    const resumed = contextFor(tokens, urn, post, saved.at(-1));
    const second = await callsDuring(h, () => publisher().publish(resumed));
    expect(second.calls).toEqual({ [IMAGES]: 1, [UPLOAD]: 1, [POSTS]: 1 });
    expect(second.result.status).toBe('published');
    expect(postsAtFake(h)).toHaveLength(1);
    expect(media.map((m) => h.media.reads[m.mediaId])).toEqual([1, 1, 1]);
  });

  it('does not upload a finalized video again', async () => {
    const { tokens, urn } = await member();
    const item = h.media.item('resume-video', 'video/mp4', bytesOf('resume-video', 80 * 1024));
    const step = await publisher().publish(contextFor(tokens, urn, content('Clip', { media: [item] })));
    if (step.status !== 'processing') throw new Error('expected processing');
    h.fakes.advanceClock(PROCESSING_SECONDS + 1);
    const { calls } = await callsDuring(h, () => publisher().publish(contextFor(tokens, urn, content('Clip', { media: [item] }), step.checkpoint)));
    expect(calls).toEqual({ [VIDEO]: 1, [POSTS]: 1 });
    expect(h.media.reads['resume-video']).toBe(1);
  });
});

describe('refusals', () => {
  it('refuses content that breaks the rules before calling LinkedIn', async () => {
    const { tokens, urn } = await member();
    const { error, calls } = await failureDuring(h, () => publisher().publish(contextFor(tokens, urn, content('x'.repeat(3001)))));
    expect(calls).toEqual({});
    expect((error as ProviderError).failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_content', message: "content breaks LinkedIn's rules: text too_long" });
  });

  it('classifies LinkedIn’s duplicate refusal as permanent when no earlier attempt was made', async () => {
    const { tokens, urn } = await member();
    await publisher().publish(contextFor(tokens, urn, content('Same words')));
    const second = contextFor(tokens, urn, content('Same words'));
    const { error, calls } = await failureDuring(h, () => publisher().publish(second));
    expect(calls).toEqual({ [POSTS]: 1 });
    expect((error as ProviderError).failure).toMatchObject({ kind: 'permanent', code: 'DUPLICATE_POST' });
    // A definite refusal clears the mark: nothing of ours is out there to look for.
    expect(second.saved.at(-1)).toEqual({});
    expect(postsAtFake(h)).toHaveLength(1);
  });

  it('refuses posting for an organization the token may not post for', async () => {
    const { tokens } = await member();
    const { urn: org } = await organization('someone-else');
    const { error } = await failureDuring(h, () => publisher().publish(contextFor(tokens, org, content('Not mine'))));
    expect((error as ProviderError).failure).toMatchObject({ kind: 'invalid_request', code: '100/ACCESS_DENIED' });
  });
});

describe('an answer lost after LinkedIn created the post', () => {
  it('is found by reconcile among an organization’s recent posts', async () => {
    const { tokens, urn } = await organization();
    const post = content('Quarterly numbers are in');
    const ctx = contextFor(tokens, urn, post);
    h.loseNextPostAnswer = true;
    const lost = await failureDuring(h, () => publisher().publish(ctx));
    expect((lost.error as ProviderError).failure).toMatchObject({ kind: 'transient', code: 'timeout' });
    const checkpoint = ctx.saved.at(-1)!;
    expect(Object.keys(checkpoint)).toEqual(['sending']);

    const { result, calls } = await callsDuring(h, () =>
      publisher().reconcile({ ...contextFor(tokens, urn, post, checkpoint), since: new Date(Date.now() - 60_000).toISOString() }),
    );
    const [made] = postsAtFake(h);
    expect(calls).toEqual({ [LIST]: 1 });
    expect(result).toEqual({ platformPostId: made!.id, url: `https://www.linkedin.com/feed/update/${made!.id}/` });
  });

  it('is found for a member who may read its posts', async () => {
    const { tokens, urn } = await member('reader', MEMBER_WITH_READ);
    const post = content('Member words (with parens)');
    const ctx = contextFor(tokens, urn, post);
    h.loseNextPostAnswer = true;
    await failureDuring(h, () => publisher().publish(ctx));
    const found = await publisher().reconcile({ ...contextFor(tokens, urn, post, ctx.saved.at(-1)), since: new Date().toISOString() });
    expect(found?.platformPostId).toBe(postsAtFake(h)[0]!.id);
  });

  it('is settled by LinkedIn’s duplicate refusal when the member’s posts cannot be listed', async () => {
    const { tokens, urn } = await member();
    const post = content('Members cannot list their own posts');
    const ctx = contextFor(tokens, urn, post);
    h.loseNextPostAnswer = true;
    await failureDuring(h, () => publisher().publish(ctx));
    const checkpoint = ctx.saved.at(-1)!;

    // Reconcile cannot tell (ACCESS_DENIED on the list), so the engine tries again.
    const check = await callsDuring(h, () => publisher().reconcile({ ...contextFor(tokens, urn, post, checkpoint), since: new Date().toISOString() }));
    expect(check.result).toBeUndefined();
    expect(check.calls).toEqual({ [LIST]: 1 });

    const retry = await callsDuring(h, () => publisher().publish(contextFor(tokens, urn, post, checkpoint)));
    expect(retry.calls).toEqual({ [LIST]: 1, [POSTS]: 1 });
    const [made] = postsAtFake(h);
    expect(retry.result).toEqual({ status: 'published', platformPostId: made!.id, url: `https://www.linkedin.com/feed/update/${made!.id}/` });
    expect(postsAtFake(h)).toHaveLength(1);
  });

  it('is not found when the create never got through', async () => {
    const { tokens, urn } = await organization();
    const post = content('This one never made it');
    const ctx = contextFor(tokens, urn, post);
    h.fakes.inject('linkedin', { kind: 'server_error', times: 1, path: '/rest/posts' });
    const failed = await failureDuring(h, () => publisher().publish(ctx));
    expect((failed.error as ProviderError).failure.kind).toBe('transient');
    // A 5xx may or may not have created the post: the mark stays for reconcile to check.
    const checkpoint = ctx.saved.at(-1)!;
    expect(Object.keys(checkpoint)).toEqual(['sending']);
    const found = await publisher().reconcile({ ...contextFor(tokens, urn, post, checkpoint), since: new Date().toISOString() });
    expect(found).toBeUndefined();
    expect(postsAtFake(h)).toEqual([]);
  });

  it('needs no call to know that a post whose create never started did not go out', async () => {
    const { tokens, urn } = await organization();
    const post = content('Never started', { media: [h.media.item('never', 'image/png', bytesOf('never', 100))] });
    const { result, calls } = await callsDuring(h, () =>
      publisher().reconcile({ ...contextFor(tokens, urn, post, { 'image.0': 'urn:li:image:C4E10AQabc' }), since: new Date().toISOString() }),
    );
    expect(result).toBeUndefined();
    expect(calls).toEqual({});
  });
});
