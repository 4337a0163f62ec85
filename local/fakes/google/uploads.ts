/**
 * YouTube's resumable upload as the fake serves it
 * (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
 *   POST www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&part=…   metadata → Location
 *   PUT  www.googleapis.com/upload/youtube/v3/videos?upload_id=…                    bytes, chunks, status
 * with videos.insert's metadata errors (https://developers.google.com/youtube/v3/docs/videos/insert#errors)
 * in the classic shape, without `status`, as upload responses come.
 */
import { createHash } from 'node:crypto';
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import type { FakeGoogleAccount, FakeGoogleDirectory } from './accounts';
import { classicError } from './errors';
import type { GoogleGrants } from './grants';
import type { FakeVideoStore, UploadedVideo, VideoInput } from './videos';

const AUTH = 'https://www.googleapis.com/auth/';
const UPLOAD_SCOPES = [`${AUTH}youtube.upload`, `${AUTH}youtube`, `${AUTH}youtube.force-ssl`];
const GRANULE = 256 * 1024;
const UPLOAD_PARTS = new Set(['snippet', 'status', 'contentDetails', 'statistics', 'id', 'recordingDetails', 'localizations']);
const CATEGORIES = new Set(['1', '2', '10', '15', '17', '19', '20', '22', '23', '24', '25', '26', '27', '28', '29']);
const PRIVACY = new Set(['public', 'unlisted', 'private']);

export interface UploadRouteDeps {
  readonly grants: GoogleGrants;
  readonly directory: FakeGoogleDirectory;
  readonly videos: FakeVideoStore;
  /** Told about every finished upload (the hub notifies subscribers of public ones). */
  readonly onUploaded: (video: UploadedVideo, ctx: FakeContext) => void;
}

const videoError = (reason: string, message: string, code = 400): FakeResponse =>
  classicError(code, message, [{ message, domain: 'youtube.video', reason, location: 'body', locationType: 'other' }]);

const uploadError = (message: string, reason = 'badContent', code = 400): FakeResponse => classicError(code, message, [{ message, domain: 'global', reason }]);

const etag = (value: unknown) => createHash('sha1').update(JSON.stringify(value)).digest('base64url').slice(0, 27);

const tagsLength = (tags: readonly string[]) => tags.reduce((n, t) => n + [...t].length + (/\s/.test(t) ? 2 : 0), 0) + Math.max(0, tags.length - 1);

type Parsed = { ok: true; input: VideoInput } | { ok: false; response: FakeResponse };

/** Reads and checks the `videos.insert` metadata like YouTube does. */
const readInput = (body: unknown, now: Date): Parsed => {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const snippet = (typeof b['snippet'] === 'object' && b['snippet'] !== null ? b['snippet'] : {}) as Record<string, unknown>;
  const status = (typeof b['status'] === 'object' && b['status'] !== null ? b['status'] : {}) as Record<string, unknown>;
  const title = snippet['title'];
  if (typeof title !== 'string' || title.trim() === '' || [...title].length > 100 || /[<>]/.test(title)) {
    return { ok: false, response: videoError('invalidTitle', 'The request metadata specifies an invalid or empty video title.') };
  }
  const description = snippet['description'] ?? '';
  if (typeof description !== 'string' || Buffer.byteLength(description) > 5000 || /[<>]/.test(description)) {
    return { ok: false, response: videoError('invalidDescription', 'The request metadata specifies an invalid video description.') };
  }
  const tags = snippet['tags'] ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || /[<>,]/.test(t)) || tagsLength(tags as string[]) > 500) {
    return { ok: false, response: videoError('invalidTags', 'The request metadata specifies invalid video keywords.') };
  }
  const categoryId = snippet['categoryId'] ?? '22';
  if (typeof categoryId !== 'string' || !CATEGORIES.has(categoryId)) {
    return { ok: false, response: videoError('invalidCategoryId', 'The snippet.categoryId property specifies an invalid category ID.') };
  }
  const privacyStatus = status['privacyStatus'] ?? 'public';
  if (typeof privacyStatus !== 'string' || !PRIVACY.has(privacyStatus)) {
    return { ok: false, response: videoError('invalidVideoMetadata', 'The request metadata is invalid.') };
  }
  const publishAt = status['publishAt'];
  if (publishAt !== undefined) {
    const t = typeof publishAt === 'string' ? Date.parse(publishAt) : NaN;
    if (privacyStatus !== 'private' || Number.isNaN(t) || t <= now.getTime()) {
      return { ok: false, response: videoError('invalidPublishAt', 'The request metadata specifies an invalid scheduled publishing time.') };
    }
  }
  const language = snippet['defaultLanguage'];
  const madeForKids = status['selfDeclaredMadeForKids'];
  const synthetic = status['containsSyntheticMedia'];
  return {
    ok: true,
    input: {
      title,
      description,
      tags: tags as string[],
      categoryId,
      privacyStatus: privacyStatus as VideoInput['privacyStatus'],
      ...(typeof publishAt === 'string' && { publishAt }),
      ...(typeof language === 'string' && { defaultLanguage: language }),
      ...(typeof madeForKids === 'boolean' && { selfDeclaredMadeForKids: madeForKids }),
      ...(typeof synthetic === 'boolean' && { containsSyntheticMedia: synthetic }),
    },
  };
};

