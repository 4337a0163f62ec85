/**
 * The fake's webhook side: the Event Subscription API (`/rest/eventSubscriptions/(…)`) and signed
 * deliveries of organization social action notifications.
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications ·
 * https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation
 *
 * A delivery is `POST` JSON `{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notifications":[…]}`
 * with `X-LI-Signature: hex(HMAC-SHA256(client secret, "hmacsha256=" + body))`. LinkedIn signs no
 * time; it retries a failed delivery every 5 minutes for 8 hours, so a `stale` delivery is a
 * correctly signed one whose `lastModifiedAt` is older than that.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { FakeAppOptions, FakeContext, FakeResponse, FakeRoute, WebhookDeliveryRequest, WebhookDeliveryResult } from '../framework';
import { accessDenied, API_HOST, badRequest, notFound } from './errors';
import type { LinkedinContent } from './content';
import type { Gateway } from './gateway';
import { postsOf, type FakeOrganization, type LinkedinWorld } from './state';

export const SOCIAL_ACTION_EVENT = 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS';
export const SOCIAL_ACTIONS = ['LIKE', 'COMMENT', 'SHARE', 'SHARE_MENTION', 'ADMIN_COMMENT', 'COMMENT_EDIT', 'COMMENT_DELETE'] as const;
/** How long LinkedIn keeps retrying a delivery; `stale` goes past it. */
const RETRY_WINDOW_MS = 8 * 3_600_000;
/** A subscription rides on the member's grant (60-day tokens). */
const SUBSCRIPTION_TTL_MS = 60 * 86_400_000;

/** hex(HMAC-SHA256(key, "hmacsha256=" + body)). */
export const signDelivery = (key: string, body: string): string => createHmac('sha256', key).update(`hmacsha256=${body}`, 'utf8').digest('hex');

const subscriptionBody = z.object({ webhook: z.string() });
const deliveryData = z
  .object({
    action: z.enum(SOCIAL_ACTIONS).optional(),
    postUrn: z.string().optional(),
    text: z.string().optional(),
    actor: z.string().optional(),
  })
  .loose();

/** Reads the compound key `(developerApplication:…,user:…,entity:…,eventType:…)` (already percent-decoded). */
const parseKey = (raw: string): { application: string; user: string; entity: string; eventType: string } | undefined => {
  const m = /^\(developerApplication:(urn:li:developerApplication:\d+),user:(urn:li:person:[^,]+),entity:(urn:li:organization:\d+),eventType:([A-Z_]+)\)$/.exec(raw);
  return m ? { application: m[1]!, user: m[2]!, entity: m[3]!, eventType: m[4]! } : undefined;
};

/** LinkedIn takes HTTPS webhooks only; the fake also lets loopback receivers of local runs through. */
const acceptableWebhook = (url: string): boolean => {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
};

/** Builds the Event Subscription API routes. */
export const linkedinSubscriptionRoutes = (gateway: Gateway, content: LinkedinContent): FakeRoute[] => {
  type Resolved =
    | { readonly ok: false; readonly problem: FakeResponse }
    | { readonly ok: true; readonly key: NonNullable<ReturnType<typeof parseKey>>; readonly org: FakeOrganization; readonly self: boolean; readonly id: string };
  const resolve = (rawKey: string | undefined, callerSub: string): Resolved => {
    const key = parseKey(rawKey ?? '');
    if (!key) return { ok: false, problem: badRequest('The key must be (developerApplication:…,user:…,entity:…,eventType:…)') };
    if (key.eventType !== SOCIAL_ACTION_EVENT) return { ok: false, problem: badRequest(`Unsupported eventType ${key.eventType}`) };
    const org = gateway.orgFromUrn(key.entity);
    if (!org) return { ok: false, problem: notFound(`Organization ${key.entity}`) };
    return { ok: true, key, org, self: key.user === `urn:li:person:${callerSub}`, id: `${key.application}|${key.user}|${key.entity}` };
  };

  /** PUT: create or update; only an administrator of the organization may subscribe, and only itself. */
  const put = gateway.guard('eventSubscriptions', { rest: true, scopes: ['rw_organization_admin'] }, (req, ctx, { member, version }) => {
    const r = resolve(req.params['key'], member.sub);
    if (!r.ok) return r.problem;
    if (!r.self || r.org.adminSub !== member.sub) return accessDenied('eventSubscriptions', 'UPDATE', version);
    const body = subscriptionBody.safeParse(req.json());
    if (!body.success || !acceptableWebhook(body.data.webhook)) return badRequest('webhook must be an HTTPS URL');
    const existed = content.subscriptions.has(r.id);
    content.subscriptions.set(r.id, {
      key: r.id,
      application: r.key.application,
      user: r.key.user,
      entity: r.key.entity,
      webhook: body.data.webhook,
      expiresAtMs: ctx.now().getTime() + SUBSCRIPTION_TTL_MS,
    });
    return { status: existed ? 204 : 201 };
  });

  const get = gateway.guard('eventSubscriptions', { rest: true, scopes: ['rw_organization_admin'] }, (req, _ctx, { member, version }) => {
    const r = resolve(req.params['key'], member.sub);
    if (!r.ok) return r.problem;
    if (!r.self) return accessDenied('eventSubscriptions', 'GET', version);
    const sub = content.subscriptions.get(r.id);
    if (!sub) return notFound('Subscription');
    return {
      status: 200,
      body: { developerApplication: sub.application, user: sub.user, entity: sub.entity, eventType: SOCIAL_ACTION_EVENT, webhook: sub.webhook, expiresAt: sub.expiresAtMs },
    };
  });

  const remove = gateway.guard('eventSubscriptions', { rest: true, scopes: ['rw_organization_admin'] }, (req, _ctx, { member, version }) => {
    const r = resolve(req.params['key'], member.sub);
    if (!r.ok) return r.problem;
    if (!r.self) return accessDenied('eventSubscriptions', 'DELETE', version);
    content.subscriptions.delete(r.id);
    return { status: 204 };
  });

  return [
    { method: 'PUT', host: API_HOST, path: '/rest/eventSubscriptions/:key', handler: put },
    { method: 'GET', host: API_HOST, path: '/rest/eventSubscriptions/:key', handler: get },
    { method: 'DELETE', host: API_HOST, path: '/rest/eventSubscriptions/:key', handler: remove },
  ];
};

