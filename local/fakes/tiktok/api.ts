/**
 * The fake TikTok Display API on open.tiktokapis.com: user info, video list and video query, with
 * the bearer token checked on every call, per-field scopes, and the per-token, per-endpoint
 * one-minute sliding windows (no rate-limit headers, as TikTok sends none).
 * https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-list
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-query
 * https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit
 */
import type { FakeContext, FakeHandler, FakeRequest, FakeResponse } from '../framework';
import type { AccessEntry, FakeOAuthStore } from '../oauth-store';
import { renderUser, renderVideo, USER_FIELD_SCOPES, VIDEO_FIELDS, videosNewestFirst, type FakeVideo, type TiktokFakeAccount } from './accounts';
import { invalidParams, ok, rateLimited, scopeNotAuthorized, tokenInvalid } from './responses';

/** Requests per access token per endpoint per minute. */
export interface TiktokRateLimits {
  readonly userInfo: number;
  readonly videoList: number;
  readonly videoQuery: number;
  readonly creatorInfo: number;
  readonly videoInit: number;
  readonly inboxInit: number;
  readonly contentInit: number;
  readonly statusFetch: number;
}

/**
 * The documented limits: 600 per minute for each Display API endpoint; 20 for creator_info, 6 for
 * each init endpoint and 30 for status/fetch (https://developers.tiktok.com/doc/content-posting-api-reference-direct-post).
 */
export const DEFAULT_RATE_LIMITS: TiktokRateLimits = {
  userInfo: 600,
  videoList: 600,
  videoQuery: 600,
  creatorInfo: 20,
  videoInit: 6,
  inboxInit: 6,
  contentInit: 6,
  statusFetch: 30,
};

export interface TiktokApiState {
  readonly store: FakeOAuthStore;
  readonly limits: TiktokRateLimits;
  /** Request instants (ms) per `endpoint token`, for the sliding windows. */
  readonly windows: Map<string, number[]>;
  accountById(openId: string): TiktokFakeAccount | undefined;
  /** Videos published through the fake that are public by `now`, newest first. */
  postedVideos(openId: string, now: Date): FakeVideo[];
}

const WINDOW_MS = 60_000;

/** The bearer token of the `Authorization` header: TikTok takes no token in the query. */
const bearerOf = (req: FakeRequest): string | undefined => /^Bearer\s+(.+)$/i.exec(req.headers['authorization'] ?? '')?.[1]?.trim();

/** True when one more call fits in the token's window for this endpoint (and counts it). */
const admit = (state: TiktokApiState, endpoint: keyof TiktokRateLimits, token: string, now: Date): boolean => {
  const key = `${endpoint} ${token}`;
  const since = now.getTime() - WINDOW_MS;
  const recent = (state.windows.get(key) ?? []).filter((t) => t > since);
  if (recent.length >= state.limits[endpoint]) {
    state.windows.set(key, recent);
    return false;
  }
  recent.push(now.getTime());
  state.windows.set(key, recent);
  return true;
};

export type Authorized = (
  req: FakeRequest,
  now: Date,
  grant: AccessEntry,
  account: TiktokFakeAccount,
  ctx: FakeContext,
) => FakeResponse | Promise<FakeResponse>;

/** Checks the token (present, known, live, a user's) and the window, then runs the handler. */
export const authorized =
  (state: TiktokApiState, endpoint: keyof TiktokRateLimits, handler: Authorized): FakeHandler =>
  (req: FakeRequest, ctx: FakeContext) => {
    const now = ctx.now();
    const token = bearerOf(req);
    const check = state.store.checkAccess(token, now);
    if (!check.ok || token === undefined) return tokenInvalid(now);
    const account = state.accountById(check.entry.accountId);
    if (!account) return tokenInvalid(now);
    if (!admit(state, endpoint, token, now)) return rateLimited(now);
    return handler(req, now, check.entry, account, ctx);
  };

const fieldsOf = (req: FakeRequest): string[] =>
  (req.query.get('fields') ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);

/** Reads a JSON object body; undefined when it is not one. */
export const jsonObject = (req: FakeRequest): Record<string, unknown> | undefined => {
  if (req.text.trim() === '') return {};
  const body = req.json();
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
};

