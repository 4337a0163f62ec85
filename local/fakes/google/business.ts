/**
 * Google Business Profile read routes as the fake serves them (https://developers.google.com/my-business):
 *   GET mybusinessaccountmanagement.googleapis.com/v1/accounts
 *   GET mybusinessbusinessinformation.googleapis.com/v1/accounts/{a}/locations?readMask=…
 *   GET businessprofileperformance.googleapis.com/v1/locations/{l}:fetchMultiDailyMetricsTimeSeries
 * Local posts live in local-posts.ts. These APIs answer the newer Google error shape (canonical
 * `status`, `details`).
 */
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import { audienceAt, unit } from '../audience';
import type { FakeGoogleAccount, FakeGoogleDirectory, FakeLocation } from './accounts';
import { modernError, notFound, permissionDenied } from './errors';
import type { GoogleGrants } from './grants';

export interface BusinessRouteDeps {
  readonly grants: GoogleGrants;
  readonly directory: FakeGoogleDirectory;
}

const SCOPES = ['https://www.googleapis.com/auth/business.manage', 'https://www.googleapis.com/auth/plus.business.manage'];
const DAY_MS = 86_400_000;
/** Google publishes a day's figures a few days later; the most recent days carry no values yet. */
const DATA_LAG_DAYS = 2;

/** Typical daily value of each metric for a location of a 10,000-follower business. */
const DAILY_SCALE: Readonly<Record<string, number>> = {
  BUSINESS_IMPRESSIONS_DESKTOP_MAPS: 40,
  BUSINESS_IMPRESSIONS_DESKTOP_SEARCH: 60,
  BUSINESS_IMPRESSIONS_MOBILE_MAPS: 120,
  BUSINESS_IMPRESSIONS_MOBILE_SEARCH: 150,
  BUSINESS_CONVERSATIONS: 2,
  BUSINESS_DIRECTION_REQUESTS: 9,
  CALL_CLICKS: 6,
  WEBSITE_CLICKS: 12,
  BUSINESS_BOOKINGS: 1,
  BUSINESS_FOOD_ORDERS: 1,
  BUSINESS_FOOD_MENU_CLICKS: 3,
};

const READ_MASK_FIELDS = new Set([
  'name', 'title', 'storefrontAddress', 'metadata', 'phoneNumbers', 'categories', 'websiteUri', 'languageCode', 'storeCode', 'regularHours', 'profile', 'openInfo', 'latlng', 'labels', 'serviceArea',
]);

const invalid = (field: string, description: string): FakeResponse =>
  modernError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description }] },
  ]);

const pageOf = <T>(req: FakeRequest, all: readonly T[], defaultSize: number, maxSize: number): { items: T[]; next?: string } | FakeResponse => {
  const size = Number(req.query.get('pageSize') ?? defaultSize);
  if (!Number.isInteger(size) || size < 0) return invalid('page_size', 'must be a non-negative integer');
  const token = req.query.get('pageToken');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, '')) : 0;
  if (!Number.isInteger(offset) || offset < 0) return invalid('page_token', 'Invalid page token');
  const take = Math.min(size || defaultSize, maxSize);
  const items = all.slice(offset, offset + take);
  return { items, ...(offset + take < all.length && { next: Buffer.from(`offset:${offset + take}`).toString('base64url') }) };
};

const isPage = <T>(x: { items: T[]; next?: string } | FakeResponse): x is { items: T[]; next?: string } => 'items' in x;

/** `accounts.list` (https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list). */
const listAccounts = (deps: BusinessRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = deps.grants.authenticate(req, ctx.now(), SCOPES);
  if (!auth.ok) return auth.response;
  const business = auth.account.business;
  const all = business
    ? [{ name: business.name, accountName: business.accountName, type: 'LOCATION_GROUP', role: 'PRIMARY_OWNER', verificationState: 'VERIFIED', vettedState: 'NOT_VETTED' }]
    : [];
  const page = pageOf(req, all, 20, 20);
  if (!isPage(page)) return page;
  return { status: 200, body: { ...(page.items.length > 0 && { accounts: page.items }), ...(page.next && { nextPageToken: page.next }) } };
};

const locationResource = (account: FakeGoogleAccount, location: FakeLocation, index: number) => {
  const id = location.name.split('/')[1]!;
  return {
    name: location.name,
    languageCode: 'en',
    storeCode: `STORE-${index + 1}`,
    title: location.title,
    phoneNumbers: { primaryPhone: `(555) 010-${String(1000 + index).slice(-4)}` },
    categories: { primaryCategory: { name: 'categories/gcid:store', displayName: 'Store' } },
    storefrontAddress: {
      regionCode: 'US',
      languageCode: 'en',
      postalCode: String(10000 + Math.floor(unit(`${id}:zip`) * 89999)),
      administrativeArea: 'IL',
      locality: location.locality,
      addressLines: [`${1 + Math.floor(unit(`${id}:street`) * 999)} Main St`],
    },
    websiteUri: `https://example.com/${encodeURIComponent(account.name)}/${index + 1}`,
    metadata: {
      hasGoogleUpdated: false,
      hasPendingEdits: false,
      canDelete: true,
      canOperateLocalPost: location.canOperateLocalPost,
      canModifyServiceList: true,
      canHaveFoodMenus: false,
      canOperateHealthData: false,
      canOperateLodgingData: false,
      canHaveBusinessCalls: true,
      hasVoiceOfMerchant: location.canOperateLocalPost,
      ...(location.canOperateLocalPost && {
        placeId: `ChIJ${id.slice(0, 16)}`,
        mapsUri: `https://maps.google.com/maps?cid=${id}`,
        newReviewUri: `https://search.google.com/local/writereview?placeid=ChIJ${id.slice(0, 16)}`,
      }),
    },
  };
};

