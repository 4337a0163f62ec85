/**
 * Audience breakdowns for Instagram (follower_demographics, three breakdowns) and Facebook Pages
 * (page_follows_country / page_follows_city): the documented answer shapes, the figures and call
 * counts at the Meta fake in both Instagram logins, small accounts, and classified failures.
 */
import { capabilitiesOf } from '../../functions/core/ports/provider';
import { demographicCounts, demographicsAnswerSchema, isBelowThreshold } from '../../functions/providers/instagram/audience';
import { pageAudienceOf, pageInsightsSchema } from '../../functions/providers/facebook/audience';
import { ProviderError } from '../../functions/providers/types';
import { breakdownOf } from '../../local/fakes/meta/demographics';
import { recentPosts } from '../../local/fakes/meta/world';
import { CREDENTIALS, connectInstagram, connectPages, failureOf, metaCalls, startMeta, totalCalls, type MetaHarness } from './meta-support';

let h: MetaHarness;
beforeAll(async () => {
  h = await startMeta();
});
afterAll(() => h.close());
beforeEach(() => h.fakes.reset());

const DAY_MS = 86_400_000;
const asRecord = (rows: [string[], number][], key: (values: string[]) => string) => Object.fromEntries(rows.map(([v, n]) => [key(v), n]));

/** The Instagram breakdown the fake's model gives at `now`. */
const expectedIg = (account: string, now: Date) => ({
  unit: 'followers',
  byCountry: asRecord(breakdownOf(`${account}#ig`, now, ['country']), (v) => v[0]!),
  byCity: asRecord(breakdownOf(`${account}#ig`, now, ['city']), (v) => v[0]!),
  byAgeGender: asRecord(breakdownOf(`${account}#ig`, now, ['age', 'gender']), ([age, gender]) => `${gender}.${age}`),
});

describe('documented answer shapes', () => {
  it('reads Instagram follower_demographics: one breakdown, dimension values in dimension_keys order', () => {
    const answer = demographicsAnswerSchema.parse({
      data: [
        {
          name: 'follower_demographics',
          period: 'lifetime',
          title: 'Follower demographics',
          description: 'The demographic characteristics of followers, including countries, cities and gender distribution.',
          total_value: {
            breakdowns: [
              {
                dimension_keys: ['age', 'gender'],
                results: [
                  { dimension_values: ['18-24', 'F'], value: 5 },
                  { dimension_values: ['25-34', 'M'], value: 12 },
                ],
              },
            ],
          },
          id: '17841400008460056/insights/follower_demographics/lifetime',
        },
      ],
    });
    expect(demographicCounts(answer, 'age,gender')).toEqual({ 'F.18-24': 5, 'M.25-34': 12 });
    const countries = demographicsAnswerSchema.parse({
      data: [{ name: 'follower_demographics', total_value: { breakdowns: [{ dimension_keys: ['country'], results: [{ dimension_values: ['US'], value: 340 }, { dimension_values: ['BR'], value: 120 }] }] } }],
    });
    expect(demographicCounts(countries, 'country')).toEqual({ US: 340, BR: 120 });
  });

  it('treats an empty Instagram answer as no breakdown', () => {
    expect(demographicCounts(demographicsAnswerSchema.parse({ data: [] }), 'country')).toBeUndefined();
    expect(demographicCounts(demographicsAnswerSchema.parse({ data: [{ name: 'follower_demographics', total_value: {} }] }), 'city')).toBeUndefined();
    expect(demographicCounts(demographicsAnswerSchema.parse({ data: [{ name: 'follower_demographics', total_value: { breakdowns: [{ results: [] }] } }] }), 'city')).toBeUndefined();
    expect(() => demographicsAnswerSchema.parse({ data: [{ name: 'follower_demographics', total_value: { breakdowns: [{ results: [{ value: 'x' }] }] } }] })).toThrow();
  });

  it('takes the newest non-empty day of Page insights, and has no breakdown for data: []', () => {
    const answer = pageInsightsSchema.parse({
      data: [
        {
          name: 'page_follows_country',
          period: 'day',
          values: [
            { value: { US: 10, GB: 4 }, end_time: '2025-11-20T08:00:00+0000' },
            { value: { US: 11, GB: 5 }, end_time: '2025-11-21T08:00:00+0000' },
          ],
          title: 'Follows by country',
          id: '1234/insights/page_follows_country/day',
        },
        {
          name: 'page_follows_city',
          period: 'day',
          values: [
            { value: { 'London, England, United Kingdom': 3 }, end_time: '2025-11-20T08:00:00+0000' },
            { value: {}, end_time: '2025-11-21T08:00:00+0000' },
          ],
        },
      ],
    });
    expect(pageAudienceOf(answer)).toEqual({ unit: 'followers', byCountry: { US: 11, GB: 5 }, byCity: { 'London, England, United Kingdom': 3 } });
    expect(pageAudienceOf(pageInsightsSchema.parse({ data: [] }))).toBeUndefined();
    expect(pageAudienceOf(pageInsightsSchema.parse({ data: [{ name: 'page_follows_country', values: [{ value: {} }] }] }))).toBeUndefined();
  });

  it('tells the small-account refusal from a missing permission', () => {
    const err = (code: string, message: string) => new ProviderError('instagram', { kind: 'invalid_request', code, message });
    expect(isBelowThreshold(err('10', 'OAuthException 10: (#10) Not enough followers: follower demographics need at least 100 followers.'))).toBe(true);
    expect(isBelowThreshold(err('10', "OAuthException 10: (#10) This endpoint requires the 'instagram_manage_insights' permission."))).toBe(false);
    expect(isBelowThreshold(new ProviderError('instagram', { kind: 'auth_expired', code: '190', message: 'followers' }))).toBe(false);
  });
});

