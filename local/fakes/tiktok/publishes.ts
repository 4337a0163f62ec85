/**
 * What the fake TikTok keeps of each publish and how it moves through TikTok's statuses:
 * FILE_UPLOAD waits in PROCESSING_UPLOAD for its chunks, PULL_FROM_URL in PROCESSING_DOWNLOAD
 * while the fake reads the URLs; processing ends after `processingSeconds` of the fakes' clock or
 * after `processingPolls` status polls, whichever comes first; a Direct Post then becomes
 * PUBLISH_COMPLETE (public posts get their post id after `moderationSeconds`), a draft
 * SEND_TO_USER_INBOX until the creator posts it. Transitions are applied when the publish is next
 * looked at (a status poll, a video list or query, the state snapshot), with the webhooks TikTok
 * sends at each step. https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
 */
import { createHash, type Hash } from 'node:crypto';
import type { FakeContext } from '../framework';
import { audienceAt, unit } from '../audience';
import type { FakeVideo, TiktokFakeAccount } from './accounts';

export interface TiktokPublishSettings {
  /** Fake-clock seconds a finished upload or download stays processing. */
  readonly processingSeconds: number;
  /** Status polls answered "processing" before the publish completes (whichever of the two comes first). */
  readonly processingPolls: number;
  /** Seconds of moderation before a public post gets its id. */
  readonly moderationSeconds: number;
  /** `max_video_post_duration_sec` of every creator. */
  readonly maxVideoSeconds: number;
  /** Posts per creator per 24 h through the API (TikTok does not publish its cap). */
  readonly dailyPostCap: number;
  /** An unaudited client may only post SELF_ONLY. */
  readonly unaudited: boolean;
  /** URL prefixes verified for PULL_FROM_URL; unset means every URL counts as verified. */
  readonly verifiedUrlPrefixes?: readonly string[];
}

export const DEFAULT_PUBLISH_SETTINGS: TiktokPublishSettings = {
  processingSeconds: 20,
  processingPolls: 1,
  moderationSeconds: 0,
  maxVideoSeconds: 600,
  dailyPostCap: 15,
  unaudited: false,
};

export type PublishStatusName = 'PROCESSING_UPLOAD' | 'PROCESSING_DOWNLOAD' | 'SEND_TO_USER_INBOX' | 'PUBLISH_COMPLETE' | 'FAILED';

export interface FakeUpload {
  readonly uploadId: string;
  readonly token: string;
  readonly expiresAtMs: number;
  readonly size: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  received: number;
  chunks: number;
  readonly hash: Hash;
  sha256?: string;
}

export interface FakePublish {
  readonly publishId: string;
  readonly openId: string;
  readonly accountName: string;
  readonly kind: 'video' | 'photo';
  readonly mode: 'DIRECT_POST' | 'MEDIA_UPLOAD';
  readonly source: 'FILE_UPLOAD' | 'PULL_FROM_URL';
  readonly createdAtMs: number;
  /** A video's caption, or a photo post's title. */
  readonly title: string;
  readonly description: string;
  /** Undefined for a draft until the creator posts it. */
  privacy: string | undefined;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly urls: readonly string[];
  readonly upload?: FakeUpload;
  status: PublishStatusName;
  readyAtMs?: number;
  polls: number;
  failReason?: string;
  downloadedBytes?: number;
  completedAtMs?: number;
  /** The post id, fixed at completion; TikTok shows it only once the post is public. */
  postId?: string;
  publicAtMs?: number;
  /** `post.publish.publicly_available` was sent. */
  announcedPublic: boolean;
}

export type PublishEvent = 'post.publish.complete' | 'post.publish.publicly_available' | 'post.publish.failed' | 'post.publish.inbox_delivered';

export interface TiktokPublishState {
  readonly settings: TiktokPublishSettings;
  readonly publishes: Map<string, FakePublish>;
  /** upload_id → publish_id. */
  readonly uploads: Map<string, string>;
  /** Fail reasons the next publishes end with (tests make a publish fail this way). */
  readonly failNext: string[];
  readonly counter: { value: number };
  accountByName(name: string): TiktokFakeAccount;
  /** Sends one of TikTok's Content Posting webhooks for a publish (when a receiver is known). */
  notify(event: PublishEvent, publish: FakePublish, ctx: FakeContext): void;
}

const HOUR_MS = 3_600_000;

/** A post id like TikTok's: the creation second in the upper 32 bits. */
export const postIdFor = (publishId: string, atMs: number): string => {
  const low = BigInt(`0x${createHash('sha256').update(publishId).digest('hex').slice(0, 8)}`);
  return ((BigInt(Math.floor(atMs / 1000)) << 32n) | low).toString();
};

/** True once the post is public and its id is known. */
export const isPublic = (p: FakePublish, now: Date): boolean =>
  p.status === 'PUBLISH_COMPLETE' && p.privacy === 'PUBLIC_TO_EVERYONE' && p.publicAtMs !== undefined && p.publicAtMs <= now.getTime();

/**
 * A public post as the Display API shows it: counters grow hour by hour over its first two days
 * from the account's per-post audience, deterministically for the post and the instant (steps keep
 * two reads a moment apart equal, as TikTok's cached counters are).
 */
