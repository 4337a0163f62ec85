/**
 * The provider port: what the use cases need from a platform. Each platform implements it in its
 * own folder under `functions/providers/` (the adapters); core code only ever sees this interface
 * and never branches on a platform. A capability a platform lacks is a missing member, never a
 * method that throws "unsupported".
 */
import type { AudienceBreakdown, MetricSnapshot } from '../model/connection';

export type { AudienceBreakdown } from '../model/connection';
import type { PostContent, TargetMetrics } from '../model/post';
import type { AppCredentials, TokenSet } from '../model/tokens';

export type Capability = 'connect' | 'refresh' | 'revoke' | 'metrics' | 'audience' | 'publish' | 'analytics' | 'webhooks';

// ─── failures ────────────────────────────────────────────────────────────────────────────────

/** What the caller's fate follows: the kind, never the message text. */
export type FailureKind = 'auth_expired' | 'rate_limited' | 'invalid_request' | 'transient' | 'permanent';

export interface ProviderFailure {
  readonly kind: FailureKind;
  /** Seconds the platform asked us to wait (from its reset header or error body). */
  readonly retryAfterSeconds?: number;
  /** The platform's own error code, e.g. `190/463`, `invalid_grant`, `access_token_invalid`. */
  readonly code?: string;
  /** A message safe to log and show: never a token. */
  readonly message: string;
}

/** A non-2xx answer from a platform, as `classify` receives it. */
export interface HttpFailure {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON when it was JSON. */
  readonly json?: unknown;
}

// ─── manifest (data) ─────────────────────────────────────────────────────────────────────────

export interface OAuthManifest {
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly defaultScopes: readonly string[];
  readonly scopeSeparator: ' ' | ',';
  /** `required`: the platform refuses without it; `supported`: we send it; `none`: not accepted. */
  readonly pkce: 'required' | 'supported' | 'none';
  /** Where the client credentials go on the token endpoint. */
  readonly clientAuth: 'body' | 'basic' | 'query';
  /** Documented access-token lifetime; absent when tokens do not expire. */
  readonly accessTokenLifetimeSeconds?: number;
  /** Documented refresh-token lifetime, when there is one. */
  readonly refreshTokenLifetimeSeconds?: number;
  /** Refresh this long before the access token expires. */
  readonly refreshMarginSeconds: number;
  /** Whether each refresh returns a new refresh token that replaces the old one. */
  readonly rotatesRefreshToken: boolean;
  /**
   * Login variants a platform offers (e.g. its own login or a partner's); the first is the
   * default. The chosen one is passed to `authorizeUrl` and `exchangeCode`, and a provider that
   * needs it later keeps it in `TokenSet.extra`.
   */
  readonly variants?: readonly string[];
}

export interface MetricsManifest {
  readonly followers: boolean;
  readonly following: boolean;
  readonly posts: boolean;
  readonly views: boolean;
  readonly verified: boolean;
  readonly demographics: boolean;
  /**
   * What the headline engagement rate divides by: `followers` (default) or `views`, for
   * platforms whose reach is driven by views rather than by the follower graph.
   */
  readonly engagementBasis?: 'followers' | 'views';
}

export interface QuotaFact {
  /** What the quota applies to, e.g. `GET /2/users/me per user`. */
  readonly scope: string;
  readonly limit: string;
}

export interface ProviderManifest {
  readonly id: string;
  readonly displayName: string;
  readonly docsUrl: string;
  /** The kinds of account a connection can be (e.g. `business`, `creator`, `page`, `organization`). */
  readonly accountTypes: readonly string[];
  readonly oauth: OAuthManifest;
  readonly metrics: MetricsManifest;
  readonly quotas: readonly QuotaFact[];
  /** What the platform cannot do through its API, and why: shown by `GET /v1/platforms`. */
  readonly limitations: readonly string[];
}

// ─── OAuth and accounts ──────────────────────────────────────────────────────────────────────

export interface AuthorizeInput {
  readonly state: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** S256 challenge of the verifier kept with the state; used when `manifest.oauth.pkce` is not `none`. */
  readonly codeChallenge: string;
  readonly credentials: AppCredentials;
  /** One of `manifest.oauth.variants`, when the platform has several. */
  readonly variant?: string;
}

