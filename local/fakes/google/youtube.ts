/**
 * YouTube Data API v3 read routes as the fake serves them (https://developers.google.com/youtube/v3/docs):
 *   GET www.googleapis.com/youtube/v3/channels        mine | id (≤ 50) | forHandle
 *   GET www.googleapis.com/youtube/v3/playlistItems   the uploads playlist (UU…), paged
 *   GET www.googleapis.com/youtube/v3/videos          id (≤ 50), statistics as strings
 * Every route checks the bearer token and a YouTube scope, and answers YouTube's classic errors.
 */
import { createHash } from 'node:crypto';
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import { channelStatistics, videosAt, type FakeGoogleAccount, type FakeGoogleDirectory, type FakeVideo } from './accounts';
import { classicError, invalidArgument } from './errors';
import type { GoogleGrants } from './grants';
import { uploadedResource } from './uploads';
import type { FakeVideoStore } from './videos';

export interface YoutubeRouteDeps {
  readonly grants: GoogleGrants;
  readonly directory: FakeGoogleDirectory;
  /** Videos uploaded through the fake: listed with the channel's own, newest first. */
  readonly videos: FakeVideoStore;
}

/**
 * Every video of the channel a caller may see at `now`, newest first: uploads through the fake
 * (all of them for the owner, public ones for others), then the channel's earlier videos.
 */
export const channelVideos = (deps: Pick<YoutubeRouteDeps, 'videos'>, account: FakeGoogleAccount, now: Date, owner: boolean): FakeVideo[] => [
  ...deps.videos.ofAccount(account.name, owner, now.getTime()).map((v) => deps.videos.asFakeVideo(v, account, now.getTime())),
  ...videosAt(account, now),
];

const AUTH = 'https://www.googleapis.com/auth/';
export const YOUTUBE_READ_SCOPES = [`${AUTH}youtube.readonly`, `${AUTH}youtube`, `${AUTH}youtube.force-ssl`, `${AUTH}youtubepartner`];

const CHANNEL_PARTS = new Set(['id', 'snippet', 'contentDetails', 'statistics', 'status', 'brandingSettings', 'topicDetails', 'localizations']);
const PLAYLIST_ITEM_PARTS = new Set(['id', 'snippet', 'contentDetails', 'status']);
const VIDEO_PARTS = new Set(['id', 'snippet', 'contentDetails', 'statistics', 'status', 'processingDetails']);
const MAX_IDS = 50;

const etag = (value: unknown) => createHash('sha1').update(JSON.stringify(value)).digest('base64url').slice(0, 27);

const thumbnails = (key: string) => ({
  default: { url: `https://yt3.ggpht.com/fake-${key}=s88-c-k-c0x00ffffff-no-rj`, width: 88, height: 88 },
  medium: { url: `https://yt3.ggpht.com/fake-${key}=s240-c-k-c0x00ffffff-no-rj`, width: 240, height: 240 },
  high: { url: `https://yt3.ggpht.com/fake-${key}=s800-c-k-c0x00ffffff-no-rj`, width: 800, height: 800 },
});

/** Parses `part`: required, and every name must be one the resource has. */
const partsOf = (req: FakeRequest, allowed: ReadonlySet<string>): { ok: true; parts: Set<string> } | { ok: false; response: FakeResponse } => {
  const raw = req.query.get('part');
  if (!raw) {
    return {
      ok: false,
      response: classicError(400, 'Required parameter: part', [{ message: 'Required parameter: part', domain: 'global', reason: 'required', location: 'part', locationType: 'parameter' }], 'INVALID_ARGUMENT'),
    };
  }
  const parts = new Set(raw.split(',').map((p) => p.trim()).filter(Boolean));
  const unknown = [...parts].find((p) => !allowed.has(p));
  if (unknown) {
    return {
      ok: false,
      response: classicError(400, `'${unknown}'`, [{ message: `'${unknown}'`, domain: 'youtube.part', reason: 'unknownPart', location: 'part', locationType: 'parameter' }], 'INVALID_ARGUMENT'),
    };
  }
  return { ok: true, parts };
};

const idsOf = (req: FakeRequest): string[] => (req.query.get('id') ?? '').split(',').map((s) => s.trim()).filter(Boolean);

const channelResource = (account: FakeGoogleAccount, parts: ReadonlySet<string>, now: Date) => {
  const ch = account.channel!;
  const description = `The fake channel of ${account.name}.`;
  return {
    kind: 'youtube#channel',
    etag: etag([ch.id, [...parts], now.toISOString().slice(0, 10)]),
    id: ch.id,
    ...(parts.has('snippet') && {
      snippet: {
        title: ch.title,
        description,
        customUrl: ch.handle,
        publishedAt: ch.publishedAt,
        thumbnails: thumbnails(ch.id),
        localized: { title: ch.title, description },
      },
    }),
    ...(parts.has('contentDetails') && { contentDetails: { relatedPlaylists: { likes: '', uploads: `UU${ch.id.slice(2)}` } } }),
    ...(parts.has('statistics') && { statistics: channelStatistics(account, now) }),
    ...(parts.has('status') && { status: { privacyStatus: 'public', isLinked: true, longUploadsStatus: 'longUploadsUnspecified', madeForKids: false } }),
  };
};

