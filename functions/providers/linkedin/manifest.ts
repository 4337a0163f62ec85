/**
 * LinkedIn as data: OAuth endpoints and lifetimes, the pinned API version, scopes, what metrics
 * exist and what the API does not offer.
 *
 * Sources: https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow,
 * https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens,
 * https://learn.microsoft.com/en-us/linkedin/marketing/versioning,
 * https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
 */
import type { ProviderManifest } from '../types';

/**
 * The `LinkedIn-Version` every `/rest/*` call sends. LinkedIn supports a version for about a year,
 * so this is bumped on purpose (and the fake told about it), never computed from the clock.
 */
export const LINKEDIN_VERSION = '202601';

/** Rest.li 2.0 is what makes URN-valued query parameters and finders parse as documented. */
export const RESTLI_PROTOCOL_VERSION = '2.0.0';

export const OAUTH_BASE = 'https://www.linkedin.com/oauth/v2';
export const API_BASE = 'https://api.linkedin.com';

/** Sign in (OIDC), posting as the member, and the member's follower count. */
export const MEMBER_SCOPES = ['openid', 'profile', 'email', 'w_member_social', 'r_member_profileAnalytics'] as const;

/** Administering, posting for and reading the Pages (organizations) the member administers. */
export const ORGANIZATION_SCOPES = ['rw_organization_admin', 'w_organization_social', 'r_organization_social'] as const;

/** Either of these lets a token list and read the organizations its member administers. */
export const ORGANIZATION_ADMIN_SCOPES = ['rw_organization_admin', 'r_organization_admin'] as const;

/** `member` asks for the member scopes only; `organization` adds the Page (organization) scopes. */
export const VARIANTS = ['member', 'organization'] as const;
export type LinkedinVariant = (typeof VARIANTS)[number];

const DAY = 86_400;

export const linkedinManifest: ProviderManifest = {
  id: 'linkedin',
  displayName: 'LinkedIn',
  docsUrl: 'https://learn.microsoft.com/en-us/linkedin/',
  accountTypes: ['member', 'organization'],
  oauth: {
    authorizeUrl: `${OAUTH_BASE}/authorization`,
    tokenUrl: `${OAUTH_BASE}/accessToken`,
    defaultScopes: MEMBER_SCOPES,
    scopeSeparator: ' ',
    // The PKCE flow is reserved for approved native apps; web apps authenticate with the secret.
    pkce: 'none',
    clientAuth: 'body',
    accessTokenLifetimeSeconds: 60 * DAY,
    // Only apps approved for programmatic refresh tokens get one; it does not renew on use.
    refreshTokenLifetimeSeconds: 365 * DAY,
    refreshMarginSeconds: 7 * DAY,
    rotatesRefreshToken: false,
    variants: VARIANTS,
  },
  metrics: { followers: true, following: false, posts: false, views: true, verified: false, demographics: false },
  quotas: [
    { scope: 'every endpoint, per application and per member', limit: 'daily limits, reset at 00:00 UTC; values shown only in the developer portal' },
  ],
  limitations: [
    'Refresh tokens are issued only to apps approved for programmatic refresh tokens; other apps must send the member through consent again before the 60-day token expires.',
    'A refresh token lives 365 days from the first consent and is not renewed by refreshing; the member must reconnect once a year.',
    "Members' post engagement needs r_member_postAnalytics, a restricted permission, so recent-post averages are not read for members.",
    "Per-post analytics of a member's posts give likes and comments only, and only to connections granted the restricted r_member_social (socialActions); without it a refresh answers 'unsupported' with the reason. Impressions and reach need r_member_postAnalytics, which Reach does not request. Organization posts get impressions, reach, clicks, likes, comments and reshares.",
    'LinkedIn takes no idempotency key: a post whose answer was lost is found among the author\'s recent posts (organizations; members need r_member_social) or by LinkedIn\'s duplicate-content refusal on the next attempt.',
    'Unescaped little-text characters silently cut a post, so every reserved character is escaped; @mentions are sent as plain text.',
    'Webhooks exist only for organizations (social action notifications: likes, comments, reshares, mentions); each admin must be subscribed with the developer application id, and LinkedIn signs no timestamp.',
    'Organization engagement is read as lifetime totals (impressions, likes, comments, reshares, clicks): per-post averages would cost a third call per sync.',
    'Following count, post count and verification are not exposed by the API.',
    'Rate limits are daily and the API sends no rate-limit headers: a 429 means waiting until 00:00 UTC.',
  ],
};
