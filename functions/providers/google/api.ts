/**
 * Small helpers every Google JSON API call shares: the bearer header, paging through
 * `nextPageToken`, and turning a thrown platform failure into one account's outcome.
 */
import type { TokenSet } from '../../core/model/tokens';
import type { MetricsOutcome } from '../types';
import { ProviderError } from '../types';

/** The `Authorization` header Google APIs expect for a user's access token. */
export const bearer = (tokens: Pick<TokenSet, 'accessToken'>): Record<string, string> => ({
  authorization: `Bearer ${tokens.accessToken}`,
});

/** Stops a platform that keeps answering a `nextPageToken` from looping forever. */
export const MAX_PAGES = 50;

/**
 * Collects every page of a list call: `read(pageToken)` returns one page's items and the next
 * token (https://cloud.google.com/apis/design/design_patterns#list_pagination).
 */
export const allPages = async <T>(read: (pageToken: string | undefined) => Promise<{ items: readonly T[]; next?: string | undefined }>): Promise<T[]> => {
  const out: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await read(token);
    out.push(...items);
    if (!next) break;
    token = next;
  }
  return out;
};

/** One account's failed outcome from a classified platform failure; anything else is a bug and rethrown. */
export const failedOutcome = (platformAccountId: string, err: unknown): MetricsOutcome => {
  if (err instanceof ProviderError) return { platformAccountId, ok: false, failure: err.failure };
  throw err;
};
