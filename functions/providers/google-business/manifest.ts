/**
 * Google Business Profile as data: Google OAuth with `business.manage`, locations as accounts,
 * location-level daily metrics and no followers.
 * https://developers.google.com/my-business
 */
import type { ProviderManifest } from '../types';
import { GOOGLE_OAUTH_LIMITATIONS, googleOAuthManifest } from '../google/manifest';
import { METRICS_WINDOW_DAYS } from './metrics';

export const BUSINESS_MANAGE_SCOPE = 'https://www.googleapis.com/auth/business.manage';

export const googleBusinessManifest: ProviderManifest = {
  id: 'google_business',
  displayName: 'Google Business Profile',
  docsUrl: 'https://developers.google.com/my-business',
  accountTypes: ['location'],
  oauth: googleOAuthManifest([BUSINESS_MANAGE_SCOPE]),
  metrics: { followers: false, following: false, posts: false, views: true, verified: false, demographics: false },
  quotas: [
    { scope: 'each Business Profile API per Cloud project (after access is approved)', limit: '300 requests per minute' },
    { scope: 'edits per location (creating a post is one)', limit: '10 per minute (cannot be raised)' },
    { scope: 'Cloud project whose API access was not approved', limit: '0 requests per minute' },
  ],
  limitations: [
    'Notifications are configured once per Google Cloud project and account (a Pub/Sub topic and the account\'s notificationSetting); Reach does not subscribe locations by code.',
    'Business Profile has no followers, following or post counts: Reach records profile views (impressions on Maps and Search), website clicks, call clicks, direction requests, conversations and bookings instead.',
    `Those figures are sums over the last ${METRICS_WINDOW_DAYS} complete days (UTC dates); Google publishes daily metrics with a delay of a few days, so the latest days may still read 0.`,
    'The Business Profile APIs must be approved for the Cloud project; until then every call is refused (0 requests per minute).',
    'Locations that cannot carry posts (metadata.canOperateLocalPost = false: unverified, suspended or duplicate listings) are not offered for connection.',
    'Locations have no handle or avatar in the API.',
    'No per-post analytics: the v4 localPosts.reportInsights method is deprecated and the Business Profile Performance API reports per location only, so published posts carry no likes, views or clicks.',
    'Posts go through Google\'s review: they are PROCESSING for a while, then LIVE or REJECTED; Reach polls until then. localPosts.create takes no idempotency key, so a lost answer is resolved by the location\'s posts with the same text.',
    'Each post counts against the 10 edits per minute per location; posts with phone numbers in the text are refused (use a CALL button).',
    'Notifications (new and updated reviews, Google updates) come through Cloud Pub/Sub push: the operator creates the topic and an authenticated push subscription to /v1/webhooks/google_business (audience = the verify token when set, else that URL) and points the account\'s notification setting at the topic.',
    ...GOOGLE_OAUTH_LIMITATIONS,
  ],
};
