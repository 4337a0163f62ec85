/**
 * The fake X: consent page on x.com, OAuth 2.0 token/revoke, the v2 user routes, publishing
 * (media upload, posts, deletes), post lookups with metrics, webhook registration and signed
 * Account Activity deliveries on api.x.com, X's own error bodies and rate-limit headers, and
 * faults rendered in X's shapes.
 */
import type { FakeAppOptions, FakeContext, FakeErrors, FakePlatform, FakeRequest, FakeRoute } from '../framework';
import { FakeOAuthStore } from '../oauth-store';
import { createAccount, type PostCountField, type XFakeAccount } from './accounts';
import { DEFAULT_RATE_LIMITS, userById, usersMe, userTweets, type XApiState, type XRateLimits } from './api';
import {
  appendUpload,
  DEFAULT_MEDIA_SETTINGS,
  finalizeUpload,
  initializeUpload,
  mediaMetadata,
  oneShotUpload,
  uploadStatus,
  type FakeMedia,
  type XMediaSettings,
  type XMediaState,
} from './media';
import { authorizePage, DEFAULT_OAUTH_SETTINGS, revokeEndpoint, tokenEndpoint, type XOAuthSettings, type XOAuthState } from './oauth';
import { createTweet, deleteTweet, lookupTweet, lookupTweets, publishedTimeline, snowflake, type PublishedPost, type XPostsState } from './posts';
import { rateLimitedLegacy, serviceUnavailable, tokenInvalid, unauthorized } from './responses';
import {
  appTokenEndpoint,
  createWebhook,
  DEFAULT_WEBHOOK_SETTINGS,
  deleteWebhook,
  deliver,
  listWebhooks,
  onPostChange,
  subscribe,
  validateWebhook,
  type FakeDelivery,
  type FakeWebhook,
  type XWebhookSettings,
  type XWebhookState,
} from './webhooks';

export interface XFakeOptions {
  readonly oauth?: Partial<XOAuthSettings>;
  readonly rateLimits?: Partial<XRateLimits>;
  /** `tweet_count` as the docs show it, or `post_count` as OpenAPI 2.167 names it. */
  readonly postCountField?: PostCountField;
  /** How long GIF and video processing takes after FINALIZE. */
  readonly media?: Partial<XMediaSettings>;
  readonly webhooks?: Partial<XWebhookSettings>;
}

export interface XFake extends FakePlatform {
  /** The account a name stands for (created on first use), e.g. to know its id in a test. */
  account(name: string): XFakeAccount;
  /** The user removed the app in their X settings: every grant of the account stops working. */
  revokeAccount(name: string): void;
}

const DEFAULT_ACCOUNT = 'reach_demo';

const isOAuthPath = (req: FakeRequest) => req.host === 'api.x.com' && (req.path.startsWith('/2/oauth2/') || req.path === '/oauth2/token');

