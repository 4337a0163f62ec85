/**
 * Facebook Page content rules as data, and the pure check of a post against them
 * (https://developers.facebook.com/docs/pages-api/posts, https://developers.facebook.com/docs/graph-api/reference/page/photos,
 * https://developers.facebook.com/docs/video-api/guides/publishing,
 * https://developers.facebook.com/docs/video-api/guides/reels-publishing).
 *
 * Post types: text, link (a URL with its preview), photo (one to ten images), video, and reel
 * (one vertical video of 3–90 s, at least 540×960). Without a `postType` option the type follows
 * the content: media decide photo or video, a link alone makes a link post, else text. Photo and
 * video posts show no link preview, so a link there is added to the text.
 */
import { z } from 'zod';
import type { MediaItem, PostContent } from '../../core/model/post';
import { baseType, characterCount, isHttpUrl, optionViolations, violation } from '../meta-graph/content';
import type { ContentCheck, ContentRules, Violation } from '../types';

const MB = 1000 * 1000;
const GB = 1000 * MB;

export const FB_POST_TYPES = ['text', 'link', 'photo', 'video', 'reel'] as const;
export type FacebookPostType = (typeof FB_POST_TYPES)[number];

/** The longest Page post message Facebook takes. */
export const FB_TEXT_MAX = 63_206;
export const FB_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'image/tiff', 'image/heif'] as const;
export const FB_VIDEO_TYPES = ['video/mp4', 'video/quicktime'] as const;
/** Photos up to 10 MB [observed; Meta's photo reference gives no figure]. */
export const FB_MAX_IMAGE_BYTES = 10 * MB;
/** Page videos: up to 10 GB and 240 minutes. */
export const FB_VIDEO = { maxBytes: 10 * GB, maxSeconds: 240 * 60 } as const;
/** Reels: 3–90 s, 9:16, at least 540×960. */
export const FB_REEL = { minSeconds: 3, maxSeconds: 90, minWidth: 540, minHeight: 960, aspect: 9 / 16 } as const;
/** Reach's bound on a multi-photo post: each photo is one upload call before the post. */
export const FB_MAX_PHOTOS = 10;

export const facebookContentRules: ContentRules = {
  postTypes: [...FB_POST_TYPES],
  text: { max: FB_TEXT_MAX, counting: 'characters', required: false },
  media: {
    min: 0,
    max: FB_MAX_PHOTOS,
    types: [...FB_IMAGE_TYPES, ...FB_VIDEO_TYPES],
    maxImageBytes: FB_MAX_IMAGE_BYTES,
    maxVideoBytes: FB_VIDEO.maxBytes,
    maxVideoSeconds: FB_VIDEO.maxSeconds,
    mixing: 'images_or_one_video',
  },
  options: {
    postType: 'text, link, photo (1–10 images), video or reel (one vertical video of 3–90 s); default: from the content',
    link: 'The URL a link post shares (default: the content’s link)',
    published: 'false creates the post hidden from the Page’s feed (not for reels)',
  },
  supportsThreads: false,
  supportsLinks: true,
};

/** The options Facebook takes; anything else is refused by name. */
export const facebookOptionsSchema = z.strictObject({
  postType: z.enum(FB_POST_TYPES).optional(),
  link: z.url({ protocol: /^https?$/ }).optional(),
  published: z.boolean().optional(),
});
export type FacebookOptions = z.infer<typeof facebookOptionsSchema>;

export type FbMediaKind = 'image' | 'video';

/** How Facebook treats a MIME type, or undefined when it does not take it. */
export const fbMediaKind = (contentType: string): FbMediaKind | undefined => {
  const type = baseType(contentType);
  if ((FB_IMAGE_TYPES as readonly string[]).includes(type)) return 'image';
  if ((FB_VIDEO_TYPES as readonly string[]).includes(type)) return 'video';
  return undefined;
};

/** The link of a post: the option, else the content's. */
export const linkOf = (content: PostContent, options: FacebookOptions): string | undefined => options.link ?? content.link?.trim() ?? undefined;

/** The post type: the option, else media (video, or photos), else link, else text. */
export const postTypeOf = (content: PostContent, options: FacebookOptions): FacebookPostType => {
  if (options.postType) return options.postType;
  if (content.media.length > 0) return content.media.some((m) => fbMediaKind(m.contentType) === 'video') ? 'video' : 'photo';
  return linkOf(content, options) !== undefined ? 'link' : 'text';
};

/** The message Facebook is sent: the text, with the link added unless it goes as a link post's `link`. */
export const messageOf = (content: PostContent, type: FacebookPostType, options: FacebookOptions): string => {
  const text = content.text.normalize('NFC');
  const link = linkOf(content, options);
  if (type === 'link' || link === undefined || text.includes(link)) return text;
  return text.trim() === '' ? link : `${text}\n${link}`;
};

