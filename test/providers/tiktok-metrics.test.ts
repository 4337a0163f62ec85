/**
 * TikTok metrics: profile counts and recent-video engagement from the fake in two calls per
 * account, the documented samples, scope-dependent fields, per-account failures, and the pure
 * helpers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createTiktokProvider } from '../../functions/providers/tiktok';
import { toAccount, userFields } from '../../functions/providers/tiktok/accounts';
import { recentEngagement, snapshotFromUser } from '../../functions/providers/tiktok/metrics';
import { envelopeSchema, userInfoDataSchema, videoListDataSchema, videoSchema } from '../../functions/providers/tiktok/schemas';
import type { MetricsOutcome, Provider } from '../../functions/providers/types';
import type { AppCredentials, TokenSet } from '../../functions/core/model/tokens';
import { audienceAt } from '../../local/fakes/audience';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createTiktokFake, type TiktokFake } from '../../local/fakes/tiktok';
import { videosNewestFirst } from '../../local/fakes/tiktok/accounts';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'tiktok');
/** Reads a sample; `.jsonc` samples lose their `//` comments and trailing commas first. */
const sample = (name: string): unknown => {
  const raw = readFileSync(join(FIXTURES, name), 'utf8');
  return JSON.parse(name.endsWith('.jsonc') ? raw.replace(/^\s*\/\/.*$/gm, '').replace(/,(\s*[}\]])/g, '$1') : raw);
};

const credentials: AppCredentials = { clientId: 'tt-key', clientSecret: 'tt-secret' };
const REDIRECT = 'https://reach.example/v1/oauth/tiktok/callback';
const ALL_READ = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'];

const USER_INFO = 'GET open.tiktokapis.com/v2/user/info/';
const VIDEO_LIST = 'POST open.tiktokapis.com/v2/video/list/';

describe('TikTok metrics against the fake', () => {
  let fakes: RunningFakes;
  let fake: TiktokFake;
  let http: HttpClient;
  let provider: Provider;

  beforeAll(async () => {
    fake = createTiktokFake(credentials);
    fakes = await startFakes({ platforms: [fake] });
    http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
    provider = createTiktokProvider({ http, now: () => new Date() });
  });
  afterAll(async () => {
    await fakes.close();
  });

  const connect = async (account: string, scopes = ALL_READ, grant?: string): Promise<TokenSet> => {
    const url = provider.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT, scopes, codeChallenge: 'x', credentials });
    const extra = `&fake_account=${encodeURIComponent(account)}${grant ? `&fake_grant=${grant}` : ''}`;
    const res = await fetch(http.publicUrl(url) + extra, { redirect: 'manual' });
    const params = Object.fromEntries(new URL(res.headers.get('location')!).searchParams);
    return provider.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT, codeVerifier: 'x', credentials, params });
  };

  const calls = (): Record<string, number> => fakes.stats()['tiktok'] ?? {};
  const ok = (outcome: MetricsOutcome | undefined) => {
    if (!outcome?.ok) throw new Error(`expected a snapshot, got ${JSON.stringify(outcome)}`);
    return outcome.snapshot;
  };

  it('reads counts and recent engagement in exactly two calls per account', async () => {
    const tokens = await connect('reach.demo');
    const account = fake.account('reach.demo');
    const before = calls();
    const atStart = fakes.context.now();
    const [outcome] = await provider.metrics!.fetch([{ platformAccountId: account.openId, tokens }], credentials);
    const atEnd = fakes.context.now();
    const after = calls();
    expect((after[USER_INFO] ?? 0) - (before[USER_INFO] ?? 0)).toBe(1);
    expect((after[VIDEO_LIST] ?? 0) - (before[VIDEO_LIST] ?? 0)).toBe(1);
    expect(Object.values(after).reduce((a, b) => a + b, 0) - Object.values(before).reduce((a, b) => a + b, 0)).toBe(2);

    const snapshot = ok(outcome);
    // The audience moves with the fakes' clock: the answer matches the instant it was made at.
    const expectations = [atStart, atEnd].map((at) => {
      const audience = audienceAt('reach.demo', at);
      const videos = videosNewestFirst(account, at);
      const sample = videos.slice(0, 20);
      const avg = (f: (v: (typeof sample)[number]) => number) => Math.round((sample.reduce((s, v) => s + f(v), 0) / sample.length) * 100) / 100;
      return {
        followers: audience.followers,
        following: audience.following,
        posts: videos.length,
        likes: videos.length * audience.perPost.likes,
        verified: false,
        recent: { sampleSize: 20, likes: avg((v) => v.likes), comments: avg((v) => v.comments), shares: avg((v) => v.shares), views: avg((v) => v.views) },
      };
    });
    expect(expectations).toContainEqual(snapshot);
  });

  it('returns one outcome per account, and a failing account does not fail the others', async () => {
    const first = await connect('creator.one');
    const second = await connect('creator.two.verified');
    const before = calls();
    const outcomes = await provider.metrics!.fetch(
      [
        { platformAccountId: fake.account('creator.one').openId, tokens: first },
        { platformAccountId: 'someone-else', tokens: { ...first, accessToken: 'act.not-a-token' } },
        { platformAccountId: fake.account('creator.two.verified').openId, tokens: second },
      ],
      credentials,
    );
    expect(outcomes.map((o) => [o.platformAccountId, o.ok])).toEqual([
      [fake.account('creator.one').openId, true],
      ['someone-else', false],
      [fake.account('creator.two.verified').openId, true],
    ]);
    expect(outcomes[1]).toMatchObject({ ok: false, failure: { kind: 'auth_expired', code: 'access_token_invalid' } });
    expect(ok(outcomes[2]).verified).toBe(true);
    const after = calls();
    expect((after[USER_INFO] ?? 0) - (before[USER_INFO] ?? 0)).toBe(3);
    expect((after[VIDEO_LIST] ?? 0) - (before[VIDEO_LIST] ?? 0)).toBe(3);
    expect(provider.metrics!.batchSize).toBe(1);
  });

  it('refuses a token that belongs to another account than the connection', async () => {
    const tokens = await connect('creator.one');
    const [outcome] = await provider.metrics!.fetch([{ platformAccountId: fake.account('reach.demo').openId, tokens }], credentials);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'permanent', code: 'account_mismatch' } });
  });

  it('asks only for what the grant allows: no stats scope, no counts; no video.list, no video call', async () => {
    const basicAndVideos = await connect('partial.grant', ALL_READ, 'video.list');
    const [withVideos] = await provider.metrics!.fetch([{ platformAccountId: fake.account('partial.grant').openId, tokens: basicAndVideos }], credentials);
    const s1 = ok(withVideos);
    expect(s1.followers).toBeUndefined();
    expect(s1.verified).toBeUndefined();
    expect(s1.recent?.sampleSize).toBe(20);

    const statsOnly = await connect('partial.grant', ALL_READ, 'user.info.stats');
    const before = calls();
    const [withoutVideos] = await provider.metrics!.fetch([{ platformAccountId: fake.account('partial.grant').openId, tokens: statsOnly }], credentials);
    const s2 = ok(withoutVideos);
    expect(typeof s2.followers).toBe('number');
    expect(s2.recent).toBeUndefined();
    expect((calls()[VIDEO_LIST] ?? 0) - (before[VIDEO_LIST] ?? 0)).toBe(0);
  });

  it('leaves recent engagement out for an account without public videos', async () => {
    const tokens = await connect('empty.account');
    const [outcome] = await provider.metrics!.fetch([{ platformAccountId: fake.account('empty.account').openId, tokens }], credentials);
    const snapshot = ok(outcome);
    expect(snapshot.posts).toBe(0);
    expect(snapshot.recent).toBeUndefined();
  });
});

