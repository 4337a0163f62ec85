/**
 * YouTube's content rules as data, and the pure check of a post against them.
 *
 * A YouTube post is one video with a title; Reach's text becomes the description.
 * Metadata limits: https://developers.google.com/youtube/v3/docs/videos#properties (title ≤ 100
 * characters, description ≤ 5000 bytes, neither with `<` or `>`, tags ≤ 500 characters counting
 * commas and the quotes around tags with spaces). File limits: 256 GB or 12 hours
 * (https://support.google.com/youtube/answer/71673); longer than 15 minutes needs a verified
 * channel. Shorts are chosen by format, not by a flag: square or vertical and up to 3 minutes
 * (https://support.google.com/youtube/answer/15424877). Hashtags: more than 60 and YouTube ignores
 * all of them; it recommends far fewer (https://support.google.com/youtube/answer/6390658).
 */
import { z } from 'zod';
import type { MediaItem, PostContent } from '../../core/model/post';
import type { ContentCheck, ContentRules, Violation } from '../types';

const GB = 1024 * 1024 * 1024;

export const YOUTUBE_TITLE_MAX = 100;
export const YOUTUBE_DESCRIPTION_MAX_BYTES = 5000;
export const YOUTUBE_TAGS_MAX = 500;
export const YOUTUBE_MAX_VIDEO_BYTES = 256 * GB;
export const YOUTUBE_MAX_VIDEO_SECONDS = 12 * 3600;
/** Unverified channels upload up to 15 minutes. */
export const YOUTUBE_UNVERIFIED_MAX_SECONDS = 15 * 60;
export const YOUTUBE_SHORT_MAX_SECONDS = 180;
export const YOUTUBE_HASHTAG_MAX = 60;
export const YOUTUBE_HASHTAG_WARN_ABOVE = 15;
/** "People & Blogs", YouTube's own default. */
export const DEFAULT_CATEGORY_ID = '22';
/** Categories videos may be assigned to (`videoCategories.list?regionCode=US`, assignable = true). */
export const ASSIGNABLE_CATEGORY_IDS = ['1', '2', '10', '15', '17', '19', '20', '22', '23', '24', '25', '26', '27', '28', '29'] as const;

/** Upload formats YouTube lists (MOV, MPEG-1/2/4, MP4, AVI, WMV, FLV, 3GPP, WebM). */
export const YOUTUBE_VIDEO_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/mpeg',
  'video/x-msvideo',
  'video/x-ms-wmv',
  'video/x-flv',
  'video/3gpp',
  'video/webm',
] as const;

export const youtubeContentRules: ContentRules = {
  postTypes: ['video'],
  // The description: bytes, since YouTube measures it in UTF-8 bytes.
  text: { max: YOUTUBE_DESCRIPTION_MAX_BYTES, counting: 'bytes', required: false },
  media: {
    min: 1,
    max: 1,
    types: [...YOUTUBE_VIDEO_TYPES],
    maxVideoBytes: YOUTUBE_MAX_VIDEO_BYTES,
    maxVideoSeconds: YOUTUBE_MAX_VIDEO_SECONDS,
    mixing: 'single',
  },
  hashtags: { max: YOUTUBE_HASHTAG_MAX, warnAbove: YOUTUBE_HASHTAG_WARN_ABOVE },
  options: {
    postType: '"video", the only type (a square or vertical video up to 3 minutes shows as a Short)',
    title: `Required: the video title, up to ${YOUTUBE_TITLE_MAX} characters, without < or >`,
    privacyStatus: 'public (default), unlisted or private',
    publishAt: 'RFC 3339 instant to make a private video public (needs privacyStatus private, the default when publishAt is set)',
    tags: `Keywords, up to ${YOUTUBE_TAGS_MAX} characters in all (commas and the quotes around tags with spaces count)`,
    categoryId: `Video category id (default ${DEFAULT_CATEGORY_ID}, People & Blogs)`,
    madeForKids: 'Whether the video is made for kids (COPPA); the channel default applies when absent',
    notifySubscribers: 'Whether subscribers are notified (default true)',
    containsSyntheticMedia: 'Declares realistic altered or synthetic content',
    defaultLanguage: 'Language of the title and description (BCP-47, e.g. en, pt-BR)',
  },
  supportsThreads: false,
  supportsLinks: true,
};

