/**
 * LinkedIn's content rules as data, and the pure check of a post against them.
 *
 * Sources: Posts API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api),
 * Images API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api),
 * Videos API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api),
 * MultiImage API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api).
 * Image byte size and video aspect ratio come from LinkedIn's media guidelines as republished by
 * partners (https://www.ayrshare.com/docs/media-guidelines/linkedin); LinkedIn's API pages give the
 * pixel bound and the video length and size bounds.
 */
import { z } from 'zod';
import type { MediaItem, PostContent } from '../../core/model/post';
import type { ContentCheck, ContentRules, Violation } from '../types';
import { characterCount, hashtagsOf } from './commentary';

const KB = 1024;
const MB = 1024 * KB;

export const LINKEDIN_TEXT_LIMIT = 3000;
export const LINKEDIN_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif'] as const;
export const LINKEDIN_VIDEO_TYPES = ['video/mp4'] as const;
/** "Image pixels count: < 36,152,320 pixels". */
export const LINKEDIN_MAX_IMAGE_PIXELS = 36_152_320;
export const LINKEDIN_MAX_IMAGE_BYTES = 5 * MB;
export const LINKEDIN_MIN_VIDEO_BYTES = 75 * KB;
export const LINKEDIN_MAX_VIDEO_BYTES = 500 * MB;
export const LINKEDIN_MIN_VIDEO_SECONDS = 3;
export const LINKEDIN_MAX_VIDEO_SECONDS = 30 * 60;
/** A multi-image post takes 2 to 20 images. */
export const LINKEDIN_MAX_IMAGES = 20;
/** Alt text on `content.media` and on each `multiImage` image. */
export const LINKEDIN_ALT_TEXT_MAX = 4086;
/** LinkedIn's own guidance is to keep to about three hashtags a post. */
export const LINKEDIN_HASHTAG_WARN_ABOVE = 3;

export const VISIBILITIES = ['PUBLIC', 'CONNECTIONS', 'LOGGED_IN'] as const;

export type LinkedinMediaKind = 'image' | 'video';

/** How LinkedIn treats a MIME type, or undefined when it does not take it. */
export const mediaKindOf = (contentType: string): LinkedinMediaKind | undefined => {
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  if ((LINKEDIN_IMAGE_TYPES as readonly string[]).includes(type)) return 'image';
  if ((LINKEDIN_VIDEO_TYPES as readonly string[]).includes(type)) return 'video';
  return undefined;
};

export const linkedinContentRules: ContentRules = {
  postTypes: ['post'],
  // Text may be left out when media or a link carries the post.
  text: { max: LINKEDIN_TEXT_LIMIT, counting: 'characters', required: false },
  media: {
    min: 0,
    max: LINKEDIN_MAX_IMAGES,
    types: [...LINKEDIN_IMAGE_TYPES, ...LINKEDIN_VIDEO_TYPES],
    maxImageBytes: LINKEDIN_MAX_IMAGE_BYTES,
    maxVideoBytes: LINKEDIN_MAX_VIDEO_BYTES,
    minVideoSeconds: LINKEDIN_MIN_VIDEO_SECONDS,
    maxVideoSeconds: LINKEDIN_MAX_VIDEO_SECONDS,
    // Video only: "between 1:2.4 and 2.4:1".
    aspectRatio: { min: 1 / 2.4, max: 2.4 },
    mixing: 'images_or_one_video',
  },
  hashtags: { warnAbove: LINKEDIN_HASHTAG_WARN_ABOVE },
  options: {
    postType: '"post", the only type: text, one image, 2–20 images, one video or a link (article) follow from the content',
    visibility: 'PUBLIC (default), CONNECTIONS (members only) or LOGGED_IN',
    articleTitle: 'Title of the link card when the post is a link without media (defaults to the link’s host name)',
    articleDescription: 'Description on the link card of a link post without media',
    videoTitle: 'Title of the video of a video post',
    disableReshare: 'Stop others from resharing the post',
  },
  supportsThreads: false,
  supportsLinks: true,
};

const nonEmpty = z.string().trim().min(1);

