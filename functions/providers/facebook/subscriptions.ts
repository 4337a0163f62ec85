/**
 * A Page's webhook subscription: the app subscribes to the Page's `feed` with the Page token
 * (`POST /{page-id}/subscribed_apps`), so that Meta delivers the Page's changes to the app's
 * webhook; the app-level `page` object subscription itself is a console step.
 * https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import { FACEBOOK_GRAPH, graphUrl } from '../meta-graph/constants';
import { graphPost, proofQuery } from '../meta-graph/request';
import { ProviderError, type SubscriptionClient, type SubscriptionContext } from '../types';

/** The Page fields Reach reads from deliveries. */
export const PAGE_SUBSCRIBED_FIELDS = ['feed'] as const;

const successSchema = z.object({ success: z.boolean() });

const edgePath = (sub: SubscriptionContext) => `/${encodeURIComponent(sub.platformAccountId)}/subscribed_apps`;

const ensureSuccess = (answer: z.infer<typeof successSchema>, action: string): void => {
  if (!answer.success) throw new ProviderError('facebook', { kind: 'permanent', code: 'not_subscribed', message: `Meta did not ${action} the Page's subscription` });
};

/** Builds the Page subscription client. */
export const createFacebookSubscriptions = (ctx: CallContext): SubscriptionClient => ({
  accountTypes: ['page'],
  /** `POST /{page-id}/subscribed_apps?subscribed_fields=feed` with the Page token. */
  async subscribe(sub) {
    const answer = await graphPost(
      ctx,
      {
        host: FACEBOOK_GRAPH,
        path: edgePath(sub),
        accessToken: sub.tokens.accessToken,
        appSecret: sub.credentials.clientSecret,
        form: { subscribed_fields: PAGE_SUBSCRIBED_FIELDS.join(',') },
      },
      successSchema,
    );
    ensureSuccess(answer, 'create');
    return {};
  },
  /** `DELETE /{page-id}/subscribed_apps` with the Page token. */
  async unsubscribe(sub) {
    const token = sub.tokens.accessToken;
    const answer = await callJson(
      ctx,
      {
        method: 'DELETE',
        url: graphUrl(FACEBOOK_GRAPH, edgePath(sub)),
        query: proofQuery(FACEBOOK_GRAPH, token, sub.credentials.clientSecret),
        headers: { authorization: `Bearer ${token}` },
      },
      successSchema,
    );
    ensureSuccess(answer, 'remove');
  },
});