/**
 * Sends one notification about `request.account`'s organization, signed with the client secret,
 * to Reach's receiver or else to the organization's
 * subscribed webhook. `data`: `action` (default COMMENT), `postUrn` (default the organization's
 * newest post), `text`, `actor`.
 */
export const deliverSocialAction = async (
  app: FakeAppOptions,
  world: LinkedinWorld,
  content: LinkedinContent,
  defaultAccount: string,
  request: WebhookDeliveryRequest,
  ctx: FakeContext,
): Promise<WebhookDeliveryResult> => {
  if (request.event !== SOCIAL_ACTION_EVENT) throw new Error(`the LinkedIn fake sends ${SOCIAL_ACTION_EVENT} only, not ${request.event}`);
  const data = deliveryData.safeParse(request.data ?? {});
  if (!data.success) throw new Error(`bad delivery data: ${data.error.issues.map((i) => i.message).join('; ')}`);
  const member = world.member(request.account ?? defaultAccount);
  const orgId = member.organizationIds[0]!;
  const org = world.organizations.get(orgId)!;
  const orgUrn = `urn:li:organization:${orgId}`;
  const now = ctx.now();
  const mode = request.mode ?? 'valid';
  const action = data.data.action ?? 'COMMENT';
  const post = data.data.postUrn ?? content.postsBy(orgUrn)[0]?.id ?? postsOf(orgUrn, org.key, now)[0]?.id ?? `urn:li:share:7000000000000000000`;
  const activity = post.replace(/^urn:li:(share|ugcPost):/, 'urn:li:activity:');
  const actor = data.data.actor ?? 'urn:li:person:fakeCommenter1';
  const notificationId = content.nextNotificationId();
  const happenedAt = mode === 'stale' ? now.getTime() - RETRY_WINDOW_MS - 3_600_000 : now.getTime();
  const commentUrn = `urn:li:comment:(${activity},${7_100_000_000_000_000_000n + BigInt(notificationId)})`;
  const text = data.data.text ?? (action === 'SHARE_MENTION' ? `Proud to work with ${org.localizedName}` : 'Great update!');

  const generated =
    action === 'COMMENT' || action === 'ADMIN_COMMENT' || action === 'COMMENT_EDIT' || action === 'COMMENT_DELETE'
      ? { generatedActivity: commentUrn, decoratedGeneratedActivity: { comment: { owner: action === 'ADMIN_COMMENT' ? orgUrn : actor, text, entity: commentUrn, object: activity } } }
      : action === 'SHARE' || action === 'SHARE_MENTION'
        ? (() => {
            const share = `urn:li:share:${7_200_000_000_000_000_000n + BigInt(notificationId)}`;
            return { generatedActivity: share, decoratedGeneratedActivity: { share: { owner: actor, text, entity: share } } };
          })()
        : {};
  const notification = {
    subscriber: `urn:li:person:${member.sub}`,
    lastModifiedAt: happenedAt,
    decoratedSourcePost: { owner: orgUrn, mediaCategory: 'NONE', text: content.postsBy(orgUrn).find((p) => p.id === post)?.text ?? '', entity: post },
    sourcePost: activity,
    ...generated,
    action,
    notificationId,
    organizationalEntity: orgUrn,
  };
  const body = JSON.stringify({ type: SOCIAL_ACTION_EVENT, notifications: [notification] });
  // LinkedIn has no separate webhook secret: the client secret signs.
  const key = app.clientSecret;
  const signature = signDelivery(mode === 'forged' ? `${key}-not-the-secret` : key, body);
  const target = ctx.webhookTarget('linkedin') ?? [...content.subscriptions.values()].find((s) => s.entity === orgUrn)?.webhook;

  const statuses: number[] = [];
  if (target !== undefined) {
    const times = mode === 'duplicate' ? 2 : 1;
    for (let i = 0; i < times; i++) {
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'x-li-signature': signature }, body });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
  }
  content.deliveries.push({ notificationId, action, organization: orgUrn, mode, ...(target !== undefined && { target }), statuses });
  return { statuses, target: target ?? '' };
};