const CHANNEL_FILTERS = ['id', 'mine', 'forHandle', 'forUsername', 'managedByMe', 'categoryId', 'mySubscribers'];

/** `channels.list` (https://developers.google.com/youtube/v3/docs/channels/list). */
const listChannels = (deps: YoutubeRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const auth = deps.grants.authenticate(req, now, YOUTUBE_READ_SCOPES);
  if (!auth.ok) return auth.response;
  const parts = partsOf(req, CHANNEL_PARTS);
  if (!parts.ok) return parts.response;
  const filters = CHANNEL_FILTERS.filter((f) => req.query.has(f));
  if (filters.length !== 1) {
    const message = `No filter selected. Expected one of: ${CHANNEL_FILTERS.join(', ')}`;
    return filters.length === 0
      ? classicError(400, message, [{ message, domain: 'youtube.parameter', reason: 'missingRequiredParameter', location: 'parameters.', locationType: 'other' }], 'INVALID_ARGUMENT')
      : classicError(400, 'Incompatible parameters specified in the request.', [{ message: 'Incompatible parameters specified in the request.', domain: 'youtube.parameter', reason: 'incompatibleParameters', location: 'parameters.', locationType: 'other' }], 'INVALID_ARGUMENT');
  }
  let found: FakeGoogleAccount[] = [];
  if (filters[0] === 'mine') {
    found = req.query.get('mine') === 'true' && auth.account.channel ? [auth.account] : [];
  } else if (filters[0] === 'id') {
    const ids = idsOf(req);
    // YouTube documents the 50-id ceiling; the exact refusal for more is this fake's choice.
    if (ids.length > MAX_IDS) return invalidArgument(req, 'id', `The request specifies more than ${MAX_IDS} ids.`);
    found = ids.flatMap((id) => deps.directory.byChannelId(id) ?? []);
  } else if (filters[0] === 'forHandle') {
    const handle = `@${(req.query.get('forHandle') ?? '').replace(/^@/, '').toLowerCase()}`;
    found = deps.directory.list().filter((a) => a.channel?.handle === handle);
  }
  const items = found.map((a) => channelResource(a, parts.parts, now));
  const maxResults = Number(req.query.get('maxResults') ?? '5');
  return {
    status: 200,
    body: {
      kind: 'youtube#channelListResponse',
      etag: etag(items.map((i) => i.etag)),
      pageInfo: { totalResults: items.length, resultsPerPage: Number.isFinite(maxResults) ? maxResults : 5 },
      // Nothing found leaves `items` out altogether.
      ...(items.length > 0 && { items }),
    },
  };
};

const encodePage = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
const decodePage = (token: string | null): number | undefined => {
  if (!token) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
};

const maxResultsOf = (req: FakeRequest, fallback: number): number | undefined => {
  const raw = req.query.get('maxResults');
  if (raw === null) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= 50 ? n : undefined;
};

/** `playlistItems.list` over a channel's uploads playlist (https://developers.google.com/youtube/v3/docs/playlistItems/list). */
const listPlaylistItems = (deps: YoutubeRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const auth = deps.grants.authenticate(req, now, YOUTUBE_READ_SCOPES);
  if (!auth.ok) return auth.response;
  const parts = partsOf(req, PLAYLIST_ITEM_PARTS);
  if (!parts.ok) return parts.response;
  const playlistId = req.query.get('playlistId');
  if (!playlistId) return invalidArgument(req, 'playlistId', 'No filter selected. Expected one of: id, playlistId', 'missingRequiredParameter');
  const account = playlistId.startsWith('UU') ? deps.directory.byChannelId(`UC${playlistId.slice(2)}`) : undefined;
  if (!account?.channel) {
    const message = "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.";
    return classicError(404, message, [{ message, domain: 'youtube.playlistItem', reason: 'playlistNotFound', location: 'playlistId', locationType: 'parameter' }], 'NOT_FOUND');
  }
  const maxResults = maxResultsOf(req, 5);
  const offset = decodePage(req.query.get('pageToken'));
  if (maxResults === undefined) return invalidArgument(req, 'maxResults', 'Invalid value for maxResults: must be 0 to 50.');
  if (offset === undefined) return invalidArgument(req, 'pageToken', 'The request specifies an invalid page token.', 'invalidPageToken');
  const owner = auth.account.name === account.name;
  const all = channelVideos(deps, account, now, owner);
  const page = all.slice(offset, offset + maxResults);
  const channel = account.channel;
  const privacyOf = (id: string) => {
    const uploaded = deps.videos.byId(id);
    return uploaded ? deps.videos.state(uploaded, now.getTime()).privacyStatus : 'public';
  };
  const descriptionOf = (id: string) => deps.videos.byId(id)?.input.description ?? '';
  const items = page.map((v, i) => ({
    kind: 'youtube#playlistItem',
    etag: etag([playlistId, v.id]),
    id: Buffer.from(`${playlistId}.${v.id}`).toString('base64url'),
    ...(parts.parts.has('snippet') && {
      snippet: {
        publishedAt: v.publishedAt,
        channelId: channel.id,
        title: v.title,
        description: descriptionOf(v.id),
        thumbnails: thumbnails(v.id),
        channelTitle: channel.title,
        playlistId,
        position: offset + i,
        resourceId: { kind: 'youtube#video', videoId: v.id },
        videoOwnerChannelTitle: channel.title,
        videoOwnerChannelId: channel.id,
      },
    }),
    ...(parts.parts.has('contentDetails') && { contentDetails: { videoId: v.id, videoPublishedAt: v.publishedAt } }),
    ...(parts.parts.has('status') && { status: { privacyStatus: privacyOf(v.id) } }),
  }));
  return {
    status: 200,
    body: {
      kind: 'youtube#playlistItemListResponse',
      etag: etag(items.map((i) => i.etag)),
      ...(offset + maxResults < all.length && { nextPageToken: encodePage(offset + maxResults) }),
      ...(offset > 0 && { prevPageToken: encodePage(Math.max(0, offset - maxResults)) }),
      items,
      pageInfo: { totalResults: all.length, resultsPerPage: maxResults },
    },
  };
};

