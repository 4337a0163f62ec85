/**
 * Follower counts and engagement, in at most two calls per account:
 * - member: `GET /rest/memberFollowersCount?q=me` (one call);
 * - organization: `GET /rest/networkSizes/{urn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER` and the lifetime
 *   `organizationalEntityShareStatistics`, side by side.
 * Each call serves one account (tokens differ per member), so the batch size is 1.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import { ProviderError, type MetricsClient, type MetricsOutcome, type MetricsTarget, type ProviderFailure } from '../types';
import type { MetricSnapshot } from '../../core/model/connection';
import { canAdminOrganizations } from './accounts';
import { API_BASE } from './manifest';
import { encodeUrn, parseUrn, restHeaders } from './rest';

type Snapshot = Omit<MetricSnapshot, 'at'>;

export const memberFollowersSchema = z.object({
  elements: z.array(z.object({ memberFollowersCount: z.number().int().nonnegative() })).min(1),
});

export const networkSizeSchema = z.object({ firstDegreeSize: z.number().int().nonnegative() });

export const shareTotalsSchema = z.object({
  impressionCount: z.number().nonnegative().optional(),
  uniqueImpressionsCount: z.number().nonnegative().optional(),
  clickCount: z.number().nonnegative().optional(),
  likeCount: z.number().nonnegative().optional(),
  commentCount: z.number().nonnegative().optional(),
  shareCount: z.number().nonnegative().optional(),
  engagement: z.number().nonnegative().optional(),
});

export const shareStatisticsSchema = z.object({
  elements: z.array(z.object({ totalShareStatistics: shareTotalsSchema, organizationalEntity: z.string().optional() })),
});

/** The member's follower count from its `memberFollowersCount` answer. */
export const memberSnapshot = (res: z.infer<typeof memberFollowersSchema>): Snapshot => ({ followers: res.elements[0]!.memberFollowersCount });

/** The organization's followers plus its lifetime share totals (when they could be read). */
export const organizationSnapshot = (
  size: z.infer<typeof networkSizeSchema>,
  shares: z.infer<typeof shareStatisticsSchema> | undefined,
): Snapshot => {
  const totals = shares?.elements[0]?.totalShareStatistics;
  if (!totals) return { followers: size.firstDegreeSize };
  const extra: Record<string, number> = {};
  const put = (name: string, value: number | undefined) => {
    if (value !== undefined) extra[name] = value;
  };
  put('impressions', totals.impressionCount);
  put('uniqueImpressions', totals.uniqueImpressionsCount);
  put('likes', totals.likeCount);
  put('comments', totals.commentCount);
  put('reshares', totals.shareCount);
  put('clicks', totals.clickCount);
  put('engagementRate', totals.engagement);
  return {
    followers: size.firstDegreeSize,
    ...(totals.impressionCount !== undefined && { views: totals.impressionCount }),
    ...(totals.likeCount !== undefined && { likes: totals.likeCount }),
    ...(Object.keys(extra).length > 0 && { extra }),
  };
};

/** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/follower-statistics#retrieve-lifetime-follower-count */
const fetchMember = async (ctx: CallContext, target: MetricsTarget): Promise<Snapshot> => {
  const res = await callJson(
    ctx,
    { method: 'GET', url: `${API_BASE}/rest/memberFollowersCount`, query: { q: 'me' }, headers: restHeaders(target.tokens.accessToken) },
    memberFollowersSchema,
  );
  return memberSnapshot(res);
};

/** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics#retrieve-lifetime-share-statistics */
const fetchShareTotals = async (ctx: CallContext, urn: string, token: string) => {
  try {
    return await callJson(
      ctx,
      {
        method: 'GET',
        url: `${API_BASE}/rest/organizationalEntityShareStatistics`,
        query: { q: 'organizationalEntity', organizationalEntity: urn },
        headers: restHeaders(token),
      },
      shareStatisticsSchema,
    );
  } catch (err) {
    // A role or scope that does not reach the statistics still leaves the follower count worth keeping.
    if (err instanceof ProviderError && err.failure.kind === 'invalid_request') return undefined;
    throw err;
  }
};

/** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api#retrieve-organization-follower-count */
const fetchOrganization = async (ctx: CallContext, target: MetricsTarget, urn: string): Promise<Snapshot> => {
  const token = target.tokens.accessToken;
  const [size, shares] = await Promise.all([
    callJson(
      ctx,
      {
        method: 'GET',
        url: `${API_BASE}/rest/networkSizes/${encodeUrn(urn)}`,
        query: { edgeType: 'COMPANY_FOLLOWED_BY_MEMBER' },
        headers: restHeaders(token),
      },
      networkSizeSchema,
    ),
    canAdminOrganizations(target.tokens.scopes) ? fetchShareTotals(ctx, urn, token) : Promise.resolve(undefined),
  ]);
  return organizationSnapshot(size, shares);
};

/** One account's failure stays that account's outcome, whatever it was. */
const failureOf = (err: unknown): ProviderFailure =>
  err instanceof ProviderError ? err.failure : { kind: 'permanent', message: err instanceof Error ? err.message : 'unexpected failure' };

/** Builds the metrics client. */
export const createMetricsClient = (ctx: CallContext): MetricsClient => ({
  batchSize: 1,
  async fetch(targets) {
    return Promise.all(
      targets.map(async (target): Promise<MetricsOutcome> => {
        const id = target.platformAccountId;
        const urn = parseUrn(id);
        try {
          if (!urn) throw new ProviderError('linkedin', { kind: 'invalid_request', code: 'unknown_urn', message: `not a LinkedIn member or organization URN: ${id}` });
          const snapshot = urn.kind === 'person' ? await fetchMember(ctx, target) : await fetchOrganization(ctx, target, urn.urn);
          return { platformAccountId: id, ok: true, snapshot };
        } catch (err) {
          return { platformAccountId: id, ok: false, failure: failureOf(err) };
        }
      }),
    );
  },
});
