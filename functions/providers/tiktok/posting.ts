/**
 * The Content Posting API calls, one function each: what the creator may choose, starting a video
 * or photo publish, and the publish status. Request bodies follow the documented field names.
 * https://developers.tiktok.com/doc/content-posting-api-get-started
 */
import type { CallContext } from '../http';
import type { MediaItem, PostContent } from '../../core/model/post';
import {
  TIKTOK_CONTENT_INIT_URL,
  TIKTOK_CREATOR_INFO_URL,
  TIKTOK_INBOX_VIDEO_INIT_URL,
  TIKTOK_PUBLISH_STATUS_URL,
  TIKTOK_VIDEO_INIT_URL,
} from './manifest';
import { bearer, callApi } from './request';
import type { TiktokPlan } from './rules';
import { creatorInfoSchema, publishInitSchema, publishStatusSchema, quoteLargeIds, type CreatorInfo, type PublishStatus } from './schemas';
import type { ChunkPlan } from './upload';

/** Every Posting API call is JSON with this content type. */
const postingHeaders = (token: string): Readonly<Record<string, string>> => ({ ...bearer(token), 'content-type': 'application/json; charset=UTF-8' });

/**
 * POST /v2/post/publish/creator_info/query/: privacy options, interaction settings and the longest
 * video the creator may post now. https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info
 */
export const queryCreatorInfo = (ctx: CallContext, token: string): Promise<CreatorInfo> =>
  callApi(ctx, { method: 'POST', url: TIKTOK_CREATOR_INFO_URL, headers: postingHeaders(token), body: '' }, creatorInfoSchema);

/** `post_info` of a video Direct Post. A setting the creator turned off stays off, as TikTok applies it anyway. */
export const videoPostInfo = (content: PostContent, plan: TiktokPlan, creator: CreatorInfo): Record<string, unknown> => {
  const o = plan.options;
  return {
    ...(content.text !== '' && { title: content.text }),
    privacy_level: o.privacyLevel,
    disable_duet: (o.disableDuet ?? false) || creator.duet_disabled === true,
    disable_comment: (o.disableComment ?? false) || creator.comment_disabled === true,
    disable_stitch: (o.disableStitch ?? false) || creator.stitch_disabled === true,
    ...(o.videoCoverTimestampMs !== undefined && { video_cover_timestamp_ms: o.videoCoverTimestampMs }),
    brand_content_toggle: o.brandContentToggle ?? false,
    brand_organic_toggle: o.brandOrganicToggle ?? false,
    ...(o.isAigc !== undefined && { is_aigc: o.isAigc }),
  };
};

/**
 * POST /v2/post/publish/video/init/ (Direct Post, scope video.publish) or
 * /v2/post/publish/inbox/video/init/ (a draft, scope video.upload, no `post_info`), with
 * FILE_UPLOAD: TikTok answers `publish_id` and `upload_url`.
 * https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
 * https://developers.tiktok.com/doc/content-posting-api-reference-upload-video
 */
export const initVideo = async (
  ctx: CallContext,
  token: string,
  input: { readonly postInfo?: Record<string, unknown>; readonly chunks: ChunkPlan },
): Promise<{ readonly publishId: string; readonly uploadUrl: string | undefined }> => {
  const sourceInfo = { source: 'FILE_UPLOAD', video_size: input.chunks.videoSize, chunk_size: input.chunks.chunkSize, total_chunk_count: input.chunks.chunkCount };
  const data = await callApi(
    ctx,
    {
      method: 'POST',
      url: input.postInfo ? TIKTOK_VIDEO_INIT_URL : TIKTOK_INBOX_VIDEO_INIT_URL,
      headers: postingHeaders(token),
      json: input.postInfo ? { post_info: input.postInfo, source_info: sourceInfo } : { source_info: sourceInfo },
    },
    publishInitSchema,
  );
  return { publishId: data.publish_id, uploadUrl: data.upload_url };
};

/** `post_info` of a photo post; a draft takes only the title and description. */
export const photoPostInfo = (content: PostContent, plan: TiktokPlan, creator: CreatorInfo | undefined): Record<string, unknown> => {
  const o = plan.options;
  const texts = { ...(o.title !== undefined && o.title !== '' && { title: o.title }), ...(content.text !== '' && { description: content.text }) };
  if (plan.postMode === 'MEDIA_UPLOAD') return texts;
  return {
    ...texts,
    privacy_level: o.privacyLevel,
    disable_comment: (o.disableComment ?? false) || creator?.comment_disabled === true,
    ...(o.autoAddMusic !== undefined && { auto_add_music: o.autoAddMusic }),
    brand_content_toggle: o.brandContentToggle ?? false,
    brand_organic_toggle: o.brandOrganicToggle ?? false,
  };
};

/**
 * POST /v2/post/publish/content/init/ with `media_type: PHOTO`: TikTok pulls the images from their
 * URLs (PULL_FROM_URL is the only source photos take).
 * https://developers.tiktok.com/doc/content-posting-api-reference-photo-post
 */
export const initPhoto = async (
  ctx: CallContext,
  token: string,
  input: { readonly postInfo: Record<string, unknown>; readonly images: readonly MediaItem[]; readonly coverIndex: number; readonly postMode: string },
): Promise<string> => {
  const data = await callApi(
    ctx,
    {
      method: 'POST',
      url: TIKTOK_CONTENT_INIT_URL,
      headers: postingHeaders(token),
      json: {
        post_info: input.postInfo,
        source_info: { source: 'PULL_FROM_URL', photo_cover_index: input.coverIndex, photo_images: input.images.map((m) => m.url) },
        post_mode: input.postMode,
        media_type: 'PHOTO',
      },
    },
    publishInitSchema,
  );
  return data.publish_id;
};

/**
 * POST /v2/post/publish/status/fetch/ `{publish_id}` (30 requests per minute per token).
 * https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
 */
export const fetchPublishStatus = (ctx: CallContext, token: string, publishId: string): Promise<PublishStatus> =>
  callApi(ctx, { method: 'POST', url: TIKTOK_PUBLISH_STATUS_URL, headers: postingHeaders(token), json: { publish_id: publishId } }, publishStatusSchema, {
    rewrite: quoteLargeIds,
  });
