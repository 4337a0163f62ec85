/**
 * The video resource as `videos.list` and `videos.insert` return it, and the reads publishing,
 * reconciling and analytics share (https://developers.google.com/youtube/v3/docs/videos).
 * Counts are JSON strings; `processingDetails` is visible to the video's owner only.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import type { TokenSet } from '../../core/model/tokens';
import { bearer } from '../google/api';
import { countString } from './channels';

export const VIDEOS_URL = 'https://www.googleapis.com/youtube/v3/videos';
export const PLAYLIST_ITEMS_URL = 'https://www.googleapis.com/youtube/v3/playlistItems';

/** `videos.list` takes at most 50 ids per call (1 quota unit). */
export const MAX_VIDEO_IDS = 50;

/** Unsigned longs (`partsTotal`, `timeLeftMs`) arrive as strings; accept numbers too. */
const longValue = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number);

export const videoSchema = z.object({
  id: z.string().min(1),
  snippet: z
    .object({
      title: z.string().optional(),
      description: z.string().optional(),
      publishedAt: z.string().optional(),
      channelId: z.string().optional(),
    })
    .optional(),
  status: z
    .object({
      // uploaded | processed | failed | rejected | deleted
      uploadStatus: z.string().optional(),
      failureReason: z.string().optional(),
      rejectionReason: z.string().optional(),
      privacyStatus: z.string().optional(),
      publishAt: z.string().optional(),
    })
    .optional(),
  processingDetails: z
    .object({
      processingStatus: z.string().optional(),
      processingFailureReason: z.string().optional(),
      processingProgress: z
        .object({ partsTotal: longValue.optional(), partsProcessed: longValue.optional(), timeLeftMs: longValue.optional() })
        .optional(),
    })
    .optional(),
  statistics: z
    .object({
      viewCount: countString.optional(),
      // Absent when the owner hides likes.
      likeCount: countString.optional(),
      favoriteCount: countString.optional(),
      commentCount: countString.optional(),
    })
    .optional(),
  contentDetails: z.object({ duration: z.string().optional() }).optional(),
});
export type Video = z.infer<typeof videoSchema>;

export const videoListSchema = z.object({
  kind: z.literal('youtube#videoListResponse').optional(),
  items: z.array(videoSchema).optional(),
});

/**
 * `videos.list?id=…` (https://developers.google.com/youtube/v3/docs/videos/list): up to 50 videos
 * in one call; unknown or deleted ids are simply missing from `items`.
 */
export const listVideos = async (ctx: CallContext, tokens: TokenSet, ids: readonly string[], part: string): Promise<Video[]> => {
  const answer = await callJson(ctx, { method: 'GET', url: VIDEOS_URL, query: { part, id: ids.join(','), maxResults: MAX_VIDEO_IDS }, headers: bearer(tokens) }, videoListSchema);
  return answer.items ?? [];
};

const playlistItemsSchema = z.object({
  items: z
    .array(
      z.object({
        snippet: z.object({ title: z.string().optional(), description: z.string().optional(), publishedAt: z.string().optional() }).optional(),
        contentDetails: z.object({ videoId: z.string().min(1), videoPublishedAt: z.string().optional() }),
      }),
    )
    .optional(),
  nextPageToken: z.string().optional(),
});

export interface RecentUpload {
  readonly videoId: string;
  readonly title: string;
  readonly description: string;
  /** When the video was added to the uploads playlist (its upload time). */
  readonly addedAt?: string;
}

const channelUploadsSchema = z.object({
  items: z.array(z.object({ contentDetails: z.object({ relatedPlaylists: z.object({ uploads: z.string().min(1) }) }).optional() })).optional(),
});

/**
 * The channel's newest uploads, private ones included (the owner's token sees them): the uploads
 * playlist from `channels.list?mine=true` (https://developers.google.com/youtube/v3/docs/channels/list),
 * then `playlistItems.list` newest first (https://developers.google.com/youtube/v3/docs/playlistItems/list).
 * 2 quota units, against 100 for `search.list`.
 */
export const recentUploads = async (ctx: CallContext, tokens: TokenSet, max: number): Promise<RecentUpload[]> => {
  const channels = await callJson(
    ctx,
    { method: 'GET', url: 'https://www.googleapis.com/youtube/v3/channels', query: { part: 'contentDetails', mine: 'true' }, headers: bearer(tokens) },
    channelUploadsSchema,
  );
  const uploads = channels.items?.[0]?.contentDetails?.relatedPlaylists.uploads;
  if (!uploads) return [];
  const answer = await callJson(
    ctx,
    { method: 'GET', url: PLAYLIST_ITEMS_URL, query: { part: 'snippet,contentDetails', playlistId: uploads, maxResults: Math.min(50, max) }, headers: bearer(tokens) },
    playlistItemsSchema,
  );
  return (answer.items ?? []).map((i) => ({
    videoId: i.contentDetails.videoId,
    title: i.snippet?.title ?? '',
    description: i.snippet?.description ?? '',
    ...(i.snippet?.publishedAt !== undefined && { addedAt: i.snippet.publishedAt }),
  }));
};
