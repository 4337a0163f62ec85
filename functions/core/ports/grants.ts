/**
 * Which connections a platform user granted. Some platforms call back about a user (deauthorize
 * and data-deletion callbacks name the app-scoped user id), not about an account:
 * this registry turns that user into the connections their consent created, without a scan.
 * Kept in the Control table as one record per `grant#<platform>#<grantedBy>`.
 */

/** One connection, addressed the way every read is: by its owner's user id. */
export interface GrantRef {
  readonly userId: string;
  readonly connectionId: string;
}

export interface GrantRegistry {
  /** Adds a connection to what `grantedBy` granted at `platform` (atomic, idempotent). */
  add(platform: string, grantedBy: string, ref: GrantRef): Promise<void>;
  /** The connections `grantedBy` granted at `platform` (empty when none are recorded). */
  list(platform: string, grantedBy: string): Promise<GrantRef[]>;
  /** Forgets what `grantedBy` granted at `platform` (the platform user id is their data too). */
  remove(platform: string, grantedBy: string): Promise<void>;
}