/** The video resource of an uploaded video, with the parts asked for; `processingDetails` only for its owner. */
export const uploadedResource = (store: FakeVideoStore, v: UploadedVideo, account: FakeGoogleAccount, parts: ReadonlySet<string>, now: Date, owner: boolean) => {
  const state = store.state(v, now.getTime());
  const figures = store.asFakeVideo(v, account, now.getTime());
  const final = state.final;
  return {
    kind: 'youtube#video',
    etag: etag([v.id, state.uploadStatus, state.privacyStatus, figures.views]),
    id: v.id,
    ...(parts.has('snippet') && {
      snippet: {
        publishedAt: new Date(v.uploadedAtMs).toISOString(),
        channelId: v.channelId,
        title: v.input.title,
        description: v.input.description,
        ...(v.input.tags.length > 0 && { tags: v.input.tags }),
        categoryId: v.input.categoryId,
        channelTitle: account.channel?.title ?? '',
        liveBroadcastContent: 'none',
        ...(v.input.defaultLanguage && { defaultLanguage: v.input.defaultLanguage }),
        localized: { title: v.input.title, description: v.input.description },
      },
    }),
    ...(parts.has('status') && {
      status: {
        uploadStatus: state.uploadStatus,
        ...(final?.uploadStatus === 'rejected' && { rejectionReason: final.rejectionReason }),
        ...(final?.uploadStatus === 'failed' && { failureReason: final.failureReason }),
        privacyStatus: state.privacyStatus,
        ...(v.input.publishAt && state.privacyStatus === 'private' && { publishAt: v.input.publishAt }),
        license: 'youtube',
        embeddable: true,
        publicStatsViewable: true,
        madeForKids: v.input.selfDeclaredMadeForKids ?? false,
        ...(v.input.selfDeclaredMadeForKids !== undefined && { selfDeclaredMadeForKids: v.input.selfDeclaredMadeForKids }),
        ...(v.input.containsSyntheticMedia !== undefined && { containsSyntheticMedia: v.input.containsSyntheticMedia }),
      },
    }),
    ...(parts.has('statistics') && {
      statistics: { viewCount: String(figures.views), likeCount: String(figures.likes), favoriteCount: '0', commentCount: String(figures.comments) },
    }),
    ...(parts.has('processingDetails') &&
      owner && {
        processingDetails:
          state.uploadStatus === 'uploaded'
            ? { processingStatus: 'processing', processingProgress: { partsTotal: '1000', partsProcessed: '400', timeLeftMs: String(state.timeLeftMs ?? 1000) } }
            : { processingStatus: state.uploadStatus === 'processed' ? 'succeeded' : state.uploadStatus === 'rejected' ? 'terminated' : 'failed' },
      }),
  };
};