describe.each(['instagram_login', 'facebook_login'] as const)('Instagram audience with %s', (variant) => {
  const host = variant === 'instagram_login' ? 'graph.instagram.com' : 'graph.facebook.com';

  it('reads country, city and age-gender in three calls, matching the fake\'s model', async () => {
    const { tokens, accountId } = await connectInstagram(h, variant, 'studio.north');
    const before = totalCalls(h);
    const beforeInsights = metaCalls(h)[`GET ${host}/:version/:id/insights`] ?? 0;
    const expectBefore = expectedIg('studio.north', h.fakes.context.now());
    const out = await h.instagram.audience!.fetch({ platformAccountId: accountId, tokens }, CREDENTIALS);
    const expectAfter = expectedIg('studio.north', h.fakes.context.now());
    expect(totalCalls(h) - before).toBe(3);
    expect((metaCalls(h)[`GET ${host}/:version/:id/insights`] ?? 0) - beforeInsights).toBe(3);
    expect([expectBefore, expectAfter]).toContainEqual(out);
    expect(Object.keys(out!.byCity!).length).toBeGreaterThan(0);
    expect(Object.keys(out!.byAgeGender!).every((k) => /^[FMU]\.(\d+-\d+|65\+)$/.test(k))).toBe(true);
  });

  it('has no breakdown for an account under 100 followers, after one call', async () => {
    const { tokens, accountId } = await connectInstagram(h, variant, 'tiny.few-followers');
    const before = totalCalls(h);
    expect(await h.instagram.audience!.fetch({ platformAccountId: accountId, tokens }, CREDENTIALS)).toBeUndefined();
    expect(totalCalls(h) - before).toBe(1);
  });
});

describe('Instagram audience failures', () => {
  it('classifies an expired token, a throttle and a missing insights permission', async () => {
    const { tokens, accountId } = await connectInstagram(h, 'instagram_login');
    const target = { platformAccountId: accountId, tokens };
    h.fakes.inject('meta', { kind: 'expired_token', times: 1 });
    expect(await failureOf(() => h.instagram.audience!.fetch(target, CREDENTIALS))).toMatchObject({ kind: 'auth_expired', code: '190/463' });
    h.fakes.inject('meta', { kind: 'rate_limited', times: 1, retryAfterSeconds: 120 });
    expect(await failureOf(() => h.instagram.audience!.fetch(target, CREDENTIALS))).toMatchObject({ kind: 'rate_limited' });

    const basic = await connectInstagram(h, 'instagram_login', 'reach.demo', ['instagram_business_basic']);
    const denied = await failureOf(() => h.instagram.audience!.fetch({ platformAccountId: basic.accountId, tokens: basic.tokens }, CREDENTIALS));
    expect(denied).toMatchObject({ kind: 'invalid_request', code: '10' });
    expect(denied.message).not.toContain(basic.tokens.accessToken);
  });

  it('still answers media insights on the same path', async () => {
    const { tokens, accountId } = await connectInstagram(h, 'instagram_login');
    const [post] = recentPosts('reach.demo#ig', '1790', h.fakes.context.now(), 1);
    const media = await h.instagram.analytics!.fetch({ tokens, credentials: CREDENTIALS, platformAccountId: accountId, platformPostIds: [post!.id] });
    expect(media[post!.id]).toMatchObject({ likes: post!.likes, comments: post!.comments, views: post!.views });
  });
});

describe('Facebook Page audience', () => {
  it('reads country and city of the newest day in one call with the Page token, and no age or gender', async () => {
    const [page] = await connectPages(h, 'cafe.lumen');
    const before = totalCalls(h);
    const out = await h.facebook.audience!.fetch({ platformAccountId: page!.pageId, tokens: page!.tokens }, CREDENTIALS);
    expect(totalCalls(h) - before).toBe(1);
    expect(metaCalls(h)['GET graph.facebook.com/:version/:id/insights']).toBe(1);
    const today = Math.floor(h.fakes.context.now().getTime() / DAY_MS) * DAY_MS;
    const key = 'cafe.lumen#page0';
    expect(out).toEqual({
      unit: 'followers',
      byCountry: asRecord(breakdownOf(key, new Date(today - 1), ['country']), (v) => v[0]!),
      byCity: asRecord(breakdownOf(key, new Date(today - 1), ['city']), (v) => v[0]!),
    });
    expect(out).not.toHaveProperty('byAgeGender');
  });

  it('has no breakdown for a Page under 100 followers', async () => {
    const [page] = await connectPages(h, 'corner.few-followers');
    expect(await h.facebook.audience!.fetch({ platformAccountId: page!.pageId, tokens: page!.tokens }, CREDENTIALS)).toBeUndefined();
  });

  it('classifies a revoked Page token and a missing read_insights permission', async () => {
    const [page] = await connectPages(h);
    h.fakes.inject('meta', { kind: 'expired_token', times: 1 });
    expect(await failureOf(() => h.facebook.audience!.fetch({ platformAccountId: page!.pageId, tokens: page!.tokens }, CREDENTIALS))).toMatchObject({ kind: 'auth_expired' });
    const [limited] = await connectPages(h, 'reach.demo', ['pages_show_list', 'pages_read_engagement']);
    expect(await failureOf(() => h.facebook.audience!.fetch({ platformAccountId: limited!.pageId, tokens: limited!.tokens }, CREDENTIALS))).toMatchObject({
      kind: 'invalid_request',
      code: '10',
    });
  });

  it('is declared as a capability of both providers', () => {
    expect(capabilitiesOf(h.facebook)).toContain('audience');
    expect(capabilitiesOf(h.instagram)).toContain('audience');
  });
});
