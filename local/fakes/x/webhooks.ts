/**
 * The fake X webhooks: the app-only token, webhook registration with a real CRC against the URL
 * (`POST/GET/PUT/DELETE /2/webhooks`), Account Activity subscriptions, and deliveries built as X
 * builds them (v1.1 objects under `for_user_id`), signed `x-twitter-webhooks-signature:
 * sha256=<base64 HMAC-SHA256(consumer secret, raw body)>`. The fake's one app credential pair
 * stands for both the OAuth 2.0 client and the consumer key/secret.
 * https://docs.x.com/x-api/webhooks/quickstart · https://docs.x.com/x-api/account-activity/introduction
 */
import { createHmac, randomBytes } from 'node:crypto';
import { audienceAt } from '../audience';
import type { DeliveryMode, FakeAppOptions, FakeContext, FakeRequest, FakeResponse, WebhookDeliveryRequest, WebhookDeliveryResult } from '../framework';
import type { FakeOAuthStore } from '../oauth-store';
import { postAt, postCount, type XFakeAccount } from './accounts';
import { badRequest } from './media';
import { appIdFor, type PublishedPost, type XPostsState } from './posts';
import { missingAuthHeader, oauthError, PROBLEM_BASE, unauthorized } from './responses';

const STALE_MS = 3 * 86_400_000;
const CRC_TIMEOUT_MS = 3_000;
const DELIVERY_TIMEOUT_MS = 10_000;

export interface XWebhookSettings {
  /** Webhooks an app may register (Self-Serve Pro: 1; Enterprise: 5 and more). */
  readonly maxWebhooks: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: XWebhookSettings = { maxWebhooks: 5 };

export interface FakeWebhook {
  readonly id: string;
  readonly url: string;
  valid: boolean;
  readonly createdAt: string;
}

export interface FakeDelivery {
  readonly event: string;
  readonly account?: string;
  readonly mode: DeliveryMode;
  readonly target: string;
  readonly statuses: readonly number[];
}

export interface XWebhookState {
  readonly app: FakeAppOptions;
  readonly store: FakeOAuthStore;
  readonly posts: XPostsState;
  readonly settings: XWebhookSettings;
  readonly appTokens: Set<string>;
  readonly webhooks: Map<string, FakeWebhook>;
  /** Subscribed account ids per webhook id. */
  readonly subscriptions: Map<string, Set<string>>;
  readonly deliveries: FakeDelivery[];
  accountByName(name: string): XFakeAccount;
  revokeAccount(accountId: string): void;
}

/** `sha256=` + base64(HMAC-SHA256(secret, message)). */
const sign = (secret: string, message: string | Buffer): string => `sha256=${createHmac('sha256', secret).update(message).digest('base64')}`;

// ─── app-only token and webhook management ───────────────────────────────────────────────────

const hasAppBasic = (state: XWebhookState, req: FakeRequest): boolean => {
  const m = /^Basic\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i > 0 && decodeURIComponent(decoded.slice(0, i)) === state.app.clientId && decodeURIComponent(decoded.slice(i + 1)) === state.app.clientSecret;
};

/** POST api.x.com/oauth2/token grant_type=client_credentials → the app-only bearer token. */
export const appTokenEndpoint = (state: XWebhookState) => (req: FakeRequest): FakeResponse => {
  if (!hasAppBasic(state, req)) return missingAuthHeader();
  if (req.form().get('grant_type') !== 'client_credentials') return oauthError(400, 'invalid_request', 'grant_type must be client_credentials');
  const token = `AAAAAAAAAAAAAAAAAAAAA${randomBytes(24).toString('base64url')}`;
  state.appTokens.add(token);
  return { status: 200, body: { token_type: 'bearer', access_token: token } };
};

const unsupportedAuth = (): FakeResponse => ({
  status: 403,
  headers: { 'content-type': 'application/problem+json' },
  body: {
    title: 'Unsupported Authentication',
    detail: 'Authenticating with OAuth 2.0 User Context is forbidden for this endpoint.  Supported authentication types are [OAuth 2.0 Application-Only].',
    type: `${PROBLEM_BASE}unsupported-authentication`,
    status: 403,
  },
});

/** App-only bearer required; a user token gets X's "unsupported authentication". */
const appOnly = (state: XWebhookState, req: FakeRequest, ctx: FakeContext): FakeResponse | undefined => {
  const token = req.bearer();
  if (token && state.appTokens.has(token)) return undefined;
  return state.store.checkAccess(token, ctx.now()).ok ? unsupportedAuth() : unauthorized();
};

const failure = (reason: string, detail: string): FakeResponse => ({
  status: 400,
  headers: { 'content-type': 'application/problem+json' },
  body: { errors: [{ message: reason }], title: 'Invalid Request', detail: `${reason}: ${detail}`, type: `${PROBLEM_BASE}invalid-request`, status: 400 },
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** X wants https without a port; the fake also takes loopback http so that tests can listen locally. */
const urlProblem = (raw: string): string | undefined => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'the url is not a valid URL';
  }
  if (LOOPBACK.has(u.hostname)) return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'the url must be http(s)';
  if (u.protocol !== 'https:') return 'the url must use https';
  if (u.port !== '') return 'the url cannot include a port';
  return undefined;
};

/** Sends X's CRC to a URL and checks the answer. */
const crc = async (state: XWebhookState, url: string): Promise<boolean> => {
  const token = randomBytes(18).toString('base64url');
  const target = new URL(url);
  target.searchParams.set('crc_token', token);
  target.searchParams.set('nonce', randomBytes(8).toString('hex'));
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(CRC_TIMEOUT_MS) });
    if (res.status !== 200) return false;
    const body = (await res.json()) as { response_token?: unknown };
    return body.response_token === sign(state.app.webhookSecret || state.app.clientSecret, token);
  } catch {
    return false;
  }
};

