/**
 * The Google OAuth facts YouTube and Business Profile share, as data
 * (https://developers.google.com/identity/protocols/oauth2/web-server).
 */
import type { OAuthManifest } from '../types';

export const GOOGLE_AUTHORIZE_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GOOGLE_REVOKE_URL = 'https://oauth2.googleapis.com/revoke';

/** Google answers `expires_in: 3599` for user access tokens. */
export const GOOGLE_ACCESS_TOKEN_LIFETIME_SECONDS = 3599;

/** The OAuth part of a Google provider's manifest, for the scopes that provider asks for. */
export const googleOAuthManifest = (defaultScopes: readonly string[]): OAuthManifest => ({
  authorizeUrl: GOOGLE_AUTHORIZE_URL,
  tokenUrl: GOOGLE_TOKEN_URL,
  defaultScopes,
  scopeSeparator: ' ',
  // Optional for confidential web clients, accepted with S256: we always send it.
  pkce: 'supported',
  clientAuth: 'body',
  accessTokenLifetimeSeconds: GOOGLE_ACCESS_TOKEN_LIFETIME_SECONDS,
  refreshMarginSeconds: 300,
  // A refresh answer carries no refresh_token: the one from the first consent stays valid.
  rotatesRefreshToken: false,
});

/** What every Google connection is subject to, whatever the API behind it. */
export const GOOGLE_OAUTH_LIMITATIONS: readonly string[] = [
  'Google keeps at most 100 refresh tokens per OAuth client per Google account and silently drops the oldest beyond that: connecting the same Google account over and over can invalidate older connections (they become reauth_required).',
  'While the OAuth consent screen is in "Testing" publishing status, refresh tokens of external users expire after 7 days without any notice in the token answer: publish the app for connections that last.',
  'Refresh tokens also stop working after 6 months unused, when the user removes access at https://myaccount.google.com/permissions, or after a password change (for some scopes); Google then answers invalid_grant and the connection asks to reconnect.',
];
