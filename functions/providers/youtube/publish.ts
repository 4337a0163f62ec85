/**
 * Publishing to YouTube: one resumable upload (`videos.insert`), then polling the video's
 * processing until YouTube has processed it, rejected it (a duplicate, a copyright claim…) or
 * failed it. https://developers.google.com/youtube/v3/docs/videos/insert
 *
 * Checkpoint (strings, each saved before the next call):
 *   `session` = the resumable session URI (after it is opened; the bytes may then be resumed)
 *   `videoId` = the video YouTube made of the upload (after the last chunk)
 *   `short`   = `1` when the video shows as a Short
 * `videos.insert` takes no idempotency key: an attempt whose outcome is unknown is resolved by the
 * session (which answers the finished video) or, without one, by the channel's newest uploads.
 */
import { optionsOrRefuse } from '../content-check';
import type { CallContext } from '../http';
import { checkpointWriter } from '../checkpoint';
import type { PublishContext, PublishStep, Publisher } from '../types';
import { ProviderError } from '../types';
import {
  DEFAULT_CATEGORY_ID,
  descriptionOf,
  isShort,
  validateYoutubeContent,
  videoUrl,
  youtubeContentRules,
  youtubeOptionsSchema,
  type YoutubeOptions,
} from './rules';
import { DEFAULT_CHUNK_BYTES, sessionState, startSession, uploadFrom, type VideoMetadata } from './upload';
import { listVideos, recentUploads, type Video } from './videos';

/** YouTube gives no polling guidance; its own estimate (`timeLeftMs`) is used within these bounds. */
const MIN_POLL_SECONDS = 10;
const MAX_POLL_SECONDS = 300;
const DEFAULT_POLL_SECONDS = 30;
/** Uploads read when reconciling without a checkpoint: a crash is reconciled minutes later. */
const RECENT_UPLOADS = 25;
/** YouTube's and Reach's clocks differ a little. */
const CLOCK_SLACK_MS = 60_000;

export interface YoutubePublisherOptions {
  /** Bytes per `PUT` (a multiple of 256 KiB); smaller files go in one. */
  readonly chunkBytes?: number;
}

/** The options as YouTube takes them, or an `invalid_request` naming every violation. */
const checkedOptions = (ctx: Pick<PublishContext, 'content' | 'accountType'>): YoutubeOptions => {
  const options = optionsOrRefuse('youtube', "YouTube", validateYoutubeContent(ctx.content, ctx.accountType), youtubeOptionsSchema, ctx.content.options);
  return options;
};

/** The `videos.insert` body for the content. */
export const metadataOf = (ctx: Pick<PublishContext, 'content'>, options: YoutubeOptions): VideoMetadata => ({
  snippet: {
    title: options.title,
    description: descriptionOf(ctx.content),
    ...(options.tags && { tags: options.tags }),
    categoryId: options.categoryId ?? DEFAULT_CATEGORY_ID,
    ...(options.defaultLanguage && { defaultLanguage: options.defaultLanguage }),
  },
  status: {
    // A scheduled video must be private until its time.
    privacyStatus: options.privacyStatus ?? (options.publishAt ? 'private' : 'public'),
    ...(options.publishAt && { publishAt: options.publishAt }),
    ...(options.madeForKids !== undefined && { selfDeclaredMadeForKids: options.madeForKids }),
    ...(options.containsSyntheticMedia !== undefined && { containsSyntheticMedia: options.containsSyntheticMedia }),
  },
});

/** How long to wait before asking about processing again, from YouTube's own estimate. */
const pollSeconds = (video: Video): number => {
  const left = video.processingDetails?.processingProgress?.timeLeftMs;
  if (left === undefined) return DEFAULT_POLL_SECONDS;
  return Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, Math.ceil(left / 1000)));
};

type Outcome = { readonly state: 'ready' } | { readonly state: 'processing'; readonly waitSeconds: number } | { readonly state: 'refused'; readonly error: ProviderError };

/**
 * Reads a video's upload status (https://developers.google.com/youtube/v3/docs/videos#status):
 * `processed` is done; `uploaded` still processing; `rejected` (duplicate, copyright, terms…)
 * and `failed` (codec, empty or invalid file…) will not change by waiting.
 */