const render = (w: FakeWebhook) => ({ id: w.id, url: w.url, valid: w.valid, created_at: w.createdAt });

/** POST /2/webhooks {url}: validates the URL, runs the CRC, then registers. */
export const createWebhook = (state: XWebhookState) => async (req: FakeRequest, ctx: FakeContext): Promise<FakeResponse> => {
  const refused = appOnly(state, req, ctx);
  if (refused) return refused;
  const url = (req.json() as { url?: unknown } | undefined)?.url;
  if (typeof url !== 'string') return badRequest('url is required', 'url');
  const problem = urlProblem(url);
  if (problem) return failure('UrlValidationFailed', problem);
  if ([...state.webhooks.values()].some((w) => w.url === url)) return failure('DuplicateUrlFailed', 'a webhook is already registered for this url');
  if (state.webhooks.size >= state.settings.maxWebhooks) return failure('WebhookLimitExceeded', `the app may register ${state.settings.maxWebhooks} webhooks`);
  if (!(await crc(state, url))) return failure('CrcValidationFailed', 'the url did not answer the CRC correctly');
  const hook: FakeWebhook = { id: state.posts.media.nextId(ctx.now()), url, valid: true, createdAt: ctx.now().toISOString() };
  state.webhooks.set(hook.id, hook);
  return { status: 200, body: { data: render(hook) } };
};

/** GET /2/webhooks. */
export const listWebhooks = (state: XWebhookState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const refused = appOnly(state, req, ctx);
  if (refused) return refused;
  const data = [...state.webhooks.values()].map(render);
  return { status: 200, body: { data, meta: { result_count: data.length } } };
};

/** PUT /2/webhooks/:id: a new CRC; `valid` follows its outcome. */
export const validateWebhook = (state: XWebhookState) => async (req: FakeRequest, ctx: FakeContext): Promise<FakeResponse> => {
  const refused = appOnly(state, req, ctx);
  if (refused) return refused;
  const hook = state.webhooks.get(req.params['id'] ?? '');
  if (!hook) return failure('WebhookIdInvalid', 'the webhook_id was not found for this app');
  hook.valid = await crc(state, hook.url);
  if (!hook.valid) return failure('CrcValidationFailed', 'the url did not answer the CRC correctly');
  return { status: 200, body: { data: { valid: true } } };
};

