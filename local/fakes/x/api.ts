/**
 * The fake X API v2 user routes: `GET /2/users/me`, `GET /2/users/:id`, `GET /2/users/:id/tweets`.
 * Every answer checks the bearer token and scopes, validates the query as X does (unknown fields
 * are a 400), and carries the x-rate-limit-* headers of a real 15-minute window per user.
 * https://docs.x.com/x-api/users/get-my-user · https://docs.x.com/x-api/users/get-posts
 */
import type { FakeContext, FakeRequest, FakeResponse } from '../framework';
import type { FakeOAuthStore } from '../oauth-store';
import { recentPosts, renderPost, renderUser, postCount, type PostCountField, type XFakeAccount } from './accounts';
import { forbidden, invalidParameter, rateHeaders, rateLimitedProblem, unauthorized, userNotFound, type RateWindow } from './responses';

/** Documented `user.fields` values (the fake renders a subset; the rest are accepted and left out). */
const USER_FIELDS = new Set([
  'affiliation', 'connection_status', 'created_at', 'description', 'entities', 'id', 'is_identity_verified', 'location',
  'most_recent_tweet_id', 'name', 'parody', 'pinned_tweet_id', 'profile_banner_url', 'profile_image_url', 'protected',
  'public_metrics', 'receives_your_dm', 'subscription', 'subscription_type', 'url', 'username', 'verified',
  'verified_followers_count', 'verified_type', 'withheld',
]);

/** Documented `tweet.fields` values. */
export const TWEET_FIELDS = new Set([
  'article', 'attachments', 'author_id', 'card_uri', 'community_id', 'context_annotations', 'conversation_id', 'created_at',
  'display_text_range', 'edit_controls', 'edit_history_tweet_ids', 'entities', 'geo', 'id', 'in_reply_to_user_id', 'lang',
  'media_metadata', 'non_public_metrics', 'note_tweet', 'organic_metrics', 'possibly_sensitive', 'promoted_metrics',
  'public_metrics', 'referenced_tweets', 'reply_settings', 'scopes', 'source', 'suggested_source_links', 'text', 'withheld',
]);

export const TWEET_EXPANSIONS = new Set([
  'article.cover_media', 'article.media_entities', 'attachments.media_keys', 'attachments.media_source_tweet', 'attachments.poll_ids',
  'author_id', 'edit_history_tweet_ids', 'entities.mentions.username', 'geo.place_id', 'in_reply_to_user_id',
  'entities.note.mentions.username', 'referenced_tweets.id', 'referenced_tweets.id.attachments.media_keys', 'referenced_tweets.id.author_id',
]);

const USER_EXPANSIONS = new Set(['affiliation.user_id', 'most_recent_tweet_id', 'pinned_tweet_id']);

const WINDOW_SECONDS = 900;

/** Documented per-user limits per 15 minutes (https://docs.x.com/x-api/fundamentals/rate-limits). */
export interface XRateLimits {
  readonly usersMe: number;
  readonly usersById: number;
  readonly userTweets: number;
  readonly createTweet: number;
  readonly deleteTweet: number;
  readonly tweetsLookup: number;
  /** All media upload commands together. */
  readonly mediaUpload: number;
}

export const DEFAULT_RATE_LIMITS: XRateLimits = {
  usersMe: 75,
  usersById: 900,
  userTweets: 900,
  createTweet: 100,
  deleteTweet: 50,
  tweetsLookup: 5000,
  mediaUpload: 500,
};

/** A post of the account's timeline, whatever made it (seeded history or a post published through the API). */
export interface TimelineEntry {
  readonly id: string;
  readonly createdAt: string;
  readonly isReply: boolean;
  render(fields: ReadonlySet<string>): Record<string, unknown>;
}

export interface XApiState {
  readonly store: FakeOAuthStore;
  readonly accountsById: ReadonlyMap<string, XFakeAccount>;
  readonly windows: Map<string, { startMs: number; count: number }>;
  readonly limits: XRateLimits;
  readonly postCountField: PostCountField;
  /** Posts published through the fake's API, newest first, for the account's timeline and counts. */
  readonly published: (account: XFakeAccount, now: Date) => readonly TimelineEntry[];
}

export type Parsed = { ok: true; values: Set<string> } | { ok: false; response: FakeResponse };

