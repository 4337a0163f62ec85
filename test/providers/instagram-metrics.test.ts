/**
 * Instagram metrics against the Meta fake: one call per account in both login variants, the
 * figures the fake's audience model gives, hidden likes, per-account failures, and the
 * documented sample's types.
 */
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import { instagramMetricsSchema, instagramSnapshot } from '../../functions/providers/instagram/metrics';
import type { TokenSet } from '../../functions/core/model/tokens';
import { audienceAt } from '../../local/fakes/audience';
import { recentPosts } from '../../local/fakes/meta/world';
import { CREDENTIALS, REDIRECT_URI, callbackParams, followConsent, metaCalls, sample, startMeta, totalCalls, type MetaHarness } from './meta-support';

let h: MetaHarness;
beforeAll(async () => {
  h = await startMeta();
});
afterAll(() => h.close());
beforeEach(() => h.fakes.reset());

const connect = async (variant: 'instagram_login' | 'facebook_login', account = 'reach.demo') => {
  const url = h.instagram.oauth.authorizeUrl({
    state: 's',
    redirectUri: REDIRECT_URI,
    scopes: h.instagram.manifest.oauth.defaultScopes,
    codeChallenge: 'c',
    credentials: CREDENTIALS,
    variant,
  });
  const params = callbackParams(await followConsent(h, url, { fake_account: account }));
  const tokens = await h.instagram.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params, variant });
  const [account0] = await h.instagram.accounts.list({ tokens, credentials: CREDENTIALS });
  return { tokens, accountId: account0!.platformAccountId };
};

/** The figures the fake's model gives at the fakes' current instant. */
const expected = (account: string) => {
  const now = h.fakes.context.now();
  const audience = audienceAt(`${account}#ig`, now);
  const posts = recentPosts(`${account}#ig`, '1790', now, 12);
  const avg = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;
  return {
    followers: audience.followers,
    following: audience.following,
    posts: audience.posts,
    recent: { sampleSize: posts.length, likes: avg(posts.map((p) => p.likes)), comments: avg(posts.map((p) => p.comments)), shares: 0 },
  };
};

describe.each(['instagram_login', 'facebook_login'] as const)('metrics with %s', (variant) => {
  it('reads counts and recent engagement in one platform call', async () => {
    const { tokens, accountId } = await connect(variant);
    const before = totalCalls(h);
    const expectBefore = expected('reach.demo');
    const [outcome] = await h.instagram.metrics!.fetch([{ platformAccountId: accountId, tokens }], CREDENTIALS);
    const expectAfter = expected('reach.demo');
    expect(totalCalls(h) - before).toBe(1);
    expect(outcome!.ok).toBe(true);
    // The fakes' clock keeps running: the answer matches the model just before or just after.
    const snapshot = outcome!.ok ? outcome!.snapshot : undefined;
    expect([expectBefore, expectAfter]).toContainEqual(snapshot);
  });

  it('serves one account per call', () => {
    expect(h.instagram.metrics!.batchSize).toBe(1);
  });
});

