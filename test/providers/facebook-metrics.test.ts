/**
 * Facebook Page metrics against the Meta fake: one call per Page with the posts' reactions,
 * comments and shares from summaries, the Page-token and permission rules, throttles.
 */
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import { pageMetricsSchema, pageSnapshot } from '../../functions/providers/facebook/metrics';
import { audienceAt } from '../../local/fakes/audience';
import { recentPosts } from '../../local/fakes/meta/world';
import { CREDENTIALS, REDIRECT_URI, callbackParams, followConsent, metaCalls, startMeta, totalCalls, type MetaHarness } from './meta-support';

let h: MetaHarness;
beforeAll(async () => {
  h = await startMeta();
});
afterAll(() => h.close());
beforeEach(() => h.fakes.reset());

const connect = async (scopes: readonly string[] = h.facebook.manifest.oauth.defaultScopes) => {
  const url = h.facebook.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes, codeChallenge: 'c', credentials: CREDENTIALS });
  const params = callbackParams(await followConsent(h, url));
  const user = await h.facebook.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params });
  const pages = await h.facebook.accounts.list({ tokens: user, credentials: CREDENTIALS });
  return { user, pages };
};

const expected = (pageIndex: number) => {
  const now = h.fakes.context.now();
  const key = `reach.demo#page${pageIndex}`;
  const posts = recentPosts(key, '1', now, 12);
  const avg = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;
  return {
    followers: audienceAt(key, now).followers,
    recent: {
      sampleSize: posts.length,
      likes: avg(posts.map((p) => p.likes)),
      comments: avg(posts.map((p) => p.comments)),
      shares: avg(posts.map((p) => p.shares)),
    },
  };
};

describe('Page metrics', () => {
  it('reads followers and recent engagement in one call per Page', async () => {
    const { pages } = await connect();
    const before = totalCalls(h);
    const expectBefore = [expected(0), expected(1)];
    const outcomes = await h.facebook.metrics!.fetch(pages.map((p) => ({ platformAccountId: p.platformAccountId, tokens: p.tokens! })), CREDENTIALS);
    const expectAfter = [expected(0), expected(1)];
    expect(totalCalls(h) - before).toBe(2);
    expect(metaCalls(h)['GET graph.facebook.com/:version/:id']).toBe(2);
    outcomes.forEach((o, i) => {
      expect(o.platformAccountId).toBe(pages[i]!.platformAccountId);
      if (!o.ok) throw new Error(`expected a snapshot, got ${o.failure.kind}`);
      expect([expectBefore[i], expectAfter[i]]).toContainEqual(o.snapshot);
    });
    expect(h.facebook.metrics!.batchSize).toBe(1);
  });

  it('needs the Page token: a user token gets (#210), an invalid request', async () => {
    const { user, pages } = await connect();
    const [outcome] = await h.facebook.metrics!.fetch([{ platformAccountId: pages[0]!.platformAccountId, tokens: user }], CREDENTIALS);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: '210' } });
  });

  it('needs pages_read_engagement: without it, (#10)', async () => {
    const { pages } = await connect(['pages_show_list']);
    const [outcome] = await h.facebook.metrics!.fetch([{ platformAccountId: pages[0]!.platformAccountId, tokens: pages[0]!.tokens! }], CREDENTIALS);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: '10' } });
  });

  it('sends appsecret_proof, which an app requiring it insists on', async () => {
    const strict = await startMeta({ requireAppSecretProof: true });
    try {
      const url = strict.facebook.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: strict.facebook.manifest.oauth.defaultScopes, codeChallenge: 'c', credentials: CREDENTIALS });
      const params = callbackParams(await followConsent(strict, url));
      const user = await strict.facebook.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params });
      const pages = await strict.facebook.accounts.list({ tokens: user, credentials: CREDENTIALS });
      const [ok] = await strict.facebook.metrics!.fetch([{ platformAccountId: pages[0]!.platformAccountId, tokens: pages[0]!.tokens! }], CREDENTIALS);
      expect(ok!.ok).toBe(true);
      const [bad] = await strict.facebook.metrics!.fetch(
        [{ platformAccountId: pages[0]!.platformAccountId, tokens: pages[0]!.tokens! }],
        { ...CREDENTIALS, clientSecret: 'not-the-secret' },
      );
      expect(bad).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: '100' } });
    } finally {
      await strict.close();
    }
  });

  it('a throttled Page is rate_limited for the BUC wait, and the other Page still syncs', async () => {
    const { pages } = await connect();
    h.fakes.inject('meta', { kind: 'rate_limited', path: `/${GRAPH_VERSION}/${pages[0]!.platformAccountId}`, times: 1, retryAfterSeconds: 240 });
    const outcomes = await h.facebook.metrics!.fetch(pages.map((p) => ({ platformAccountId: p.platformAccountId, tokens: p.tokens! })), CREDENTIALS);
    expect(outcomes[0]).toMatchObject({ ok: false, failure: { kind: 'rate_limited', code: '80001', retryAfterSeconds: 240 } });
    expect(outcomes[1]!.ok).toBe(true);
  });

  it('an unknown Page id is an invalid request (100/33)', async () => {
    const { pages } = await connect();
    const [outcome] = await h.facebook.metrics!.fetch([{ platformAccountId: '999999999999999', tokens: pages[0]!.tokens! }], CREDENTIALS);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: '100/33' } });
  });
});

describe('pageSnapshot', () => {
  it('reads reactions and comments from summaries and treats a missing shares field as 0', () => {
    const answer = pageMetricsSchema.parse({
      id: '1',
      followers_count: 1200,
      published_posts: {
        data: [
          { id: '1_1', reactions: { data: [], summary: { total_count: 10, viewer_reaction: 'NONE' } }, comments: { data: [], summary: { order: 'ranked', total_count: 2, can_comment: true } }, shares: { count: 4 } },
          { id: '1_2', reactions: { data: [], summary: { total_count: 20 } }, comments: { data: [], summary: { total_count: 0 } } },
        ],
        paging: { cursors: { before: 'a', after: 'b' } },
      },
    });
    expect(pageSnapshot(answer)).toEqual({ followers: 1200, recent: { sampleSize: 2, likes: 15, comments: 1, shares: 2 } });
  });

  it('leaves recent out for a Page without posts', () => {
    expect(pageSnapshot(pageMetricsSchema.parse({ id: '1', followers_count: 5 }))).toEqual({ followers: 5 });
  });
});
