/**
 * Publishing to TikTok through the Content Posting API.
 * https://developers.tiktok.com/doc/content-posting-api-get-started
 *
 * Video: creator_info (the chosen privacy must be one of the creator's options, the video within
 * the creator's longest) → video/init with FILE_UPLOAD (Reach cannot assume its media host is a
 * domain verified for PULL_FROM_URL) → PUT each chunk → poll status/fetch. Photos: creator_info →
 * content/init with PULL_FROM_URL (the only source photos take) → poll. A MEDIA_UPLOAD draft skips
 * creator_info and ends in the creator's inbox until they post it in the app.
 *
 * Checkpoint (all strings, saved before the next call):
 *   `publishId`, `flow` (`video` | `video_draft` | `photo` | `photo_draft`), `username`
 *   `uploadUrl`, `uploadExpiresAt` (epoch s), `videoSize`, `chunkSize`, `chunkCount`,
 *   `uploadedBytes` (after each chunk)
 *   `completeSeenAt` (ISO): PUBLISH_COMPLETE came before the public post id (moderation)
 * TikTok takes no idempotency key, so `targetKey` has nowhere to go: a publish whose answer was
 * lost is found again by `reconcile`.
 */
import { optionsOrRefuse } from '../content-check';
import type { CallContext } from '../http';
import type { Checkpoint, PublishContext, PublishStep, Publisher } from '../types';
import { ProviderError } from '../types';
import { classifyFailReason } from './errors';
import { findPost, videosSince } from './find';
import { TIKTOK_SCOPES } from './manifest';
import { fetchPublishStatus, initPhoto, initVideo, photoPostInfo, queryCreatorInfo, videoPostInfo } from './posting';
import { planOf, tiktokContentRules, tiktokOptionsSchema, validateTiktokContent, type TiktokPlan } from './rules';
import type { CreatorInfo, PublishStatus } from './schemas';
import { assertChunkBytes, chunkRange, DEFAULT_CHUNK_BYTES, planChunks, putChunk, readRange, UPLOAD_URL_LIFETIME_SECONDS, type ChunkPlan } from './upload';

/** The status endpoint allows 30 calls a minute per token; TikTok processes 512 MB in under half a minute. */
export const PROCESSING_WAIT_SECONDS = 10;
/** A draft waits for the creator to post it in the app: look rarely. */
export const DRAFT_WAIT_SECONDS = 300;
/** Moderation of a public post "usually finishes within one minute". */
export const MODERATION_WAIT_SECONDS = 60;
/** After this long without a public post id, the post is settled under its publish id. */
export const MODERATION_PATIENCE_SECONDS = 3600;
/** An upload link this close to its end is not started on. */
const UPLOAD_URL_MARGIN_SECONDS = 300;

type Flow = 'video' | 'video_draft' | 'photo' | 'photo_draft';

export interface TiktokPublisherOptions {
  /** Bytes per chunk for videos larger than it (5 MiB – 64 MB). */
  readonly chunkBytes?: number;
  /** Reads Reach's media URLs (never a platform URL); the global `fetch` by default. */
  readonly fetchMedia?: typeof fetch;
}

/** The address of a public post: with the username when it is known, else TikTok's short form. */
export const postUrl = (id: string, username: string | undefined): string =>
  username ? `https://www.tiktok.com/@${encodeURIComponent(username)}/video/${id}` : `https://www.tiktok.com/video/${id}`;

const flowOf = (plan: TiktokPlan): Flow => `${plan.postType}${plan.postMode === 'MEDIA_UPLOAD' ? '_draft' : ''}` as Flow;

/** The content's plan, or an `invalid_request` naming every violation. */
const checkedPlan = (ctx: Pick<PublishContext, 'content' | 'accountType'>): TiktokPlan => {
  const options = optionsOrRefuse('tiktok', "TikTok", validateTiktokContent(ctx.content, ctx.accountType), tiktokOptionsSchema, ctx.content.options);
  return planOf(ctx.content, options);
};

