/**
 * TikTok's content rules as data, and the pure check of a post against them.
 *
 * Video Direct Post: the caption (`post_info.title`) takes up to 2200 UTF-16 units, the post one
 * MP4, MOV or WebM video: https://developers.tiktok.com/doc/content-posting-api-reference-direct-post.
 * Photo posts: `title` up to 90 and `description` up to 4000 UTF-16 units, 1–35 images pulled from
 * their URLs: https://developers.tiktok.com/doc/content-posting-api-reference-photo-post.
 * Media limits: https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide.
 * Privacy has no default: the user picks one of the creator's options
 * (https://developers.tiktok.com/doc/content-sharing-guidelines).
 */
import { z } from 'zod';
import type { MediaItem, PostContent } from '../../core/model/post';
import type { ContentCheck, ContentRules, Violation } from '../types';
import { PRIVACY_LEVELS } from './schemas';

const MB = 1024 * 1024;

export const TIKTOK_CAPTION_MAX = 2200;
export const TIKTOK_PHOTO_TITLE_MAX = 90;
export const TIKTOK_PHOTO_DESCRIPTION_MAX = 4000;
export const TIKTOK_VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/webm'] as const;
export const TIKTOK_IMAGE_TYPES = ['image/jpeg', 'image/webp'] as const;
export const TIKTOK_MAX_VIDEO_BYTES = 4 * 1024 * MB;
export const TIKTOK_MAX_IMAGE_BYTES = 20 * MB;
export const TIKTOK_MAX_PHOTOS = 35;
/**
 * Every creator may post 10 minutes; some may post longer. The creator's own bound
 * (`max_video_post_duration_sec`) is checked when publishing, so a longer video only warns here.
 */
export const TIKTOK_COMMON_MAX_VIDEO_SECONDS = 600;
/** Video width and height must each be within 360–4096 px. */
export const TIKTOK_MIN_PIXELS = 360;
export const TIKTOK_MAX_PIXELS = 4096;
/** TikTok sets no hashtag cap; past a handful the caption reads as spam, so Reach warns. */
export const TIKTOK_HASHTAG_WARN_ABOVE = 5;
/** `video_cover_timestamp_ms` is an int32. */
const INT32_MAX = 2_147_483_647;

export type TiktokPostType = 'video' | 'photo';
export type TiktokPostMode = 'DIRECT_POST' | 'MEDIA_UPLOAD';
type MediaKind = 'video' | 'image';

/** How TikTok treats a MIME type, or undefined when it takes it in no post. */
export const mediaKindOf = (contentType: string): MediaKind | undefined => {
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  if ((TIKTOK_VIDEO_TYPES as readonly string[]).includes(type)) return 'video';
  if ((TIKTOK_IMAGE_TYPES as readonly string[]).includes(type)) return 'image';
  return undefined;
};

export const tiktokContentRules: ContentRules = {
  postTypes: ['video', 'photo'],
  // The caption is optional; a photo post's description (the text) may be up to 4000.
  text: { max: TIKTOK_CAPTION_MAX, counting: 'utf16', required: false },
  media: {
    min: 1,
    max: TIKTOK_MAX_PHOTOS,
    types: [...TIKTOK_VIDEO_TYPES, ...TIKTOK_IMAGE_TYPES],
    maxImageBytes: TIKTOK_MAX_IMAGE_BYTES,
    maxVideoBytes: TIKTOK_MAX_VIDEO_BYTES,
    maxVideoSeconds: TIKTOK_COMMON_MAX_VIDEO_SECONDS,
    mixing: 'images_or_one_video',
  },
  hashtags: { warnAbove: TIKTOK_HASHTAG_WARN_ABOVE },
  options: {
    postType: '"video" (one video; the default) or "photo" (1–35 JPEG/WEBP images; chosen when every item is an image)',
    postMode: '"DIRECT_POST" (the default) posts at once; "MEDIA_UPLOAD" sends a draft to the creator\'s TikTok inbox',
    privacyLevel: 'Required for DIRECT_POST, no default: PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY, among the creator\'s current options',
    disableComment: 'Turn comments off',
    disableDuet: 'Turn Duets off (videos)',
    disableStitch: 'Turn Stitches off (videos)',
    videoCoverTimestampMs: 'The frame (milliseconds into the video) used as the cover (videos)',
    brandContentToggle: 'Paid partnership promoting a third-party brand (not with SELF_ONLY)',
    brandOrganicToggle: 'Promotes the creator\'s own business',
    isAigc: 'Label the video as AI-generated (videos)',
    autoAddMusic: 'Let TikTok add recommended music (photos)',
    title: `Photo post title, up to ${TIKTOK_PHOTO_TITLE_MAX} characters; the text becomes the description (photos)`,
    photoCoverIndex: 'Which image (0-based) is the cover (photos)',
  },
  supportsThreads: false,
  supportsLinks: false,
};

