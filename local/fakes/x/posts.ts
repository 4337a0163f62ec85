/**
 * The fake X posts: `POST /2/tweets` with X's checks (weighted length, media rules, duplicate
 * content, reply targets), `DELETE /2/tweets/:id`, and the lookups `GET /2/tweets?ids=` and
 * `GET /2/tweets/:id` with public, non-public and organic metrics. Published posts join the
 * account's timeline, and their metrics grow with the fakes' clock.
 * https://docs.x.com/x-api/posts/create-post · https://docs.x.com/x-api/posts/get-posts-by-ids · https://docs.x.com/x-api/fundamentals/metrics
 */
import twitter from 'twitter-text';
import { audienceAt, unit } from '../audience';
import type { FakeContext, FakeRequest, FakeResponse } from '../framework';
import { accountIdFor, postAt, postCount, renderPost, type FakePost, type XFakeAccount } from './accounts';
import { authorize, listParam, ok, TWEET_EXPANSIONS, TWEET_FIELDS, type TimelineEntry, type XApiState } from './api';
import { attachable, badRequest, type FakeMedia, type XMediaState } from './media';
import { PROBLEM_BASE, rateHeaders } from './responses';

const DAY_MS = 86_400_000;
const AUDIENCE_EPOCH_MS = 20_000 * DAY_MS;
const SNOWFLAKE_EPOCH = 1_288_834_974_657n;
const PRIVATE_WINDOW_MS = 30 * DAY_MS;
const DUPLICATE_WINDOW_MS = DAY_MS;
const WRITE_SCOPES = ['tweet.read', 'tweet.write', 'users.read'] as const;
const REPLY_SETTINGS = new Set(['following', 'mentionedUsers', 'subscribers', 'verified']);
const MEDIA_FIELDS = new Set(['alt_text', 'duration_ms', 'height', 'media_key', 'non_public_metrics', 'organic_metrics', 'preview_image_url', 'promoted_metrics', 'public_metrics', 'type', 'url', 'variants', 'width']);
const PRIVATE_FIELDS = ['non_public_metrics', 'organic_metrics', 'promoted_metrics'] as const;
/** `POST /2/tweets` per app per 24 hours (x-app-limit-24hour-*). */
const APP_DAILY_LIMIT = 10_000;

export interface PublishedPost {
  readonly id: string;
  readonly authorId: string;
  /** As X stores it: t.co links, HTML entities, a trailing media link. */
  readonly text: string;
  /** As it was sent, for the duplicate check. */
  readonly sentText: string;
  readonly createdAt: string;
  readonly media: readonly FakeMedia[];
  readonly replyTo?: string;
  readonly quoteOf?: string;
  readonly replySettings: string;
  readonly poll?: { readonly options: readonly string[]; readonly durationMinutes: number };
  readonly hasLink: boolean;
  deleted: boolean;
}

export interface XPostsState {
  readonly api: XApiState;
  readonly media: XMediaState;
  /** Published posts by id, in publishing order. */
  readonly posts: Map<string, PublishedPost>;
  readonly daily: { startMs: number; count: number };
  /** Called after a post is created or deleted (the fake's own webhooks hang here). */
  onChange(post: PublishedPost, change: 'create' | 'delete', ctx: FakeContext): void;
}

/** A snowflake id at `now` (X ids carry their creation instant). */
export const snowflake = (now: Date, sequence: number): string => (((BigInt(now.getTime()) - SNOWFLAKE_EPOCH) << 22n) | BigInt(sequence & 0x3f_ffff)).toString();

const tco = (seed: string): string => `https://t.co/${Buffer.from(seed).toString('base64url').replace(/[^A-Za-z0-9]/g, '').slice(-10).padStart(10, 'x')}`;

/** The text the way X returns it: links shortened, `&<>` escaped, media as a trailing link. */
export const storedText = (text: string, id: string, hasMedia: boolean): string => {
  let out = text;
  twitter.extractUrls(text).forEach((url, i) => (out = out.split(url).join(tco(`${id}:${i}`))));
  out = out.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return hasMedia ? `${out}${out ? ' ' : ''}${tco(`${id}:media`)}` : out;
};