/** DELETE /2/webhooks/:id. */
export const deleteWebhook = (state: XWebhookState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const refused = appOnly(state, req, ctx);
  if (refused) return refused;
  const id = req.params['id'] ?? '';
  if (!state.webhooks.delete(id)) return failure('WebhookIdInvalid', 'the webhook_id was not found for this app');
  state.subscriptions.delete(id);
  return { status: 200, body: { data: { deleted: true } } };
};

/** POST /2/account_activity/webhooks/:id/subscriptions/all with the user's token. */
export const subscribe = (state: XWebhookState) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const access = state.store.checkAccess(req.bearer(), ctx.now());
  if (!access.ok) return unauthorized();
  const id = req.params['id'] ?? '';
  if (!state.webhooks.has(id)) return failure('WebhookIdInvalid', 'the webhook_id was not found for this app');
  const subs = state.subscriptions.get(id) ?? new Set<string>();
  if (subs.has(access.entry.accountId)) return failure('DuplicateSubscriptionFailed', 'this user is already subscribed to the webhook');
  subs.add(access.entry.accountId);
  state.subscriptions.set(id, subs);
  return { status: 200, body: { data: { subscribed: true } } };
};

// ─── deliveries ──────────────────────────────────────────────────────────────────────────────

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** v1.1's `created_at`: "Mon May 19 14:01:46 +0000 2025". */
export const v1Date = (d: Date): string =>
  `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000 ${d.getUTCFullYear()}`;

/** A v1.1 user object. */
const v1User = (a: XFakeAccount, now: Date) => {
  const audience = audienceAt(a.name, now);
  return {
    id: Number(a.id),
    id_str: a.id,
    name: a.displayName,
    screen_name: a.username,
    protected: false,
    verified: a.verifiedType !== 'none',
    followers_count: audience.followers,
    friends_count: audience.following,
    statuses_count: postCount(a, now),
    created_at: v1Date(new Date(a.createdAt)),
    profile_image_url_https: `https://pbs.twimg.com/profile_images/${a.id}/avatar_normal.jpg`,
  };
};

interface TweetSource {
  readonly id: string;
  readonly text: string;
  readonly createdAt: Date;
  readonly author: XFakeAccount;
  readonly replyTo?: { readonly id: string; readonly author: XFakeAccount };
}

/** A v1.1 tweet; longer than 140 characters it is truncated with an `extended_tweet`, as X sends them. */
const v1Tweet = (t: TweetSource, now: Date) => {
  const chars = [...t.text];
  const long = chars.length > 140;
  const statusLink = `https://t.co/${Buffer.from(t.id).toString('base64url').slice(0, 10)}`;
  const text = long ? `${chars.slice(0, 116).join('')}… ${statusLink}` : t.text;
  return {
    created_at: v1Date(t.createdAt),
    id: Number(t.id),
    id_str: t.id,
    text,
    display_text_range: [0, [...text].length],
    source: '<a href="https://reach.example" rel="nofollow">Reach</a>',
    truncated: long,
    in_reply_to_status_id: t.replyTo ? Number(t.replyTo.id) : null,
    in_reply_to_status_id_str: t.replyTo?.id ?? null,
    in_reply_to_user_id: t.replyTo ? Number(t.replyTo.author.id) : null,
    in_reply_to_user_id_str: t.replyTo?.author.id ?? null,
    in_reply_to_screen_name: t.replyTo?.author.username ?? null,
    user: v1User(t.author, now),
    is_quote_status: false,
    quote_count: 0,
    reply_count: 0,
    retweet_count: 0,
    favorite_count: 0,
    ...(long && { extended_tweet: { full_text: t.text, display_text_range: [0, chars.length], entities: { hashtags: [], urls: [], user_mentions: [], symbols: [] } } }),
    entities: { hashtags: [], urls: long ? [{ url: statusLink, expanded_url: `https://twitter.com/i/web/status/${t.id}`, indices: [117, 140] }] : [], user_mentions: [], symbols: [] },
    favorited: false,
    retweeted: false,
    filter_level: 'low',
    lang: 'en',
    timestamp_ms: String(t.createdAt.getTime()),
  };
};

