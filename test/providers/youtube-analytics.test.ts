/**
 * Per-video analytics for YouTube against the Google fake: counts from `videos.list` (strings
 * turned into numbers) for up to 50 videos a call, shares from one YouTube Analytics report per
 * batch when the connection granted that scope, and the figures of videos published through Reach.
 */
import type { TokenSet } from '../../functions/core/model/tokens';
import type { Provider } from '../../functions/providers/types';
import { createYoutubeProvider } from '../../functions/providers/youtube';
import { toPostMetrics } from '../../functions/providers/youtube/analytics';
import { accountFor, videosAt } from '../../local/fakes/google/accounts';
import { audienceAt } from '../../local/fakes/audience';
import { CREDENTIALS, atNoon, connect, consent, REDIRECT_URI, startGoogle, type GoogleHarness } from './google-helpers';
import { mp4, startMediaServer, type MediaServer } from './google-servers';

const VIDEOS = 'GET www.googleapis.com/youtube/v3/videos';
const REPORTS = 'GET youtubeanalytics.googleapis.com/v2/reports';
const ANALYTICS_SCOPE = 'https://www.googleapis.com/auth/yt-analytics.readonly';
const DAY = 86_400;

describe('YouTube analytics', () => {
  let h: GoogleHarness;
  let media: MediaServer;
  let youtube: Provider;

  beforeAll(async () => {
    h = await startGoogle({ pollsToProcess: 1 });
    media = await startMediaServer();
    youtube = h.provider(createYoutubeProvider);
  });
  afterAll(async () => {
    await media.close();
    await h.close();
  });
  beforeEach(() => h.fakes.reset());

  const fetchFor = (tokens: TokenSet, ids: readonly string[]) => youtube.analytics!.fetch({ tokens, credentials: CREDENTIALS, platformAccountId: 'UC', platformPostIds: ids });

  /** Connects with reading and uploading only (no YouTube Analytics scope). */
  const connectWithoutAnalytics = async (account: string): Promise<TokenSet> => {
    const c = await consent(h, youtube, { account, scopes: ['https://www.googleapis.com/auth/youtube.readonly', 'https://www.googleapis.com/auth/youtube.upload'] });
    return youtube.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params });
  };

  /** Connects with the analytics scope added to the defaults. */
  const connectWithAnalytics = async (account: string): Promise<TokenSet> => {
    const c = await consent(h, youtube, { account, scopes: [...youtube.manifest.oauth.defaultScopes, ANALYTICS_SCOPE] });
    return youtube.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params });
  };

  it('reads views, likes and comments for 60 videos in 2 calls, leaving out unknown ids', async () => {
    const clock = atNoon(h);
    const tokens = await connectWithoutAnalytics('stats.channel');
    const videos = videosAt(accountFor('stats.channel'), clock());
    expect(videos.length).toBeGreaterThanOrEqual(60);
    const ids = videos.slice(0, 60).map((v) => v.id);
    const result = await fetchFor(tokens, [...ids, 'unknownvid1']);
    expect(youtube.analytics!.batchSize).toBe(50);
    expect(h.calls(VIDEOS)).toBe(2);
    expect(h.calls(REPORTS)).toBe(0);
    expect(Object.keys(result).sort()).toEqual([...ids].sort());
    for (const v of videos.slice(0, 60)) expect(result[v.id]).toEqual({ views: v.views, likes: v.likes, comments: v.comments });
  });

  it('adds shares from one report per batch when the connection granted YouTube Analytics', async () => {
    const clock = atNoon(h);
    const tokens = await connectWithAnalytics('shares.channel');
    expect(tokens.scopes).toContain(ANALYTICS_SCOPE);
    const videos = videosAt(accountFor('shares.channel'), clock()).slice(0, 5);
    const ids = videos.map((v) => v.id);
    const result = await fetchFor(tokens, ids);
    expect(h.calls(REPORTS)).toBe(1);
    // The same report, asked of the fake directly: Reach reads its columns, not their order.
    const url = new URL(`${h.fakes.baseUrl}/youtubeanalytics.googleapis.com/v2/reports`);
    for (const [k, v] of Object.entries({ ids: 'channel==MINE', startDate: '2005-04-23', endDate: clock().toISOString().slice(0, 10), metrics: 'shares', dimensions: 'video', filters: `video==${ids.join(',')}` })) {
      url.searchParams.set(k, v);
    }
    const report = (await (await fetch(url, { headers: { authorization: `Bearer ${tokens.accessToken}` } })).json()) as { rows?: [string, number][] };
    const shares = new Map(report.rows ?? []);
    expect([...shares.values()].some((n) => n > 0)).toBe(true);
    for (const v of videos) expect(result[v.id]).toEqual({ views: v.views, likes: v.likes, comments: v.comments, shares: shares.get(v.id) ?? 0 });
  });

  it('gives the figures of a video published through Reach, growing over its first week', async () => {
    const tokens = await connectWithoutAnalytics('fresh.channel');
    const video = media.add('fresh.mp4', mp4(16 * 1024, 'fresh'), 'video/mp4');
    const saved: Record<string, string>[] = [];
    const step = await youtube.publisher!.publish({
      tokens,
      credentials: CREDENTIALS,
      platformAccountId: accountFor('fresh.channel').channel!.id,
      accountType: 'channel',
      content: { text: 'Fresh', media: [video], options: { title: 'Fresh video' } },
      targetKey: 't1',
      save: async (cp) => {
        saved.push({ ...cp });
      },
    });
    expect(step.status).toBe('published');
    if (step.status !== 'published') throw new Error('expected published');

    expect(await fetchFor(tokens, [step.platformPostId])).toEqual({ [step.platformPostId]: { views: 0, likes: 0, comments: 0 } });
    h.fakes.advanceClock(7 * DAY);
    const later = await connectWithoutAnalytics('fresh.channel');
    const perPost = audienceAt('fresh.channel', h.fakes.context.now()).perPost;
    expect(await fetchFor(later, [step.platformPostId])).toEqual({ [step.platformPostId]: { views: perPost.views, likes: perPost.likes, comments: perPost.comments } });
  });

  it('turns YouTube\'s string counts into numbers and leaves out hidden likes', () => {
    expect(toPostMetrics({ id: 'v', statistics: { viewCount: 12, commentCount: 3 } })).toEqual({ views: 12, comments: 3 });
  });

  it('classifies a refused token for the batch', async () => {
    const tokens = await connect(h, youtube, 'refused.channel');
    h.fakes.inject('google', { kind: 'expired_token', times: 1 });
    await expect(fetchFor(tokens, ['abc'])).rejects.toMatchObject({ failure: { kind: 'auth_expired' } });
  });
});
