/**
 * X's content rules as data, and the pure check of a post against them.
 *
 * Text is counted the way X counts it, with twitter-text's weighted length (v3 config: 280,
 * CJK and emoji weigh 2, every URL 23): https://docs.x.com/fundamentals/counting-characters.
 * Media limits: https://docs.x.com/x-api/media/quickstart/best-practices. Request fields:
 * https://docs.x.com/x-api/posts/create-post.
 */
import twitter from 'twitter-text';
import { z } from 'zod';
import type { MediaItem, PostContent } from '../../core/model/post';
import type { ContentCheck, ContentRules, Violation } from '../types';

const MB = 1024 * 1024;

export const X_TEXT_LIMIT = 280;
export const X_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const X_GIF_TYPE = 'image/gif';
export const X_VIDEO_TYPES = ['video/mp4', 'video/quicktime'] as const;
export const X_MAX_IMAGE_BYTES = 5 * MB;
export const X_MAX_GIF_BYTES = 15 * MB;
/** Default (non-Premium) accounts: 8 GB and 20 minutes for a video on a post. */
export const X_MAX_VIDEO_BYTES = 8 * 1024 * MB;
export const X_MIN_VIDEO_SECONDS = 0.5;
export const X_MAX_VIDEO_SECONDS = 1200;
/** `POST /2/media/metadata` alt text. */
export const X_ALT_TEXT_MAX = 1000;
export const X_POLL_OPTION_MAX = 25;
/**
 * Reach's own bound on a thread (the API has none): each part is one `POST /2/tweets` counted in
 * the 100-per-15-minutes user window, so a thread must fit comfortably inside it.
 */
export const X_THREAD_MAX_PARTS = 25;
/** X's Help Center recommends no more than two hashtags per post. */
export const X_HASHTAG_WARN_ABOVE = 2;

export type XMediaKind = 'image' | 'gif' | 'video';

/** How X treats a MIME type, or undefined when it does not take it. */
export const mediaKindOf = (contentType: string): XMediaKind | undefined => {
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  if ((X_IMAGE_TYPES as readonly string[]).includes(type)) return 'image';
  if (type === X_GIF_TYPE) return 'gif';
  if ((X_VIDEO_TYPES as readonly string[]).includes(type)) return 'video';
  return undefined;
};

export const xContentRules: ContentRules = {
  postTypes: ['post'],
  // Text may be empty when media is attached; the check says so per post.
  text: { max: X_TEXT_LIMIT, counting: 'x_weighted', required: false },
  media: {
    min: 0,
    max: 4,
    types: [...X_IMAGE_TYPES, X_GIF_TYPE, ...X_VIDEO_TYPES],
    // GIFs may be up to 15 MB; other images 5 MB.
    maxImageBytes: X_MAX_IMAGE_BYTES,
    maxVideoBytes: X_MAX_VIDEO_BYTES,
    minVideoSeconds: X_MIN_VIDEO_SECONDS,
    maxVideoSeconds: X_MAX_VIDEO_SECONDS,
    // Video only: "must be between 1:3 and 3:1".
    aspectRatio: { min: 1 / 3, max: 3 },
    mixing: 'images_or_one_video',
  },
  hashtags: { warnAbove: X_HASHTAG_WARN_ABOVE },
  options: {
    postType: '"post", the only type (a thread is a post with `thread` parts)',
    thread: `Up to ${X_THREAD_MAX_PARTS - 1} further posts {text, media}, each checked like a post and published as replies in order`,
    replySettings: 'Who may reply: everyone, following, mentionedUsers, subscribers or verified',
    replyToTweetId: 'Publish the (first) post as a reply to this post id',
    quoteTweetId: 'Quote this post id (not together with media or a poll)',
    poll: `{options: 2–4 choices of up to ${X_POLL_OPTION_MAX} characters, durationMinutes: 5–10080} (not with media or a quote)`,
    madeWithAi: 'Label the posts as made with AI',
    paidPartnership: 'Label the posts as a paid partnership',
  },
  supportsThreads: true,
  supportsLinks: true,
};

const postId = z.string().regex(/^[0-9]{1,19}$/, 'must be a numeric post id');

