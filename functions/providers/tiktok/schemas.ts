/**
 * The shapes TikTok answers with, as zod schemas: every platform answer is parsed through one of
 * these. Unknown members are dropped; members that only come back when asked for (`fields`) or
 * that TikTok leaves out are optional.
 */
import { z } from 'zod';

/**
 * Token endpoint answer, flat (no `data` wrapper), for both the code exchange and the refresh.
 * https://developers.tiktok.com/doc/oauth-user-access-token-management
 */
export const tokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  open_id: z.string().min(1).optional(),
  refresh_token: z.string().min(1).optional(),
  refresh_expires_in: z.number().int().positive().optional(),
  /** Comma-separated granted scopes. */
  scope: z.string().optional(),
  token_type: z.string().optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswerSchema>;

/**
 * The OAuth error body: `{error, error_description, log_id}`, unlike the API envelope.
 * https://developers.tiktok.com/doc/oauth-error-handling
 */
export const oauthErrorSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
  log_id: z.string().optional(),
});

/** The error struct of every Display/Posting API answer; `code: "ok"` on success. https://developers.tiktok.com/doc/tiktok-api-v2-error-handling */
export const apiErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string().optional(),
  log_id: z.string().optional(),
});
export type TiktokApiError = z.infer<typeof apiErrorSchema>;

/** `{data, error}`: the envelope of every Display/Posting API answer. */
export const envelopeSchema = z.object({
  data: z.unknown().optional(),
  error: apiErrorSchema.optional(),
});

/** The revoke answer is empty, or `{}` as the docs print it. https://developers.tiktok.com/docs/en/oauth-revoke-a-user-access-token */
export const revokeAnswerSchema = z.union([z.undefined(), z.object({}).loose()]);

const count = z.number().int().nonnegative();

/**
 * The user object, with only the fields asked for in `fields`.
 * https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
 */
export const userSchema = z.object({
  open_id: z.string().min(1),
  union_id: z.string().optional(),
  avatar_url: z.string().optional(),
  avatar_url_100: z.string().optional(),
  avatar_large_url: z.string().optional(),
  display_name: z.string().optional(),
  bio_description: z.string().optional(),
  profile_deep_link: z.string().optional(),
  is_verified: z.boolean().optional(),
  username: z.string().optional(),
  follower_count: count.optional(),
  following_count: count.optional(),
  likes_count: count.optional(),
  video_count: count.optional(),
});
export type TiktokUser = z.infer<typeof userSchema>;

/** `data` of `/v2/user/info/`. */
export const userInfoDataSchema = z.object({ user: userSchema });

/**
 * A video object, with only the fields asked for; `create_time` is epoch seconds.
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-object
 */
export const videoSchema = z.object({
  id: z.string().min(1),
  create_time: z.number().int().optional(),
  title: z.string().optional(),
  video_description: z.string().optional(),
  cover_image_url: z.string().optional(),
  share_url: z.string().optional(),
  duration: z.number().optional(),
  like_count: count.optional(),
  comment_count: count.optional(),
  share_count: count.optional(),
  view_count: count.optional(),
});
export type TiktokVideo = z.infer<typeof videoSchema>;

/** `data` of `/v2/video/list/`: a page of videos, the cursor (epoch ms) and whether more exist. */
export const videoListDataSchema = z.object({
  videos: z.array(videoSchema).default([]),
  cursor: z.number().int().optional(),
  has_more: z.boolean().optional(),
});
export type VideoListData = z.infer<typeof videoListDataSchema>;

// ─── Content Posting API ──────────────────────────────────────────────────────────────────────

/** The privacy levels TikTok knows. https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info */
export const PRIVACY_LEVELS = ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

/**
 * `data` of `/v2/post/publish/creator_info/query/`: what the creator may choose right now.
 * https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info
 */
export const creatorInfoSchema = z.object({
  creator_avatar_url: z.string().optional(),
  creator_username: z.string().optional(),
  creator_nickname: z.string().optional(),
  // Options TikTok adds later are kept as strings so that a new one never breaks publishing.
  privacy_level_options: z.array(z.string()).default([]),
  comment_disabled: z.boolean().optional(),
  duet_disabled: z.boolean().optional(),
  stitch_disabled: z.boolean().optional(),
  max_video_post_duration_sec: z.number().int().positive().optional(),
});
export type CreatorInfo = z.infer<typeof creatorInfoSchema>;

/**
 * `data` of `/v2/post/publish/video/init/` and `/inbox/video/init/` (`upload_url` only for
 * FILE_UPLOAD), and of `/v2/post/publish/content/init/` (no `upload_url`).
 * https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
 */
export const publishInitSchema = z.object({
  publish_id: z.string().min(1).max(64),
  upload_url: z.url().optional(),
});

/** Statuses of `/v2/post/publish/status/fetch/`. https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status */
export const PUBLISH_STATUSES = ['PROCESSING_UPLOAD', 'PROCESSING_DOWNLOAD', 'SEND_TO_USER_INBOX', 'PUBLISH_COMPLETE', 'FAILED'] as const;

const int64 = z.union([z.number().int(), z.string().regex(/^[0-9]+$/)]).transform(String);

/**
 * `data` of `/v2/post/publish/status/fetch/`. `publicaly_available_post_id` (sic) is a list of
 * int64: `quoteLargeIds` turns the numbers into strings before parsing, since ids above 2^53 do
 * not survive a JavaScript number.
 */
export const publishStatusSchema = z.object({
  status: z.enum(PUBLISH_STATUSES),
  fail_reason: z.string().optional(),
  publicaly_available_post_id: z.array(int64).default([]),
  uploaded_bytes: z.number().int().nonnegative().optional(),
  downloaded_bytes: z.number().int().nonnegative().optional(),
});
export type PublishStatus = z.infer<typeof publishStatusSchema>;

/** `data` of `/v2/video/query/`. https://developers.tiktok.com/doc/tiktok-api-v2-video-query */
export const videoQueryDataSchema = z.object({ videos: z.array(videoSchema).default([]) });

/**
 * Puts quotes around the bare integers of `publicaly_available_post_id`, so that JSON.parse keeps
 * every digit of a 19-digit id.
 */
export const quoteLargeIds = (text: string): string =>
  text.replace(/("publicaly_available_post_id"\s*:\s*\[)([^\]]*)(\])/g, (_m, open: string, inner: string, close: string) =>
    `${open}${inner.replace(/(^|[\s,])(-?[0-9]+)(?=\s*(?:,|$))/g, '$1"$2"')}${close}`,
  );