export interface ExchangeInput {
  readonly code: string;
  readonly redirectUri: string;
  readonly codeVerifier: string;
  readonly credentials: AppCredentials;
  /** Every query parameter of the callback (some platforms return granted scopes there). */
  readonly params: Readonly<Record<string, string>>;
  readonly variant?: string;
}

export interface TokenInput {
  readonly tokens: TokenSet;
  readonly credentials: AppCredentials;
}

export type RevokeOutcome = { readonly revoked: true } | { readonly revoked: false; readonly reason: string };

export interface OAuthClient {
  /** The consent URL on the platform (its real https address; `HttpClient.publicUrl` maps it for local runs). */
  authorizeUrl(input: AuthorizeInput): string;
  /** Exchanges the callback's code, and upgrades to a long-lived token where the platform has one. */
  exchangeCode(input: ExchangeInput): Promise<TokenSet>;
  /** Returns a fresh token set; keeps the old refresh token when the platform's answer has none. */
  refresh?(input: TokenInput): Promise<TokenSet>;
  /**
   * Revokes the grant at the platform. A login variant without a revoke endpoint answers
   * `{ revoked: false, reason }` so that disconnecting can tell the user what remains to do.
   */
  revoke?(input: TokenInput): Promise<RevokeOutcome>;
}

export interface ProviderAccount {
  readonly platformAccountId: string;
  readonly username?: string;
  readonly displayName: string;
  readonly avatarUrl?: string;
  readonly accountType: string;
  /** Set when the account acts with a token of its own (a per-page token, say). */
  readonly tokens?: TokenSet;
  /**
   * The platform user whose consent reached this account (an app-scoped user id), when the
   * platform can later call back about that user rather than about the account.
   */
  readonly grantedBy?: string;
}

export interface AccountsClient {
  /** The account(s) a user token reaches: one profile, or several Pages / organizations / locations. */
  list(input: TokenInput): Promise<readonly ProviderAccount[]>;
}

// ─── metrics ─────────────────────────────────────────────────────────────────────────────────

export interface MetricsTarget {
  readonly platformAccountId: string;
  readonly tokens: TokenSet;
}

export type MetricsOutcome =
  | { readonly platformAccountId: string; readonly ok: true; readonly snapshot: Omit<MetricSnapshot, 'at'> }
  | { readonly platformAccountId: string; readonly ok: false; readonly failure: ProviderFailure };

export interface MetricsClient {
  /** How many accounts one `fetch` serves with one platform call (some platforms: 50; most: 1). */
  readonly batchSize: number;
  fetch(targets: readonly MetricsTarget[], credentials: AppCredentials): Promise<readonly MetricsOutcome[]>;
}

// ─── audience ────────────────────────────────────────────────────────────────────────────────

export interface AudienceClient {
  /**
   * Reads the audience breakdown of one account (extra platform calls: Reach asks once a day, with
   * the daily snapshot). Undefined when the platform has none for this account (too few followers).
   */
  fetch(target: MetricsTarget, credentials: AppCredentials): Promise<AudienceBreakdown | undefined>;
}

// ─── publishing ──────────────────────────────────────────────────────────────────────────────

/** How a platform counts text length. `x_weighted` is twitter-text's weighted count. */
export type TextCounting = 'characters' | 'utf16' | 'x_weighted' | 'bytes';

/** A platform's content rules as data: served by `GET /v1/platforms`, applied by `validate`. */
export interface ContentRules {
  /** Post types the platform accepts, chosen with the `postType` option (first = default). */
  readonly postTypes: readonly string[];
  readonly text: { readonly max: number; readonly counting: TextCounting; readonly required: boolean };
  readonly media: {
    readonly min: number;
    readonly max: number;
    /** Accepted MIME types. */
    readonly types: readonly string[];
    readonly maxImageBytes?: number;
    readonly maxVideoBytes?: number;
    readonly minVideoSeconds?: number;
    readonly maxVideoSeconds?: number;
    /** Width/height bounds, when the platform has them. */
    readonly aspectRatio?: { readonly min: number; readonly max: number };
    /** `any`: mix freely; `images_or_one_video`: several images, or one video alone; `single`: one item. */
    readonly mixing: 'any' | 'images_or_one_video' | 'single';
  };
  readonly hashtags?: { readonly max?: number; readonly warnAbove?: number };
  /** The options the platform takes (name → short description), validated by `validate`. */
  readonly options: Readonly<Record<string, string>>;
  readonly supportsThreads: boolean;
  readonly supportsLinks: boolean;
}

