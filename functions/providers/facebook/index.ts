/**
 * The Facebook Pages provider: Facebook Login, one connection per Page; metrics, publishing (text,
 * links, photos, videos, reels), per-post analytics, Page webhooks, and Meta's signed deauthorize
 * and data-deletion callbacks.
 */
import type { CallContext } from '../http';
import { verifySignedRequest } from '../meta-graph/signed-request';
import type { ProviderFactory } from '../types';
import { createFacebookAccounts } from './accounts';
import { createFacebookAnalytics } from './analytics';
import { createFacebookAudience } from './audience';
import { facebookClassifier } from './errors';
import { facebookManifest } from './manifest';
import { createFacebookMetrics } from './metrics';
import { createFacebookOAuth } from './oauth';
import { createFacebookPublisher } from './publish';
import { createFacebookSubscriptions } from './subscriptions';
import { facebookWebhooks } from './webhooks';

/** Builds the Facebook Pages provider over the one HTTP client and the clock. */
export const createFacebookProvider: ProviderFactory = (deps) => {
  const classify = facebookClassifier(deps.now);
  const ctx: CallContext = { platform: 'facebook', http: deps.http, classify };
  return {
    manifest: facebookManifest,
    oauth: createFacebookOAuth(deps, ctx),
    accounts: createFacebookAccounts(deps, ctx),
    metrics: createFacebookMetrics(ctx),
    audience: createFacebookAudience(ctx),
    publisher: createFacebookPublisher(ctx, deps.now),
    analytics: createFacebookAnalytics(ctx),
    webhooks: facebookWebhooks,
    subscriptions: createFacebookSubscriptions(ctx),
    platformCallbacks: { family: 'meta', verifySignedRequest },
    classify,
  };
};