/** `accounts.locations.list` with its required `readMask` (https://developers.google.com/my-business/reference/businessinformation/rest/v1/accounts.locations/list). */
const listLocations = (deps: BusinessRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const auth = deps.grants.authenticate(req, ctx.now(), SCOPES);
  if (!auth.ok) return auth.response;
  const business = auth.account.business;
  if (!business || business.name !== `accounts/${req.params['account']}`) return permissionDenied(req);
  const mask = (req.query.get('readMask') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (mask.length === 0) return invalid('read_mask', 'Field is required');
  if (mask.some((f) => !READ_MASK_FIELDS.has(f.split('.')[0]!))) return invalid('read_mask', 'Invalid field mask provided');
  const all = business.locations.map((l, i) => locationResource(auth.account, l, i));
  const page = pageOf(req, all, 10, 100);
  if (!isPage(page)) return page;
  // The API returns only the fields the mask names.
  const masked = page.items.map((l) => Object.fromEntries(Object.entries(l).filter(([k]) => mask.some((f) => f.split('.')[0] === k))));
  return {
    status: 200,
    body: { ...(masked.length > 0 && { locations: masked }), ...(page.next && { nextPageToken: page.next }), totalSize: all.length },
  };
};

const rangeEdge = (q: URLSearchParams, edge: 'start' | 'end'): number | undefined => {
  const read = (part: string) => q.get(`dailyRange.${edge}Date.${part}`) ?? q.get(`daily_range.${edge}_date.${part}`);
  const [y, m, d] = [read('year'), read('month'), read('day')].map(Number);
  if (!y || !m || !d) return undefined;
  const t = Date.UTC(y, m - 1, d);
  return new Date(t).getUTCDate() === d ? t : undefined;
};

/** The fake's value of one metric on one day: grows with the audience, 0 on some days. */
const dailyValue = (account: FakeGoogleAccount, location: FakeLocation, metric: string, dayMs: number): number => {
  const scale = DAILY_SCALE[metric] ?? 1;
  const followers = audienceAt(account.name, new Date(dayMs + DAY_MS / 2)).followers;
  const r = unit(`${location.name}:${metric}:${dayMs}`);
  if (r < 0.15) return 0;
  return Math.round(scale * (followers / 10_000) * (0.4 + r));
};

/** `locations.fetchMultiDailyMetricsTimeSeries` (https://developers.google.com/my-business/reference/performance/rest/v1/locations/fetchMultiDailyMetricsTimeSeries). */
const fetchMultiDailyMetrics = (deps: BusinessRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const auth = deps.grants.authenticate(req, now, SCOPES);
  if (!auth.ok) return auth.response;
  const [locationId, method] = (req.params['call'] ?? '').split(':');
  if (method !== 'fetchMultiDailyMetricsTimeSeries') return notFound(req, 'method');
  const found = deps.directory.byLocation(`locations/${locationId}`);
  if (!found) return notFound(req, 'location');
  if (found.account.name !== auth.account.name) return permissionDenied(req);
  const metrics = req.query.getAll('dailyMetrics').flatMap((m) => m.split(','));
  if (metrics.length === 0) return invalid('daily_metrics', 'Field is required');
  const unknown = metrics.find((m) => !(m in DAILY_SCALE));
  if (unknown) return invalid('daily_metrics', `Invalid value at 'daily_metrics' (type.googleapis.com/google.mybusiness.businessperformance.v1.DailyMetric), "${unknown}"`);
  const start = rangeEdge(req.query, 'start');
  const end = rangeEdge(req.query, 'end');
  if (start === undefined || end === undefined) return invalid('daily_range', 'Field is required and must hold valid dates');
  if (start > end) return invalid('daily_range', 'start_date must not be after end_date');
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const lastWithData = today - DATA_LAG_DAYS * DAY_MS;
  const series = metrics.map((dailyMetric) => {
    const datedValues = [];
    for (let day = start; day <= end; day += DAY_MS) {
      const d = new Date(day);
      const value = day <= lastWithData ? dailyValue(found.account, found.location, dailyMetric, day) : 0;
      // A value of 0 is left out, as Google documents.
      datedValues.push({ date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, ...(value > 0 && { value: String(value) }) });
    }
    return { dailyMetric, timeSeries: { datedValues } };
  });
  return { status: 200, body: { multiDailyMetricTimeSeries: [{ dailyMetricTimeSeries: series }] } };
};

/** The Business Profile routes of the Google fake. */
export const businessRoutes = (deps: BusinessRouteDeps): FakeRoute[] => [
  { method: 'GET', host: 'mybusinessaccountmanagement.googleapis.com', path: '/v1/accounts', handler: listAccounts(deps) },
  { method: 'GET', host: 'mybusinessbusinessinformation.googleapis.com', path: '/v1/accounts/:account/locations', handler: listLocations(deps) },
  { method: 'GET', host: 'businessprofileperformance.googleapis.com', path: '/v1/locations/:call', handler: fetchMultiDailyMetrics(deps) },
];
