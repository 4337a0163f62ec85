/**
 * Business Profile's post rules as data, and the pure check of a post against them.
 *
 * A post is a LocalPost (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts):
 * `summary` up to 1500 characters (posts with phone numbers are refused,
 * https://support.google.com/business/answer/7213077), a `topicType` (STANDARD, EVENT, OFFER,
 * ALERT), an optional call to action (CALL takes no URL and uses the location's phone; OFFER posts
 * ignore it), an event schedule (required for EVENT and OFFER), offer details, and one photo or
 * video fetched by Google from its `sourceUrl`. Photos: JPG or PNG, 10 KB to 5 MB, at least
 * 250 × 250 px; videos up to 30 seconds and 75 MB (https://support.google.com/business/answer/6103862).
 */
import { z } from 'zod';
import type { MediaItem, PostContent } from '../../core/model/post';
import type { ContentCheck, ContentRules, Violation } from '../types';

const KB = 1024;
const MB = 1024 * KB;

export const SUMMARY_MAX = 1500;
export const TOPIC_TYPES = ['STANDARD', 'EVENT', 'OFFER', 'ALERT'] as const;
export type TopicType = (typeof TOPIC_TYPES)[number];
export const ACTION_TYPES = ['BOOK', 'ORDER', 'SHOP', 'LEARN_MORE', 'SIGN_UP', 'CALL'] as const;
export const PHOTO_TYPES = ['image/jpeg', 'image/png'] as const;
export const VIDEO_TYPES = ['video/mp4', 'video/quicktime'] as const;
export const MIN_PHOTO_BYTES = 10 * KB;
export const MAX_PHOTO_BYTES = 5 * MB;
export const MIN_PHOTO_SIDE = 250;
export const MAX_VIDEO_BYTES = 75 * MB;
export const MAX_VIDEO_SECONDS = 30;

export const businessContentRules: ContentRules = {
  postTypes: [...TOPIC_TYPES],
  text: { max: SUMMARY_MAX, counting: 'characters', required: false },
  media: {
    min: 0,
    max: 1,
    types: [...PHOTO_TYPES, ...VIDEO_TYPES],
    maxImageBytes: MAX_PHOTO_BYTES,
    maxVideoBytes: MAX_VIDEO_BYTES,
    maxVideoSeconds: MAX_VIDEO_SECONDS,
    mixing: 'single',
  },
  options: {
    topicType: 'STANDARD (default), EVENT, OFFER or ALERT',
    postType: 'The same as topicType (the generic name)',
    callToAction: '{actionType: BOOK | ORDER | SHOP | LEARN_MORE | SIGN_UP | CALL, url} (CALL takes no url; the post link becomes LEARN_MORE when absent)',
    event: '{title, start, end}: dates YYYY-MM-DD or local times YYYY-MM-DDTHH:MM in the location\'s time zone (required for EVENT and OFFER)',
    offer: '{couponCode, redeemOnlineUrl, termsConditions} (OFFER only)',
    alertType: 'COVID_19, the only alert Google takes (ALERT only, the default there)',
    languageCode: 'BCP-47 language of the post, e.g. en or pt-BR',
  },
  supportsThreads: false,
  supportsLinks: true,
};

const httpUrl = z.url({ protocol: /^https?$/ });
/** A wall-clock date or time in the location's zone (LocalPost schedules carry no offset). */
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/, 'must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (local time, no offset)');

/** The options Business Profile takes; anything else is refused by name. */
export const businessOptionsSchema = z.strictObject({
  topicType: z.enum(TOPIC_TYPES).optional(),
  postType: z.enum(TOPIC_TYPES).optional(),
  callToAction: z.strictObject({ actionType: z.enum(ACTION_TYPES), url: httpUrl.optional() }).optional(),
  event: z.strictObject({ title: z.string().trim().min(1), start: localDateTime, end: localDateTime }).optional(),
  offer: z
    .strictObject({ couponCode: z.string().trim().min(1).optional(), redeemOnlineUrl: httpUrl.optional(), termsConditions: z.string().trim().min(1).optional() })
    .optional(),
  alertType: z.literal('COVID_19').optional(),
  languageCode: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 language tag').optional(),
});
export type BusinessOptions = z.infer<typeof businessOptionsSchema>;