/** The creator's current settings must allow what the user chose (TikTok refuses otherwise). */
const checkCreator = (creator: CreatorInfo, plan: TiktokPlan, ctx: Pick<PublishContext, 'content'>): void => {
  const privacy = plan.options.privacyLevel;
  if (privacy !== undefined && !creator.privacy_level_options.includes(privacy)) {
    throw new ProviderError('tiktok', {
      kind: 'invalid_request',
      code: 'privacy_level_option_mismatch',
      message: `the creator cannot post with privacy ${privacy} now; the options are ${creator.privacy_level_options.join(', ') || 'none'}`,
    });
  }
  const seconds = plan.postType === 'video' ? ctx.content.media[0]?.durationSeconds : undefined;
  const max = creator.max_video_post_duration_sec;
  if (seconds !== undefined && max !== undefined && seconds > max) {
    throw new ProviderError('tiktok', { kind: 'invalid_request', code: 'duration_over_creator_limit', message: `the creator may post up to ${max} s of video, not ${seconds} s` });
  }
};

const chunkPlanOf = (cp: Checkpoint): ChunkPlan => ({ videoSize: Number(cp['videoSize']), chunkSize: Number(cp['chunkSize']), chunkCount: Number(cp['chunkCount']) });

const uploadPending = (cp: Checkpoint): boolean => cp['uploadUrl'] !== undefined && Number(cp['uploadedBytes'] ?? 0) < Number(cp['videoSize'] ?? 0);

