/**
 * Meta's `signed_request`: what its deauthorize and data-deletion callbacks POST (form field
 * `signed_request`), https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback
 *
 * Format: `<sig>.<payload>`, both base64url. `sig` is the raw 32-byte HMAC-SHA256, keyed with the
 * app secret, of the payload part **as transmitted** (the ASCII string, padding included when
 * present), not of the decoded JSON. Meta sends both parts unpadded, some SDK tests (and some
 * observed callbacks) keep `=` padding: it is tolerated, never stripped before hashing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AppCredentials } from '../../core/model/tokens';
import type { SignedCallback } from '../types';

/** A callback body is a small form; anything far larger is not one. */
const MAX_BODY_BYTES = 16 * 1024;
/** The longest `signed_request` considered (real ones are a few hundred characters). */
const MAX_SIGNED_REQUEST_LENGTH = 8 * 1024;
const BASE64URL_PART = /^([A-Za-z0-9_-]+)(={0,2})$/;
const SIGNATURE_BYTES = 32;

const payloadSchema = z.looseObject({
  algorithm: z.literal('HMAC-SHA256'),
  // Epoch seconds; the bound keeps the instant representable.
  issued_at: z.number().int().nonnegative().max(1e12).optional(),
  // Meta sends the app-scoped id as a string; the PHP SDK's vector has it as a number.
  user_id: z.union([z.string().min(1).max(128), z.number().int().nonnegative()]).transform(String).optional(),
});

/** The verified payload: `algorithm` is `HMAC-SHA256`; other members as Meta sent them. */
export type SignedRequestPayload = z.infer<typeof payloadSchema>;

const decodePart = (part: string): { readonly bytes: Buffer; readonly canonical: boolean } | undefined => {
  const m = BASE64URL_PART.exec(part);
  if (!m) return undefined;
  const body = m[1]!;
  const padding = m[2]!;
  // A base64url length of 1 (mod 4) encodes no whole byte.
  if (body.length % 4 === 1) return undefined;
  if (padding.length > 0 && (body.length + padding.length) % 4 !== 0) return undefined;
  const bytes = Buffer.from(body, 'base64url');
  // Unused trailing bits let several strings decode to the same bytes; only the canonical one is
  // accepted, so that no altered character of a signature still verifies.
  return { bytes, canonical: bytes.toString('base64url') === body };
};

/**
 * Verifies `signedRequest` with `appSecret` and returns its payload, or undefined when it is
 * malformed, signed with another key, or names an algorithm other than `HMAC-SHA256`. Compares
 * in constant time; never throws.
 */
export const parseSignedRequest = (signedRequest: string, appSecret: string): SignedRequestPayload | undefined => {
  if (typeof signedRequest !== 'string' || typeof appSecret !== 'string' || appSecret === '' || signedRequest.length > MAX_SIGNED_REQUEST_LENGTH) return undefined;
  const parts = signedRequest.split('.');
  if (parts.length !== 2) return undefined;
  const [sigPart, payloadPart] = parts as [string, string];
  const sig = decodePart(sigPart);
  const payload = decodePart(payloadPart);
  if (!sig || !payload || !sig.canonical || sig.bytes.length !== SIGNATURE_BYTES || payload.bytes.length === 0) return undefined;
  const expected = createHmac('sha256', appSecret).update(payloadPart, 'ascii').digest();
  if (!timingSafeEqual(sig.bytes, expected)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(payload.bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = payloadSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
};

/** The keys a Meta app may sign with: its app secret (`clientSecret`), or the webhook secret set beside it. */
const appSecretsOf = (credentials: AppCredentials): string[] =>
  [...new Set([credentials.clientSecret, credentials.webhookSecret].filter((s): s is string => typeof s === 'string' && s !== ''))];

/**
 * Reads the form field `signed_request` from a deauthorize or data-deletion callback body and
 * verifies it with the app's credentials: who the callback is about, or undefined. Never throws.
 */
export const verifySignedRequest = (body: Buffer, credentials: AppCredentials): SignedCallback | undefined => {
  if (!Buffer.isBuffer(body) || body.length === 0 || body.length > MAX_BODY_BYTES) return undefined;
  const values = new URLSearchParams(body.toString('latin1')).getAll('signed_request');
  if (values.length !== 1) return undefined;
  const signedRequest = values[0]!;
  for (const secret of appSecretsOf(credentials)) {
    const payload = parseSignedRequest(signedRequest, secret);
    if (!payload) continue;
    if (payload.user_id === undefined) return undefined;
    return {
      platformUserId: payload.user_id,
      ...(payload.issued_at !== undefined && { issuedAt: new Date(payload.issued_at * 1000).toISOString() }),
    };
  }
  return undefined;
};

/** Builds a `signed_request` as Meta does (unpadded base64url): for fakes and tests. */
export const signRequest = (payload: Readonly<Record<string, unknown>>, appSecret: string): string => {
  const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${createHmac('sha256', appSecret).update(encoded, 'ascii').digest('base64url')}.${encoded}`;
};