/** Parses a comma-separated list parameter against its documented values. */
export const listParam = (req: FakeRequest, names: readonly string[], allowed: ReadonlySet<string>): Parsed => {
  const values = new Set<string>();
  for (const name of names) {
    const raw = req.query.get(name);
    if (raw === null) continue;
    for (const v of raw.split(',')) {
      if (!allowed.has(v)) {
        return {
          ok: false,
          response: invalidParameter(name, raw, `The \`${name}\` query parameter value [${v}] is not one of [${[...allowed].join(',')}]`),
        };
      }
      values.add(v);
    }
  }
  return { ok: true, values };
};

/** Counts a call in the user's window for `route`; a 429 once the window is spent. */
const countCall = (state: XApiState, route: keyof XRateLimits, accountId: string, now: Date): { ok: true; window: RateWindow } | { ok: false; response: FakeResponse } => {
  const key = `${route}:${accountId}`;
  const limit = state.limits[route];
  let w = state.windows.get(key);
  if (!w || now.getTime() >= w.startMs + WINDOW_SECONDS * 1000) {
    w = { startMs: now.getTime(), count: 0 };
    state.windows.set(key, w);
  }
  const reset = Math.ceil(w.startMs / 1000) + WINDOW_SECONDS;
  if (w.count >= limit) return { ok: false, response: rateLimitedProblem({ limit, remaining: 0, reset }) };
  w.count += 1;
  return { ok: true, window: { limit, remaining: limit - w.count, reset } };
};

export type Authorized = { ok: true; account: XFakeAccount; window: RateWindow } | { ok: false; response: FakeResponse };

const READ_SCOPES = ['tweet.read', 'users.read'] as const;

/** Bearer check (401 when missing, unknown, expired or revoked), scope check (403), then the window. */
export const authorize = (
  state: XApiState,
  req: FakeRequest,
  ctx: FakeContext,
  route: keyof XRateLimits,
  scopes: readonly string[] = READ_SCOPES,
): Authorized => {
  const now = ctx.now();
  const access = state.store.checkAccess(req.bearer(), now);
  if (!access.ok) return { ok: false, response: unauthorized() };
  const account = state.accountsById.get(access.entry.accountId);
  if (!account) return { ok: false, response: unauthorized() };
  if (!scopes.every((s) => access.entry.scopes.includes(s))) return { ok: false, response: forbidden() };
  const counted = countCall(state, route, account.id, now);
  if (!counted.ok) return counted;
  return { ok: true, account, window: counted.window };
};

export const ok = (window: RateWindow, body: unknown): FakeResponse => ({ status: 200, headers: rateHeaders(window), body });

/** GET /2/users/me */
export const usersMe = (state: XApiState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const fields = listParam(req, ['user.fields'], USER_FIELDS);
  if (!fields.ok) return fields.response;
  const expansions = listParam(req, ['expansions'], USER_EXPANSIONS);
  if (!expansions.ok) return expansions.response;
  const auth = authorize(state, req, ctx, 'usersMe');
  if (!auth.ok) return auth.response;
  return ok(auth.window, { data: renderUser(auth.account, fields.values, ctx.now(), state.postCountField, state.published(auth.account, ctx.now()).length) });
};

/** GET /2/users/:id */
export const userById = (state: XApiState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const id = req.params['id'] ?? '';
  if (!/^[0-9]{1,19}$/.test(id)) return invalidParameter('id', id, `The \`id\` query parameter value [${id}] does not match ^[0-9]{1,19}$`);
  const fields = listParam(req, ['user.fields'], USER_FIELDS);
  if (!fields.ok) return fields.response;
  const auth = authorize(state, req, ctx, 'usersById');
  if (!auth.ok) return auth.response;
  const account = state.accountsById.get(id);
  if (!account) return { ...userNotFound(id), headers: rateHeaders(auth.window) };
  return ok(auth.window, { data: renderUser(account, fields.values, ctx.now(), state.postCountField, state.published(account, ctx.now()).length) });
};

const pageToken = (offset: number): string => `7140dibdnow9c7bt${offset.toString(32).padStart(6, '0')}`;
const parsePageToken = (token: string): number | undefined => {
  const m = /^7140dibdnow9c7bt([0-9a-v]{6})$/.exec(token);
  return m ? parseInt(m[1]!, 32) : undefined;
};

