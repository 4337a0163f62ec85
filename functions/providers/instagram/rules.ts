/**
 * Instagram's content rules as data, and the pure check of a post against them
 * (https://developers.facebook.com/docs/instagram-platform/content-publishing,
 * https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media).
 *
 * A post is one of four types: a feed image, a reel (one video; legacy feed videos are published as
 * reels), a carousel of 2–10 images and videos, or a story (one image or video). Without a
 * `postType` option the type follows the media: several items make a carousel, one video a reel,
 * one image a feed post. Images must be JPEG, at most 8 MiB, between 4:5 and 1.91:1 in feed and
 * carousel posts (Instagram refuses others with 36003 / 2207009). Captions take 2,200 characters,
 * 30 hashtags and 20 @-mentions; links in captions are not clickable.
 */
import { z } from 'zod';
import type { MediaItem, PostContent } from '../../core/model/post';
import { baseType, characterCount, firstCharacters, hashtagsOf, mentionsOf, optionViolations, violation } from '../meta-graph/content';
import type { ContentCheck, ContentRules, Violation } from '../types';

const MIB = 1024 * 1024;
const MB = 1000 * 1000;

export const IG_POST_TYPES = ['feed', 'reel', 'carousel', 'story'] as const;
export type InstagramPostType = (typeof IG_POST_TYPES)[number];

export const IG_CAPTION_MAX = 2200;
export const IG_HASHTAG_MAX = 30;
/** Instagram's creator guidance is three to five hashtags. */
export const IG_HASHTAG_WARN_ABOVE = 5;
export const IG_MENTION_MAX = 20;
export const IG_IMAGE_TYPES = ['image/jpeg'] as const;
export const IG_VIDEO_TYPES = ['video/mp4', 'video/quicktime'] as const;
export const IG_MAX_IMAGE_BYTES = 8 * MIB;
/** Reels: 3 s to 15 min, up to 300 MB (some pages say 1 GB; the lower figure is kept). */
export const IG_REEL = { minSeconds: 3, maxSeconds: 15 * 60, maxBytes: 300 * MB } as const;
/** Story and carousel videos: 3 to 60 s, up to 100 MB. */
export const IG_SHORT_VIDEO = { minSeconds: 3, maxSeconds: 60, maxBytes: 100 * MB } as const;
/** Feed and carousel images: 4:5 (0.8) to 1.91:1. */
export const IG_IMAGE_ASPECT = { min: 0.8, max: 1.91 } as const;
export const IG_CAROUSEL = { min: 2, max: 10 } as const;
export const IG_COLLABORATORS_MAX = 3;
/** 9:16, the shape Instagram recommends for reels. */
const REEL_ASPECT = 9 / 16;

export const instagramContentRules: ContentRules = {
  postTypes: [...IG_POST_TYPES],
  text: { max: IG_CAPTION_MAX, counting: 'characters', required: false },
  media: {
    min: 1,
    max: IG_CAROUSEL.max,
    types: [...IG_IMAGE_TYPES, ...IG_VIDEO_TYPES],
    maxImageBytes: IG_MAX_IMAGE_BYTES,
    maxVideoBytes: IG_REEL.maxBytes,
    minVideoSeconds: IG_REEL.minSeconds,
    maxVideoSeconds: IG_REEL.maxSeconds,
    aspectRatio: { min: IG_IMAGE_ASPECT.min, max: IG_IMAGE_ASPECT.max },
    // Carousels mix images and videos; the other types take one item (checked per type).
    mixing: 'any',
  },
  hashtags: { max: IG_HASHTAG_MAX, warnAbove: IG_HASHTAG_WARN_ABOVE },
  options: {
    postType: 'feed (one JPEG image), reel (one video), carousel (2–10 images and videos) or story (one image or video); default: from the media',
    altText: 'Alt text of a feed image (carousel images take each item’s altText)',
    shareToFeed: 'Reels: also show the reel in the profile feed (default true)',
    coverUrl: 'Reels: URL of a JPEG cover image',
    thumbOffsetMs: 'Reels: the frame to use as cover, in milliseconds from the start',
    collaborators: `Up to ${IG_COLLABORATORS_MAX} usernames invited as collaborators (not for stories)`,
    locationId: 'A Facebook Page id with a location, to tag the post (not for stories)',
  },
  supportsThreads: false,
  supportsLinks: false,
};

