/**
 * LinkedIn metrics: parsing the documented answers (including the real sample), what the fake
 * serves as its clock moves, and how many platform calls one account costs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createLinkedinProvider } from '../../functions/providers/linkedin';
import type { TokenSet } from '../../functions/core/model/tokens';
import { memberFollowersSchema, memberSnapshot, organizationSnapshot, shareStatisticsSchema } from '../../functions/providers/linkedin/metrics';
import type { MetricsOutcome, Provider } from '../../functions/providers/types';
import { audienceAt } from '../../local/fakes/audience';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createLinkedinFake } from '../../local/fakes/linkedin';
import { postsOf, totalsOf } from '../../local/fakes/linkedin/state';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'linkedin');
const CREDENTIALS = { clientId: 'reach-li-client', clientSecret: 'reach-li-secret' };
const REDIRECT_URI = 'https://reach.example/v1/oauth/linkedin/callback';
const DAY_S = 86_400;

describe('parsing documented answers', () => {
  it('reads the real memberFollowersCount sample (stored truncated after its elements)', () => {
    const raw = readFileSync(join(FIXTURES, 'member_followers_count_response.partial.txt'), 'utf8');
    // The stored copy is cut inside `paging`; everything before it is the documented answer.
    const cut = raw.indexOf(',\n    "paging"');
    expect(cut).toBeGreaterThan(0);
    const parsed = memberFollowersSchema.parse(JSON.parse(`${raw.slice(0, cut)}}`));
    expect(memberSnapshot(parsed)).toEqual({ followers: 100 });
  });

  it('reads lifetime share statistics into views, likes and extras', () => {
    // The shape of "Retrieve Lifetime Share Statistics" (organizations/share-statistics).
    const body = shareStatisticsSchema.parse({
      paging: { count: 10, start: 0, links: [] },
      elements: [
        {
          totalShareStatistics: {
            uniqueImpressionsCount: 1067,
            shareCount: 3,
            engagement: 0.0286,
            clickCount: 83,
            likeCount: 12,
            impressionCount: 4345,
            commentCount: 2,
          },
          organizationalEntity: 'urn:li:organization:2414183',
        },
      ],
    });
    expect(organizationSnapshot({ firstDegreeSize: 5000 }, body)).toEqual({
      followers: 5000,
      views: 4345,
      likes: 12,
      extra: { impressions: 4345, uniqueImpressions: 1067, likes: 12, comments: 2, reshares: 3, clicks: 83, engagementRate: 0.0286 },
    });
  });

  it('refuses an answer without a count', () => {
    expect(memberFollowersSchema.safeParse({ elements: [] }).success).toBe(false);
    expect(memberFollowersSchema.safeParse({ elements: [{ memberFollowersCount: '100' }] }).success).toBe(false);
  });
});

describe('metrics against the fake', () => {
  let fakes: RunningFakes;
  let http: HttpClient;
  let provider: Provider;

  beforeAll(async () => {
    fakes = await startFakes({ platforms: [createLinkedinFake(CREDENTIALS)] });
    http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
    // The fakes' clock, so that moving it moves both sides.
    provider = createLinkedinProvider({ http, now: () => fakes.context.now() });
  });
  afterAll(() => fakes.close());
  beforeEach(() => fakes.reset());

  const connect = async (account: string, options: { variant?: string; scopes?: readonly string[] } = {}): Promise<TokenSet> => {
    const url = provider.oauth.authorizeUrl({
      state: 's',
      redirectUri: REDIRECT_URI,
      scopes: options.scopes ?? provider.manifest.oauth.defaultScopes,
      codeChallenge: 'c',
      credentials: CREDENTIALS,
      ...(options.variant !== undefined && { variant: options.variant }),
    });
    const res = await fetch(`${http.publicUrl(url)}&fake_account=${account}`, { redirect: 'manual' });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    return provider.oauth.exchangeCode({ code, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params: {} });
  };

  const accountsOf = (tokens: TokenSet) => provider.accounts.list({ tokens, credentials: CREDENTIALS });

  /** Platform calls made while `fn` runs, per route. */
  const callsDuring = async <T>(fn: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> => {
    const before = fakes.stats()['linkedin'] ?? {};
    const result = await fn();
    const after = fakes.stats()['linkedin'] ?? {};
    const calls: Record<string, number> = {};
    for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) calls[k] = v - (before[k] ?? 0);
    return { result, calls };
  };

  /** The audience figure at the instants around a fetch (robust to a day boundary in between). */
  const around = <T>(fn: (now: Date) => T, t0: Date, t1: Date): T[] => [fn(t0), fn(t1)];

  it('reads a member’s followers in one call', async () => {
    const tokens = await connect('reach-demo');
    const [member] = await accountsOf(tokens);
    const t0 = fakes.context.now();
    const { result, calls } = await callsDuring(() => provider.metrics!.fetch([{ platformAccountId: member!.platformAccountId, tokens }], CREDENTIALS));
    const t1 = fakes.context.now();
    expect(calls).toEqual({ 'GET api.linkedin.com/rest/memberFollowersCount': 1 });
    expect(result).toHaveLength(1);
    const [outcome] = result;
    expect(outcome?.ok).toBe(true);
    if (!outcome?.ok) return;
    expect(around((n) => audienceAt('reach-demo', n).followers, t0, t1)).toContain(outcome.snapshot.followers);
    expect(outcome.snapshot.recent).toBeUndefined();
  });

  it('reads an organization’s followers and share totals in two calls', async () => {
    const tokens = await connect('reach-demo', { variant: 'organization' });
    const [, org] = await accountsOf(tokens);
    const urn = org!.platformAccountId;
    const t0 = fakes.context.now();
    const { result, calls } = await callsDuring(() => provider.metrics!.fetch([{ platformAccountId: urn, tokens }], CREDENTIALS));
    const t1 = fakes.context.now();
    expect(calls).toEqual({
      'GET api.linkedin.com/rest/networkSizes/:urn': 1,
      'GET api.linkedin.com/rest/organizationalEntityShareStatistics': 1,
    });
    const [outcome] = result;
    expect(outcome?.ok).toBe(true);
    if (!outcome?.ok) return;
    expect(around((n) => audienceAt('reach-demo-company', n).followers, t0, t1)).toContain(outcome.snapshot.followers);
    const totals = around((n) => totalsOf(postsOf(urn, 'reach-demo-company', n)), t0, t1);
    expect(totals.map((t) => t.impressionCount)).toContain(outcome.snapshot.views);
    expect(totals.map((t) => t.likeCount)).toContain(outcome.snapshot.likes);
    expect(outcome.snapshot.extra).toMatchObject({
      impressions: outcome.snapshot.views,
      comments: expect.any(Number),
      reshares: expect.any(Number),
      clicks: expect.any(Number),
      engagementRate: expect.any(Number),
    });
  });

  it('keeps an organization’s followers when only the social read scope was granted (one call)', async () => {
    const admin = await connect('reach-demo', { variant: 'organization' });
    const [, org] = await accountsOf(admin);
    // A different scope set invalidates the admin token at LinkedIn; the reader's is the live one.
    const reader = await connect('reach-demo', { scopes: ['openid', 'profile', 'r_organization_social'] });
    const { result, calls } = await callsDuring(() => provider.metrics!.fetch([{ platformAccountId: org!.platformAccountId, tokens: reader }], CREDENTIALS));
    expect(calls).toEqual({ 'GET api.linkedin.com/rest/networkSizes/:urn': 1 });
    expect(result[0]).toMatchObject({ ok: true, snapshot: { followers: expect.any(Number) } });
    expect(result[0]?.ok && result[0].snapshot.extra).toBeFalsy();
  });

  it('follows the fakes’ clock', async () => {
    const tokens = await connect('reach-demo');
    const [member] = await accountsOf(tokens);
    const target = [{ platformAccountId: member!.platformAccountId, tokens }];
    const followers = async () => {
      const [o] = await provider.metrics!.fetch(target, CREDENTIALS);
      expect(o?.ok).toBe(true);
      return o?.ok ? (o.snapshot.followers ?? 0) : 0;
    };
    const before = await followers();
    fakes.advanceClock(30 * DAY_S);
    const t0 = fakes.context.now();
    const after = await followers();
    const t1 = fakes.context.now();
    expect(after).toBeGreaterThan(before);
    expect(around((n) => audienceAt('reach-demo', n).followers, t0, t1)).toContain(after);
  });

  it('keeps each account’s outcome its own', async () => {
    const good = await connect('reach-demo', { variant: 'organization' });
    const [member, org] = await accountsOf(good);
    const noAnalytics = await connect('no-analytics', { scopes: ['openid', 'profile'] });
    const [otherMember] = await accountsOf(noAnalytics);
    const revoked = await connect('gone-member');
    const [goneMember] = await accountsOf(revoked);
    await provider.oauth.revoke!({ tokens: revoked, credentials: CREDENTIALS });

    const results = await provider.metrics!.fetch(
      [
        { platformAccountId: member!.platformAccountId, tokens: good },
        { platformAccountId: org!.platformAccountId, tokens: good },
        { platformAccountId: otherMember!.platformAccountId, tokens: noAnalytics },
        { platformAccountId: goneMember!.platformAccountId, tokens: revoked },
        { platformAccountId: 'urn:li:share:1', tokens: good },
      ],
      CREDENTIALS,
    );
    const byId = new Map(results.map((r): [string, MetricsOutcome] => [r.platformAccountId, r]));
    expect(results).toHaveLength(5);
    expect(byId.get(member!.platformAccountId)).toMatchObject({ ok: true });
    expect(byId.get(org!.platformAccountId)).toMatchObject({ ok: true });
    expect(byId.get(otherMember!.platformAccountId)).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: '100/ACCESS_DENIED' } });
    expect(byId.get(goneMember!.platformAccountId)).toMatchObject({ ok: false, failure: { kind: 'auth_expired', code: '65601/REVOKED_ACCESS_TOKEN' } });
    expect(byId.get('urn:li:share:1')).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: 'unknown_urn' } });
  });

  it('fails an organization whose follower count cannot be read, and says why', async () => {
    const tokens = await connect('reach-demo', { variant: 'organization' });
    const [, org] = await accountsOf(tokens);
    fakes.inject('linkedin', { kind: 'server_error', times: 1, path: '/rest/networkSizes' });
    const [outcome] = await provider.metrics!.fetch([{ platformAccountId: org!.platformAccountId, tokens }], CREDENTIALS);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'transient' } });
  });

  it('serves one account per call', () => {
    expect(provider.metrics!.batchSize).toBe(1);
  });
});