/** The options LinkedIn takes; anything else is refused by name. */
export const linkedinOptionsSchema = z.strictObject({
  postType: z.literal('post').optional(),
  visibility: z.enum(VISIBILITIES).optional(),
  articleTitle: nonEmpty.optional(),
  articleDescription: nonEmpty.optional(),
  videoTitle: nonEmpty.optional(),
  disableReshare: z.boolean().optional(),
});
export type LinkedinOptions = z.infer<typeof linkedinOptionsSchema>;

/** What the content becomes on LinkedIn. */
export type LinkedinShape =
  | { readonly kind: 'text' }
  | { readonly kind: 'image'; readonly image: MediaItem }
  | { readonly kind: 'multiImage'; readonly images: readonly MediaItem[] }
  | { readonly kind: 'video'; readonly video: MediaItem }
  | { readonly kind: 'article'; readonly source: string; readonly title: string; readonly description?: string };

/**
 * A link with media cannot be a link card as well (a post has one `content`), so it goes at the end
 * of the text, where LinkedIn makes it clickable.
 */
export const displayText = (content: PostContent): string => {
  const text = content.text.normalize('NFC');
  const link = content.link?.trim();
  if (!link || content.media.length === 0 || text.includes(link)) return text;
  return text.trim() === '' ? link : `${text}\n${link}`;
};

/** The shape of the post; assumes content that passed `validateLinkedinContent`. */
export const shapeOf = (content: PostContent, options: LinkedinOptions): LinkedinShape => {
  const media = content.media;
  const link = content.link?.trim();
  if (media.length === 0) {
    if (!link) return { kind: 'text' };
    return {
      kind: 'article',
      source: link,
      title: options.articleTitle ?? hostOf(link),
      ...(options.articleDescription !== undefined && { description: options.articleDescription }),
    };
  }
  if (mediaKindOf(media[0]!.contentType) === 'video') return { kind: 'video', video: media[0]! };
  return media.length === 1 ? { kind: 'image', image: media[0]! } : { kind: 'multiImage', images: media };
};

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

const violation = (field: string, code: string, message: string): Violation => ({ field, code, message });

const checkItem = (item: MediaItem, field: string): Violation[] => {
  const kind = mediaKindOf(item.contentType);
  if (!kind) return [violation(field, 'unsupported_type', `LinkedIn does not take ${item.contentType}; use JPEG, PNG, GIF or MP4`)];
  const out: Violation[] = [];
  if (item.size === 0) out.push(violation(field, 'empty', 'the file is empty'));
  if (kind === 'image') {
    if (item.size > LINKEDIN_MAX_IMAGE_BYTES) out.push(violation(field, 'too_large', `${item.size} bytes is over LinkedIn's ${LINKEDIN_MAX_IMAGE_BYTES} for an image`));
    if (item.width && item.height && item.width * item.height >= LINKEDIN_MAX_IMAGE_PIXELS) {
      out.push(violation(field, 'too_many_pixels', `LinkedIn takes images of fewer than ${LINKEDIN_MAX_IMAGE_PIXELS} pixels`));
    }
  } else {
    if (item.size > LINKEDIN_MAX_VIDEO_BYTES) out.push(violation(field, 'too_large', `${item.size} bytes is over LinkedIn's ${LINKEDIN_MAX_VIDEO_BYTES} for a video`));
    if (item.size > 0 && item.size < LINKEDIN_MIN_VIDEO_BYTES) out.push(violation(field, 'too_small', `LinkedIn needs a video of at least ${LINKEDIN_MIN_VIDEO_BYTES} bytes`));
    const d = item.durationSeconds;
    if (d !== undefined && d < LINKEDIN_MIN_VIDEO_SECONDS) out.push(violation(field, 'too_short', `LinkedIn needs at least ${LINKEDIN_MIN_VIDEO_SECONDS} s of video`));
    if (d !== undefined && d > LINKEDIN_MAX_VIDEO_SECONDS) out.push(violation(field, 'too_long', `LinkedIn takes up to ${LINKEDIN_MAX_VIDEO_SECONDS} s of video`));
    if (item.width && item.height) {
      const ratio = item.width / item.height;
      if (ratio < 1 / 2.4 || ratio > 2.4) out.push(violation(field, 'aspect_ratio', 'LinkedIn needs a video aspect ratio between 1:2.4 and 2.4:1'));
    }
  }
  if (item.altText !== undefined && characterCount(item.altText) > LINKEDIN_ALT_TEXT_MAX) {
    out.push(violation(`${field}.altText`, 'too_long', `LinkedIn takes up to ${LINKEDIN_ALT_TEXT_MAX} characters of alt text`));
  }
  return out;
};

