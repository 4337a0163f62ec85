/**
 * The pure parts of signing in with OAuth 2.0 authorization code + PKCE (RFC 7636) against an
 * OIDC provider such as a Cognito user pool's hosted UI, and reading a JWT's claims for display.
 * No DOM and no storage here: `auth.ts` holds the state.
 */

/** Base64url without padding (RFC 4648 §5), as PKCE and JWTs use it. */
export const base64url = (bytes: Uint8Array): string => {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)), RFC 7636 §4.2. */
export const codeChallenge = async (verifier: string): Promise<string> =>
  base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));

/** A random string of `bytes` bytes of entropy, base64url (43 characters for 32: within PKCE's 43–128). */
export const randomToken = (bytes = 32): string => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

export interface AuthorizeRequest {
  readonly authorizeUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly challenge: string;
}

/**
 * The authorization request URL (RFC 6749 §4.1.1 with PKCE); Cognito's is documented at
 * https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
 */
export const authorizeUrl = (r: AuthorizeRequest): string => {
  const url = new URL(r.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', r.clientId);
  url.searchParams.set('redirect_uri', r.redirectUri);
  url.searchParams.set('scope', r.scopes.join(' '));
  url.searchParams.set('state', r.state);
  url.searchParams.set('code_challenge', r.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
};

/** The form body of the code exchange (RFC 6749 §4.1.3, `code_verifier` from RFC 7636 §4.5). */
export const tokenRequestBody = (r: { clientId: string; code: string; redirectUri: string; verifier: string }): URLSearchParams =>
  new URLSearchParams({ grant_type: 'authorization_code', client_id: r.clientId, code: r.code, redirect_uri: r.redirectUri, code_verifier: r.verifier });

/**
 * Cognito's logout endpoint wants `client_id` and `logout_uri` (an allowed sign-out URL):
 * https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
 */
export const logoutUrl = (base: string, clientId: string, returnTo: string): string => {
  const url = new URL(base);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('logout_uri', returnTo);
  return url.toString();
};

/**
 * The claims of a JWT, read without verifying it: only to show who is signed in and when the
 * session ends. The API verifies every token it is sent; nothing here is trusted for access.
 */
export const jwtClaims = (token: string): Record<string, unknown> => {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const padded = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** Who a token is for, as a person reads it: email, username, or subject. */
export const displayNameOf = (claims: Readonly<Record<string, unknown>>): string => {
  for (const key of ['email', 'cognito:username', 'username', 'preferred_username', 'sub']) {
    const v = claims[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return 'signed in';
};
