/**
 * YouTube audience demographics against the Google fake: age group × gender shares and the top
 * 25 countries from YouTube Analytics (as percentages of views), the calls each costs, the
 * channels YouTube has nothing to show for, and how failures are classified.
 */
import type { TokenSet } from '../../functions/core/model/tokens';
import type { Provider } from '../../functions/providers/types';
import { createYoutubeProvider } from '../../functions/providers/youtube';
import { YT_ANALYTICS_SCOPE } from '../../functions/providers/youtube/analytics';
import { ageGenderKey, parseAgeGender, parseCountries } from '../../functions/providers/youtube/audience';
import { YOUTUBE_READONLY_SCOPE, YOUTUBE_UPLOAD_SCOPE } from '../../functions/providers/youtube/manifest';
import { countryShares } from '../../local/fakes/google/demographics';
import { CREDENTIALS, REDIRECT_URI, atNoon, connect, consent, startGoogle, type GoogleHarness } from './google-helpers';

const REPORTS = 'GET youtubeanalytics.googleapis.com/v2/reports';
const DAY_MS = 86_400_000;

interface RawReport {
  columnHeaders: { name: string; columnType: string; dataType: string }[];
  rows?: (string | number)[][];
}

describe('YouTube audience', () => {
  let h: GoogleHarness;
  let youtube: Provider;

  beforeAll(async () => {
    h = await startGoogle();
    youtube = h.provider(createYoutubeProvider);
  });
  afterAll(() => h.close());
  beforeEach(() => h.fakes.reset());

  const audienceOf = (tokens: TokenSet) => youtube.audience!.fetch({ platformAccountId: 'UC', tokens }, CREDENTIALS);

  /** The same report Reach asks for, read from the fake directly (the provider's 30-day window). */
  const rawReport = async (tokens: TokenSet, params: Record<string, string>): Promise<RawReport> => {
    const now = new Date();
    const url = new URL(`${h.fakes.baseUrl}/youtubeanalytics.googleapis.com/v2/reports`);
    const window = { ids: 'channel==MINE', startDate: new Date(now.getTime() - 30 * DAY_MS).toISOString().slice(0, 10), endDate: now.toISOString().slice(0, 10) };
    for (const [k, v] of Object.entries({ ...window, ...params })) url.searchParams.set(k, v);
    const res = await fetch(url, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as RawReport;
  };

  it('asks for yt-analytics.readonly by default and says it has demographics', () => {
    expect(youtube.manifest.oauth.defaultScopes).toEqual([YOUTUBE_READONLY_SCOPE, YOUTUBE_UPLOAD_SCOPE, YT_ANALYTICS_SCOPE]);
    expect(youtube.manifest.metrics.demographics).toBe(true);
  });

  it('reads age × gender and the top 25 countries as percentages of all views, in 3 calls', async () => {
    atNoon(h);
    const tokens = await connect(h, youtube, 'audience.channel');
    expect(tokens.scopes).toContain(YT_ANALYTICS_SCOPE);
    const audience = await audienceOf(tokens);
    // ageGroup,gender + country (a full page of 25) + the channel's total views for the rest.
    expect(h.calls(REPORTS)).toBe(3);
    expect(audience?.unit).toBe('percent_of_views');

    const ageGender = await rawReport(tokens, { metrics: 'viewerPercentage', dimensions: 'ageGroup,gender' });
    expect(ageGender.columnHeaders.map((c) => c.name)).toEqual(['ageGroup', 'gender', 'viewerPercentage']);
    const expectedAgeGender: Record<string, number> = {};
    for (const [age, gender, pct] of ageGender.rows ?? []) expectedAgeGender[ageGenderKey(String(gender), String(age))!] = Number(pct);
    expect(audience?.byAgeGender).toEqual(expectedAgeGender);
    expect(Object.keys(audience?.byAgeGender ?? {})).toEqual(expect.arrayContaining(['F.25-34', 'M.18-24', 'F.65+', 'M.13-17']));
    const ageSum = Object.values(audience?.byAgeGender ?? {}).reduce((a, b) => a + b, 0);
    expect(ageSum).toBeGreaterThan(99);
    expect(ageSum).toBeLessThan(101);

    const countries = await rawReport(tokens, { metrics: 'views', dimensions: 'country', sort: '-views', maxResults: '25' });
    const total = Number((await rawReport(tokens, { metrics: 'views' })).rows?.[0]?.[0]);
    expect(total).toBeGreaterThan(0);
    const byCountry = audience?.byCountry ?? {};
    expect(Object.keys(byCountry)).toHaveLength(25);
    expect(Object.keys(byCountry)).toEqual((countries.rows ?? []).map((r) => r[0]));
    for (const [country, views] of countries.rows ?? []) expect(byCountry[String(country)]).toBeCloseTo((Number(views) * 100) / total, 2);
    // The 15 countries past the page still hold a share of the views.
    const listed = Object.values(byCountry).reduce((a, b) => a + b, 0);
    expect(listed).toBeLessThan(100);
    expect(listed).toBeGreaterThan(80);
  });

  it('needs no total when every country fits in one page (2 calls)', async () => {
    const tokens = await connect(h, youtube, 'local.channel');
    const audience = await audienceOf(tokens);
    expect(h.calls(REPORTS)).toBe(2);
    expect(Object.keys(audience?.byCountry ?? {}).sort()).toEqual(countryShares('local.channel').map(([c]) => c).sort());
    const sum = Object.values(audience?.byCountry ?? {}).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(100, 1);
  });

  it('returns undefined without calling when the grant lacks yt-analytics.readonly', async () => {
    const c = await consent(h, youtube, { account: 'narrow.channel', scopes: [YOUTUBE_READONLY_SCOPE, YOUTUBE_UPLOAD_SCOPE] });
    const tokens = await youtube.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params });
    expect(tokens.scopes).not.toContain(YT_ANALYTICS_SCOPE);
    expect(await audienceOf(tokens)).toBeUndefined();
    expect(h.calls(REPORTS)).toBe(0);
  });

  it('returns undefined for a channel under YouTube\'s anonymity threshold (reports without rows)', async () => {
    const tokens = await connect(h, youtube, 'fewviewers.channel');
    const raw = await rawReport(tokens, { metrics: 'viewerPercentage', dimensions: 'ageGroup,gender' });
    expect(raw.rows).toBeUndefined();
    expect(raw.columnHeaders).toHaveLength(3);
    const before = h.calls(REPORTS);
    expect(await audienceOf(tokens)).toBeUndefined();
    expect(h.calls(REPORTS) - before).toBe(2);
  });

  it('parses the documented resultTable shape by column name, keeping what YouTube documents', () => {
    const headers = [
      { name: 'gender', columnType: 'DIMENSION', dataType: 'STRING' },
      { name: 'ageGroup', columnType: 'DIMENSION', dataType: 'STRING' },
      { name: 'viewerPercentage', columnType: 'METRIC', dataType: 'FLOAT' },
    ];
    const report = {
      kind: 'youtubeAnalytics#resultTable',
      columnHeaders: headers,
      rows: [
        ['female', 'age25-34', 31.4],
        ['male', 'age65-', 2.1],
        ['user_specified', 'age18-24', 0.3],
        ['male', 'ageUnknown', 5],
        ['female', 'age35-44', 0],
      ],
    };
    expect(parseAgeGender(report)).toEqual({ 'F.25-34': 31.4, 'M.65+': 2.1, 'U.18-24': 0.3 });
    expect(parseAgeGender({ columnHeaders: headers })).toBeUndefined();
    expect(ageGenderKey('male', 'age13-17')).toBe('M.13-17');
    expect(ageGenderKey('other', 'age13-17')).toBeUndefined();

    const countries = { columnHeaders: [{ name: 'country' }, { name: 'views' }], rows: [['US', 600], ['GB', 300], ['ZZZ', 5], ['FR', 100]] };
    expect(parseCountries(countries)).toEqual({ US: 60, GB: 30, FR: 10 });
    expect(parseCountries(countries, 2000)).toEqual({ US: 30, GB: 15, FR: 5 });
    expect(parseCountries({ columnHeaders: [{ name: 'country' }, { name: 'views' }] })).toBeUndefined();
  });

  it('fails as permanent when the answer is not a result table', async () => {
    const broken = createYoutubeProvider({
      http: { send: async () => ({ status: 200, headers: {}, text: '{"rows":"nope"}' }), publicUrl: (u) => u },
      now: () => new Date(),
    });
    const tokens: TokenSet = { accessToken: 'ya29.t', tokenType: 'Bearer', scopes: [YT_ANALYTICS_SCOPE], obtainedAt: new Date().toISOString() };
    await expect(broken.audience!.fetch({ platformAccountId: 'UC', tokens }, CREDENTIALS)).rejects.toMatchObject({ failure: { kind: 'permanent' } });
  });

  it.each([
    ['expired_token', 'auth_expired'],
    ['rate_limited', 'rate_limited'],
    ['server_error', 'transient'],
  ] as const)('classifies %s at the first report as %s and stops there', async (fault, kind) => {
    const tokens = await connect(h, youtube, `failing.${fault}.channel`);
    h.fakes.inject('google', { kind: fault, times: 1, path: '/v2/reports' });
    const err: unknown = await audienceOf(tokens).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ProviderError', failure: { kind } });
    expect(String((err as Error).message)).not.toContain(tokens.accessToken);
    expect(h.calls(REPORTS)).toBe(1);
    if (kind === 'rate_limited') expect((err as { failure: { retryAfterSeconds?: number } }).failure.retryAfterSeconds).toBeGreaterThan(0);
  });
});
