/**
 * The YouTube side of the Google fake where no provider call reaches yet: recent uploads with
 * per-video engagement, Analytics reports, and channels.list's own request checks.
 */
import { accountFor, roundToThreeFigures } from '../../local/fakes/google/accounts';
import { createYoutubeProvider } from '../../functions/providers/youtube';
import type { TokenSet } from '../../functions/core/model/tokens';
import { atNoon, connect, startGoogle, type GoogleHarness } from './google-helpers';

interface Json {
  [key: string]: unknown;
}

describe('Google fake: YouTube routes', () => {
  let h: GoogleHarness;
  let tokens: TokenSet;
  const get = async (hostPath: string, token: string | null = tokens.accessToken) => {
    const res = await fetch(`${h.fakes.baseUrl}/${hostPath}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    h = await startGoogle();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    h.fakes.reset();
    tokens = await connect(h, h.provider(createYoutubeProvider), 'video.maker');
  });

  it('pages the uploads playlist newest first, and videos.list gives string statistics', async () => {
    const channel = accountFor('video.maker').channel!;
    const uploads = `UU${channel.id.slice(2)}`;
    const first = await get(`www.googleapis.com/youtube/v3/playlistItems?part=contentDetails,snippet&playlistId=${uploads}&maxResults=3`);
    expect(first.status).toBe(200);
    const items = first.body['items'] as { contentDetails: { videoId: string; videoPublishedAt: string }; snippet: { position: number } }[];
    expect(items.map((i) => i.snippet.position)).toEqual([0, 1, 2]);
    const dates = items.map((i) => Date.parse(i.contentDetails.videoPublishedAt));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);

    const second = await get(`www.googleapis.com/youtube/v3/playlistItems?part=contentDetails&playlistId=${uploads}&maxResults=3&pageToken=${String(first.body['nextPageToken'])}`);
    const secondIds = (second.body['items'] as { contentDetails: { videoId: string } }[]).map((i) => i.contentDetails.videoId);
    expect(secondIds).toHaveLength(3);
    expect(secondIds).not.toContain(items[0]!.contentDetails.videoId);

    const ids = items.map((i) => i.contentDetails.videoId);
    const videos = await get(`www.googleapis.com/youtube/v3/videos?part=statistics&id=${ids.join(',')}`);
    const stats = (videos.body['items'] as { id: string; statistics: Record<string, unknown> }[]).map((v) => v.statistics);
    expect((videos.body['items'] as { id: string }[]).map((v) => v.id)).toEqual(ids);
    for (const s of stats) {
      expect(Object.keys(s).sort()).toEqual(['commentCount', 'favoriteCount', 'likeCount', 'viewCount']);
      expect(Object.values(s).every((v) => typeof v === 'string' && /^\d+$/.test(v))).toBe(true);
      expect(Number(s['viewCount'])).toBeGreaterThan(Number(s['likeCount']));
    }
  });

  it('answers 404 playlistNotFound for an unknown playlist', async () => {
    const res = await get('www.googleapis.com/youtube/v3/playlistItems?part=id&playlistId=UUnothing');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { errors: [{ reason: 'playlistNotFound', domain: 'youtube.playlistItem' }] } });
  });

  it('checks channels.list requests like YouTube: part, one filter, at most 50 ids', async () => {
    expect((await get('www.googleapis.com/youtube/v3/channels?mine=true')).body).toMatchObject({ error: { code: 400, errors: [{ reason: 'required' }] } });
    expect((await get('www.googleapis.com/youtube/v3/channels?part=snippet,bogus&mine=true')).body).toMatchObject({ error: { errors: [{ reason: 'unknownPart' }] } });
    expect((await get('www.googleapis.com/youtube/v3/channels?part=snippet')).body).toMatchObject({ error: { errors: [{ reason: 'missingRequiredParameter' }] } });
    const ids = Array.from({ length: 51 }, (_, i) => `UC${i}`).join(',');
    expect((await get(`www.googleapis.com/youtube/v3/channels?part=id&id=${ids}`)).status).toBe(400);
  });

  it('finds a channel by handle, with YouTube’s 3-significant-figure subscriber count', async () => {
    const res = await get('www.googleapis.com/youtube/v3/channels?part=statistics&forHandle=@video.maker');
    const [item] = res.body['items'] as { id: string; statistics: { subscriberCount: string } }[];
    expect(item!.id).toBe(accountFor('video.maker').channel!.id);
    const n = Number(item!.statistics.subscriberCount);
    expect(roundToThreeFigures(n)).toBe(n);
  });

  it('roundToThreeFigures keeps three significant figures', () => {
    expect(roundToThreeFigures(36_249_999)).toBe(36_200_000);
    expect(roundToThreeFigures(1_234)).toBe(1_230);
    expect(roundToThreeFigures(999)).toBe(999);
  });

  describe('Analytics reports', () => {
    it('agrees between daily totals and per-video rows over the same range', async () => {
      // Noon first, then a token: moving the clock up to 12 h forward would outlive the 3599 s one from beforeEach.
      const clock = atNoon(h);
      tokens = await connect(h, h.provider(createYoutubeProvider), 'video.maker');
      const end = new Date(clock().getTime() - 86_400_000).toISOString().slice(0, 10);
      const start = new Date(clock().getTime() - 14 * 86_400_000).toISOString().slice(0, 10);
      const base = `youtubeanalytics.googleapis.com/v2/reports?ids=channel==MINE&startDate=${start}&endDate=${end}`;
      const byDay = await get(`${base}&metrics=views,likes&dimensions=day`);
      const byVideo = await get(`${base}&metrics=views,likes&dimensions=video&sort=-views&maxResults=200`);
      expect(byDay.status).toBe(200);
      expect(byDay.body['kind']).toBe('youtubeAnalytics#resultTable');
      expect(byDay.body['columnHeaders']).toEqual([
        { name: 'day', columnType: 'DIMENSION', dataType: 'STRING' },
        { name: 'views', columnType: 'METRIC', dataType: 'INTEGER' },
        { name: 'likes', columnType: 'METRIC', dataType: 'INTEGER' },
      ]);
      const dayRows = byDay.body['rows'] as [string, number, number][];
      expect(dayRows).toHaveLength(14);
      const videoRows = (byVideo.body['rows'] ?? []) as [string, number, number][];
      const total = (rows: (string | number)[][]) => rows.reduce((a, r) => a + Number(r[1]), 0);
      expect(total(videoRows)).toBe(total(dayRows));
      const views = videoRows.map((r) => r[1]);
      expect([...views].sort((a, b) => b - a)).toEqual(views);
    });

    it('refuses an unknown metric and another channel, and needs a token', async () => {
      const base = 'youtubeanalytics.googleapis.com/v2/reports?startDate=2026-01-01&endDate=2026-01-07';
      expect((await get(`${base}&ids=channel==MINE&metrics=bogus`)).body).toMatchObject({ error: { code: 400, message: 'Unknown identifier (bogus) given in field parameters.metrics.' } });
      expect((await get(`${base}&ids=channel==UCsomeoneelse&metrics=views`)).status).toBe(403);
      expect((await get(`${base}&ids=channel==MINE&metrics=views`, null)).status).toBe(401);
    });
  });
});
