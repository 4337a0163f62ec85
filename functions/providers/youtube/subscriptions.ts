/**
 * YouTube's per-channel webhook subscription: a WebSub lease on the channel's uploads feed at
 * YouTube's hub, signed with `hub.secret` (the webhook secret, else the client secret), renewed
 * before the lease ends (https://developers.google.com/youtube/v3/guides/push_notifications).
 */
import type { ProviderDeps, SubscriptionClient } from '../types';
import { createYoutubeWebSub, DEFAULT_LEASE_SECONDS } from './websub-subscription';

/** Builds the subscription client over the WebSub hub client. */
export const createYoutubeSubscriptions = (deps: ProviderDeps): SubscriptionClient => {
  const hub = createYoutubeWebSub(deps);
  return {
    accountTypes: ['channel'],
    /** Subscribes (or renews) the channel's feed; the hub confirms by calling the callback back. */
    async subscribe(ctx) {
      const result = await hub.subscribe({
        callbackUrl: ctx.callbackUrl,
        channelId: ctx.platformAccountId,
        leaseSeconds: DEFAULT_LEASE_SECONDS,
        credentials: ctx.credentials,
      });
      return {
        renewAt: new Date(deps.now().getTime() + DEFAULT_LEASE_SECONDS * 1000).toISOString(),
        detail: { topic: result.topic },
      };
    },
    /** Asks the hub to stop pushing the channel's feed to Reach. */
    async unsubscribe(ctx) {
      await hub.subscribe({ callbackUrl: ctx.callbackUrl, channelId: ctx.platformAccountId, mode: 'unsubscribe', credentials: ctx.credentials });
    },
  };
};
