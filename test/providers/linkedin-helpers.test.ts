/**
 * The LinkedIn provider's pure helpers and the fake's deterministic world, without a server.
 */
import { buildAuthorizeUrl, toTokenSet } from '../../functions/providers/linkedin/oauth';
import { encodeUrn, isoAfter, parseScopes, parseUrn, secondsUntilUtcMidnight } from '../../functions/providers/linkedin/rest';
import { memberSnapshot, organizationSnapshot } from '../../functions/providers/linkedin/metrics';
import { canAdminOrganizations } from '../../functions/providers/linkedin/accounts';
import { LINKEDIN_VERSION, linkedinManifest, MEMBER_SCOPES, ORGANIZATION_SCOPES } from '../../functions/providers/linkedin/manifest';
import { memberFor, postsOf, totalsOf, LinkedinWorld } from '../../local/fakes/linkedin/state';

const CREDENTIALS = { clientId: 'client id', clientSecret: 'secret' };
const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('parseUrn', () => {
  it('reads member and organization URNs', () => {
    expect(parseUrn('urn:li:person:782bbtaQ')).toEqual({ kind: 'person', id: '782bbtaQ', urn: 'urn:li:person:782bbtaQ' });
    expect(parseUrn('urn:li:organization:2414183')).toEqual({ kind: 'organization', id: '2414183', urn: 'urn:li:organization:2414183' });
  });

  it('rejects anything else', () => {
    expect(parseUrn('urn:li:organization:abc')).toBeUndefined();
    expect(parseUrn('urn:li:share:123')).toBeUndefined();
    expect(parseUrn('782bbtaQ')).toBeUndefined();
  });

  it('encodes a URN for a Rest.li 2.0 path segment', () => {
    expect(encodeUrn('urn:li:organization:123')).toBe('urn%3Ali%3Aorganization%3A123');
  });
});

describe('parseScopes', () => {
  it('accepts the documented spaces and the commas LinkedIn answers with', () => {
    expect(parseScopes('r_liteprofile,r_emailaddress,w_member_social')).toEqual(['r_liteprofile', 'r_emailaddress', 'w_member_social']);
    expect(parseScopes('openid profile  email')).toEqual(['openid', 'profile', 'email']);
    expect(parseScopes('openid, openid')).toEqual(['openid']);
    expect(parseScopes(undefined)).toEqual([]);
  });
});

describe('secondsUntilUtcMidnight', () => {
  it('counts to the next 00:00 UTC, when the daily limits reset', () => {
    expect(secondsUntilUtcMidnight(new Date('2026-03-01T23:59:00Z'))).toBe(60);
    expect(secondsUntilUtcMidnight(new Date('2026-03-01T00:00:00Z'))).toBe(86_400);
    expect(secondsUntilUtcMidnight(new Date('2026-12-31T12:00:00.500Z'))).toBe(43_200);
  });

  it('never answers less than a second', () => {
    expect(secondsUntilUtcMidnight(new Date('2026-03-01T23:59:59.999Z'))).toBe(1);
  });
});

describe('buildAuthorizeUrl', () => {
  it('sends exactly the documented parameters, scopes %20-separated', () => {
    const url = buildAuthorizeUrl({
      state: 's/1',
      redirectUri: 'https://reach.example/cb?x=1',
      scopes: ['openid', 'profile'],
      codeChallenge: 'ignored',
      credentials: CREDENTIALS,
    });
    expect(url).toBe(
      'https://www.linkedin.com/oauth/v2/authorization?response_type=code&client_id=client%20id' +
        '&redirect_uri=https%3A%2F%2Freach.example%2Fcb%3Fx%3D1&state=s%2F1&scope=openid%20profile',
    );
  });

  it('adds the organization scopes for the organization variant, once', () => {
    const url = new URL(
      buildAuthorizeUrl({ state: 's', redirectUri: 'https://r.example/cb', scopes: ['openid', 'rw_organization_admin'], codeChallenge: 'c', credentials: CREDENTIALS, variant: 'organization' }),
    );
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(['openid', ...ORGANIZATION_SCOPES]);
  });
});