/** Checks `fields` against the known fields and the scope each needs. */
const checkVideoFields = (grant: AccessEntry, fields: readonly string[], now: Date): FakeResponse | undefined => {
  if (!grant.scopes.includes('video.list')) return scopeNotAuthorized('video.list', now);
  if (fields.length === 0) return invalidParams('fields is required.', now);
  const unknown = fields.find((f) => !VIDEO_FIELDS.has(f));
  return unknown ? invalidParams(`Invalid field: ${unknown}.`, now) : undefined;
};

/** The account's public videos, seeded and published through the fake, newest first. */
const allVideos = (state: TiktokApiState, account: TiktokFakeAccount, now: Date): FakeVideo[] =>
  [...state.postedVideos(account.openId, now), ...videosNewestFirst(account, now)].sort((a, b) => b.createTime - a.createTime);

/** GET /v2/user/info/?fields=…: every field needs its scope, or the whole call fails. */
export const userInfo = (state: TiktokApiState): FakeHandler =>
  authorized(state, 'userInfo', (req, now, grant, account) => {
    const fields = fieldsOf(req);
    if (fields.length === 0) return invalidParams('fields is required.', now);
    for (const f of fields) {
      const scope = USER_FIELD_SCOPES[f];
      if (scope === undefined) return invalidParams(`Invalid field: ${f}.`, now);
      if (!grant.scopes.includes(scope)) return scopeNotAuthorized(scope, now);
    }
    return ok({ user: renderUser(account, fields, now, state.postedVideos(account.openId, now).length) }, now);
  });

/**
 * POST /v2/video/list/?fields=… body `{max_count ≤ 20, cursor?}`: public videos newest first;
 * `cursor` is the creation instant (epoch ms) of the page's oldest video, to pass for the next page.
 */
export const videoList = (state: TiktokApiState): FakeHandler =>
  authorized(state, 'videoList', (req, now, grant, account) => {
    const fields = fieldsOf(req);
    const bad = checkVideoFields(grant, fields, now);
    if (bad) return bad;
    const body = jsonObject(req);
    if (!body) return invalidParams('The request body must be a JSON object.', now);
    const maxCount = body['max_count'] ?? 10;
    if (typeof maxCount !== 'number' || !Number.isInteger(maxCount) || maxCount < 1 || maxCount > 20) {
      return invalidParams('max_count must be an integer from 1 to 20.', now);
    }
    const cursor = body['cursor'];
    if (cursor !== undefined && (typeof cursor !== 'number' || !Number.isInteger(cursor) || cursor < 0)) {
      return invalidParams('cursor must be an epoch time in milliseconds.', now);
    }
    const older = allVideos(state, account, now).filter((v) => cursor === undefined || v.createTime * 1000 < cursor);
    const page = older.slice(0, maxCount);
    const last = page[page.length - 1];
    return ok(
      {
        videos: page.map((v) => renderVideo(account, v, fields, now)),
        cursor: last ? last.createTime * 1000 : (cursor ?? 0),
        has_more: older.length > page.length,
      },
      now,
    );
  });

/** POST /v2/video/query/?fields=… body `{filters:{video_ids:[≤ 20]}}`: the user's own videos by id. */
export const videoQuery = (state: TiktokApiState): FakeHandler =>
  authorized(state, 'videoQuery', (req, now, grant, account) => {
    const fields = fieldsOf(req);
    const bad = checkVideoFields(grant, fields, now);
    if (bad) return bad;
    const filters = jsonObject(req)?.['filters'];
    const ids = filters !== null && typeof filters === 'object' ? (filters as Record<string, unknown>)['video_ids'] : undefined;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20 || !ids.every((id) => typeof id === 'string')) {
      return invalidParams('filters.video_ids must list 1 to 20 video ids.', now);
    }
    const wanted = new Set(ids as string[]);
    const found = allVideos(state, account, now).filter((v) => wanted.has(v.id));
    return ok({ videos: found.map((v) => renderVideo(account, v, fields, now)) }, now);
  });
