/**
 * Registering Reach's webhook with X and subscribing accounts to it (Account Activity API).
 * Webhook management takes the app-only bearer token; a subscription is made with the token of
 * the account being subscribed.
 * https://docs.x.com/x-api/webhooks/quickstart · https://docs.x.com/x-api/account-activity/introduction
 */
import { callJson, type CallContext } from '../http';
import { X_API_BASE } from './manifest';
import {
  appTokenAnswerSchema,
  subscriptionAnswerSchema,
  webhookCreateAnswerSchema,
  webhookDeleteAnswerSchema,
  webhookListAnswerSchema,
  webhookValidateAnswerSchema,
  type XWebhookConfig,
} from './schemas';

/** The app-only token endpoint (not under `/2`). */
export const X_APP_TOKEN_URL = 'https://api.x.com/oauth2/token';

export interface XWebhookRegistration {
  /** Exchanges the app's consumer key and secret for its app-only bearer token. */
  appBearerToken(consumer: { readonly key: string; readonly secret: string }): Promise<string>;
  /** Registers a webhook URL; X runs the CRC against it before answering. */
  register(appToken: string, url: string): Promise<XWebhookConfig>;
  /** The app's webhooks. */
  list(appToken: string): Promise<readonly XWebhookConfig[]>;
  /** Triggers a CRC for a webhook and re-enables it when the check passes. */
  revalidate(appToken: string, webhookId: string): Promise<boolean>;
  /** Deletes a webhook. */
  remove(appToken: string, webhookId: string): Promise<boolean>;
  /** Subscribes the account behind `userToken` to the webhook's events. */
  subscribe(userToken: string, webhookId: string): Promise<boolean>;
}

export const createXWebhookRegistration = (ctx: CallContext): XWebhookRegistration => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return {
    /** POST /oauth2/token grant_type=client_credentials. https://docs.x.com/fundamentals/authentication/oauth-2-0/bearer-tokens */
    async appBearerToken(consumer) {
      const basic = Buffer.from(`${encodeURIComponent(consumer.key)}:${encodeURIComponent(consumer.secret)}`, 'utf8').toString('base64');
      const answer = await callJson(
        ctx,
        { method: 'POST', url: X_APP_TOKEN_URL, headers: { authorization: `Basic ${basic}` }, form: { grant_type: 'client_credentials' } },
        appTokenAnswerSchema,
      );
      return answer.access_token;
    },

    /** POST /2/webhooks {url}. https://docs.x.com/x-api/webhooks/create-webhook */
    async register(appToken, url) {
      return (await callJson(ctx, { method: 'POST', url: `${X_API_BASE}/webhooks`, headers: bearer(appToken), json: { url } }, webhookCreateAnswerSchema)).data;
    },

    /** GET /2/webhooks. https://docs.x.com/x-api/webhooks/get-webhook */
    async list(appToken) {
      return (await callJson(ctx, { method: 'GET', url: `${X_API_BASE}/webhooks`, headers: bearer(appToken) }, webhookListAnswerSchema)).data;
    },

    /** PUT /2/webhooks/:id. https://docs.x.com/x-api/webhooks/validate-webhook */
    async revalidate(appToken, webhookId) {
      const answer = await callJson(
        ctx,
        { method: 'PUT', url: `${X_API_BASE}/webhooks/${encodeURIComponent(webhookId)}`, headers: bearer(appToken) },
        webhookValidateAnswerSchema,
      );
      return answer.data.valid;
    },

    /** DELETE /2/webhooks/:id. https://docs.x.com/x-api/webhooks/delete-webhook */
    async remove(appToken, webhookId) {
      const answer = await callJson(
        ctx,
        { method: 'DELETE', url: `${X_API_BASE}/webhooks/${encodeURIComponent(webhookId)}`, headers: bearer(appToken) },
        webhookDeleteAnswerSchema,
      );
      return answer.data.deleted;
    },

    /**
     * POST /2/account_activity/webhooks/:id/subscriptions/all with the user's token.
     * https://docs.x.com/x-api/account-activity/create-subscription
     */
    async subscribe(userToken, webhookId) {
      const answer = await callJson(
        ctx,
        { method: 'POST', url: `${X_API_BASE}/account_activity/webhooks/${encodeURIComponent(webhookId)}/subscriptions/all`, headers: bearer(userToken) },
        subscriptionAnswerSchema,
      );
      return answer.data.subscribed;
    },
  };
};
