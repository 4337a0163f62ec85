/**
 * What members and organizations publish through the fake: uploaded images and videos, the posts
 * made with them, event subscriptions and webhook deliveries. Kept apart from the derived world
 * (`state.ts`) because it only exists once someone posts.
 */
import { createHash } from 'node:crypto';
import { audienceAt } from '../audience';
import { statsFor, type ShareStats } from './state';

export type ImageStatus = 'WAITING_UPLOAD' | 'AVAILABLE';
export type VideoStatus = 'WAITING_UPLOAD' | 'PROCESSING' | 'AVAILABLE' | 'PROCESSING_FAILED';

export interface FakeImage {
  readonly urn: string;
  readonly owner: string;
  status: ImageStatus;
  bytes: number;
}

export interface FakeVideoPart {
  readonly firstByte: number;
  readonly lastByte: number;
  readonly uploadId: string;
  etag?: string;
}

export interface FakeVideo {
  readonly urn: string;
  readonly owner: string;
  readonly fileSizeBytes: number;
  readonly uploadToken: string;
  readonly parts: FakeVideoPart[];
  finalizedAtMs?: number;
  availableAtMs?: number;
  failed?: boolean;
}

/** An upload URL's target: a whole image, or one part of a video. */
export type FakeUpload =
  | { readonly kind: 'image'; readonly urn: string; readonly secret: string }
  | { readonly kind: 'video'; readonly urn: string; readonly part: number; readonly secret: string };

export interface PublishedPost {
  readonly id: string;
  readonly author: string;
  /** As sent, in little text. */
  readonly commentary: string;
  /** As LinkedIn shows it (escapes resolved, cut at the first unparseable character). */
  readonly text: string;
  readonly visibility: string;
  readonly kind: 'text' | 'image' | 'multiImage' | 'video' | 'article';
  readonly content?: Readonly<Record<string, unknown>>;
  readonly createdAtMs: number;
  readonly reshareDisabled: boolean;
}

export interface FakeSubscription {
  readonly key: string;
  readonly application: string;
  readonly user: string;
  readonly entity: string;
  readonly webhook: string;
  readonly expiresAtMs: number;
}

export interface DeliveryRecord {
  readonly notificationId: number;
  readonly action: string;
  readonly organization: string;
  readonly mode: string;
  readonly target?: string;
  readonly statuses: readonly number[];
}

const RESERVED = new Set(['\\', '|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '*', '_', '~']);

/**
 * How LinkedIn renders little text: `\x` is `x`, `{hashtag|\#|tag}` and `#tag` are `#tag`,
 * `@[Name](urn)` is `Name`; at the first reserved character it cannot parse, the rest of the commentary is lost.
 */
export const renderLittleText = (commentary: string): { readonly text: string; readonly truncated: boolean } => {
  let out = '';
  let i = 0;
  while (i < commentary.length) {
    const ch = commentary[i]!;
    if (ch === '\\' && i + 1 < commentary.length && RESERVED.has(commentary[i + 1]!)) {
      out += commentary[i + 1];
      i += 2;
      continue;
    }
    if (ch === '{') {
      const tag = /^\{hashtag\|\\#\|([^{}|\\]+)\}/u.exec(commentary.slice(i));
      if (tag) {
        out += `#${tag[1]}`;
        i += tag[0].length;
        continue;
      }
    }
    if (ch === '#') {
      // A bare `#word` is little's HashtagElement.
      const bare = /^#([\p{L}\p{M}\p{N}]+)/u.exec(commentary.slice(i));
      if (bare) {
        out += bare[0];
        i += bare[0].length;
        continue;
      }
    }
    if (ch === '@') {
      const mention = /^@\[([^\]]+)\]\((urn:li:(?:person|organization):[^)]+)\)/.exec(commentary.slice(i));
      if (mention) {
        out += mention[1];
        i += mention[0].length;
        continue;
      }
    }
    if (RESERVED.has(ch)) return { text: out, truncated: true };
    out += ch;
    i += 1;
  }
  return { text: out, truncated: false };
};

const DAY_MS = 86_400_000;

/** A published post's statistics: they grow over its first two days towards the author's usual figures. */
export const publishedStats = (post: PublishedPost, audienceKey: string, now: Date): ShareStats => {
  const full = statsFor(post.id, audienceAt(audienceKey, now).perPost);
  const grown = Math.max(0, Math.min(1, (now.getTime() - post.createdAtMs) / (2 * DAY_MS)));
  const scale = (n: number) => Math.round(n * grown);
  const impressionCount = scale(full.impressionCount);
  const likeCount = scale(full.likeCount);
  const commentCount = scale(full.commentCount);
  const shareCount = scale(full.shareCount);
  const clickCount = scale(full.clickCount);
  return {
    impressionCount,
    uniqueImpressionsCount: scale(full.uniqueImpressionsCount),
    clickCount,
    likeCount,
    commentCount,
    shareCount,
    engagement: impressionCount === 0 ? 0 : (likeCount + commentCount + shareCount + clickCount) / impressionCount,
  };
};

/** Where a video stands at `now`. */
export const videoStatusAt = (video: FakeVideo, now: Date): VideoStatus => {
  if (video.finalizedAtMs === undefined) return 'WAITING_UPLOAD';
  if (video.failed) return 'PROCESSING_FAILED';
  return now.getTime() >= (video.availableAtMs ?? 0) ? 'AVAILABLE' : 'PROCESSING';
};

/** Everything published through the fake, with id minting. */
export class LinkedinContent {
  readonly images = new Map<string, FakeImage>();
  readonly videos = new Map<string, FakeVideo>();
  readonly uploads = new Map<string, FakeUpload>();
  readonly posts: PublishedPost[] = [];
  readonly subscriptions = new Map<string, FakeSubscription>();
  readonly deliveries: DeliveryRecord[] = [];
  private serial = 0;
  private notificationSerial = 0;

  /** A fresh opaque id (upload ids, asset ids), unique within the fake's life. */
  mint(kind: string): string {
    this.serial += 1;
    return createHash('sha256').update(`${kind}:${this.serial}:${Date.now()}`).digest('base64url').slice(0, 22).replace(/[-_]/g, 'x');
  }

  /** A post URN: share for most posts, ugcPost for video posts (as the Posts API answers). */
  postUrn(kind: PublishedPost['kind'], nowMs: number): string {
    this.serial += 1;
    const digits = `7${String(nowMs).padStart(13, '0').slice(-12)}${String(this.serial % 1_000_000).padStart(6, '0')}`;
    return `urn:li:${kind === 'video' ? 'ugcPost' : 'share'}:${digits}`;
  }

  /** A notification id, as LinkedIn's (a long). */
  nextNotificationId(): number {
    this.notificationSerial += 1;
    return 5_600_000_000 + this.notificationSerial;
  }

  /** The author's posts, newest first. */
  postsBy(author: string): PublishedPost[] {
    return this.posts.filter((p) => p.author === author).sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  reset(): void {
    this.images.clear();
    this.videos.clear();
    this.uploads.clear();
    this.posts.length = 0;
    this.subscriptions.clear();
    this.deliveries.length = 0;
    this.notificationSerial = 0;
  }
}
