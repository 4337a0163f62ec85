/**
 * The fake's `api.linkedin.com` reads: OIDC userinfo, member follower count, organization ACLs and
 * lookup, images, network sizes, posts (derived history plus what was published through the fake),
 * share statistics and social actions. Every route passes the gateway (`gateway.ts`).
 */
import type { FakeRoute } from '../framework';
import type { FakeOAuthStore } from '../oauth-store';
import { audienceAt } from '../audience';
import { publishedStats, type LinkedinContent } from './content';
import { accessDenied, API_HOST, badRequest, notFound } from './errors';
import { createGateway, type Guarded, type LinkedinApiSettings } from './gateway';
import { postsOf, totalsOf, type FakeOrganization, type LinkedinWorld, type ShareStats } from './state';

export type { LinkedinApiSettings } from './gateway';

const ORG_ADMIN = ['rw_organization_admin', 'r_organization_admin'];
const ORG_READ = [...ORG_ADMIN, 'r_organization_social'];

const paging = (start: number, count: number, total: number) => ({ start, count, links: [], total });

const intParam = (value: string | null, fallback: number, max: number): number => {
  const n = value === null ? NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
};

/** Reads a Rest.li 2.0 `List(a,b)` query value (already percent-decoded). */
const parseList = (value: string | null): string[] | undefined => {
  const m = value === null ? null : /^List\((.*)\)$/.exec(value);
  return m ? m[1]!.split(',').map((s) => decodeURIComponent(s)).filter(Boolean) : undefined;
};

/** A post as the Posts API lists it. */
interface ListedPost {
  readonly id: string;
  readonly author: string;
  readonly commentary: string;
  readonly visibility: string;
  readonly createdAtMs: number;
  readonly reshareDisabled: boolean;
  readonly content?: Readonly<Record<string, unknown>>;
  readonly stats: ShareStats;
}