/** The options TikTok takes; anything else is refused by name. */
export const tiktokOptionsSchema = z.strictObject({
  postType: z.enum(['video', 'photo']).optional(),
  postMode: z.enum(['DIRECT_POST', 'MEDIA_UPLOAD']).optional(),
  privacyLevel: z.enum(PRIVACY_LEVELS).optional(),
  disableComment: z.boolean().optional(),
  disableDuet: z.boolean().optional(),
  disableStitch: z.boolean().optional(),
  videoCoverTimestampMs: z.number().int().nonnegative().max(INT32_MAX).optional(),
  brandContentToggle: z.boolean().optional(),
  brandOrganicToggle: z.boolean().optional(),
  isAigc: z.boolean().optional(),
  autoAddMusic: z.boolean().optional(),
  title: z.string().optional(),
  photoCoverIndex: z.number().int().nonnegative().optional(),
});
export type TiktokOptions = z.infer<typeof tiktokOptionsSchema>;

/** What a content becomes at TikTok: the post type and mode, with the options. */
export interface TiktokPlan {
  readonly postType: TiktokPostType;
  readonly postMode: TiktokPostMode;
  readonly options: TiktokOptions;
}

/** The post type (explicit, or photo when there are images and no video) and the mode. */
export const planOf = (content: PostContent, options: TiktokOptions): TiktokPlan => {
  const kinds = content.media.map((m) => mediaKindOf(m.contentType));
  return {
    postType: options.postType ?? (!kinds.includes('video') && kinds.includes('image') ? 'photo' : 'video'),
    postMode: options.postMode ?? 'DIRECT_POST',
    options,
  };
};

/**
 * The options that are valid one by one, so that one bad value is reported once and does not
 * hide the checks of the others.
 */
const validOptions = (raw: Readonly<Record<string, unknown>>): TiktokOptions => {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(tiktokOptionsSchema.shape)) {
    if (raw[name] !== undefined && schema.safeParse(raw[name]).success) out[name] = raw[name];
  }
  return out as TiktokOptions;
};

/** TikTok counts in UTF-16 code units. */
export const utf16Length = (text: string): number => text.length;

/** Hashtags as TikTok matches them: `#` then letters, digits or underscores. */
export const hashtagsOf = (text: string): string[] => text.match(/#[\p{L}\p{N}_]+/gu) ?? [];

const violation = (field: string, code: string, message: string): Violation => ({ field, code, message });

/** zod issues on the options, as violations under `options.*`; unknown names get `unknown_option`. */
const optionViolations = (error: z.ZodError): Violation[] =>
  error.issues.flatMap((issue) => {
    const base = ['options', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => violation(`${base}.${k}`, 'unknown_option', `TikTok takes no option ${k}`));
    }
    return [violation(base, 'invalid_option', issue.message)];
  });

