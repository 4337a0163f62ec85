/**
 * The X provider: OAuth 2.0 with PKCE, the one account a token acts for, metrics in one call per
 * account, publishing (media upload, posts and threads), per-post analytics, Account Activity
 * webhooks, and classification of X's error shapes.
 */
import type { CallContext } from '../http';
import type { Provider, ProviderFactory } from '../types';
import { createXAccounts } from './accounts';
import { createXAnalytics } from './analytics';
import { classifyXFailure } from './errors';
import { xManifest } from './manifest';
import { createXMetrics } from './metrics';
import { createXOAuth } from './oauth';
import { createXPublisher } from './publish';
import { createXSubscriptions } from './subscriptions';
import { xWebhooks } from './webhooks';

export { createXWebhookRegistration, type XWebhookRegistration } from './webhook-registration';

/** Builds the X provider on the shared HTTP client and clock. */
export const createXProvider: ProviderFactory = (deps): Provider => {
  const classify: Provider['classify'] = (failure) => classifyXFailure(failure, deps.now());
  const ctx: CallContext = { platform: 'x', http: deps.http, classify };
  return {
    manifest: xManifest,
    oauth: createXOAuth(ctx, deps.now),
    accounts: createXAccounts(ctx, deps.now),
    metrics: createXMetrics(ctx, deps.now),
    publisher: createXPublisher(ctx, deps.now),
    analytics: createXAnalytics(ctx, deps.now),
    webhooks: xWebhooks,
    subscriptions: createXSubscriptions(ctx),
    classify,
  };
};
