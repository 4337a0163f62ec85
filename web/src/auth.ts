/**
 * Who is signed in. Locally a dev token from the runtime's issuer; in AWS the Cognito hosted UI
 * (authorization code + PKCE, back to this page's origin). Tokens live in sessionStorage only:
 * never localStorage (which outlives the tab) and never a URL (which ends up in logs and history).
 */
import { errorFrom, ApiError } from './api';
import { authorizeUrl, codeChallenge, displayNameOf, jwtClaims, logoutUrl, randomToken, tokenRequestBody } from './oidc';
import { devTokenAnswer, oidcTokenAnswer, type DashboardConfig, type OidcConfig } from './schemas';

export interface Session {
  readonly accessToken: string;
  /** Epoch ms after which the token is refused; the page signs out a little before. */
  readonly expiresAt: number;
  readonly user: string;
}

const SESSION_KEY = 'reach.session';
const PENDING_KEY = 'reach.oidc.pending';
/** Sign out this long before the token's own expiry rather than fail a click. */
const EXPIRY_SKEW_MS = 30_000;

const redirectUri = (): string => `${window.location.origin}/`;

const save = (s: Session): Session => {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  return s;
};

/** The stored session, if any and not about to expire. */
export const currentSession = (): Session | undefined => {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Partial<Session>;
    if (typeof s.accessToken === 'string' && typeof s.expiresAt === 'number' && typeof s.user === 'string' && s.expiresAt - EXPIRY_SKEW_MS > Date.now()) {
      return { accessToken: s.accessToken, expiresAt: s.expiresAt, user: s.user };
    }
  } catch {
    // A corrupt entry is the same as none: sign in again.
  }
  sessionStorage.removeItem(SESSION_KEY);
  return undefined;
};

const sessionFromToken = (token: string, fallbackTtlSeconds: number): Session => {
  const claims = jwtClaims(token);
  const exp = typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : Date.now() + fallbackTtlSeconds * 1000;
  return { accessToken: token, expiresAt: exp, user: displayNameOf(claims) };
};

/** Local runtime: asks its issuer (`POST /local/token`) for a token for `sub`. */
export const signInDev = async (config: Extract<DashboardConfig['auth'], { kind: 'dev' }>, apiBase: string, sub: string): Promise<Session> => {
  const res = await fetch(`${apiBase}${config.tokenUrl}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub }) });
  if (!res.ok) throw await errorFrom(res);
  const parsed = devTokenAnswer.safeParse(await res.json());
  if (!parsed.success) throw new ApiError(res.status, 'The token endpoint answered an unexpected shape');
  return save(sessionFromToken(parsed.data.token, 3600));
};

/** Starts the hosted UI sign-in: remembers state and verifier for this tab, then leaves the page. */
export const beginOidcSignIn = async (config: OidcConfig): Promise<void> => {
  const state = randomToken();
  const verifier = randomToken(48);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, verifier }));
  window.location.assign(authorizeUrl({ authorizeUrl: config.authorizeUrl, clientId: config.clientId, redirectUri: redirectUri(), scopes: config.scopes, state, challenge: await codeChallenge(verifier) }));
};

/**
 * Finishes a hosted UI sign-in when the page was opened with `?code&state` (or `?error`):
 * checks the state, exchanges the code with the verifier, and strips the query from the URL.
 * Resolves undefined when the URL carries no sign-in answer.
 */
export const completeOidcSignIn = async (config: OidcConfig, url: URL): Promise<Session | undefined> => {
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (!code && !error) return undefined;
  const pendingRaw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  window.history.replaceState(null, '', `/${url.hash}`);
  if (error) throw new ApiError(400, `Sign-in was not completed: ${error}${url.searchParams.get('error_description') ? ` (${url.searchParams.get('error_description')})` : ''}`);
  let pending: { state?: unknown; verifier?: unknown } = {};
  try {
    pending = pendingRaw ? (JSON.parse(pendingRaw) as typeof pending) : {};
  } catch {
    pending = {};
  }
  if (typeof pending.verifier !== 'string' || pending.state !== url.searchParams.get('state')) {
    throw new ApiError(400, 'Sign-in answer does not match a sign-in started in this tab; please sign in again');
  }
  // https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
  const res = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody({ clientId: config.clientId, code: code ?? '', redirectUri: redirectUri(), verifier: pending.verifier }),
  });
  if (!res.ok) throw await errorFrom(res);
  const parsed = oidcTokenAnswer.safeParse(await res.json());
  if (!parsed.success) throw new ApiError(res.status, 'The token endpoint answered an unexpected shape');
  // The API's JWT authorizer accepts the access token (its client_id is the app client); the
  // ID token only names the user.
  const base = sessionFromToken(parsed.data.access_token, parsed.data.expires_in ?? 3600);
  const user = parsed.data.id_token ? displayNameOf(jwtClaims(parsed.data.id_token)) : base.user;
  return save({ ...base, user });
};

/** Forgets the session; with a hosted UI logout URL (and `endProviderSession`), also ends the IdP's session. */
export const signOut = (config: DashboardConfig, endProviderSession = true): void => {
  sessionStorage.removeItem(SESSION_KEY);
  if (endProviderSession && config.auth.kind === 'oidc' && config.auth.logoutUrl) window.location.assign(logoutUrl(config.auth.logoutUrl, config.auth.clientId, redirectUri()));
};
