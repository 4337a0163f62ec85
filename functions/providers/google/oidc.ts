/**
 * Google-signed OIDC tokens, as Cloud Pub/Sub push sends them in `Authorization: Bearer`
 * (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions): RS256 JWTs whose keys
 * Google publishes at https://www.googleapis.com/oauth2/v3/certs (a JWKS, rotated regularly and
 * cacheable for its `Cache-Control: max-age`).
 *
 * The keys are fetched through the provider's HTTP client (so the fakes can serve them) and kept
 * in memory; checking a token against them is synchronous, so that a webhook `verify` can use
 * it. `jose` reads the token; the RS256 signature is checked with `node:crypto`.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { z } from 'zod';
import { sendClassified, parseJson, type CallContext } from '../http';
import { ProviderError } from '../types';

export const GOOGLE_CERTS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
/** Issuers of Google's ID tokens (both spellings occur). */
export const GOOGLE_ISSUERS: readonly string[] = ['https://accounts.google.com', 'accounts.google.com'];
/** Keys are re-read at least this often when the answer names no `max-age`. */
const DEFAULT_MAX_AGE_SECONDS = 3600;
const MIN_RELOAD_MS = 60_000;

const jwksSchema = z.object({
  keys: z.array(z.object({ kid: z.string().min(1), kty: z.string(), n: z.string().optional(), e: z.string().optional(), alg: z.string().optional() }).loose()),
});

/** Google's signing keys, cached by key id. */
export class GoogleCerts {
  private keys = new Map<string, KeyObject>();
  private freshUntilMs = 0;
  private loading: Promise<void> | undefined;
  private loadedAtMs: number | undefined;

  constructor(
    private readonly ctx: CallContext,
    private readonly now: () => Date,
  ) {}

  /** The cached key with this id (possibly past its `max-age`; `stale()` says so). */
  key(kid: string): KeyObject | undefined {
    return this.keys.get(kid);
  }

  /** Whether the cache should be read again. */
  stale(): boolean {
    return this.now().getTime() >= this.freshUntilMs;
  }

  /**
   * Reads the JWKS (one request at a time, however many callers wait). Unless `force`, a read
   * less than a minute after the last one is skipped, so that tokens naming unknown keys cannot
   * make every request fetch the keys again.
   */
  load(options: { readonly force?: boolean } = {}): Promise<void> {
    if (!options.force && this.loadedAtMs !== undefined && this.now().getTime() - this.loadedAtMs < MIN_RELOAD_MS) return this.loading ?? Promise.resolve();
    this.loading ??= this.fetchKeys().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** `GET https://www.googleapis.com/oauth2/v3/certs` → `{keys:[{kid,kty:"RSA",n,e,alg:"RS256"}]}`. */
  private async fetchKeys(): Promise<void> {
    const res = await sendClassified(this.ctx, { method: 'GET', url: GOOGLE_CERTS_URL });
    const jwks = jwksSchema.safeParse(parseJson(res.text));
    if (!jwks.success) {
      throw new ProviderError(this.ctx.platform, { kind: 'permanent', code: 'bad_jwks', message: 'Google\'s certs endpoint did not answer a JWKS' });
    }
    const next = new Map<string, KeyObject>();
    for (const jwk of jwks.data.keys) {
      if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) continue;
      try {
        next.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
      } catch {
        // A key Node cannot read is one no token we accept is signed with.
      }
    }
    const maxAge = /max-age=(\d+)/.exec(res.headers['cache-control'] ?? '')?.[1];
    this.keys = next;
    this.loadedAtMs = this.now().getTime();
    this.freshUntilMs = this.now().getTime() + (maxAge !== undefined ? Number(maxAge) : DEFAULT_MAX_AGE_SECONDS) * 1000;
  }
}

export type IdTokenCheck =
  | { readonly ok: true; readonly claims: JWTPayload }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'wrong_audience' | 'stale' };

export interface IdTokenExpectations {
  readonly audience: (aud: string) => boolean;
  readonly now: Date;
  /** Allowed clock difference for `exp` and `iat`. */
  readonly skewSeconds: number;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Checks a Google-signed RS256 token against the cached keys; never throws. */
export const checkGoogleIdToken = (token: string, certs: Pick<GoogleCerts, 'key'>, expect: IdTokenExpectations): IdTokenCheck => {
  if (token.length > 8192 || !JWT.test(token)) return { ok: false, reason: 'malformed' };
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (header.alg !== 'RS256' || typeof header.kid !== 'string') return { ok: false, reason: 'malformed' };
  const key = certs.key(header.kid);
  if (!key) return { ok: false, reason: 'unknown_key' };
  const [head, payload, signature] = token.split('.') as [string, string, string];
  let valid: boolean;
  try {
    valid = verifySignature('RSA-SHA256', Buffer.from(`${head}.${payload}`), key, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad_signature' };
  if (typeof claims.iss !== 'string' || !GOOGLE_ISSUERS.includes(claims.iss)) return { ok: false, reason: 'bad_signature' };
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.some((a) => expect.audience(a))) return { ok: false, reason: 'wrong_audience' };
  const nowSeconds = expect.now.getTime() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp + expect.skewSeconds < nowSeconds) return { ok: false, reason: 'stale' };
  if (typeof claims.iat === 'number' && claims.iat - expect.skewSeconds > nowSeconds) return { ok: false, reason: 'stale' };
  if (claims['email_verified'] === false) return { ok: false, reason: 'bad_signature' };
  return { ok: true, claims };
};
