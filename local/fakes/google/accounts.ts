/**
 * The Google accounts the fake knows, derived deterministically from a name so that the same
 * name always gives the same ids, channel, locations and videos. A name's words shape it:
 *
 * - `nochannel`: the Google account has no YouTube channel;
 * - `hidden`: the channel hides its subscriber count;
 * - `nobusiness`: no Business Profile account;
 * - `locations<N>`: the business account has N postable locations (default 2), plus always one
 *   unverified listing that cannot carry posts;
 * - `spike` / `dip`: the audience scenario (local/fakes/audience.ts).
 */
import { createHash } from 'node:crypto';
import { audienceAt, unit, type Audience } from '../audience';

export interface FakeChannel {
  readonly id: string;
  readonly title: string;
  readonly handle: string;
  readonly publishedAt: string;
  readonly hiddenSubscriberCount: boolean;
}

export interface FakeLocation {
  /** `locations/{id}`. */
  readonly name: string;
  readonly title: string;
  readonly locality: string;
  readonly canOperateLocalPost: boolean;
}

export interface FakeBusinessAccount {
  /** `accounts/{id}`. */
  readonly name: string;
  readonly accountName: string;
  readonly locations: readonly FakeLocation[];
}

export interface FakeGoogleAccount {
  readonly name: string;
  /** Google's stable user id (`sub`). */
  readonly sub: string;
  readonly email: string;
  readonly channel?: FakeChannel;
  readonly business?: FakeBusinessAccount;
}

export interface FakeVideo {
  readonly id: string;
  readonly title: string;
  readonly publishedAt: string;
  readonly views: number;
  readonly likes: number;
  readonly comments: number;
}

const DAY_MS = 86_400_000;
/** 2024-10-04, where every fake audience "started" (see audience.ts). */
const EPOCH_MS = 20_000 * DAY_MS;
const INITIAL_VIDEOS = 20;

const digest = (key: string) => createHash('sha256').update(key).digest();
/** An n-digit decimal id (no leading zero), like Google's numeric account and location ids. */
const digits = (key: string, n: number) => {
  const floor = 10n ** BigInt(n - 1);
  return (floor + (BigInt(`0x${digest(key).toString('hex')}`) % (9n * floor))).toString();
};
const idChars = (key: string, n: number) => digest(key).toString('base64url').slice(0, n);

const CITIES = ['Springfield', 'Riverside', 'Fairview', 'Madison', 'Georgetown', 'Salem', 'Franklin', 'Clinton'];

/** Builds the account for `name` (the same name always gives the same account). */
export const accountFor = (name: string): FakeGoogleAccount => {
  const channel: FakeChannel | undefined = name.includes('nochannel')
    ? undefined
    : {
        id: `UC${idChars(`${name}:channel`, 22)}`,
        title: `${name} (YouTube)`,
        handle: `@${name.replace(/[^A-Za-z0-9_.-]/g, '').toLowerCase()}`,
        publishedAt: new Date(EPOCH_MS - Math.floor(unit(`${name}:since`) * 2000) * DAY_MS).toISOString(),
        hiddenSubscriberCount: name.includes('hidden'),
      };
  const postable = Number(/locations(\d+)/.exec(name)?.[1] ?? '2');
  const business: FakeBusinessAccount | undefined = name.includes('nobusiness')
    ? undefined
    : {
        name: `accounts/${digits(`${name}:gbp`, 21)}`,
        accountName: `${name} Business`,
        locations: [
          ...Array.from({ length: postable }, (_, i) => ({
            name: `locations/${digits(`${name}:loc:${i}`, 19)}`,
            title: `${name} store #${i + 1}`,
            locality: CITIES[i % CITIES.length]!,
            canOperateLocalPost: true,
          })),
          { name: `locations/${digits(`${name}:loc:unverified`, 19)}`, title: `${name} (unverified listing)`, locality: 'Nowhere', canOperateLocalPost: false },
        ],
      };
  return {
    name,
    sub: digits(`${name}:sub`, 21),
    email: `${name}@gmail.com`,
    ...(channel && { channel }),
    ...(business && { business }),
  };
};

