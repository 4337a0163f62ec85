/**
 * Per-post metrics.
 *
 * Organizations: one `organizationalEntityShareStatistics` call for a batch of posts, shares and
 * ugcPosts listed side by side (`shares=List(…)&ugcPosts=List(…)`): impressions, unique
 * impressions (reach), clicks, likes, comments and reshares per post.
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics#retrieve-statistics-for-specific-shares
 *
 * Members: LinkedIn serves a member's post figures only to grants Reach does not ask for by default.
 * Impressions and reach come from memberCreatorPostAnalytics, behind `r_member_postAnalytics`
 * (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics);
 * likes and comments from socialActions, behind `r_member_social`, "granted to select developers
 * only" (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions#permissions).
 * With `r_member_social` (a user may add it when connecting) likes and comments are read, one
 * `GET /rest/socialActions/{urn}` per post; without it the client says why it cannot, with no call.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import type { AnalyticsClient, PostMetrics } from '../types';
import { ProviderError } from '../types';
import { API_BASE } from './manifest';
import { shareTotalsSchema } from './metrics';
import { encodeUrn, parseUrn, restHeaders } from './rest';

/** Posts per statistics call: keeps the URL (two Rest.li lists of encoded URNs) well under limits. */
export const LINKEDIN_ANALYTICS_BATCH = 20;
/** Member posts are read one call each; a few at a time keeps within LinkedIn's per-member limits. */
const MEMBER_CONCURRENCY = 4;

/** The permission socialActions needs to read a member's own posts. */
export const MEMBER_POST_READ_SCOPE = 'r_member_social';

/** What a member connection without `r_member_social` is told instead of figures. */
export const MEMBER_ANALYTICS_UNSUPPORTED =
  "LinkedIn gives a member's post figures only to grants this connection lacks: likes and comments need r_member_social " +
  '(socialActions; LinkedIn grants it to select developers only), impressions and reach need r_member_postAnalytics ' +
  '(memberCreatorPostAnalytics). Reconnect with r_member_social if the LinkedIn app is approved for it; Page (organization) posts are measured.';

/** Why a LinkedIn account's posts cannot be read with the scopes granted; undefined when they can. */
export const linkedinAnalyticsUnsupported = (platformAccountId: string, scopes: readonly string[]): string | undefined =>
  parseUrn(platformAccountId)?.kind === 'person' && !scopes.includes(MEMBER_POST_READ_SCOPE) ? MEMBER_ANALYTICS_UNSUPPORTED : undefined;

const postStatisticsSchema = z.object({
  elements: z.array(
    z.object({
      totalShareStatistics: shareTotalsSchema,
      share: z.string().optional(),
      ugcPost: z.string().optional(),
    }),
  ),
});

const socialActionsSchema = z.object({
  likesSummary: z.object({ totalLikes: z.number().int().nonnegative().optional(), aggregatedTotalLikes: z.number().int().nonnegative().optional() }).optional(),
  commentsSummary: z
    .object({ aggregatedTotalComments: z.number().int().nonnegative().optional(), totalFirstLevelComments: z.number().int().nonnegative().optional() })
    .optional(),
});

/** A Rest.li 2.0 list: the URNs encoded, the `List(`, `,` and `)` left as syntax. */
export const restliList = (urns: readonly string[]): string => `List(${urns.map(encodeUrn).join(',')})`;

/** Reach's figures from one post's share statistics. */
export const fromShareStatistics = (s: z.infer<typeof shareTotalsSchema>): PostMetrics => ({
  ...(s.impressionCount !== undefined && { impressions: s.impressionCount }),
  ...(s.uniqueImpressionsCount !== undefined && { reach: s.uniqueImpressionsCount }),
  ...(s.clickCount !== undefined && { clicks: s.clickCount }),
  ...(s.likeCount !== undefined && { likes: s.likeCount }),
  ...(s.commentCount !== undefined && { comments: s.commentCount }),
  ...(s.shareCount !== undefined && { shares: s.shareCount }),
});

