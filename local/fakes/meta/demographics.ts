/**
 * Audience breakdowns in the Meta fake, derived deterministically from the account name and the
 * fakes' clock (the totals follow `../audience.ts`):
 * - Instagram `GET /{ig-user-id}/insights?metric=follower_demographics&period=lifetime&metric_type=total_value&breakdown=…`
 *   (https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights):
 *   `total_value.breakdowns[0].results[{dimension_values, value}]`, the top 45 values; accounts
 *   under 100 followers are refused (the error's wording is the fake's own: Meta does not
 *   document it);
 * - Page `GET /{page-id}/insights?metric=page_follows_country,page_follows_city&period=day`
 *   (https://developers.facebook.com/docs/graph-api/reference/insights): a daily series of
 *   `{value:{key:count}, end_time}` per metric, with a Page token; Pages under 100 followers
 *   answer `data: []`; the retired `page_fans_*` metrics are refused.
 *
 * Account names containing `few-followers` have 42 followers for demographics' sake, to exercise
 * the threshold.
 */
import type { FakeContext, FakeRequest, FakeResponse } from '../framework';
import { audienceAt, unit } from '../audience';
import { GraphFailure, requireScopes, type GraphCall } from './graph-call';
import { graphError } from './responses';
import type { Subject } from './state';
import { metaTime, type FakePage, type FakePerson } from './world';

/** Meta's floor for audience figures (Instagram demographics, Page insights). */
export const DEMOGRAPHICS_MIN_FOLLOWERS = 100;
/** Instagram reports only the top 45 values of a breakdown. */
export const TOP_RESULTS = 45;

