/**
 * The Google Business Profile provider against the Google fake: locations as accounts (paged,
 * filtered), daily location metrics (values as strings, left out when 0), one call per location,
 * per-target failures, and faults in the newer Google error shape.
 */
import { accountFor } from '../../local/fakes/google/accounts';
import type { HttpClient } from '../../functions/providers/http';
import { createGoogleBusinessProvider } from '../../functions/providers/google-business';
import { DAILY_METRICS, locationOf, metricsWindow, multiDailyMetricsSchema, toBusinessSnapshot } from '../../functions/providers/google-business/metrics';
import type { Provider } from '../../functions/providers/types';
import { createYoutubeProvider } from '../../functions/providers/youtube';
import type { TokenSet } from '../../functions/core/model/tokens';
import { CREDENTIALS, REDIRECT_URI, atNoon, connect, consent, startGoogle, type GoogleHarness } from './google-helpers';

const ACCOUNTS = 'GET mybusinessaccountmanagement.googleapis.com/v1/accounts';
const LOCATIONS = 'GET mybusinessbusinessinformation.googleapis.com/v1/accounts/:account/locations';
const PERFORMANCE = 'GET businessprofileperformance.googleapis.com/v1/locations/:call';

/** `accounts/{a}/locations/{l}` of a fake account's postable locations. */
const locationIds = (name: string): string[] => {
  const b = accountFor(name).business!;
  return b.locations.filter((l) => l.canOperateLocalPost).map((l) => `${b.name}/${l.name}`);
};

