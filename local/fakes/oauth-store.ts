/**
 * Grant bookkeeping the fake platforms share: authorization codes that work once and expire,
 * access tokens with lifetimes, refresh tokens that may rotate, and revocation. Each fake decides
 * its own request and answer shapes; this only keeps the facts.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface FakeGrant {
  readonly accountId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

interface CodeEntry extends FakeGrant {
  readonly redirectUri: string;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
  readonly expiresAtMs: number;
}

export interface AccessEntry extends FakeGrant {
  readonly token: string;
  readonly expiresAtMs?: number;
  readonly issuedAtMs: number;
  /** Grant id shared by the access and refresh tokens of one consent. */
  readonly grantId: string;
}

interface RefreshEntry extends FakeGrant {
  readonly expiresAtMs?: number;
  readonly grantId: string;
}

export type CodeCheck =
  | { readonly ok: true; readonly grant: FakeGrant }
  | { readonly ok: false; readonly reason: 'unknown_code' | 'expired' | 'redirect_mismatch' | 'client_mismatch' | 'pkce_mismatch' };

export interface FakeOAuthStoreOptions {
  readonly prefix: { readonly code: string; readonly access: string; readonly refresh: string };
}

const token = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;

export class FakeOAuthStore {
  private codes = new Map<string, CodeEntry>();
  private access = new Map<string, AccessEntry>();
  private refresh = new Map<string, RefreshEntry>();
  private revokedGrants = new Set<string>();
  /** How many times each endpoint kind was used, for tests (e.g. "exactly one refresh"). */
  readonly counts = { exchanges: 0, refreshes: 0, revokes: 0 };

  constructor(private readonly options: FakeOAuthStoreOptions) {}

  issueCode(input: FakeGrant & { redirectUri: string; codeChallenge?: string; codeChallengeMethod?: string; ttlSeconds: number; now: Date }): string {
    const code = token(this.options.prefix.code);
    this.codes.set(code, {
      accountId: input.accountId,
      clientId: input.clientId,
      scopes: input.scopes,
      redirectUri: input.redirectUri,
      ...(input.codeChallenge !== undefined && { codeChallenge: input.codeChallenge }),
      ...(input.codeChallengeMethod !== undefined && { codeChallengeMethod: input.codeChallengeMethod }),
      expiresAtMs: input.now.getTime() + input.ttlSeconds * 1000,
    });
    return code;
  }

  /** Redeems a code once: a second use fails even if the first one did not. */
  redeemCode(code: string, check: { clientId: string; redirectUri: string; codeVerifier?: string; now: Date }): CodeCheck {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    if (!entry) return { ok: false, reason: 'unknown_code' };
    if (entry.expiresAtMs < check.now.getTime()) return { ok: false, reason: 'expired' };
    if (entry.clientId !== check.clientId) return { ok: false, reason: 'client_mismatch' };
    if (entry.redirectUri !== check.redirectUri) return { ok: false, reason: 'redirect_mismatch' };
    if (entry.codeChallenge !== undefined) {
      const v = check.codeVerifier ?? '';
      const computed = entry.codeChallengeMethod === 'plain' ? v : createHash('sha256').update(v).digest('base64url');
      if (computed !== entry.codeChallenge) return { ok: false, reason: 'pkce_mismatch' };
    }
    this.counts.exchanges += 1;
    return { ok: true, grant: { accountId: entry.accountId, clientId: entry.clientId, scopes: entry.scopes } };
  }

  /** Issues an access token (and a refresh token when `refreshTtlSeconds` is given, or null for no expiry). */
  issueTokens(
    grant: FakeGrant,
    opts: { accessTtlSeconds?: number; refreshTtlSeconds?: number | null; now: Date; grantId?: string },
  ): { accessToken: string; refreshToken?: string; grantId: string } {
    const grantId = opts.grantId ?? randomBytes(8).toString('hex');
    const accessToken = token(this.options.prefix.access);
    const now = opts.now.getTime();
    this.access.set(accessToken, {
      ...grant,
      token: accessToken,
      grantId,
      issuedAtMs: now,
      ...(opts.accessTtlSeconds !== undefined && { expiresAtMs: now + opts.accessTtlSeconds * 1000 }),
    });
    if (opts.refreshTtlSeconds === undefined) return { accessToken, grantId };
    const refreshToken = token(this.options.prefix.refresh);
    this.refresh.set(refreshToken, {
      ...grant,
      grantId,
      ...(opts.refreshTtlSeconds !== null && { expiresAtMs: now + opts.refreshTtlSeconds * 1000 }),
    });
    return { accessToken, refreshToken, grantId };
  }

