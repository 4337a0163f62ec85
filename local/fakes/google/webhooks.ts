/**
 * Deliveries the Google fake sends on request (control: POST /__fakes/google/webhooks), built and
 * signed as Google does:
 *
 * - YouTube (`video.published`, `video.updated`, `video.deleted`): a WebSub Atom notification to
 *   Reach's `/v1/webhooks/youtube`, `X-Hub-Signature: sha1=…` keyed with the hub secret Reach
 *   subscribes with (the app's webhook secret, else its client secret);
 * - Business Profile (`NEW_REVIEW`, `UPDATED_REVIEW`, `GOOGLE_UPDATE`, …): a Pub/Sub push to
 *   `/v1/webhooks/google_business` with a Google-style OIDC token for the push audience.
 *
 * Modes: `forged` signs with the wrong secret or key; `stale` sends an old notification (YouTube:
 * its times are a month old, as WebSub signs no time; Business Profile: an expired token);
 * `duplicate` sends the same delivery twice.
 */
import { randomBytes } from 'node:crypto';
import type { FakeContext, WebhookDeliveryRequest, WebhookDeliveryResult } from '../framework';
import { videosAt, type FakeGoogleAccount, type FakeGoogleDirectory } from './accounts';
import { deletedFeed, hubSignature, topicOf, videoFeed, type FakeHub } from './hub';
import { DEFAULT_ACCOUNT } from './oauth';
import type { FakePubSub } from './pubsub';
import type { FakeVideoStore } from './videos';

const YOUTUBE_EVENTS = new Set(['video.published', 'video.updated', 'video.deleted']);
/** Business Profile's notification types (https://developers.google.com/my-business/reference/notifications/rest/v1/NotificationSetting#NotificationType). */
const BUSINESS_EVENTS = new Set([
  'NEW_REVIEW',
  'UPDATED_REVIEW',
  'GOOGLE_UPDATE',
  'NEW_CUSTOMER_MEDIA',
  'NEW_QUESTION',
  'UPDATED_QUESTION',
  'NEW_ANSWER',
  'UPDATED_ANSWER',
  'DUPLICATE_LOCATION',
  'VOICE_OF_MERCHANT_UPDATED',
]);
const STALE_YOUTUBE_MS = 30 * 86_400_000;

export interface GoogleWebhookDeps {
  readonly directory: FakeGoogleDirectory;
  readonly videos: FakeVideoStore;
  readonly hub: FakeHub;
  readonly pubsub: FakePubSub;
  /** The hub secret Reach subscribes with. */
  readonly hubSecret: string;
  /** The audience of push tokens for a push endpoint. */
  readonly pushAudience: (target: string) => string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Sends `times` identical requests and collects their statuses. */
const repeat = async (times: number, send: () => Promise<number>): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await send());
  return out;
};

const youtube = async (deps: GoogleWebhookDeps, request: WebhookDeliveryRequest, account: FakeGoogleAccount, ctx: FakeContext): Promise<WebhookDeliveryResult> => {
  const channel = account.channel;
  if (!channel) throw new Error(`fake account ${account.name} has no YouTube channel`);
  const now = ctx.now();
  const at = request.mode === 'stale' ? new Date(now.getTime() - STALE_YOUTUBE_MS) : now;
  const uploaded = deps.videos.ofAccount(account.name, true, now.getTime())[0];
  const earlier = videosAt(account, now)[0];
  const videoId = str(request.data?.['videoId']) ?? uploaded?.id ?? earlier?.id ?? 'dQw4w9WgXcQ';
  const title = str(request.data?.['title']) ?? deps.videos.byId(videoId)?.input.title ?? earlier?.title ?? 'Video';
  const published = request.event === 'video.updated' ? new Date(at.getTime() - 86_400_000).toISOString() : at.toISOString();
  const body =
    request.event === 'video.deleted'
      ? deletedFeed(videoId, channel.id, at.toISOString())
      : videoFeed({ videoId, channelId: channel.id, title, channelTitle: channel.title, published, updated: at.toISOString() });
  const target = ctx.webhookTarget('youtube');
  const signature = request.mode === 'forged' ? hubSignature(`forged-${randomBytes(8).toString('hex')}`, body) : hubSignature(deps.hubSecret, body);
  if (!target) {
    deps.hub.deliveries.push({ target: '', kind: request.event, status: 0, at: now.toISOString() });
    return { statuses: [], target: '' };
  }
  const statuses = await repeat(request.mode === 'duplicate' ? 2 : 1, () => deps.hub.send(target, body, topicOf(channel.id), undefined, request.event, now, signature));
  return { statuses, target };
};

const business = async (deps: GoogleWebhookDeps, request: WebhookDeliveryRequest, account: FakeGoogleAccount, ctx: FakeContext): Promise<WebhookDeliveryResult> => {
  const biz = account.business;
  const wanted = str(request.data?.['location'])?.replace(/^accounts\/[^/]+\//, '');
  const location = wanted ? biz?.locations.find((l) => l.name === wanted) : biz?.locations.find((l) => l.canOperateLocalPost);
  if (!biz || !location) throw new Error(`fake account ${account.name} has no such Business Profile location`);
  const now = ctx.now();
  const locationName = `${biz.name}/${location.name}`;
  const review = request.event.endsWith('_REVIEW');
  const reviewName = review ? `${locationName}/reviews/${str(request.data?.['reviewId']) ?? randomBytes(12).toString('base64url')}` : undefined;
  const notification = { notificationType: request.event, locationName, ...(reviewName && { reviewName }) };
  const publishTime = request.mode === 'stale' ? new Date(now.getTime() - 2 * 3600_000) : now;
  const body = deps.pubsub.envelope(notification, publishTime);
  const target = ctx.webhookTarget('google_business');
  if (!target) {
    deps.pubsub.deliveries.push({ target: '', kind: request.event, status: 0, at: now.toISOString() });
    return { statuses: [], target: '' };
  }
  const mode = request.mode === 'forged' || request.mode === 'stale' ? request.mode : 'valid';
  const token = deps.pubsub.token({ audience: deps.pushAudience(target), now, mode });
  const statuses = await repeat(request.mode === 'duplicate' ? 2 : 1, () => deps.pubsub.push(target, body, token, request.event, now));
  return { statuses, target };
};

/** Sends the delivery `request` names, to Reach's webhook route for its product. */
export const deliverGoogleWebhook = (deps: GoogleWebhookDeps) => async (request: WebhookDeliveryRequest, ctx: FakeContext): Promise<WebhookDeliveryResult> => {
  const account = deps.directory.ensure(request.account ?? DEFAULT_ACCOUNT);
  if (YOUTUBE_EVENTS.has(request.event)) return youtube(deps, request, account, ctx);
  if (BUSINESS_EVENTS.has(request.event)) return business(deps, request, account, ctx);
  throw new Error(`the Google fake sends no ${request.event} (YouTube: ${[...YOUTUBE_EVENTS].join(', ')}; Business Profile: ${[...BUSINESS_EVENTS].join(', ')})`);
};