const publishedSource = (state: XWebhookState, p: PublishedPost): TweetSource => {
  const author = state.posts.api.accountsById.get(p.authorId)!;
  const parent = p.replyTo ? state.posts.posts.get(p.replyTo) : undefined;
  const parentAuthor = parent ? state.posts.api.accountsById.get(parent.authorId) : undefined;
  return {
    id: p.id,
    text: p.text,
    createdAt: new Date(p.createdAt),
    author,
    ...(p.replyTo && parentAuthor && { replyTo: { id: p.replyTo, author: parentAuthor } }),
  };
};

/** The account's newest post: published through the API, else from its seeded history. */
const latestPost = (state: XWebhookState, account: XFakeAccount, now: Date): TweetSource | undefined => {
  const own = [...state.posts.posts.values()].filter((p) => p.authorId === account.id && !p.deleted).pop();
  if (own) return publishedSource(state, own);
  const total = postCount(account, now);
  if (total === 0) return undefined;
  const p = postAt(account, total - 1);
  return { id: p.id, text: p.text, createdAt: new Date(p.createdAt), author: account };
};

const postFor = (state: XWebhookState, account: XFakeAccount, id: unknown, now: Date): TweetSource | undefined => {
  if (typeof id === 'string') {
    const p = state.posts.posts.get(id);
    if (p) return publishedSource(state, p);
  }
  return latestPost(state, account, now);
};

const str = (v: unknown, fallback: string): string => (typeof v === 'string' && v !== '' ? v : fallback);

/** The delivery body X would send for `event` about `account`. */
const buildBody = (state: XWebhookState, request: WebhookDeliveryRequest, account: XFakeAccount, at: Date, now: Date): Record<string, unknown> => {
  const data = request.data ?? {};
  const fan = state.accountByName(str(data['from'], 'reach_fan'));
  const forUser = { for_user_id: account.id };
  switch (request.event) {
    case 'tweet_create_events': {
      const own = data['from'] === undefined ? postFor(state, account, data['tweetId'], now) : undefined;
      const replyTarget = typeof data['inReplyTo'] === 'string' ? postFor(state, account, data['inReplyTo'], now) : undefined;
      const source: TweetSource = own
        ? { ...own, ...(at.getTime() < now.getTime() && { createdAt: at }) }
        : {
            id: state.posts.media.nextId(at),
            text: str(data['text'], `@${account.username} hello from ${fan.username}`),
            createdAt: at,
            author: fan,
            ...(replyTarget && { replyTo: { id: replyTarget.id, author: replyTarget.author } }),
          };
      return { ...forUser, tweet_create_events: [v1Tweet(source, now)] };
    }
    case 'tweet_delete_events': {
      const post = postFor(state, account, data['tweetId'], now);
      const published = post ? state.posts.posts.get(post.id) : undefined;
      // The user deleted it in the app: it leaves the fake's timeline too.
      if (published) published.deleted = true;
      return { ...forUser, tweet_delete_events: [{ status: { id: post?.id ?? '0', user_id: account.id }, timestamp_ms: String(at.getTime()) }] };
    }
    case 'favorite_events': {
      const post = postFor(state, account, data['tweetId'], now);
      return {
        ...forUser,
        favorite_events: [
          {
            id: randomBytes(16).toString('hex'),
            created_at: v1Date(at),
            timestamp_ms: at.getTime(),
            favorited_status: post ? v1Tweet(post, now) : {},
            user: v1User(fan, now),
          },
        ],
      };
    }
    case 'follow_events':
    case 'unfollow_events': {
      const outgoing = data['direction'] === 'out';
      const type = request.event === 'unfollow_events' || data['type'] === 'unfollow' ? 'unfollow' : 'follow';
      return {
        ...forUser,
        follow_events: [
          {
            type,
            created_timestamp: String(at.getTime()),
            target: v1User(outgoing ? fan : account, now),
            source: v1User(outgoing ? account : fan, now),
          },
        ],
      };
    }
    case 'user_event':
      // The user removed the app in their X settings: the grant dies with the event.
      state.revokeAccount(account.id);
      return {
        user_event: {
          revoke: { date_time: at.toISOString().replace(/\.\d{3}Z$/, '+00:00'), target: { app_id: appIdFor(state.app.clientId) }, source: { user_id: account.id } },
        },
      };
    default:
      return { ...forUser, [request.event]: [{ ...data, created_timestamp: String(at.getTime()) }] };
  }
};