/** The options YouTube takes; anything else is refused by name. */
export const youtubeOptionsSchema = z.strictObject({
  postType: z.literal('video').optional(),
  title: z.string().refine((s) => !/[<>]/.test(s), 'the title must not contain < or >'),
  privacyStatus: z.enum(['public', 'unlisted', 'private']).optional(),
  publishAt: z.iso.datetime({ offset: true }).optional(),
  tags: z.array(z.string().trim().min(1).refine((t) => !/[<>,]/.test(t), 'tags must not contain <, > or commas')).optional(),
  categoryId: z.enum(ASSIGNABLE_CATEGORY_IDS).optional(),
  madeForKids: z.boolean().optional(),
  notifySubscribers: z.boolean().optional(),
  containsSyntheticMedia: z.boolean().optional(),
  defaultLanguage: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 language tag').optional(),
});
export type YoutubeOptions = z.infer<typeof youtubeOptionsSchema>;

const violation = (field: string, code: string, message: string): Violation => ({ field, code, message });

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const characters = (s: string): number => [...s].length;

/** The description YouTube receives: the text, then the link when the text does not carry it. */
export const descriptionOf = (content: PostContent): string => {
  const text = content.text.normalize('NFC');
  const link = content.link?.trim();
  if (!link || text.includes(link)) return text;
  return text.trim() === '' ? link : `${text}\n\n${link}`;
};

/** What the tags weigh against the 500-character limit. */
export const tagsLength = (tags: readonly string[]): number =>
  tags.reduce((sum, t) => sum + characters(t) + (/\s/.test(t) ? 2 : 0), 0) + Math.max(0, tags.length - 1);

/** Hashtags as YouTube reads them in a description (`#` then letters, digits or underscores). */
export const hashtagsOf = (text: string): string[] => [...text.matchAll(/(?:^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]+)/gu)].map((m) => m[1]!);

/** Whether YouTube shows the video as a Short: square or vertical, up to 3 minutes. */
export const isShort = (item: Pick<MediaItem, 'width' | 'height' | 'durationSeconds'>): boolean =>
  item.width !== undefined && item.height !== undefined && item.durationSeconds !== undefined && item.height >= item.width && item.durationSeconds <= YOUTUBE_SHORT_MAX_SECONDS;

/** The public address of a video: Shorts have their own. */
export const videoUrl = (id: string, short: boolean): string =>
  short ? `https://www.youtube.com/shorts/${id}` : `https://www.youtube.com/watch?v=${id}`;

const mediaViolations = (media: readonly MediaItem[]): { violations: Violation[]; warnings: Violation[] } => {
  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  if (media.length === 0) violations.push(violation('media', 'required', 'YouTube needs one video'));
  if (media.length > 1) violations.push(violation('media', 'too_many', `YouTube takes one video per post, not ${media.length}`));
  media.forEach((item, i) => {
    const field = `media.${i}`;
    const type = item.contentType.toLowerCase().split(';')[0]!.trim();
    if (!(YOUTUBE_VIDEO_TYPES as readonly string[]).includes(type)) {
      violations.push(violation(field, 'unsupported_type', `YouTube takes a video (MP4, MOV, MPEG, AVI, WMV, FLV, 3GPP, WebM), not ${item.contentType}`));
      return;
    }
    if (item.size === 0) violations.push(violation(field, 'empty', 'the file is empty'));
    if (item.size > YOUTUBE_MAX_VIDEO_BYTES) violations.push(violation(field, 'too_large', `YouTube takes up to 256 GB, not ${item.size} bytes`));
    const d = item.durationSeconds;
    if (d !== undefined && d > YOUTUBE_MAX_VIDEO_SECONDS) violations.push(violation(field, 'too_long', 'YouTube takes videos up to 12 hours'));
    else if (d !== undefined && d > YOUTUBE_UNVERIFIED_MAX_SECONDS) {
      warnings.push(violation(field, 'needs_verified_channel', 'videos longer than 15 minutes need a verified channel'));
    }
    if (isShort(item)) {
      warnings.push(violation(field, 'youtube_short', 'square or vertical and up to 3 minutes: YouTube shows this video as a Short (youtube.com/shorts/…)'));
    }
  });
  return { violations, warnings };
};

