/**
 * Publishing to LinkedIn with the Posts API: media first (images, or one video that LinkedIn then
 * processes), then `POST /rest/posts` → 201 with the post URN in `x-restli-id`.
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
 *
 * Checkpoint (all strings, saved before the next call):
 *   `image.<i>` = the URN of the i-th image, once its bytes are uploaded
 *   `video`     = the URN of the video, once its upload is finalized
 *   `sending`   = ISO instant a `POST /rest/posts` was started (nothing follows it: the post URN is
 *                 the result)
 *
 * LinkedIn takes no idempotency key, so `targetKey` has nowhere to go. A create whose answer was
 * lost leaves the `sending` mark; the next run first looks for the post among the author's recent
 * posts, and when it may not read them (members without the restricted `r_member_social`), sends
 * again: LinkedIn refuses the same content from the same author as `DUPLICATE_POST` naming the
 * existing post, which, with the mark set, is the post we made.
 */
import { optionsOrRefuse } from '../content-check';
import { sendClassified, type CallContext } from '../http';
import { checkpointWriter } from '../checkpoint';
import type { Checkpoint, PublishContext, PublishStep, Publisher } from '../types';
import { ProviderError } from '../types';
import { toLittleText } from './commentary';
import { duplicateOf } from './errors';
import { contentKey, findPost, recentPostsSince, type ListedPost } from './find';
import { API_BASE } from './manifest';
import { createMediaUploader } from './media';
import { parseUrn, restHeaders } from './rest';
import { displayText, linkedinContentRules, linkedinOptionsSchema, shapeOf, validateLinkedinContent, type LinkedinOptions, type LinkedinShape } from './rules';

const imageKey = (i: number) => `image.${i}`;
const VIDEO_KEY = 'video';
const SENDING_KEY = 'sending';

/** LinkedIn documents no polling interval for video processing; short videos take seconds to minutes. */
export const VIDEO_POLL_SECONDS = 10;

/** The post's public address. */
export const postUrl = (urn: string): string => `https://www.linkedin.com/feed/update/${urn}/`;

interface Prepared {
  readonly options: LinkedinOptions;
  readonly shape: LinkedinShape;
  /** The commentary exactly as sent (little text). */
  readonly commentary: string;
  readonly author: string;
}

/** The content as LinkedIn will take it, or an `invalid_request` naming every violation. */
const prepare = (ctx: Pick<PublishContext, 'content' | 'accountType' | 'platformAccountId'>): Prepared => {
  const options = optionsOrRefuse('linkedin', "LinkedIn", validateLinkedinContent(ctx.content, ctx.accountType), linkedinOptionsSchema, ctx.content.options);
  const author = parseUrn(ctx.platformAccountId);
  if (!author) {
    throw new ProviderError('linkedin', { kind: 'invalid_request', code: 'unknown_urn', message: `not a LinkedIn member or organization URN: ${ctx.platformAccountId}` });
  }
  return { options: options, shape: shapeOf(ctx.content, options), commentary: toLittleText(displayText(ctx.content)), author: author.urn };
};

/** The media URNs the post carries, from the checkpoint; undefined while any is missing. */
const mediaUrns = (shape: LinkedinShape, cp: Checkpoint): string[] | undefined => {
  const wanted = shape.kind === 'image' ? [imageKey(0)] : shape.kind === 'multiImage' ? shape.images.map((_, i) => imageKey(i)) : shape.kind === 'video' ? [VIDEO_KEY] : [];
  const urns = wanted.map((k) => cp[k]);
  return urns.every((u): u is string => u !== undefined) ? urns : undefined;
};

/** The `content` of the post body. https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#post-schema */
const contentOf = (shape: LinkedinShape, urns: readonly string[], options: LinkedinOptions): Record<string, unknown> | undefined => {
  switch (shape.kind) {
    case 'text':
      return undefined;
    case 'image':
      return { media: { id: urns[0], ...(shape.image.altText !== undefined && { altText: shape.image.altText }) } };
    case 'multiImage':
      return { multiImage: { images: shape.images.map((img, i) => ({ id: urns[i], ...(img.altText !== undefined && { altText: img.altText }) })) } };
    case 'video':
      return { media: { id: urns[0], ...(options.videoTitle !== undefined && { title: options.videoTitle }) } };
    case 'article':
      return { article: { source: shape.source, title: shape.title, ...(shape.description !== undefined && { description: shape.description }) } };
  }
};

/** The key `findPost` compares a listed post's content with. */
const wantedContentKey = (shape: LinkedinShape, urns: readonly string[]): string =>
  shape.kind === 'article' ? shape.source : urns.join(',');

export interface LinkedinPublisherOptions {
  /** Seconds to wait before asking again about a video LinkedIn is processing. */
  readonly videoPollSeconds?: number;
}

