/**
 * The provider port: what the use cases need from a platform. Each platform implements it in its
 * own folder under `functions/providers/` (the adapters); core code only ever sees this interface
 * and never branches on a platform. A capability a platform lacks is a missing member, never a
 * method that throws "unsupported".
 */
import type { MetricSnapshot } from '../model/connection';
import type { AppCredentials, TokenSet } from '../model/tokens';

export type Capability = 'connect' | 'refresh' | 'revoke' | 'metrics' | 'publish' | 'analytics' | 'webhooks';

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
   * Login variants a platform offers (e.g. Instagram Login or Facebook Login); the first is the
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
  /** Set when the account acts with a token of its own (a Facebook Page token, say). */
  readonly tokens?: TokenSet;
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
  /** How many accounts one `fetch` serves with one platform call (YouTube: 50; most: 1). */
  readonly batchSize: number;
  fetch(targets: readonly MetricsTarget[], credentials: AppCredentials): Promise<readonly MetricsOutcome[]>;
}

// ─── the provider ────────────────────────────────────────────────────────────────────────────

export interface Provider {
  readonly manifest: ProviderManifest;
  readonly oauth: OAuthClient;
  readonly accounts: AccountsClient;
  readonly metrics?: MetricsClient;
  /** Maps a platform's failure to a kind, once per provider. */
  classify(failure: HttpFailure): ProviderFailure;
}

export const capabilitiesOf = (p: Provider): Capability[] => {
  const caps: Capability[] = ['connect'];
  if (p.oauth.refresh) caps.push('refresh');
  if (p.oauth.revoke) caps.push('revoke');
  if (p.metrics) caps.push('metrics');
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