const outcomeOf = (video: Video | undefined, videoId: string): Outcome => {
  if (!video) {
    return { state: 'refused', error: new ProviderError('youtube', { kind: 'permanent', code: 'videoNotFound', message: `video ${videoId} no longer exists (deleted on YouTube)` }) };
  }
  const status = video.status?.uploadStatus;
  if (status === 'processed') return { state: 'ready' };
  if (status === 'rejected') {
    const reason = video.status?.rejectionReason ?? 'unspecified';
    const message = reason === 'duplicate' ? 'YouTube rejected the video as a duplicate of one already on the channel' : `YouTube rejected the video (${reason})`;
    return { state: 'refused', error: new ProviderError('youtube', { kind: 'permanent', code: reason === 'duplicate' ? 'duplicate' : `rejected_${reason}`, message }) };
  }
  if (status === 'failed' || status === 'deleted') {
    const reason = video.status?.failureReason ?? video.processingDetails?.processingFailureReason ?? status;
    return { state: 'refused', error: new ProviderError('youtube', { kind: 'permanent', code: `upload_${reason}`, message: `YouTube could not process the video (${reason})` }) };
  }
  return { state: 'processing', waitSeconds: pollSeconds(video) };
};

/** Builds the YouTube publisher. */
export const createYoutubePublisher = (ctx: CallContext, options: YoutubePublisherOptions = {}): Publisher => {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;

  /** `videos.list?part=status,processingDetails` for one video (1 unit). */
  const readVideo = async (pctx: Pick<PublishContext, 'tokens'>, videoId: string): Promise<Video | undefined> =>
    (await listVideos(ctx, pctx.tokens, [videoId], 'status,processingDetails'))[0];

  /** The video of the upload once the bytes are all there (opening or resuming the session). */
  const upload = async (pctx: PublishContext, cp: Record<string, string>, save: (patch: Record<string, string | undefined>) => Promise<void>, opts: YoutubeOptions): Promise<Video> => {
    const item = pctx.content.media[0]!;
    for (let round = 0; round < 2; round++) {
      let session = cp['session'];
      let from = 0;
      if (session) {
        const state = await sessionState(ctx, pctx.tokens, session, item);
        if ('expired' in state) session = undefined;
        else if (state.done) return state.video;
        else from = state.received;
      }
      if (!session) {
        session = await startSession(ctx, pctx.tokens, metadataOf(pctx, opts), item, opts.notifySubscribers);
        await save({ session, ...(isShort(item) && { short: '1' }) });
        from = 0;
      }
      const sent = await uploadFrom(ctx, pctx.tokens, session, item, from, chunkBytes);
      if ('video' in sent) return sent.video;
      // The session expired mid-way (a week old, or YouTube dropped it): open a new one once.
      await save({ session: undefined });
    }
    throw new ProviderError('youtube', { kind: 'transient', code: 'upload_session_expired', message: 'YouTube dropped the upload session twice in a row' });
  };

  return {
    rules: youtubeContentRules,
    validate: validateYoutubeContent,

    /** Uploads (or resumes), then polls processing; see the module comment for the checkpoint. */
    async publish(pctx): Promise<PublishStep> {
      const opts = checkedOptions(pctx);
      const { cp, save } = checkpointWriter(pctx);

      let videoId = cp['videoId'];
      if (!videoId) {
        const video = await upload(pctx, cp, save, opts);
        videoId = video.id;
        await save({ videoId, session: undefined });
      }
      const outcome = outcomeOf(await readVideo(pctx, videoId), videoId);
      if (outcome.state === 'refused') throw outcome.error;
      if (outcome.state === 'processing') return { status: 'processing', checkpoint: { ...cp }, retryAfterSeconds: outcome.waitSeconds };
      return { status: 'published', platformPostId: videoId, url: videoUrl(videoId, cp['short'] === '1') };
    },

    /**
     * The video, if the unknown attempt made one that YouTube has processed: by the checkpoint's
     * video or session, else among the channel's newest uploads with the same title and
     * description added since the attempt began. A video still processing, rejected or failed is
     * left to `publish`, which resumes from the checkpoint and reports it.
     */
    async reconcile(rctx) {
      const cp = rctx.checkpoint ?? {};
      const item = rctx.content.media[0];
      const short = cp['short'] === '1' || (item !== undefined && isShort(item));
      let videoId = cp['videoId'];
      if (!videoId && cp['session'] && item) {
        const state = await sessionState(ctx, rctx.tokens, cp['session'], item);
        if ('done' in state && state.done) videoId = state.video.id;
        else return undefined;
      }
      if (videoId) {
        const outcome = outcomeOf(await readVideo(rctx, videoId), videoId);
        return outcome.state === 'ready' ? { platformPostId: videoId, url: videoUrl(videoId, short) } : undefined;
      }
      const parsed = youtubeOptionsSchema.safeParse(rctx.content.options);
      if (!parsed.success) return undefined;
      const title = parsed.data.title;
      const description = descriptionOf(rctx.content);
      const since = Date.parse(rctx.since) - CLOCK_SLACK_MS;
      const match = (await recentUploads(ctx, rctx.tokens, RECENT_UPLOADS)).find(
        (u) => u.title === title && u.description === description && (u.addedAt === undefined || Date.parse(u.addedAt) >= since),
      );
      return match ? { platformPostId: match.videoId, url: videoUrl(match.videoId, short) } : undefined;
    },
  };
};
