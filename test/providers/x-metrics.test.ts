import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createXProvider } from '../../functions/providers/x';
import { readTimeline, recentEngagement, snapshotFromUser } from '../../functions/providers/x/metrics';
import { postSchema, timelineAnswerSchema, userAnswerSchema } from '../../functions/providers/x/schemas';
import type { TokenSet } from '../../functions/core/model/tokens';
import type { MetricsOutcome, Provider } from '../../functions/providers/types';
import { audienceAt } from '../../local/fakes/audience';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createXFake, type XFake } from '../../local/fakes/x';
import { recentPosts } from '../../local/fakes/x/accounts';

const SAMPLES = join(__dirname, '../fixtures/conformance/x');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));

describe('x metrics parsing (documented samples)', () => {
  it('reads account counts from the users/me sample', () => {
    const { data } = userAnswerSchema.parse(sample('users_me_response.json'));
    expect(snapshotFromUser(data!)).toEqual({ followers: 583423, following: 2048, posts: 14052, verified: true, extra: { listed: 1672 } });
  });

  it('accepts post_count where newer documents rename tweet_count', () => {
    const { data } = userAnswerSchema.parse(sample('users_me_response.json'));
    const { tweet_count: _dropped, ...rest } = data!.public_metrics!;
    expect(snapshotFromUser({ ...data!, public_metrics: { ...rest, post_count: 99, media_count: 7 } })).toMatchObject({
      posts: 99,
      extra: { listed: 1672, media: 7 },
    });
  });

  it('averages engagement from the public-metrics sample', () => {
    const post = postSchema.parse((sample('tweet_public_metrics_response.json') as { data: unknown }).data);
    expect(recentEngagement([post])).toEqual({ sampleSize: 1, likes: 234, comments: 12, shares: 55, views: 5432 });
  });

  it('leaves posts without public_metrics (private and video samples) out of the average', () => {
    const priv = postSchema.parse((sample('tweet_private_metrics_response.json') as { data: unknown }).data);
    const video = postSchema.parse((sample('tweet_video_metrics_response.json') as { data: unknown }).data);
    expect(recentEngagement([priv, video])).toBeUndefined();
    const pub = postSchema.parse((sample('tweet_public_metrics_response.json') as { data: unknown }).data);
    expect(recentEngagement([priv, pub, video])?.sampleSize).toBe(1);
  });

  it('averages over several posts with two decimals', () => {
    const m = (like: number, reply: number, rt: number, quote: number, views: number) => ({
      id: String(like),
      public_metrics: { like_count: like, reply_count: reply, retweet_count: rt, quote_count: quote, impression_count: views },
    });
    expect(recentEngagement([m(1, 0, 1, 0, 10), m(2, 1, 0, 1, 20), m(2, 1, 0, 0, 31)])).toEqual({
      sampleSize: 3,
      likes: 1.67,
      comments: 0.67,
      shares: 0.67,
      views: 20.33,
    });
  });

  it('uses the data of a partial answer, and fails an answer that has only errors', () => {
    const partial = timelineAnswerSchema.parse(sample('partial_error_200.json'));
    expect(readTimeline(partial, '2244994945', new Date())).toEqual({ needsProfile: true });
    const onlyErrors = timelineAnswerSchema.parse({ errors: partial.errors });
    expect(readTimeline(onlyErrors, '2244994945', new Date())).toEqual({
      failure: { kind: 'permanent', code: 'resource-not-found', message: 'Not Found Error: Could not find tweet with id: [456].' },
    });
  });

  it('takes the author from includes.users', () => {
    const user = (sample('users_me_response.json') as { data: Record<string, unknown> }).data;
    const answer = timelineAnswerSchema.parse({
      data: [(sample('tweet_public_metrics_response.json') as { data: unknown }).data],
      includes: { users: [user] },
      meta: { result_count: 1 },
    });
    expect(readTimeline(answer, '2244994945', new Date())).toEqual({
      snapshot: {
        followers: 583423,
        following: 2048,
        posts: 14052,
        verified: true,
        extra: { listed: 1672 },
        recent: { sampleSize: 1, likes: 234, comments: 12, shares: 55, views: 5432 },
      },
    });
  });
});

