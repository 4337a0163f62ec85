/**
 * What Instagram's and Facebook's content checks share: violations, zod issues on the options as
 * violations, counting characters, hashtags and @-mentions, and matching a post's text when an
 * attempt's outcome is unknown.
 */
import type { z } from 'zod';
import type { Violation } from '../types';

/** One violation (or warning) of a platform rule. */
export const violation = (field: string, code: string, message: string): Violation => ({ field, code, message });

/** zod issues on `content.options` as violations under `options.*`; unknown names get `unknown_option`. */
export const optionViolations = (error: z.ZodError, platform: string): Violation[] =>
  error.issues.flatMap((issue) => {
    const base = ['options', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => violation(`${base}.${k}`, 'unknown_option', `${platform} takes no option ${k}`));
    }
    return [violation(base, 'invalid_option', issue.message)];
  });

/** Length in Unicode characters (code points), the way Meta counts captions and messages. */
export const characterCount = (text: string): number => [...text].length;

/** The first `max` characters of `text`, never splitting a surrogate pair. */
export const firstCharacters = (text: string, max: number): string => [...text].slice(0, max).join('');

const HASHTAG = /(?:^|[^\p{L}\p{N}_&#])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)/gu;
const MENTION = /(?:^|[^\p{L}\p{N}_@.])@([A-Za-z0-9._]{1,30})/gu;

/** The hashtags of a text (without `#`), in order; `#1` alone is no hashtag. */
export const hashtagsOf = (text: string): string[] => [...text.matchAll(HASHTAG)].map((m) => m[1]!);

/** The @-mentioned usernames of a text (without `@`), in order. */
export const mentionsOf = (text: string): string[] => [...text.matchAll(MENTION)].map((m) => m[1]!);

/** The MIME type without parameters, lower-cased. */
export const baseType = (contentType: string): string => contentType.toLowerCase().split(';')[0]!.trim();

/** Whether `url` is an absolute http(s) URL. */
export const isHttpUrl = (url: string): boolean => {
  if (!URL.canParse(url)) return false;
  const protocol = new URL(url).protocol;
  return protocol === 'https:' || protocol === 'http:';
};

/** Text compared the way a platform may have kept it: NFC, line endings and outer spaces normalised. */
export const comparableText = (text: string): string => text.normalize('NFC').replace(/\r\n?/g, '\n').trim();

/**
 * How far before the instant Reach sent a post its platform timestamp may fall and still match:
 * platform clocks differ from ours, and Meta's timestamps have whole seconds only.
 */
export const MATCH_SKEW_MS = 5 * 60_000;

/** Whether a post's text on the platform is the text Reach sent. */
export const sameText = (platformText: string | undefined, sent: string): boolean => comparableText(platformText ?? '') === comparableText(sent);

/** Meta's `2024-05-01T12:00:00+0000` as epoch ms (NaN when absent or unreadable). */
export const metaTimeMs = (timestamp: string | undefined): number =>
  timestamp === undefined ? NaN : Date.parse(timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
