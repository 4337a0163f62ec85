/**
 * Where an Instagram connection's Graph calls go: graph.instagram.com with an Instagram Login
 * token, graph.facebook.com (with `appsecret_proof`) with a Facebook Login token
 * (https://developers.facebook.com/docs/instagram-platform/overview#instagram-api-with-instagram-login).
 */
import type { AppCredentials, TokenSet } from '../../core/model/tokens';
import { FACEBOOK_GRAPH, INSTAGRAM_GRAPH } from '../meta-graph/constants';
import { variantOf } from './variants';

/** What every Graph call of one connection needs. */
export interface IgSession {
  readonly host: string;
  readonly accessToken: string;
  readonly appSecret: string;
}

/** The session of a connection's token set. */
export const igSession = (tokens: TokenSet, credentials: AppCredentials): IgSession => ({
  host: variantOf(tokens) === 'instagram_login' ? INSTAGRAM_GRAPH : FACEBOOK_GRAPH,
  accessToken: tokens.accessToken,
  appSecret: credentials.clientSecret,
});
