/**
 * Small pure helpers every LinkedIn call shares: request headers, URNs, scope strings and the
 * daily rate-limit reset.
 */
import { LINKEDIN_VERSION, RESTLI_PROTOCOL_VERSION } from './manifest';

/** Headers for the versioned `/rest/*` API (https://learn.microsoft.com/en-us/linkedin/marketing/versioning). */
export const restHeaders = (accessToken: string): Record<string, string> => ({
  authorization: `Bearer ${accessToken}`,
  'linkedin-version': LINKEDIN_VERSION,
  'x-restli-protocol-version': RESTLI_PROTOCOL_VERSION,
});

/** Headers for the unversioned `/v2/*` endpoints such as OIDC `userinfo`. */
export const bearer = (accessToken: string): Record<string, string> => ({ authorization: `Bearer ${accessToken}` });

export type LinkedinUrn =
  | { readonly kind: 'person'; readonly id: string; readonly urn: string }
  | { readonly kind: 'organization'; readonly id: string; readonly urn: string };

export const personUrn = (id: string): string => `urn:li:person:${id}`;
export const organizationUrn = (id: string | number): string => `urn:li:organization:${id}`;

/** Reads the member and organization URNs Reach uses as platform account ids; anything else is undefined. */
export const parseUrn = (value: string): LinkedinUrn | undefined => {
  const person = /^urn:li:person:([A-Za-z0-9_-]+)$/.exec(value);
  if (person) return { kind: 'person', id: person[1]!, urn: value };
  const org = /^urn:li:organization:(\d+)$/.exec(value);
  if (org) return { kind: 'organization', id: org[1]!, urn: value };
  return undefined;
};

/** URNs in a path segment must be percent-encoded (`urn%3Ali%3Aorganization%3A123`) under Rest.li 2.0. */
export const encodeUrn = (urn: string): string => encodeURIComponent(urn);

/**
 * LinkedIn documents `scope` as space-delimited but answers with commas (`"r_liteprofile,w_member_social"`,
 * as in the introspection sample), so both are accepted.
 */
export const parseScopes = (scope: string | undefined): string[] =>
  scope === undefined ? [] : [...new Set(scope.split(/[\s,]+/).filter(Boolean))];

/** Seconds until the next 00:00 UTC, when LinkedIn's daily limits reset (at least 1). */
export const secondsUntilUtcMidnight = (now: Date): number => {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
};

/** `now + seconds` as an ISO instant. */
export const isoAfter = (now: Date, seconds: number): string => new Date(now.getTime() + seconds * 1000).toISOString();