const checkMedia = (media: readonly MediaItem[]): Violation[] => {
  const out = media.flatMap((item, i) => checkItem(item, `media.${i}`));
  const videos = media.filter((m) => mediaKindOf(m.contentType) === 'video').length;
  if (videos > 0 && media.length > 1) out.push(violation('media', 'mixing', 'LinkedIn takes up to 20 images, or one video alone'));
  else if (media.length > LINKEDIN_MAX_IMAGES) out.push(violation('media', 'too_many', `LinkedIn takes up to ${LINKEDIN_MAX_IMAGES} images per post, not ${media.length}`));
  return out;
};

/** zod issues on the options, as violations under `options.*`; unknown names get `unknown_option`. */
const optionViolations = (error: z.ZodError): Violation[] =>
  error.issues.flatMap((issue) => {
    const base = ['options', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => violation(`${base}.${k}`, 'unknown_option', `LinkedIn takes no option ${k}`));
    return [violation(base, 'invalid_option', issue.message)];
  });

/** Options that only mean something for one shape of post. */
const checkApplicable = (content: PostContent, options: LinkedinOptions, accountType: string): Violation[] => {
  const out: Violation[] = [];
  const isArticle = content.media.length === 0 && content.link !== undefined;
  const isVideo = content.media.some((m) => mediaKindOf(m.contentType) === 'video');
  if (!isArticle) {
    for (const name of ['articleTitle', 'articleDescription'] as const) {
      if (options[name] !== undefined) out.push(violation(`options.${name}`, 'not_applicable', `${name} applies to a link post without media`));
    }
  }
  if (!isVideo && options.videoTitle !== undefined) out.push(violation('options.videoTitle', 'not_applicable', 'videoTitle applies to a video post'));
  if (accountType === 'organization' && options.visibility === 'CONNECTIONS') {
    out.push(violation('options.visibility', 'not_allowed', 'an organization has followers, not connections: use PUBLIC or LOGGED_IN'));
  }
  return out;
};

/** Checks content against LinkedIn's rules without calling LinkedIn. */
export const validateLinkedinContent = (content: PostContent, accountType: string): ContentCheck => {
  const parsed = linkedinOptionsSchema.safeParse(content.options);
  const violations: Violation[] = parsed.success ? [] : optionViolations(parsed.error);
  const warnings: Violation[] = [];
  const options: LinkedinOptions = parsed.success ? parsed.data : {};
  const text = displayText(content);
  const length = characterCount(text);

  const link = content.link?.trim();
  if (link !== undefined && !/^https?:\/\/[^\s/?#]+\S*$/i.test(link)) violations.push(violation('link', 'invalid_url', 'the link must be an http(s) URL'));
  if (text.trim() === '' && content.media.length === 0 && !link) violations.push(violation('text', 'required', 'LinkedIn needs text, media or a link'));
  if (length > LINKEDIN_TEXT_LIMIT) violations.push(violation('text', 'too_long', `LinkedIn takes ${LINKEDIN_TEXT_LIMIT} characters; this has ${length}`));
  violations.push(...checkMedia(content.media), ...checkApplicable(content, options, accountType));

  const hashtags = hashtagsOf(text).length;
  if (hashtags > LINKEDIN_HASHTAG_WARN_ABOVE) {
    warnings.push(violation('text', 'many_hashtags', `${hashtags} hashtags: LinkedIn recommends about ${LINKEDIN_HASHTAG_WARN_ABOVE}`));
  }
  if (content.media.length === 0 && link && options.articleTitle === undefined && parsed.success) {
    warnings.push(violation('options.articleTitle', 'defaulted', `the link card will be titled ${hostOf(link)}; set articleTitle to choose`));
  }
  return { violations, warnings, preview: { text, length, limit: LINKEDIN_TEXT_LIMIT } };
};
