/**
 * LinkedIn's per-account webhook subscription: organization social action notifications, keyed by
 * the developer application, the administrator whose token subscribes, and the organization
 * (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications#subscription-api).
 * Members have no such notifications, so only organization accounts are subscribed.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import { ProviderError, type SubscriptionClient, type SubscriptionContext } from '../types';
import { API_BASE } from './manifest';
import { bearer, personUrn } from './rest';
import { createLinkedinEventSubscriptions, type SubscriptionKey } from './subscriptions';

const userinfoSchema = z.object({ sub: z.string().min(1) });

/**
 * The subscription key of an organization connection: the administrator is the member the
 * token belongs to (OIDC `userinfo`,
 * https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2#api-request-to-retreive-member-details).
 */
const keyOf = async (ctx: CallContext, sub: SubscriptionContext): Promise<SubscriptionKey> => {
  const applicationId = sub.credentials.applicationId;
  if (!applicationId) {
    throw new ProviderError('linkedin', {
      kind: 'invalid_request',
      code: 'application_id_missing',
      message: 'set applicationId (the developer application id) in the linkedin platform secret to subscribe organizations',
    });
  }
  const member = sub.detail?.['personUrn'] ?? personUrn((await callJson(ctx, { method: 'GET', url: `${API_BASE}/v2/userinfo`, headers: bearer(sub.tokens.accessToken) }, userinfoSchema)).sub);
  return { applicationId, personUrn: member, organizationUrn: sub.platformAccountId };
};

/** Builds the subscription client over the Event Subscription API client. */
export const createLinkedinAccountSubscriptions = (ctx: CallContext): SubscriptionClient => {
  const events = createLinkedinEventSubscriptions(ctx);
  return {
    accountTypes: ['organization'],
    /** Creates or updates the subscription, then reads it back for its end (the member's grant). */
    async subscribe(sub) {
      const key = await keyOf(ctx, sub);
      await events.subscribe(sub.tokens.accessToken, key, sub.callbackUrl);
      const stored = await events.read(sub.tokens.accessToken, key);
      return { ...(stored?.expiresAt !== undefined && { renewAt: stored.expiresAt }), detail: { personUrn: key.personUrn } };
    },
    /** Removes the subscription (nothing happens when there is none). */
    async unsubscribe(sub) {
      await events.remove(sub.tokens.accessToken, await keyOf(ctx, sub));
    },
  };
};
