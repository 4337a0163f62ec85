/**
 * Facebook Pages as data (https://developers.facebook.com/docs/pages-api). A connection is a Page,
 * acting with its own Page token derived from the person's long-lived user token.
 */
import { FACEBOOK_DIALOG_URL, FACEBOOK_TOKEN_URL } from '../meta-graph/constants';
import type { ProviderManifest } from '../types';

/** Listing Pages, reading their engagement and insights, and publishing to them. */
export const FACEBOOK_SCOPES = ['pages_show_list', 'pages_read_engagement', 'pages_manage_posts', 'read_insights'] as const;

export const facebookManifest: ProviderManifest = {
  id: 'facebook',
  displayName: 'Facebook Pages',
  docsUrl: 'https://developers.facebook.com/docs/pages-api',
  accountTypes: ['page'],
  oauth: {
    authorizeUrl: FACEBOOK_DIALOG_URL,
    tokenUrl: FACEBOOK_TOKEN_URL,
    defaultScopes: FACEBOOK_SCOPES,
    scopeSeparator: ',',
    pkce: 'none',
    clientAuth: 'query',
    // Page tokens derived from a long-lived user token have no expiry, so none is declared; the
    // daily refresh re-exchanges the 60-day user token they came from and notices a removed grant.
    refreshMarginSeconds: 7 * 86_400,
    rotatesRefreshToken: false,
  },
  metrics: { followers: true, following: false, posts: false, views: false, verified: false, demographics: true },
  quotas: [
    { scope: 'Graph API calls per Page (Business Use Case limit, Page tokens)', limit: '4800 × engaged users per rolling 24 h' },
    { scope: 'Graph API calls per app (platform limit, user tokens)', limit: '200 × daily active users per rolling hour' },
    { scope: 'API-published reels per Page', limit: '30 per rolling 24 h' },
  ],
  limitations: [
    'Pages only: personal profiles cannot be read or published to through the API.',
    'Disconnecting a Page removes the app grant of the Facebook user who connected it, so the other Pages connected through the same login stop working too.',
    'Page likes (fan_count) are being retired by Meta; Reach reports followers_count.',
    'Verification (verification_status) is a legacy field and is not reported.',
    'Pages expose no following or total post count.',
    'Audience is followers by country and by city only: Meta retired Page follower age and gender (page_fans_gender_age) in 2024, and Page insights exist only for Pages with 100 or more followers.',
    'Recent-post views are not sampled: views exist only as per-post insights, one call per post.',
    'Photo and video posts show no link preview: a link is added to their text.',
    'Posts created hidden (published: false) are not listed by the Page, so an interrupted attempt is settled from its checkpoint only.',
  ],
};
