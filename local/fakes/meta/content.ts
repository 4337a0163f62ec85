/**
 * What was published through the Meta fake: Instagram media containers and the media published
 * from them, Page posts, unpublished photos, and Page videos and reels. Processing advances with
 * the fakes' clock or with status reads (whichever comes first), as Meta's does while it fetches
 * and transcodes. Published items join the generated history of their account (see `world.ts`)
 * in the media and post lists, with engagement that grows with their age.
 */
import { createHash } from 'node:crypto';
import { unit, type Audience } from '../audience';
import { numericId, type FakePost } from './world';

const DAY_MS = 86_400_000;

export type IgContainerKind = 'IMAGE' | 'REELS' | 'STORIES' | 'CAROUSEL' | 'CAROUSEL_ITEM';

export interface IgContainer {
  readonly id: string;
  /** The Instagram professional account id that created it. */
  readonly owner: string;
  readonly kind: IgContainerKind;
  readonly isVideo: boolean;
  readonly caption: string;
  readonly children: readonly string[];
  /** Graph parameters as received (for tests). */
  readonly params: Readonly<Record<string, string>>;
  readonly createdAtMs: number;
  /** When processing is done (images: at once). */
  readonly readyAtMs: number;
  /** Status reads so far (processing also ends after enough of them). */
  polls: number;
  /** Set when Instagram could not use the media: the `status` text. */
  error?: string;
  publishedMediaId?: string;
  usedInCarousel?: string;
}

export interface IgMedia {
  readonly id: string;
  readonly owner: string;
  readonly containerId: string;
  readonly mediaType: 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM';
  readonly productType: 'FEED' | 'REELS' | 'STORY';
  readonly caption: string;
  readonly createdAtMs: number;
  readonly shortcode: string;
  readonly children: readonly string[];
}

export type PagePostKind = 'status' | 'link' | 'photo' | 'video' | 'reel';

export interface PagePostRecord {
  /** `{page-id}_{number}`. */
  readonly id: string;
  /** The number after the underscore (what `FakePost.id` holds). */
  readonly number: string;
  readonly pageId: string;
  readonly kind: PagePostKind;
  readonly message: string;
  readonly link?: string;
  readonly createdAtMs: number;
  /** False for posts created hidden (`published=false`): not in `published_posts`. */
  readonly published: boolean;
  readonly photoIds: readonly string[];
  readonly videoId?: string;
}

export interface PagePhoto {
  readonly id: string;
  readonly pageId: string;
  readonly url: string;
  readonly createdAtMs: number;
  readonly published: boolean;
  attachedTo?: string;
  postId?: string;
}

export interface PageVideo {
  readonly id: string;
  readonly pageId: string;
  readonly kind: 'video' | 'reel';
  description: string;
  readonly createdAtMs: number;
  /** Set once the bytes (or a `file_url`) arrived; for `/videos` at creation. */
  uploadedAtMs?: number;
  /** A reel's finish call, or `/videos` creation. */
  finishedAtMs?: number;
  readonly published: boolean;
  polls: number;
  error?: string;
  postId?: string;
}

export interface ProcessingOptions {
  readonly seconds: number;
  readonly polls: number;
}

/** How a published item's engagement grows: most of it within the first day or two. */
const growth = (ageMs: number): number => 1 - Math.exp(-Math.max(0, ageMs) / DAY_MS);

/** A published item's figures at `now`, from the account's typical per-post engagement. */
export const publishedFigures = (id: string, createdAtMs: number, audience: Audience, now: Date) => {
  const g = growth(now.getTime() - createdAtMs);
  const factor = 0.6 + unit(`${id}:eng`) * 0.8;
  const scale = (n: number) => Math.round(n * factor * g);
  return { likes: scale(audience.perPost.likes), comments: scale(audience.perPost.comments), shares: scale(audience.perPost.shares), views: scale(audience.perPost.views) };
};

/** Figures insights report beside the counts every post has: reach, saves, clicks. */
export const derivedFigures = (post: Pick<FakePost, 'id' | 'likes' | 'views'>) => ({
  reach: Math.round(post.views * (0.55 + unit(`${post.id}:reach`) * 0.2)),
  saves: Math.round(post.likes * 0.08),
  clicks: Math.round(post.views * 0.03),
});

const shortcodeOf = (id: string): string => createHash('sha256').update(`${id}:code`).digest('base64url').slice(0, 11);

