/**
 * The TikTok provider: Login Kit v2 OAuth (rotating refresh tokens, revoke), the one account a
 * token acts for, metrics in two calls per account, publishing through the Content Posting API
 * (chunked video upload, photo posts, drafts), per-post analytics, webhooks, and classification
 * of TikTok's two error shapes.
 */
import type { CallContext } from '../http';
import type { Provider, ProviderFactory } from '../types';
import { createTiktokAccounts } from './accounts';
import { createTiktokAnalytics } from './analytics';
import { classifyTiktokFailure } from './errors';
import { tiktokManifest } from './manifest';
import { createTiktokMetrics } from './metrics';
import { createTiktokOAuth } from './oauth';
import { createTiktokPublisher } from './publish';
import { tiktokWebhooks } from './webhooks';

/** Builds the TikTok provider on the shared HTTP client and clock. */
export const createTiktokProvider: ProviderFactory = (deps): Provider => {
  const classify: Provider['classify'] = (failure) => classifyTiktokFailure(failure, deps.now());
  const ctx: CallContext = { platform: 'tiktok', http: deps.http, classify };
  return {
    manifest: tiktokManifest,
    oauth: createTiktokOAuth(ctx, deps.now),
    accounts: createTiktokAccounts(ctx),
    metrics: createTiktokMetrics(ctx),
    publisher: createTiktokPublisher(ctx, deps.now),
    analytics: createTiktokAnalytics(ctx),
    webhooks: tiktokWebhooks,
    classify,
  };
};
