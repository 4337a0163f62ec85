/**
 * YouTube Analytics `reports.query` as the fake serves it
 * (https://developers.google.com/youtube/analytics/reference/reports/query):
 *   GET youtubeanalytics.googleapis.com/v2/reports?ids=channel==MINE&startDate&endDate&metrics[&dimensions=day|video|country|ageGroup,gender][&filters=video==a,b][&sort][&maxResults]
 * Figures are spread from each video's lifetime counts over its first 30 days, so that daily and
 * per-video reports agree with each other and with `videos.list`. Audience reports (country, age
 * group and gender) are answered by demographics.ts from the same totals.
 */
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import { audienceAt } from '../audience';
import { audienceReport, isAudienceDimension } from './demographics';
import type { FakeGoogleAccount, FakeVideo } from './accounts';
import { classicError, permissionDenied } from './errors';
import type { GoogleGrants } from './grants';
import { YOUTUBE_READ_SCOPES } from './youtube';

const ANALYTICS_SCOPES = [
  ...YOUTUBE_READ_SCOPES,
  'https://www.googleapis.com/auth/yt-analytics.readonly',
  'https://www.googleapis.com/auth/yt-analytics-monetary.readonly',
];

const DAY_MS = 86_400_000;
const SPREAD_DAYS = 30;

type Totals = Record<string, number>;
const METRICS: Record<string, (t: { views: number; likes: number; comments: number; gained: number; lost: number }) => number> = {
  views: (t) => t.views,
  likes: (t) => t.likes,
  comments: (t) => t.comments,
  shares: (t) => Math.round(t.likes * 0.05),
  estimatedMinutesWatched: (t) => Math.round(t.views * 2.5),
  averageViewDuration: (t) => (t.views > 0 ? 150 : 0),
  subscribersGained: (t) => t.gained,
  subscribersLost: (t) => t.lost,
};

const badRequest = (message: string, reason = 'badRequest'): FakeResponse =>
  classicError(400, message, [{ message, domain: 'global', reason }], 'INVALID_ARGUMENT');

const parseDay = (value: string | null): number | undefined => {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const t = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(t) ? undefined : t;
};

/** A video's share of its lifetime counts on the day starting at `dayMs`. */
const dayShare = (v: FakeVideo, dayMs: number, now: Date): { views: number; likes: number; comments: number } => {
  const published = Date.parse(v.publishedAt);
  const age = Math.floor((dayMs - Math.floor(published / DAY_MS) * DAY_MS) / DAY_MS);
  if (age < 0 || age >= SPREAD_DAYS || dayMs > now.getTime()) return { views: 0, likes: 0, comments: 0 };
  return { views: Math.round(v.views / SPREAD_DAYS), likes: Math.round(v.likes / SPREAD_DAYS), comments: Math.round(v.comments / SPREAD_DAYS) };
};

const totalsFor = (account: FakeGoogleAccount, videos: readonly FakeVideo[], from: number, to: number, now: Date, withSubscribers: boolean): Totals => {
  const t = { views: 0, likes: 0, comments: 0, gained: 0, lost: 0 };
  for (let day = from; day <= to; day += DAY_MS) {
    for (const v of videos) {
      const s = dayShare(v, day, now);
      t.views += s.views;
      t.likes += s.likes;
      t.comments += s.comments;
    }
    if (withSubscribers) {
      const delta = audienceAt(account.name, new Date(day + DAY_MS - 1)).followers - audienceAt(account.name, new Date(day - 1)).followers;
      t.gained += Math.max(0, delta) + Math.round(Math.abs(delta) * 0.1);
      t.lost += Math.max(0, -delta) + Math.round(Math.abs(delta) * 0.1);
    }
  }
  return Object.fromEntries(Object.entries(METRICS).map(([name, f]) => [name, f(t)]));
};

/** The channel's videos the owner's reports cover (its earlier videos and those uploaded through the fake). */
export type ChannelVideos = (account: FakeGoogleAccount, now: Date) => FakeVideo[];

