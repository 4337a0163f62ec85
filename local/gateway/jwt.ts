/**
 * The local token issuer standing in for Cognito (or any OIDC issuer) behind API Gateway's JWT
 * authorizer: an ES256 key pair, its JWKS, tokens for any user, and verification with the
 * authorizer's checks (signature by a key of the JWKS, `iss`, `aud`, `exp`, `nbf`).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { z } from 'zod';

export interface LocalIssuer {
  /** `iss` of the tokens, e.g. `http://localhost:3000/local`. */
  readonly issuer: string;
  readonly audience: string;
  /** The public keys, as served at `/local/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] };
  /** A signed token for `sub`, with `cognito:groups` when groups are given. */
  mint(sub: string, groups?: readonly string[], ttlSeconds?: number): Promise<string>;
  /** The verified claims, or undefined for any token the authorizer would refuse. */
  verify(token: string): Promise<JWTPayload | undefined>;
}

const KEY_FILE = 'issuer-key.json';
const ALG = 'ES256';
const storedKey = z.object({ kid: z.string().min(1), privateJwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), d: z.string() }) });

interface KeyPair {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

const publicPart = (jwk: JWK, kid: string): JWK => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: ALG, use: 'sig' });

const loadKey = async (dir: string): Promise<KeyPair | undefined> => {
  const path = join(dir, KEY_FILE);
  if (!existsSync(path)) return undefined;
  const parsed = storedKey.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} does not hold an ES256 private key; delete it to make a new one`);
  const privateKey = (await importJWK(parsed.data.privateJwk, ALG)) as CryptoKey;
  return { kid: parsed.data.kid, privateKey, publicJwk: publicPart(parsed.data.privateJwk, parsed.data.kid) };
};

const newKey = async (dir?: string): Promise<KeyPair> => {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = randomUUID();
  if (dir) writeFileSync(join(dir, KEY_FILE), JSON.stringify({ kid, privateJwk: jwk }), { mode: 0o600, flag: 'wx' });
  return { kid, privateKey, publicJwk: publicPart(jwk, kid) };
};

/** Creates the issuer; with `dir` its key survives restarts (tokens stay valid across them). */
export const createLocalIssuer = async (options: { issuer: string; audience: string; dir?: string }): Promise<LocalIssuer> => {
  const key = (options.dir && (await loadKey(options.dir))) || (await newKey(options.dir));
  const verifyKey = await importJWK(key.publicJwk, ALG);
  return {
    issuer: options.issuer,
    audience: options.audience,
    jwks: () => ({ keys: [key.publicJwk] }),
    mint: async (sub, groups = [], ttlSeconds = 86_400) =>
      new SignJWT({ token_use: 'access', ...(groups.length > 0 && { 'cognito:groups': [...groups] }) })
        .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .setJti(randomUUID())
        .sign(key.privateKey),
    verify: async (token) => {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, verifyKey, { issuer: options.issuer, audience: options.audience, algorithms: [ALG] });
        if (protectedHeader.kid !== key.kid) return undefined;
        return payload;
      } catch {
        return undefined;
      }
    },
  };
};

/**
 * Claims as the JWT authorizer hands them to the integration: every value a string, arrays as
 * `[a b]` (how `cognito:groups` arrives), objects as JSON.
 */
export const renderClaims = (payload: JWTPayload): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) out[k] = `[${v.map(String).join(' ')}]`;
    else if (typeof v === 'object') out[k] = JSON.stringify(v);
    else out[k] = String(v);
  }
  return out;
};