/** Reach's figures from a post's social actions summary. */
export const fromSocialActions = (a: z.infer<typeof socialActionsSchema>): PostMetrics => {
  const likes = a.likesSummary?.totalLikes ?? a.likesSummary?.aggregatedTotalLikes;
  const comments = a.commentsSummary?.aggregatedTotalComments ?? a.commentsSummary?.totalFirstLevelComments;
  return { ...(likes !== undefined && { likes }), ...(comments !== undefined && { comments }) };
};

/** Builds the analytics client. */
export const createLinkedinAnalytics = (ctx: CallContext): AnalyticsClient => {
  /**
   * One statistics call for up to a batch of an organization's posts.
   * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics#retrieve-statistics-for-specific-shares
   */
  const organizationBatch = async (token: string, org: string, ids: readonly string[]): Promise<Record<string, PostMetrics>> => {
    const shares = ids.filter((id) => id.startsWith('urn:li:share:'));
    const ugcPosts = ids.filter((id) => id.startsWith('urn:li:ugcPost:'));
    if (shares.length === 0 && ugcPosts.length === 0) return {};
    // Built by hand: a query encoder would escape the list syntax that Rest.li parses.
    const url =
      `${API_BASE}/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=${encodeUrn(org)}` +
      (shares.length > 0 ? `&shares=${restliList(shares)}` : '') +
      (ugcPosts.length > 0 ? `&ugcPosts=${restliList(ugcPosts)}` : '');
    const answer = await callJson(ctx, { method: 'GET', url, headers: restHeaders(token) }, postStatisticsSchema);
    const out: Record<string, PostMetrics> = {};
    for (const e of answer.elements) {
      const id = e.share ?? e.ugcPost;
      if (id !== undefined && ids.includes(id)) out[id] = fromShareStatistics(e.totalShareStatistics);
    }
    return out;
  };

  /**
   * GET /rest/socialActions/{urn}; a deleted post is left out.
   * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions#retrieve-social-actions
   */
  const memberPost = async (token: string, id: string): Promise<PostMetrics | undefined> => {
    try {
      const answer = await callJson(ctx, { method: 'GET', url: `${API_BASE}/rest/socialActions/${encodeUrn(id)}`, headers: restHeaders(token) }, socialActionsSchema);
      return fromSocialActions(answer);
    } catch (err) {
      if (err instanceof ProviderError && err.failure.code?.endsWith('NOT_FOUND')) return undefined;
      throw err;
    }
  };

  return {
    batchSize: LINKEDIN_ANALYTICS_BATCH,
    /** Members without `r_member_social` get a reason instead of a call LinkedIn would refuse. */
    unsupportedReason: ({ tokens, platformAccountId }) => linkedinAnalyticsUnsupported(platformAccountId, tokens.scopes),
    /** Organizations: one call per batch of posts; members: one call per post. */
    async fetch(input) {
      const owner = parseUrn(input.platformAccountId);
      if (!owner) {
        throw new ProviderError('linkedin', { kind: 'invalid_request', code: 'unknown_urn', message: `not a LinkedIn member or organization URN: ${input.platformAccountId}` });
      }
      const unsupported = linkedinAnalyticsUnsupported(input.platformAccountId, input.tokens.scopes);
      // A caller that did not ask first still gets the reason, not LinkedIn's bare ACCESS_DENIED.
      if (unsupported !== undefined) throw new ProviderError('linkedin', { kind: 'permanent', code: 'scope_not_granted', message: unsupported });
      const token = input.tokens.accessToken;
      const ids = [...new Set(input.platformPostIds)];
      const out: Record<string, PostMetrics> = {};
      if (owner.kind === 'organization') {
        for (let i = 0; i < ids.length; i += LINKEDIN_ANALYTICS_BATCH) {
          Object.assign(out, await organizationBatch(token, owner.urn, ids.slice(i, i + LINKEDIN_ANALYTICS_BATCH)));
        }
        return out;
      }
      for (let i = 0; i < ids.length; i += MEMBER_CONCURRENCY) {
        const slice = ids.slice(i, i + MEMBER_CONCURRENCY);
        const got = await Promise.all(slice.map((id) => memberPost(token, id)));
        slice.forEach((id, k) => {
          const m = got[k];
          if (m !== undefined) out[id] = m;
        });
      }
      return out;
    },
  };
};