/** Metrics of a published post at `now`: nothing at first, then growing over the following hours. */
export const publishedMetrics = (post: PublishedPost, author: XFakeAccount, now: Date) => {
  const hours = Math.max(0, now.getTime() - Date.parse(post.createdAt)) / 3_600_000;
  const grow = 1 - Math.exp(-hours / 6);
  const per = audienceAt(author.name, now).perPost;
  const f = (0.5 + unit(`x-post:${post.id}`)) * grow;
  const impressions = Math.round(per.views * f);
  const likes = Math.round(per.likes * f);
  const shares = Math.round(per.shares * f);
  const retweets = Math.round(shares * 0.7);
  const replies = Math.round(per.comments * f);
  const linkClicks = post.hasLink ? Math.round(impressions * 0.012) : 0;
  const profileClicks = Math.round(impressions * 0.004);
  return {
    public_metrics: {
      retweet_count: retweets,
      reply_count: replies,
      like_count: likes,
      quote_count: shares - retweets,
      bookmark_count: Math.round(likes * 0.08),
      impression_count: impressions,
    },
    non_public_metrics: { impression_count: impressions, url_link_clicks: linkClicks, user_profile_clicks: profileClicks, engagements: likes + replies + shares + linkClicks + profileClicks },
    organic_metrics: { impression_count: impressions, like_count: likes, reply_count: replies, retweet_count: retweets, url_link_clicks: linkClicks, user_profile_clicks: profileClicks },
    videoViews: Math.round(impressions * 0.6),
  };
};

/** A post the lookups can render: published through the API, or from the seeded history. */
interface Found {
  readonly id: string;
  readonly authorId: string;
  readonly createdAt: string;
  readonly published?: PublishedPost;
  readonly seeded?: FakePost;
}

const seededById = (accounts: Iterable<XFakeAccount>, id: string, now: Date): { post: FakePost; author: XFakeAccount } | undefined => {
  if (!/^[0-9]{1,19}$/.test(id)) return undefined;
  const createdMs = Number((BigInt(id) >> 22n) + SNOWFLAKE_EPOCH);
  const k = Math.round((createdMs - AUDIENCE_EPOCH_MS + 6 * 3_600_000) / (3 * DAY_MS)) + 19;
  for (const author of accounts) {
    if (k < 0 || k >= postCount(author, now)) continue;
    const post = postAt(author, k);
    if (post.id === id) return { post, author };
  }
  return undefined;
};

const find = (state: XPostsState, id: string, now: Date): Found | undefined => {
  const p = state.posts.get(id);
  if (p) return p.deleted ? undefined : { id, authorId: p.authorId, createdAt: p.createdAt, published: p };
  const seeded = seededById(state.api.accountsById.values(), id, now);
  return seeded ? { id, authorId: seeded.author.id, createdAt: seeded.post.createdAt, seeded: seeded.post } : undefined;
};

const mediaType: Readonly<Record<FakeMedia['kind'], string>> = { photo: 'photo', animated_gif: 'animated_gif', video: 'video' };

/** A published post with exactly the requested fields. */
const renderPublished = (state: XPostsState, p: PublishedPost, fields: ReadonlySet<string>, now: Date): Record<string, unknown> => {
  const author = state.api.accountsById.get(p.authorId)!;
  const metrics = publishedMetrics(p, author, now);
  const out: Record<string, unknown> = { id: p.id, text: p.text, edit_history_tweet_ids: [p.id] };
  if (fields.has('created_at')) out['created_at'] = p.createdAt;
  if (fields.has('author_id')) out['author_id'] = p.authorId;
  if (fields.has('conversation_id')) out['conversation_id'] = conversationOf(state, p);
  if (fields.has('reply_settings')) out['reply_settings'] = p.replySettings;
  if (fields.has('attachments') && p.media.length > 0) out['attachments'] = { media_keys: p.media.map((m) => m.key) };
  if (fields.has('referenced_tweets') && (p.replyTo || p.quoteOf)) {
    out['referenced_tweets'] = [...(p.replyTo ? [{ type: 'replied_to', id: p.replyTo }] : []), ...(p.quoteOf ? [{ type: 'quoted', id: p.quoteOf }] : [])];
  }
  if (fields.has('in_reply_to_user_id') && p.replyTo) out['in_reply_to_user_id'] = find(state, p.replyTo, now)?.authorId;
  if (fields.has('public_metrics')) out['public_metrics'] = metrics.public_metrics;
  if (fields.has('non_public_metrics')) out['non_public_metrics'] = metrics.non_public_metrics;
  if (fields.has('organic_metrics')) out['organic_metrics'] = metrics.organic_metrics;
  return out;
};