const post = async (target: string, body: Buffer, signature: string): Promise<number> => {
  try {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature },
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
};

/** Sends one delivery (twice for `duplicate`), signed as `mode` says, and records it. */
const send = async (state: XWebhookState, target: string | undefined, event: string, account: string | undefined, mode: DeliveryMode, body: Buffer): Promise<WebhookDeliveryResult> => {
  // X signs with the app's consumer secret, which Reach keeps as the platform's `webhookSecret`.
  const consumerSecret = state.app.webhookSecret || state.app.clientSecret;
  const secret = mode === 'forged' ? `${consumerSecret}-forged` : consumerSecret;
  const signature = sign(secret, body);
  const statuses: number[] = [];
  if (target) {
    statuses.push(await post(target, body, signature));
    if (mode === 'duplicate') statuses.push(await post(target, body, signature));
  }
  state.deliveries.push({ event, ...(account !== undefined && { account }), mode, target: target ?? '', statuses });
  return { statuses, target: target ?? '' };
};

/** Where deliveries go: Reach's receiver when the fakes know it, else a valid registered webhook. */
const targetOf = (state: XWebhookState, ctx: FakeContext): string | undefined =>
  ctx.webhookTarget('x') ?? [...state.webhooks.values()].find((w) => w.valid)?.url;

/** The framework's `deliverWebhook`: builds, signs and sends one delivery. */
export const deliver = async (state: XWebhookState, request: WebhookDeliveryRequest, ctx: FakeContext): Promise<WebhookDeliveryResult> => {
  const name = request.account ?? 'reach_demo';
  const account = state.accountByName(name);
  const mode = request.mode ?? 'valid';
  const now = ctx.now();
  const at = mode === 'stale' ? new Date(now.getTime() - STALE_MS) : now;
  const body = Buffer.from(JSON.stringify(buildBody(state, request, account, at, now)), 'utf8');
  return send(state, targetOf(state, ctx), request.event, name, mode, body);
};

/**
 * What X sends on its own: a subscribed account's new or deleted post goes to every valid
 * webhook it is subscribed to. Fire and forget, as X does not wait for the poster.
 */
export const onPostChange = (state: XWebhookState, p: PublishedPost, change: 'create' | 'delete', ctx: FakeContext): void => {
  const hooks = [...state.webhooks.values()].filter((w) => w.valid && state.subscriptions.get(w.id)?.has(p.authorId));
  if (hooks.length === 0) return;
  const now = ctx.now();
  const body =
    change === 'create'
      ? { for_user_id: p.authorId, tweet_create_events: [v1Tweet(publishedSource(state, p), now)] }
      : { for_user_id: p.authorId, tweet_delete_events: [{ status: { id: p.id, user_id: p.authorId }, timestamp_ms: String(now.getTime()) }] };
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const event = change === 'create' ? 'tweet_create_events' : 'tweet_delete_events';
  const name = state.posts.api.accountsById.get(p.authorId)?.name;
  for (const hook of hooks) void send(state, hook.url, event, name, 'valid', bytes);
};