/** zod issues on the options, as violations under `options.*`; unknown names get `unknown_option`. */
const optionViolations = (error: z.ZodError): Violation[] =>
  error.issues.flatMap((issue) => {
    const base = ['options', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => violation(`${base}.${k}`, 'unknown_option', `YouTube takes no option ${k}`));
    if (issue.code === 'invalid_type' && issue.input === undefined) return [violation(base, 'required', `${base} is required`)];
    return [violation(base, 'invalid_option', issue.message)];
  });

/** Checks content against YouTube's rules without calling YouTube. */
export const validateYoutubeContent = (content: PostContent, _accountType: string): ContentCheck => {
  const parsed = youtubeOptionsSchema.safeParse(content.options);
  const violations: Violation[] = parsed.success ? [] : optionViolations(parsed.error);
  const warnings: Violation[] = [];
  const options = parsed.success ? parsed.data : undefined;

  const rawTitle = content.options['title'];
  if (typeof rawTitle === 'string') {
    if (rawTitle.trim() === '') violations.push(violation('options.title', 'required', 'YouTube needs a title'));
    else if (characters(rawTitle) > YOUTUBE_TITLE_MAX) {
      violations.push(violation('options.title', 'too_long', `the title has ${characters(rawTitle)} characters; YouTube takes ${YOUTUBE_TITLE_MAX}`));
    }
  }
  if (options?.publishAt !== undefined && options.privacyStatus !== undefined && options.privacyStatus !== 'private') {
    violations.push(violation('options.publishAt', 'needs_private', 'a scheduled publish time needs privacyStatus private (YouTube makes it public at that time)'));
  }
  if (options?.tags && tagsLength(options.tags) > YOUTUBE_TAGS_MAX) {
    violations.push(violation('options.tags', 'too_long', `the tags weigh ${tagsLength(options.tags)} characters; YouTube takes ${YOUTUBE_TAGS_MAX}`));
  }
  if (content.link !== undefined && !/^https?:\/\/\S+$/i.test(content.link.trim())) {
    violations.push(violation('link', 'invalid_url', 'the link must be an http(s) URL'));
  }

  const description = descriptionOf(content);
  const length = bytes(description);
  if (length > YOUTUBE_DESCRIPTION_MAX_BYTES) {
    violations.push(violation('text', 'too_long', `the description is ${length} bytes in UTF-8; YouTube takes ${YOUTUBE_DESCRIPTION_MAX_BYTES}`));
  }
  if (/[<>]/.test(description)) violations.push(violation('text', 'invalid_characters', 'YouTube refuses < and > in descriptions'));
  const hashtags = hashtagsOf(description).length;
  if (hashtags > YOUTUBE_HASHTAG_MAX) {
    violations.push(violation('text', 'too_many_hashtags', `${hashtags} hashtags: with more than ${YOUTUBE_HASHTAG_MAX} YouTube ignores all of them`));
  } else if (hashtags > YOUTUBE_HASHTAG_WARN_ABOVE) {
    warnings.push(violation('text', 'many_hashtags', `${hashtags} hashtags: YouTube advises against over-tagging (at most ${YOUTUBE_HASHTAG_WARN_ABOVE})`));
  }

  const media = mediaViolations(content.media);
  violations.push(...media.violations);
  warnings.push(...media.warnings);

  return { violations, warnings, preview: { text: description, length, limit: YOUTUBE_DESCRIPTION_MAX_BYTES } };
};