describe('metrics details', () => {
  it('uses /me on graph.instagram.com for Instagram Login and the account node on graph.facebook.com for Facebook Login', async () => {
    const ig = await connect('instagram_login');
    await h.instagram.metrics!.fetch([{ platformAccountId: ig.accountId, tokens: ig.tokens }], CREDENTIALS);
    expect(metaCalls(h)['GET graph.instagram.com/:version/me']).toBe(2);
    const fb = await connect('facebook_login');
    await h.instagram.metrics!.fetch([{ platformAccountId: fb.accountId, tokens: fb.tokens }], CREDENTIALS);
    expect(metaCalls(h)['GET graph.facebook.com/:version/:id']).toBe(1);
  });

  it('averages likes over the posts that show them: hidden likes read 0, comments still count', async () => {
    const { tokens, accountId } = await connect('instagram_login', 'shop.hidden-likes');
    const [outcome] = await h.instagram.metrics!.fetch([{ platformAccountId: accountId, tokens }], CREDENTIALS);
    if (!outcome!.ok) throw new Error('expected a snapshot');
    expect(outcome!.snapshot.recent).toMatchObject({ sampleSize: 12, likes: 0 });
    expect(outcome!.snapshot.recent!.comments).toBeGreaterThan(0);
  });

  it('a failure for one account does not fail the others', async () => {
    const good = await connect('instagram_login');
    const foreign: TokenSet = { ...good.tokens, accessToken: 'IGAAnot-a-token-the-fake-issued' };
    const outcomes = await h.instagram.metrics!.fetch(
      [
        { platformAccountId: good.accountId, tokens: good.tokens },
        { platformAccountId: '17841499999999999', tokens: foreign },
      ],
      CREDENTIALS,
    );
    expect(outcomes[0]).toMatchObject({ platformAccountId: good.accountId, ok: true });
    expect(outcomes[1]).toMatchObject({ platformAccountId: '17841499999999999', ok: false, failure: { kind: 'auth_expired', code: '190' } });
  });

  it('reports a token that now answers for another account as a permanent mismatch', async () => {
    const { tokens } = await connect('instagram_login');
    const [outcome] = await h.instagram.metrics!.fetch([{ platformAccountId: '17840000000000000', tokens }], CREDENTIALS);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'permanent', code: 'account_mismatch' } });
  });

  it('classifies an injected throttle per account with the BUC wait', async () => {
    const { tokens, accountId } = await connect('facebook_login');
    h.fakes.inject('meta', { kind: 'rate_limited', path: `/${GRAPH_VERSION}/${accountId}`, times: 1, retryAfterSeconds: 600 });
    const [outcome] = await h.instagram.metrics!.fetch([{ platformAccountId: accountId, tokens }], CREDENTIALS);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'rate_limited', code: '80002', retryAfterSeconds: 600 } });
  });

  it('follows the audience as the fakes’ clock moves', async () => {
    const { tokens, accountId } = await connect('instagram_login');
    const first = await h.instagram.metrics!.fetch([{ platformAccountId: accountId, tokens }], CREDENTIALS);
    h.fakes.advanceClock(30 * 86_400);
    const later = await h.instagram.metrics!.fetch([{ platformAccountId: accountId, tokens }], CREDENTIALS);
    if (!first[0]!.ok || !later[0]!.ok) throw new Error('expected snapshots');
    expect(later[0]!.snapshot.followers!).toBeGreaterThan(first[0]!.snapshot.followers!);
    expect(later[0]!.snapshot.posts!).toBeGreaterThan(first[0]!.snapshot.posts!);
  });

  it('answers with the documented JSON types (ids strings, counts numbers)', async () => {
    const { tokens } = await connect('instagram_login');
    const res = await h.http.send({
      method: 'GET',
      url: `https://graph.instagram.com/${GRAPH_VERSION}/me`,
      query: { fields: 'id,user_id,followers_count,media.limit(1){id,like_count,comments_count,timestamp}' },
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    const body = JSON.parse(res.text) as { id: unknown; user_id: unknown; followers_count: unknown; media: { data: Array<Record<string, unknown>> } };
    expect(typeof body.id).toBe('string');
    expect(typeof body.user_id).toBe('string');
    expect(typeof body.followers_count).toBe('number');
    expect(typeof body.media.data[0]!['like_count']).toBe('number');
    expect(body.media.data[0]!['timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    expect(JSON.parse(res.headers['x-business-use-case-usage']!)).toHaveProperty([String(body.user_id)]);
    expect(JSON.parse(res.headers['x-app-usage']!)).toEqual({ call_count: expect.any(Number), total_cputime: expect.any(Number), total_time: expect.any(Number) });
  });
});

describe('the documented business-discovery sample', () => {
  it('parses with the metrics schema (counts as numbers, ids as strings) into a snapshot', () => {
    const body = sample('instagram/ig_business_discovery_response.jsonc') as { business_discovery: unknown };
    const answer = instagramMetricsSchema.parse(body.business_discovery);
    expect(instagramSnapshot(answer)).toEqual({ followers: 267793, posts: 1205 });
  });
});
