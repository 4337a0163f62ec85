/**
 * The people, Pages and Instagram accounts the Meta fake knows, derived deterministically from an
 * account name (`fake_account=<name>` on the authorize URL, `reach.demo` by default): the same
 * name always has the same ids, and its audience evolves with the fakes' clock.
 *
 * Every person has an Instagram professional account and two Pages; the first Page is linked to
 * the Instagram account (for Instagram through Facebook Login). Names shape the data:
 * `creator` makes a Creator account, `hidden-likes` hides like counts, `spike` / `dip` pick the
 * audience scenario (see `../audience.ts`).
 */
import { createHash } from 'node:crypto';
import { audienceAt, unit, type Audience } from '../audience';

export interface FakePage {
  readonly id: string;
  readonly name: string;
  readonly username: string;
  readonly category: string;
  /** The linked Instagram professional account, if any. */
  readonly igUserId?: string;
  /** Key for `audienceAt`. */
  readonly audienceKey: string;
}

export interface FakePerson {
  /** The account name consent was given with. */
  readonly name: string;
  readonly fbUserId: string;
  readonly fbName: string;
  /** Instagram Login's app-scoped id (`id` on graph.instagram.com `/me`). */
  readonly igScopedId: string;
  /** The Instagram professional account id (`user_id`; `instagram_business_account.id`). */
  readonly igUserId: string;
  readonly igUsername: string;
  readonly igName: string;
  readonly igAccountType: 'BUSINESS' | 'MEDIA_CREATOR';
  readonly hideLikes: boolean;
  readonly pages: readonly FakePage[];
}

export interface FakePost {
  readonly id: string;
  readonly createdAt: Date;
  readonly caption: string;
  readonly likes: number;
  readonly comments: number;
  readonly shares: number;
  readonly views: number;
  readonly mediaType: 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM';
  readonly shortcode: string;
  /** Instagram's `media_product_type` when it is not the default for `mediaType` (stories). */
  readonly productType?: 'FEED' | 'REELS' | 'STORY';
}

const DAY_MS = 86_400_000;
const POST_EVERY_MS = 3 * DAY_MS;
/** Generated posts go out within the first twelve hours of their three-day slot. */
const POST_WINDOW_MS = 12 * 3_600_000;

/** A stable numeric id of `length` digits after `prefix`. */
export const numericId = (prefix: string, key: string, length: number): string => {
  const digits = BigInt(`0x${createHash('sha256').update(key).digest('hex')}`).toString().slice(0, length);
  return `${prefix}${digits.padStart(length, '0')}`;
};

const title = (name: string): string =>
  name
    .split(/[._\-\s]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');

/** Instagram usernames take letters, digits, periods and underscores. */
const igUsernameOf = (name: string): string => name.toLowerCase().replace(/[^a-z0-9._]/g, '_').slice(0, 30) || 'reach.demo';

const makePerson = (name: string): FakePerson => {
  const display = title(name) || 'Reach Demo';
  const igUserId = numericId('1784', `${name}:ig`, 13);
  const handle = igUsernameOf(name).replace(/\./g, '');
  return {
    name,
    fbUserId: numericId('10', `${name}:fb`, 14),
    fbName: display,
    igScopedId: numericId('2', `${name}:igscoped`, 16),
    igUserId,
    igUsername: igUsernameOf(name),
    igName: display,
    igAccountType: name.includes('creator') ? 'MEDIA_CREATOR' : 'BUSINESS',
    hideLikes: name.includes('hidden-likes'),
    pages: [
      { id: numericId('1', `${name}:page0`, 14), name: `${display}`, username: `${handle}`, category: 'Brand', igUserId, audienceKey: `${name}#page0` },
      { id: numericId('1', `${name}:page1`, 14), name: `${display} Events`, username: `${handle}events`, category: 'Community', audienceKey: `${name}#page1` },
    ],
  };
};

/** The audience of a person's Instagram account. */
export const igAudience = (person: FakePerson, now: Date): Audience => audienceAt(`${person.name}#ig`, now);

/** The audience of a Page. */
export const pageAudience = (page: FakePage, now: Date): Audience => audienceAt(page.audienceKey, now);

/**
 * The newest `count` posts of an account at `now`, newest first: one every three days, each with
 * engagement around the audience's typical per-post figures.
 */
export const recentPosts = (key: string, idPrefix: string, now: Date, count: number): FakePost[] => {
  const audience = audienceAt(key, now);
  // Each slot's post has one fixed time in the slot's first twelve hours, as a real post's
  // `created_time` never changes; the current slot's post only exists once that time has come.
  const createdAtOf = (slot: number): Date => new Date(slot * POST_EVERY_MS + Math.floor(unit(`${key}:${slot}:at`) * POST_WINDOW_MS));
  const current = Math.floor(now.getTime() / POST_EVERY_MS);
  const newest = createdAtOf(current).getTime() <= now.getTime() ? current : current - 1;
  const out: FakePost[] = [];
  for (let j = 0; j < Math.min(count, audience.posts); j++) {
    const slot = newest - j;
    const createdAt = createdAtOf(slot);
    const factor = 0.6 + unit(`${key}:${slot}:eng`) * 0.8;
    const kind = unit(`${key}:${slot}:kind`);
    out.push({
      id: numericId(idPrefix, `${key}:${slot}:id`, 13),
      createdAt,
      caption: `Post #${slot % 1000} from the fake`,
      likes: Math.round(audience.perPost.likes * factor),
      comments: Math.round(audience.perPost.comments * factor),
      shares: Math.round(audience.perPost.shares * factor),
      views: Math.round(audience.perPost.views * factor),
      mediaType: kind < 0.6 ? 'IMAGE' : kind < 0.85 ? 'VIDEO' : 'CAROUSEL_ALBUM',
      shortcode: createHash('sha256').update(`${key}:${slot}:code`).digest('base64url').slice(0, 11),
    });
  }
  return out;
};

/** Meta's timestamp format: `2024-05-01T12:00:00+0000`. */
export const metaTime = (d: Date): string => `${d.toISOString().slice(0, 19)}+0000`;

/** Every person the fake has seen, created on first use. */
export class FakeWorld {
  private readonly people = new Map<string, FakePerson>();

  /** The person behind an account name, created on first use. */
  person(name: string): FakePerson {
    let p = this.people.get(name);
    if (!p) {
      p = makePerson(name);
      this.people.set(name, p);
    }
    return p;
  }

  find(name: string): FakePerson | undefined {
    return this.people.get(name);
  }

  list(): FakePerson[] {
    return [...this.people.values()];
  }

  pageById(id: string): { person: FakePerson; page: FakePage } | undefined {
    for (const person of this.people.values()) {
      const page = person.pages.find((p) => p.id === id);
      if (page) return { person, page };
    }
    return undefined;
  }

  personByIgUserId(id: string): FakePerson | undefined {
    return [...this.people.values()].find((p) => p.igUserId === id || p.igScopedId === id);
  }

  reset(): void {
    this.people.clear();
  }
}
