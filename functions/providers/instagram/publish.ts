/**
 * Publishing to Instagram (https://developers.facebook.com/docs/instagram-platform/content-publishing):
 * the rolling publishing limit is read first; then a media container per post (a child container
 * per carousel item, then the carousel), waiting while Instagram fetches and processes videos,
 * then `media_publish`, then the permalink. Instagram fetches the media itself from Reach's URLs.
 *
 * Checkpoint (all strings, saved before the next call):
 *   `child.<i>`  = carousel item container id, `:processing` appended until it was seen FINISHED
 *   `container`  = the container to publish, `:processing` appended likewise
 *   `publishing` = ISO instant a `media_publish` was sent whose answer is not yet known
 *   `media`      = the published media's id
 * Instagram takes no idempotency key; a container is published once at most (a second
 * `media_publish` of it is refused), and a `publishing` mark without `media` is settled by the
 * container's status before anything is sent again.
 */
import { optionsOrRefuse } from '../content-check';
import type { PostContent } from '../../core/model/post';
import { checkpointWriter } from '../checkpoint';
import type { CallContext } from '../http';
import { MATCH_SKEW_MS, metaTimeMs, sameText } from '../meta-graph/content';
import { ProviderError, type Checkpoint, type PublishContext, type PublishStep, type Publisher } from '../types';
import {
  containerStatus,
  createContainer,
  permalinkOf,
  publishContainer,
  publishingQuota,
  recentMedia,
  type ContainerStatus,
  type RecentMedia,
} from './containers';
import { igSession, type IgSession } from './graph';
import {
  captionOf,
  igMediaKind,
  instagramContentRules,
  instagramOptionsSchema,
  postTypeOf,
  validateInstagramContent,
  type InstagramOptions,
  type InstagramPostType,
} from './rules';

/** Meta: poll a container's status at most once per minute. */
export const POLL_SECONDS = 60;
const PROCESSING = ':processing';

interface Plan {
  readonly type: InstagramPostType;
  readonly options: InstagramOptions;
  readonly caption: string;
}

/** The content as Instagram will take it, or an `invalid_request` naming every violation. */
const planOf = (ctx: Pick<PublishContext, 'content' | 'accountType'>): Plan => {
  const options = optionsOrRefuse('instagram', "Instagram", validateInstagramContent(ctx.content, ctx.accountType), instagramOptionsSchema, ctx.content.options);
  return { type: postTypeOf(ctx.content, options), options: options, caption: captionOf(ctx.content) };
};

const bool = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : String(b));
const list = (xs: readonly string[] | undefined): string | undefined => (xs === undefined ? undefined : JSON.stringify(xs));

/** The container parameters of a single-item post (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media). */
const singleParams = (content: PostContent, plan: Plan): Record<string, string | undefined> => {
  const item = content.media[0]!;
  const isVideo = igMediaKind(item.contentType) === 'video';
  const { options } = plan;
  const media = isVideo ? { video_url: item.url } : { image_url: item.url };
  if (plan.type === 'story') return { media_type: 'STORIES', ...media };
  const shared = { caption: plan.caption, collaborators: list(options.collaborators), location_id: options.locationId };
  if (plan.type === 'reel') {
    return {
      media_type: 'REELS',
      ...media,
      ...shared,
      share_to_feed: bool(options.shareToFeed),
      cover_url: options.coverUrl,
      thumb_offset: options.thumbOffsetMs === undefined ? undefined : String(options.thumbOffsetMs),
    };
  }
  return { ...media, ...shared, alt_text: options.altText ?? item.altText };
};

/** A carousel item's container parameters. */
const childParams = (item: PostContent['media'][number]): Record<string, string | undefined> =>
  igMediaKind(item.contentType) === 'video'
    ? { is_carousel_item: 'true', media_type: 'VIDEO', video_url: item.url }
    : { is_carousel_item: 'true', image_url: item.url, alt_text: item.altText };

const split = (value: string | undefined): { readonly id: string; readonly processing: boolean } | undefined =>
  value === undefined ? undefined : { id: value.replace(PROCESSING, ''), processing: value.endsWith(PROCESSING) };