  /** The grant behind a valid access token; `expired`/`revoked`/`unknown` otherwise. */
  checkAccess(tokenValue: string | undefined, now: Date): { ok: true; entry: AccessEntry } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' } {
    if (!tokenValue) return { ok: false, reason: 'unknown' };
    const entry = this.access.get(tokenValue);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (this.revokedGrants.has(entry.grantId)) return { ok: false, reason: 'revoked' };
    if (entry.expiresAtMs !== undefined && entry.expiresAtMs < now.getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, entry };
  }

  /**
   * Uses a refresh token. With `rotate`, the old refresh token stops working and a new one is
   * returned; without it, the same refresh token is kept and not returned again.
   */
  useRefreshToken(
    refreshToken: string,
    opts: { clientId: string; rotate: boolean; accessTtlSeconds?: number; refreshTtlSeconds?: number | null; now: Date },
  ): { ok: true; accessToken: string; refreshToken?: string; grant: FakeGrant } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'client_mismatch' } {
    const entry = this.refresh.get(refreshToken);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.clientId !== opts.clientId) return { ok: false, reason: 'client_mismatch' };
    if (this.revokedGrants.has(entry.grantId)) return { ok: false, reason: 'revoked' };
    if (entry.expiresAtMs !== undefined && entry.expiresAtMs < opts.now.getTime()) return { ok: false, reason: 'expired' };
    this.counts.refreshes += 1;
    const grant: FakeGrant = { accountId: entry.accountId, clientId: entry.clientId, scopes: entry.scopes };
    if (opts.rotate) {
      this.refresh.delete(refreshToken);
      const issued = this.issueTokens(grant, {
        ...(opts.accessTtlSeconds !== undefined && { accessTtlSeconds: opts.accessTtlSeconds }),
        refreshTtlSeconds: opts.refreshTtlSeconds === undefined ? null : opts.refreshTtlSeconds,
        now: opts.now,
        grantId: entry.grantId,
      });
      return { ok: true, accessToken: issued.accessToken, ...(issued.refreshToken !== undefined && { refreshToken: issued.refreshToken }), grant };
    }
    const issued = this.issueTokens(grant, {
      ...(opts.accessTtlSeconds !== undefined && { accessTtlSeconds: opts.accessTtlSeconds }),
      now: opts.now,
      grantId: entry.grantId,
    });
    return { ok: true, accessToken: issued.accessToken, grant };
  }

  /** Issues a fresh access token for the same grant as `tokenValue` (long-lived exchanges). */
  exchangeAccess(tokenValue: string, opts: { accessTtlSeconds?: number; now: Date }): AccessEntry | undefined {
    const check = this.checkAccess(tokenValue, opts.now);
    if (!check.ok) return undefined;
    const issued = this.issueTokens(check.entry, {
      ...(opts.accessTtlSeconds !== undefined && { accessTtlSeconds: opts.accessTtlSeconds }),
      now: opts.now,
      grantId: check.entry.grantId,
    });
    return this.access.get(issued.accessToken);
  }

  /** Revokes the whole grant behind an access or refresh token. Returns false for an unknown token. */
  revoke(tokenValue: string): boolean {
    const grantId = this.access.get(tokenValue)?.grantId ?? this.refresh.get(tokenValue)?.grantId;
    if (!grantId) return false;
    this.revokedGrants.add(grantId);
    this.counts.revokes += 1;
    return true;
  }

  /** Revokes every grant of an account (the user removed the app at the platform). */
  revokeAccount(accountId: string): void {
    for (const e of this.access.values()) if (e.accountId === accountId) this.revokedGrants.add(e.grantId);
    for (const e of this.refresh.values()) if (e.accountId === accountId) this.revokedGrants.add(e.grantId);
  }

  reset(): void {
    this.codes.clear();
    this.access.clear();
    this.refresh.clear();
    this.revokedGrants.clear();
    this.counts.exchanges = 0;
    this.counts.refreshes = 0;
    this.counts.revokes = 0;
  }
}
