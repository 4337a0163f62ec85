import type { AppCredentials, TokenSet } from '../model/tokens';

/** Where user tokens live: Secrets Manager in AWS, one secret per connection. */
export interface TokenVault {
  /** Creates or overwrites the token set stored under `ref`. */
  put(ref: string, tokens: TokenSet, tags: Readonly<Record<string, string>>): Promise<void>;
  get(ref: string): Promise<TokenSet | undefined>;
  /** Deletes at once (no recovery window): a disconnected user's tokens must not linger. */
  delete(ref: string): Promise<void>;
}

/** The app's own credentials per platform (one secret per platform, filled by the operator). */
export interface AppCredentialsSource {
  get(platform: string): Promise<AppCredentials>;
}