const failedContainer = (status: ContainerStatus): ProviderError =>
  new ProviderError('instagram', {
    kind: 'permanent',
    code: status.status_code === 'EXPIRED' ? 'container_expired' : 'container_error',
    message: `Instagram could not use the media: ${(status.status ?? status.status_code).slice(0, 200)}`,
  });

/** 9007 / 2207027: "the media is not ready for publishing, please wait for a moment". */
const isNotReady = (err: unknown): boolean => err instanceof ProviderError && err.failure.code?.split('/')[0] === '9007';

/** The media a `media_publish` sent at `sentAt` made: by caption among posts, the first story since. */
const findPublished = async (ctx: CallContext, s: IgSession, igUserId: string, plan: Plan, sentAt: Date): Promise<RecentMedia | undefined> => {
  const since = sentAt.getTime() - MATCH_SKEW_MS;
  if (plan.type === 'story') {
    const stories = await recentMedia(ctx, s, igUserId, 'stories');
    return stories.filter((m) => metaTimeMs(m.timestamp) >= since).sort((a, b) => metaTimeMs(a.timestamp) - metaTimeMs(b.timestamp))[0];
  }
  const media = await recentMedia(ctx, s, igUserId, 'media');
  return media.find((m) => sameText(m.caption, plan.caption) && !(metaTimeMs(m.timestamp) < since));
};

