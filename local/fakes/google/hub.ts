/**
 * YouTube's WebSub hub as the fake serves it (https://developers.google.com/youtube/v3/guides/push_notifications,
 * https://www.w3.org/TR/websub/):
 *   POST pubsubhubbub.appspot.com/subscribe   form hub.callback, hub.topic, hub.mode, hub.verify,
 *                                             hub.secret, hub.lease_seconds → 202, then the
 *                                             challenge GET to the callback (verification of intent)
 * and the notifications: an Atom feed per new, changed or deleted video, POSTed to every active
 * subscription of the channel's topic, signed `X-Hub-Signature: sha1=<hex HMAC-SHA1(hub.secret, body)>`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';

export const HUB_URL = 'https://pubsubhubbub.appspot.com';
const TOPIC = /^https:\/\/www\.youtube\.com\/(?:xml\/)?feeds\/videos\.xml\?channel_id=([A-Za-z0-9_-]+)$/;
/** Leases the hub grants: 5 days by default, 10 at most. */
const DEFAULT_LEASE_SECONDS = 432_000;
const MAX_LEASE_SECONDS = 864_000;
const DELIVERY_TIMEOUT_MS = 5000;

export interface HubSubscription {
  readonly callback: string;
  readonly topic: string;
  readonly channelId: string;
  readonly secret?: string;
  readonly leaseSeconds: number;
  state: 'pending' | 'active' | 'refused';
  expiresAtMs?: number;
}

export interface HubDelivery {
  readonly target: string;
  readonly kind: string;
  readonly status: number;
  readonly at: string;
}

/** An entry of YouTube's feed. */
export interface FeedVideo {
  readonly videoId: string;
  readonly channelId: string;
  readonly title: string;
  readonly channelTitle: string;
  readonly published: string;
  readonly updated: string;
}

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

export const topicOf = (channelId: string) => `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${channelId}`;

/** The Atom notification for a new or changed video, as YouTube's documentation shows it. */
export const videoFeed = (v: FeedVideo): string =>
  `<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015"\nxmlns="http://www.w3.org/2005/Atom">\n` +
  `<link rel="hub" href="${HUB_URL}"/>\n<link rel="self" href="${xml(topicOf(v.channelId))}"/>\n` +
  `<title>YouTube video feed</title>\n<updated>${v.updated}</updated>\n<entry>\n` +
  `<id>yt:video:${v.videoId}</id>\n<yt:videoId>${v.videoId}</yt:videoId>\n<yt:channelId>${v.channelId}</yt:channelId>\n` +
  `<title>${xml(v.title)}</title>\n<link rel="alternate" href="http://www.youtube.com/watch?v=${v.videoId}"/>\n` +
  `<author>\n<name>${xml(v.channelTitle)}</name>\n<uri>http://www.youtube.com/channel/${v.channelId}</uri>\n</author>\n` +
  `<published>${v.published}</published>\n<updated>${v.updated}</updated>\n</entry>\n</feed>\n`;

/** The Atom notification for a deleted video (an `at:deleted-entry`). */
export const deletedFeed = (videoId: string, channelId: string, when: string): string =>
  `<feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">\n` +
  `<at:deleted-entry ref="yt:video:${videoId}" when="${when}">\n<link href="https://www.youtube.com/watch?v=${videoId}"/>\n` +
  `<at:by>\n<name>channel</name>\n<uri>https://www.youtube.com/channel/${channelId}</uri>\n</at:by>\n</at:deleted-entry>\n</feed>\n`;

