/**
 * The Google Business Profile provider: Google OAuth, locations as accounts, daily location
 * metrics, local posts, and review notifications through Pub/Sub push. No per-post analytics:
 * the API has none (see the manifest).
 */
import type { CallContext } from '../http';
import type { Provider, ProviderFactory } from '../types';
import { createGoogleOAuth } from '../google/oauth';
import { createBusinessAccounts } from './accounts';
import { classifyBusiness } from './errors';
import { googleBusinessManifest } from './manifest';
import { createBusinessMetrics } from './metrics';
import { createBusinessPublisher } from './publish';
import { createBusinessWebhooks } from './webhooks';

export { createBusinessWebhooks, type BusinessWebhookAdapter } from './webhooks';

/** Builds the Google Business Profile provider. */
export const createGoogleBusinessProvider: ProviderFactory = (deps): Provider => {
  const classify: CallContext['classify'] = (failure) => classifyBusiness(failure, deps.now());
  const ctx: CallContext = { platform: 'google_business', http: deps.http, classify };
  return {
    manifest: googleBusinessManifest,
    oauth: createGoogleOAuth({ platform: 'google_business', deps, classify }),
    accounts: createBusinessAccounts(ctx),
    metrics: createBusinessMetrics(ctx, deps.now),
    publisher: createBusinessPublisher(ctx),
    webhooks: createBusinessWebhooks(ctx, deps.now),
    classify,
  };
};
