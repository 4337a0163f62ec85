/**
 * Everything the Meta fake remembers: the people it made up, the grants (one store for
 * Instagram Login tokens, one for Facebook Login user and Page tokens), which tokens are
 * long-lived, the Page tokens handed out, the usage meters, what was published, and the webhook
 * deliveries it sent.
 */
import type { FakeAppOptions } from '../framework';
import { FakeOAuthStore, type AccessEntry } from '../oauth-store';
import { ContentStore, type ProcessingOptions } from './content';
import { UsageMeter } from './usage';
import { FakeWorld, type FakePage, type FakePerson } from './world';

/** What a test or the local runtime may tune; each default is the documented value. */
export interface MetaFakeOptions {
  /** Instagram Login's code exchange answer: documented `data[]` wrapper, or the flat form older answers used. */
  readonly igCodeExchangeShape?: 'wrapped' | 'flat';
  /** Short-lived Instagram token (1 h). */
  readonly igShortLivedSeconds?: number;
  /** Short-lived Facebook user token from the code exchange (1–2 h). */
  readonly fbShortLivedSeconds?: number;
  /** Long-lived user tokens, both logins (the docs' sample says 5183944 s, about 60 days). */
  readonly longLivedSeconds?: number;
  /** Instagram codes last an hour; Facebook's ten minutes. */
  readonly igCodeTtlSeconds?: number;
  readonly fbCodeTtlSeconds?: number;
  /** Calls per rolling hour before code 4 (the app) or 80001/80002 (one Page / IG account). */
  readonly appCallsPerHour?: number;
  readonly businessCallsPerHour?: number;
  /** Answer code 100 to graph.facebook.com calls without `appsecret_proof` ("Require App Secret"). */
  readonly requireAppSecretProof?: boolean;
  /**
   * The Instagram app (Instagram Login's client id and secret, and the key Instagram webhooks are
   * signed with). Without it the Facebook app's credentials serve both logins.
   */
  readonly instagramApp?: FakeAppOptions;
  /** Video processing (Instagram containers, Page videos and reels): done after this many seconds of the fakes' clock… */
  readonly videoProcessingSeconds?: number;
  /** …or after this many status reads, whichever comes first. */
  readonly videoProcessingPolls?: number;
  /** API-published Instagram posts per rolling 24 h (drift: 50 in the reference, 100 in older guides). */
  readonly igPublishQuota?: number;
  /** How long the fake waits for a media URL before it gives up. */
  readonly mediaFetchTimeoutMs?: number;
}

export type ResolvedMetaOptions = Required<Omit<MetaFakeOptions, 'instagramApp'>>;

/** Options with every default filled in. */
export const resolveOptions = (o: MetaFakeOptions = {}): ResolvedMetaOptions => ({
  igCodeExchangeShape: o.igCodeExchangeShape ?? 'wrapped',
  igShortLivedSeconds: o.igShortLivedSeconds ?? 3600,
  fbShortLivedSeconds: o.fbShortLivedSeconds ?? 7200,
  longLivedSeconds: o.longLivedSeconds ?? 5_183_944,
  igCodeTtlSeconds: o.igCodeTtlSeconds ?? 3600,
  fbCodeTtlSeconds: o.fbCodeTtlSeconds ?? 600,
  appCallsPerHour: o.appCallsPerHour ?? 100_000,
  businessCallsPerHour: o.businessCallsPerHour ?? 100_000,
  requireAppSecretProof: o.requireAppSecretProof ?? false,
  videoProcessingSeconds: o.videoProcessingSeconds ?? 30,
  videoProcessingPolls: o.videoProcessingPolls ?? 3,
  igPublishQuota: o.igPublishQuota ?? 50,
  mediaFetchTimeoutMs: o.mediaFetchTimeoutMs ?? 5000,
});

/** One webhook delivery the fake made (or would have made, without a receiver). */
export interface DeliveryRecord {
  readonly provider: 'instagram' | 'facebook';
  readonly event: string;
  readonly mode: string;
  readonly target?: string;
  readonly statuses: readonly number[];
  readonly body: string;
  readonly at: string;
}

