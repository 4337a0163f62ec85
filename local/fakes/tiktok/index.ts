/**
 * The fake TikTok: the consent page on www.tiktok.com, Login Kit v2 token/revoke, the Display API
 * and the Content Posting API on open.tiktokapis.com, chunk uploads on open-upload.tiktokapis.com,
 * signed webhook deliveries, TikTok's own error bodies, and faults rendered in TikTok's shapes.
 */
import type { FakeAppOptions, FakeContext, FakeErrors, FakeHandler, FakePlatform, FakeRequest, FakeRoute } from '../framework';
import { FakeOAuthStore } from '../oauth-store';
import { createAccount, type TiktokFakeAccount } from './accounts';
import { DEFAULT_RATE_LIMITS, userInfo, videoList, videoQuery, type TiktokApiState, type TiktokRateLimits } from './api';
import { authorizePage, DEFAULT_OAUTH_SETTINGS, revokeEndpoint, tokenEndpoint, type TiktokOAuthSettings, type TiktokOAuthState } from './oauth';
import { contentInit, creatorInfo, inboxVideoInit, statusFetch, uploadChunk, videoInit, type PublishApi } from './publish-api';
import {
  advanceAll,
  complete,
  DEFAULT_PUBLISH_SETTINGS,
  describePublish,
  isPublic,
  postedVideoAt,
  type TiktokPublishSettings,
  type TiktokPublishState,
} from './publishes';
import { internalError, oauthError, rateLimited, refreshTokenInvalid, tokenInvalid } from './responses';
import { deliverRequested, notifyPublish, type TiktokWebhookState } from './webhooks';

export interface TiktokFakeOptions {
  /** Token lifetimes and rotation (TikTok's documented values have changed: 24 h/365 d vs 2 h/180 d). */
  readonly oauth?: Partial<TiktokOAuthSettings>;
  readonly rateLimits?: Partial<TiktokRateLimits>;
  /** Processing and moderation times, the daily cap, audit status, verified URL prefixes. */
  readonly publishing?: Partial<TiktokPublishSettings>;
}

export interface TiktokFake extends FakePlatform {
  /** The account a name stands for (created on first use), e.g. to know its open_id in a test. */
  account(name: string): TiktokFakeAccount;
  /** The user removed the app in TikTok's settings: every grant of the account stops working. */
  revokeAccount(name: string): void;
  /** The next publish that finishes processing fails with this `fail_reason` instead. */
  failNextPublish(reason: string): void;
  /** The creator posts a draft from their inbox, with the privacy they pick in the app. */
  postDraft(publishId: string, privacy: string, ctx: FakeContext): void;
  /** Resolves once every webhook the fake sent on its own has been answered. */
  settled(): Promise<void>;
}

const DEFAULT_ACCOUNT = 'reach.demo';

const isOAuthPath = (req: FakeRequest) => req.host === 'open.tiktokapis.com' && req.path.startsWith('/v2/oauth/');