const username = z.string().regex(/^[A-Za-z0-9._]{1,30}$/, 'must be an Instagram username');

/** The options Instagram takes; anything else is refused by name. */
export const instagramOptionsSchema = z.strictObject({
  postType: z.enum(IG_POST_TYPES).optional(),
  altText: z.string().trim().min(1).optional(),
  shareToFeed: z.boolean().optional(),
  coverUrl: z.url({ protocol: /^https?$/ }).optional(),
  thumbOffsetMs: z.number().int().nonnegative().optional(),
  collaborators: z.array(username).min(1).max(IG_COLLABORATORS_MAX).optional(),
  locationId: z.string().regex(/^[0-9]{1,20}$/, 'must be a numeric Page id').optional(),
});
export type InstagramOptions = z.infer<typeof instagramOptionsSchema>;

export type IgMediaKind = 'image' | 'video';

/** How Instagram treats a MIME type, or undefined when it does not take it. */
export const igMediaKind = (contentType: string): IgMediaKind | undefined => {
  const type = baseType(contentType);
  if ((IG_IMAGE_TYPES as readonly string[]).includes(type)) return 'image';
  if ((IG_VIDEO_TYPES as readonly string[]).includes(type)) return 'video';
  return undefined;
};

/** The post type: the option, else from the media (several → carousel, one video → reel, else feed). */
export const postTypeOf = (content: PostContent, options: InstagramOptions): InstagramPostType => {
  if (options.postType) return options.postType;
  if (content.media.length > 1) return 'carousel';
  const first = content.media[0];
  return first && igMediaKind(first.contentType) === 'video' ? 'reel' : 'feed';
};

/** The caption Instagram is sent: the text, NFC-normalised (links are not clickable and are not added). */
export const captionOf = (content: PostContent): string => content.text.normalize('NFC');

const OPTION_SCOPE: Readonly<Record<string, readonly InstagramPostType[]>> = {
  altText: ['feed'],
  shareToFeed: ['reel'],
  coverUrl: ['reel'],
  thumbOffsetMs: ['reel'],
  collaborators: ['feed', 'reel', 'carousel'],
  locationId: ['feed', 'reel', 'carousel'],
};

const checkItem = (item: MediaItem, field: string, type: InstagramPostType): { violations: Violation[]; warnings: Violation[] } => {
  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  const kind = igMediaKind(item.contentType);
  if (!kind) {
    violations.push(violation(field, 'unsupported_type', `Instagram does not take ${item.contentType}: images must be JPEG, videos MP4 or MOV`));
    return { violations, warnings };
  }
  if (item.size === 0) violations.push(violation(field, 'empty', 'the file is empty'));
  if (kind === 'image') {
    if (item.size > IG_MAX_IMAGE_BYTES) violations.push(violation(field, 'too_large', `${item.size} bytes is over Instagram's 8 MiB for an image`));
    if ((type === 'feed' || type === 'carousel') && item.width && item.height) {
      const ratio = item.width / item.height;
      if (ratio < IG_IMAGE_ASPECT.min - 1e-9 || ratio > IG_IMAGE_ASPECT.max + 1e-9) {
        violations.push(violation(field, 'aspect_ratio', `Instagram takes images between 4:5 and 1.91:1, not ${item.width}×${item.height}`));
      }
    }
    return { violations, warnings };
  }
  const limits = type === 'reel' ? IG_REEL : IG_SHORT_VIDEO;
  const what = type === 'reel' ? 'a reel' : type === 'story' ? 'a story video' : 'a carousel video';
  if (item.size > limits.maxBytes) violations.push(violation(field, 'too_large', `${item.size} bytes is over Instagram's ${limits.maxBytes / MB} MB for ${what}`));
  const d = item.durationSeconds;
  if (d !== undefined && d < limits.minSeconds) violations.push(violation(field, 'too_short', `${what} needs at least ${limits.minSeconds} s`));
  if (d !== undefined && d > limits.maxSeconds) violations.push(violation(field, 'too_long', `${what} takes at most ${limits.maxSeconds} s`));
  if (type === 'reel' && item.width && item.height && Math.abs(item.width / item.height - REEL_ASPECT) > 0.02) {
    warnings.push(violation(field, 'aspect_ratio', 'Instagram recommends 9:16 for reels; other shapes are shown cropped or with bars'));
  }
  if (item.altText !== undefined) warnings.push(violation(`${field}.altText`, 'ignored', 'Instagram takes alt text for images only'));
  return { violations, warnings };
};