describe('x metrics against the fake', () => {
  const credentials = { clientId: 'x-metrics-client', clientSecret: 'x-metrics-secret' };
  let fakes: RunningFakes;
  let fake: XFake;
  let http: HttpClient;
  let provider: Provider;

  beforeAll(async () => {
    fake = createXFake(credentials);
    fakes = await startFakes({ platforms: [fake] });
    http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
    provider = createXProvider({ http, now: () => new Date() });
  });
  afterAll(() => fakes.close());
  beforeEach(() => fakes.reset());

  const connect = async (account: string, p: Provider = provider, h: HttpClient = http): Promise<TokenSet> => {
    const verifier = randomBytes(32).toString('base64url');
    const url = p.oauth.authorizeUrl({
      state: 'metrics',
      redirectUri: 'https://reach.example.com/cb',
      scopes: p.manifest.oauth.defaultScopes,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      credentials,
    });
    const res = await fetch(`${h.publicUrl(url)}&fake_account=${account}`, { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    return p.oauth.exchangeCode({ code, codeVerifier: verifier, redirectUri: 'https://reach.example.com/cb', credentials, params: {} });
  };

  /** Calls counted at the fake during `run`. */
  const counted = async <T>(run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> => {
    const before = fakes.stats()['x'] ?? {};
    const result = await run();
    const after = fakes.stats()['x'] ?? {};
    const calls: Record<string, number> = {};
    for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) calls[k] = v - (before[k] ?? 0);
    return { result, calls };
  };

  const expectedFor = (name: string, at: Date) => {
    const posts = recentPosts(fake.account(name), at, 0, 10);
    const avg = (f: (p: (typeof posts)[number]) => number) => Math.round((posts.reduce((a, p) => a + f(p), 0) / posts.length) * 100) / 100;
    return {
      followers: audienceAt(name, at).followers,
      recent: {
        sampleSize: posts.length,
        likes: avg((p) => p.metrics.like_count),
        comments: avg((p) => p.metrics.reply_count),
        shares: avg((p) => p.metrics.retweet_count + p.metrics.quote_count),
        views: avg((p) => p.metrics.impression_count),
      },
    };
  };

  it('serves one account per call', () => {
    expect(provider.metrics!.batchSize).toBe(1);
  });

  it('reads counts and recent engagement in exactly one platform call', async () => {
    const tokens = await connect('reach_demo');
    const id = fake.account('reach_demo').id;
    const before = expectedFor('reach_demo', fakes.context.now());
    const { result, calls } = await counted(() => provider.metrics!.fetch([{ platformAccountId: id, tokens }], credentials));
    const after = expectedFor('reach_demo', fakes.context.now());
    expect(calls).toEqual({ 'GET api.x.com/2/users/:id/tweets': 1 });
    expect(result).toHaveLength(1);
    const [outcome] = result as Extract<MetricsOutcome, { ok: true }>[];
    expect(outcome!.ok).toBe(true);
    // The fakes' clock moves on between the two reads: the answer matches one of them.
    expect([before, after]).toContainEqual({ followers: outcome!.snapshot.followers, recent: outcome!.snapshot.recent });
    expect(outcome!.snapshot.recent!.sampleSize).toBe(10);
    expect(outcome!.snapshot.following).toBeGreaterThan(0);
    expect(outcome!.snapshot.posts).toBeGreaterThan(20);
    expect(typeof outcome!.snapshot.verified).toBe('boolean');
  });

  it('falls back to users/me for an account without posts (two calls)', async () => {
    const tokens = await connect('empty_feed');
    const id = fake.account('empty_feed').id;
    const { result, calls } = await counted(() => provider.metrics!.fetch([{ platformAccountId: id, tokens }], credentials));
    expect(calls).toEqual({ 'GET api.x.com/2/users/:id/tweets': 1, 'GET api.x.com/2/users/me': 1 });
    expect(result[0]).toMatchObject({ platformAccountId: id, ok: true, snapshot: { posts: 0, followers: expect.any(Number) } });
    expect((result[0] as Extract<MetricsOutcome, { ok: true }>).snapshot.recent).toBeUndefined();
  });

  it('keeps one account\'s failure from failing the others', async () => {
    const good = await connect('reach_demo');
    const gone = await connect('leaver');
    fake.revokeAccount('leaver');
    const result = await provider.metrics!.fetch(
      [
        { platformAccountId: fake.account('leaver').id, tokens: gone },
        { platformAccountId: fake.account('reach_demo').id, tokens: good },
      ],
      credentials,
    );
    expect(result).toHaveLength(2);
    expect(result[0]).toMatchObject({ platformAccountId: fake.account('leaver').id, ok: false, failure: { kind: 'auth_expired' } });
    expect(result[1]).toMatchObject({ platformAccountId: fake.account('reach_demo').id, ok: true });
  });

  it('reports an unknown account as a permanent failure from X\'s partial answer', async () => {
    const tokens = await connect('reach_demo');
    const [outcome] = await provider.metrics!.fetch([{ platformAccountId: '12345', tokens }], credentials);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'permanent', code: 'resource-not-found' } });
  });

  it('turns a 429 into a rate_limited outcome with the wait', async () => {
    const tokens = await connect('reach_demo');
    fakes.inject('x', { kind: 'rate_limited', retryAfterSeconds: 300, times: 1 });
    const [outcome] = await provider.metrics!.fetch([{ platformAccountId: fake.account('reach_demo').id, tokens }], credentials);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'rate_limited', code: '88' } });
    const wait = (outcome as Extract<MetricsOutcome, { ok: false }>).failure.retryAfterSeconds!;
    expect(wait).toBeGreaterThanOrEqual(299);
    expect(wait).toBeLessThanOrEqual(301);
  });

  it('sees followers move with the fakes\' clock', async () => {
    const tokens = await connect('reach_demo');
    const id = fake.account('reach_demo').id;
    const [first] = await provider.metrics!.fetch([{ platformAccountId: id, tokens }], credentials);
    fakes.advanceClock(30 * 86_400);
    // After 30 days the 2-hour token is long expired: a refresh gets a working one.
    const fresh = await provider.oauth.refresh!({ tokens, credentials });
    const [later] = await provider.metrics!.fetch([{ platformAccountId: id, tokens: fresh }], credentials);
    const f1 = (first as Extract<MetricsOutcome, { ok: true }>).snapshot.followers!;
    const f2 = (later as Extract<MetricsOutcome, { ok: true }>).snapshot.followers!;
    expect(f2).toBeGreaterThan(f1);
  });

  it('reads post_count when the fake speaks the newer field name', async () => {
    const drift = await startFakes({ platforms: [createXFake(credentials, { postCountField: 'post_count' })] });
    try {
      const h = createHttpClient({ platformBaseUrl: drift.baseUrl, defaultTimeoutMs: 5000 });
      const p = createXProvider({ http: h, now: () => new Date() });
      const tokens = await connect('reach_demo', p, h);
      const [outcome] = await p.metrics!.fetch([{ platformAccountId: fake.account('reach_demo').id, tokens }], credentials);
      expect(outcome).toMatchObject({ ok: true, snapshot: { posts: expect.any(Number) } });
      expect((outcome as Extract<MetricsOutcome, { ok: true }>).snapshot.posts).toBeGreaterThan(20);
    } finally {
      await drift.close();
    }
  });
});