const conversationOf = (state: XPostsState, p: PublishedPost): string => {
  let cur: PublishedPost | undefined = p;
  while (cur?.replyTo && state.posts.has(cur.replyTo)) cur = state.posts.get(cur.replyTo);
  return cur?.replyTo ?? cur?.id ?? p.id;
};

/** The account's published posts (not deleted), newest first, as timeline entries. */
export const publishedTimeline = (state: XPostsState, account: XFakeAccount, now: Date): TimelineEntry[] =>
  [...state.posts.values()]
    .filter((p) => p.authorId === account.id && !p.deleted && Date.parse(p.createdAt) <= now.getTime())
    .reverse()
    .map((p) => ({ id: p.id, createdAt: p.createdAt, isReply: p.replyTo !== undefined, render: (fields) => renderPublished(state, p, fields, now) }));

const forbiddenDetail = (detail: string): FakeResponse => ({
  status: 403,
  headers: { 'content-type': 'application/problem+json' },
  body: { detail, type: 'about:blank', title: 'Forbidden', status: 403 },
});

const dailyHeaders = (state: XPostsState, now: Date): Record<string, string> => {
  if (now.getTime() >= state.daily.startMs + DAY_MS) {
    state.daily.startMs = now.getTime();
    state.daily.count = 0;
  }
  return {
    'x-app-limit-24hour-limit': String(APP_DAILY_LIMIT),
    'x-app-limit-24hour-remaining': String(Math.max(0, APP_DAILY_LIMIT - state.daily.count)),
    'x-app-limit-24hour-reset': String(Math.ceil((state.daily.startMs + DAY_MS) / 1000)),
  };
};

interface CreateBody {
  text?: unknown;
  media?: { media_ids?: unknown; tagged_user_ids?: unknown };
  reply?: { in_reply_to_tweet_id?: unknown; exclude_reply_user_ids?: unknown };
  quote_tweet_id?: unknown;
  poll?: { options?: unknown; duration_minutes?: unknown };
  reply_settings?: unknown;
  made_with_ai?: unknown;
  paid_partnership?: unknown;
  card_uri?: unknown;
}

const KNOWN_BODY_KEYS = new Set([
  'text', 'media', 'reply', 'quote_tweet_id', 'poll', 'reply_settings', 'made_with_ai', 'paid_partnership', 'card_uri',
  'community_id', 'direct_message_deep_link', 'for_super_followers_only', 'geo', 'nullcast', 'share_with_followers',
]);