/** A media item inside a thread part: the same fields as `MediaItem`. */
export const mediaItemSchema = z.strictObject({
  mediaId: z.string().min(1),
  url: z.url(),
  contentType: z.string().min(1),
  size: z.number().int().nonnegative(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  durationSeconds: z.number().nonnegative().optional(),
  altText: z.string().optional(),
});

export const threadPartSchema = z.strictObject({ text: z.string(), media: z.array(mediaItemSchema).optional() });

/** The options X takes; anything else is refused by name. */
export const xOptionsSchema = z.strictObject({
  postType: z.literal('post').optional(),
  thread: z.array(threadPartSchema).min(1).max(X_THREAD_MAX_PARTS - 1).optional(),
  replySettings: z.enum(['everyone', 'following', 'mentionedUsers', 'subscribers', 'verified']).optional(),
  replyToTweetId: postId.optional(),
  quoteTweetId: postId.optional(),
  poll: z
    .strictObject({
      options: z.array(z.string().trim().min(1)).min(2).max(4),
      durationMinutes: z.number().int().min(5).max(10080),
    })
    .optional(),
  madeWithAi: z.boolean().optional(),
  paidPartnership: z.boolean().optional(),
});
export type XOptions = z.infer<typeof xOptionsSchema>;

/** One post of what is published: the first (with the link), then each thread part. */
export interface XPart {
  readonly text: string;
  readonly media: readonly MediaItem[];
  /** Where this part's fields sit in the content: `` for the first post, `options.thread.0.` … */
  readonly fieldPrefix: string;
}

/** The first post's text: the link goes at the end unless the text already carries it. */
export const composeText = (content: PostContent): string => {
  const text = content.text.normalize('NFC');
  const link = content.link?.trim();
  if (!link || text.includes(link)) return text;
  return text.trim() === '' ? link : `${text}\n${link}`;
};

/** The posts a content becomes, in publishing order. */
export const partsOf = (content: PostContent, options: XOptions): XPart[] => [
  { text: composeText(content), media: content.media, fieldPrefix: '' },
  ...(options.thread ?? []).map((p, i) => ({ text: p.text.normalize('NFC'), media: p.media ?? [], fieldPrefix: `options.thread.${i}.` })),
];

/** X's weighted length of a text. */
export const weightedLength = (text: string): number => twitter.parseTweet(text).weightedLength;

const violation = (field: string, code: string, message: string): Violation => ({ field, code, message });

const checkText = (part: XPart, needsText: boolean): { violations: Violation[]; warnings: Violation[] } => {
  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  const field = `${part.fieldPrefix}text`;
  if (part.text.trim() === '') {
    if (needsText) violations.push(violation(field, 'required', 'X needs text for a post without media'));
    return { violations, warnings };
  }
  const parsed = twitter.parseTweet(part.text);
  if (parsed.weightedLength > X_TEXT_LIMIT) {
    violations.push(violation(field, 'too_long', `X counts ${parsed.weightedLength} of ${X_TEXT_LIMIT} (links count 23, emoji and CJK characters 2)`));
  }
  if (twitter.hasInvalidCharacters(part.text)) violations.push(violation(field, 'invalid_characters', 'the text holds characters X refuses (U+FFFE, U+FEFF, U+FFFF)'));
  const hashtags = twitter.extractHashtags(part.text).length;
  if (hashtags > X_HASHTAG_WARN_ABOVE) {
    warnings.push(violation(field, 'many_hashtags', `${hashtags} hashtags: X recommends at most ${X_HASHTAG_WARN_ABOVE}`));
  }
  return { violations, warnings };
};

const checkItem = (item: MediaItem, field: string): Violation[] => {
  const out: Violation[] = [];
  const kind = mediaKindOf(item.contentType);
  if (!kind) return [violation(field, 'unsupported_type', `X does not take ${item.contentType}; use JPEG, PNG, WEBP, GIF, MP4 or MOV`)];
  const max = kind === 'image' ? X_MAX_IMAGE_BYTES : kind === 'gif' ? X_MAX_GIF_BYTES : X_MAX_VIDEO_BYTES;
  if (item.size > max) out.push(violation(field, 'too_large', `${item.size} bytes is over X's ${max} for ${kind === 'gif' ? 'an animated GIF' : `a ${kind}`}`));
  if (item.size === 0) out.push(violation(field, 'empty', 'the file is empty'));
  if (kind === 'video') {
    const d = item.durationSeconds;
    if (d !== undefined && d < X_MIN_VIDEO_SECONDS) out.push(violation(field, 'too_short', `X needs at least ${X_MIN_VIDEO_SECONDS} s of video`));
    if (d !== undefined && d > X_MAX_VIDEO_SECONDS) out.push(violation(field, 'too_long', `X takes up to ${X_MAX_VIDEO_SECONDS} s of video`));
    if (item.width && item.height) {
      const ratio = item.width / item.height;
      if (ratio < 1 / 3 || ratio > 3) out.push(violation(field, 'aspect_ratio', 'X needs a video aspect ratio between 1:3 and 3:1'));
    }
  }
  if (item.altText !== undefined && [...item.altText].length > X_ALT_TEXT_MAX) {
    out.push(violation(`${field}.altText`, 'too_long', `X takes up to ${X_ALT_TEXT_MAX} characters of alt text`));
  }
  return out;
};

const checkMedia = (part: XPart): Violation[] => {
  const field = `${part.fieldPrefix}media`;
  const out = part.media.flatMap((item, i) => checkItem(item, `${field}.${i}`));
  const kinds = part.media.map((m) => mediaKindOf(m.contentType));
  const moving = kinds.filter((k) => k === 'gif' || k === 'video').length;
  if (moving > 0 && part.media.length > 1) {
    out.push(violation(field, 'mixing', 'X takes up to 4 images, or one GIF, or one video alone'));
  } else if (part.media.length > 4) {
    out.push(violation(field, 'too_many', `X takes up to 4 images per post, not ${part.media.length}`));
  }
  return out;
};

/** zod issues on the options, as violations under `options.*`; unknown names get `unknown_option`. */
const optionViolations = (error: z.ZodError): Violation[] =>
  error.issues.flatMap((issue) => {
    const base = ['options', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => violation(`${base}.${k}`, 'unknown_option', `X takes no option ${k}`));
    }
    return [violation(base, 'invalid_option', issue.message)];
  });

