/**
 * The fake LinkedIn's world: members (created on first consent), the organization each one
 * administers, and their posts with per-post statistics. Everything is derived from names and the
 * fakes' clock, so the same name at the same instant always looks the same.
 */
import { createHash } from 'node:crypto';
import { audienceAt, unit } from '../audience';

export interface FakeMember {
  readonly name: string;
  /** OIDC `sub`: the person id in `urn:li:person:{sub}`. */
  readonly sub: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly picture: string;
  readonly organizationIds: readonly number[];
}

export interface FakeOrganization {
  readonly id: number;
  /** The audience key its followers evolve under. */
  readonly key: string;
  readonly localizedName: string;
  readonly vanityName: string;
  readonly logoUrn: string;
  readonly logoUrl: string;
  readonly adminSub: string;
  readonly createdAtMs: number;
}

export interface ShareStats {
  readonly impressionCount: number;
  readonly uniqueImpressionsCount: number;
  readonly clickCount: number;
  readonly likeCount: number;
  readonly commentCount: number;
  readonly shareCount: number;
  readonly engagement: number;
}

export interface FakePost {
  readonly id: string;
  readonly author: string;
  readonly publishedAtMs: number;
  readonly commentary: string;
  readonly stats: ShareStats;
}

const DAY_MS = 86_400_000;
/** Posts older than this many are never listed or summed (keeps the fake fast). */
const MAX_POSTS = 400;

const hex = (key: string): string => createHash('sha256').update(key).digest('hex');
const title = (s: string): string => s.replace(/(^|[-_. ])(\w)/g, (_m, sep: string, c: string) => `${sep === '' ? '' : ' '}${c.toUpperCase()}`).trim();

/** A member derived from its account name. */
export const memberFor = (name: string): FakeMember => {
  const h = hex(`li-member:${name}`);
  const words = title(name).split(' ');
  return {
    name,
    sub: Buffer.from(h.slice(0, 16), 'hex').toString('base64url').slice(0, 10),
    givenName: words[0] ?? name,
    familyName: words.slice(1).join(' ') || 'Demo',
    email: `${name.replace(/[^a-z0-9.]/gi, '.')}@example.com`,
    picture: `https://media.licdn.com/dms/image/v2/D4E03AQ${h.slice(0, 16)}/profile-displayphoto-shrink_100_100/0/`,
    organizationIds: [organizationIdFor(name)],
  };
};

const organizationIdFor = (memberName: string): number => 10_000_000 + (parseInt(hex(`li-org:${memberName}`).slice(0, 8), 16) % 89_999_999);

/** The organization a member administers. */
export const organizationFor = (member: FakeMember, id: number): FakeOrganization => {
  const key = `${member.name}-company`;
  const h = hex(`li-org-logo:${id}`);
  return {
    id,
    key,
    localizedName: `${title(member.name)} Company`,
    vanityName: key.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
    logoUrn: `urn:li:image:C4D0BAQ${h.slice(0, 16)}`,
    logoUrl: `https://media.licdn.com/dms/image/v2/C4D0BAQ${h.slice(0, 16)}/company-logo_200_200/0/`,
    adminSub: member.sub,
    createdAtMs: Date.UTC(2024, 9, 4),
  };
};

/** A post's statistics from its id and the author's usual per-post figures. */
export const statsFor = (postId: string, perPost: { likes: number; comments: number; shares: number; views: number }): ShareStats => {
  const f = (k: string) => 0.6 + 0.8 * unit(`${postId}:${k}`);
  const likeCount = Math.round(perPost.likes * f('l'));
  const commentCount = Math.round(perPost.comments * f('c'));
  const shareCount = Math.round(perPost.shares * f('s'));
  const impressionCount = Math.max(1, Math.round(perPost.views * f('v')));
  const clickCount = Math.round(likeCount * 0.4 * f('k'));
  return {
    impressionCount,
    uniqueImpressionsCount: Math.round(impressionCount * 0.7),
    clickCount,
    likeCount,
    commentCount,
    shareCount,
    engagement: (likeCount + commentCount + shareCount + clickCount) / impressionCount,
  };
};

/**
 * The posts an author (`urn:li:person:…` or `urn:li:organization:…`) has at `now`, newest first:
 * one every three days, as many as the audience model says.
 */
export const postsOf = (author: string, audienceKey: string, now: Date): FakePost[] => {
  const audience = audienceAt(audienceKey, now);
  const total = Math.min(audience.posts, MAX_POSTS);
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const prefix = parseInt(hex(`li-posts:${author}`).slice(0, 6), 16) % 900 + 100;
  const posts: FakePost[] = [];
  for (let i = 0; i < total; i++) {
    const serial = audience.posts - i;
    const id = `urn:li:share:7${prefix}${String(serial).padStart(15, '0')}`;
    posts.push({
      id,
      author,
      publishedAtMs: today - i * 3 * DAY_MS + 9 * 3_600_000,
      commentary: `Update #${serial} from ${audienceKey}`,
      stats: statsFor(id, audience.perPost),
    });
  }
  return posts;
};

/** Lifetime totals of an organization's posts, as `organizationalEntityShareStatistics` sums them. */
export const totalsOf = (posts: readonly FakePost[]): ShareStats => {
  const sum = (k: keyof ShareStats) => posts.reduce((acc, p) => acc + p.stats[k], 0);
  const impressionCount = sum('impressionCount');
  const engaged = sum('likeCount') + sum('commentCount') + sum('shareCount') + sum('clickCount');
  return {
    impressionCount,
    uniqueImpressionsCount: sum('uniqueImpressionsCount'),
    clickCount: sum('clickCount'),
    likeCount: sum('likeCount'),
    commentCount: sum('commentCount'),
    shareCount: sum('shareCount'),
    engagement: impressionCount === 0 ? 0 : engaged / impressionCount,
  };
};

/** Members by name and organizations by id; `reach-demo` always exists. */
export class LinkedinWorld {
  readonly members = new Map<string, FakeMember>();
  readonly organizations = new Map<number, FakeOrganization>();

  constructor(private readonly defaultAccount: string) {
    this.reset();
  }

  /** The member called `name`, created (with its organization) on first use. */
  member(name: string): FakeMember {
    const existing = this.members.get(name);
    if (existing) return existing;
    const created = memberFor(name);
    this.members.set(name, created);
    for (const id of created.organizationIds) this.organizations.set(id, organizationFor(created, id));
    return created;
  }

  memberBySub(sub: string): FakeMember | undefined {
    for (const m of this.members.values()) if (m.sub === sub) return m;
    return undefined;
  }

  reset(): void {
    this.members.clear();
    this.organizations.clear();
    this.member(this.defaultAccount);
  }
}
