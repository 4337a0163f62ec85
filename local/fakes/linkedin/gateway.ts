/**
 * The checks LinkedIn's gateway makes before a resource sees a call: `LinkedIn-Version` (for
 * `/rest`), the Rest.li protocol header for finders, the bearer token, then the scopes the resource
 * needs. Shared by every API route of the fake.
 */
import type { FakeContext, FakeRequest, FakeResponse } from '../framework';
import type { AccessEntry, FakeOAuthStore } from '../oauth-store';
import { accessDenied, apiError, badRequest, emptyToken, expiredToken, invalidToken, revokedToken } from './errors';
import type { FakeMember, FakeOrganization, LinkedinWorld } from './state';

export interface LinkedinApiSettings {
  /** Versions older than this are sunset (426); e.g. `202501`. */
  readonly minVersion: string;
}

export interface Caller {
  readonly entry: AccessEntry;
  readonly member: FakeMember;
  /** The version the call named, or `NO_VERSION` (as LinkedIn spells it in ACCESS_DENIED messages). */
  readonly version: string;
}

export type Guarded = (req: FakeRequest, ctx: FakeContext, caller: Caller) => FakeResponse | Promise<FakeResponse>;

export interface GuardOptions {
  readonly rest: boolean;
  readonly finder?: boolean;
  /** Any one of these scopes admits the call. */
  readonly scopes?: readonly string[];
}

export interface Gateway {
  guard(resource: string, options: GuardOptions, handler: Guarded): (req: FakeRequest, ctx: FakeContext) => FakeResponse | Promise<FakeResponse>;
  /** The organization an `urn:li:organization:{id}` names, when it exists. */
  orgFromUrn(value: string | null | undefined): FakeOrganization | undefined;
  /** `urn:li:person:{sub}` of the caller. */
  personUrn(member: FakeMember): string;
}

/** Builds the gateway over the shared grant store and world. */
export const createGateway = (store: FakeOAuthStore, world: LinkedinWorld, settings: LinkedinApiSettings): Gateway => ({
  guard: (resource, options, handler) => (req, ctx) => {
    const version = req.headers['linkedin-version'];
    if (options.rest) {
      if (!version) return apiError(400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', { code: 'VERSION_MISSING' });
      if (!/^\d{6}(\.\d{2})?$/.test(version) || version.slice(0, 6) < settings.minVersion) {
        return apiError(426, `Requested version ${version} is not active`, { code: 'NONEXISTENT_VERSION' });
      }
      if (options.finder && req.headers['x-restli-protocol-version'] !== '2.0.0') {
        return badRequest('Finder requests need the X-Restli-Protocol-Version: 2.0.0 header');
      }
    }
    const token = req.bearer();
    if (!token) return emptyToken();
    const check = store.checkAccess(token, ctx.now());
    if (!check.ok) return check.reason === 'expired' ? expiredToken() : check.reason === 'revoked' ? revokedToken() : invalidToken();
    const member = world.members.get(check.entry.accountId);
    if (!member) return invalidToken();
    const tag = options.rest ? (version ?? 'NO_VERSION') : 'NO_VERSION';
    if (options.scopes && !options.scopes.some((s) => check.entry.scopes.includes(s))) return accessDenied(resource, req.method, tag);
    return handler(req, ctx, { entry: check.entry, member, version: tag });
  },
  orgFromUrn: (value) => {
    const m = value ? /^urn:li:organization:(\d+)$/.exec(value) : null;
    return m ? world.organizations.get(Number(m[1])) : undefined;
  },
  personUrn: (member) => `urn:li:person:${member.sub}`,
});
