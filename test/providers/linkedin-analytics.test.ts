/**
 * Per-post analytics against the fake: organization posts in one statistics call per batch (shares
 * and ugcPosts side by side), member posts through socialActions when the member granted
 * r_member_social, an explained 'unsupported' when not, and the figures the fake holds for posts
 * published through it.
 */
import { audienceAt } from '../../local/fakes/audience';
import { statsFor } from '../../local/fakes/linkedin/state';
import { fromShareStatistics, fromSocialActions, MEMBER_ANALYTICS_UNSUPPORTED, restliList } from '../../functions/providers/linkedin/analytics';
import { LINKEDIN_VERSION, MEMBER_SCOPES } from '../../functions/providers/linkedin/manifest';
import { ProviderError } from '../../functions/providers/types';
import { accountsOf, bytesOf, callsDuring, connect, content, contextFor, CREDENTIALS, failureDuring, MEMBER_WITH_READ, PROCESSING_SECONDS, startHarness, type LinkedinHarness } from './linkedin-publish-support';

const STATS = 'GET api.linkedin.com/rest/organizationalEntityShareStatistics';
const SOCIAL = 'GET api.linkedin.com/rest/socialActions/:urn';
const DAY_S = 86_400;

let h: LinkedinHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.fakes.reset());

/** What the fake's statistics are once a post has grown to its author's usual figures. */
const grownStats = (postId: string, audienceKey: string) => statsFor(postId, audienceAt(audienceKey, h.fakes.context.now()).perPost);

describe('reading documented answers', () => {
  it('maps share statistics to Reach’s figures', () => {
    // The shape of "Retrieve Statistics for Specific Shares" (organizations/share-statistics).
    expect(
      fromShareStatistics({ uniqueImpressionsCount: 16, shareCount: 1, engagement: 0.06, clickCount: 3, likeCount: 2, impressionCount: 50, commentCount: 1 }),
    ).toEqual({ impressions: 50, reach: 16, clicks: 3, likes: 2, comments: 1, shares: 1 });
  });

  it('maps a social actions summary to likes and comments', () => {
    expect(
      fromSocialActions({ likesSummary: { totalLikes: 7, aggregatedTotalLikes: 7 }, commentsSummary: { aggregatedTotalComments: 3, totalFirstLevelComments: 2 } }),
    ).toEqual({ likes: 7, comments: 3 });
    expect(fromSocialActions({})).toEqual({});
  });

  it('writes URN lists in Rest.li 2.0 syntax', () => {
    expect(restliList(['urn:li:share:1', 'urn:li:ugcPost:2'])).toBe('List(urn%3Ali%3Ashare%3A1,urn%3Ali%3AugcPost%3A2)');
  });
});

describe('organization posts', () => {
  it('reads shares and ugcPosts in one call, with the fake’s figures', async () => {
    const tokens = await connect(h, 'reach-demo', { variant: 'organization' });
    const org = (await accountsOf(h, tokens)).organization!;
    const text = await h.provider.publisher!.publish(contextFor(tokens, org, content('Numbers')));
    const video = h.media.item('analytics-clip', 'video/mp4', bytesOf('analytics-clip', 80 * 1024));
    const first = await h.provider.publisher!.publish(contextFor(tokens, org, content('Clip', { media: [video] })));
    if (first.status !== 'processing' || text.status !== 'published') throw new Error('unexpected publish steps');
    h.fakes.advanceClock(PROCESSING_SECONDS + 1);
    const clip = await h.provider.publisher!.publish(contextFor(tokens, org, content('Clip', { media: [video] }), first.checkpoint));
    if (clip.status !== 'published') throw new Error('video not published');
    expect(clip.platformPostId).toMatch(/^urn:li:ugcPost:/);

    // Three days on, both posts have reached their full figures.
    h.fakes.advanceClock(3 * DAY_S);
    const ids = [text.platformPostId, clip.platformPostId];
    const { result, calls } = await callsDuring(h, () => h.provider.analytics!.fetch({ tokens, credentials: CREDENTIALS, platformAccountId: org, platformPostIds: ids }));
    expect(calls).toEqual({ [STATS]: 1 });
    const key = 'reach-demo-company';
    for (const id of ids) {
      const s = grownStats(id, key);
      expect(result[id]).toEqual({ impressions: s.impressionCount, reach: s.uniqueImpressionsCount, clicks: s.clickCount, likes: s.likeCount, comments: s.commentCount, shares: s.shareCount });
      expect(s.impressionCount).toBeGreaterThan(0);
    }
  });

  it('starts a fresh post at zero and lets its figures grow', async () => {
    const tokens = await connect(h, 'reach-demo', { variant: 'organization' });
    const org = (await accountsOf(h, tokens)).organization!;
    const made = await h.provider.publisher!.publish(contextFor(tokens, org, content('Fresh')));
    if (made.status !== 'published') throw new Error('not published');
    const fetch = () => h.provider.analytics!.fetch({ tokens, credentials: CREDENTIALS, platformAccountId: org, platformPostIds: [made.platformPostId] });
    const fresh = (await fetch())[made.platformPostId]!;
    expect(fresh).toEqual({ impressions: 0, reach: 0, clicks: 0, likes: 0, comments: 0, shares: 0 });
    h.fakes.advanceClock(DAY_S);
    const dayOne = (await fetch())[made.platformPostId]!;
    expect(dayOne.impressions).toBeGreaterThan(0);
  });

  it('splits more posts than a batch into several calls and leaves unknown posts out', async () => {
    const tokens = await connect(h, 'reach-demo', { variant: 'organization' });
    const org = (await accountsOf(h, tokens)).organization!;
    const ids = Array.from({ length: 25 }, (_, i) => `urn:li:share:7100000000000000${String(i).padStart(3, '0')}`);
    const { result, calls } = await callsDuring(h, () => h.provider.analytics!.fetch({ tokens, credentials: CREDENTIALS, platformAccountId: org, platformPostIds: ids }));
    expect(h.provider.analytics!.batchSize).toBe(20);
    expect(calls).toEqual({ [STATS]: 2 });
    expect(result).toEqual({});
  });
});