const checkVideo = (item: MediaItem, field: string): { violations: Violation[]; warnings: Violation[] } => {
  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  if (item.size > TIKTOK_MAX_VIDEO_BYTES) violations.push(violation(field, 'too_large', `${item.size} bytes is over TikTok's ${TIKTOK_MAX_VIDEO_BYTES} for a video`));
  if (item.size === 0) violations.push(violation(field, 'empty', 'the file is empty'));
  if (item.durationSeconds !== undefined && item.durationSeconds > TIKTOK_COMMON_MAX_VIDEO_SECONDS) {
    warnings.push(
      violation(field, 'may_exceed_creator_limit', `every creator may post ${TIKTOK_COMMON_MAX_VIDEO_SECONDS} s; longer videos only where the creator's limit allows (checked when publishing)`),
    );
  }
  for (const [side, px] of [['width', item.width], ['height', item.height]] as const) {
    if (px !== undefined && (px < TIKTOK_MIN_PIXELS || px > TIKTOK_MAX_PIXELS)) {
      violations.push(violation(field, 'dimensions', `TikTok needs a video ${side} of ${TIKTOK_MIN_PIXELS}–${TIKTOK_MAX_PIXELS} px, not ${px}`));
    }
  }
  return { violations, warnings };
};

const checkImage = (item: MediaItem, field: string): Violation[] => {
  const out: Violation[] = [];
  if (item.size > TIKTOK_MAX_IMAGE_BYTES) out.push(violation(field, 'too_large', `${item.size} bytes is over TikTok's ${TIKTOK_MAX_IMAGE_BYTES} for an image`));
  if (item.size === 0) out.push(violation(field, 'empty', 'the file is empty'));
  return out;
};

/** Media against the post type: one video alone, or 1–35 images. */
const checkMedia = (content: PostContent, postType: TiktokPostType): { violations: Violation[]; warnings: Violation[] } => {
  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  const kinds = content.media.map((m) => mediaKindOf(m.contentType));
  if (content.media.length === 0) {
    violations.push(violation('media', 'required', postType === 'video' ? 'a TikTok post needs one video (or images, as a photo post)' : 'a TikTok photo post needs at least one image'));
    return { violations, warnings };
  }
  if (kinds.includes('video') && kinds.includes('image')) {
    violations.push(violation('media', 'mixing', 'TikTok takes one video alone, or images alone'));
  } else if (postType === 'video' && content.media.length > 1) {
    violations.push(violation('media', 'too_many', `a TikTok video post takes one video, not ${content.media.length} items`));
  } else if (postType === 'photo' && content.media.length > TIKTOK_MAX_PHOTOS) {
    violations.push(violation('media', 'too_many', `a TikTok photo post takes up to ${TIKTOK_MAX_PHOTOS} images, not ${content.media.length}`));
  }
  content.media.forEach((item, i) => {
    const field = `media.${i}`;
    const kind = kinds[i];
    if (kind === undefined) {
      violations.push(violation(field, 'unsupported_type', `TikTok does not take ${item.contentType}; use MP4, MOV or WebM video, or JPEG or WEBP images`));
    } else if (postType === 'video' && kind === 'image' && !kinds.includes('video')) {
      violations.push(violation(field, 'unsupported_type', 'a video post takes a video; images need postType "photo"'));
    } else if (postType === 'photo' && kind === 'video' && !kinds.includes('image')) {
      violations.push(violation(field, 'unsupported_type', 'a photo post takes JPEG or WEBP images; a video needs postType "video"'));
    } else if (kind === 'video') {
      const checked = checkVideo(item, field);
      violations.push(...checked.violations);
      warnings.push(...checked.warnings);
    } else {
      violations.push(...checkImage(item, field));
    }
  });
  return { violations, warnings };
};

/** Options that belong to the other post type. */
const VIDEO_ONLY = ['disableDuet', 'disableStitch', 'videoCoverTimestampMs', 'isAigc'] as const;
const PHOTO_ONLY = ['title', 'photoCoverIndex', 'autoAddMusic'] as const;
/** Options TikTok only applies to a Direct Post (in a draft the creator sets them in the app). */
const DIRECT_ONLY = ['privacyLevel', 'disableComment', 'disableDuet', 'disableStitch', 'videoCoverTimestampMs', 'brandContentToggle', 'brandOrganicToggle', 'isAigc', 'autoAddMusic'] as const;

