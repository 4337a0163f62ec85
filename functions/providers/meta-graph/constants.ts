/**
 * What Instagram and Facebook share about Meta's Graph API: the pinned version and the hosts.
 * The version is a path prefix; an unversioned call goes to the oldest version still served,
 * so every call names it (https://developers.facebook.com/docs/graph-api/guides/versioning).
 */

/** The Graph API version Reach is written and tested against. */
export const GRAPH_VERSION = 'v25.0';

/** Facebook Login tokens, Pages, and Instagram accounts reached through Facebook Login. */
export const FACEBOOK_GRAPH = 'https://graph.facebook.com';
/** Instagram accounts reached through Instagram Login (Instagram user tokens). */
export const INSTAGRAM_GRAPH = 'https://graph.instagram.com';

/** The Facebook Login dialog (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow). */
export const FACEBOOK_DIALOG_URL = `https://www.facebook.com/${GRAPH_VERSION}/dialog/oauth`;
/** The Facebook Login code and token exchange endpoint. */
export const FACEBOOK_TOKEN_URL = `${FACEBOOK_GRAPH}/${GRAPH_VERSION}/oauth/access_token`;

/** A versioned Graph URL on `host` for `path` (which starts with `/`). */
export const graphUrl = (host: string, path: string): string => `${host}/${GRAPH_VERSION}${path}`;

/** Documented lifetime of a long-lived user token (Facebook and Instagram): 60 days. */
export const LONG_LIVED_TOKEN_SECONDS = 60 * 86_400;

/** How many recent posts a metrics call samples for engagement averages. */
export const RECENT_POSTS_SAMPLE = 12;
