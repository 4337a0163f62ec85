/**
 * The fake TikTok's webhook deliveries: `{client_key, event, create_time, user_openid, content}`
 * with `content` JSON-encoded as a string, signed `TikTok-Signature: t=<ts>,s=<hex HMAC-SHA256(
 * client_secret, t + "." + body)>`, POSTed to Reach's receiver. Sent on request (the control
 * route) and by the fake itself as publishes move on.
 * https://developers.tiktok.com/doc/webhooks-events · https://developers.tiktok.com/doc/webhooks-verification
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { DeliveryMode, FakeAppOptions, FakeContext, WebhookDeliveryRequest, WebhookDeliveryResult } from '../framework';
import type { TiktokFakeAccount } from './accounts';
import type { FakePublish, PublishEvent, TiktokPublishState } from './publishes';

/** How far in the past a `stale` delivery is signed: beyond the five minutes receivers allow. */
const STALE_SECONDS = 600;

export interface DeliveryRecord {
  readonly event: string;
  readonly account?: string;
  readonly mode: DeliveryMode;
  readonly at: string;
  readonly statuses: readonly number[];
}

export interface TiktokWebhookState {
  readonly app: FakeAppOptions;
  /** Every delivery made (or kept, when no receiver was known), oldest first. */
  readonly log: DeliveryRecord[];
  /** Deliveries still on their way, for `settled()`. */
  readonly pending: Set<Promise<unknown>>;
}

/** TikTok's signature header value for a body signed at `timestamp`. */
export const signDelivery = (secret: string, timestamp: number, body: string): string =>
  `t=${timestamp},s=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** The delivery body: `content` is the event's JSON encoded as a string, as TikTok sends it. */
export const deliveryBody = (clientKey: string, event: string, openId: string | undefined, content: Readonly<Record<string, unknown>>, createTime: number): string =>
  JSON.stringify({ client_key: clientKey, event, create_time: createTime, ...(openId !== undefined && { user_openid: openId }), content: JSON.stringify(content) });

const post = async (target: string, body: string, signature: string): Promise<number> => {
  try {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'TikTok-Signature': signature },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    // The receiver is down: TikTok would retry later; the fake records the failure as status 0.
    return 0;
  }
};

/** Builds, signs and sends one delivery in the requested mode. */
export const send = async (
  state: TiktokWebhookState,
  ctx: FakeContext,
  input: { readonly event: string; readonly account?: TiktokFakeAccount; readonly content: Readonly<Record<string, unknown>>; readonly mode: DeliveryMode },
): Promise<WebhookDeliveryResult> => {
  const nowSeconds = Math.floor(ctx.now().getTime() / 1000);
  const timestamp = input.mode === 'stale' ? nowSeconds - STALE_SECONDS : nowSeconds;
  const body = deliveryBody(state.app.clientId, input.event, input.account?.openId, input.content, timestamp);
  const secret = input.mode === 'forged' ? `${state.app.clientSecret}-forged` : state.app.clientSecret;
  const signature = signDelivery(secret, timestamp, body);
  const target = ctx.webhookTarget('tiktok');
  const statuses: number[] = [];
  if (target !== undefined) {
    for (let i = 0; i < (input.mode === 'duplicate' ? 2 : 1); i++) statuses.push(await post(target, body, signature));
  }
  state.log.push({ event: input.event, ...(input.account && { account: input.account.name }), mode: input.mode, at: ctx.now().toISOString(), statuses });
  return { statuses, target: target ?? '' };
};

/** Content Posting webhook content for a publish. https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status */
export const publishContent = (event: string, p: FakePublish): Record<string, unknown> => ({
  publish_id: p.publishId,
  publish_type: p.mode === 'MEDIA_UPLOAD' ? 'INBOX_SHARE' : 'DIRECT_PUBLISH',
  ...((event === 'post.publish.publicly_available' || event === 'post.publish.no_longer_publicaly_available') && p.postId !== undefined && { post_id: p.postId }),
  ...(event === 'post.publish.failed' && { reason: p.failReason ?? 'internal' }),
});

/** Sends a publish webhook in the background (TikTok does not wait for the publisher). */
export const notifyPublish = (state: TiktokWebhookState, account: TiktokFakeAccount, event: PublishEvent, p: FakePublish, ctx: FakeContext): void => {
  const delivery = send(state, ctx, { event, account, content: publishContent(event, p), mode: 'valid' });
  state.pending.add(delivery);
  void delivery.finally(() => state.pending.delete(delivery));
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The content of a requested event: the caller's fields, else the account's latest publish, else made up. */
const requestedContent = (request: WebhookDeliveryRequest, latest: FakePublish | undefined): Record<string, unknown> => {
  const data = request.data ?? {};
  switch (request.event) {
    case 'authorization.removed':
      return { reason: typeof data['reason'] === 'number' ? data['reason'] : 1 };
    case 'video.publish.completed':
    case 'video.upload.failed':
      return { share_id: str(data['shareId']) ?? `video.${BigInt(`0x${randomBytes(7).toString('hex')}`)}.${randomBytes(6).toString('base64url')}` };
    case 'portability.download.ready':
      return { request_id: typeof data['requestId'] === 'number' ? data['requestId'] : Number.parseInt(randomBytes(5).toString('hex'), 16) };
    case 'post.publish.complete':
    case 'post.publish.publicly_available':
    case 'post.publish.no_longer_publicaly_available':
    case 'post.publish.inbox_delivered':
    case 'post.publish.failed': {
      const base = latest ? publishContent(request.event, latest) : { publish_id: `v_pub_file~v2-1.${Date.now()}`, publish_type: 'DIRECT_PUBLISH' };
      return {
        ...base,
        ...(str(data['publishId']) && { publish_id: str(data['publishId']) }),
        ...(str(data['postId']) && { post_id: str(data['postId']) }),
        ...(str(data['publishType']) && { publish_type: str(data['publishType']) }),
        ...(request.event === 'post.publish.failed' && { reason: str(data['reason']) ?? (base as Record<string, unknown>)['reason'] ?? 'internal' }),
      };
    }
    default:
      return { ...data };
  }
};

/**
 * `deliverWebhook` for the fake: the delivery TikTok sends for `request.event` about
 * `request.account`. An `authorization.removed` also ends the account's grants, as TikTok has
 * revoked the token by the time it calls.
 */
export const deliverRequested = (
  state: TiktokWebhookState,
  publishState: TiktokPublishState,
  request: WebhookDeliveryRequest,
  ctx: FakeContext,
  account: TiktokFakeAccount,
  revoke: (account: TiktokFakeAccount) => void,
): Promise<WebhookDeliveryResult> => {
  const latest = [...publishState.publishes.values()].filter((p) => p.openId === account.openId).pop();
  if (request.event === 'authorization.removed' && request.mode !== 'forged') revoke(account);
  // The data portability event names no user.
  const about = request.event === 'portability.download.ready' ? undefined : account;
  return send(state, ctx, { event: request.event, ...(about && { account: about }), content: requestedContent(request, latest), mode: request.mode ?? 'valid' });
};
