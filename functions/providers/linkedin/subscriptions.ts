/**
 * Subscribing an organization's admin to social action notifications, so that LinkedIn pushes
 * them to Reach's (validated) webhook. A subscription is keyed by the developer application, the
 * subscribing member and the organization; it lasts as long as the member's grant and admin role.
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications#subscription-api
 */
import { z } from 'zod';
import { parseJson, sendClassified, type CallContext } from '../http';
import { ProviderError } from '../types';
import { API_BASE } from './manifest';
import { encodeUrn, restHeaders } from './rest';
import { SOCIAL_ACTION_EVENT } from './webhooks';

export interface SubscriptionKey {
  /** The developer application's numeric id (the app's page in the developer portal), not its client id. */
  readonly applicationId: string;
  /** `urn:li:person:…` of the administrator whose grant the subscription rides on. */
  readonly personUrn: string;
  /** `urn:li:organization:…` whose activity is pushed. */
  readonly organizationUrn: string;
}

export interface EventSubscription {
  readonly webhook: string;
  /** When LinkedIn drops the subscription (ISO), if it says. */
  readonly expiresAt?: string;
}

const subscriptionSchema = z.object({ webhook: z.string(), expiresAt: z.number().optional() });

/** The compound key in Rest.li 2.0 syntax, URNs encoded: `(developerApplication:…,user:…,entity:…,eventType:…)`. */
export const subscriptionPath = (key: SubscriptionKey): string => {
  if (!/^\d+$/.test(key.applicationId)) throw new Error('applicationId must be the numeric developer application id');
  const parts = [
    `developerApplication:${encodeUrn(`urn:li:developerApplication:${key.applicationId}`)}`,
    `user:${encodeUrn(key.personUrn)}`,
    `entity:${encodeUrn(key.organizationUrn)}`,
    `eventType:${SOCIAL_ACTION_EVENT}`,
  ];
  return `${API_BASE}/rest/eventSubscriptions/(${parts.join(',')})`;
};

export interface LinkedinEventSubscriptions {
  /** Creates or updates the subscription; the member's token must carry `rw_organization_admin`. */
  subscribe(accessToken: string, key: SubscriptionKey, webhookUrl: string): Promise<void>;
  /** The subscription, or undefined when there is none. */
  read(accessToken: string, key: SubscriptionKey): Promise<EventSubscription | undefined>;
  /** Removes the subscription (nothing happens when there is none). */
  remove(accessToken: string, key: SubscriptionKey): Promise<void>;
}

/** Builds the subscription client over the shared call context. */
export const createLinkedinEventSubscriptions = (ctx: CallContext): LinkedinEventSubscriptions => ({
  /** PUT /rest/eventSubscriptions/(…) `{"webhook": url}`. */
  async subscribe(accessToken, key, webhookUrl) {
    await sendClassified(ctx, { method: 'PUT', url: subscriptionPath(key), headers: restHeaders(accessToken), json: { webhook: webhookUrl } });
  },

  /** GET /rest/eventSubscriptions/(…). */
  async read(accessToken, key) {
    const res = await sendClassified(ctx, { method: 'GET', url: subscriptionPath(key), headers: restHeaders(accessToken) }, { okStatuses: [200, 404] });
    if (res.status === 404) return undefined;
    const parsed = subscriptionSchema.safeParse(parseJson(res.text));
    if (!parsed.success) {
      throw new ProviderError('linkedin', { kind: 'permanent', code: 'unexpected_answer', message: 'unexpected answer from /rest/eventSubscriptions' });
    }
    return {
      webhook: parsed.data.webhook,
      ...(parsed.data.expiresAt !== undefined && { expiresAt: new Date(parsed.data.expiresAt).toISOString() }),
    };
  },

  /** DELETE /rest/eventSubscriptions/(…). */
  async remove(accessToken, key) {
    await sendClassified(ctx, { method: 'DELETE', url: subscriptionPath(key), headers: restHeaders(accessToken) }, { okStatuses: [200, 204, 404] });
  },
});
