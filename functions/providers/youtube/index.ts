/**
 * The YouTube provider: Google OAuth, the channel as the account, channel statistics by the 50,
 * video publishing (resumable upload), per-video analytics and WebSub push notifications.
 */
import type { CallContext } from '../http';
import type { Provider, ProviderFactory } from '../types';
import { createGoogleOAuth } from '../google/oauth';
import { createYoutubeAccounts } from './accounts';
import { createYoutubeAnalytics } from './analytics';
import { createYoutubeAudience } from './audience';
import { classifyYoutube } from './errors';
import { youtubeManifest } from './manifest';
import { createYoutubeMetrics } from './metrics';
import { createYoutubePublisher } from './publish';
import { createYoutubeSubscriptions } from './subscriptions';
import { youtubeWebhooks } from './websub';

export { createYoutubeWebSub, channelTopic, type YoutubeWebSub, type WebSubSubscriptionRequest } from './websub-subscription';

/** Builds the YouTube provider. */
export const createYoutubeProvider: ProviderFactory = (deps): Provider => {
  const classify: CallContext['classify'] = (failure) => classifyYoutube(failure, deps.now());
  const ctx: CallContext = { platform: 'youtube', http: deps.http, classify };
  return {
    manifest: youtubeManifest,
    oauth: createGoogleOAuth({ platform: 'youtube', deps, classify }),
    accounts: createYoutubeAccounts(ctx),
    metrics: createYoutubeMetrics(ctx),
    audience: createYoutubeAudience(ctx, deps.now),
    publisher: createYoutubePublisher(ctx),
    analytics: createYoutubeAnalytics(ctx, deps.now),
    webhooks: youtubeWebhooks,
    subscriptions: createYoutubeSubscriptions(deps),
    classify,
  };
};