const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'BR', 'IN', 'CA', 'AU', 'ES', 'IT', 'MX', 'NL', 'SE', 'JP', 'PL', 'TR', 'AR', 'ZA', 'NG', 'ID'];
const CITIES = [
  'New York, New York',
  'Los Angeles, California',
  'London, England',
  'Berlin, Berlin',
  'Paris, Île-de-France',
  'São Paulo, São Paulo',
  'Mumbai, Maharashtra',
  'Toronto, Ontario',
  'Sydney, New South Wales',
  'Madrid, Comunidad de Madrid',
  'Milan, Lombardy',
  'Mexico City, Distrito Federal',
  'Amsterdam, North Holland',
  'Chicago, Illinois',
  'Manchester, England',
];
const AGES = ['13-17', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'];
const GENDERS = ['F', 'M', 'U'];

/** Followers the breakdowns add up to (`few-followers` names stay under the threshold). */
export const demographicTotal = (key: string, now: Date): number => (key.includes('few-followers') ? 42 : audienceAt(key, now).followers);

/** Splits `total` over `labels` with stable weights; the largest first, zeros left out. */
const split = (key: string, labels: readonly string[], total: number): [string, number][] => {
  // Squared weights give a few dominant values, as real audiences have.
  const weights = labels.map((l) => Math.pow(0.05 + unit(`${key}:${l}`), 2));
  const sum = weights.reduce((a, b) => a + b, 0);
  return labels
    .map((l, i): [string, number] => [l, Math.floor((total * weights[i]!) / sum)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
};

/** The follower counts of one breakdown (`country`, `city`, `age`, `gender`, `age,gender`), by dimension values. */
export const breakdownOf = (key: string, now: Date, dimensions: readonly string[]): [string[], number][] => {
  const total = demographicTotal(key, now);
  const labelsOf = (d: string): readonly string[] => (d === 'country' ? COUNTRIES : d === 'city' ? CITIES : d === 'age' ? AGES : GENDERS);
  // Cities hold only part of the followers (the rest live elsewhere).
  const share = dimensions.length === 1 && dimensions[0] === 'city' ? 0.6 : 1;
  let combos: string[][] = [[]];
  for (const d of dimensions) combos = combos.flatMap((c) => labelsOf(d).map((l) => [...c, l]));
  return split(`${key}:${dimensions.join('+')}`, combos.map((c) => c.join('|')), Math.round(total * share))
    .slice(0, TOP_RESULTS)
    .map(([label, n]) => [label.split('|'), n]);
};

const bad = (message: string): never => {
  throw new GraphFailure(graphError(400, { message, code: 100 }));
};

const IG_SCOPES = {
  'graph.instagram.com': ['instagram_business_basic', 'instagram_business_manage_insights'],
  'graph.facebook.com': ['instagram_basic', 'instagram_manage_insights', 'pages_read_engagement'],
} as const;
const IG_ACCOUNT_METRICS = ['follower_demographics', 'engaged_audience_demographics', 'reach', 'views', 'follower_count'];
const IG_DIMENSIONS = new Set(['country', 'city', 'age', 'gender']);

/** `follower_demographics` of an Instagram account. */
const igDemographics = (host: keyof typeof IG_SCOPES, subject: Subject, person: FakePerson, req: FakeRequest, now: Date, call: GraphCall): FakeResponse => {
  requireScopes(subject, ...IG_SCOPES[host]);
  const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
  if (throttled) return throttled;
  const metric = req.query.get('metric') ?? '';
  if (metric === '') bad('(#100) The parameter metric is required.');
  if (metric !== 'follower_demographics') bad(`(#100) metric[0] must be one of the following values: ${IG_ACCOUNT_METRICS.join(', ')}`);
  if (req.query.get('period') !== 'lifetime') bad('(#100) follower_demographics only supports the lifetime period.');
  if (req.query.get('metric_type') !== 'total_value') bad('(#100) follower_demographics requires metric_type=total_value.');
  const dimensions = (req.query.get('breakdown') ?? '').split(',').map((d) => d.trim()).filter(Boolean);
  if (dimensions.length === 0 || dimensions.some((d) => !IG_DIMENSIONS.has(d))) bad('(#100) breakdown must be one or more of: age, city, country, gender');
  const key = `${person.name}#ig`;
  if (demographicTotal(key, now) < DEMOGRAPHICS_MIN_FOLLOWERS) {
    throw new GraphFailure(graphError(400, { message: '(#10) Not enough followers: follower demographics need at least 100 followers.', code: 10 }));
  }
  return {
    status: 200,
    body: {
      data: [
        {
          name: 'follower_demographics',
          period: 'lifetime',
          title: 'Follower demographics',
          description: 'The demographic characteristics of followers, including countries, cities and gender distribution.',
          total_value: {
            breakdowns: [
              { dimension_keys: dimensions, results: breakdownOf(key, now, dimensions).map(([values, value]) => ({ dimension_values: values, value })) },
            ],
          },
          id: `${person.igUserId}/insights/follower_demographics/lifetime`,
        },
      ],
    },
  };
};

const PAGE_BREAKDOWN_METRICS: Readonly<Record<string, string>> = { page_follows_country: 'country', page_follows_city: 'city' };
const DAY_MS = 86_400_000;
/** Page insights' days end at midnight Pacific, which Graph writes as 07:00 or 08:00 UTC. */
const dayEnd = (dayStartMs: number): string => metaTime(new Date(dayStartMs + 7 * 3_600_000));

/** `page_follows_country` / `page_follows_city` of a Page: the last two complete days. */
const pageDemographics = (subject: Subject, page: FakePage, req: FakeRequest, now: Date, call: GraphCall): FakeResponse => {
  if (subject.kind !== 'page' || subject.page.id !== page.id) {
    throw new GraphFailure(graphError(400, { message: '(#190) This method must be called with a Page Access Token', code: 190 }));
  }
  requireScopes(subject, 'read_insights', 'pages_read_engagement');
  const throttled = call.admit({ id: page.id, type: 'pages' });
  if (throttled) return throttled;
  const names = (req.query.get('metric') ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  if (names.length === 0) {
    throw new GraphFailure(graphError(400, { message: '(#3001) No metric was specified to be fetched. Please specify one or more metrics to be fetched and try again.', code: 3001, subcode: 1504028 }));
  }
  const unknown = names.find((n) => PAGE_BREAKDOWN_METRICS[n] === undefined);
  if (unknown !== undefined) bad(`(#100) The value must be a valid insights metric: ${unknown}`);
  if (req.query.get('period') !== 'day') bad('(#100) page_follows_country and page_follows_city only support period=day.');
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  if (demographicTotal(page.audienceKey, new Date(today - 1)) < DEMOGRAPHICS_MIN_FOLLOWERS) return { status: 200, body: { data: [] } };
  return {
    status: 200,
    body: {
      data: names.map((name) => ({
        name,
        period: 'day',
        values: [today - DAY_MS, today].map((end) => ({
          value: Object.fromEntries(breakdownOf(page.audienceKey, new Date(end - 1), [PAGE_BREAKDOWN_METRICS[name]!]).map(([[k], n]) => [k!, n])),
          end_time: dayEnd(end),
        })),
        title: name === 'page_follows_country' ? 'Follows by country' : 'Follows by city',
        description: `Daily: the number of people following the Page, by ${PAGE_BREAKDOWN_METRICS[name]}`,
        id: `${page.id}/insights/${name}/day`,
      })),
    },
  };
};

/**
 * Answers `GET /{id}/insights` when `id` is an Instagram account or a Page the token reaches;
 * undefined for anything else (media insights are answered elsewhere).
 */
export const accountInsights = (
  host: keyof typeof IG_SCOPES,
  subject: Subject,
  req: FakeRequest,
  ctx: FakeContext,
  call: GraphCall,
): FakeResponse | undefined => {
  const id = req.params['id'] ?? '';
  const p = subject.person;
  const now = ctx.now();
  const ownIg = subject.kind === 'ig' ? id === 'me' || id === p.igUserId || id === p.igScopedId : p.pages.some((pg) => pg.igUserId === id);
  if (ownIg) return igDemographics(host, subject, p, req, now, call);
  const page = host === 'graph.facebook.com' ? p.pages.find((pg) => pg.id === id) : undefined;
  return page ? pageDemographics(subject, page, req, now, call) : undefined;
};