const MAX_DELIVERIES_KEPT = 100;

/** Who a Graph token speaks for. */
export type Subject =
  | { readonly kind: 'ig'; readonly person: FakePerson; readonly entry: AccessEntry }
  | { readonly kind: 'user'; readonly person: FakePerson; readonly entry: AccessEntry }
  | { readonly kind: 'page'; readonly person: FakePerson; readonly page: FakePage; readonly entry: AccessEntry };

/** The Meta fake's whole state; `reset` forgets it all. */
export class MetaFakeState {
  readonly world = new FakeWorld();
  readonly ig = new FakeOAuthStore({ prefix: { code: 'AQB', access: 'IGAA', refresh: 'IGRT' } });
  readonly fb = new FakeOAuthStore({ prefix: { code: 'AQD', access: 'EAAG', refresh: 'EART' } });
  /** Codes redeemed once, so a second use gets "already used" rather than "not found". */
  readonly usedCodes = new Set<string>();
  readonly longLived = new Set<string>();
  /** When each issued token expires, for the wording of "Session has expired on …". */
  readonly expiries = new Map<string, Date>();
  /** Page token → Page id; and `${grantId}:${pageId}` → Page token, so a grant gets one token per Page. */
  readonly pageTokens = new Map<string, string>();
  readonly pageTokenByGrant = new Map<string, string>();
  readonly meter: UsageMeter;
  readonly content = new ContentStore();
  readonly deliveries: DeliveryRecord[] = [];
  /** The Instagram app (Instagram Login, Instagram webhooks); `app` is the Facebook app. */
  readonly igApp: FakeAppOptions;
  /** Page id → the fields the app subscribed the Page to (`POST /{page-id}/subscribed_apps`). */
  readonly pageSubscriptions = new Map<string, readonly string[]>();

  constructor(
    readonly app: FakeAppOptions,
    readonly options: ResolvedMetaOptions,
    instagramApp?: FakeAppOptions,
  ) {
    this.meter = new UsageMeter(options.appCallsPerHour, options.businessCallsPerHour);
    this.igApp = instagramApp ?? app;
  }

  /** How videos process. */
  get processing(): ProcessingOptions {
    return { seconds: this.options.videoProcessingSeconds, polls: this.options.videoProcessingPolls };
  }

  /** Keeps a delivery for the snapshot (the newest ones). */
  noteDelivery(record: DeliveryRecord): void {
    this.deliveries.push(record);
    if (this.deliveries.length > MAX_DELIVERIES_KEPT) this.deliveries.shift();
  }

  /** Notes a token's lifetime (and whether it is long-lived). */
  noteToken(token: string, now: Date, ttlSeconds: number | undefined, longLived: boolean): void {
    if (ttlSeconds !== undefined) this.expiries.set(token, new Date(now.getTime() + ttlSeconds * 1000));
    if (longLived) this.longLived.add(token);
  }

  /** The Page token a user grant gets for one of its Pages (issued once, never expires). */
  pageToken(user: AccessEntry, page: FakePage, now: Date): string {
    const key = `${user.grantId}:${page.id}`;
    const known = this.pageTokenByGrant.get(key);
    if (known) return known;
    const { accessToken } = this.fb.issueTokens(
      { accountId: user.accountId, clientId: user.clientId, scopes: user.scopes },
      { now, grantId: user.grantId },
    );
    this.pageTokenByGrant.set(key, accessToken);
    this.pageTokens.set(accessToken, page.id);
    return accessToken;
  }

  reset(): void {
    this.world.reset();
    this.ig.reset();
    this.fb.reset();
    this.usedCodes.clear();
    this.longLived.clear();
    this.expiries.clear();
    this.pageTokens.clear();
    this.pageTokenByGrant.clear();
    this.meter.reset();
    this.content.reset();
    this.deliveries.length = 0;
    this.pageSubscriptions.clear();
  }
}
