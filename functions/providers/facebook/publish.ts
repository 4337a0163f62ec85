/**
 * Publishing to a Facebook Page with its Page token (https://developers.facebook.com/docs/pages-api/posts):
 * - text and link: `POST /{page-id}/feed` (`message`, `link`) → `{id}`;
 * - one photo: `POST /{page-id}/photos` (`url`, `caption`) → `{id, post_id}`;
 * - several photos: each `published=false` first, then `/feed` with `attached_media`;
 * - a video: `POST /{page-id}/videos` (`file_url`), then its status until processed;
 * - a reel: start, upload by URL, finish, then its status (see `videos.ts`).
 * Facebook fetches the media itself from Reach's URLs. A video's Page post is
 * `{page-id}_{video-id}` [observed: the Video node has no post id field].
 *
 * Checkpoint (all strings, saved before the next call):
 *   `photo.<i>` = an unpublished photo to attach      `video` = the video (or reel) id
 *   `uploadUrl` = a reel's upload address              `uploaded`, `finished` = reel steps done
 *   `sending`   = ISO instant a creating call was sent whose answer is not yet known
 *   `post`      = the Page post id
 * Graph takes no idempotency key: a `sending` mark is settled by looking for the post (or video)
 * among the Page's newest before anything is sent again. Duplicates Facebook itself refuses
 * (code 506) are `permanent`.
 */
import { optionsOrRefuse } from '../content-check';
import type { CallContext } from '../http';
import { checkpointWriter } from '../checkpoint';
import { ProviderError, type Checkpoint, type PublishContext, type PublishStep, type Publisher } from '../types';
import { createFeedPost, createPhoto, findPagePost, type PageSession } from './posts';
import {
  facebookContentRules,
  facebookOptionsSchema,
  linkOf,
  messageOf,
  postTypeOf,
  validateFacebookContent,
  type FacebookOptions,
  type FacebookPostType,
} from './rules';
import { createVideo, findPageVideo, finishReel, startReel, uploadReelFromUrl, videoStatus } from './videos';

/** How long to wait between status reads while Facebook processes a video (Meta gives no figure). */
export const VIDEO_POLL_SECONDS = 30;

/** A Page post's address. */
export const postUrl = (postId: string): string => `https://www.facebook.com/${postId}`;

interface Plan {
  readonly type: FacebookPostType;
  readonly options: FacebookOptions;
  readonly message: string;
  readonly link: string | undefined;
}

const planFrom = (content: PublishContext['content'], options: FacebookOptions): Plan => {
  const type = postTypeOf(content, options);
  return { type, options, message: messageOf(content, type, options), link: linkOf(content, options) };
};

/** The content as Facebook will take it, or an `invalid_request` naming every violation. */
const planOf = (ctx: Pick<PublishContext, 'content' | 'accountType'>): Plan => {
  const options = optionsOrRefuse('facebook', "Facebook", validateFacebookContent(ctx.content, ctx.accountType), facebookOptionsSchema, ctx.content.options);
  return planFrom(ctx.content, options);
};

const sessionOf = (ctx: Pick<PublishContext, 'platformAccountId' | 'tokens' | 'credentials'>): PageSession => ({
  pageId: ctx.platformAccountId,
  accessToken: ctx.tokens.accessToken,
  appSecret: ctx.credentials.clientSecret,
});

const videoPostId = (pageId: string, videoId: string): string => `${pageId}_${videoId}`;

