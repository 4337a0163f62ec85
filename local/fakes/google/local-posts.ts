/**
 * Business Profile local posts as the fake serves them
 * (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts):
 *   POST   mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/localPosts        create → PROCESSING
 *   GET    mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/localPosts        list, newest first
 *   GET    mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/localPosts/{id}   get
 *   DELETE mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/localPosts/{id}   delete → {}
 *
 * A new post is `PROCESSING` while Google reviews it: until it was read `pollsToLive` times or
 * `reviewSeconds` of the fakes' clock passed. It then goes `LIVE`, or `REJECTED` when Google could
 * not fetch its media or its summary matches the configured policy pattern. Creates and deletes
 * count against the 10 edits per minute per location (https://developers.google.com/my-business/content/limits).
 */
import { randomBytes } from 'node:crypto';
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import { unit } from '../audience';
import type { FakeGoogleDirectory } from './accounts';
import { errorInfo, modernError, notFound, permissionDenied } from './errors';
import type { GoogleGrants } from './grants';
import type { FakeHub } from './hub';

const SCOPES = ['https://www.googleapis.com/auth/business.manage', 'https://www.googleapis.com/auth/plus.business.manage'];
const DAY_MS = 86_400_000;
const EDIT_WINDOW_MS = 60_000;
const TOPICS = new Set(['STANDARD', 'EVENT', 'OFFER', 'ALERT']);
const ACTIONS = new Set(['BOOK', 'ORDER', 'SHOP', 'LEARN_MORE', 'SIGN_UP', 'CALL', 'GET_OFFER']);
/** Phone numbers Google refuses: ten or more digits in one run of digits and separators. */
const PHONE = /\+?\(?\d[\d\s().-]{8,}\d/g;

export interface LocalPostSettings {
  readonly pollsToLive: number;
  readonly reviewSeconds: number;
  readonly editsPerMinute: number;
  /** Summaries Google's review refuses (content policy); none by default. */
  readonly rejectSummaries?: RegExp;
}

export interface FakeLocalPost {
  readonly name: string;
  readonly location: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly createTimeMs: number;
  polls: number;
  /** Whether Google could fetch every media `sourceUrl` (undefined while it is still trying). */
  mediaOk?: boolean;
}

export interface LocalPostRouteDeps {
  readonly grants: GoogleGrants;
  readonly directory: FakeGoogleDirectory;
  readonly settings: LocalPostSettings;
  /** Runs background work (media fetches) so that tests can wait for it. */
  readonly background: Pick<FakeHub, 'track'>;
}

const invalid = (field: string, description: string): FakeResponse =>
  modernError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description }] },
  ]);

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

const httpUrl = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

/** Checks a LocalPost body as the API does; undefined when it is acceptable. */
const problemOf = (body: Record<string, unknown>): FakeResponse | undefined => {
  const topic = body['topicType'];
  if (typeof topic !== 'string' || !TOPICS.has(topic)) return invalid('local_post.topic_type', 'Topic type must be one of STANDARD, EVENT, OFFER or ALERT.');
  const summary = body['summary'];
  if (summary !== undefined && typeof summary !== 'string') return invalid('local_post.summary', 'Summary must be a string.');
  if ((topic === 'STANDARD' || topic === 'ALERT') && (summary ?? '').trim() === '') return invalid('local_post.summary', 'Summary is required.');
  if (typeof summary === 'string' && [...summary].length > 1500) return invalid('local_post.summary', 'Summary must be at most 1500 characters.');
  if (typeof summary === 'string' && [...summary.matchAll(PHONE)].some((m) => m[0].replace(/\D/g, '').length >= 10)) {
    return invalid('local_post.summary', 'Phone numbers are not allowed in the summary. Use a CALL call to action instead.');
  }
  const cta = body['callToAction'];
  if (cta !== undefined) {
    const c = obj(cta);
    if (!c || typeof c['actionType'] !== 'string' || !ACTIONS.has(c['actionType'])) return invalid('local_post.call_to_action.action_type', 'Invalid action type.');
    if (c['actionType'] === 'CALL' && c['url'] !== undefined) return invalid('local_post.call_to_action.url', 'CALL takes no url.');
    if (c['actionType'] !== 'CALL' && !httpUrl(c['url'])) return invalid('local_post.call_to_action.url', 'A valid url is required.');
  }
  if (topic === 'EVENT' || topic === 'OFFER') {
    const event = obj(body['event']);
    const schedule = obj(event?.['schedule']);
    if (!event || typeof event['title'] !== 'string' || event['title'].trim() === '') return invalid('local_post.event.title', 'Event title is required.');
    if (!obj(schedule?.['startDate']) || !obj(schedule?.['endDate'])) return invalid('local_post.event.schedule', 'Event schedule needs a start and end date.');
  }
  if (topic === 'ALERT' && body['alertType'] !== 'COVID_19') return invalid('local_post.alert_type', 'Alert type must be COVID_19.');
  const media = body['media'];
  if (media !== undefined) {
    if (!Array.isArray(media) || media.length > 10) return invalid('local_post.media', 'Media must be a list of at most 10 items.');
    for (const [i, m] of media.entries()) {
      const item = obj(m);
      if (!item || (item['mediaFormat'] !== 'PHOTO' && item['mediaFormat'] !== 'VIDEO')) return invalid(`local_post.media[${i}].media_format`, 'Media format must be PHOTO or VIDEO.');
      if (!httpUrl(item['sourceUrl'])) return invalid(`local_post.media[${i}].source_url`, 'Source url must be a public http(s) URL.');
    }
  }
  return undefined;
};