/** Rounds a subscriber count the way YouTube shows it: three significant figures. */
export const roundToThreeFigures = (n: number): number => {
  if (n < 1000) return n;
  const scale = 10 ** (Math.floor(Math.log10(n)) - 2);
  return Math.floor(n / scale) * scale;
};

export interface FakeChannelStatistics {
  readonly viewCount: string;
  readonly subscriberCount?: string;
  readonly hiddenSubscriberCount: boolean;
  readonly videoCount: string;
}

/** The channel's public statistics at `now`, as YouTube's JSON strings (no count when hidden). */
export const channelStatistics = (account: FakeGoogleAccount, now: Date): FakeChannelStatistics => {
  const a = audienceAt(account.name, now);
  const hidden = account.channel?.hiddenSubscriberCount ?? false;
  return {
    viewCount: String(a.posts * a.perPost.views),
    ...(!hidden && { subscriberCount: String(roundToThreeFigures(a.followers)) }),
    hiddenSubscriberCount: hidden,
    videoCount: String(a.posts),
  };
};

/**
 * Every public video of the account's channel at `now`, newest first. Video k (0 = oldest) keeps
 * its id as new ones appear; one is published every 3 days from the audience's start.
 */
export const videosAt = (account: FakeGoogleAccount, now: Date): FakeVideo[] => {
  const a: Audience = audienceAt(account.name, now);
  const out: FakeVideo[] = [];
  for (let k = a.posts - 1; k >= 0; k--) {
    const id = idChars(`${account.name}:video:${k}`, 11);
    const published = EPOCH_MS + (k - INITIAL_VIDEOS + 1) * 3 * DAY_MS + Math.floor(unit(`${id}:t`) * DAY_MS);
    const jitter = (what: string) => 0.6 + 0.8 * unit(`${id}:${what}`);
    out.push({
      id,
      title: `Video ${k + 1} by ${account.name}`,
      publishedAt: new Date(Math.min(published, now.getTime() - 60_000)).toISOString(),
      views: Math.round(a.perPost.views * jitter('v')),
      likes: Math.round(a.perPost.likes * jitter('l')),
      comments: Math.round(a.perPost.comments * jitter('c')),
    });
  }
  return out;
};

/** The accounts the fake knows; `ensure` creates one on first use (a new person signing in). */
export class FakeGoogleDirectory {
  private readonly byName = new Map<string, FakeGoogleAccount>();

  constructor(private readonly seeded: readonly string[]) {
    this.reset();
  }

  /** The account named `name`, created on first use. */
  ensure(name: string): FakeGoogleAccount {
    let account = this.byName.get(name);
    if (!account) {
      account = accountFor(name);
      this.byName.set(name, account);
    }
    return account;
  }

  /** The account named `name`, if it exists. */
  get(name: string): FakeGoogleAccount | undefined {
    return this.byName.get(name);
  }

  /** The account whose channel has this id. */
  byChannelId(id: string): FakeGoogleAccount | undefined {
    for (const a of this.byName.values()) if (a.channel?.id === id) return a;
    return undefined;
  }

  /** The account and location behind `locations/{id}`. */
  byLocation(name: string): { account: FakeGoogleAccount; location: FakeLocation } | undefined {
    for (const account of this.byName.values()) {
      const location = account.business?.locations.find((l) => l.name === name);
      if (location) return { account, location };
    }
    return undefined;
  }

  /** Every known account. */
  list(): FakeGoogleAccount[] {
    return [...this.byName.values()];
  }

  /** Back to the seeded accounts only. */
  reset(): void {
    this.byName.clear();
    for (const name of ['reach.demo', ...this.seeded]) this.ensure(name);
  }
}