const checkMediaForType = (content: PostContent, type: InstagramPostType): Violation[] => {
  const kinds = content.media.map((m) => igMediaKind(m.contentType));
  const n = content.media.length;
  if (n === 0) return [violation('media', 'required', 'Instagram posts need an image or a video')];
  switch (type) {
    case 'feed':
      if (n > 1) return [violation('media', 'too_many', 'a feed post takes one image; use a carousel for several')];
      return kinds[0] === 'video' ? [violation('media.0', 'wrong_type', 'a feed post takes a JPEG image; videos are published as reels')] : [];
    case 'reel':
      if (n > 1) return [violation('media', 'too_many', 'a reel takes one video')];
      return kinds[0] === 'image' ? [violation('media.0', 'wrong_type', 'a reel takes a video')] : [];
    case 'story':
      return n > 1 ? [violation('media', 'too_many', 'a story takes one image or one video')] : [];
    case 'carousel':
      if (n < IG_CAROUSEL.min) return [violation('media', 'too_few', `a carousel takes ${IG_CAROUSEL.min} to ${IG_CAROUSEL.max} items`)];
      if (n > IG_CAROUSEL.max) return [violation('media', 'too_many', `a carousel takes at most ${IG_CAROUSEL.max} items, not ${n}`)];
      return [];
  }
};

/** Checks content against Instagram's rules without calling Instagram. */
export const validateInstagramContent = (content: PostContent, _accountType: string): ContentCheck => {
  const parsed = instagramOptionsSchema.safeParse(content.options);
  const violations: Violation[] = parsed.success ? [] : optionViolations(parsed.error, 'Instagram');
  const warnings: Violation[] = [];
  const options: InstagramOptions = parsed.success ? parsed.data : {};
  const type = postTypeOf(content, options);
  const caption = captionOf(content);
  const length = characterCount(caption);

  for (const [name, types] of Object.entries(OPTION_SCOPE)) {
    if (options[name as keyof InstagramOptions] !== undefined && !types.includes(type)) {
      violations.push(violation(`options.${name}`, 'not_applicable', `${name} applies to ${types.join(' and ')} posts, not to a ${type}`));
    }
  }
  violations.push(...checkMediaForType(content, type));
  content.media.forEach((item, i) => {
    const checked = checkItem(item, `media.${i}`, type);
    violations.push(...checked.violations);
    warnings.push(...checked.warnings);
  });
  const video = content.media[0];
  if (type === 'reel' && options.thumbOffsetMs !== undefined && video?.durationSeconds !== undefined && options.thumbOffsetMs >= video.durationSeconds * 1000) {
    violations.push(violation('options.thumbOffsetMs', 'out_of_range', `the cover frame must be within the video's ${video.durationSeconds} s`));
  }

  if (length > IG_CAPTION_MAX) violations.push(violation('text', 'too_long', `the caption has ${length} characters; Instagram takes ${IG_CAPTION_MAX}`));
  const hashtags = hashtagsOf(caption).length;
  if (hashtags > IG_HASHTAG_MAX) violations.push(violation('text', 'too_many_hashtags', `${hashtags} hashtags; Instagram takes at most ${IG_HASHTAG_MAX}`));
  else if (hashtags > IG_HASHTAG_WARN_ABOVE) warnings.push(violation('text', 'many_hashtags', `${hashtags} hashtags: Instagram recommends three to five`));
  const mentions = mentionsOf(caption).length;
  if (mentions > IG_MENTION_MAX) violations.push(violation('text', 'too_many_mentions', `${mentions} @-mentions; Instagram takes at most ${IG_MENTION_MAX}`));
  if (type === 'story' && caption.trim() !== '') warnings.push(violation('text', 'not_shown', 'stories have no caption: the text is not published'));
  if (content.link !== undefined) warnings.push(violation('link', 'not_clickable', 'Instagram captions do not make links clickable: the link is not published'));

  return { violations, warnings, preview: { text: type === 'story' ? '' : firstCharacters(caption, IG_CAPTION_MAX), length, limit: IG_CAPTION_MAX } };
};
