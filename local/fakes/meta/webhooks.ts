/**
 * Webhook deliveries as Meta sends them (https://developers.facebook.com/docs/graph-api/webhooks/getting-started):
 * `POST` with `Content-Type: application/json`, `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`
 * (and the legacy `X-Hub-Signature: sha1=…`) over the exact bytes sent, keyed with the app secret
 * (Instagram deliveries with the Instagram app's). Bodies are serialised the way Meta does: every
 * non-ASCII character as a lowercase `\uXXXX` escape and `/` as `\/`, so a receiver that re-encodes
 * the JSON before checking would fail, as it would against Meta.
 *
 * Events: Instagram `comments` and `mentions`; Page `feed` (`data.item`: `status` (default),
 * `photo`, `video`, `comment`, `reaction`; `data.verb`: `add` (default), `edited`, `remove`); and
 * `subscribe`, the `GET` subscription check with the app's verify token. Modes: `forged` signs
 * with another key (or, for `subscribe`, sends a wrong token); `stale` dates the change two days
 * back (Meta signs no timestamp); `duplicate` sends the same bytes twice. The fake also announces
 * each Page post it publishes, as Meta does for subscribed Pages.
 */
import { createHmac, randomInt } from 'node:crypto';
import type { FakeAppOptions, FakeContext, WebhookDeliveryRequest, WebhookDeliveryResult } from '../framework';
import type { PagePostRecord } from './content';
import { igFeed, pagePosts } from './nodes';
import type { MetaFakeState } from './state';
import { DEFAULT_ACCOUNT } from './consent';
import { numericId, type FakePage, type FakePerson } from './world';

type Provider = 'instagram' | 'facebook';

/** JSON as Meta serialises it: non-ASCII as lowercase `\uXXXX` (UTF-16 units), `/` as `\/`. */
export const metaJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\//g, '\\/');

const secretOf = (app: FakeAppOptions): string => app.webhookSecret ?? app.clientSecret;

const STALE_SECONDS = 2 * 86_400;

