/**
 * TikTok metrics in two calls per account, sent together: `GET /v2/user/info/` for the profile
 * counts and `POST /v2/video/list/` for the newest 20 public videos with their counters. Each
 * call needs its scope; a call whose scope was not granted is not made and its figures stay absent.
 * https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info · https://developers.tiktok.com/doc/tiktok-api-v2-video-list
 */
import type { CallContext } from '../http';
import { perAccountMetrics } from '../metrics';
import type { MetricsClient, MetricsOutcome, MetricsTarget, ProviderFailure } from '../types';
import { ProviderError } from '../types';
import { fetchUser, userFields } from './accounts';
import { redact } from './errors';
import { TIKTOK_RECENT_SAMPLE, TIKTOK_SCOPES, TIKTOK_VIDEO_LIST_URL } from './manifest';
import { bearer, callApi } from './request';
import { videoListDataSchema, type TiktokUser, type TiktokVideo } from './schemas';

/** What one account's sync yields (the use case stamps the instant). */
export type TiktokSnapshot = Extract<MetricsOutcome, { ok: true }>['snapshot'];

/** User fields a sync reads. */
export const METRIC_USER_FIELDS = ['open_id', 'follower_count', 'following_count', 'likes_count', 'video_count', 'is_verified'] as const;

/** Video fields a sync reads. */
export const METRIC_VIDEO_FIELDS = ['id', 'create_time', 'like_count', 'comment_count', 'share_count', 'view_count'] as const;

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Account-level figures from a user object; absent fields (scope not granted) stay absent. */
export const snapshotFromUser = (user: TiktokUser): TiktokSnapshot => ({
  ...(user.follower_count !== undefined && { followers: user.follower_count }),
  ...(user.following_count !== undefined && { following: user.following_count }),
  ...(user.video_count !== undefined && { posts: user.video_count }),
  ...(user.likes_count !== undefined && { likes: user.likes_count }),
  ...(user.is_verified !== undefined && { verified: user.is_verified }),
});

/**
 * Average likes/comments/shares/views over the videos that carry counters (a counter a video
 * lacks counts as 0). Undefined when no video has any.
 */
export const recentEngagement = (videos: readonly TiktokVideo[]): TiktokSnapshot['recent'] => {
  const measured = videos.filter(
    (v) => v.like_count !== undefined || v.comment_count !== undefined || v.share_count !== undefined || v.view_count !== undefined,
  );
  if (measured.length === 0) return undefined;
  const n = measured.length;
  const avg = (f: (v: TiktokVideo) => number | undefined) => round2(measured.reduce((acc, v) => acc + (f(v) ?? 0), 0) / n);
  return {
    sampleSize: n,
    likes: avg((v) => v.like_count),
    comments: avg((v) => v.comment_count),
    shares: avg((v) => v.share_count),
    views: avg((v) => v.view_count),
  };
};

/** POST /v2/video/list/: the newest page of the user's public videos. https://developers.tiktok.com/doc/tiktok-api-v2-video-list */
export const fetchRecentVideos = async (ctx: CallContext, accessToken: string): Promise<readonly TiktokVideo[]> => {
  const data = await callApi(
    ctx,
    {
      method: 'POST',
      url: TIKTOK_VIDEO_LIST_URL,
      query: { fields: METRIC_VIDEO_FIELDS.join(',') },
      headers: bearer(accessToken),
      json: { max_count: TIKTOK_RECENT_SAMPLE },
    },
    videoListDataSchema,
  );
  return data.videos;
};

const asFailure = (err: unknown): ProviderFailure =>
  err instanceof ProviderError
    ? err.failure
    : { kind: 'transient', code: 'unexpected', message: redact(err instanceof Error ? err.message : String(err)) };

/** The metrics client: counts and recent engagement, one account per call. */
export const createTiktokMetrics = (ctx: CallContext): MetricsClient => {
  const one = async (target: MetricsTarget): Promise<TiktokSnapshot> => {
    const { accessToken, scopes } = target.tokens;
    const [user, videos] = await Promise.all([
      fetchUser(ctx, accessToken, userFields(scopes, METRIC_USER_FIELDS)),
      scopes.includes(TIKTOK_SCOPES.videoList) ? fetchRecentVideos(ctx, accessToken) : Promise.resolve(undefined),
    ]);
    if (user.open_id !== target.platformAccountId) {
      throw new ProviderError('tiktok', {
        kind: 'permanent',
        code: 'account_mismatch',
        message: 'the token belongs to another TikTok account than the connection',
      });
    }
    const recent = videos ? recentEngagement(videos) : undefined;
    return { ...snapshotFromUser(user), ...(recent !== undefined && { recent }) };
  };

  // Every call carries one user's token, so one account per call; a failing account never fails the others.
  return perAccountMetrics((target) => one(target), { unexpected: asFailure });
};