describe('Google Business Profile provider', () => {
  let h: GoogleHarness;
  let gbp: Provider;

  beforeAll(async () => {
    h = await startGoogle();
    gbp = h.provider(createGoogleBusinessProvider);
  });
  afterAll(() => h.close());
  beforeEach(() => h.fakes.reset());

  describe('manifest', () => {
    it('says Business Profile has no followers, and why', () => {
      const m = gbp.manifest;
      expect(m.id).toBe('google_business');
      expect(m.accountTypes).toEqual(['location']);
      expect(m.metrics).toEqual({ followers: false, following: false, posts: false, views: true, verified: false, demographics: false });
      expect(m.limitations.some((l) => /no followers/.test(l))).toBe(true);
      expect(m.quotas).toEqual(expect.arrayContaining([expect.objectContaining({ limit: '300 requests per minute' })]));
      expect(m.oauth.defaultScopes).toEqual(['https://www.googleapis.com/auth/business.manage']);
      expect(gbp.metrics?.batchSize).toBe(1);
    });
  });

  describe('the full dance', () => {
    it('consents, lists postable locations, reads metrics, refreshes and revokes', async () => {
      const c = await consent(h, gbp, { account: 'corner.bakery' });
      const tokens = await gbp.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params });
      expect(tokens.scopes).toEqual(['https://www.googleapis.com/auth/business.manage']);

      const accounts = await gbp.accounts.list({ tokens, credentials: CREDENTIALS });
      expect(accounts).toEqual(
        locationIds('corner.bakery').map((id, i) => ({ platformAccountId: id, displayName: `corner.bakery store #${i + 1}`, accountType: 'location' })),
      );
      expect(accounts.map((a) => a.displayName)).not.toContain('corner.bakery (unverified listing)');

      const outcomes = await gbp.metrics!.fetch(accounts.map((a) => ({ platformAccountId: a.platformAccountId, tokens })), CREDENTIALS);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(h.calls(PERFORMANCE)).toBe(accounts.length);

      const refreshed = await gbp.oauth.refresh!({ tokens, credentials: CREDENTIALS });
      expect(refreshed.refreshToken).toBe(tokens.refreshToken);
      expect(await gbp.accounts.list({ tokens: refreshed, credentials: CREDENTIALS })).toEqual(accounts);
      expect(await gbp.oauth.revoke!({ tokens: refreshed, credentials: CREDENTIALS })).toEqual({ revoked: true });
      await expect(gbp.accounts.list({ tokens: refreshed, credentials: CREDENTIALS })).rejects.toMatchObject({ failure: { kind: 'auth_expired' } });
    });
  });

  describe('accounts.list', () => {
    it('pages through 150 locations (1 accounts call, 2 locations calls)', async () => {
      const tokens = await connect(h, gbp, 'chain.locations150');
      const accounts = await gbp.accounts.list({ tokens, credentials: CREDENTIALS });
      expect(accounts).toHaveLength(150);
      expect(new Set(accounts.map((a) => a.platformAccountId)).size).toBe(150);
      expect(h.calls(ACCOUNTS)).toBe(1);
      expect(h.calls(LOCATIONS)).toBe(2);
    });

    it('returns no accounts for a Google account without a Business Profile', async () => {
      const tokens = await connect(h, gbp, 'solo.nobusiness');
      expect(await gbp.accounts.list({ tokens, credentials: CREDENTIALS })).toEqual([]);
      expect(h.calls(LOCATIONS)).toBe(0);
    });

    it('refuses a token without business.manage as invalid_request', async () => {
      const tokens = await connect(h, h.provider(createYoutubeProvider), 'video.only');
      await expect(gbp.accounts.list({ tokens, credentials: CREDENTIALS })).rejects.toMatchObject({
        failure: { kind: 'invalid_request', code: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' },
      });
    });
  });

  describe('metrics.fetch', () => {
    it('sums each daily metric over the window, as an independent reading of the fake shows', async () => {
      const clock = atNoon(h);
      const provider = createGoogleBusinessProvider({ http: h.http, now: clock });
      const tokens = await connect(h, provider, 'busy.cafe');
      const [id] = locationIds('busy.cafe');
      const [outcome] = await provider.metrics!.fetch([{ platformAccountId: id!, tokens }], CREDENTIALS);
      if (!outcome?.ok) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);

      // Read the same window straight from the fake and add it up here.
      const today = clock();
      const day = (offset: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - offset));
      const url = new URL(`${h.fakes.baseUrl}/businessprofileperformance.googleapis.com/v1/${locationOf(id!)}:fetchMultiDailyMetricsTimeSeries`);
      for (const m of Object.keys(DAILY_METRICS)) url.searchParams.append('dailyMetrics', m);
      for (const [edge, d] of [['start', day(7)], ['end', day(1)]] as const) {
        url.searchParams.set(`daily_range.${edge}_date.year`, String(d.getUTCFullYear()));
        url.searchParams.set(`daily_range.${edge}_date.month`, String(d.getUTCMonth() + 1));
        url.searchParams.set(`daily_range.${edge}_date.day`, String(d.getUTCDate()));
      }
      const raw = (await (await fetch(url, { headers: { authorization: `Bearer ${tokens.accessToken}` } })).json()) as {
        multiDailyMetricTimeSeries: { dailyMetricTimeSeries: { dailyMetric: string; timeSeries: { datedValues: { value?: string }[] } }[] }[];
      };
      const sum = (...metrics: string[]) =>
        raw.multiDailyMetricTimeSeries[0]!.dailyMetricTimeSeries.filter((s) => metrics.includes(s.dailyMetric)).reduce(
          (acc, s) => acc + s.timeSeries.datedValues.reduce((a, v) => a + Number(v.value ?? 0), 0),
          0,
        );
      const impressions = sum('BUSINESS_IMPRESSIONS_DESKTOP_MAPS', 'BUSINESS_IMPRESSIONS_MOBILE_MAPS', 'BUSINESS_IMPRESSIONS_DESKTOP_SEARCH', 'BUSINESS_IMPRESSIONS_MOBILE_SEARCH');
      expect(impressions).toBeGreaterThan(0);
      expect(outcome.snapshot).toEqual({
        views: impressions,
        extra: {
          websiteClicks: sum('WEBSITE_CLICKS'),
          callClicks: sum('CALL_CLICKS'),
          directionRequests: sum('BUSINESS_DIRECTION_REQUESTS'),
          conversations: sum('BUSINESS_CONVERSATIONS'),
          bookings: sum('BUSINESS_BOOKINGS'),
          impressionsMaps: sum('BUSINESS_IMPRESSIONS_DESKTOP_MAPS', 'BUSINESS_IMPRESSIONS_MOBILE_MAPS'),
          impressionsSearch: sum('BUSINESS_IMPRESSIONS_DESKTOP_SEARCH', 'BUSINESS_IMPRESSIONS_MOBILE_SEARCH'),
          impressions,
        },
      });
      expect(outcome.snapshot.followers).toBeUndefined();
    });

    it('sends the documented request: repeated dailyMetrics and the date range of the last 7 days', async () => {
      const urls: string[] = [];
      const http: HttpClient = {
        publicUrl: (u) => u,
        send: async (req) => {
          urls.push(req.url);
          return { status: 200, headers: {}, text: '{"multiDailyMetricTimeSeries":[]}' };
        },
      };
      const provider = createGoogleBusinessProvider({ http, now: () => new Date('2026-03-01T10:00:00Z') });
      const tokens: TokenSet = { accessToken: 'ya29.x', scopes: [], obtainedAt: '2026-03-01T00:00:00Z' };
      const [outcome] = await provider.metrics!.fetch([{ platformAccountId: 'accounts/1/locations/456', tokens }], CREDENTIALS);
      expect(outcome).toMatchObject({ ok: true, snapshot: { views: 0 } });
      const url = new URL(urls[0]!);
      expect(`${url.origin}${url.pathname}`).toBe('https://businessprofileperformance.googleapis.com/v1/locations/456:fetchMultiDailyMetricsTimeSeries');
      expect(url.searchParams.getAll('dailyMetrics')).toEqual(Object.keys(DAILY_METRICS));
      const range = Object.fromEntries([...url.searchParams].filter(([k]) => k.startsWith('dailyRange')));
      expect(range).toEqual({
        'dailyRange.startDate.year': '2026',
        'dailyRange.startDate.month': '2',
        'dailyRange.startDate.day': '22',
        'dailyRange.endDate.year': '2026',
        'dailyRange.endDate.month': '2',
        'dailyRange.endDate.day': '28',
      });
    });

    it('fails only the location the user may not see, and one with a malformed id without a call', async () => {
      const mine = await connect(h, gbp, 'own.shop');
      await connect(h, gbp, 'other.shop');
      const theirs = locationIds('other.shop')[0]!;
      const outcomes = await gbp.metrics!.fetch(
        [
          { platformAccountId: locationIds('own.shop')[0]!, tokens: mine },
          { platformAccountId: theirs, tokens: mine },
          { platformAccountId: 'locations/789', tokens: mine },
        ],
        CREDENTIALS,
      );
      expect(outcomes[0]).toMatchObject({ ok: true });
      expect(outcomes[1]).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: 'PERMISSION_DENIED' } });
      expect(outcomes[2]).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: 'bad_location_name' } });
      expect(h.calls(PERFORMANCE)).toBe(2);
    });
  });

  describe('injected faults (newer Google error shape)', () => {
    const fetchOne = async (tokens: TokenSet) =>
      (await gbp.metrics!.fetch([{ platformAccountId: locationIds('fault.shop')[0]!, tokens }], CREDENTIALS))[0]!;

    it('reads 429 RESOURCE_EXHAUSTED with the wait from RetryInfo', async () => {
      const tokens = await connect(h, gbp, 'fault.shop');
      h.fakes.inject('google', { kind: 'rate_limited', path: '/v1/locations/', times: 1, retryAfterSeconds: 17 });
      expect(await fetchOne(tokens)).toMatchObject({ ok: false, failure: { kind: 'rate_limited', code: 'RATE_LIMIT_EXCEEDED', retryAfterSeconds: 17 } });
    });

    it('reads 503 UNAVAILABLE as transient', async () => {
      const tokens = await connect(h, gbp, 'fault.shop');
      h.fakes.inject('google', { kind: 'server_error', path: '/v1/locations/', times: 1 });
      expect(await fetchOne(tokens)).toMatchObject({ ok: false, failure: { kind: 'transient', code: 'UNAVAILABLE' } });
    });

    it('reads an expired token as auth_expired', async () => {
      const tokens = await connect(h, gbp, 'fault.shop');
      h.fakes.inject('google', { kind: 'expired_token', path: '/v1/locations/', times: 1 });
      expect(await fetchOne(tokens)).toMatchObject({ ok: false, failure: { kind: 'auth_expired', code: 'ACCESS_TOKEN_EXPIRED' } });
    });

    it('reads a token the fakes’ clock let expire as auth_expired', async () => {
      const tokens = await connect(h, gbp, 'fault.shop');
      h.fakes.advanceClock(3600);
      expect(await fetchOne(tokens)).toMatchObject({ ok: false, failure: { kind: 'auth_expired' } });
    });
  });

  describe('the fake', () => {
    it('requires a readMask on locations.list, as the real API does', async () => {
      const tokens = await connect(h, gbp, 'mask.shop');
      const account = accountFor('mask.shop').business!.name;
      const res = await fetch(`${h.fakes.baseUrl}/mybusinessbusinessinformation.googleapis.com/v1/${account}/locations`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', details: [{ fieldViolations: [{ field: 'read_mask' }] }] } });
    });

    it('returns only the fields the readMask names', async () => {
      const tokens = await connect(h, gbp, 'mask.shop');
      const account = accountFor('mask.shop').business!.name;
      const res = await fetch(`${h.fakes.baseUrl}/mybusinessbusinessinformation.googleapis.com/v1/${account}/locations?readMask=name,title`, {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      const body = (await res.json()) as { locations: Record<string, unknown>[] };
      expect(body.locations.every((l) => Object.keys(l).sort().join() === 'name,title')).toBe(true);
    });

    it('lists a location’s live local posts', async () => {
      const tokens = await connect(h, gbp, 'post.shop');
      const [id] = locationIds('post.shop');
      const res = await fetch(`${h.fakes.baseUrl}/mybusiness.googleapis.com/v4/${id}/localPosts`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
      const body = (await res.json()) as { localPosts: { name: string; state: string }[] };
      expect(body.localPosts).toHaveLength(3);
      expect(body.localPosts.every((p) => p.state === 'LIVE' && p.name.startsWith(`${id}/localPosts/`))).toBe(true);
    });

    it('answers 401 UNAUTHENTICATED without a token, in the newer shape', async () => {
      const res = await fetch(`${h.fakes.baseUrl}/mybusinessaccountmanagement.googleapis.com/v1/accounts`);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED', details: [{ reason: 'CREDENTIALS_MISSING' }] } });
    });
  });

  describe('pure helpers', () => {
    it('toBusinessSnapshot treats a missing value as 0 and ignores metrics it does not know', () => {
      const answer = multiDailyMetricsSchema.parse({
        multiDailyMetricTimeSeries: [
          {
            dailyMetricTimeSeries: [
              { dailyMetric: 'WEBSITE_CLICKS', timeSeries: { datedValues: [{ date: { year: 2026, month: 1, day: 1 }, value: '12' }, { date: { year: 2026, month: 1, day: 2 } }] } },
              { dailyMetric: 'BUSINESS_IMPRESSIONS_MOBILE_MAPS', timeSeries: { datedValues: [{ date: { year: 2026, month: 1, day: 1 }, value: '100' }] } },
              { dailyMetric: 'BUSINESS_IMPRESSIONS_DESKTOP_SEARCH', timeSeries: { datedValues: [{ date: { year: 2026, month: 1, day: 1 }, value: '5' }] } },
              { dailyMetric: 'BUSINESS_FOOD_MENU_CLICKS', timeSeries: { datedValues: [{ date: { year: 2026, month: 1, day: 1 }, value: '9' }] } },
              { dailyMetric: 'CALL_CLICKS', timeSeries: {} },
            ],
          },
        ],
      });
      expect(toBusinessSnapshot(answer)).toEqual({
        views: 105,
        extra: { websiteClicks: 12, callClicks: 0, directionRequests: 0, conversations: 0, bookings: 0, impressionsMaps: 100, impressionsSearch: 5, impressions: 105 },
      });
    });

    it('refuses values that are not int64 strings', () => {
      expect(multiDailyMetricsSchema.safeParse({ multiDailyMetricTimeSeries: [{ dailyMetricTimeSeries: [{ dailyMetric: 'CALL_CLICKS', timeSeries: { datedValues: [{ value: 3 }] } }] }] }).success).toBe(false);
    });

    it('metricsWindow covers the 7 complete UTC days before today', () => {
      const { start, end } = metricsWindow(new Date('2026-01-03T23:59:59Z'));
      expect([start.toISOString(), end.toISOString()]).toEqual(['2025-12-27T00:00:00.000Z', '2026-01-02T00:00:00.000Z']);
    });

    it('locationOf keeps only well-formed location ids', () => {
      expect(locationOf('accounts/12/locations/34')).toBe('locations/34');
      expect(locationOf('locations/34')).toBeUndefined();
      expect(locationOf('accounts/12/locations/34/extra')).toBeUndefined();
    });
  });
});