/** The post's topic: `topicType`, or its generic name `postType`, else STANDARD. */
export const topicOf = (options: BusinessOptions): TopicType => options.topicType ?? options.postType ?? 'STANDARD';

// One greedy pass with no nested quantifiers (linear time): runs of digits and separators,
// checked afterwards.
const PHONE_RUN = /[+(]?\d[\d \t.()-]*/g;
/**
 * Phone numbers Google refuses in a summary: 7 to 15 digits written as one number, in groups
 * separated by spaces, dots, dashes or parentheses with at least one group of three digits or
 * more, or one unbroken run of ten or more. Dates (2024-10-04), prices, order numbers and lists
 * of small numbers ("10 20 30 40") are not phone numbers.
 */
export const phoneNumbersIn = (text: string): string[] => {
  const out: string[] = [];
  for (const m of text.matchAll(PHONE_RUN)) {
    const run = m[0].replace(/[\s.(-]+$/, '');
    const before = text[m.index - 1];
    const after = text[m.index + run.length];
    // Part of a word or code ("A123-4567", "1234567x") is not a number on its own.
    if ((before !== undefined && /[\p{L}\p{N}_]/u.test(before)) || (after !== undefined && /[\p{L}_]/u.test(after))) continue;
    const groups = run.match(/\d+/g) ?? [];
    const digits = groups.join('').length;
    const isDate = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/.test(run);
    const shaped = groups.length > 1 ? groups.length <= 6 && groups.some((g) => g.length >= 3) : digits >= 10;
    if (digits >= 7 && digits <= 15 && shaped && !isDate) out.push(run);
  }
  return out;
};

const violation = (field: string, code: string, message: string): Violation => ({ field, code, message });
const characters = (s: string): number => [...s].length;

const mediaViolations = (media: readonly MediaItem[]): Violation[] => {
  const out: Violation[] = [];
  if (media.length > 1) out.push(violation('media', 'too_many', `a Business Profile post takes one photo or video, not ${media.length}`));
  media.forEach((item, i) => {
    const field = `media.${i}`;
    const type = item.contentType.toLowerCase().split(';')[0]!.trim();
    if ((PHOTO_TYPES as readonly string[]).includes(type)) {
      if (item.size < MIN_PHOTO_BYTES) out.push(violation(field, 'too_small', `photos must be at least 10 KB, not ${item.size} bytes`));
      if (item.size > MAX_PHOTO_BYTES) out.push(violation(field, 'too_large', `photos may be up to 5 MB, not ${item.size} bytes`));
      if ((item.width !== undefined && item.width < MIN_PHOTO_SIDE) || (item.height !== undefined && item.height < MIN_PHOTO_SIDE)) {
        out.push(violation(field, 'too_small', `photos must be at least ${MIN_PHOTO_SIDE} × ${MIN_PHOTO_SIDE} px`));
      }
    } else if ((VIDEO_TYPES as readonly string[]).includes(type)) {
      if (item.size > MAX_VIDEO_BYTES) out.push(violation(field, 'too_large', `videos may be up to 75 MB, not ${item.size} bytes`));
      if (item.durationSeconds !== undefined && item.durationSeconds > MAX_VIDEO_SECONDS) out.push(violation(field, 'too_long', `videos may be up to ${MAX_VIDEO_SECONDS} seconds`));
    } else {
      out.push(violation(field, 'unsupported_type', `Business Profile takes JPG or PNG photos and MP4 or MOV videos, not ${item.contentType}`));
    }
  });
  return out;
};

/** zod issues on the options, as violations under `options.*`; unknown names get `unknown_option`. */
const optionViolations = (error: z.ZodError): Violation[] =>
  error.issues.flatMap((issue) => {
    const base = ['options', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => violation(`${base}.${k}`, 'unknown_option', `Business Profile takes no option ${k}`));
    if (issue.code === 'invalid_type' && issue.input === undefined) return [violation(base, 'required', `${base} is required`)];
    return [violation(base, 'invalid_option', issue.message)];
  });

const optionsChecks = (options: BusinessOptions, content: PostContent): { violations: Violation[]; warnings: Violation[] } => {
  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  const topic = topicOf(options);
  if (options.topicType && options.postType && options.topicType !== options.postType) {
    violations.push(violation('options.postType', 'conflict', `postType ${options.postType} contradicts topicType ${options.topicType}`));
  }
  if ((topic === 'EVENT' || topic === 'OFFER') && !options.event) {
    violations.push(violation('options.event', 'required', `${topic} posts need an event {title, start, end}`));
  }
  if (options.event && options.event.end < options.event.start) violations.push(violation('options.event.end', 'before_start', 'the event ends before it starts'));
  if (options.event && topic !== 'EVENT' && topic !== 'OFFER') violations.push(violation('options.event', 'not_allowed', 'only EVENT and OFFER posts have an event'));
  if (options.offer && topic !== 'OFFER') violations.push(violation('options.offer', 'not_allowed', 'only OFFER posts have offer details'));
  if (options.alertType && topic !== 'ALERT') violations.push(violation('options.alertType', 'not_allowed', 'only ALERT posts have an alert type'));
  const cta = options.callToAction;
  if (cta?.actionType === 'CALL' && cta.url !== undefined) violations.push(violation('options.callToAction.url', 'not_allowed', 'CALL uses the location\'s phone number and takes no url'));
  if (cta && cta.actionType !== 'CALL' && cta.url === undefined) violations.push(violation('options.callToAction.url', 'required', `${cta.actionType} needs a url`));
  if (cta && content.link !== undefined) violations.push(violation('link', 'conflict', 'give either a link (shown as LEARN_MORE) or a callToAction, not both'));
  if (topic === 'OFFER' && (cta || content.link !== undefined)) {
    warnings.push(violation(cta ? 'options.callToAction' : 'link', 'ignored', 'Google ignores calls to action on OFFER posts (use offer.redeemOnlineUrl)'));
  }
  return { violations, warnings };
};

/** Checks content against Business Profile's rules without calling Google. */
export const validateBusinessContent = (content: PostContent, _accountType: string): ContentCheck => {
  const parsed = businessOptionsSchema.safeParse(content.options);
  const violations: Violation[] = parsed.success ? [] : optionViolations(parsed.error);
  const warnings: Violation[] = [];
  const options: BusinessOptions = parsed.success ? parsed.data : {};
  const topic = topicOf(options);

  const summary = content.text.normalize('NFC');
  const length = characters(summary);
  if (summary.trim() === '' && (topic === 'STANDARD' || topic === 'ALERT')) violations.push(violation('text', 'required', `${topic} posts need text`));
  if (length > SUMMARY_MAX) violations.push(violation('text', 'too_long', `${length} characters; Business Profile takes ${SUMMARY_MAX}`));
  const phones = phoneNumbersIn(summary);
  if (phones.length > 0) violations.push(violation('text', 'phone_number', 'Google refuses posts with phone numbers in the text; use a CALL button instead'));
  if (content.link !== undefined && !/^https?:\/\/\S+$/i.test(content.link.trim())) violations.push(violation('link', 'invalid_url', 'the link must be an http(s) URL'));

  const checks = optionsChecks(options, content);
  violations.push(...checks.violations, ...mediaViolations(content.media));
  warnings.push(...checks.warnings);

  return {
    violations,
    warnings,
    // Google cuts nothing: a longer summary is refused, so the preview is the text as sent.
    preview: { text: summary, length, limit: SUMMARY_MAX },
  };
};