describe('toTokenSet', () => {
  it('dates the access and refresh tokens from the answer', () => {
    const set = toTokenSet(
      { access_token: 'AQV1', expires_in: 5_184_000, refresh_token: 'AQW1', refresh_token_expires_in: 31_536_000, scope: 'openid,profile' },
      NOW,
    );
    expect(set).toEqual({
      accessToken: 'AQV1',
      tokenType: 'Bearer',
      expiresAt: '2026-04-30T12:00:00.000Z',
      refreshToken: 'AQW1',
      refreshTokenExpiresAt: '2027-03-01T12:00:00.000Z',
      scopes: ['openid', 'profile'],
      obtainedAt: NOW.toISOString(),
    });
  });

  it('keeps the previous refresh token, its expiry, scopes and extras when the answer leaves them out', () => {
    const previous = {
      accessToken: 'old',
      refreshToken: 'AQW-old',
      refreshTokenExpiresAt: '2027-01-01T00:00:00.000Z',
      scopes: ['openid'],
      obtainedAt: '2026-01-01T00:00:00.000Z',
      extra: { note: 'kept' },
    };
    const set = toTokenSet({ access_token: 'AQV2', expires_in: 60 }, NOW, previous);
    expect(set.refreshToken).toBe('AQW-old');
    expect(set.refreshTokenExpiresAt).toBe('2027-01-01T00:00:00.000Z');
    expect(set.scopes).toEqual(['openid']);
    expect(set.extra).toEqual({ note: 'kept' });
    expect(set.expiresAt).toBe(isoAfter(NOW, 60));
  });
});

describe('snapshots', () => {
  it('reads the member follower count', () => {
    expect(memberSnapshot({ elements: [{ memberFollowersCount: 100 }] })).toEqual({ followers: 100 });
  });

  it('keeps followers alone when no share statistics could be read', () => {
    expect(organizationSnapshot({ firstDegreeSize: 12 }, undefined)).toEqual({ followers: 12 });
    expect(organizationSnapshot({ firstDegreeSize: 12 }, { elements: [] })).toEqual({ followers: 12 });
  });
});

describe('canAdminOrganizations', () => {
  it('needs an organization admin scope', () => {
    expect(canAdminOrganizations(['rw_organization_admin'])).toBe(true);
    expect(canAdminOrganizations(['r_organization_admin'])).toBe(true);
    expect(canAdminOrganizations(['r_organization_social', ...MEMBER_SCOPES])).toBe(false);
  });
});

describe('manifest', () => {
  it('pins a LinkedIn-Version as YYYYMM and describes the documented OAuth', () => {
    expect(LINKEDIN_VERSION).toMatch(/^\d{6}$/);
    expect(linkedinManifest.oauth).toMatchObject({
      authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
      tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
      scopeSeparator: ' ',
      pkce: 'none',
      clientAuth: 'body',
      accessTokenLifetimeSeconds: 5_184_000,
      refreshTokenLifetimeSeconds: 31_536_000,
      rotatesRefreshToken: false,
    });
    expect(linkedinManifest.oauth.defaultScopes).toEqual(MEMBER_SCOPES);
    expect(linkedinManifest.metrics).toMatchObject({ followers: true, following: false, posts: false, verified: false });
  });
});

describe('fake LinkedIn world', () => {
  it('derives the same member from the same name', () => {
    expect(memberFor('reach-demo')).toEqual(memberFor('reach-demo'));
    expect(memberFor('reach-demo').sub).not.toBe(memberFor('someone-else').sub);
    expect(memberFor('reach-demo').sub).toMatch(/^[A-Za-z0-9_-]{10}$/);
  });

  it('creates a member with one administered organization on first use', () => {
    const world = new LinkedinWorld('reach-demo');
    const m = world.member('ana');
    expect(world.member('ana')).toBe(m);
    expect(m.organizationIds).toHaveLength(1);
    expect(world.organizations.get(m.organizationIds[0]!)?.adminSub).toBe(m.sub);
    world.reset();
    expect([...world.members.keys()]).toEqual(['reach-demo']);
  });

  it('lists posts newest first and sums them into lifetime totals', () => {
    const posts = postsOf('urn:li:organization:1', 'org-a', NOW);
    expect(posts.length).toBeGreaterThan(0);
    expect(posts[0]!.publishedAtMs).toBeGreaterThan(posts[posts.length - 1]!.publishedAtMs);
    expect(new Set(posts.map((p) => p.id)).size).toBe(posts.length);
    expect(postsOf('urn:li:organization:1', 'org-a', NOW)).toEqual(posts);
    const totals = totalsOf(posts);
    expect(totals.likeCount).toBe(posts.reduce((n, p) => n + p.stats.likeCount, 0));
    expect(totals.engagement).toBeGreaterThan(0);
    expect(totals.engagement).toBeLessThan(1);
  });
});