export const postedVideoAt = (p: FakePublish, now: Date): FakeVideo => {
  const createdMs = p.completedAtMs ?? p.createdAtMs;
  const perPost = audienceAt(p.accountName, new Date(createdMs)).perPost;
  const growth = Math.min(1, Math.floor(Math.max(0, now.getTime() - createdMs) / HOUR_MS) / 48);
  const factor = (0.5 + unit(`${p.publishId}:reach`)) * growth;
  return {
    id: p.postId!,
    createTime: Math.floor(createdMs / 1000),
    title: p.title,
    description: p.kind === 'photo' ? p.description : p.title,
    durationSeconds: p.kind === 'video' ? 15 : 0,
    likes: Math.round(perPost.likes * factor),
    comments: Math.round(perPost.comments * factor),
    shares: Math.round(perPost.shares * factor),
    views: Math.round(perPost.views * factor),
  };
};

/** Posts created by the account in the 24 hours before `now` (for the daily cap). */
export const postsInLastDay = (state: TiktokPublishState, openId: string, now: Date): number =>
  [...state.publishes.values()].filter((p) => p.openId === openId && p.mode === 'DIRECT_POST' && p.createdAtMs > now.getTime() - 24 * HOUR_MS).length;

/** Reads every URL of a pull; the number of bytes, or undefined when one cannot be read. */
const pull = async (urls: readonly string[]): Promise<number | undefined> => {
  let total = 0;
  for (const url of urls) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return undefined;
      total += (await res.arrayBuffer()).byteLength;
    } catch {
      return undefined;
    }
  }
  return total;
};

const fail = (state: TiktokPublishState, p: FakePublish, reason: string, ctx: FakeContext): void => {
  p.status = 'FAILED';
  p.failReason = reason;
  state.notify('post.publish.failed', p, ctx);
};

/** The creator posts a draft in the app (or a Direct Post finishes processing). */
export const complete = (state: TiktokPublishState, p: FakePublish, now: Date, ctx: FakeContext): void => {
  p.status = 'PUBLISH_COMPLETE';
  p.completedAtMs = now.getTime();
  p.postId = postIdFor(p.publishId, p.completedAtMs);
  if (p.privacy === 'PUBLIC_TO_EVERYONE') p.publicAtMs = p.completedAtMs + state.settings.moderationSeconds * 1000;
  state.notify('post.publish.complete', p, ctx);
};

/** Moves a publish as far as the fakes' clock (and this poll) allow. */
export const advance = async (state: TiktokPublishState, p: FakePublish, now: Date, ctx: FakeContext, polled: boolean): Promise<void> => {
  if (p.status === 'PROCESSING_UPLOAD' || p.status === 'PROCESSING_DOWNLOAD') {
    if (p.readyAtMs === undefined) return;
    if (polled) p.polls += 1;
    const done = now.getTime() - p.readyAtMs >= state.settings.processingSeconds * 1000 || p.polls > state.settings.processingPolls;
    if (!done) return;
    if (p.source === 'PULL_FROM_URL') {
      const bytes = await pull(p.urls);
      if (bytes === undefined) return fail(state, p, p.kind === 'photo' ? 'photo_pull_failed' : 'video_pull_failed', ctx);
      p.downloadedBytes = bytes;
    }
    const reason = state.failNext.shift();
    if (reason !== undefined) return fail(state, p, reason, ctx);
    if (p.mode === 'MEDIA_UPLOAD') {
      p.status = 'SEND_TO_USER_INBOX';
      state.notify('post.publish.inbox_delivered', p, ctx);
      return;
    }
    complete(state, p, now, ctx);
  }
  if (p.status === 'PUBLISH_COMPLETE' && p.publicAtMs !== undefined && p.publicAtMs <= now.getTime() && !p.announcedPublic) {
    p.announcedPublic = true;
    state.notify('post.publish.publicly_available', p, ctx);
  }
};

/** Applies every pending transition (before anything reads the publishes). */
export const advanceAll = async (state: TiktokPublishState, now: Date, ctx: FakeContext): Promise<void> => {
  for (const p of state.publishes.values()) await advance(state, p, now, ctx, false);
};

/** A JSON-able view of one publish for the snapshot. */
export const describePublish = (p: FakePublish): Record<string, unknown> => ({
  publishId: p.publishId,
  account: p.accountName,
  openId: p.openId,
  kind: p.kind,
  mode: p.mode,
  source: p.source,
  status: p.status,
  privacy: p.privacy ?? null,
  title: p.title,
  description: p.description,
  settings: p.settings,
  createdAt: new Date(p.createdAtMs).toISOString(),
  ...(p.upload && { upload: { size: p.upload.size, chunkSize: p.upload.chunkSize, chunkCount: p.upload.chunkCount, received: p.upload.received, chunks: p.upload.chunks, sha256: p.upload.sha256 ?? null } }),
  ...(p.source === 'PULL_FROM_URL' && { urls: p.urls.length, downloadedBytes: p.downloadedBytes ?? null }),
  ...(p.failReason !== undefined && { failReason: p.failReason }),
  ...(p.completedAtMs !== undefined && { completedAt: new Date(p.completedAtMs).toISOString() }),
  postId: p.postId ?? null,
  // When TikTok shows the post id (a public post, after moderation); null for other privacy levels.
  publicAt: p.publicAtMs === undefined ? null : new Date(p.publicAtMs).toISOString(),
});