/** Builds the publisher over the shared call context and clock. */
export const createLinkedinPublisher = (ctx: CallContext, now: () => Date, options: LinkedinPublisherOptions = {}): Publisher => {
  const media = createMediaUploader(ctx);
  const pollSeconds = options.videoPollSeconds ?? VIDEO_POLL_SECONDS;

  /** The author's post with this commentary and content since `since`, when LinkedIn lets us list them. */
  const lookFor = async (token: string, p: Prepared, key: string, since: Date): Promise<ListedPost | undefined> => {
    try {
      return findPost(await recentPostsSince(ctx, token, p.author, since), p.commentary, key, since);
    } catch (err) {
      // ACCESS_DENIED (a member without r_member_social): we cannot tell from here.
      if (err instanceof ProviderError && err.failure.kind === 'invalid_request') return undefined;
      throw err;
    }
  };

  /** POST /rest/posts → 201, `x-restli-id`. https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#create-a-text-only-post */
  const createPost = async (token: string, body: Record<string, unknown>): Promise<string> => {
    const res = await sendClassified(ctx, { method: 'POST', url: `${API_BASE}/rest/posts`, headers: restHeaders(token), json: body }, { okStatuses: [200, 201] });
    const id = res.headers['x-restli-id'] ?? res.headers['x-linkedin-id'];
    if (!id) {
      // The post exists but its URN is unknown: the kept `sending` mark lets the next run find it.
      throw new ProviderError('linkedin', { kind: 'transient', code: 'missing_post_id', message: 'LinkedIn created the post without naming it (no x-restli-id)' });
    }
    return decodeURIComponent(id);
  };

  return {
    rules: linkedinContentRules,
    validate: validateLinkedinContent,

    async publish(pctx): Promise<PublishStep> {
      const p = prepare(pctx);
      const token = pctx.tokens.accessToken;
      const { cp, save } = checkpointWriter(pctx);

      // 1. Media, each saved as soon as LinkedIn holds it.
      if (p.shape.kind === 'image' || p.shape.kind === 'multiImage') {
        const images = p.shape.kind === 'image' ? [p.shape.image] : p.shape.images;
        for (const [i, item] of images.entries()) {
          if (cp[imageKey(i)]) continue;
          await save({ [imageKey(i)]: await media.uploadImage(token, p.author, item) });
        }
      } else if (p.shape.kind === 'video') {
        let urn = cp[VIDEO_KEY];
        if (!urn) {
          urn = await media.uploadVideo(token, p.author, p.shape.video);
          await save({ [VIDEO_KEY]: urn });
        }
        const status = await media.videoStatus(token, urn);
        if (status === 'PROCESSING_FAILED') {
          // A new attempt uploads the file again rather than pointing at the failed asset.
          await save({ [VIDEO_KEY]: undefined });
          throw new ProviderError('linkedin', { kind: 'permanent', code: 'PROCESSING_FAILED', message: `LinkedIn could not process video ${urn}` });
        }
        if (status !== 'AVAILABLE') return { status: 'processing', checkpoint: { ...cp }, retryAfterSeconds: pollSeconds };
      }

      // 2. The post.
      const urns = mediaUrns(p.shape, cp)!;
      const key = wantedContentKey(p.shape, urns);
      const mark = cp[SENDING_KEY];
      if (mark) {
        const found = await lookFor(token, p, key, new Date(mark));
        if (found) return { status: 'published', platformPostId: found.id, url: postUrl(found.id) };
      }
      await save({ [SENDING_KEY]: now().toISOString() });
      const content = contentOf(p.shape, urns, p.options);
      const body = {
        author: p.author,
        commentary: p.commentary,
        visibility: p.options.visibility ?? 'PUBLIC',
        distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
        ...(content !== undefined && { content }),
        lifecycleState: 'PUBLISHED',
        isReshareDisabledByAuthor: p.options.disableReshare ?? false,
      };
      try {
        const id = await createPost(token, body);
        return { status: 'published', platformPostId: id, url: postUrl(id) };
      } catch (err) {
        if (err instanceof ProviderError) {
          const existing = mark ? duplicateOf(err.failure) : undefined;
          if (existing) return { status: 'published', platformPostId: existing, url: postUrl(existing) };
          // A definite refusal means nothing went out; only an unknown outcome keeps the mark.
          if (err.failure.kind !== 'transient') await save({ [SENDING_KEY]: undefined });
        }
        throw err;
      }
    },

    /**
     * Without a `sending` mark no create was ever started, so nothing went out. With one, the post
     * is looked for among the author's recent posts; undefined when it is not there, or when LinkedIn
     * does not let us list them (the next attempt's duplicate check then settles it).
     */
    async reconcile(rctx) {
      const cp: Checkpoint = rctx.checkpoint ?? {};
      const mark = cp[SENDING_KEY];
      if (!mark) return undefined;
      let p: Prepared;
      try {
        p = prepare(rctx);
      } catch {
        return undefined;
      }
      const urns = mediaUrns(p.shape, cp);
      if (!urns) return undefined;
      const since = new Date(Math.min(Date.parse(mark), Date.parse(rctx.since) || Date.parse(mark)));
      const found = await lookFor(rctx.tokens.accessToken, p, wantedContentKey(p.shape, urns), since);
      return found ? { platformPostId: found.id, url: postUrl(found.id) } : undefined;
    },
  };
};
