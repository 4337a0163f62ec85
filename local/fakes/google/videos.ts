/**
 * Videos uploaded to the YouTube fake, and their upload sessions.
 *
 * A finished upload is `uploaded` (processing) until the owner has asked about it
 * `pollsToProcess` times or `processingSeconds` of the fakes' clock have passed; it then becomes
 * `processed`, or `rejected` (`duplicate`: the same bytes are already on the channel) or `failed`
 * (`emptyFile`, or `conversion` for an MP4/MOV without an `ftyp` box), as YouTube reports them
 * (https://developers.google.com/youtube/v3/docs/videos#status). A scheduled private video
 * (`publishAt`) turns public at its time. Public figures grow over the video's first week.
 */
import { createHash, randomBytes } from 'node:crypto';
import { audienceAt } from '../audience';
import type { FakeGoogleAccount, FakeVideo } from './accounts';

const DAY_MS = 86_400_000;
/** YouTube keeps an unfinished resumable session for about a week. */
export const SESSION_TTL_MS = 7 * DAY_MS;

export interface VideoInput {
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly categoryId: string;
  readonly defaultLanguage?: string;
  readonly privacyStatus: 'public' | 'unlisted' | 'private';
  readonly publishAt?: string;
  readonly selfDeclaredMadeForKids?: boolean;
  readonly containsSyntheticMedia?: boolean;
}

export interface UploadSession {
  readonly id: string;
  readonly accountName: string;
  readonly input: VideoInput;
  readonly parts: string;
  total: number | undefined;
  readonly contentType: string;
  readonly chunks: Buffer[];
  received: number;
  readonly createdAtMs: number;
  videoId?: string;
}

export type FinalStatus =
  | { readonly uploadStatus: 'processed' }
  | { readonly uploadStatus: 'rejected'; readonly rejectionReason: string }
  | { readonly uploadStatus: 'failed'; readonly failureReason: string };

export interface UploadedVideo {
  readonly id: string;
  readonly accountName: string;
  readonly channelId: string;
  readonly input: VideoInput;
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
  readonly uploadedAtMs: number;
  readonly final: FinalStatus;
  polls: number;
}

export interface VideoSettings {
  readonly pollsToProcess: number;
  readonly processingSeconds: number;
  /** Uploads per channel per rolling 24 hours before `uploadLimitExceeded`. */
  readonly dailyUploadLimit: number;
}

/** What a status read shows at an instant. */
export interface VideoState {
  readonly uploadStatus: 'uploaded' | FinalStatus['uploadStatus'];
  readonly privacyStatus: VideoInput['privacyStatus'];
  readonly final?: FinalStatus;
  /** While processing: YouTube's estimate of the time left. */
  readonly timeLeftMs?: number;
}

/** Whether the bytes can be a video of the declared type (MP4/MOV files start with an `ftyp` box). */
const playable = (bytes: Buffer, contentType: string): boolean => {
  const type = contentType.toLowerCase();
  if (type === 'video/mp4' || type === 'video/quicktime') return bytes.subarray(4, 8).toString('latin1') === 'ftyp';
  return true;
};

/** The fake's uploads, sessions and the videos made of them. */
export class FakeVideoStore {
  readonly sessions = new Map<string, UploadSession>();
  readonly videos: UploadedVideo[] = [];

  constructor(readonly settings: VideoSettings) {}