const checkOptions = (content: PostContent, plan: TiktokPlan): { violations: Violation[]; warnings: Violation[] } => {
  const given = (name: string) => content.options[name] !== undefined;
  const { options, postType, postMode } = plan;
  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  const misplaced: readonly (keyof TiktokOptions)[] = postType === 'video' ? PHOTO_ONLY : VIDEO_ONLY;
  for (const name of misplaced) {
    if (options[name] !== undefined) violations.push(violation(`options.${name}`, `not_for_${postType}`, `TikTok takes ${name} only on ${postType === 'video' ? 'photo' : 'video'} posts`));
  }
  if (postMode === 'DIRECT_POST') {
    if (!given('privacyLevel')) {
      violations.push(violation('options.privacyLevel', 'required', 'TikTok needs the privacy level the user chose (no default): PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY'));
    } else if (options.brandContentToggle === true && options.privacyLevel === 'SELF_ONLY') {
      violations.push(violation('options.privacyLevel', 'branded_content_private', 'branded content cannot be private (SELF_ONLY) on TikTok'));
    }
  } else {
    for (const name of DIRECT_ONLY) {
      if (options[name] !== undefined && !misplaced.includes(name)) {
        warnings.push(violation(`options.${name}`, 'ignored_in_draft', `a MEDIA_UPLOAD draft does not take ${name}: the creator sets it in TikTok`));
      }
    }
    if (postType === 'video' && content.text.trim() !== '') {
      warnings.push(violation('text', 'not_sent', 'a video draft carries no caption: the creator writes it in TikTok'));
    }
  }
  if (postType === 'photo') {
    if (options.title !== undefined && utf16Length(options.title) > TIKTOK_PHOTO_TITLE_MAX) {
      violations.push(violation('options.title', 'too_long', `TikTok counts ${utf16Length(options.title)} of ${TIKTOK_PHOTO_TITLE_MAX} for a photo title`));
    }
    if (options.photoCoverIndex !== undefined && options.photoCoverIndex >= content.media.length) {
      violations.push(violation('options.photoCoverIndex', 'out_of_range', `the cover index must name one of the ${content.media.length} images`));
    }
  } else if (options.videoCoverTimestampMs !== undefined) {
    const seconds = content.media[0]?.durationSeconds;
    if (seconds !== undefined && options.videoCoverTimestampMs > seconds * 1000) {
      violations.push(violation('options.videoCoverTimestampMs', 'out_of_range', `the cover frame must lie within the ${seconds} s video`));
    }
  }
  return { violations, warnings };
};

/** The text limit of a post type: the caption of a video, the description of a photo post. */
export const textLimitOf = (postType: TiktokPostType): number => (postType === 'photo' ? TIKTOK_PHOTO_DESCRIPTION_MAX : TIKTOK_CAPTION_MAX);

/** Checks content against TikTok's rules without calling TikTok. */
export const validateTiktokContent = (content: PostContent, _accountType: string): ContentCheck => {
  const parsed = tiktokOptionsSchema.safeParse(content.options);
  const violations: Violation[] = parsed.success ? [] : optionViolations(parsed.error);
  const warnings: Violation[] = [];
  const plan = planOf(content, parsed.success ? parsed.data : validOptions(content.options));

  if (content.link !== undefined) {
    violations.push(violation('link', 'not_supported', 'TikTok shows no links in captions; put the address in the text if you want it there'));
  }
  const media = checkMedia(content, plan.postType);
  const options = checkOptions(content, plan);
  violations.push(...media.violations, ...options.violations);
  warnings.push(...media.warnings, ...options.warnings);

  const limit = textLimitOf(plan.postType);
  const length = utf16Length(content.text);
  if (length > limit) {
    violations.push(violation('text', 'too_long', `TikTok counts ${length} of ${limit} UTF-16 units for a ${plan.postType === 'photo' ? 'photo description' : 'caption'}`));
  }
  const hashtags = hashtagsOf(content.text).length;
  if (hashtags > TIKTOK_HASHTAG_WARN_ABOVE) {
    warnings.push(violation('text', 'many_hashtags', `${hashtags} hashtags: past ${TIKTOK_HASHTAG_WARN_ABOVE} a caption reads as spam`));
  }
  return { violations, warnings, preview: { text: content.text, length, limit } };
};