const post = async (target: string, body: string, secret: string): Promise<number> => {
  const res = await fetch(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
};

/** Sends one delivery body to the provider's receiver (when one is known) and keeps a record of it. */
const send = async (state: MetaFakeState, ctx: FakeContext, provider: Provider, event: string, mode: string, body: string): Promise<WebhookDeliveryResult> => {
  const target = ctx.webhookTarget(provider);
  const app = provider === 'instagram' ? state.igApp : state.app;
  const secret = mode === 'forged' ? `forged-${secretOf(app)}` : secretOf(app);
  const statuses: number[] = [];
  if (target !== undefined) {
    for (let i = 0; i < (mode === 'duplicate' ? 2 : 1); i++) statuses.push(await post(target, body, secret).catch(() => 0));
  }
  state.noteDelivery({ provider, event, mode, ...(target !== undefined && { target }), statuses, body, at: ctx.now().toISOString() });
  return { statuses, target: target ?? '' };
};

const envelope = (object: string, entryId: string, time: number, field: string, value: unknown): string =>
  metaJson({ object, entry: [{ id: entryId, time, changes: [{ field, value }] }] });

const fanOf = (key: string) => ({ id: numericId('10', `${key}:fan`, 14), name: 'Fan of the fake' });

/** The `feed` value Meta sends for a Page's own post. */
const ownPostValue = (page: FakePage, postId: string, item: string, verb: string, createdTime: number, message: string | undefined, videoId?: string) => ({
  from: { id: page.id, name: page.name },
  item,
  post_id: postId,
  ...(videoId !== undefined && { video_id: videoId }),
  verb,
  published: 1,
  created_time: createdTime,
  ...(message !== undefined && { message }),
});

const str = (data: Readonly<Record<string, unknown>> | undefined, key: string): string | undefined => {
  const v = data?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** The subscription check: Meta's `GET` with `hub.mode`, `hub.challenge` and `hub.verify_token`. */
const subscribe = async (state: MetaFakeState, ctx: FakeContext, request: WebhookDeliveryRequest): Promise<WebhookDeliveryResult> => {
  const provider: Provider = str(request.data, 'platform') === 'instagram' ? 'instagram' : 'facebook';
  const target = ctx.webhookTarget(provider);
  const app = provider === 'instagram' ? state.igApp : state.app;
  const challenge = String(randomInt(1_000_000_000, 2_000_000_000));
  const token = request.mode === 'forged' ? 'not-the-verify-token' : (app.verifyToken ?? '');
  const statuses: number[] = [];
  let echoed = '';
  if (target !== undefined) {
    const url = new URL(target);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', token);
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    statuses.push(res?.status ?? 0);
    echoed = res ? await res.text() : '';
  }
  state.noteDelivery({ provider, event: 'subscribe', mode: request.mode ?? 'valid', ...(target !== undefined && { target }), statuses, body: echoed === challenge ? 'challenge echoed' : 'challenge not echoed', at: ctx.now().toISOString() });
  return { statuses, target: target ?? '' };
};

/** `deliverWebhook` of the Meta fake. */
export const deliverMetaWebhook = async (state: MetaFakeState, request: WebhookDeliveryRequest, ctx: FakeContext): Promise<WebhookDeliveryResult> => {
  if (request.event === 'subscribe') return subscribe(state, ctx, request);
  const now = ctx.now();
  const mode = request.mode ?? 'valid';
  const time = Math.floor(now.getTime() / 1000) - (mode === 'stale' ? STALE_SECONDS : 0);
  const person: FakePerson = state.world.person(request.account ?? DEFAULT_ACCOUNT);
  const data = request.data;

  if (request.event === 'comments' || request.event === 'mentions') {
    const mediaId = str(data, 'mediaId') ?? igFeed(state, person, now, 0, 1)[0]?.id ?? numericId('1790', `${person.name}:none`, 13);
    const commentId = str(data, 'commentId') ?? numericId('178', `${mediaId}:${time}:comment`, 14);
    const value =
      request.event === 'comments'
        ? {
            from: { id: numericId('1784', `${person.name}:commenter`, 13), username: str(data, 'fromUsername') ?? 'a.fan' },
            media: { id: mediaId, media_product_type: 'FEED' },
            id: commentId,
            text: str(data, 'text') ?? 'Love this! 😍',
          }
        : { media_id: mediaId, ...(str(data, 'commentId') !== undefined && { comment_id: commentId }) };
    return send(state, ctx, 'instagram', request.event, mode, envelope('instagram', person.igUserId, time, request.event, value));
  }

  if (request.event === 'feed') {
    const page = person.pages.find((p) => p.id === str(data, 'pageId')) ?? person.pages[0]!;
    const item = str(data, 'item') ?? 'status';
    const verb = str(data, 'verb') ?? 'add';
    const postId = str(data, 'postId') ?? (() => {
      const newest = pagePosts(state, page, now, 0, 1)[0];
      return newest ? `${page.id}_${newest.id}` : `${page.id}_${numericId('1', `${page.id}:none`, 13)}`;
    })();
    const fan = fanOf(`${page.id}:${time}`);
    let value: Record<string, unknown>;
    if (item === 'comment') {
      value = {
        from: fan,
        post: { status_type: 'mobile_status_update', is_published: true, id: postId },
        message: str(data, 'message') ?? 'Great post ✨ / see you there',
        post_id: postId,
        comment_id: str(data, 'commentId') ?? `${postId.split('_')[1]}_${numericId('', `${postId}:${time}`, 9)}`,
        created_time: time,
        item,
        parent_id: postId,
        verb,
      };
    } else if (item === 'reaction') {
      value = { from: fan, post_id: postId, created_time: time, item, parent_id: postId, reaction_type: str(data, 'reactionType') ?? 'like', verb };
    } else {
      value = ownPostValue(page, postId, item, verb, time, str(data, 'message'));
    }
    return send(state, ctx, 'facebook', 'feed', mode, envelope('page', page.id, time, 'feed', value));
  }

  throw new Error(`the Meta fake sends no ${request.event} webhooks (it sends comments, mentions, feed and subscribe)`);
};

/**
 * Announces a Page post the fake just published, as Meta does to apps subscribed to the Page's
 * `feed`. Fire and forget: publishing does not wait for the receiver.
 */
export const announcePagePost = (state: MetaFakeState, ctx: FakeContext, page: FakePage, rec: PagePostRecord): void => {
  if (!rec.published) return;
  const item = rec.kind === 'photo' ? 'photo' : rec.kind === 'video' || rec.kind === 'reel' ? 'video' : 'status';
  const time = Math.floor(ctx.now().getTime() / 1000);
  const body = envelope('page', page.id, time, 'feed', ownPostValue(page, rec.id, item, 'add', time, rec.message === '' ? undefined : rec.message, rec.videoId));
  void send(state, ctx, 'facebook', 'feed', 'valid', body).catch(() => undefined);
};
