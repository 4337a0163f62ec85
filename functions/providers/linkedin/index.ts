/**
 * The LinkedIn provider: members and the organizations (Pages) they administer, over OAuth 2.0
 * and the versioned REST API: metrics, publishing (text, images, video, link posts), per-post
 * analytics and organization social action webhooks.
 */
import type { CallContext } from '../http';
import type { Provider, ProviderFactory } from '../types';
import { createLinkedinAccountSubscriptions } from './account-subscriptions';
import { createAccountsClient } from './accounts';
import { createLinkedinAnalytics } from './analytics';
import { createClassifier } from './errors';
import { linkedinManifest } from './manifest';
import { createMetricsClient } from './metrics';
import { createOAuthClient } from './oauth';
import { createLinkedinPublisher } from './publish';
import { linkedinWebhooks } from './webhooks';

export { createLinkedinEventSubscriptions, type LinkedinEventSubscriptions, type SubscriptionKey } from './subscriptions';

/** Builds the LinkedIn provider on the shared HTTP client and clock. */
export const createLinkedinProvider: ProviderFactory = (deps): Provider => {
  const classify = createClassifier(deps.now);
  const ctx: CallContext = { platform: 'linkedin', http: deps.http, classify };
  return {
    manifest: linkedinManifest,
    oauth: createOAuthClient(ctx, deps.now),
    accounts: createAccountsClient(ctx),
    metrics: createMetricsClient(ctx),
    publisher: createLinkedinPublisher(ctx, deps.now),
    analytics: createLinkedinAnalytics(ctx),
    webhooks: linkedinWebhooks,
    subscriptions: createLinkedinAccountSubscriptions(ctx),
    classify,
  };
};
