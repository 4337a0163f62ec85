/**
 * Instagram as data: two ways to log in, what can be read, and what cannot, with reasons
 * (https://developers.facebook.com/docs/instagram-platform).
 */
import { LONG_LIVED_TOKEN_SECONDS } from '../meta-graph/constants';
import type { ProviderManifest } from '../types';

export const INSTAGRAM_VARIANTS = ['instagram_login', 'facebook_login'] as const;
export type InstagramVariant = (typeof INSTAGRAM_VARIANTS)[number];

/** Scopes of Instagram Login (the `instagram_business_*` names current since 27 Jan 2025). */
export const INSTAGRAM_LOGIN_SCOPES = [
  'instagram_business_basic',
  'instagram_business_content_publish',
  'instagram_business_manage_insights',
] as const;

export const instagramManifest: ProviderManifest = {
  id: 'instagram',
  displayName: 'Instagram',
  docsUrl: 'https://developers.facebook.com/docs/instagram-platform',
  accountTypes: ['business', 'creator', 'professional'],
  oauth: {
    authorizeUrl: 'https://www.instagram.com/oauth/authorize',
    tokenUrl: 'https://api.instagram.com/oauth/access_token',
    defaultScopes: INSTAGRAM_LOGIN_SCOPES,
    scopeSeparator: ',',
    pkce: 'none',
    clientAuth: 'body',
    accessTokenLifetimeSeconds: LONG_LIVED_TOKEN_SECONDS,
    // Refreshing needs a token at least a day old and not yet expired; a week leaves room for outages.
    refreshMarginSeconds: 7 * 86_400,
    rotatesRefreshToken: false,
    variants: INSTAGRAM_VARIANTS,
  },
  metrics: { followers: true, following: true, posts: true, views: false, verified: false, demographics: true },
  quotas: [
    { scope: 'Graph API calls per Instagram account (Business Use Case limit)', limit: '4800 × account impressions per rolling 24 h' },
    { scope: 'Graph API calls per app (platform limit, Facebook Login tokens)', limit: '200 × daily active users per rolling hour' },
    { scope: 'API-published posts per Instagram account', limit: '50 per rolling 24 h' },
  ],
  limitations: [
    'Webhooks are subscribed per app, not per account: the operator subscribes the `instagram` object (comments, mentions) to Reach\'s webhook URL in the app dashboard; there is no per-account subscription call.',
    'Only professional (Business or Creator) accounts can connect: the Instagram API does not serve personal accounts.',
    'No verified flag: the Instagram user node has no verification field.',
    'Recent-post views are not sampled: views exist only as per-media insights, one call per post.',
    'Posts have no share count field, so recent shares read 0.',
    'Instagram Login grants cannot be revoked through the API: the user removes the app in Instagram settings.',
    'Instagram Login tokens can be refreshed only once they are at least 24 hours old.',
    'Instagram fetches post media from Reach’s URLs itself; images must be JPEG. Videos are published as reels.',
    'Post insights through Instagram Login take one call per media: graph.instagram.com documents no batch requests.',
    'Story insights are not read (stories report no likes and disappear after a day).',
    'Follower demographics (country, city, age and gender; top 45 values each) take three calls a day and are not given for accounts with fewer than 100 followers.',
  ],
};