  /** Opens a resumable session. */
  open(input: Omit<UploadSession, 'id' | 'chunks' | 'received'>): UploadSession {
    const session: UploadSession = { ...input, id: `AAnB${randomBytes(24).toString('base64url')}`, chunks: [], received: 0 };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (an expired one is forgotten). */
  session(id: string, nowMs: number): UploadSession | undefined {
    const s = this.sessions.get(id);
    if (s && nowMs - s.createdAtMs > SESSION_TTL_MS && !s.videoId) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  /** Uploads by the account in the 24 hours before `nowMs`. */
  uploadsInDay(accountName: string, nowMs: number): number {
    return this.videos.filter((v) => v.accountName === accountName && nowMs - v.uploadedAtMs < DAY_MS).length;
  }

  /** Turns a complete session into a video, deciding now what processing will end in. */
  finish(session: UploadSession, channelId: string, nowMs: number): UploadedVideo {
    const bytes = Buffer.concat(session.chunks);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const duplicate = this.videos.some((v) => v.channelId === channelId && v.sha256 === sha256 && v.final.uploadStatus === 'processed');
    const final: FinalStatus =
      bytes.length === 0
        ? { uploadStatus: 'failed', failureReason: 'emptyFile' }
        : !playable(bytes, session.contentType)
          ? { uploadStatus: 'failed', failureReason: 'conversion' }
          : duplicate
            ? { uploadStatus: 'rejected', rejectionReason: 'duplicate' }
            : { uploadStatus: 'processed' };
    const video: UploadedVideo = {
      id: randomBytes(8).toString('base64url').slice(0, 11),
      accountName: session.accountName,
      channelId,
      input: session.input,
      sha256,
      size: bytes.length,
      contentType: session.contentType,
      uploadedAtMs: nowMs,
      final,
      polls: 0,
    };
    this.videos.push(video);
    session.videoId = video.id;
    // The bytes are not needed once the video exists.
    session.chunks.length = 0;
    return video;
  }

  /** The uploaded video with this id. */
  byId(id: string): UploadedVideo | undefined {
    return this.videos.find((v) => v.id === id);
  }

  /** Where the video stands at `nowMs`. */
  state(video: UploadedVideo, nowMs: number): VideoState {
    const elapsed = nowMs - video.uploadedAtMs;
    const done = video.polls >= this.settings.pollsToProcess || elapsed >= this.settings.processingSeconds * 1000;
    const scheduledOut = video.input.publishAt !== undefined && nowMs >= Date.parse(video.input.publishAt);
    const privacyStatus = scheduledOut && done && video.final.uploadStatus === 'processed' ? 'public' : video.input.privacyStatus;
    if (!done) return { uploadStatus: 'uploaded', privacyStatus, timeLeftMs: Math.max(1000, this.settings.processingSeconds * 1000 - elapsed) };
    return { uploadStatus: video.final.uploadStatus, privacyStatus, final: video.final };
  }

  /** The channel's uploads, newest first; others see only public processed ones. */
  ofAccount(accountName: string, owner: boolean, nowMs: number): UploadedVideo[] {
    return this.videos
      .filter((v) => v.accountName === accountName)
      .filter((v) => {
        if (owner) return true;
        const s = this.state(v, nowMs);
        return s.uploadStatus === 'processed' && s.privacyStatus === 'public';
      })
      .sort((a, b) => b.uploadedAtMs - a.uploadedAtMs);
  }

  /** The video as the read-only fakes know videos: public figures that grow over its first week. */
  asFakeVideo(video: UploadedVideo, account: FakeGoogleAccount, nowMs: number): FakeVideo {
    const s = this.state(video, nowMs);
    const visible = s.uploadStatus === 'processed' && s.privacyStatus !== 'private';
    const share = visible ? Math.min(1, (nowMs - video.uploadedAtMs) / (7 * DAY_MS)) : 0;
    const a = audienceAt(account.name, new Date(nowMs));
    return {
      id: video.id,
      title: video.input.title,
      publishedAt: new Date(video.uploadedAtMs).toISOString(),
      views: Math.round(a.perPost.views * share),
      likes: Math.round(a.perPost.likes * share),
      comments: Math.round(a.perPost.comments * share),
    };
  }

  /** Forgets every session and video. */
  reset(): void {
    this.sessions.clear();
    this.videos.length = 0;
  }

  /** What tests may want to count. */
  snapshot(nowMs: number) {
    return this.videos.map((v) => {
      const s = this.state(v, nowMs);
      return {
        id: v.id,
        account: v.accountName,
        channelId: v.channelId,
        title: v.input.title,
        description: v.input.description,
        privacyStatus: s.privacyStatus,
        uploadStatus: s.uploadStatus,
        size: v.size,
        uploadedAt: new Date(v.uploadedAtMs).toISOString(),
        polls: v.polls,
      };
    });
  }
}
