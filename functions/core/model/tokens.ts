/**
 * What a platform gave us when a user consented. Lives only in the token vault: never in a
 * table, a log line or an API response.
 */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly tokenType?: string;
  /** ISO instant the access token stops working; absent when the platform says it never expires. */
  readonly expiresAt?: string;
  /** ISO instant the refresh token stops working, when the platform says so. */
  readonly refreshTokenExpiresAt?: string;
  readonly scopes: readonly string[];
  /** When this set was obtained (ISO): some platforms refuse to refresh a token younger than a day. */
  readonly obtainedAt: string;
  /**
   * Other secrets a provider needs to act for the account, e.g. the long-lived user token a
   * per-page token was derived from. Opaque to everything but the provider.
   */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The app's own credentials at one platform (from the per-platform secret). */
export interface AppCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Secret used to verify webhook signatures when it differs from the client secret. */
  readonly webhookSecret?: string;
  /** The token a platform's webhook subscription check must echo. */
  readonly verifyToken?: string;
  /** The app's API (consumer) key where a platform's app-only calls need it besides the OAuth client (webhook registration). */
  readonly consumerKey?: string;
  /** A platform's numeric developer application id, where its event subscriptions are keyed by it. */
  readonly applicationId?: string;
  /**
   * Credentials of a login variant that authenticates against another app, by variant (a platform
   * whose partner login signs in through the partner's app needs that app's id and secret).
   */
  readonly alternates?: Readonly<Record<string, AlternateCredentials>>;
}

/** Another app's id and secret, used by one login variant. */
export interface AlternateCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}