/** POST /2/tweets → 201 `{"data":{"id","text","edit_history_tweet_ids"}}`. */
export const createTweet = (state: XPostsState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = authorize(state.api, req, ctx, 'createTweet', WRITE_SCOPES);
  if (!auth.ok) return auth.response;
  const raw = req.json();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return badRequest('The request body is not valid JSON.');
  const unknown = Object.keys(raw).find((k) => !KNOWN_BODY_KEYS.has(k));
  if (unknown) return badRequest(`The body field [${unknown}] is not recognized.`, unknown);
  const body = raw as CreateBody;
  const now = ctx.now();
  const author = auth.account;

  const text = typeof body.text === 'string' ? body.text : '';
  if (body.text !== undefined && typeof body.text !== 'string') return badRequest('text must be a string', 'text');
  const mediaIds = body.media?.media_ids;
  if (mediaIds !== undefined && (!Array.isArray(mediaIds) || mediaIds.length < 1 || mediaIds.length > 4 || mediaIds.some((m) => typeof m !== 'string'))) {
    return badRequest('media.media_ids must hold 1 to 4 media ids', 'media.media_ids');
  }
  const attachments = [mediaIds !== undefined, body.poll !== undefined, body.quote_tweet_id !== undefined, body.card_uri !== undefined].filter(Boolean).length;
  if (attachments > 1) return badRequest('Only one of media, poll, quote_tweet_id and card_uri may be given.');
  if (text.trim() === '' && mediaIds === undefined) return badRequest('One of text or media is required.', 'text');

  const weighted = twitter.parseTweet(text.normalize('NFC')).weightedLength;
  if (weighted > 280) return forbiddenDetail('Tweet needs to be a bit shorter.');

  let replySettings = 'everyone';
  if (body.reply_settings !== undefined) {
    if (typeof body.reply_settings !== 'string' || !REPLY_SETTINGS.has(body.reply_settings)) return badRequest(`reply_settings must be one of [${[...REPLY_SETTINGS].join(', ')}]`, 'reply_settings');
    replySettings = body.reply_settings;
  }
  let poll: PublishedPost['poll'];
  if (body.poll !== undefined) {
    const options = body.poll.options;
    const minutes = body.poll.duration_minutes;
    if (!Array.isArray(options) || options.length < 2 || options.length > 4 || options.some((o) => typeof o !== 'string' || o.length < 1 || [...o].length > 25)) {
      return badRequest('poll.options must hold 2 to 4 choices of 1 to 25 characters', 'poll.options');
    }
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 5 || minutes > 10080) return badRequest('poll.duration_minutes must be between 5 and 10080', 'poll.duration_minutes');
    poll = { options: options as string[], durationMinutes: minutes };
  }
  let replyTo: string | undefined;
  if (body.reply !== undefined) {
    const target = body.reply.in_reply_to_tweet_id;
    if (typeof target !== 'string' || !find(state, target, now)) return forbiddenDetail('You attempted to reply to a Tweet that is deleted or not visible to you.');
    replyTo = target;
  }
  let quoteOf: string | undefined;
  if (body.quote_tweet_id !== undefined) {
    if (typeof body.quote_tweet_id !== 'string' || !find(state, body.quote_tweet_id, now)) return forbiddenDetail('You attempted to quote a Tweet that is deleted or not visible to you.');
    quoteOf = body.quote_tweet_id;
  }
  const media: FakeMedia[] = [];
  for (const id of (mediaIds ?? []) as string[]) {
    const check = attachable(state.media, id, author.id, now);
    if (!check.ok) return badRequest(check.reason, 'media.media_ids');
    media.push(check.media);
  }
  const kinds = media.map((m) => m.kind);
  if (kinds.some((k) => k !== 'photo') && media.length > 1) return badRequest('A post may carry up to 4 photos, or 1 animated GIF, or 1 video.', 'media.media_ids');

  const normalized = text.normalize('NFC').trim();
  const since = now.getTime() - DUPLICATE_WINDOW_MS;
  const duplicate =
    normalized !== '' &&
    [...state.posts.values()].some((p) => p.authorId === author.id && !p.deleted && Date.parse(p.createdAt) >= since && p.sentText === normalized);
  if (duplicate) return forbiddenDetail('You are not allowed to create a Tweet with duplicate content.');

  const daily = dailyHeaders(state, now);
  state.daily.count += 1;
  const id = state.media.nextId(now);
  const post: PublishedPost = {
    id,
    authorId: author.id,
    text: storedText(text, id, media.length > 0),
    sentText: normalized,
    createdAt: now.toISOString(),
    media,
    ...(replyTo !== undefined && { replyTo }),
    ...(quoteOf !== undefined && { quoteOf }),
    replySettings,
    ...(poll !== undefined && { poll }),
    hasLink: twitter.extractUrls(text).length > 0,
    deleted: false,
  };
  state.posts.set(id, post);
  state.onChange(post, 'create', ctx);
  return {
    status: 201,
    headers: { ...rateHeaders(auth.window), ...daily, 'x-app-limit-24hour-remaining': String(Math.max(0, APP_DAILY_LIMIT - state.daily.count)) },
    body: { data: { id, text: post.text, edit_history_tweet_ids: [id] } },
  };
};

/** DELETE /2/tweets/:id → `{"data":{"deleted":true}}`; only the author may. */
export const deleteTweet = (state: XPostsState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = authorize(state.api, req, ctx, 'deleteTweet', WRITE_SCOPES);
  if (!auth.ok) return auth.response;
  const post = state.posts.get(req.params['id'] ?? '');
  if (!post || post.deleted) return { status: 200, headers: rateHeaders(auth.window), body: { data: { deleted: false } } };
  if (post.authorId !== auth.account.id) return forbiddenDetail('You are not allowed to delete a Tweet that does not belong to you.');
  post.deleted = true;
  state.onChange(post, 'delete', ctx);
  return ok(auth.window, { data: { deleted: true } });
};

const notFound = (id: string) => ({
  value: id,
  detail: `Could not find tweet with id: [${id}].`,
  title: 'Not Found Error',
  resource_type: 'tweet',
  parameter: 'ids',
  resource_id: id,
  type: `${PROBLEM_BASE}resource-not-found`,
});

const fieldRefused = (id: string, field: string) => ({
  value: id,
  detail: `Sorry, you are not authorized to access '${field}' on this Tweet.`,
  field,
  resource_type: 'tweet',
  resource_id: id,
  section: 'data',
  title: 'Field Authorization Error',
  type: `${PROBLEM_BASE}not-authorized-for-field`,
});

