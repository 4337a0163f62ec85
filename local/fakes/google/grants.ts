/**
 * Google's grant rules on top of the shared code/token bookkeeping (FakeOAuthStore):
 * - a refresh token only for `access_type=offline`, and only on first consent unless `prompt=consent`;
 * - refresh answers never carry a new refresh token (no rotation);
 * - at most 100 refresh tokens per client per Google account, the oldest silently dropped;
 * - "Testing" apps: refresh tokens expire after 7 days, and the token answer does not say so;
 * - `include_granted_scopes=true` adds the scopes granted to the client before;
 * - revoking any token of a grant revokes the grant.
 * https://developers.google.com/identity/protocols/oauth2/web-server
 */
import { FakeOAuthStore, type FakeGrant } from '../oauth-store';
import type { FakeRequest, FakeResponse } from '../framework';
import type { FakeGoogleAccount, FakeGoogleDirectory } from './accounts';
import { insufficientScopes, invalidCredentials, loginRequired } from './errors';

export interface GoogleGrantSettings {
  readonly accessTokenTtlSeconds: number;
  readonly codeTtlSeconds: number;
  readonly refreshTokenLimit: number;
  readonly testingMode: boolean;
}

interface CodeMeta {
  readonly offline: boolean;
  readonly forceConsent: boolean;
  readonly hadChallenge: boolean;
  redeemed: boolean;
}

const TESTING_REFRESH_TTL_SECONDS = 7 * 86_400;

export type RefreshResult =
  | { readonly ok: true; readonly accessToken: string; readonly grant: FakeGrant }
  | { readonly ok: false; readonly reason: 'invalid_grant' | 'client_mismatch' };

export type Authenticated = { readonly ok: true; readonly account: FakeGoogleAccount; readonly scopes: readonly string[] } | { readonly ok: false; readonly response: FakeResponse };

/** The grants, codes and tokens of the Google fake, with Google's rules. */
export class GoogleGrants {
  readonly store = new FakeOAuthStore({ prefix: { code: '4/0Afake', access: 'ya29.fake', refresh: '1//0fake' } });
  private readonly codes = new Map<string, CodeMeta>();
  private readonly grantOf = new Map<string, string>();
  private readonly revokedGrants = new Set<string>();
  private readonly dropped = new Set<string>();
  private readonly refreshTokens = new Map<string, string[]>();
  private readonly granted = new Map<string, Set<string>>();

  constructor(
    private readonly settings: GoogleGrantSettings,
    private readonly directory: FakeGoogleDirectory,
  ) {}

  private key = (accountId: string, clientId: string) => `${accountId}|${clientId}`;

  /** The scopes a consent grants: those asked for, plus earlier ones when `include_granted_scopes`. */
  scopesFor(accountId: string, clientId: string, requested: readonly string[], includeGranted: boolean): string[] {
    const earlier = includeGranted ? [...(this.granted.get(this.key(accountId, clientId)) ?? [])] : [];
    return [...new Set([...earlier, ...requested])];
  }

  /** Issues a single-use code for an approved consent, remembering what the token answer depends on. */
  issueCode(input: {
    accountId: string;
    clientId: string;
    scopes: readonly string[];
    redirectUri: string;
    codeChallenge?: string;
    codeChallengeMethod?: string;
    offline: boolean;
    forceConsent: boolean;
    now: Date;
  }): string {
    const code = this.store.issueCode({
      accountId: input.accountId,
      clientId: input.clientId,
      scopes: input.scopes,
      redirectUri: input.redirectUri,
      ...(input.codeChallenge !== undefined && { codeChallenge: input.codeChallenge, codeChallengeMethod: input.codeChallengeMethod ?? 'plain' }),
      ttlSeconds: this.settings.codeTtlSeconds,
      now: input.now,
    });
    this.codes.set(code, { offline: input.offline, forceConsent: input.forceConsent, hadChallenge: input.codeChallenge !== undefined, redeemed: false });
    return code;
  }