describe('TikTok metrics on the documented samples', () => {
  it('reads the documented user-info answer (basic fields only: no counts)', () => {
    const env = envelopeSchema.parse(sample('user_info_response.json'));
    expect(env.error?.code).toBe('ok');
    const { user } = userInfoDataSchema.parse(env.data);
    expect(snapshotFromUser(user)).toEqual({});
    expect(toAccount(user)).toEqual({
      platformAccountId: '723f24d7-e717-40f8-a2b6-cb8464cd23b4',
      displayName: '723f24d7-e717-40f8-a2b6-cb8464cd23b4',
      avatarUrl: 'https://p19-sign.tiktokcdn-us.com/tos-avt-0068-tx/b17f0e4b3a4f4a50993cf72cda8b88b8~c5_168x168.jpeg',
      accountType: 'creator',
    });
  });

  it('reads the documented video-list answer (no counters asked for: no engagement)', () => {
    const env = envelopeSchema.parse(sample('video_list_response.jsonc'));
    const data = videoListDataSchema.parse(env.data);
    expect(data.cursor).toBe(1643332803000);
    expect(data.has_more).toBe(false);
    expect(data.videos).toEqual([expect.objectContaining({ id: '12345123451234512345', title: 'Video Title' })]);
    expect(recentEngagement(data.videos)).toBeUndefined();
  });

  it('reads the documented video-query answer', () => {
    const env = envelopeSchema.parse(sample('video_query_response.json'));
    const data = videoListDataSchema.parse(env.data);
    expect(data.videos.map((v) => v.id)).toEqual(['1234123412345678567', '1010102020203030303']);
  });

  it('reads a full user object into a snapshot', () => {
    const { user } = userInfoDataSchema.parse({
      user: { open_id: 'o', follower_count: 1200, following_count: 30, likes_count: 98_000, video_count: 41, is_verified: true, username: 'u', display_name: 'U' },
    });
    expect(snapshotFromUser(user)).toEqual({ followers: 1200, following: 30, posts: 41, likes: 98_000, verified: true });
  });
});

describe('recentEngagement', () => {
  it('averages each counter over the videos that carry counters, rounded to 2 decimals', () => {
    const videos = [
      { id: '1', like_count: 10, comment_count: 1, share_count: 0, view_count: 100 },
      { id: '2', like_count: 20, comment_count: 2, share_count: 1, view_count: 250 },
      { id: '3', like_count: 1, view_count: 7 },
      { id: '4', title: 'no counters' },
    ].map((v) => videoSchema.parse(v));
    expect(recentEngagement(videos)).toEqual({ sampleSize: 3, likes: 10.33, comments: 1, shares: 0.33, views: 119 });
  });

  it('has nothing to say about no videos', () => {
    expect(recentEngagement([])).toBeUndefined();
  });
});

describe('userFields', () => {
  it('keeps only fields the granted scopes allow, always with open_id first', () => {
    const wanted = ['display_name', 'username', 'follower_count', 'is_verified', 'open_id'];
    expect(userFields(['user.info.basic'], wanted)).toEqual(['open_id', 'display_name']);
    expect(userFields(['user.info.basic', 'user.info.profile', 'user.info.stats'], wanted)).toEqual(['open_id', 'display_name', 'username', 'follower_count', 'is_verified']);
    expect(userFields([], wanted)).toEqual(['open_id']);
  });
});