/** Instagram's publisher over the one HTTP client and the clock. */
export const createInstagramPublisher = (ctx: CallContext, now: () => Date): Publisher => {
  /** Over the rolling limit: throws `rate_limited` until the oldest counted post leaves the window. */
  const checkQuota = async (s: IgSession, igUserId: string): Promise<void> => {
    const quota = await publishingQuota(ctx, s, igUserId);
    if (quota.usage < quota.total) return;
    const t = now().getTime();
    const windowStart = t - quota.durationSeconds * 1000;
    // The limit is rolling: it frees up as the oldest post of the window turns a day old.
    // Read a full page: posts made outside the API share the list and may be the newest ones.
    const inWindow = (await recentMedia(ctx, s, igUserId, 'media', 100))
      .map((m) => metaTimeMs(m.timestamp))
      .filter((ms) => ms > windowStart);
    const oldest = inWindow.length > 0 ? Math.min(...inWindow) : undefined;
    const wait = oldest === undefined ? quota.durationSeconds : Math.ceil((oldest + quota.durationSeconds * 1000 - t) / 1000);
    throw new ProviderError('instagram', {
      kind: 'rate_limited',
      code: 'publishing_limit',
      retryAfterSeconds: Math.max(POLL_SECONDS, wait),
      message: `the account published ${quota.usage} of ${quota.total} posts allowed per ${quota.durationSeconds / 3600} h`,
    });
  };

  return {
    rules: instagramContentRules,
    validate: validateInstagramContent,

    async publish(pctx): Promise<PublishStep> {
      const plan = planOf(pctx);
      const s = igSession(pctx.tokens, pctx.credentials);
      const igUserId = pctx.platformAccountId;
      const { cp, save } = checkpointWriter(pctx);
      const processing = (): PublishStep => ({ status: 'processing', checkpoint: { ...cp }, retryAfterSeconds: POLL_SECONDS });
      const published = async (mediaId: string): Promise<PublishStep> => {
        const url = await permalinkOf(ctx, s, mediaId);
        return { status: 'published', platformPostId: mediaId, ...(url !== undefined && { url }) };
      };

      if (cp['media']) return published(cp['media']);
      if (Object.keys(cp).length === 0) await checkQuota(s, igUserId);

      // 1. Containers: the carousel's items, then the post's own.
      if (!cp['container']) {
        if (plan.type === 'carousel') {
          let waiting = false;
          for (const [i, item] of pctx.content.media.entries()) {
            if (cp[`child.${i}`]) continue;
            const id = await createContainer(ctx, s, igUserId, childParams(item));
            const isVideo = igMediaKind(item.contentType) === 'video';
            await save({ [`child.${i}`]: isVideo ? `${id}${PROCESSING}` : id });
            // A video just handed over is still being fetched: no status read in this run.
            waiting ||= isVideo;
          }
          if (waiting) return processing();
          for (const i of pctx.content.media.keys()) {
            const child = split(cp[`child.${i}`])!;
            if (!child.processing) continue;
            const status = await containerStatus(ctx, s, child.id);
            if (status.status_code === 'IN_PROGRESS') waiting = true;
            else if (status.status_code === 'FINISHED') await save({ [`child.${i}`]: child.id });
            else throw failedContainer(status);
          }
          if (waiting) return processing();
          const children = pctx.content.media.map((_, i) => split(cp[`child.${i}`])!.id).join(',');
          const { options } = plan;
          const id = await createContainer(ctx, s, igUserId, {
            media_type: 'CAROUSEL',
            children,
            caption: plan.caption,
            collaborators: list(options.collaborators),
            location_id: options.locationId,
          });
          await save({ container: id });
        } else {
          const id = await createContainer(ctx, s, igUserId, singleParams(pctx.content, plan));
          const isVideo = igMediaKind(pctx.content.media[0]!.contentType) === 'video';
          await save({ container: isVideo ? `${id}${PROCESSING}` : id });
          // Instagram has only begun fetching the video: look again in a minute.
          if (isVideo) return processing();
        }
      }

      // 2. Wait for the container, and settle a publish whose answer was lost.
      const container = split(cp['container'])!;
      const mark = cp['publishing'];
      if (container.processing || mark) {
        const status = await containerStatus(ctx, s, container.id);
        if (status.status_code === 'PUBLISHED') {
          const found = await findPublished(ctx, s, igUserId, plan, new Date(mark ?? now().toISOString()));
          if (!found) {
            throw new ProviderError('instagram', { kind: 'transient', code: 'published_not_listed', message: 'the container is published but its media is not listed yet' });
          }
          await save({ media: found.id, publishing: undefined });
          return { status: 'published', platformPostId: found.id, ...(found.permalink !== undefined && { url: found.permalink }) };
        }
        if (status.status_code === 'IN_PROGRESS') return processing();
        if (status.status_code !== 'FINISHED') throw failedContainer(status);
        if (container.processing || mark) await save({ container: container.id, publishing: undefined });
      }

      // 3. Publish.
      await save({ publishing: now().toISOString() });
      let mediaId: string;
      try {
        mediaId = await publishContainer(ctx, s, igUserId, container.id);
      } catch (err) {
        if (isNotReady(err)) {
          await save({ container: `${container.id}${PROCESSING}`, publishing: undefined });
          return processing();
        }
        // A refusal means nothing went out; after a lost or failed answer the container's status decides.
        if (err instanceof ProviderError && err.failure.kind !== 'transient') await save({ publishing: undefined });
        throw err;
      }
      await save({ media: mediaId, publishing: undefined });
      return published(mediaId);
    },

    /**
     * The media, from the checkpoint: a published media id, or a container Instagram reports as
     * PUBLISHED (then found among the account's recent media). Without a container nothing can
     * have been published: Instagram publishes containers only.
     */
    async reconcile(rctx) {
      const cp: Checkpoint = rctx.checkpoint ?? {};
      const s = igSession(rctx.tokens, rctx.credentials);
      if (cp['media']) {
        const url = await permalinkOf(ctx, s, cp['media']);
        return { platformPostId: cp['media'], ...(url !== undefined && { url }) };
      }
      const container = split(cp['container']);
      if (!container) return undefined;
      const status = await containerStatus(ctx, s, container.id);
      if (status.status_code !== 'PUBLISHED') return undefined;
      const parsed = instagramOptionsSchema.safeParse(rctx.content.options);
      const options = parsed.success ? parsed.data : {};
      const plan: Plan = { type: postTypeOf(rctx.content, options), options, caption: captionOf(rctx.content) };
      const found = await findPublished(ctx, s, rctx.platformAccountId, plan, new Date(cp['publishing'] ?? rctx.since));
      return found ? { platformPostId: found.id, ...(found.permalink !== undefined && { url: found.permalink }) } : undefined;
    },
  };
};
