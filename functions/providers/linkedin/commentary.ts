/**
 * Post commentary in LinkedIn's "little text" format
 * (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format).
 *
 * The characters `\ | { } @ [ ] ( ) < > # * _ ~` are reserved for little's elements (mentions,
 * hashtags, templates). Left bare, LinkedIn does not refuse the post: it cuts the commentary at the
 * first one it cannot parse, so a post "succeeds" showing half its text. Every reserved character is
 * therefore escaped with a backslash, except the `#` of a hashtag, which becomes little's hashtag
 * template `{hashtag|\#|tag}` so that it stays a clickable hashtag.
 */

/** Little's reserved characters. */
export const RESERVED = new Set(['\\', '|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '*', '_', '~']);

/**
 * A hashtag as LinkedIn's composer makes one: `#` after the start or a non-word character,
 * followed by letters, marks and digits (LinkedIn hashtags take no punctuation, not even `_`).
 */
const HASHTAG = /(^|[^\p{L}\p{M}\p{N}_&/])#([\p{L}\p{M}\p{N}]+)/gu;

const escapeChars = (text: string): string => {
  let out = '';
  for (const ch of text) out += RESERVED.has(ch) ? `\\${ch}` : ch;
  return out;
};

/** The hashtags of a text, without their `#`, in order. */
export const hashtagsOf = (text: string): string[] => [...text.matchAll(HASHTAG)].map((m) => m[2]!);

/** Turns plain text into little text: reserved characters escaped, hashtags kept as hashtag templates. */
export const toLittleText = (text: string): string => {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(HASHTAG)) {
    const hashAt = m.index + m[1]!.length;
    out += escapeChars(text.slice(last, hashAt));
    out += `{hashtag|\\#|${m[2]!}}`;
    last = hashAt + 1 + m[2]!.length;
  }
  return out + escapeChars(text.slice(last));
};

/** Characters as people count them (code points), which is how the 3,000 limit reads in LinkedIn's composer. */
export const characterCount = (text: string): number => [...text].length;