  /**
   * Redeems a code. Errors carry Google's own descriptions: a code seen before is "Bad Request",
   * one never issued is "Malformed auth code.".
   */
  redeem(
    code: string,
    check: { clientId: string; redirectUri: string; codeVerifier?: string; now: Date },
  ): { ok: true; accessToken: string; refreshToken?: string; scopes: readonly string[] } | { ok: false; error: string; description: string } {
    const meta = this.codes.get(code);
    if (!meta) return { ok: false, error: 'invalid_grant', description: 'Malformed auth code.' };
    if (meta.redeemed) return { ok: false, error: 'invalid_grant', description: 'Bad Request' };
    if (!meta.hadChallenge && check.codeVerifier) {
      return { ok: false, error: 'invalid_grant', description: 'code_verifier or verifier is not needed.' };
    }
    meta.redeemed = true;
    const result = this.store.redeemCode(code, check);
    if (!result.ok) {
      switch (result.reason) {
        case 'redirect_mismatch':
          return { ok: false, error: 'redirect_uri_mismatch', description: 'Bad Request' };
        case 'pkce_mismatch':
          return { ok: false, error: 'invalid_grant', description: check.codeVerifier ? 'Invalid code verifier.' : 'Missing code verifier.' };
        case 'client_mismatch':
          return { ok: false, error: 'unauthorized_client', description: 'Unauthorized' };
        default:
          return { ok: false, error: 'invalid_grant', description: 'Bad Request' };
      }
    }
    const { grant } = result;
    const key = this.key(grant.accountId, grant.clientId);
    const held = this.refreshTokens.get(key) ?? [];
    const withRefresh = meta.offline && (meta.forceConsent || held.length === 0);
    const issued = this.store.issueTokens(grant, {
      accessTtlSeconds: this.settings.accessTokenTtlSeconds,
      ...(withRefresh && { refreshTtlSeconds: this.settings.testingMode ? TESTING_REFRESH_TTL_SECONDS : null }),
      now: check.now,
    });
    this.grantOf.set(issued.accessToken, issued.grantId);
    if (issued.refreshToken) {
      this.grantOf.set(issued.refreshToken, issued.grantId);
      held.push(issued.refreshToken);
      while (held.length > this.settings.refreshTokenLimit) this.dropped.add(held.shift()!);
      this.refreshTokens.set(key, held);
    }
    const scopes = this.granted.get(key) ?? new Set<string>();
    for (const s of grant.scopes) scopes.add(s);
    this.granted.set(key, scopes);
    return { ok: true, accessToken: issued.accessToken, ...(issued.refreshToken !== undefined && { refreshToken: issued.refreshToken }), scopes: grant.scopes };
  }

  /** Uses a refresh token; Google keeps it (no rotation). */
  refresh(refreshToken: string, clientId: string, now: Date): RefreshResult {
    if (this.dropped.has(refreshToken)) return { ok: false, reason: 'invalid_grant' };
    const used = this.store.useRefreshToken(refreshToken, { clientId, rotate: false, accessTtlSeconds: this.settings.accessTokenTtlSeconds, now });
    if (!used.ok) return { ok: false, reason: used.reason === 'client_mismatch' ? 'client_mismatch' : 'invalid_grant' };
    const grantId = this.grantOf.get(refreshToken);
    if (grantId) this.grantOf.set(used.accessToken, grantId);
    return { ok: true, accessToken: used.accessToken, grant: used.grant };
  }

  /** Revokes the grant behind an access or refresh token; false when Google would say "invalid_token". */
  revoke(token: string, now: Date): boolean {
    const grantId = this.grantOf.get(token);
    if (!grantId || this.revokedGrants.has(grantId) || this.dropped.has(token)) return false;
    if (token.startsWith('ya29.') && !this.store.checkAccess(token, now).ok) return false;
    if (!this.store.revoke(token)) return false;
    this.revokedGrants.add(grantId);
    return true;
  }

  /**
   * Checks the bearer token of an API call and that it carries one of `anyOfScopes`; answers the
   * host's own 401/403 otherwise.
   */
  authenticate(req: FakeRequest, now: Date, anyOfScopes: readonly string[]): Authenticated {
    const token = req.bearer();
    if (!token) return { ok: false, response: loginRequired(req) };
    const check = this.store.checkAccess(token, now);
    if (!check.ok) return { ok: false, response: invalidCredentials(req, check.reason === 'expired') };
    if (!anyOfScopes.some((s) => check.entry.scopes.includes(s))) return { ok: false, response: insufficientScopes(req) };
    const account = this.directory.get(check.entry.accountId);
    if (!account) return { ok: false, response: invalidCredentials(req, false) };
    return { ok: true, account, scopes: check.entry.scopes };
  }

  /** What a test or a person may want to see: counts and how many refresh tokens each client holds. */
  snapshot() {
    return {
      counts: { ...this.store.counts },
      refreshTokensHeld: Object.fromEntries([...this.refreshTokens].map(([k, v]) => [k, v.length])),
      droppedRefreshTokens: this.dropped.size,
      revokedGrants: this.revokedGrants.size,
    };
  }

  /** Forgets every code, token and grant. */
  reset(): void {
    this.store.reset();
    this.codes.clear();
    this.grantOf.clear();
    this.revokedGrants.clear();
    this.dropped.clear();
    this.refreshTokens.clear();
    this.granted.clear();
  }
}