/** The lookup answer for some ids: data, includes.media and per-id errors (a partial answer). */
const lookupAnswer = (
  state: XPostsState,
  req: FakeRequest,
  ids: readonly string[],
  viewerId: string,
  now: Date,
  single: boolean,
): { ok: true; body: Record<string, unknown> } | { ok: false; response: FakeResponse } => {
  const fields = listParam(req, ['tweet.fields', 'post.fields'], TWEET_FIELDS);
  if (!fields.ok) return fields;
  const expansions = listParam(req, ['expansions'], TWEET_EXPANSIONS);
  if (!expansions.ok) return expansions;
  const mediaFields = listParam(req, ['media.fields'], MEDIA_FIELDS);
  if (!mediaFields.ok) return mediaFields;
  const privateAsked = PRIVATE_FIELDS.filter((f) => fields.values.has(f));
  const data: Record<string, unknown>[] = [];
  const media: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const id of ids) {
    const found = find(state, id, now);
    if (!found) {
      errors.push(notFound(id));
      continue;
    }
    const ownRecent = found.authorId === viewerId && now.getTime() - Date.parse(found.createdAt) <= PRIVATE_WINDOW_MS;
    // Promoted metrics exist only for promoted posts; the fake promotes none.
    const refused = privateAsked.filter((f) => f === 'promoted_metrics' || !ownRecent);
    if (refused.length > 0) {
      errors.push(...refused.map((f) => fieldRefused(id, f)));
      continue;
    }
    if (found.published) {
      data.push(renderPublished(state, found.published, fields.values, now));
      if (expansions.values.has('attachments.media_keys')) {
        const author = state.api.accountsById.get(found.authorId)!;
        for (const m of found.published.media) {
          const item: Record<string, unknown> = { media_key: m.key, type: mediaType[m.kind] };
          if (mediaFields.values.has('public_metrics') && m.kind === 'video') item['public_metrics'] = { view_count: publishedMetrics(found.published, author, now).videoViews };
          media.push(item);
        }
      }
    } else if (found.seeded) {
      const out = renderPost(found.seeded, fields.values);
      const impressions = found.seeded.metrics.impression_count;
      if (fields.values.has('non_public_metrics')) out['non_public_metrics'] = { impression_count: impressions, url_link_clicks: 0, user_profile_clicks: Math.round(impressions * 0.004), engagements: found.seeded.metrics.like_count };
      if (fields.values.has('organic_metrics')) out['organic_metrics'] = { impression_count: impressions, like_count: found.seeded.metrics.like_count, reply_count: found.seeded.metrics.reply_count, retweet_count: found.seeded.metrics.retweet_count, url_link_clicks: 0, user_profile_clicks: Math.round(impressions * 0.004) };
      data.push(out);
    }
  }
  return {
    ok: true,
    body: {
      ...(data.length > 0 && { data: single ? data[0] : data }),
      ...(media.length > 0 && { includes: { media } }),
      ...(errors.length > 0 && { errors }),
    },
  };
};

/** GET /2/tweets?ids=… (1–100 ids). */
export const lookupTweets = (state: XPostsState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const raw = req.query.get('ids') ?? '';
  const ids = raw.split(',').filter(Boolean);
  if (ids.length < 1 || ids.length > 100 || ids.some((id) => !/^[0-9]{1,19}$/.test(id))) {
    return badRequest(`The \`ids\` query parameter value [${raw}] must hold 1 to 100 comma-separated post ids`, 'ids');
  }
  const auth = authorize(state.api, req, ctx, 'tweetsLookup');
  if (!auth.ok) return auth.response;
  const answer = lookupAnswer(state, req, ids, auth.account.id, ctx.now(), false);
  return answer.ok ? ok(auth.window, answer.body) : answer.response;
};

/** GET /2/tweets/:id. */
export const lookupTweet = (state: XPostsState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const id = req.params['id'] ?? '';
  if (!/^[0-9]{1,19}$/.test(id)) return badRequest(`The \`id\` query parameter value [${id}] does not match ^[0-9]{1,19}$`, 'id');
  const auth = authorize(state.api, req, ctx, 'tweetsLookup');
  if (!auth.ok) return auth.response;
  const answer = lookupAnswer(state, req, [id], auth.account.id, ctx.now(), true);
  return answer.ok ? ok(auth.window, answer.body) : answer.response;
};

/** The fake app's numeric id (X apps have one; `user_event` names it). */
export const appIdFor = (clientId: string): string => accountIdFor(`app:${clientId}`).slice(0, 8);
