/**
 * X metrics in one call per account: `GET /2/users/:id/tweets` with `expansions=author_id` returns
 * the recent posts with their public_metrics AND the author's own public_metrics in
 * `includes.users`. Only an account without posts (no `data`, so no `includes.users`) costs a
 * second call, `GET /2/users/me`, for its counts.
 * https://docs.x.com/x-api/users/get-posts · https://docs.x.com/x-api/users/get-my-user
 */
import { callJson, type CallContext } from '../http';
import { perAccountMetrics } from '../metrics';
import type { MetricsClient, MetricsOutcome, MetricsTarget } from '../types';
import { ProviderError } from '../types';
import { fetchMe } from './accounts';
import { failureFromPartialErrors, redact } from './errors';
import { X_API_BASE, X_RECENT_SAMPLE } from './manifest';
import { timelineAnswerSchema, type TimelineAnswer, type XPost, type XUser } from './schemas';

/** What one account's sync yields (the use case stamps the instant). */
export type XSnapshot = Extract<MetricsOutcome, { ok: true }>['snapshot'];

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Account-level figures from a user object (either `tweet_count` or the newer `post_count`). */
export const snapshotFromUser = (user: XUser): XSnapshot => {
  const m = user.public_metrics;
  const posts = m?.tweet_count ?? m?.post_count;
  const verified = user.verified ?? (user.verified_type !== undefined ? user.verified_type !== 'none' : undefined);
  const extra: Record<string, number> = {};
  if (m?.listed_count !== undefined) extra['listed'] = m.listed_count;
  if (m?.media_count !== undefined) extra['media'] = m.media_count;
  return {
    ...(m && { followers: m.followers_count, following: m.following_count }),
    ...(posts !== undefined && { posts }),
    ...(verified !== undefined && { verified }),
    ...(Object.keys(extra).length > 0 && { extra }),
  };
};

/**
 * Average engagement over the posts that carry public_metrics: likes, comments (replies), shares
 * (reposts + quotes) and views (impressions). Undefined when no post has metrics.
 */
export const recentEngagement = (posts: readonly XPost[]): XSnapshot['recent'] => {
  const measured = posts.flatMap((p) => (p.public_metrics ? [p.public_metrics] : []));
  if (measured.length === 0) return undefined;
  const sum = (f: (m: (typeof measured)[number]) => number) => measured.reduce((acc, m) => acc + f(m), 0);
  const n = measured.length;
  return {
    sampleSize: n,
    likes: round2(sum((m) => m.like_count) / n),
    comments: round2(sum((m) => m.reply_count) / n),
    shares: round2(sum((m) => m.retweet_count + (m.quote_count ?? 0)) / n),
    views: round2(sum((m) => m.impression_count ?? 0) / n),
  };
};

/**
 * Reads one timeline answer: a snapshot when the author came along in `includes.users`,
 * `needsProfile` when the account has no posts, a failure when X sent only `errors[]`.
 */
export const readTimeline = (
  answer: TimelineAnswer,
  accountId: string,
  now: Date,
): { readonly snapshot: XSnapshot } | { readonly needsProfile: true; readonly recent?: XSnapshot['recent'] } | { readonly failure: ReturnType<typeof failureFromPartialErrors> } => {
  const posts = answer.data ?? [];
  if (posts.length === 0 && answer.errors && answer.errors.length > 0) return { failure: failureFromPartialErrors(answer.errors, {}, now) };
  const recent = recentEngagement(posts);
  const author = answer.includes?.users?.find((u) => u.id === accountId);
  if (!author) return { needsProfile: true, ...(recent !== undefined && { recent }) };
  return { snapshot: { ...snapshotFromUser(author), ...(recent !== undefined && { recent }) } };
};

export const createXMetrics = (ctx: CallContext, now: () => Date): MetricsClient => {
  /** GET /2/users/:id/tweets (https://docs.x.com/x-api/users/get-posts), then /2/users/me only without posts. */
  const one = async (target: MetricsTarget): Promise<XSnapshot> => {
    const answer = await callJson(
      ctx,
      {
        method: 'GET',
        url: `${X_API_BASE}/users/${encodeURIComponent(target.platformAccountId)}/tweets`,
        query: {
          max_results: X_RECENT_SAMPLE,
          exclude: 'replies,retweets',
          'tweet.fields': 'created_at,public_metrics',
          expansions: 'author_id',
          'user.fields': 'public_metrics,verified,verified_type',
        },
        headers: { authorization: `Bearer ${target.tokens.accessToken}` },
      },
      timelineAnswerSchema,
    );
    const read = readTimeline(answer, target.platformAccountId, now());
    if ('failure' in read) throw new ProviderError('x', read.failure);
    if ('snapshot' in read) return read.snapshot;
    // No posts, so no author expansion: the counts need the profile call.
    const me = await fetchMe(ctx, target.tokens.accessToken, 'public_metrics,verified,verified_type', now());
    return { ...snapshotFromUser(me), ...(read.recent !== undefined && { recent: read.recent }) };
  };

  // Each call carries one user's token, so one account per call; accounts are read one after
  // another, and a failing account never fails the others.
  return perAccountMetrics((target) => one(target), {
    sequential: true,
    unexpected: (err) => ({ kind: 'transient', code: 'unexpected', message: redact(err instanceof Error ? err.message : String(err)) }),
  });
};