/** `POST …/upload/youtube/v3/videos?uploadType=resumable`: opens a session. */
const initiate = (deps: UploadRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const auth = deps.grants.authenticate(req, now, UPLOAD_SCOPES);
  if (!auth.ok) return auth.response;
  if (req.query.get('uploadType') !== 'resumable') return uploadError(`Invalid upload type: ${req.query.get('uploadType') ?? ''}; this fake speaks the resumable protocol`, 'invalid');
  const parts = (req.query.get('part') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return classicError(400, 'Required parameter: part', [{ message: 'Required parameter: part', domain: 'global', reason: 'required', location: 'part', locationType: 'parameter' }]);
  const unknown = parts.find((p) => !UPLOAD_PARTS.has(p));
  if (unknown) return classicError(400, `'${unknown}'`, [{ message: `'${unknown}'`, domain: 'youtube.part', reason: 'unknownPart', location: 'part', locationType: 'parameter' }]);
  const channel = auth.account.channel;
  if (!channel) {
    return classicError(401, 'Unauthorized', [{ message: 'Unauthorized', domain: 'youtube.header', reason: 'youtubeSignupRequired', location: 'Authorization', locationType: 'header' }]);
  }
  const type = (req.headers['x-upload-content-type'] ?? 'video/*').toLowerCase();
  if (!type.startsWith('video/') && type !== 'application/octet-stream') return uploadError(`Media type '${type}' is not supported. Valid media types: [video/*, application/octet-stream]`);
  const declared = req.headers['x-upload-content-length'];
  if (declared !== undefined && !/^\d+$/.test(declared)) return uploadError('Invalid X-Upload-Content-Length');
  if (deps.videos.uploadsInDay(auth.account.name, now.getTime()) >= deps.videos.settings.dailyUploadLimit) {
    return videoError('uploadLimitExceeded', 'The user has exceeded the number of videos they may upload.');
  }
  const input = readInput(req.json(), now);
  if (!input.ok) return input.response;
  const session = deps.videos.open({
    accountName: auth.account.name,
    input: input.input,
    parts: parts.join(','),
    total: declared !== undefined ? Number(declared) : undefined,
    contentType: type,
    createdAtMs: now.getTime(),
  });
  const location = `https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=${session.id}&part=${encodeURIComponent(session.parts)}`;
  return { status: 200, headers: { location, 'x-guploader-uploadid': session.id, 'content-length': '0' } };
};

const incomplete = (received: number): FakeResponse => ({
  status: 308,
  headers: { ...(received > 0 && { range: `bytes=0-${received - 1}` }), 'content-length': '0' },
});

/** `PUT <session URI>`: stores bytes, answers 308 until the last byte, then the video. */
const receive = (deps: UploadRouteDeps) => (req: FakeRequest, ctx: FakeContext): FakeResponse => {
  const now = ctx.now();
  const id = req.query.get('upload_id') ?? '';
  const session = deps.videos.session(id, now.getTime());
  if (!session) return classicError(404, 'Not Found', [{ message: 'Not Found', domain: 'global', reason: 'notFound' }]);
  const account = deps.directory.get(session.accountName);
  if (!account?.channel) return classicError(404, 'Not Found', [{ message: 'Not Found', domain: 'global', reason: 'notFound' }]);
  const parts = new Set(session.parts.split(','));
  if (session.videoId) {
    const video = deps.videos.byId(session.videoId)!;
    return { status: 200, body: uploadedResource(deps.videos, video, account, parts, now, true) };
  }
  const range = req.headers['content-range'];
  const query = range ? /^bytes \*\/(\d+)$/.exec(range) : null;
  if (query) {
    if (req.body.length !== 0) return uploadError('A status request carries no bytes');
    return incomplete(session.received);
  }
  const chunk = range ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range) : null;
  if (range && !chunk) return uploadError(`Invalid Content-Range: ${range}`);
  const start = chunk ? Number(chunk[1]) : 0;
  const end = chunk ? Number(chunk[2]) : req.body.length - 1;
  const total = chunk ? (chunk[3] === '*' ? session.total : Number(chunk[3])) : req.body.length;
  if (total === undefined || (session.total !== undefined && total !== session.total)) return uploadError('The Content-Range total does not match the upload');
  session.total = total;
  if (start !== session.received) return uploadError(`Content-Range starts at ${start}; the session holds ${session.received} bytes`);
  if (end < start - 1 || req.body.length !== end - start + 1 || end >= total) return uploadError('The body length does not match Content-Range');
  const last = end + 1 === total;
  if (!last && req.body.length % GRANULE !== 0) return uploadError('Chunks other than the last must be multiples of 256 KiB');
  session.chunks.push(Buffer.from(req.body));
  session.received = end + 1;
  if (!last) return incomplete(session.received);
  const video = deps.videos.finish(session, account.channel.id, now.getTime());
  deps.onUploaded(video, ctx);
  return { status: 201, body: uploadedResource(deps.videos, video, account, parts, now, true) };
};

/** The upload routes of the Google fake. */
export const uploadRoutes = (deps: UploadRouteDeps): FakeRoute[] => [
  { method: 'POST', host: 'www.googleapis.com', path: '/upload/youtube/v3/videos', handler: initiate(deps) },
  { method: 'PUT', host: 'www.googleapis.com', path: '/upload/youtube/v3/videos', handler: receive(deps) },
];