export const createXFake = (app: FakeAppOptions, options: XFakeOptions = {}): XFake => {
  const store = new FakeOAuthStore({ prefix: { code: 'xac_', access: 'xat_', refresh: 'xrt_' } });
  const byName = new Map<string, XFakeAccount>();
  const byId = new Map<string, XFakeAccount>();
  const windows = new Map<string, { startMs: number; count: number }>();
  const media = new Map<string, FakeMedia>();
  const posts = new Map<string, PublishedPost>();
  const webhooks = new Map<string, FakeWebhook>();
  const subscriptions = new Map<string, Set<string>>();
  const deliveries: FakeDelivery[] = [];
  const appTokens = new Set<string>();
  let sequence = 0;

  const accountByName = (name: string): XFakeAccount => {
    const existing = byName.get(name);
    if (existing) return existing;
    const created = createAccount(name);
    byName.set(name, created);
    byId.set(created.id, created);
    return created;
  };
  accountByName(DEFAULT_ACCOUNT);

  const oauthState: XOAuthState = { app, store, settings: { ...DEFAULT_OAUTH_SETTINGS, ...options.oauth }, accountByName };
  const apiState: XApiState = {
    store,
    accountsById: byId,
    windows,
    limits: { ...DEFAULT_RATE_LIMITS, ...options.rateLimits },
    postCountField: options.postCountField ?? 'tweet_count',
    published: (account, now) => publishedTimeline(postsState, account, now),
  };
  const mediaState: XMediaState = {
    api: apiState,
    settings: { ...DEFAULT_MEDIA_SETTINGS, ...options.media },
    media,
    nextId: (now) => snowflake(now, (sequence += 1)),
  };
  const postsState: XPostsState = {
    api: apiState,
    media: mediaState,
    posts,
    daily: { startMs: 0, count: 0 },
    onChange: (post, change, ctx: FakeContext) => onPostChange(webhookState, post, change, ctx),
  };
  const webhookState: XWebhookState = {
    app,
    store,
    posts: postsState,
    settings: { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks },
    appTokens,
    webhooks,
    subscriptions,
    deliveries,
    accountByName,
    revokeAccount: (id) => store.revokeAccount(id),
  };

  const routes: FakeRoute[] = [
    { method: 'GET', host: 'x.com', path: '/i/oauth2/authorize', handler: authorizePage(oauthState) },
    { method: 'POST', host: 'api.x.com', path: '/2/oauth2/token', handler: tokenEndpoint(oauthState) },
    { method: 'POST', host: 'api.x.com', path: '/2/oauth2/revoke', handler: revokeEndpoint(oauthState) },
    { method: 'POST', host: 'api.x.com', path: '/oauth2/token', handler: appTokenEndpoint(webhookState) },
    { method: 'GET', host: 'api.x.com', path: '/2/users/me', handler: usersMe(apiState) },
    { method: 'GET', host: 'api.x.com', path: '/2/users/:id/tweets', handler: userTweets(apiState) },
    { method: 'GET', host: 'api.x.com', path: '/2/users/:id', handler: userById(apiState) },
    { method: 'POST', host: 'api.x.com', path: '/2/media/upload/initialize', handler: initializeUpload(mediaState) },
    { method: 'POST', host: 'api.x.com', path: '/2/media/upload/:id/append', handler: appendUpload(mediaState) },
    { method: 'POST', host: 'api.x.com', path: '/2/media/upload/:id/finalize', handler: finalizeUpload(mediaState) },
    { method: 'GET', host: 'api.x.com', path: '/2/media/upload', handler: uploadStatus(mediaState) },
    { method: 'POST', host: 'api.x.com', path: '/2/media/upload', handler: oneShotUpload(mediaState) },
    { method: 'POST', host: 'api.x.com', path: '/2/media/metadata', handler: mediaMetadata(mediaState) },
    { method: 'POST', host: 'api.x.com', path: '/2/tweets', handler: createTweet(postsState) },
    { method: 'GET', host: 'api.x.com', path: '/2/tweets', handler: lookupTweets(postsState) },
    { method: 'GET', host: 'api.x.com', path: '/2/tweets/:id', handler: lookupTweet(postsState) },
    { method: 'DELETE', host: 'api.x.com', path: '/2/tweets/:id', handler: deleteTweet(postsState) },
    { method: 'POST', host: 'api.x.com', path: '/2/webhooks', handler: createWebhook(webhookState) },
    { method: 'GET', host: 'api.x.com', path: '/2/webhooks', handler: listWebhooks(webhookState) },
    { method: 'PUT', host: 'api.x.com', path: '/2/webhooks/:id', handler: validateWebhook(webhookState) },
    { method: 'DELETE', host: 'api.x.com', path: '/2/webhooks/:id', handler: deleteWebhook(webhookState) },
    { method: 'POST', host: 'api.x.com', path: '/2/account_activity/webhooks/:id/subscriptions/all', handler: subscribe(webhookState) },
  ];

  /** The limit a rate-limited answer names: the route's own. */
  const limitFor = (req: FakeRequest): number => {
    const l = apiState.limits;
    if (req.path === '/2/users/me') return l.usersMe;
    if (req.path.startsWith('/2/media/')) return l.mediaUpload;
    if (req.path === '/2/tweets') return req.method === 'POST' ? l.createTweet : l.tweetsLookup;
    if (req.path.startsWith('/2/tweets/')) return req.method === 'DELETE' ? l.deleteTweet : l.tweetsLookup;
    return l.userTweets;
  };

  const errors: FakeErrors = {
    // The documented body (legacy `errors[]`, code 88) with the route's own limit in the headers.
    rateLimited: (req: FakeRequest, retryAfterSeconds: number, ctx: FakeContext) =>
      rateLimitedLegacy({ limit: limitFor(req), remaining: 0, reset: Math.ceil(ctx.now().getTime() / 1000) + retryAfterSeconds }),
    serverError: () => serviceUnavailable(),
    // On the token endpoint an expired or revoked grant reads as an invalid refresh token; on the
    // API as a 401.
    expiredToken: (req) => (isOAuthPath(req) ? tokenInvalid() : unauthorized()),
    revokedGrant: (req) => (isOAuthPath(req) ? tokenInvalid() : unauthorized()),
  };

  return {
    id: 'x',
    hosts: ['x.com', 'api.x.com'],
    routes,
    errors,
    account: accountByName,
    revokeAccount: (name) => store.revokeAccount(accountByName(name).id),
    deliverWebhook: (request, ctx) => deliver(webhookState, request, ctx),
    reset: () => {
      store.reset();
      byName.clear();
      byId.clear();
      windows.clear();
      media.clear();
      posts.clear();
      webhooks.clear();
      subscriptions.clear();
      deliveries.length = 0;
      appTokens.clear();
      postsState.daily.startMs = 0;
      postsState.daily.count = 0;
      accountByName(DEFAULT_ACCOUNT);
    },
    snapshot: () => ({
      accounts: [...byName.values()].map((a) => ({ name: a.name, id: a.id, username: a.username, verifiedType: a.verifiedType, hasPosts: a.hasPosts })),
      grants: { ...store.counts },
      posts: [...posts.values()].map((p) => ({
        id: p.id,
        account: byId.get(p.authorId)?.name,
        text: p.text,
        createdAt: p.createdAt,
        mediaKeys: p.media.map((m) => m.key),
        ...(p.replyTo !== undefined && { replyTo: p.replyTo }),
        ...(p.quoteOf !== undefined && { quoteOf: p.quoteOf }),
        ...(p.poll !== undefined && { poll: p.poll }),
        replySettings: p.replySettings,
        deleted: p.deleted,
      })),
      media: [...media.values()].map((m) => ({ id: m.id, key: m.key, kind: m.kind, state: m.state, bytes: m.totalBytes, ...(m.altText !== undefined && { altText: m.altText }) })),
      webhooks: [...webhooks.values()].map((w) => ({ ...w, subscribers: [...(subscriptions.get(w.id) ?? [])] })),
      deliveries: deliveries.map((d) => ({ ...d })),
    }),
  };
};