/** Checks content against X's rules without calling X. */
export const validateXContent = (content: PostContent, _accountType: string): ContentCheck => {
  const parsed = xOptionsSchema.safeParse(content.options);
  const violations: Violation[] = parsed.success ? [] : optionViolations(parsed.error);
  const warnings: Violation[] = [];
  const options: XOptions = parsed.success ? parsed.data : {};
  const parts = partsOf(content, options);

  if (content.link !== undefined && !/^https?:\/\/\S+$/i.test(content.link.trim())) {
    violations.push(violation('link', 'invalid_url', 'the link must be an http(s) URL'));
  }
  const first = parts[0]!;
  const attachments = [first.media.length > 0 && 'media', options.poll && 'poll', options.quoteTweetId && 'quoteTweetId'].filter(Boolean);
  if (attachments.length > 1) {
    violations.push(violation(options.poll ? 'options.poll' : 'options.quoteTweetId', 'conflict', `X takes one of media, a poll or a quoted post, not ${attachments.join(' and ')}`));
  }
  options.poll?.options.forEach((o, i) => {
    if ([...o].length > X_POLL_OPTION_MAX) violations.push(violation(`options.poll.options.${i}`, 'too_long', `X takes poll choices of up to ${X_POLL_OPTION_MAX} characters`));
  });

  const seen = new Map<string, number>();
  parts.forEach((part, k) => {
    // A poll needs its question; otherwise text may be left out when media carries the post.
    const text = checkText(part, part.media.length === 0 || (k === 0 && options.poll !== undefined));
    violations.push(...text.violations, ...checkMedia(part));
    warnings.push(...text.warnings);
    const key = part.text.trim();
    if (key !== '' && seen.has(key)) {
      violations.push(violation(`${part.fieldPrefix}text`, 'duplicate_part', `X refuses the same text twice; part ${k} repeats part ${seen.get(key)}`));
    } else if (key !== '') seen.set(key, k);
  });

  return {
    violations,
    warnings,
    preview: {
      text: first.text,
      length: weightedLength(first.text),
      limit: X_TEXT_LIMIT,
      ...(parts.length > 1 && { parts: parts.map((p) => p.text) }),
    },
  };
};