/** `sha1=` + hex HMAC, the hub's signature. */
export const hubSignature = (secret: string, body: string): string => `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;

const text = (status: number, body: string): FakeResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });

/** The hub's subscriptions, its deliveries, and the requests it still has in flight. */
export class FakeHub {
  readonly subscriptions = new Map<string, HubSubscription>();
  readonly deliveries: HubDelivery[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  /** Runs `work` in the background and remembers it until it ends (see `idle`). */
  track(work: Promise<unknown>): void {
    const p = work.catch(() => undefined).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Resolves once every background request has ended. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** POSTs one notification the way the hub does, and records the answer. */
  async send(target: string, body: string, topic: string, secret: string | undefined, kind: string, now: Date, signature?: string): Promise<number> {
    let status: number;
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/atom+xml',
          link: `<${HUB_URL}>; rel=hub, <${topic}>; rel=self`,
          ...((signature ?? secret) !== undefined && { 'x-hub-signature': signature ?? hubSignature(secret!, body) }),
        },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0;
    }
    this.deliveries.push({ target, kind, status, at: now.toISOString() });
    return status;
  }

  /** Notifies every active subscription of the channel's topic. */
  notify(channelId: string, body: string, kind: string, ctx: FakeContext): void {
    const now = ctx.now();
    for (const sub of this.subscriptions.values()) {
      if (sub.channelId !== channelId || sub.state !== 'active' || (sub.expiresAtMs ?? 0) <= now.getTime()) continue;
      this.track(this.send(sub.callback, body, sub.topic, sub.secret, kind, now));
    }
  }

  /** The verification of intent: GET the callback with a challenge; only the challenge echoed back counts. */
  private async verify(sub: HubSubscription, mode: 'subscribe' | 'unsubscribe', verifyToken: string | undefined, ctx: FakeContext): Promise<void> {
    const challenge = randomBytes(16).toString('hex');
    const url = new URL(sub.callback);
    url.searchParams.set('hub.mode', mode);
    url.searchParams.set('hub.topic', sub.topic);
    url.searchParams.set('hub.challenge', challenge);
    if (mode === 'subscribe') url.searchParams.set('hub.lease_seconds', String(sub.leaseSeconds));
    if (verifyToken !== undefined) url.searchParams.set('hub.verify_token', verifyToken);
    let ok = false;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      ok = res.status >= 200 && res.status < 300 && (await res.text()) === challenge;
    } catch {
      ok = false;
    }
    const key = `${sub.callback} ${sub.topic}`;
    if (mode === 'unsubscribe') {
      if (ok) this.subscriptions.delete(key);
      return;
    }
    sub.state = ok ? 'active' : 'refused';
    if (ok) sub.expiresAtMs = ctx.now().getTime() + sub.leaseSeconds * 1000;
  }

  /** `POST /subscribe` (https://www.w3.org/TR/websub/#subscriber-sends-subscription-request). */
  private subscribe = (req: FakeRequest, ctx: FakeContext): FakeResponse => {
    const form = req.form();
    const callback = form.get('hub.callback') ?? '';
    const topic = form.get('hub.topic') ?? '';
    const mode = form.get('hub.mode');
    try {
      const u = new URL(callback);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return text(400, 'Invalid parameter: hub.callback');
    }
    const channelId = TOPIC.exec(topic)?.[1];
    if (!channelId) return text(400, 'Invalid parameter: hub.topic');
    if (mode !== 'subscribe' && mode !== 'unsubscribe') return text(400, 'Invalid parameter: hub.mode');
    const verify = form.get('hub.verify') ?? 'async';
    if (verify !== 'async' && verify !== 'sync') return text(400, 'Invalid parameter: hub.verify');
    const leaseRaw = form.get('hub.lease_seconds');
    if (leaseRaw !== null && !/^\d+$/.test(leaseRaw)) return text(400, 'Invalid parameter: hub.lease_seconds');
    const secret = form.get('hub.secret') ?? undefined;
    if (secret !== undefined && Buffer.byteLength(secret) >= 200) return text(400, 'Invalid parameter: hub.secret');
    const key = `${callback} ${topic}`;
    const existing = this.subscriptions.get(key);
    const sub: HubSubscription =
      mode === 'subscribe'
        ? {
            callback,
            topic,
            channelId,
            ...(secret !== undefined && { secret }),
            leaseSeconds: Math.min(MAX_LEASE_SECONDS, leaseRaw !== null ? Number(leaseRaw) : DEFAULT_LEASE_SECONDS),
            // A renewal keeps the old subscription working until the new one is verified.
            state: existing?.state === 'active' ? 'active' : 'pending',
            ...(existing?.expiresAtMs !== undefined && { expiresAtMs: existing.expiresAtMs }),
          }
        : (existing ?? { callback, topic, channelId, leaseSeconds: 0, state: 'pending' });
    if (mode === 'subscribe') this.subscriptions.set(key, sub);
    this.track(this.verify(sub, mode, form.get('hub.verify_token') ?? undefined, ctx));
    return { status: 202 };
  };

  /** The hub's route. */
  routes(): FakeRoute[] {
    return [{ method: 'POST', host: 'pubsubhubbub.appspot.com', path: '/subscribe', handler: this.subscribe }];
  }

  /** Forgets subscriptions and deliveries. */
  reset(): void {
    this.subscriptions.clear();
    this.deliveries.length = 0;
  }

  /** What tests may want to see (never the secrets). */
  snapshot() {
    return {
      subscriptions: [...this.subscriptions.values()].map((s) => ({
        callback: s.callback,
        topic: s.topic,
        state: s.state,
        leaseSeconds: s.leaseSeconds,
        ...(s.expiresAtMs !== undefined && { expiresAt: new Date(s.expiresAtMs).toISOString() }),
        signed: s.secret !== undefined,
      })),
      deliveries: [...this.deliveries],
    };
  }
}