/** Builds the API routes over the shared grant store, world and published content. */
export const linkedinApiRoutes = (store: FakeOAuthStore, world: LinkedinWorld, content: LinkedinContent, settings: LinkedinApiSettings): FakeRoute[] => {
  const gateway = createGateway(store, world, settings);
  const { guard, orgFromUrn } = gateway;

  /** The audience key whose figures an author's posts follow. */
  const audienceKeyOf = (author: string): string | undefined => {
    const org = orgFromUrn(author);
    if (org) return org.key;
    const m = /^urn:li:person:(.+)$/.exec(author);
    return m ? world.memberBySub(m[1]!)?.name : undefined;
  };

  /** Everything an author has at `now`, newest first: what was published through the fake, then the derived history. */
  const allPostsOf = (author: string, now: Date): ListedPost[] => {
    const key = audienceKeyOf(author);
    if (key === undefined) return [];
    const published: ListedPost[] = content.postsBy(author).map((p) => ({
      id: p.id,
      author: p.author,
      commentary: p.commentary,
      visibility: p.visibility,
      createdAtMs: p.createdAtMs,
      reshareDisabled: p.reshareDisabled,
      ...(p.content && { content: p.content }),
      stats: publishedStats(p, key, now),
    }));
    const derived: ListedPost[] = postsOf(author, key, now).map((p) => ({
      id: p.id,
      author: p.author,
      commentary: p.commentary,
      visibility: 'PUBLIC',
      createdAtMs: p.publishedAtMs,
      reshareDisabled: false,
      stats: p.stats,
    }));
    return [...published, ...derived].sort((a, b) => b.createdAtMs - a.createdAtMs);
  };

  /** https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2 */
  const userinfo: Guarded = (_req, _ctx, { entry, member }) => {
    if (!entry.scopes.includes('openid') || !entry.scopes.includes('profile')) return accessDenied('userinfo', 'GET', 'NO_VERSION');
    const withEmail = entry.scopes.includes('email');
    return {
      status: 200,
      body: {
        sub: member.sub,
        name: `${member.givenName} ${member.familyName}`,
        given_name: member.givenName,
        family_name: member.familyName,
        picture: member.picture,
        // LinkedIn answers the locale as an object, not the OIDC string.
        locale: { country: 'US', language: 'en' },
        ...(withEmail && { email: member.email, email_verified: true }),
      },
    };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/follower-statistics */
  const memberFollowersCount: Guarded = (req, ctx, { member }) => {
    if (req.query.get('q') !== 'me') return badRequest('Only the q=me finder is supported by this fake');
    return {
      status: 200,
      body: { paging: paging(0, 10, 1), elements: [{ memberFollowersCount: audienceAt(member.name, ctx.now()).followers }] },
    };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role */
  const organizationAcls: Guarded = (req, _ctx, { member }) => {
    if (req.query.get('q') !== 'roleAssignee') return badRequest('Unsupported finder for organizationAcls');
    const role = req.query.get('role');
    const state = req.query.get('state');
    const start = intParam(req.query.get('start'), 0, 10_000);
    const count = intParam(req.query.get('count'), 10, 100);
    const acls = member.organizationIds
      .map((id) => world.organizations.get(id))
      .filter((o): o is FakeOrganization => o !== undefined)
      .map((o) => ({
        roleAssignee: `urn:li:person:${member.sub}`,
        state: 'APPROVED',
        role: 'ADMINISTRATOR',
        organization: `urn:li:organization:${o.id}`,
        created: { actor: `urn:li:person:${member.sub}`, time: o.createdAtMs },
        lastModified: { actor: `urn:li:person:${member.sub}`, time: o.createdAtMs },
      }))
      .filter((a) => (role === null || a.role === role) && (state === null || a.state === state));
    return { status: 200, body: { paging: paging(start, count, acls.length), elements: acls.slice(start, start + count) } };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api */
  const organization: Guarded = (req, _ctx, { member, version }) => {
    const org = world.organizations.get(Number(req.params['id']));
    if (!org) return notFound(`Organization ${req.params['id'] ?? ''}`);
    if (org.adminSub !== member.sub) return accessDenied('organizations', 'GET', version);
    return {
      status: 200,
      body: {
        id: org.id,
        localizedName: org.localizedName,
        name: { localized: { en_US: org.localizedName }, preferredLocale: { country: 'US', language: 'en' } },
        vanityName: org.vanityName,
        primaryOrganizationType: 'NONE',
        logoV2: { original: org.logoUrn, cropped: org.logoUrn, cropInfo: { x: 0, y: 0, width: 400, height: 400 } },
        versionTag: '1',
      },
    };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api */
  const image: Guarded = (req) => {
    const urn = req.params['urn'];
    const uploaded = urn === undefined ? undefined : content.images.get(urn);
    if (uploaded) return { status: 200, body: { id: uploaded.urn, owner: uploaded.owner, status: uploaded.status } };
    const org = [...world.organizations.values()].find((o) => o.logoUrn === urn);
    if (!org) return notFound(`Image ${urn ?? ''}`);
    return {
      status: 200,
      body: { id: org.logoUrn, owner: `urn:li:organization:${org.id}`, status: 'AVAILABLE', downloadUrl: org.logoUrl, downloadUrlExpiresAt: Date.UTC(2099, 0, 1) },
    };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api (network sizes) */
  const networkSize: Guarded = (req, ctx) => {
    if (req.query.get('edgeType') !== 'COMPANY_FOLLOWED_BY_MEMBER') return badRequest('edgeType must be COMPANY_FOLLOWED_BY_MEMBER');
    const org = orgFromUrn(req.params['urn']);
    if (!org) return notFound(`Organization ${req.params['urn'] ?? ''}`);
    return { status: 200, body: { firstDegreeSize: audienceAt(org.key, ctx.now()).followers } };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#find-posts-by-authors */
  const posts: Guarded = (req, ctx, { entry, member, version }) => {
    if (req.query.get('q') !== 'author') return badRequest('Unsupported finder for posts');
    const author = req.query.get('author') ?? '';
    const org = orgFromUrn(author);
    const own = author === `urn:li:person:${member.sub}`;
    if (!org && !own) return badRequest('author must be a person or organization URN');
    // Members' own posts need the restricted r_member_social; organization posts need an admin role.
    if (own && !entry.scopes.includes('r_member_social')) return accessDenied('posts', 'FINDER-author', version);
    if (org && (org.adminSub !== member.sub || !entry.scopes.includes('r_organization_social'))) return accessDenied('posts', 'FINDER-author', version);
    const sortBy = req.query.get('sortBy');
    if (sortBy !== null && sortBy !== 'LAST_MODIFIED' && sortBy !== 'CREATED') return badRequest('sortBy must be LAST_MODIFIED or CREATED');
    const start = intParam(req.query.get('start'), 0, 10_000);
    const count = intParam(req.query.get('count'), 10, 100);
    const all = allPostsOf(author, ctx.now());
    const elements = all.slice(start, start + count).map((p) => ({
      id: p.id,
      author: p.author,
      commentary: p.commentary,
      visibility: p.visibility,
      lifecycleState: 'PUBLISHED',
      distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
      ...(p.content && { content: p.content }),
      isReshareDisabledByAuthor: p.reshareDisabled,
      createdAt: p.createdAtMs,
      publishedAt: p.createdAtMs,
      lastModifiedAt: p.createdAtMs,
    }));
    return { status: 200, body: { paging: paging(start, count, all.length), elements } };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics */
  const shareStatistics: Guarded = (req, ctx, { member, version }) => {
    if (req.query.get('q') !== 'organizationalEntity') return badRequest('Unsupported finder for organizationalEntityShareStatistics');
    const entity = req.query.get('organizationalEntity');
    const org = orgFromUrn(entity);
    if (!org) return badRequest('organizationalEntity must be an organization URN');
    if (org.adminSub !== member.sub) return accessDenied('organizationalEntityShareStatistics', 'FINDER-organizationalEntity', version);
    const all = allPostsOf(`urn:li:organization:${org.id}`, ctx.now());
    const shares = parseList(req.query.get('shares'));
    const ugcPosts = parseList(req.query.get('ugcPosts'));
    if ((req.query.get('shares') !== null && !shares) || (req.query.get('ugcPosts') !== null && !ugcPosts)) return badRequest('shares and ugcPosts must be List(...)');
    if (!shares && !ugcPosts) {
      const totals = totalsOf(all.map((p) => ({ id: p.id, author: p.author, publishedAtMs: p.createdAtMs, commentary: p.commentary, stats: p.stats })));
      return { status: 200, body: { paging: paging(0, 1, 1), elements: [{ totalShareStatistics: totals, organizationalEntity: entity }] } };
    }
    const elements = [
      ...all.filter((p) => shares?.includes(p.id) && p.id.startsWith('urn:li:share:')).map((p) => ({ totalShareStatistics: p.stats, share: p.id, organizationalEntity: entity })),
      ...all.filter((p) => ugcPosts?.includes(p.id) && p.id.startsWith('urn:li:ugcPost:')).map((p) => ({ totalShareStatistics: p.stats, ugcPost: p.id, organizationalEntity: entity })),
    ];
    return { status: 200, body: { paging: paging(0, elements.length, elements.length), elements } };
  };

  /**
   * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions
   * Reading a member's own post needs the restricted `r_member_social`; an organization's, an admin
   * with `r_organization_social`.
   */
  const socialActions: Guarded = (req, ctx, { entry, member, version }) => {
    const urn = req.params['urn'] ?? '';
    if (!/^urn:li:(share|ugcPost):\d+$/.test(urn)) return badRequest('socialActions takes a share or ugcPost URN');
    const own = `urn:li:person:${member.sub}`;
    const authors = [own, ...member.organizationIds.map((id) => `urn:li:organization:${id}`)];
    const now = ctx.now();
    for (const author of authors) {
      const post = allPostsOf(author, now).find((p) => p.id === urn);
      if (!post) continue;
      const allowed = author === own ? entry.scopes.includes('r_member_social') : entry.scopes.includes('r_organization_social');
      if (!allowed) return accessDenied('socialActions', 'GET', version);
      return {
        status: 200,
        body: {
          target: urn,
          likesSummary: { selectedLikes: [], likedByCurrentUser: false, totalLikes: post.stats.likeCount, aggregatedTotalLikes: post.stats.likeCount },
          commentsSummary: { selectedComments: [], commentsState: 'OPEN', totalFirstLevelComments: post.stats.commentCount, aggregatedTotalComments: post.stats.commentCount },
        },
      };
    }
    return notFound(`Post ${urn}`);
  };

  const rest = (path: string, handler: FakeRoute['handler']): FakeRoute => ({ method: 'GET', host: API_HOST, path, handler });
  return [
    rest('/v2/userinfo', guard('userinfo', { rest: false }, userinfo)),
    rest('/rest/memberFollowersCount', guard('memberFollowersCount', { rest: true, finder: true, scopes: ['r_member_profileAnalytics'] }, memberFollowersCount)),
    rest('/rest/organizationAcls', guard('organizationAcls', { rest: true, finder: true, scopes: ORG_ADMIN }, organizationAcls)),
    rest('/rest/organizations/:id', guard('organizations', { rest: true, scopes: ORG_ADMIN }, organization)),
    rest('/rest/images/:urn', guard('images', { rest: true }, image)),
    rest('/rest/networkSizes/:urn', guard('networkSizes', { rest: true, scopes: ORG_READ }, networkSize)),
    rest('/rest/posts', guard('posts', { rest: true, finder: true }, posts)),
    rest('/rest/organizationalEntityShareStatistics', guard('organizationalEntityShareStatistics', { rest: true, finder: true, scopes: ORG_ADMIN }, shareStatistics)),
    rest('/rest/socialActions/:urn', guard('socialActions', { rest: true }, socialActions)),
  ];
};