describe('member posts', () => {
  it('reads likes and comments per post through socialActions', async () => {
    const tokens = await connect(h, 'analyst', { scopes: MEMBER_WITH_READ });
    const me = (await accountsOf(h, tokens)).member;
    const ids: string[] = [];
    for (const words of ['One', 'Two']) {
      const step = await h.provider.publisher!.publish(contextFor(tokens, me, content(words)));
      if (step.status === 'published') ids.push(step.platformPostId);
    }
    h.fakes.advanceClock(3 * DAY_S);
    const { result, calls } = await callsDuring(h, () => h.provider.analytics!.fetch({ tokens, credentials: CREDENTIALS, platformAccountId: me, platformPostIds: ids }));
    expect(calls).toEqual({ [SOCIAL]: 2 });
    for (const id of ids) {
      const s = grownStats(id, 'analyst');
      expect(result[id]).toEqual({ likes: s.likeCount, comments: s.commentCount });
    }
  });

  it('leaves out a post LinkedIn does not know', async () => {
    const tokens = await connect(h, 'analyst', { scopes: MEMBER_WITH_READ });
    const me = (await accountsOf(h, tokens)).member;
    const result = await h.provider.analytics!.fetch({ tokens, credentials: CREDENTIALS, platformAccountId: me, platformPostIds: ['urn:li:share:7199999999999999999'] });
    expect(result).toEqual({});
  });

});

describe('member posts with Reach’s default member scopes', () => {
  /** A member connected as Reach connects one by default, with a post published through Reach. */
  const defaultMemberWithPost = async () => {
    const tokens = await connect(h, 'reach-demo');
    const me = (await accountsOf(h, tokens)).member;
    const made = await h.provider.publisher!.publish(contextFor(tokens, me, content('Cannot read back')));
    if (made.status !== 'published') throw new Error('not published');
    return { tokens, me, postId: made.platformPostId };
  };

  it('grants neither r_member_social nor r_member_postAnalytics, and LinkedIn refuses socialActions for it', async () => {
    const { tokens, postId } = await defaultMemberWithPost();
    expect(tokens.scopes).toEqual([...MEMBER_SCOPES]);
    expect(tokens.scopes).not.toContain('r_member_social');
    expect(tokens.scopes).not.toContain('r_member_postAnalytics');
    // The documented refusal (socialActions "Permissions": r_member_social, select developers only).
    const res = await fetch(h.http.publicUrl(`https://api.linkedin.com/rest/socialActions/${encodeURIComponent(postId)}`), {
      headers: { authorization: `Bearer ${tokens.accessToken}`, 'linkedin-version': LINKEDIN_VERSION, 'x-restli-protocol-version': '2.0.0' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: 403, serviceErrorCode: 100, code: 'ACCESS_DENIED' });
  });

  it('says why the posts cannot be measured, before any call', async () => {
    const { tokens, me } = await defaultMemberWithPost();
    const { result: reason, calls } = await callsDuring(h, async () => h.provider.analytics!.unsupportedReason!({ tokens, platformAccountId: me }));
    expect(calls).toEqual({});
    expect(reason).toBe(MEMBER_ANALYTICS_UNSUPPORTED);
    expect(reason).toContain('r_member_social');
    expect(reason).toContain('r_member_postAnalytics');
  });

  it('has nothing to object to for a member granted r_member_social, or for an organization', async () => {
    const reader = await connect(h, 'analyst', { scopes: MEMBER_WITH_READ });
    expect(h.provider.analytics!.unsupportedReason!({ tokens: reader, platformAccountId: (await accountsOf(h, reader)).member })).toBeUndefined();
    const admin = await connect(h, 'reach-demo', { variant: 'organization' });
    const accounts = await accountsOf(h, admin);
    expect(h.provider.analytics!.unsupportedReason!({ tokens: admin, platformAccountId: accounts.organization! })).toBeUndefined();
    // The same organization grant holds no r_member_social: its member account is still not measurable.
    expect(h.provider.analytics!.unsupportedReason!({ tokens: admin, platformAccountId: accounts.member })).toBe(MEMBER_ANALYTICS_UNSUPPORTED);
  });

  it('refuses a fetch anyway with the reason, without calling LinkedIn', async () => {
    const { tokens, me, postId } = await defaultMemberWithPost();
    const { error, calls } = await failureDuring(h, () => h.provider.analytics!.fetch({ tokens, credentials: CREDENTIALS, platformAccountId: me, platformPostIds: [postId] }));
    expect(calls).toEqual({});
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).failure).toEqual({ kind: 'permanent', code: 'scope_not_granted', message: MEMBER_ANALYTICS_UNSUPPORTED });
  });
});