const reports = (grants: GoogleGrants, videosOf: ChannelVideos) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const auth = grants.authenticate(req, now, ANALYTICS_SCOPES);
  if (!auth.ok) return auth.response;
  const q = req.query;
  for (const name of ['ids', 'startDate', 'endDate', 'metrics']) if (!q.get(name)) return badRequest(`Required parameter: ${name}`, 'required');
  const channel = auth.account.channel;
  const ids = q.get('ids')!;
  if (!channel || (ids !== 'channel==MINE' && ids !== `channel==${channel.id}`)) return permissionDenied(req);
  const from = parseDay(q.get('startDate'));
  const to = parseDay(q.get('endDate'));
  if (from === undefined || to === undefined || from > to) return badRequest('The query is not supported. startDate and endDate must be YYYY-MM-DD, start first.');
  const metrics = q.get('metrics')!.split(',').filter(Boolean);
  const dimension = q.get('dimensions') ?? '';

  let videos = videosOf(auth.account, now);
  const filter = /^video==(.+)$/.exec(q.get('filters') ?? '');
  if (filter?.[1]) {
    const wanted = new Set(filter[1].split(','));
    videos = videos.filter((v) => wanted.has(v.id));
  }
  if (isAudienceDimension(dimension)) {
    const totals = totalsFor(auth.account, videos, from, to, now, filter === null);
    return audienceReport({ accountName: auth.account.name, dimensions: dimension, metrics, totals, sort: q.get('sort'), maxResults: Number(q.get('maxResults') ?? '0') });
  }
  const unknown = metrics.find((m) => !(m in METRICS));
  if (unknown) return badRequest(`Unknown identifier (${unknown}) given in field parameters.metrics.`);
  if (!['', 'day', 'video'].includes(dimension)) return badRequest('The query is not supported.');
  let rows: (string | number)[][];
  if (dimension === 'day') {
    rows = [];
    for (let day = from; day <= to; day += DAY_MS) {
      const t = totalsFor(auth.account, videos, day, day, now, filter === null);
      rows.push([new Date(day).toISOString().slice(0, 10), ...metrics.map((m) => t[m] ?? 0)]);
    }
  } else if (dimension === 'video') {
    rows = videos.map((v) => {
      const t = totalsFor(auth.account, [v], from, to, now, false);
      return [v.id, ...metrics.map((m) => t[m] ?? 0)];
    });
    rows = rows.filter((r) => r.slice(1).some((x) => x !== 0));
  } else {
    const t = totalsFor(auth.account, videos, from, to, now, filter === null);
    rows = [metrics.map((m) => t[m] ?? 0)];
  }
  const sort = q.get('sort');
  if (sort) {
    const desc = sort.startsWith('-');
    const col = (dimension ? [dimension] : []).concat(metrics).indexOf(sort.replace(/^-/, ''));
    if (col < 0) return badRequest(`Unknown identifier (${sort}) given in field parameters.sort.`);
    rows.sort((a, b) => (Number(a[col]) - Number(b[col])) * (desc ? -1 : 1));
  }
  const maxResults = Number(q.get('maxResults') ?? '0');
  if (maxResults > 0) rows = rows.slice(0, maxResults);
  return {
    status: 200,
    body: {
      kind: 'youtubeAnalytics#resultTable',
      columnHeaders: [
        ...(dimension ? [{ name: dimension, columnType: 'DIMENSION', dataType: 'STRING' }] : []),
        ...metrics.map((name) => ({ name, columnType: 'METRIC', dataType: 'INTEGER' })),
      ],
      ...(rows.length > 0 && { rows }),
    },
  };
};

/** The YouTube Analytics route of the Google fake. */
export const analyticsRoutes = (grants: GoogleGrants, videosOf: ChannelVideos): FakeRoute[] => [
  { method: 'GET', host: 'youtubeanalytics.googleapis.com', path: '/v2/reports', handler: reports(grants, videosOf) },
];