/** Facebook's publisher over the one HTTP client and the clock. */
export const createFacebookPublisher = (ctx: CallContext, now: () => Date): Publisher => ({
  rules: facebookContentRules,
  validate: validateFacebookContent,

  async publish(pctx): Promise<PublishStep> {
    const plan = planOf(pctx);
    const s = sessionOf(pctx);
    const { cp, save } = checkpointWriter(pctx);
    const done = async (postId: string): Promise<PublishStep> => {
      if (cp['post'] !== postId) await save({ post: postId, sending: undefined });
      return { status: 'published', platformPostId: postId, url: postUrl(postId) };
    };

    /**
     * Sends a creating call once: after a lost answer (`sending` set) the result is looked for
     * first, and sent again only when it is not there.
     */
    const sendOnce = async (send: () => Promise<string>, find: (since: Date) => Promise<string | undefined>): Promise<string> => {
      const mark = cp['sending'];
      if (mark) {
        const found = await find(new Date(mark));
        if (found) return found;
      }
      await save({ sending: now().toISOString() });
      try {
        return await send();
      } catch (err) {
        // A refusal means nothing was created; only a lost answer keeps the mark.
        if (err instanceof ProviderError && err.failure.kind !== 'transient') await save({ sending: undefined });
        throw err;
      }
    };
    const findPost = async (since: Date) => (await findPagePost(ctx, s, plan.message, since))?.id;
    const published = plan.options.published;

    if (cp['post']) return done(cp['post']);
    const media = pctx.content.media;
    switch (plan.type) {
      case 'text':
      case 'link':
        return done(await sendOnce(() => createFeedPost(ctx, s, { message: plan.message, ...(plan.type === 'link' && { link: plan.link }), ...(published !== undefined && { published }) }), findPost));
      case 'photo': {
        if (media.length === 1) {
          return done(
            await sendOnce(async () => {
              const photo = await createPhoto(ctx, s, { url: media[0]!.url, caption: plan.message, ...(published !== undefined && { published }) });
              return photo.post_id ?? photo.id;
            }, findPost),
          );
        }
        for (const [i, item] of media.entries()) {
          if (cp[`photo.${i}`]) continue;
          // An unpublished photo shows nowhere until attached, so one made twice does no harm.
          const photo = await createPhoto(ctx, s, { url: item.url, published: false });
          await save({ [`photo.${i}`]: photo.id });
        }
        const attachedMedia = media.map((_, i) => cp[`photo.${i}`]!);
        return done(await sendOnce(() => createFeedPost(ctx, s, { message: plan.message, attachedMedia, ...(published !== undefined && { published }) }), findPost));
      }
      case 'video':
      case 'reel': {
        const fileUrl = media[0]!.url;
        if (!cp['video']) {
          if (plan.type === 'video') {
            const id = await sendOnce(
              () => createVideo(ctx, s, { fileUrl, description: plan.message, ...(published !== undefined && { published }) }),
              (since) => findPageVideo(ctx, s, plan.message, since),
            );
            await save({ video: id, sending: undefined });
            return { status: 'processing', checkpoint: { ...cp }, retryAfterSeconds: VIDEO_POLL_SECONDS };
          }
          // An unused upload session costs nothing, so starting one needs no mark.
          const session = await startReel(ctx, s);
          await save({ video: session.video_id, uploadUrl: session.upload_url });
        }
        const videoId = cp['video']!;
        if (plan.type === 'reel') {
          if (!cp['uploaded']) {
            await uploadReelFromUrl(ctx, s, cp['uploadUrl']!, fileUrl);
            await save({ uploaded: '1' });
          }
          if (!cp['finished']) {
            const lost = cp['sending'] !== undefined;
            const state = lost ? await videoStatus(ctx, s, videoId) : undefined;
            if (!(state && (state.state === 'ready' || (state.state === 'processing' && state.publishingStarted)))) {
              await save({ sending: now().toISOString() });
              await finishReel(ctx, s, { videoId, description: plan.message });
            }
            await save({ finished: '1', sending: undefined });
            return { status: 'processing', checkpoint: { ...cp }, retryAfterSeconds: VIDEO_POLL_SECONDS };
          }
        }
        const state = await videoStatus(ctx, s, videoId);
        if (state.state === 'failed') throw new ProviderError('facebook', { kind: 'permanent', code: 'video_failed', message: `Facebook could not publish the video: ${state.reason}` });
        if (state.state === 'processing') return { status: 'processing', checkpoint: { ...cp }, retryAfterSeconds: VIDEO_POLL_SECONDS };
        return done(videoPostId(s.pageId, videoId));
      }
    }
  },

  /**
   * The post, from the checkpoint (a post id, or a video Facebook reports published), else among
   * the Page's posts (or videos) since `since` with the same text. Hidden posts
   * (`published: false`) are found by checkpoint only.
   */
  async reconcile(rctx) {
    const cp: Checkpoint = rctx.checkpoint ?? {};
    const s = sessionOf(rctx);
    if (cp['post']) return { platformPostId: cp['post'], url: postUrl(cp['post']) };
    const parsed = facebookOptionsSchema.safeParse(rctx.content.options);
    const plan = planFrom(rctx.content, parsed.success ? parsed.data : {});
    const since = new Date(cp['sending'] ?? rctx.since);
    const isVideo = plan.type === 'video' || plan.type === 'reel';
    const videoId = cp['video'] ?? (plan.type === 'video' ? await findPageVideo(ctx, s, plan.message, since) : undefined);
    if (videoId !== undefined) {
      const state = await videoStatus(ctx, s, videoId);
      if (state.state !== 'ready') return undefined;
      const postId = videoPostId(s.pageId, videoId);
      return { platformPostId: postId, url: postUrl(postId) };
    }
    if (isVideo || plan.options.published === false) return undefined;
    const found = await findPagePost(ctx, s, plan.message, since);
    return found ? { platformPostId: found.id, url: postUrl(found.id) } : undefined;
  },
});