/** The fake's posts per location and the edit counters. */
export class FakeLocalPostStore {
  readonly posts: FakeLocalPost[] = [];
  private readonly edits = new Map<string, number[]>();

  constructor(readonly settings: LocalPostSettings) {}

  /** Records an edit; returns the seconds to wait when the location is over its per-minute limit. */
  edit(location: string, nowMs: number): number | undefined {
    const recent = (this.edits.get(location) ?? []).filter((t) => nowMs - t < EDIT_WINDOW_MS);
    if (recent.length >= this.settings.editsPerMinute) {
      this.edits.set(location, recent);
      return Math.max(1, Math.ceil((recent[0]! + EDIT_WINDOW_MS - nowMs) / 1000));
    }
    recent.push(nowMs);
    this.edits.set(location, recent);
    return undefined;
  }

  /** The post's state at `nowMs`. */
  state(post: FakeLocalPost, nowMs: number): 'PROCESSING' | 'LIVE' | 'REJECTED' {
    const reviewed = post.polls >= this.settings.pollsToLive || nowMs - post.createTimeMs >= this.settings.reviewSeconds * 1000;
    const hasMedia = Array.isArray(post.body['media']) && (post.body['media'] as unknown[]).length > 0;
    if (!reviewed || (hasMedia && post.mediaOk === undefined)) return 'PROCESSING';
    if (post.mediaOk === false) return 'REJECTED';
    const summary = post.body['summary'];
    if (this.settings.rejectSummaries && typeof summary === 'string' && this.settings.rejectSummaries.test(summary)) return 'REJECTED';
    return 'LIVE';
  }

  /** The resource as the API returns it. */
  resource(post: FakeLocalPost, nowMs: number) {
    const id = post.name.split('/').pop()!;
    const created = new Date(post.createTimeMs).toISOString();
    return {
      ...post.body,
      name: post.name,
      createTime: created,
      updateTime: created,
      state: this.state(post, nowMs),
      searchUrl: `https://local.google.com/place?id=${String(Math.floor(unit(`${post.location}:cid`) * 1e18))}&use=posts&lpsid=${id}`,
    };
  }

  /** Forgets every post and edit. */
  reset(): void {
    this.posts.length = 0;
    this.edits.clear();
  }

  /** What tests may want to count. */
  snapshot(nowMs: number) {
    return this.posts.map((p) => ({ name: p.name, location: p.location, topicType: p.body['topicType'], summary: p.body['summary'], state: this.state(p, nowMs), polls: p.polls }));
  }
}

/** The location a request names, if the caller manages it. */
const locationOf = (deps: LocalPostRouteDeps, req: FakeRequest, ctx: FakeContext) => {
  const auth = deps.grants.authenticate(req, ctx.now(), SCOPES);
  if (!auth.ok) return { ok: false as const, response: auth.response };
  const business = auth.account.business;
  const location = business?.locations.find((l) => l.name === `locations/${req.params['location']}`);
  if (!business || business.name !== `accounts/${req.params['account']}` || !location) return { ok: false as const, response: permissionDenied(req) };
  return { ok: true as const, account: auth.account, business, location, name: `${business.name}/${location.name}` };
};

/** Google fetches each `sourceUrl`; a failure rejects the post. */
const fetchMedia = async (post: FakeLocalPost): Promise<void> => {
  const media = (post.body['media'] as { sourceUrl: string }[] | undefined) ?? [];
  let ok = true;
  for (const m of media) {
    try {
      const res = await fetch(m.sourceUrl, { signal: AbortSignal.timeout(5000) });
      const type = res.headers.get('content-type') ?? '';
      await res.arrayBuffer();
      ok &&= res.ok && (type.startsWith('image/') || type.startsWith('video/'));
    } catch {
      ok = false;
    }
  }
  post.mediaOk = ok;
};

