/**
 * The fake X's people and posts. Accounts are created by name on first consent; their audience
 * evolves with the fakes' clock (`audienceAt`), and their posts are derived deterministically, so
 * the same account at the same instant always shows the same timeline.
 *
 * Names steer behaviour: `empty` in a name gives an account without posts, `biz`/`gov` a
 * business/government badge; `spike`/`dip` pick the audience scenario (see audience.ts).
 */
import { createHash } from 'node:crypto';
import { audienceAt, unit } from '../audience';

export type VerifiedType = 'none' | 'blue' | 'business' | 'government';

export interface XFakeAccount {
  /** The name used to pick the account on the consent URL (`fake_account`). */
  readonly name: string;
  /** Numeric string, as X user ids are. */
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly createdAt: string;
  readonly description: string;
  readonly verifiedType: VerifiedType;
  readonly hasPosts: boolean;
}

const DAY_MS = 86_400_000;
/** Day 20 000 since the epoch: where audience.ts starts every account. */
const AUDIENCE_EPOCH_MS = 20_000 * DAY_MS;
/** X's snowflake epoch (2010-11-04T01:42:54.657Z). */
const SNOWFLAKE_EPOCH = 1_288_834_974_657n;

const hashHex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** A stable numeric id (≤ 17 digits) for a name. */
export const accountIdFor = (name: string): string => BigInt(`0x${hashHex(`x-user:${name}`).slice(0, 13)}`).toString();

export const createAccount = (name: string): XFakeAccount => {
  const username = (name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15) || 'reach_user');
  const verifiedType: VerifiedType = name.includes('gov')
    ? 'government'
    : name.includes('biz')
      ? 'business'
      : unit(`${name}:blue`) < 0.3
        ? 'blue'
        : 'none';
  return {
    name,
    id: accountIdFor(name),
    username,
    displayName: name
      .split(/[_\-\s]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(' '),
    createdAt: new Date(AUDIENCE_EPOCH_MS - Math.floor(unit(`${name}:created`) * 2000) * DAY_MS).toISOString(),
    description: `Fake X account ${name} for Reach's local runtime`,
    verifiedType,
    hasPosts: !name.includes('empty'),
  };
};

export interface FakePost {
  readonly id: string;
  readonly text: string;
  readonly createdAt: string;
  readonly authorId: string;
  readonly metrics: {
    readonly retweet_count: number;
    readonly reply_count: number;
    readonly like_count: number;
    readonly quote_count: number;
    readonly bookmark_count: number;
    readonly impression_count: number;
  };
}

/** How many posts the account has published by `now`. */
export const postCount = (account: XFakeAccount, now: Date): number => (account.hasPosts ? audienceAt(account.name, now).posts : 0);

/**
 * Post number `k` (0 = the oldest). One post every three days, so the newest one is never later
 * than `now`: audience.ts counts 20 + days/3 posts.
 */
export const postAt = (account: XFakeAccount, k: number): FakePost => {
  const createdMs = AUDIENCE_EPOCH_MS + (k - 19) * 3 * DAY_MS - 6 * 3_600_000;
  const created = new Date(createdMs);
  const perPost = audienceAt(account.name, created).perPost;
  const factor = 0.5 + unit(`${account.name}:post:${k}`);
  const shares = Math.round(perPost.shares * factor);
  const likes = Math.round(perPost.likes * factor);
  const sequence = BigInt(`0x${hashHex(`${account.id}:${k}`).slice(0, 6)}`) & 0x3f_ffffn;
  return {
    id: (((BigInt(createdMs) - SNOWFLAKE_EPOCH) << 22n) | sequence).toString(),
    text: `Post #${k + 1} from ${account.username}`,
    createdAt: created.toISOString(),
    authorId: account.id,
    metrics: {
      retweet_count: Math.round(shares * 0.7),
      reply_count: Math.round(perPost.comments * factor),
      like_count: likes,
      quote_count: shares - Math.round(shares * 0.7),
      bookmark_count: Math.round(likes * 0.08),
      impression_count: Math.round(perPost.views * factor),
    },
  };
};

/** Newest first, starting `offset` posts back from the newest. */
export const recentPosts = (account: XFakeAccount, now: Date, offset: number, count: number): FakePost[] => {
  const total = postCount(account, now);
  const out: FakePost[] = [];
  for (let i = offset; i < Math.min(total, offset + count); i++) out.push(postAt(account, total - 1 - i));
  return out;
};

/** Which name X uses for the user's post count (docs: `tweet_count`; OpenAPI 2.167: `post_count`). */
export type PostCountField = 'tweet_count' | 'post_count';

/** The user object with exactly the requested `user.fields` (id, name, username always). */
export const renderUser = (
  account: XFakeAccount,
  fields: ReadonlySet<string>,
  now: Date,
  postCountField: PostCountField,
  /** Posts published through the fake's API, on top of the seeded history. */
  publishedCount = 0,
): Record<string, unknown> => {
  const out: Record<string, unknown> = { id: account.id, name: account.displayName, username: account.username };
  if (fields.has('created_at')) out['created_at'] = account.createdAt;
  if (fields.has('description')) out['description'] = account.description;
  if (fields.has('verified')) out['verified'] = account.verifiedType !== 'none';
  if (fields.has('verified_type')) out['verified_type'] = account.verifiedType;
  if (fields.has('protected')) out['protected'] = false;
  if (fields.has('profile_image_url')) out['profile_image_url'] = `https://pbs.twimg.com/profile_images/${account.id}/avatar_normal.jpg`;
  if (fields.has('url')) out['url'] = '';
  if (fields.has('public_metrics')) {
    const a = audienceAt(account.name, now);
    out['public_metrics'] = {
      followers_count: a.followers,
      following_count: a.following,
      [postCountField]: postCount(account, now) + publishedCount,
      listed_count: Math.floor(a.followers / 200),
      like_count: Math.floor(a.following * 7.5),
      media_count: Math.floor(postCount(account, now) / 4),
    };
  }
  return out;
};

/** The post object with exactly the requested `tweet.fields` (id, text, edit_history_tweet_ids always). */
export const renderPost = (post: FakePost, fields: ReadonlySet<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] };
  if (fields.has('created_at')) out['created_at'] = post.createdAt;
  if (fields.has('author_id')) out['author_id'] = post.authorId;
  if (fields.has('conversation_id')) out['conversation_id'] = post.id;
  if (fields.has('lang')) out['lang'] = 'en';
  if (fields.has('possibly_sensitive')) out['possibly_sensitive'] = false;
  if (fields.has('reply_settings')) out['reply_settings'] = 'everyone';
  if (fields.has('public_metrics')) out['public_metrics'] = { ...post.metrics };
  return out;
};
