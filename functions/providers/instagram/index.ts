/**
 * The Instagram provider: Instagram Login (default) or Facebook Login, chosen per connection;
 * metrics, publishing (feed, reels, carousels, stories), per-post insights, webhooks, and Meta's
 * signed deauthorize and data-deletion callbacks. Facebook Login connections authenticate as the
 * Facebook app when the secret names one (`alternates.facebook_login`).
 */
import type { CallContext } from '../http';
import { verifySignedRequest } from '../meta-graph/signed-request';
import type { ProviderFactory } from '../types';
import { createInstagramAccounts } from './accounts';
import { withVariantApps } from './app-credentials';
import { createInstagramAnalytics } from './analytics';
import { createInstagramAudience } from './audience';
import { instagramClassifier } from './errors';
import { instagramManifest } from './manifest';
import { createInstagramMetrics } from './metrics';
import { createInstagramOAuth } from './oauth';
import { createInstagramPublisher } from './publish';
import { instagramWebhooks } from './webhooks';

/** Builds the Instagram provider over the one HTTP client and the clock. */
export const createInstagramProvider: ProviderFactory = (deps) => {
  const classify = instagramClassifier(deps.now);
  const ctx: CallContext = { platform: 'instagram', http: deps.http, classify };
  return withVariantApps({
    manifest: instagramManifest,
    oauth: createInstagramOAuth(deps, ctx),
    accounts: createInstagramAccounts(ctx),
    metrics: createInstagramMetrics(ctx),
    audience: createInstagramAudience(ctx),
    publisher: createInstagramPublisher(ctx, deps.now),
    analytics: createInstagramAnalytics(ctx),
    webhooks: instagramWebhooks,
    platformCallbacks: { family: 'meta', verifySignedRequest },
    classify,
  });
};
