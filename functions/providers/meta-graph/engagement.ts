/**
 * Averages recent posts' engagement into the snapshot's `recent` block. A figure a post does not
 * report (Instagram hides like counts when the owner turns them off) is averaged over the posts
 * that do report it, so hidden likes do not read as zero engagement. Views are left out unless a
 * post reports them: a figure nobody sampled is unknown, not zero.
 */
import type { MetricSnapshot } from '../../core/model/connection';

export interface PostEngagement {
  readonly likes?: number;
  readonly comments?: number;
  readonly shares?: number;
  readonly views?: number;
}

const mean = (values: readonly (number | undefined)[]): number => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? 0 : Math.round((known.reduce((a, b) => a + b, 0) / known.length) * 100) / 100;
};

/** The `recent` block for a sample of posts; undefined for an account with no posts. */
export const averageEngagement = (posts: readonly PostEngagement[]): MetricSnapshot['recent'] | undefined => {
  if (posts.length === 0) return undefined;
  const sampledViews = posts.some((p) => p.views !== undefined);
  return {
    sampleSize: posts.length,
    likes: mean(posts.map((p) => p.likes)),
    comments: mean(posts.map((p) => p.comments)),
    shares: mean(posts.map((p) => p.shares)),
    ...(sampledViews && { views: mean(posts.map((p) => p.views)) }),
  };
};
