/**
 * Per-video metrics: `videos.list?part=statistics&id=…` gives views, likes and comments for up to
 * 50 videos in one call (1 quota unit, https://developers.google.com/youtube/v3/docs/videos/list).
 * When the connection also granted `yt-analytics.readonly`, one YouTube Analytics report per batch
 * adds shares (https://developers.google.com/youtube/analytics/reference/reports/query); those
 * figures lag two to three days behind the counters.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import type { AnalyticsClient, PostMetrics } from '../types';
import type { TokenSet } from '../../core/model/tokens';
import { bearer } from '../google/api';
import { listVideos, MAX_VIDEO_IDS, type Video } from './videos';

export const YT_ANALYTICS_SCOPE = 'https://www.googleapis.com/auth/yt-analytics.readonly';
const REPORTS_URL = 'https://youtubeanalytics.googleapis.com/v2/reports';
/** Reports need a start date; YouTube's first day is early enough for any video. */
const FIRST_DAY = '2005-04-23';

const reportSchema = z.object({
  columnHeaders: z.array(z.object({ name: z.string() })),
  rows: z.array(z.array(z.union([z.string(), z.number()]))).optional(),
});

const chunksOf = <T>(list: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
};

/** Reach's figures from a video's public statistics. */
export const toPostMetrics = (video: Video): PostMetrics => {
  const s = video.statistics;
  return {
    ...(s?.viewCount !== undefined && { views: s.viewCount }),
    ...(s?.likeCount !== undefined && { likes: s.likeCount }),
    ...(s?.commentCount !== undefined && { comments: s.commentCount }),
  };
};

/** Shares per video from one report (`dimensions=video`, `filters=video==a,b`). */
const sharesOf = async (ctx: CallContext, tokens: TokenSet, ids: readonly string[], today: string): Promise<Map<string, number>> => {
  const answer = await callJson(
    ctx,
    {
      method: 'GET',
      url: REPORTS_URL,
      query: {
        ids: 'channel==MINE',
        startDate: FIRST_DAY,
        endDate: today,
        metrics: 'shares',
        dimensions: 'video',
        filters: `video==${ids.join(',')}`,
        sort: '-shares',
        maxResults: 200,
      },
      headers: bearer(tokens),
    },
    reportSchema,
  );
  const videoCol = answer.columnHeaders.findIndex((c) => c.name === 'video');
  const sharesCol = answer.columnHeaders.findIndex((c) => c.name === 'shares');
  const out = new Map<string, number>();
  if (videoCol < 0 || sharesCol < 0) return out;
  for (const row of answer.rows ?? []) {
    const id = row[videoCol];
    const shares = Number(row[sharesCol]);
    if (typeof id === 'string' && Number.isFinite(shares)) out.set(id, shares);
  }
  return out;
};

/** Builds the YouTube analytics client. */
export const createYoutubeAnalytics = (ctx: CallContext, now: () => Date): AnalyticsClient => ({
  batchSize: MAX_VIDEO_IDS,
  /** Metrics by video id; a deleted or unknown video is left out. */
  async fetch({ tokens, platformPostIds }) {
    const out: Record<string, PostMetrics> = {};
    const withShares = tokens.scopes.includes(YT_ANALYTICS_SCOPE);
    for (const ids of chunksOf([...new Set(platformPostIds)], MAX_VIDEO_IDS)) {
      const videos = await listVideos(ctx, tokens, ids, 'statistics');
      const shares = withShares && videos.length > 0 ? await sharesOf(ctx, tokens, videos.map((v) => v.id), now().toISOString().slice(0, 10)) : new Map<string, number>();
      for (const video of videos) {
        const s = shares.get(video.id);
        // A video missing from the report had no shares in it (reports leave out all-zero rows).
        out[video.id] = { ...toPostMetrics(video), ...(withShares && { shares: s ?? 0 }) };
      }
    }
    return out;
  },
});