const checkItem = (item: MediaItem, field: string, type: FacebookPostType): Violation[] => {
  const kind = fbMediaKind(item.contentType);
  if (!kind) return [violation(field, 'unsupported_type', `Facebook does not take ${item.contentType}: use JPEG, PNG, GIF, WEBP, BMP, TIFF or HEIF images, MP4 or MOV videos`)];
  const out: Violation[] = [];
  if (item.size === 0) out.push(violation(field, 'empty', 'the file is empty'));
  if (kind === 'image') {
    if (item.size > FB_MAX_IMAGE_BYTES) out.push(violation(field, 'too_large', `${item.size} bytes is over Facebook's ${FB_MAX_IMAGE_BYTES / MB} MB for a photo`));
    return out;
  }
  if (item.size > FB_VIDEO.maxBytes) out.push(violation(field, 'too_large', `${item.size} bytes is over Facebook's 10 GB for a video`));
  const d = item.durationSeconds;
  if (type === 'reel') {
    if (d !== undefined && d < FB_REEL.minSeconds) out.push(violation(field, 'too_short', `a reel needs at least ${FB_REEL.minSeconds} s`));
    if (d !== undefined && d > FB_REEL.maxSeconds) out.push(violation(field, 'too_long', `a reel takes at most ${FB_REEL.maxSeconds} s`));
    if (item.width && item.height) {
      if (item.width < FB_REEL.minWidth || item.height < FB_REEL.minHeight) out.push(violation(field, 'too_small', `a reel needs at least ${FB_REEL.minWidth}×${FB_REEL.minHeight}`));
      if (Math.abs(item.width / item.height - FB_REEL.aspect) > 0.01) out.push(violation(field, 'aspect_ratio', 'a reel must be 9:16'));
    }
  } else if (d !== undefined && d > FB_VIDEO.maxSeconds) {
    out.push(violation(field, 'too_long', `a Page video takes at most ${FB_VIDEO.maxSeconds / 60} minutes`));
  }
  return out;
};

const checkMediaForType = (content: PostContent, type: FacebookPostType): Violation[] => {
  const kinds = content.media.map((m) => fbMediaKind(m.contentType));
  const n = content.media.length;
  switch (type) {
    case 'text':
    case 'link':
      return n > 0 ? [violation('media', 'not_applicable', `a ${type} post takes no media`)] : [];
    case 'photo':
      if (n === 0) return [violation('media', 'required', 'a photo post needs at least one image')];
      if (n > FB_MAX_PHOTOS) return [violation('media', 'too_many', `a photo post takes at most ${FB_MAX_PHOTOS} images, not ${n}`)];
      return kinds.flatMap((k, i) => (k === 'video' ? [violation(`media.${i}`, 'mixing', 'a photo post takes images only; publish a video on its own')] : []));
    case 'video':
    case 'reel':
      if (n === 0) return [violation('media', 'required', `a ${type} needs a video`)];
      if (n > 1) return [violation('media', 'mixing', `a ${type} takes one video alone`)];
      return kinds[0] === 'image' ? [violation('media.0', 'wrong_type', `a ${type} takes a video`)] : [];
  }
};

/** Checks content against Facebook's rules without calling Facebook. */
export const validateFacebookContent = (content: PostContent, _accountType: string): ContentCheck => {
  const parsed = facebookOptionsSchema.safeParse(content.options);
  const violations: Violation[] = parsed.success ? [] : optionViolations(parsed.error, 'Facebook');
  const warnings: Violation[] = [];
  const options: FacebookOptions = parsed.success ? parsed.data : {};
  const type = postTypeOf(content, options);
  const link = linkOf(content, options);
  const message = messageOf(content, type, options);
  const length = characterCount(message);

  if (content.link !== undefined && !isHttpUrl(content.link.trim())) violations.push(violation('link', 'invalid_url', 'the link must be an http(s) URL'));
  if (type === 'link' && link === undefined) violations.push(violation('link', 'required', 'a link post needs a link'));
  if (type === 'text' && message.trim() === '') violations.push(violation('text', 'required', 'a text post needs text'));
  if (type === 'reel' && options.published !== undefined) violations.push(violation('options.published', 'not_applicable', 'reels are always published to the Page'));
  if ((type === 'photo' || type === 'video' || type === 'reel') && link !== undefined && !content.text.includes(link)) {
    warnings.push(violation('link', 'added_to_text', `a ${type} post shows no link preview: the link is added to the text`));
  }
  if (length > FB_TEXT_MAX) violations.push(violation('text', 'too_long', `the message has ${length} characters; Facebook takes ${FB_TEXT_MAX}`));
  violations.push(...checkMediaForType(content, type));
  content.media.forEach((item, i) => violations.push(...checkItem(item, `media.${i}`, type)));

  return { violations, warnings, preview: { text: message, length, limit: FB_TEXT_MAX } };
};