/** Parses an RFC 3339 instant parameter (`start_time`, `end_time`); undefined when absent. */
const timeParam = (req: FakeRequest, name: string): { ok: true; ms?: number } | { ok: false; response: FakeResponse } => {
  const raw = req.query.get(name);
  if (raw === null) return { ok: true };
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) return { ok: false, response: invalidParameter(name, raw, `The \`${name}\` query parameter value [${raw}] is not a valid RFC 3339 timestamp (YYYY-MM-DDTHH:mm:ssZ)`) };
  return { ok: true, ms };
};

/** The seeded history and the published posts of an account, newest first. */
const timelineOf = (state: XApiState, author: XFakeAccount, now: Date): TimelineEntry[] => {
  const seeded: TimelineEntry[] = recentPosts(author, now, 0, postCount(author, now)).map((p) => ({
    id: p.id,
    createdAt: p.createdAt,
    isReply: false,
    render: (fields) => renderPost(p, fields),
  }));
  return [...state.published(author, now), ...seeded].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (b.id.length - a.id.length || (b.id > a.id ? 1 : -1)));
};

/**
 * GET /2/users/:id/tweets — newest first, with `includes.users` when `expansions=author_id`;
 * `start_time`/`end_time` bound it, `exclude` drops replies or reposts.
 */
export const userTweets = (state: XApiState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const id = req.params['id'] ?? '';
  if (!/^[0-9]{1,19}$/.test(id)) return invalidParameter('id', id, `The \`id\` query parameter value [${id}] does not match ^[0-9]{1,19}$`);
  const maxRaw = req.query.get('max_results');
  const max = maxRaw === null ? 10 : Number(maxRaw);
  if (!Number.isInteger(max) || max < 5 || max > 100) {
    return invalidParameter('max_results', maxRaw ?? '', `The \`max_results\` query parameter value [${maxRaw ?? ''}] is not between 5 and 100`);
  }
  const exclude = listParam(req, ['exclude'], new Set(['replies', 'retweets']));
  if (!exclude.ok) return exclude.response;
  // Both spellings exist in X's documents (`tweet.fields`, and `post.fields` in OpenAPI 2.167).
  const tweetFields = listParam(req, ['tweet.fields', 'post.fields'], TWEET_FIELDS);
  if (!tweetFields.ok) return tweetFields.response;
  const userFields = listParam(req, ['user.fields'], USER_FIELDS);
  if (!userFields.ok) return userFields.response;
  const expansions = listParam(req, ['expansions'], TWEET_EXPANSIONS);
  if (!expansions.ok) return expansions.response;
  const start = timeParam(req, 'start_time');
  if (!start.ok) return start.response;
  const end = timeParam(req, 'end_time');
  if (!end.ok) return end.response;
  const tokenRaw = req.query.get('pagination_token');
  const offset = tokenRaw === null ? 0 : parsePageToken(tokenRaw);
  if (offset === undefined) return invalidParameter('pagination_token', tokenRaw ?? '', `The \`pagination_token\` query parameter value [${tokenRaw}] is not valid`);

  const auth = authorize(state, req, ctx, 'userTweets');
  if (!auth.ok) return auth.response;
  const author = state.accountsById.get(id);
  if (!author) return { ...userNotFound(id), headers: rateHeaders(auth.window) };

  const now = ctx.now();
  const all = timelineOf(state, author, now).filter(
    (p) =>
      !(exclude.values.has('replies') && p.isReply) &&
      (start.ms === undefined || Date.parse(p.createdAt) >= start.ms) &&
      (end.ms === undefined || Date.parse(p.createdAt) < end.ms),
  );
  const posts = all.slice(offset, offset + max);
  if (posts.length === 0) return ok(auth.window, { meta: { result_count: 0 } });
  const hasMore = offset + posts.length < all.length;
  return ok(auth.window, {
    data: posts.map((p) => p.render(tweetFields.values)),
    ...(expansions.values.has('author_id') && {
      includes: { users: [renderUser(author, userFields.values, now, state.postCountField, state.published(author, now).length)] },
    }),
    meta: {
      result_count: posts.length,
      newest_id: posts[0]!.id,
      oldest_id: posts[posts.length - 1]!.id,
      ...(hasMore && { next_token: pageToken(offset + posts.length) }),
    },
  });
};
