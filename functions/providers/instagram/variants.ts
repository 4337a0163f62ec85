/**
 * Instagram's two login variants. Instagram Login talks to graph.instagram.com with an Instagram
 * user token; Facebook Login talks to graph.facebook.com with a Facebook user token and finds the
 * Instagram account through a Page. The variant chosen at connect time is kept in
 * `TokenSet.extra.variant` so that refresh, accounts and metrics know which host to use.
 */
import type { TokenSet } from '../../core/model/tokens';
import { ProviderError } from '../types';
import { INSTAGRAM_VARIANTS, type InstagramVariant } from './manifest';

const isVariant = (v: string): v is InstagramVariant => (INSTAGRAM_VARIANTS as readonly string[]).includes(v);

/** The variant a connect asked for; the first of the manifest's when none. */
export const requestedVariant = (variant: string | undefined): InstagramVariant => {
  if (variant === undefined) return INSTAGRAM_VARIANTS[0];
  if (isVariant(variant)) return variant;
  throw new ProviderError('instagram', {
    kind: 'invalid_request',
    code: 'unknown_variant',
    message: `login variant must be one of ${INSTAGRAM_VARIANTS.join(', ')}`,
  });
};

/** The variant a stored token set was obtained with (sets from before variants were Instagram Login). */
export const variantOf = (tokens: TokenSet): InstagramVariant => {
  const v = tokens.extra?.['variant'];
  return v !== undefined && isVariant(v) ? v : 'instagram_login';
};

/**
 * Instagram Login scope names and their Facebook Login counterparts
 * (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/overview#permissions).
 * Reading an Instagram account through Facebook Login also needs the Page permissions.
 */
const FACEBOOK_LOGIN_EQUIVALENT: Readonly<Record<string, readonly string[]>> = {
  instagram_business_basic: ['instagram_basic', 'pages_show_list', 'pages_read_engagement'],
  instagram_business_content_publish: ['instagram_content_publish'],
  instagram_business_manage_insights: ['instagram_manage_insights'],
  instagram_business_manage_comments: ['instagram_manage_comments'],
  instagram_business_manage_messages: ['instagram_manage_messages'],
};

/** The scopes to ask the Facebook Login dialog for, from the (Instagram Login) scopes requested. */
export const facebookLoginScopes = (scopes: readonly string[]): string[] => [
  ...new Set(scopes.flatMap((s) => FACEBOOK_LOGIN_EQUIVALENT[s] ?? [s])),
];
