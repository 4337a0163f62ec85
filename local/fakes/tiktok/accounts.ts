/**
 * The fake TikTok's people and videos. Accounts are created by name on first consent; their
 * audience evolves with the fakes' clock (`audienceAt`), and their videos are derived
 * deterministically, so the same account at the same instant always shows the same page.
 *
 * Names steer behaviour: `empty` gives an account without public videos, `verified` a verified
 * badge; `spike`/`dip` pick the audience scenario (see audience.ts).
 */
import { createHash } from 'node:crypto';
import { audienceAt, unit } from '../audience';

export interface TiktokFakeAccount {
  /** The name that picks the account on the consent URL (`fake_account`). */
  readonly name: string;
  /** Per-app user id, UUID-shaped like TikTok's. */
  readonly openId: string;
  readonly unionId: string;
  readonly username: string;
  readonly displayName: string;
  readonly bio: string;
  readonly verified: boolean;
  readonly hasVideos: boolean;
}

export interface FakeVideo {
  /** Numeric string whose upper 32 bits are the creation second, as TikTok ids are. */
  readonly id: string;
  /** Epoch seconds. */
  readonly createTime: number;
  readonly title: string;
  /** The creator's description; derived from the title for the seeded videos. */
  readonly description?: string;
  readonly durationSeconds: number;
  readonly likes: number;
  readonly comments: number;
  readonly shares: number;
  readonly views: number;
}

const DAY_MS = 86_400_000;
/** Day 20 000 since the epoch: where audience.ts starts every account. */
const AUDIENCE_EPOCH_DAY = 20_000;

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');

const uuidOf = (key: string): string => {
  const h = hex(key);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Creates the account a name stands for. */
export const createAccount = (name: string): TiktokFakeAccount => {
  const username = name.toLowerCase().replace(/[^a-z0-9._]/g, '_').slice(0, 24) || 'reach_user';
  return {
    name,
    openId: uuidOf(`tiktok-open:${name}`),
    unionId: uuidOf(`tiktok-union:${name}`),
    username,
    displayName: name
      .split(/[._\-\s]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(' '),
    bio: `Fake TikTok account ${name} for Reach's local runtime`,
    verified: name.includes('verified'),
    hasVideos: !name.includes('empty'),
  };
};

/** How many public videos the account has by `now` (audience.ts: 20 + one every three days). */
export const videoCount = (account: TiktokFakeAccount, now: Date): number => (account.hasVideos ? audienceAt(account.name, now).posts : 0);

/**
 * Video number `k` (0 = the oldest), posted the evening before every third day so that the newest
 * one is never later than `now`.
 */
export const videoAt = (account: TiktokFakeAccount, k: number): FakeVideo => {
  const createdMs = (AUDIENCE_EPOCH_DAY + (k - 19) * 3) * DAY_MS - 5 * 3_600_000;
  const createTime = Math.floor(createdMs / 1000);
  const perPost = audienceAt(account.name, new Date(createdMs)).perPost;
  const factor = 0.5 + unit(`${account.name}:video:${k}`);
  const low = BigInt(`0x${hex(`${account.openId}:${k}`).slice(0, 8)}`);
  return {
    id: ((BigInt(createTime) << 32n) | low).toString(),
    createTime,
    title: `Video #${k + 1} by @${account.username}`,
    durationSeconds: 8 + Math.floor(unit(`${account.name}:duration:${k}`) * 52),
    likes: Math.round(perPost.likes * factor),
    comments: Math.round(perPost.comments * factor),
    shares: Math.round(perPost.shares * factor),
    views: Math.round(perPost.views * factor),
  };
};

/** All public videos by `now`, newest first. */
export const videosNewestFirst = (account: TiktokFakeAccount, now: Date): FakeVideo[] => {
  const out: FakeVideo[] = [];
  for (let k = videoCount(account, now) - 1; k >= 0; k--) out.push(videoAt(account, k));
  return out;
};

/** Which scope each user field needs. https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info */
export const USER_FIELD_SCOPES: Readonly<Record<string, string>> = {
  open_id: 'user.info.basic',
  union_id: 'user.info.basic',
  avatar_url: 'user.info.basic',
  avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic',
  display_name: 'user.info.basic',
  bio_description: 'user.info.profile',
  profile_deep_link: 'user.info.profile',
  is_verified: 'user.info.profile',
  username: 'user.info.profile',
  follower_count: 'user.info.stats',
  following_count: 'user.info.stats',
  likes_count: 'user.info.stats',
  video_count: 'user.info.stats',
};

/** The video fields TikTok documents. https://developers.tiktok.com/doc/tiktok-api-v2-video-object */
export const VIDEO_FIELDS: ReadonlySet<string> = new Set([
  'id', 'create_time', 'cover_image_url', 'share_url', 'video_description', 'duration', 'height', 'width',
  'title', 'embed_html', 'embed_link', 'like_count', 'comment_count', 'share_count', 'view_count',
]);

const avatar = (account: TiktokFakeAccount, size: number, now: Date): string =>
  `https://p16-sign.tiktokcdn-us.com/tos-useast5-avt-0068-tx/${hex(account.openId).slice(0, 32)}~c5_${size}x${size}.jpeg?x-expires=${Math.floor(now.getTime() / 1000) + 86_400}`;

/** The user object with exactly the requested fields; `posted` counts the videos published through the fake. */
export const renderUser = (account: TiktokFakeAccount, fields: readonly string[], now: Date, posted = 0): Record<string, unknown> => {
  const a = audienceAt(account.name, now);
  const count = videoCount(account, now) + posted;
  const values: Record<string, unknown> = {
    open_id: account.openId,
    union_id: account.unionId,
    avatar_url: avatar(account, 168, now),
    avatar_url_100: avatar(account, 100, now),
    avatar_large_url: avatar(account, 1080, now),
    display_name: account.displayName,
    bio_description: account.bio,
    profile_deep_link: `https://vm.tiktok.com/${hex(account.openId).slice(0, 9).toUpperCase()}/`,
    is_verified: account.verified,
    username: account.username,
    follower_count: a.followers,
    following_count: a.following,
    likes_count: videoCount(account, now) * a.perPost.likes,
    video_count: count,
  };
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in values) out[f] = values[f];
  return out;
};

/** The video object with exactly the requested fields. The cover URL is signed for 6 hours, as TikTok's are. */
export const renderVideo = (account: TiktokFakeAccount, video: FakeVideo, fields: readonly string[], now: Date): Record<string, unknown> => {
  const shareUrl = `https://www.tiktok.com/@${account.username}/video/${video.id}`;
  const values: Record<string, unknown> = {
    id: video.id,
    create_time: video.createTime,
    cover_image_url: `https://p16-sign.tiktokcdn-us.com/tos-useast5-p-0068-tx/${hex(video.id).slice(0, 32)}~tplv-noop.image?x-expires=${Math.floor(now.getTime() / 1000) + 6 * 3600}`,
    share_url: shareUrl,
    video_description: video.description ?? `${video.title} #reach`,
    duration: video.durationSeconds,
    height: 1920,
    width: 1080,
    title: video.title,
    embed_html: `<blockquote class="tiktok-embed" cite="${shareUrl}" data-video-id="${video.id}"></blockquote>`,
    embed_link: `https://www.tiktok.com/player/v1/${video.id}`,
    like_count: video.likes,
    comment_count: video.comments,
    share_count: video.shares,
    view_count: video.views,
  };
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in values) out[f] = values[f];
  return out;
};