const create = (deps: LocalPostRouteDeps, store: FakeLocalPostStore) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const found = locationOf(deps, req, ctx);
  if (!found.ok) return found.response;
  if (!found.location.canOperateLocalPost) {
    return modernError(400, 'FAILED_PRECONDITION', 'This location cannot operate local posts.', [errorInfo('LOCATION_CANNOT_OPERATE_LOCAL_POST')]);
  }
  const body = obj(req.json());
  if (!body) return invalid('local_post', 'The body must be a LocalPost.');
  const problem = problemOf(body);
  if (problem) return problem;
  const wait = store.edit(found.name, now.getTime());
  if (wait !== undefined) {
    return modernError(429, 'RESOURCE_EXHAUSTED', `Quota exceeded for quota metric 'Edits' and limit 'Edits per minute per location' of service 'mybusiness.googleapis.com'.`, [
      errorInfo('RATE_LIMIT_EXCEEDED', { service: 'mybusiness.googleapis.com', quota_limit: 'EditsPerMinutePerLocation', quota_limit_value: String(store.settings.editsPerMinute) }),
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${wait}s` },
    ]);
  }
  const { name: _ignored, state: _state, searchUrl: _url, createTime: _c, updateTime: _u, ...input } = body;
  const post: FakeLocalPost = {
    name: `${found.name}/localPosts/${BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 19n}`,
    location: found.name,
    body: input,
    createTimeMs: now.getTime(),
    polls: 0,
  };
  store.posts.push(post);
  deps.background.track(fetchMedia(post));
  return { status: 200, body: store.resource(post, now.getTime()) };
};

const get = (deps: LocalPostRouteDeps, store: FakeLocalPostStore) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const found = locationOf(deps, req, ctx);
  if (!found.ok) return found.response;
  const post = store.posts.find((p) => p.name === `${found.name}/localPosts/${req.params['post']}`);
  if (!post) return notFound(req, 'localPost');
  post.polls += 1;
  return { status: 200, body: store.resource(post, ctx.now().getTime()) };
};

const remove = (deps: LocalPostRouteDeps, store: FakeLocalPostStore) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const found = locationOf(deps, req, ctx);
  if (!found.ok) return found.response;
  const index = store.posts.findIndex((p) => p.name === `${found.name}/localPosts/${req.params['post']}`);
  if (index < 0) return notFound(req, 'localPost');
  store.posts.splice(index, 1);
  store.edit(found.name, ctx.now().getTime());
  return { status: 200, body: {} };
};

/** The posts every location already had before Reach: three live ones, 1, 6 and 11 days old. */
const earlierPosts = (name: string, title: string, now: Date) =>
  [0, 1, 2].map((i) => {
    const created = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (i * 5 + 1) * DAY_MS).toISOString();
    const id = String(Math.floor(unit(`${name.split('/').slice(2).join('/')}:post:${created}`) * 1e18));
    return {
      name: `${name}/localPosts/${id}`,
      languageCode: 'en',
      summary: `News from ${title} (${created.slice(0, 10)})`,
      state: 'LIVE',
      createTime: created,
      updateTime: created,
      topicType: 'STANDARD',
      searchUrl: `https://local.google.com/place?id=${id}&use=posts&lpsid=${id}`,
    };
  });

const list = (deps: LocalPostRouteDeps, store: FakeLocalPostStore) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const found = locationOf(deps, req, ctx);
  if (!found.ok) return found.response;
  if (!found.location.canOperateLocalPost) return { status: 200, body: {} };
  const own = store.posts
    .filter((p) => p.location === found.name)
    .sort((a, b) => b.createTimeMs - a.createTimeMs)
    .map((p) => store.resource(p, now.getTime()));
  const all = [...own, ...earlierPosts(found.name, found.location.title, now)];
  const size = Number(req.query.get('pageSize') ?? '10');
  if (!Number.isInteger(size) || size < 0) return invalid('page_size', 'must be a non-negative integer');
  const token = req.query.get('pageToken');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, '')) : 0;
  if (!Number.isInteger(offset) || offset < 0) return invalid('page_token', 'Invalid page token');
  const take = Math.min(size || 10, 100);
  const page = all.slice(offset, offset + take);
  return {
    status: 200,
    body: { localPosts: page, ...(offset + take < all.length && { nextPageToken: Buffer.from(`offset:${offset + take}`).toString('base64url') }) },
  };
};

/** The local-post routes of the Google fake. */
export const localPostRoutes = (deps: LocalPostRouteDeps, store: FakeLocalPostStore): FakeRoute[] => {
  const base = '/v4/accounts/:account/locations/:location/localPosts';
  return [
    { method: 'POST', host: 'mybusiness.googleapis.com', path: base, handler: create(deps, store) },
    { method: 'GET', host: 'mybusiness.googleapis.com', path: base, handler: list(deps, store) },
    { method: 'GET', host: 'mybusiness.googleapis.com', path: `${base}/:post`, handler: get(deps, store) },
    { method: 'DELETE', host: 'mybusiness.googleapis.com', path: `${base}/:post`, handler: remove(deps, store) },
  ];
};
