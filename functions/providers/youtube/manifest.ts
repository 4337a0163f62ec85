/**
 * YouTube as data: Google OAuth, the channel as the account, and what the Data API v3 can tell.
 * https://developers.google.com/youtube/v3/docs
 */
import type { ProviderManifest } from '../types';
import { GOOGLE_OAUTH_LIMITATIONS, googleOAuthManifest } from '../google/manifest';
import { YT_ANALYTICS_SCOPE } from './analytics';

export const YOUTUBE_READONLY_SCOPE = 'https://www.googleapis.com/auth/youtube.readonly';
/** `videos.insert` needs it (https://developers.google.com/youtube/v3/docs/videos/insert#auth). */
export const YOUTUBE_UPLOAD_SCOPE = 'https://www.googleapis.com/auth/youtube.upload';

export const youtubeManifest: ProviderManifest = {
  id: 'youtube',
  displayName: 'YouTube',
  docsUrl: 'https://developers.google.com/youtube/v3/docs',
  accountTypes: ['channel'],
  oauth: googleOAuthManifest([YOUTUBE_READONLY_SCOPE, YOUTUBE_UPLOAD_SCOPE, YT_ANALYTICS_SCOPE]),
  metrics: { followers: true, following: false, posts: true, views: true, verified: false, demographics: true },
  quotas: [
    { scope: 'Data API v3 per Cloud project per day (resets at midnight Pacific Time)', limit: '10,000 units' },
    { scope: 'channels.list, playlistItems.list, videos.list (up to 50 ids per call)', limit: '1 unit per call' },
    { scope: 'search.list', limit: '100 units per call' },
    { scope: 'videos.insert', limit: '1,600 units per call (newer quota page: a separate per-day bucket)' },
    { scope: 'uploads per channel (web, apps and API together)', limit: 'a rolling 24-hour cap (uploadLimitExceeded)' },
  ],
  limitations: [
    'Subscriber counts are public figures rounded by YouTube to three significant figures, so small changes do not show.',
    'A channel may hide its subscriber count (hiddenSubscriberCount); Reach then records no follower figure for it.',
    'The API has no "following" figure and no verification badge.',
    'Sync reads channel statistics only (1 quota unit per 50 channels); recent-video engagement would cost 2 more calls per channel (playlistItems.list + videos.list).',
    'A Google account without a YouTube channel has nothing to connect (no accounts).',
    'Publishing uploads one video per post (the text becomes the description; a title is required). Videos from Cloud projects that have not passed YouTube\'s API audit are forced to private by YouTube.',
    'Shorts cannot be asked for: YouTube makes a Short of any square or vertical video up to 3 minutes.',
    'videos.insert takes no idempotency key: an upload whose answer was lost is found again through its upload session or the channel\'s newest uploads.',
    'Post analytics read views, likes and comments (videos.list); shares need the extra yt-analytics.readonly scope and lag two to three days. Impressions, reach and clicks are not in the API.',
    'Audience demographics (age group and gender, top 25 countries) are percentages of the last 30 days\' views, need yt-analytics.readonly, and are left out by YouTube for channels with too few viewers to stay anonymous.',
    'Push notifications (WebSub) tell of new and changed videos only, not of counts; each channel needs a subscription at the hub, renewed before its lease ends (5 days by default).',
    'YouTube sends no quota-usage headers: usage is visible only in the Cloud Console, and an exhausted quota waits until midnight Pacific Time.',
    ...GOOGLE_OAUTH_LIMITATIONS,
  ],
};
