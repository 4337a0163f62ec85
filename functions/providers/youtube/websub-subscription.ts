/**
 * Subscribing a callback to a channel's uploads at YouTube's hub
 * (https://developers.google.com/youtube/v3/guides/push_notifications, https://www.w3.org/TR/websub/#subscriber-sends-subscription-request):
 * `POST https://pubsubhubbub.appspot.com/subscribe` with a form; the hub answers `202 Accepted` and
 * then checks the callback with a `GET` challenge (answered by `youtubeWebhooks.challenge`).
 * Subscriptions lapse after their lease: renew them before it ends.
 */
import { sendClassified, type CallContext } from '../http';
import type { AppCredentials } from '../../core/model/tokens';
import type { ProviderDeps } from '../types';
import { classifyYoutube } from './errors';
import { hubSecretOf } from './websub';

export const WEBSUB_HUB_URL = 'https://pubsubhubbub.appspot.com/subscribe';
/** Five days, the lease YouTube's hub grants by default. */
export const DEFAULT_LEASE_SECONDS = 432_000;

/** The topic of a channel's uploads feed. */
export const channelTopic = (channelId: string): string => `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${encodeURIComponent(channelId)}`;

export interface WebSubSubscriptionRequest {
  /** Reach's public webhook URL for YouTube (`…/v1/webhooks/youtube`). */
  readonly callbackUrl: string;
  readonly channelId: string;
  readonly mode?: 'subscribe' | 'unsubscribe';
  readonly leaseSeconds?: number;
  readonly credentials: AppCredentials;
}

export interface WebSubSubscriptionResult {
  readonly topic: string;
  readonly mode: 'subscribe' | 'unsubscribe';
  /** `async`: the hub will check the callback shortly (202); `sync`: it already did (204). */
  readonly verification: 'async' | 'sync';
}

export interface YoutubeWebSub {
  /** Asks the hub to (un)subscribe the callback to the channel's feed. */
  subscribe(request: WebSubSubscriptionRequest): Promise<WebSubSubscriptionResult>;
}

/** Builds the WebSub subscription client on the shared HTTP client. */
export const createYoutubeWebSub = (deps: ProviderDeps): YoutubeWebSub => {
  const ctx: CallContext = { platform: 'youtube', http: deps.http, classify: (failure) => classifyYoutube(failure, deps.now()) };
  return {
    async subscribe({ callbackUrl, channelId, mode = 'subscribe', leaseSeconds = DEFAULT_LEASE_SECONDS, credentials }) {
      const topic = channelTopic(channelId);
      const res = await sendClassified(
        ctx,
        {
          method: 'POST',
          url: WEBSUB_HUB_URL,
          form: {
            'hub.callback': callbackUrl,
            'hub.topic': topic,
            'hub.mode': mode,
            'hub.verify': 'async',
            'hub.secret': hubSecretOf(credentials),
            'hub.lease_seconds': mode === 'subscribe' ? String(leaseSeconds) : undefined,
            'hub.verify_token': credentials.verifyToken,
          },
        },
        { okStatuses: [202, 204] },
      );
      return { topic, mode, verification: res.status === 204 ? 'sync' : 'async' };
    },
  };
};