export interface Violation {
  /** Dotted path, e.g. `text`, `media.1`, `options.privacyLevel`. */
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

export interface ContentCheck {
  readonly violations: readonly Violation[];
  readonly warnings: readonly Violation[];
  /** The text as the platform will show (or cut) it, with its counted length. */
  readonly preview: { readonly text: string; readonly length: number; readonly limit: number; readonly parts?: readonly string[] };
}

/** Progress a multi-step publish keeps (e.g. a media container id, a publish id). */
export type Checkpoint = Readonly<Record<string, string>>;

export interface PublishContext {
  readonly tokens: TokenSet;
  readonly credentials: AppCredentials;
  readonly platformAccountId: string;
  readonly accountType: string;
  readonly content: PostContent;
  /** Stable per target across retries: use it wherever a platform takes an idempotency key. */
  readonly targetKey: string;
  /** The checkpoint saved by an earlier attempt, if any. */
  readonly checkpoint?: Checkpoint;
  /** Saves progress after each step that cannot be repeated safely (before the next call). */
  readonly save: (checkpoint: Checkpoint) => Promise<void>;
}

export type PublishStep =
  | { readonly status: 'published'; readonly platformPostId: string; readonly url?: string }
  /** The platform is still processing: call `publish` again with the checkpoint after the wait. */
  | { readonly status: 'processing'; readonly checkpoint: Checkpoint; readonly retryAfterSeconds: number };

export interface Publisher {
  readonly rules: ContentRules;
  /** Checks content against the platform's rules; never calls the platform. */
  validate(content: PostContent, accountType: string): ContentCheck;
  /** Runs (or resumes, from `checkpoint`) the platform's publishing sequence. */
  publish(ctx: PublishContext): Promise<PublishStep>;
  /**
   * After an attempt whose outcome is unknown (timeout, crash), finds the post if it went out:
   * by the checkpoint, or among the account's recent posts by content. Undefined: it did not.
   */
  reconcile(ctx: Omit<PublishContext, 'save'> & { readonly since: string }): Promise<{ readonly platformPostId: string; readonly url?: string } | undefined>;
}

/** Per-post metrics a platform reports (the same figures Reach keeps per target). */
export type PostMetrics = TargetMetrics;

export interface AnalyticsClient {
  /** How many posts one call serves. */
  readonly batchSize: number;
  /**
   * Why this account's post figures cannot be read with the grant it holds (the platform keeps
   * them behind a permission the connection lacks), or undefined when they can. Decided from the
   * tokens alone, without a platform call; the caller reports it rather than calling `fetch`.
   */
  unsupportedReason?(ctx: { readonly tokens: TokenSet; readonly platformAccountId: string }): string | undefined;
  fetch(ctx: {
    readonly tokens: TokenSet;
    readonly credentials: AppCredentials;
    readonly platformAccountId: string;
    readonly platformPostIds: readonly string[];
  }): Promise<Readonly<Record<string, PostMetrics>>>;
}

// ─── webhooks ────────────────────────────────────────────────────────────────────────────────

export interface WebhookRequest {
  readonly method: 'GET' | 'POST';
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The body exactly as received: signatures are computed over these bytes. */
  readonly rawBody: Buffer;
}

export interface WebhookResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export type WebhookEventKind = 'metrics_changed' | 'post_status' | 'deauthorized' | 'comment' | 'mention' | 'ignored';

/** A platform delivery turned into Reach's terms; `data` holds no secrets. */
export interface WebhookEvent {
  /** Unique per platform event (the platform's id, or a hash of the delivery when it has none). */
  readonly eventId: string;
  readonly kind: WebhookEventKind;
  readonly platformAccountId?: string;
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type WebhookVerification =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing_signature' | 'bad_signature' | 'stale' | 'malformed' };

export interface WebhookAdapter {
  /** Answers the platform's subscription check (GET); a mismatch answers 403. */
  challenge?(req: WebhookRequest, credentials: AppCredentials): WebhookResponse;
  /**
   * Checks the signature on the raw bytes, in constant time, and the timestamp where there is one.
   * May be async where checking needs the platform's current keys (OIDC-signed pushes).
   */
  verify(req: WebhookRequest, credentials: AppCredentials, now: Date): WebhookVerification | Promise<WebhookVerification>;
  /** Turns a verified delivery into events (a kind Reach does not use becomes `ignored`). */
  parse(req: WebhookRequest): readonly WebhookEvent[];
}

/** What an app-level callback signed by the platform says, once verified. */
export interface SignedCallback {
  /** The platform user the callback is about (matches `ProviderAccount.grantedBy`). */
  readonly platformUserId: string;
  /** When the platform issued it (ISO), when it says. */
  readonly issuedAt?: string;
}

/**
 * App-level callbacks a platform sends about a user rather than to a webhook subscription (a
 * deauthorize or a data-deletion callback). Platforms that share one such callback form a family.
 */
export interface PlatformCallbacks {
  /** The family whose callback routes reach this provider (the `{family}` of the route). */
  readonly family: string;
  /**
   * Verifies a callback's raw body with the app's credentials and returns who it is about, or
   * undefined when it is missing, malformed or not signed by this app. Never throws.
   */
  verifySignedRequest(body: Buffer, credentials: AppCredentials): SignedCallback | undefined;
}

// ─── webhook subscriptions ───────────────────────────────────────────────────────────────────

/** What subscribing one account to the platform's webhooks needs. */
export interface SubscriptionContext {
  /** The account's tokens (a per-page token where the account has one). */
  readonly tokens: TokenSet;
  readonly credentials: AppCredentials;
  readonly platformAccountId: string;
  readonly accountType: string;
  /** Reach's public webhook URL for the platform (`…/v1/webhooks/{platform}`). */
  readonly callbackUrl: string;
  /** The `detail` the previous subscribe returned, when there was one. */
  readonly detail?: Readonly<Record<string, string>>;
}

export interface SubscriptionResult {
  /** When the subscription lapses and must be subscribed again (ISO); absent when it lasts. */
  readonly renewAt?: string;
  /** Ids the provider needs later to renew or remove it (never a secret). */
  readonly detail?: Readonly<Record<string, string>>;
}

/**
 * Per-account webhook subscriptions a platform takes by API (a WebSub lease, a Page's subscribed
 * app, an Account Activity subscription). Platforms where subscribing is a console step leave it out.
 */
export interface SubscriptionClient {
  /** The account types that can be subscribed; every type when absent. */
  readonly accountTypes?: readonly string[];
  /** Subscribes (or renews) the account; idempotent, so a re-link or a renewal may repeat it. */
  subscribe(ctx: SubscriptionContext): Promise<SubscriptionResult>;
  /** Removes the account's subscription; called on disconnect while the tokens still work. */
  unsubscribe?(ctx: SubscriptionContext): Promise<void>;
}

// ─── the provider ────────────────────────────────────────────────────────────────────────────

export interface Provider {
  readonly manifest: ProviderManifest;
  readonly oauth: OAuthClient;
  readonly accounts: AccountsClient;
  readonly metrics?: MetricsClient;
  readonly audience?: AudienceClient;
  readonly publisher?: Publisher;
  readonly analytics?: AnalyticsClient;
  readonly webhooks?: WebhookAdapter;
  readonly platformCallbacks?: PlatformCallbacks;
  /** Per-account webhook subscriptions, where the platform takes them by API. */
  readonly subscriptions?: SubscriptionClient;
  /** Maps a platform's failure to a kind, once per provider. */
  classify(failure: HttpFailure): ProviderFailure;
}

export const capabilitiesOf = (p: Provider): Capability[] => {
  const caps: Capability[] = ['connect'];
  if (p.oauth.refresh) caps.push('refresh');
  if (p.oauth.revoke) caps.push('revoke');
  if (p.metrics) caps.push('metrics');
  if (p.audience) caps.push('audience');
  if (p.publisher) caps.push('publish');
  if (p.analytics) caps.push('analytics');
  if (p.webhooks) caps.push('webhooks');
  return caps;
};

/** Thrown by provider code for any classified platform failure. */
export class ProviderError extends Error {
  constructor(
    readonly platform: string,
    readonly failure: ProviderFailure,
    options?: { cause?: unknown },
  ) {
    super(`${platform}: ${failure.kind}: ${failure.message}`, options);
    this.name = 'ProviderError';
  }
}