/** Creates the TikTok publisher. */
export const createTiktokPublisher = (ctx: CallContext, now: () => Date, options: TiktokPublisherOptions = {}): Publisher => {
  const chunkBytes = assertChunkBytes(options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const fetchMedia = options.fetchMedia ?? ((input, init) => fetch(input, init));
  const nowSeconds = () => Math.floor(now().getTime() / 1000);

  /** creator_info (Direct Post only), then the init call: the new checkpoint. */
  const start = async (pctx: PublishContext, plan: TiktokPlan): Promise<Record<string, string>> => {
    const token = pctx.tokens.accessToken;
    const flow = flowOf(plan);
    const creator = plan.postMode === 'DIRECT_POST' ? await queryCreatorInfo(ctx, token) : undefined;
    if (creator) checkCreator(creator, plan, pctx);
    const username: Record<string, string> = creator?.creator_username ? { username: creator.creator_username } : {};
    if (plan.postType === 'photo') {
      const publishId = await initPhoto(ctx, token, {
        postInfo: photoPostInfo(pctx.content, plan, creator),
        images: pctx.content.media,
        coverIndex: plan.options.photoCoverIndex ?? 0,
        postMode: plan.postMode,
      });
      return { flow, publishId, ...username };
    }
    const chunks = planChunks(pctx.content.media[0]!.size, chunkBytes);
    const issuedAt = nowSeconds();
    const init = await initVideo(ctx, token, { ...(creator && { postInfo: videoPostInfo(pctx.content, plan, creator) }), chunks });
    if (!init.uploadUrl) {
      throw new ProviderError('tiktok', { kind: 'permanent', code: 'unexpected_answer', message: 'TikTok gave no upload_url for a FILE_UPLOAD' });
    }
    return {
      flow,
      publishId: init.publishId,
      ...username,
      uploadUrl: init.uploadUrl,
      uploadExpiresAt: String(issuedAt + UPLOAD_URL_LIFETIME_SECONDS),
      videoSize: String(chunks.videoSize),
      chunkSize: String(chunks.chunkSize),
      chunkCount: String(chunks.chunkCount),
      uploadedBytes: '0',
    };
  };

  /** PUTs the chunks not yet sent, saving the byte count after each. */
  const uploadRest = async (pctx: PublishContext, cp: Record<string, string>, save: (next: Record<string, string>) => Promise<void>): Promise<void> => {
    const item = pctx.content.media[0]!;
    const plan = chunkPlanOf(cp);
    for (let index = Math.floor(Number(cp['uploadedBytes']) / plan.chunkSize); index < plan.chunkCount; index++) {
      const { first, last } = chunkRange(plan, index);
      const bytes = await readRange(item, first, last, fetchMedia);
      await putChunk(ctx, cp['uploadUrl']!, { bytes, first, last, total: plan.videoSize, contentType: item.contentType });
      await save({ ...cp, uploadedBytes: String(last + 1) });
    }
  };

  /** Turns a status into the step's outcome; a FAILED publish clears the checkpoint first. */
  const settle = async (
    pctx: PublishContext,
    plan: TiktokPlan,
    status: PublishStatus,
    cp: Record<string, string>,
    save: (next: Record<string, string>) => Promise<void>,
  ): Promise<PublishStep> => {
    const processing = (wait: number, checkpoint: Checkpoint = cp): PublishStep => ({ status: 'processing', checkpoint: { ...checkpoint }, retryAfterSeconds: wait });
    switch (status.status) {
      case 'PROCESSING_UPLOAD':
      case 'PROCESSING_DOWNLOAD':
        return processing(PROCESSING_WAIT_SECONDS);
      case 'SEND_TO_USER_INBOX':
        return processing(DRAFT_WAIT_SECONDS);
      case 'FAILED':
        // A retry must start a new publish: this one is over at TikTok.
        await save({});
        throw new ProviderError('tiktok', classifyFailReason(status.fail_reason));
      case 'PUBLISH_COMPLETE': {
        const id = status.publicaly_available_post_id[0];
        if (id !== undefined) return { status: 'published', platformPostId: id, url: postUrl(id, pctx.tokens.extra?.['username'] ?? cp['username']) };
        // Only a public post gets an id, after moderation; a draft's privacy is the creator's choice.
        const mayBecomePublic = plan.postMode === 'MEDIA_UPLOAD' || plan.options.privacyLevel === 'PUBLIC_TO_EVERYONE';
        if (mayBecomePublic) {
          const seen = cp['completeSeenAt'] === undefined ? { ...cp, completeSeenAt: now().toISOString() } : cp;
          if (seen !== cp) await save(seen);
          if (now().getTime() - Date.parse(seen['completeSeenAt']!) < MODERATION_PATIENCE_SECONDS * 1000) return processing(MODERATION_WAIT_SECONDS, seen);
        }
        // Not public (or moderation outlasted our patience): the publish id is all TikTok gives.
        return { status: 'published', platformPostId: cp['publishId']! };
      }
    }
  };

  return {
    rules: tiktokContentRules,
    validate: validateTiktokContent,

    async publish(pctx): Promise<PublishStep> {
      const plan = checkedPlan(pctx);
      let cp: Record<string, string> = { ...(pctx.checkpoint ?? {}) };
      const save = async (next: Record<string, string>): Promise<void> => {
        cp = next;
        await pctx.save({ ...next });
      };
      // An upload link that has run out cannot be resumed; nothing was posted, so start over.
      if (cp['publishId'] && uploadPending(cp) && Number(cp['uploadExpiresAt']) - UPLOAD_URL_MARGIN_SECONDS <= nowSeconds()) await save({});
      if (!cp['publishId']) await save(await start(pctx, plan));
      if (uploadPending(cp)) await uploadRest(pctx, cp, save);
      const status = await fetchPublishStatus(ctx, pctx.tokens.accessToken, cp['publishId']!);
      return settle(pctx, plan, status, cp, save);
    },

    /**
     * Finds the post from the checkpoint's publish id, or (a photo Direct Post, the only flow that
     * can go out without a saved id) among the account's public videos since `since`.
     */
    async reconcile(rctx) {
      const cp: Checkpoint = rctx.checkpoint ?? {};
      const token = rctx.tokens.accessToken;
      const publishId = cp['publishId'];
      if (publishId) {
        let status: PublishStatus;
        try {
          status = await fetchPublishStatus(ctx, token, publishId);
        } catch (err) {
          if (err instanceof ProviderError && err.failure.code === 'invalid_publish_id') return undefined;
          throw err;
        }
        if (status.status !== 'PUBLISH_COMPLETE') return undefined;
        const id = status.publicaly_available_post_id[0];
        return id !== undefined ? { platformPostId: id, url: postUrl(id, rctx.tokens.extra?.['username'] ?? cp['username']) } : { platformPostId: publishId };
      }
      const options = tiktokOptionsSchema.safeParse(rctx.content.options);
      if (!options.success) return undefined;
      const plan = planOf(rctx.content, options.data);
      // A video goes out only after its upload, which needs the saved publish id; a draft is never posted by us.
      if (plan.postType !== 'photo' || plan.postMode !== 'DIRECT_POST') return undefined;
      // Without video.list the account's videos cannot be read.
      if (!rctx.tokens.scopes.includes(TIKTOK_SCOPES.videoList)) return undefined;
      const found = findPost(await videosSince(ctx, token, new Date(rctx.since)), rctx.content.text, plan.options.title);
      if (!found) return undefined;
      return { platformPostId: found.id, url: found.share_url ?? postUrl(found.id, rctx.tokens.extra?.['username']) };
    },
  };
};
