/**
 * Per-post analytics for TikTok: the four public counters of the creator's own videos, up to 20
 * videos per `POST /v2/video/query/`. Only public videos are answered; a private post (known by
 * its publish id only) has no counters and is left out.
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-query
 */
import type { CallContext } from '../http';
import type { AnalyticsClient, PostMetrics } from '../types';
import { TIKTOK_VIDEO_QUERY_URL } from './manifest';
import { bearer, callApi } from './request';
import { videoQueryDataSchema, type TiktokVideo } from './schemas';

/** `filters.video_ids` takes at most 20 ids. */
export const TIKTOK_QUERY_BATCH = 20;

export const ANALYTICS_FIELDS = ['id', 'like_count', 'comment_count', 'share_count', 'view_count'] as const;

/** Video ids are numeric; a publish id (`v_pub_file~…`) of a post that never went public is not one. */
const isVideoId = (id: string): boolean => /^[0-9]{1,25}$/.test(id);

/** The counters a video object carries. */
export const metricsOf = (video: TiktokVideo): PostMetrics => ({
  ...(video.like_count !== undefined && { likes: video.like_count }),
  ...(video.comment_count !== undefined && { comments: video.comment_count }),
  ...(video.share_count !== undefined && { shares: video.share_count }),
  ...(video.view_count !== undefined && { views: video.view_count }),
});

/** The analytics client: one call per 20 posts. */
export const createTiktokAnalytics = (ctx: CallContext): AnalyticsClient => ({
  batchSize: TIKTOK_QUERY_BATCH,

  /**
   * POST /v2/video/query/ per 20 ids: counters by post id; ids TikTok does not answer for
   * (deleted, private) are absent. https://developers.tiktok.com/doc/tiktok-api-v2-video-query
   */
  async fetch(input) {
    const ids = [...new Set(input.platformPostIds)].filter(isVideoId);
    const out: Record<string, PostMetrics> = {};
    for (let i = 0; i < ids.length; i += TIKTOK_QUERY_BATCH) {
      const batch = ids.slice(i, i + TIKTOK_QUERY_BATCH);
      const data = await callApi(
        ctx,
        {
          method: 'POST',
          url: TIKTOK_VIDEO_QUERY_URL,
          query: { fields: ANALYTICS_FIELDS.join(',') },
          headers: bearer(input.tokens.accessToken),
          json: { filters: { video_ids: batch } },
        },
        videoQueryDataSchema,
      );
      for (const video of data.videos) if (batch.includes(video.id)) out[video.id] = metricsOf(video);
    }
    return out;
  },
});