/** Builds the fake TikTok for the app credentials Reach uses. */
export const createTiktokFake = (app: FakeAppOptions, options: TiktokFakeOptions = {}): TiktokFake => {
  const store = new FakeOAuthStore({ prefix: { code: 'ttc.', access: 'act.', refresh: 'rft.' } });
  const clientTokens = new FakeOAuthStore({ prefix: { code: 'ttc.', access: 'clt.', refresh: 'rft.' } });
  const byName = new Map<string, TiktokFakeAccount>();
  const byOpenId = new Map<string, TiktokFakeAccount>();
  const refreshDeadlines = new Map<string, number>();
  const refreshGrants = new Map<string, string>();
  const windows = new Map<string, number[]>();

  const accountByName = (name: string): TiktokFakeAccount => {
    const existing = byName.get(name);
    if (existing) return existing;
    const created = createAccount(name);
    byName.set(name, created);
    byOpenId.set(created.openId, created);
    return created;
  };
  const accountById = (openId: string) => byOpenId.get(openId);
  accountByName(DEFAULT_ACCOUNT);

  const oauthState: TiktokOAuthState = {
    app,
    store,
    clientTokens,
    settings: { ...DEFAULT_OAUTH_SETTINGS, ...options.oauth },
    refreshDeadlines,
    refreshGrants,
    accountByName,
    accountById,
  };
  const webhookState: TiktokWebhookState = { app, log: [], pending: new Set() };
  const publishState: TiktokPublishState = {
    settings: { ...DEFAULT_PUBLISH_SETTINGS, ...options.publishing },
    publishes: new Map(),
    uploads: new Map(),
    failNext: [],
    counter: { value: 0 },
    accountByName,
    notify: (event, publish, ctx) => {
      const account = accountById(publish.openId);
      if (account) notifyPublish(webhookState, account, event, publish, ctx);
    },
  };
  const apiState: TiktokApiState = {
    store,
    limits: { ...DEFAULT_RATE_LIMITS, ...options.rateLimits },
    windows,
    accountById,
    postedVideos: (openId, now) =>
      [...publishState.publishes.values()].filter((p) => p.openId === openId && isPublic(p, now)).map((p) => postedVideoAt(p, now)).reverse(),
  };
  const publishApi: PublishApi = { api: apiState, state: publishState };
  // Reads of the account's videos first apply the publishes' pending transitions.
  const advancing =
    (handler: FakeHandler): FakeHandler =>
    async (req, ctx) => {
      await advanceAll(publishState, ctx.now(), ctx);
      return handler(req, ctx);
    };

  const routes: FakeRoute[] = [
    { method: 'GET', host: 'www.tiktok.com', path: '/v2/auth/authorize/', handler: authorizePage(oauthState) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/oauth/token/', handler: tokenEndpoint(oauthState) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/oauth/revoke/', handler: revokeEndpoint(oauthState) },
    { method: 'GET', host: 'open.tiktokapis.com', path: '/v2/user/info/', handler: userInfo(apiState) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/video/list/', handler: advancing(videoList(apiState)) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/video/query/', handler: advancing(videoQuery(apiState)) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/post/publish/creator_info/query/', handler: creatorInfo(publishApi) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/post/publish/video/init/', handler: videoInit(publishApi) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/post/publish/inbox/video/init/', handler: inboxVideoInit(publishApi) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/post/publish/content/init/', handler: contentInit(publishApi) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/post/publish/status/fetch/', handler: statusFetch(publishApi) },
    { method: 'PUT', host: 'open-upload.tiktokapis.com', path: '/video/', handler: uploadChunk(publishApi) },
  ];

  // TikTok has no reset header or body: an injected rate limit is a bare 429 `rate_limit_exceeded`.
  const errors: FakeErrors = {
    rateLimited: (_req, _retryAfterSeconds, ctx) => rateLimited(ctx.now()),
    serverError: (_req, ctx) => internalError(ctx.now()),
    // On the token endpoint an expired or revoked grant reads as an invalid refresh token; on the
    // revoke endpoint as an invalid access token; on the API as `access_token_invalid`.
    expiredToken: (req, ctx) =>
      isOAuthPath(req)
        ? req.path.startsWith('/v2/oauth/revoke')
          ? oauthError(400, 'invalid_grant', 'Access token is invalid or expired.', ctx.now())
          : refreshTokenInvalid(ctx.now())
        : tokenInvalid(ctx.now()),
    revokedGrant: (req, ctx) => (isOAuthPath(req) ? refreshTokenInvalid(ctx.now()) : tokenInvalid(ctx.now())),
  };

  return {
    id: 'tiktok',
    hosts: ['www.tiktok.com', 'open.tiktokapis.com', 'open-upload.tiktokapis.com'],
    routes,
    errors,
    account: accountByName,
    revokeAccount: (name) => store.revokeAccount(accountByName(name).openId),
    failNextPublish: (reason) => void publishState.failNext.push(reason),
    postDraft: (publishId, privacy, ctx) => {
      const p = publishState.publishes.get(publishId);
      if (!p || p.status !== 'SEND_TO_USER_INBOX') throw new Error(`${publishId} is not a draft waiting in an inbox`);
      p.privacy = privacy;
      complete(publishState, p, ctx.now(), ctx);
    },
    settled: async () => {
      while (webhookState.pending.size > 0) await Promise.all([...webhookState.pending]);
    },
    deliverWebhook: (request, ctx) =>
      deliverRequested(webhookState, publishState, request, ctx, accountByName(request.account ?? DEFAULT_ACCOUNT), (a) => store.revokeAccount(a.openId)),
    reset: () => {
      store.reset();
      clientTokens.reset();
      byName.clear();
      byOpenId.clear();
      refreshDeadlines.clear();
      refreshGrants.clear();
      windows.clear();
      publishState.publishes.clear();
      publishState.uploads.clear();
      publishState.failNext.length = 0;
      publishState.counter.value = 0;
      webhookState.log.length = 0;
      accountByName(DEFAULT_ACCOUNT);
    },
    snapshot: () => ({
      accounts: [...byName.values()].map((a) => ({
        name: a.name,
        openId: a.openId,
        username: a.username,
        verified: a.verified,
        hasVideos: a.hasVideos,
      })),
      grants: { ...store.counts },
      // Publishes as they last stood (each read of a publish moves it on; see publishes.ts).
      posts: [...publishState.publishes.values()].map(describePublish),
      webhooks: [...webhookState.log],
    }),
  };
};
