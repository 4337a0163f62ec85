/**
 * Finding posts that went out when the answer to `POST /2/tweets` was lost: the account's own
 * recent posts (replies included, since thread parts are replies), matched by text.
 *
 * X changes the text it stores: links become t.co links, media adds a trailing t.co link, and
 * `&`, `<`, `>` come back as HTML entities. Matching therefore compares the text without any URL,
 * entities decoded, NFC-normalised, with whitespace collapsed.
 * https://docs.x.com/x-api/users/get-posts
 */
import twitter from 'twitter-text';
import { callJson, type CallContext } from '../http';
import { ProviderError } from '../types';
import { failureFromPartialErrors } from './errors';
import { X_API_BASE } from './manifest';
import { ownTimelineSchema, type OwnPost } from './schemas';

/** Pages of 100 read at most: a crash is reconciled minutes later, not days. */
const MAX_PAGES = 3;
/** X and Reach clocks differ a little; a post may carry a `created_at` slightly before our mark. */
const CLOCK_SLACK_MS = 60_000;

const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The part of a post's text that survives X's rewriting. */
export const matchKey = (text: string): string => {
  let out = text.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m] ?? m).normalize('NFC');
  for (const url of twitter.extractUrls(out)) out = out.split(url).join(' ');
  return out.replace(/\s+/g, ' ').trim();
};

/** X's `start_time`: RFC 3339 to the second. */
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * GET /2/users/:id/tweets since an instant, newest first, replies included.
 * https://docs.x.com/x-api/users/get-posts
 */
export const ownPostsSince = async (ctx: CallContext, token: string, accountId: string, since: Date, now: Date): Promise<OwnPost[]> => {
  const posts: OwnPost[] = [];
  let next: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await callJson(
      ctx,
      {
        method: 'GET',
        url: `${X_API_BASE}/users/${encodeURIComponent(accountId)}/tweets`,
        query: {
          start_time: rfc3339(new Date(since.getTime() - CLOCK_SLACK_MS)),
          max_results: 100,
          'tweet.fields': 'created_at,referenced_tweets',
          pagination_token: next,
        },
        headers: { authorization: `Bearer ${token}` },
      },
      ownTimelineSchema,
    );
    if (!answer.data && answer.errors && answer.errors.length > 0) throw new ProviderError('x', failureFromPartialErrors(answer.errors, {}, now));
    posts.push(...(answer.data ?? []));
    next = answer.meta?.next_token;
    if (!next) break;
  }
  return posts;
};

/**
 * The earliest post that is this part: same text, not older than `since` (with slack), and a reply
 * to `replyTo` when the part must be one.
 */
export const findPart = (posts: readonly OwnPost[], text: string, replyTo: string | undefined, since: Date): OwnPost | undefined => {
  const key = matchKey(text);
  const earliest = since.getTime() - CLOCK_SLACK_MS;
  const candidates = posts.filter((p) => {
    if (matchKey(p.text ?? '') !== key) return false;
    if (p.created_at !== undefined && Date.parse(p.created_at) < earliest) return false;
    const repliedTo = p.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
    return replyTo === undefined ? repliedTo === undefined : repliedTo === replyTo;
  });
  // Numeric ids of different lengths: the shorter one is older.
  return candidates.sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
};