const videoResource = (account: FakeGoogleAccount, v: FakeVideo, parts: ReadonlySet<string>) => ({
  kind: 'youtube#video',
  etag: etag([v.id, v.views, v.likes, v.comments]),
  id: v.id,
  ...(parts.has('snippet') && {
    snippet: {
      publishedAt: v.publishedAt,
      channelId: account.channel!.id,
      title: v.title,
      description: '',
      thumbnails: thumbnails(v.id),
      channelTitle: account.channel!.title,
      categoryId: '22',
      liveBroadcastContent: 'none',
    },
  }),
  ...(parts.has('contentDetails') && {
    contentDetails: { duration: 'PT4M13S', dimension: '2d', definition: 'hd', caption: 'false', licensedContent: false, projection: 'rectangular' },
  }),
  // Counts are strings; dislikeCount has been private since December 2021.
  ...(parts.has('statistics') && {
    statistics: { viewCount: String(v.views), likeCount: String(v.likes), favoriteCount: '0', commentCount: String(v.comments) },
  }),
  ...(parts.has('status') && {
    status: { uploadStatus: 'processed', privacyStatus: 'public', license: 'youtube', embeddable: true, publicStatsViewable: true, madeForKids: false },
  }),
});

/** `videos.list` by id (https://developers.google.com/youtube/v3/docs/videos/list). */
const listVideos = (deps: YoutubeRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const auth = deps.grants.authenticate(req, now, YOUTUBE_READ_SCOPES);
  if (!auth.ok) return auth.response;
  const parts = partsOf(req, VIDEO_PARTS);
  if (!parts.ok) return parts.response;
  const ids = idsOf(req);
  if (ids.length === 0) return invalidArgument(req, 'id', 'No filter selected. Expected one of: chart, id, myRating', 'missingRequiredParameter');
  if (ids.length > MAX_IDS) return invalidArgument(req, 'id', `The request specifies more than ${MAX_IDS} ids.`);
  const wanted = new Set(ids);
  const items: { id: string; etag: string }[] = [];
  for (const id of wanted) {
    const uploaded = deps.videos.byId(id);
    const owner = uploaded?.accountName === auth.account.name;
    if (!uploaded || !deps.videos.ofAccount(uploaded.accountName, owner, now.getTime()).includes(uploaded)) continue;
    // The owner asking about status is what moves processing along in this fake.
    if (owner && (parts.parts.has('status') || parts.parts.has('processingDetails'))) uploaded.polls += 1;
    items.push(uploadedResource(deps.videos, uploaded, deps.directory.get(uploaded.accountName)!, parts.parts, now, owner));
  }
  for (const account of deps.directory.list()) {
    if (!account.channel) continue;
    for (const v of videosAt(account, now)) if (wanted.has(v.id)) items.push(videoResource(account, v, parts.parts));
  }
  items.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  return {
    status: 200,
    body: {
      kind: 'youtube#videoListResponse',
      etag: etag(items.map((i) => i.etag)),
      items,
      pageInfo: { totalResults: items.length, resultsPerPage: items.length },
    },
  };
};

/** The YouTube Data API routes of the Google fake. */
export const youtubeRoutes = (deps: YoutubeRouteDeps): FakeRoute[] => [
  { method: 'GET', host: 'www.googleapis.com', path: '/youtube/v3/channels', handler: listChannels(deps) },
  { method: 'GET', host: 'www.googleapis.com', path: '/youtube/v3/playlistItems', handler: listPlaylistItems(deps) },
  { method: 'GET', host: 'www.googleapis.com', path: '/youtube/v3/videos', handler: listVideos(deps) },
];
