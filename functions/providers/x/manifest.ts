/**
 * X (API v2) as data: OAuth endpoints and rules, metrics it exposes, documented quotas and what
 * it cannot do. Facts from docs.x.com (see each field's comment for the page).
 */
import type { ProviderManifest } from '../types';

/** The real hosts; `HttpClient` maps them to the fakes in local runs. */
export const X_AUTHORIZE_URL = 'https://x.com/i/oauth2/authorize';
export const X_TOKEN_URL = 'https://api.x.com/2/oauth2/token';
export const X_REVOKE_URL = 'https://api.x.com/2/oauth2/revoke';
export const X_API_BASE = 'https://api.x.com/2';

/** https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code ("state … up to 500 characters") */
export const X_MAX_STATE_LENGTH = 500;

/** How many recent posts one metrics call samples (the endpoint takes 5..100). */
export const X_RECENT_SAMPLE = 10;

export const xManifest: ProviderManifest = {
  id: 'x',
  displayName: 'X',
  docsUrl: 'https://docs.x.com/x-api/introduction',
  // X has no account kinds of its own; `verified_type` (business, government) is the closest.
  accountTypes: ['personal', 'business', 'government'],
  oauth: {
    authorizeUrl: X_AUTHORIZE_URL,
    tokenUrl: X_TOKEN_URL,
    // offline.access is what makes X issue a refresh token at all.
    defaultScopes: ['tweet.read', 'users.read', 'tweet.write', 'offline.access', 'media.write'],
    scopeSeparator: ' ',
    // https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code: PKCE for every client.
    pkce: 'required',
    // Reach is a confidential client ("Web App"): HTTP Basic with client id and secret.
    clientAuth: 'basic',
    accessTokenLifetimeSeconds: 7200,
    // Access tokens live 2 h: refresh 15 min ahead so one missed planner run is not fatal.
    refreshMarginSeconds: 900,
    rotatesRefreshToken: true,
  },
  metrics: { followers: true, following: true, posts: true, views: false, verified: true, demographics: false },
  // https://docs.x.com/x-api/fundamentals/rate-limits (15-minute windows unless stated)
  quotas: [
    { scope: 'GET /2/users/me per user', limit: '75 / 15 min' },
    { scope: 'GET /2/users/:id/tweets per user', limit: '900 / 15 min' },
    { scope: 'GET /2/tweets per user', limit: '5,000 / 15 min' },
    { scope: 'POST /2/tweets per user', limit: '100 / 15 min; 10,000 / 24 h per app' },
    { scope: 'POST /2/media/upload per user', limit: '500 / 15 min' },
    { scope: 'monthly post reads and writes', limit: 'depends on the access tier (Free, Basic, Pro, pay-per-use)' },
  ],
  limitations: [
    'No audience demographics or profile views: the API has no such figures.',
    'Private metrics (non_public_metrics, organic_metrics) exist only for the account\'s own posts younger than 30 days.',
    'Refresh tokens are single-use: each refresh returns a new one, and a lost answer means the user must reconnect.',
    'Refresh tokens are only issued with the offline.access scope; their own lifetime is not stated in the token answer.',
    'Monthly read and post caps depend on the app\'s access tier; exceeding them answers usage-capped until the period resets.',
    'Posts are held to 280 weighted characters: the longer posts of X Premium accounts are not offered.',
    'Creating a post takes no idempotency key: a post whose answer was lost is found again by its text among the account\'s recent posts.',
    'Per-post reach is not reported; link clicks and exact impressions only for the account\'s own posts younger than 30 days.',
    'Account Activity webhooks need the Enterprise (or Self-Serve Pro) tier, and are signed with the app\'s consumer secret, which is not the OAuth 2.0 client secret.',
  ],
};
