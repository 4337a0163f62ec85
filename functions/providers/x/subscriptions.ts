/**
 * X's per-account webhook subscription (Account Activity API): the account, with its own token, is
 * subscribed to the app's webhook. The webhook itself is registered once per app, with the app-only
 * token bought from the consumer key and secret; the first subscribe registers it when the app has
 * none for Reach's URL, and revalidates it (a new CRC) when X marked it invalid.
 * https://docs.x.com/x-api/account-activity/introduction · https://docs.x.com/x-api/webhooks/quickstart
 *
 * There is no `unsubscribe`: disconnecting revokes the account's token, and X drops the
 * subscriptions of a user who no longer grants the app.
 */
import type { CallContext } from '../http';
import { ProviderError, type SubscriptionClient } from '../types';
import { createXWebhookRegistration } from './webhook-registration';
import { consumerSecretOf } from './webhooks';

/** X's answer when the account already is subscribed: the goal is reached. */
const alreadySubscribed = (err: unknown): boolean =>
  err instanceof ProviderError && /DuplicateSubscription|already subscribed/i.test(`${err.failure.code ?? ''} ${err.failure.message}`);

/** Builds the subscription client over the webhook registration client. */
export const createXSubscriptions = (ctx: CallContext): SubscriptionClient => {
  const registration = createXWebhookRegistration(ctx);
  return {
    /** Ensures the app's webhook for `callbackUrl` exists and is valid, then subscribes the account to it. */
    async subscribe(sub) {
      const key = sub.credentials.consumerKey;
      if (!key) {
        throw new ProviderError('x', {
          kind: 'invalid_request',
          code: 'consumer_key_missing',
          message: 'set consumerKey (the app\'s API key) in the x platform secret to register the webhook',
        });
      }
      const appToken = await registration.appBearerToken({ key, secret: consumerSecretOf(sub.credentials) });
      const hooks = await registration.list(appToken);
      let hook = hooks.find((h) => h.url === sub.callbackUrl);
      if (!hook) hook = await registration.register(appToken, sub.callbackUrl);
      else if (!hook.valid) await registration.revalidate(appToken, hook.id);
      let subscribed: boolean;
      try {
        subscribed = await registration.subscribe(sub.tokens.accessToken, hook.id);
      } catch (err) {
        if (!alreadySubscribed(err)) throw err;
        subscribed = true;
      }
      if (!subscribed) throw new ProviderError('x', { kind: 'permanent', code: 'not_subscribed', message: 'X did not subscribe the account to the webhook' });
      return { detail: { webhookId: hook.id } };
    },
  };
};