/** The Meta fake's published content; `reset` forgets it. */
export class ContentStore {
  private seq = 0;
  readonly containers = new Map<string, IgContainer>();
  readonly igMedia = new Map<string, IgMedia>();
  readonly pagePosts = new Map<string, PagePostRecord>();
  readonly photos = new Map<string, PagePhoto>();
  readonly videos = new Map<string, PageVideo>();

  private next(prefix: string, length: number): string {
    this.seq += 1;
    return numericId(prefix, `content:${this.seq}`, length);
  }

  /** Creates a container; videos stay in progress for `processingMs`. */
  addContainer(input: Omit<IgContainer, 'id' | 'polls' | 'readyAtMs'> & { readonly processingMs: number }): IgContainer {
    const { processingMs, ...rest } = input;
    const container: IgContainer = { ...rest, id: this.next('1789', 13), polls: 0, readyAtMs: input.createdAtMs + processingMs };
    this.containers.set(container.id, container);
    return container;
  }

  /** A container's `status_code` at `now`. */
  containerStatus(c: IgContainer, nowMs: number, processing: ProcessingOptions): 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED' {
    if (c.publishedMediaId !== undefined) return 'PUBLISHED';
    if (c.error !== undefined) return 'ERROR';
    if (nowMs - c.createdAtMs > DAY_MS) return 'EXPIRED';
    if (c.readyAtMs <= nowMs || (c.isVideo && c.polls >= processing.polls)) return 'FINISHED';
    return 'IN_PROGRESS';
  }

  /** Publishes a finished container: the new media. */
  publishContainer(c: IgContainer, nowMs: number): IgMedia {
    const id = this.next('1791', 13);
    const media: IgMedia = {
      id,
      owner: c.owner,
      containerId: c.id,
      mediaType: c.kind === 'CAROUSEL' ? 'CAROUSEL_ALBUM' : c.isVideo ? 'VIDEO' : 'IMAGE',
      productType: c.kind === 'STORIES' ? 'STORY' : c.kind === 'REELS' ? 'REELS' : 'FEED',
      caption: c.caption,
      createdAtMs: nowMs,
      shortcode: shortcodeOf(id),
      children: c.children,
    };
    c.publishedMediaId = id;
    this.igMedia.set(id, media);
    return media;
  }

  /** The account's published media, newest first (stories apart). */
  mediaOf(owner: string, product: 'posts' | 'stories'): IgMedia[] {
    return [...this.igMedia.values()]
      .filter((m) => m.owner === owner && (product === 'stories') === (m.productType === 'STORY'))
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  /** API-published media of the account within the last `windowMs` (stories count too). */
  publishedWithin(owner: string, nowMs: number, windowMs: number): number {
    return [...this.igMedia.values()].filter((m) => m.owner === owner && m.createdAtMs > nowMs - windowMs).length;
  }

  /** Records a Page post; its number is made up unless given (a video's post reuses the video id). */
  addPagePost(input: Omit<PagePostRecord, 'id' | 'number'> & { readonly number?: string }): PagePostRecord {
    const number = input.number ?? this.next('8', 15);
    const post: PagePostRecord = { ...input, number, id: `${input.pageId}_${number}` };
    this.pagePosts.set(post.id, post);
    return post;
  }

  /** The Page's posts, newest first; hidden ones only when asked. */
  postsOf(pageId: string, includeHidden = false): PagePostRecord[] {
    return [...this.pagePosts.values()].filter((p) => p.pageId === pageId && (includeHidden || p.published)).sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  /** Records an uploaded photo. */
  addPhoto(input: Omit<PagePhoto, 'id'>): PagePhoto {
    const photo: PagePhoto = { ...input, id: this.next('7', 15) };
    this.photos.set(photo.id, photo);
    return photo;
  }

  /** Records a video or reel upload session. */
  addVideo(input: Omit<PageVideo, 'id' | 'polls'>): PageVideo {
    const video: PageVideo = { ...input, id: this.next('6', 15), polls: 0 };
    this.videos.set(video.id, video);
    return video;
  }

  /** Whether a finished video is done processing at `now`. */
  videoReady(v: PageVideo, nowMs: number, processing: ProcessingOptions): boolean {
    if (v.finishedAtMs === undefined || v.error !== undefined) return false;
    return v.finishedAtMs + processing.seconds * 1000 <= nowMs || v.polls >= processing.polls;
  }

  /** Forgets everything published. */
  reset(): void {
    this.seq = 0;
    this.containers.clear();
    this.igMedia.clear();
    this.pagePosts.clear();
    this.photos.clear();
    this.videos.clear();
  }
}
