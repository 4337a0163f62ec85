/**
 * The channel resource as `channels.list` returns it, and what Reach reads from it
 * (https://developers.google.com/youtube/v3/docs/channels). Statistics are JSON strings
 * ("36200000"); the subscriber count is rounded to three significant figures and may be hidden.
 */
import { z } from 'zod';
import type { MetricsOutcome, ProviderAccount } from '../types';

export const CHANNELS_URL = 'https://www.googleapis.com/youtube/v3/channels';

/** `channels.list` takes at most 50 ids per call, and costs 1 unit whatever their number. */
export const MAX_IDS_PER_CALL = 50;

/** YouTube's counts are decimal JSON strings ("36200000"). */
export const countString = z
  .string()
  .regex(/^\d+$/, 'must be a decimal count')
  .transform((s) => Number(s));

const thumbnailSchema = z.object({ url: z.string().min(1) });

export const channelSchema = z.object({
  id: z.string().min(1),
  snippet: z
    .object({
      title: z.string(),
      customUrl: z.string().optional(),
      thumbnails: z
        .object({ default: thumbnailSchema.optional(), medium: thumbnailSchema.optional(), high: thumbnailSchema.optional() })
        .optional(),
    })
    .optional(),
  statistics: z
    .object({
      viewCount: countString.optional(),
      subscriberCount: countString.optional(),
      hiddenSubscriberCount: z.boolean().optional(),
      videoCount: countString.optional(),
    })
    .optional(),
});
export type Channel = z.infer<typeof channelSchema>;

/** `items` is absent, not empty, when nothing matched (e.g. `mine=true` for an account without a channel). */
export const channelListSchema = z.object({
  kind: z.literal('youtube#channelListResponse').optional(),
  items: z.array(channelSchema).optional(),
});

/** A channel as a connectable account: the handle (`customUrl`) is the username. */
export const toAccount = (channel: Channel): ProviderAccount => {
  const thumbs = channel.snippet?.thumbnails;
  const avatarUrl = thumbs?.high?.url ?? thumbs?.medium?.url ?? thumbs?.default?.url;
  return {
    platformAccountId: channel.id,
    ...(channel.snippet?.customUrl !== undefined && { username: channel.snippet.customUrl }),
    displayName: channel.snippet?.title ?? channel.id,
    ...(avatarUrl !== undefined && { avatarUrl }),
    accountType: 'channel',
  };
};

type Snapshot = Extract<MetricsOutcome, { ok: true }>['snapshot'];

/**
 * A channel's public counts. A hidden subscriber count is left out rather than recorded as 0, so
 * that history and growth do not show a fake collapse.
 */
export const toSnapshot = (channel: Channel): Snapshot => {
  const s = channel.statistics;
  const hidden = s?.hiddenSubscriberCount === true;
  return {
    ...(!hidden && s?.subscriberCount !== undefined && { followers: s.subscriberCount }),
    ...(s?.videoCount !== undefined && { posts: s.videoCount }),
    ...(s?.viewCount !== undefined && { views: s.viewCount }),
  };
};
