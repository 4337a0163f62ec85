/**
 * TikTok (Login Kit v2, Display API v2) as data: OAuth endpoints and rules, the metrics the API
 * exposes, documented quotas and what it cannot do.
 * https://developers.tiktok.com/doc/login-kit-web · https://developers.tiktok.com/doc/display-api-overview
 */
import type { ProviderManifest } from '../types';

/** The real hosts; `HttpClient` maps them to the fakes in local runs. */
export const TIKTOK_AUTHORIZE_URL = 'https://www.tiktok.com/v2/auth/authorize/';
export const TIKTOK_TOKEN_URL = 'https://open.tiktokapis.com/v2/oauth/token/';
export const TIKTOK_REVOKE_URL = 'https://open.tiktokapis.com/v2/oauth/revoke/';
export const TIKTOK_USER_INFO_URL = 'https://open.tiktokapis.com/v2/user/info/';
export const TIKTOK_VIDEO_LIST_URL = 'https://open.tiktokapis.com/v2/video/list/';
export const TIKTOK_VIDEO_QUERY_URL = 'https://open.tiktokapis.com/v2/video/query/';
/** Content Posting API. https://developers.tiktok.com/doc/content-posting-api-reference-direct-post */
export const TIKTOK_CREATOR_INFO_URL = 'https://open.tiktokapis.com/v2/post/publish/creator_info/query/';
export const TIKTOK_VIDEO_INIT_URL = 'https://open.tiktokapis.com/v2/post/publish/video/init/';
export const TIKTOK_INBOX_VIDEO_INIT_URL = 'https://open.tiktokapis.com/v2/post/publish/inbox/video/init/';
export const TIKTOK_CONTENT_INIT_URL = 'https://open.tiktokapis.com/v2/post/publish/content/init/';
export const TIKTOK_PUBLISH_STATUS_URL = 'https://open.tiktokapis.com/v2/post/publish/status/fetch/';

/** https://developers.tiktok.com/doc/tiktok-api-scopes */
export const TIKTOK_SCOPES = {
  basic: 'user.info.basic',
  profile: 'user.info.profile',
  stats: 'user.info.stats',
  videoList: 'video.list',
  videoPublish: 'video.publish',
  videoUpload: 'video.upload',
} as const;

/** `/v2/video/list/` takes at most 20 videos per page. https://developers.tiktok.com/doc/tiktok-api-v2-video-list */
export const TIKTOK_RECENT_SAMPLE = 20;

/**
 * TikTok sends no rate-limit headers and no reset instant: the limits are 1-minute sliding
 * windows, so a whole window is the wait. https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit
 */
export const TIKTOK_RATE_LIMIT_WAIT_SECONDS = 60;

export const tiktokManifest: ProviderManifest = {
  id: 'tiktok',
  displayName: 'TikTok',
  docsUrl: 'https://developers.tiktok.com/doc/overview',
  // The Display API does not say whether an account is personal or business; TikTok's posting
  // API calls every account it acts for a creator.
  accountTypes: ['creator'],
  oauth: {
    authorizeUrl: TIKTOK_AUTHORIZE_URL,
    tokenUrl: TIKTOK_TOKEN_URL,
    // Read scopes for sync, plus Direct Post for publishing. Each needs the app's approval.
    defaultScopes: [TIKTOK_SCOPES.basic, TIKTOK_SCOPES.profile, TIKTOK_SCOPES.stats, TIKTOK_SCOPES.videoList, TIKTOK_SCOPES.videoPublish],
    scopeSeparator: ',',
    // https://developers.tiktok.com/doc/login-kit-web: PKCE is for desktop and mobile apps only.
    pkce: 'none',
    // client_key and client_secret travel in the form body of /v2/oauth/token/.
    clientAuth: 'body',
    // The current docs say 2 h / 180 days; older examples show 24 h / 365 days. The client
    // always trusts `expires_in` / `refresh_expires_in` from each answer.
    accessTokenLifetimeSeconds: 7200,
    refreshTokenLifetimeSeconds: 180 * 86_400,
    // A quarter of a 2-hour token: one missed planner run still leaves time to refresh.
    refreshMarginSeconds: 1800,
    // https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token: "Refresh tokens are rotated".
    rotatesRefreshToken: true,
  },
  metrics: { followers: true, following: true, posts: true, views: false, verified: true, demographics: false },
  // https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit (per access token, 1-minute sliding window)
  quotas: [
    { scope: 'GET /v2/user/info/ per access token', limit: '600 / min' },
    { scope: 'POST /v2/video/list/ and /v2/video/query/ per access token', limit: '600 / min' },
    { scope: 'POST /v2/post/publish/video/init/ and /inbox/video/init/ per access token', limit: '6 / min' },
    { scope: 'POST /v2/post/publish/creator_info/query/ per access token', limit: '20 / min' },
    { scope: 'POST /v2/post/publish/status/fetch/ per access token', limit: '30 / min' },
    { scope: 'POST /v2/post/publish/content/init/ per access token', limit: '6 / min' },
    { scope: 'Posts through the API per creator', limit: 'a daily cap TikTok does not publish (spam_risk_too_many_posts)' },
  ],
  limitations: [
    'Webhooks are configured per app in the TikTok developer portal (the callback URL); there is no per-account subscription call.',
    'No account-level views, audience demographics or insights: the Display API only has profile counts and per-video like/comment/share/view counters.',
    'Only the account\'s public videos are listed; private and friends-only videos are not counted in recent engagement.',
    'Each figure needs its own scope (user.info.stats for counts, user.info.profile for the username and badge, video.list for videos); a user may grant only some, and the missing figures are then absent.',
    'TikTok sends no rate-limit headers: after a 429 Reach waits a whole one-minute window.',
    'Refresh tokens rotate on every refresh, and their lifetime (180 or 365 days) ends the grant: the user must reconnect before it runs out.',
    'Account type (personal or business) is not exposed by the API.',
    'Publishing needs a privacy level chosen by the user among the creator\'s current options: TikTok\'s rules forbid a default.',
    'Until the app passes TikTok\'s audit, every post is private (SELF_ONLY) and only private accounts may post.',
    'Photo posts are pulled by TikTok from their URLs, whose domain must be verified for the app; videos are uploaded in chunks.',
    'TikTok gives a post id only for public posts, once moderation is done; a private post is known by its publish id alone and has no analytics.',
    'TikTok takes no idempotency key: a post whose outcome is unknown is looked for among the account\'s public videos.',
    'Per-post analytics are the four public counters (likes, comments, shares, views) of public videos.',
  ],
};
