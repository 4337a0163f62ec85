/**
 * The fake's publishing endpoints, with LinkedIn's request and answer shapes and steps:
 * - Images API: `POST /rest/images?action=initializeUpload` → `PUT` the bytes to the upload URL;
 * - Videos API: `POST /rest/videos?action=initializeUpload` → `PUT` each byte range (answered with
 *   an `ETag`) → `POST /rest/videos?action=finalizeUpload` → `GET /rest/videos/{urn}`, `PROCESSING`
 *   until the fakes' clock passes the processing time, then `AVAILABLE`;
 * - Posts API: `POST /rest/posts` → 201 with `x-restli-id`, refusing the same commentary from the
 *   same author within a day as `DUPLICATE_POST`.
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api ·
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api ·
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FakeContext, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import type { FakeOAuthStore } from '../oauth-store';
import { renderLittleText, videoStatusAt, type FakeVideoPart, type LinkedinContent, type PublishedPost } from './content';
import { accessDenied, API_HOST, badRequest, duplicatePost, emptyToken, expiredToken, inputError, invalidToken, notFound, OAUTH_HOST, revokedToken } from './errors';
import type { Caller, Gateway } from './gateway';

export interface LinkedinPublishingSettings {
  /** Bytes per video upload part (LinkedIn: 4 MB). */
  readonly videoPartBytes: number;
  /** Seconds of the fakes' clock a finalized video stays `PROCESSING`. */
  readonly videoProcessingSeconds: number;
  /** How long the same commentary from the same author counts as a duplicate. */
  readonly duplicateWindowSeconds: number;
  readonly maxVideoBytes: number;
}

const TEXT_LIMIT = 3000;
const MAX_IMAGES = 20;
const UPLOAD_TTL_MS = 24 * 3_600_000;

const ownerSchema = z.object({ initializeUploadRequest: z.object({ owner: z.string() }).loose() });
const videoInitSchema = z.object({
  initializeUploadRequest: z.object({ owner: z.string(), fileSizeBytes: z.number().int(), uploadCaptions: z.boolean().optional(), uploadThumbnail: z.boolean().optional() }),
});
const finalizeSchema = z.object({
  finalizeUploadRequest: z.object({ video: z.string(), uploadToken: z.string(), uploadedPartIds: z.array(z.string()) }),
});
const mediaRef = z.object({ id: z.string(), title: z.string().optional(), altText: z.string().optional() }).loose();
const postSchema = z.object({
  author: z.string(),
  commentary: z.string().optional(),
  visibility: z.enum(['PUBLIC', 'CONNECTIONS', 'LOGGED_IN']),
  distribution: z.object({
    feedDistribution: z.enum(['MAIN_FEED', 'NONE']),
    targetEntities: z.array(z.unknown()).optional(),
    thirdPartyDistributionChannels: z.array(z.unknown()).optional(),
  }),
  content: z
    .object({
      media: mediaRef.optional(),
      multiImage: z.object({ images: z.array(mediaRef) }).optional(),
      article: z.object({ source: z.string(), title: z.string().optional(), description: z.string().optional(), thumbnail: z.string().optional() }).optional(),
    })
    .optional(),
  lifecycleState: z.enum(['PUBLISHED', 'DRAFT']),
  isReshareDisabledByAuthor: z.boolean().optional(),
});

const etagOf = (bytes: Buffer): string => `/${createHash('sha1').update(bytes).digest('base64url')}`;

/** Builds the publishing routes over the grant store, the gateway and the published content. */
export const linkedinPublishingRoutes = (store: FakeOAuthStore, gateway: Gateway, content: LinkedinContent, settings: LinkedinPublishingSettings): FakeRoute[] => {
  /** Whether the caller may publish as `owner` (a member as itself, an admin for its organization). */
  const mayActFor = (caller: Caller, owner: string, resource: string): FakeResponse | undefined => {
    if (owner === gateway.personUrn(caller.member)) {
      return caller.entry.scopes.includes('w_member_social') ? undefined : accessDenied(resource, 'CREATE', caller.version);
    }
    const org = gateway.orgFromUrn(owner);
    if (!org) return badRequest(`owner ${owner} must be the member's person URN or an organization URN`);
    if (org.adminSub !== caller.member.sub || !caller.entry.scopes.includes('w_organization_social')) return accessDenied(resource, 'CREATE', caller.version);
    return undefined;
  };

  const uploadUrl = (id: string, path: string, secret: string): string =>
    `https://${OAUTH_HOST}/dms-uploads/sp/v2/${id}/${path}?ca=vector_feedshare&cn=uploads&sync=0&v=beta&ut=${secret}`;

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api#initialize-image-upload */
  const images = gateway.guard('images', { rest: true }, (req, ctx, caller) => {
    if (req.query.get('action') !== 'initializeUpload') return badRequest('Unsupported action for images');
    const body = ownerSchema.safeParse(req.json());
    if (!body.success) return badRequest('initializeUploadRequest.owner is required');
    const owner = body.data.initializeUploadRequest.owner;
    const refused = mayActFor(caller, owner, 'images');
    if (refused) return refused;
    const urn = `urn:li:image:C4E10AQ${content.mint('image')}`;
    const uploadId = `D4E10AQ${content.mint('upload')}`;
    const secret = content.mint('secret');
    content.images.set(urn, { urn, owner, status: 'WAITING_UPLOAD', bytes: 0 });
    content.uploads.set(uploadId, { kind: 'image', urn, secret });
    return {
      status: 200,
      body: { value: { uploadUrlExpiresAt: ctx.now().getTime() + UPLOAD_TTL_MS, uploadUrl: uploadUrl(uploadId, 'uploaded-image/0', secret), image: urn } },
    };
  });

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api#initialize-video-upload */
  const initializeVideo = (req: FakeRequest, ctx: FakeContext, caller: Caller): FakeResponse => {
    const body = videoInitSchema.safeParse(req.json());
    if (!body.success) return badRequest('initializeUploadRequest needs owner and fileSizeBytes');
    const { owner, fileSizeBytes } = body.data.initializeUploadRequest;
    const refused = mayActFor(caller, owner, 'videos');
    if (refused) return refused;
    if (fileSizeBytes <= 0 || fileSizeBytes > settings.maxVideoBytes) {
      return inputError(`fileSizeBytes must be between 1 and ${settings.maxVideoBytes}`, 'INVALID_VALUE', 'fileSizeBytes is out of range', '/initializeUploadRequest/fileSizeBytes');
    }
    const urn = `urn:li:video:C5505AQ${content.mint('video')}`;
    const parts: FakeVideoPart[] = [];
    const instructions: Array<{ uploadUrl: string; firstByte: number; lastByte: number }> = [];
    for (let first = 0; first < fileSizeBytes; first += settings.videoPartBytes) {
      const last = Math.min(fileSizeBytes, first + settings.videoPartBytes) - 1;
      const uploadId = `D5605AQ${content.mint('upload')}`;
      const secret = content.mint('secret');
      content.uploads.set(uploadId, { kind: 'video', urn, part: parts.length, secret });
      parts.push({ firstByte: first, lastByte: last, uploadId });
      instructions.push({ uploadUrl: uploadUrl(uploadId, 'uploadedVideo', secret), firstByte: first, lastByte: last });
    }
    // A single-part upload gets an empty token that finalize still expects back.
    const uploadToken = parts.length > 1 ? content.mint('token') : '';
    content.videos.set(urn, { urn, owner, fileSizeBytes, uploadToken, parts });
    return {
      status: 200,
      body: { value: { uploadUrlsExpireAt: ctx.now().getTime() + UPLOAD_TTL_MS, video: urn, uploadInstructions: instructions, uploadToken } },
    };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api#finalize-video-upload */
  const finalizeVideo = (req: FakeRequest, ctx: FakeContext, caller: Caller): FakeResponse => {
    const body = finalizeSchema.safeParse(req.json());
    if (!body.success) return badRequest('finalizeUploadRequest needs video, uploadToken and uploadedPartIds');
    const { video: urn, uploadToken, uploadedPartIds } = body.data.finalizeUploadRequest;
    const video = content.videos.get(urn);
    if (!video) return notFound(`Video ${urn}`);
    const refused = mayActFor(caller, video.owner, 'videos');
    if (refused) return refused;
    if (video.finalizedAtMs !== undefined) return badRequest(`Video ${urn} is already finalized`);
    if (uploadToken !== video.uploadToken) return badRequest('uploadToken does not match the upload');
    const etags = video.parts.map((p) => p.etag);
    if (etags.some((e) => e === undefined)) return badRequest('Not every part of the video was uploaded');
    if (uploadedPartIds.length !== etags.length || uploadedPartIds.some((id, i) => id !== etags[i])) {
      return badRequest('uploadedPartIds must list the ETag of every part, in order');
    }
    const nowMs = ctx.now().getTime();
    video.finalizedAtMs = nowMs;
    video.availableAtMs = nowMs + settings.videoProcessingSeconds * 1000;
    return { status: 200 };
  };

  const videos = gateway.guard('videos', { rest: true }, (req, ctx, caller) => {
    const action = req.query.get('action');
    if (action === 'initializeUpload') return initializeVideo(req, ctx, caller);
    if (action === 'finalizeUpload') return finalizeVideo(req, ctx, caller);
    return badRequest('Unsupported action for videos');
  });

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api#get-a-video */
  const getVideo = gateway.guard('videos', { rest: true }, (req, ctx, caller) => {
    const urn = req.params['urn'] ?? '';
    const video = content.videos.get(urn);
    if (!video) return notFound(`Video ${urn}`);
    if (mayActFor(caller, video.owner, 'videos')) return accessDenied('videos', 'GET', caller.version);
    const status = videoStatusAt(video, ctx.now());
    return {
      status: 200,
      body: {
        id: urn,
        owner: video.owner,
        status,
        ...(status === 'AVAILABLE' && { duration: 12_000, aspectRatioWidth: 16, aspectRatioHeight: 9, downloadUrl: `https://dms.licdn.com/playlist/vid/${urn.slice(13)}` }),
      },
    };
  });

  /**
   * The upload URLs (`www.linkedin.com/dms-uploads/…`): an image takes the member's bearer token;
   * a video part is authorised by its URL and answered with the part's `ETag`.
   */
  const upload = (req: FakeRequest, ctx: FakeContext): FakeResponse => {
    const m = /^sp\/v2\/([A-Za-z0-9]+)\//.exec(req.params['*'] ?? '');
    const target = m ? content.uploads.get(m[1]!) : undefined;
    if (!target || req.query.get('ut') !== target.secret) return { status: 404, body: 'upload not found' };
    if (target.kind === 'image') {
      const token = req.bearer();
      if (!token) return emptyToken();
      const check = store.checkAccess(token, ctx.now());
      if (!check.ok) return check.reason === 'expired' ? expiredToken() : check.reason === 'revoked' ? revokedToken() : invalidToken();
      const image = content.images.get(target.urn)!;
      if (req.body.length === 0) return badRequest('The upload is empty');
      image.status = 'AVAILABLE';
      image.bytes = req.body.length;
      return { status: 201 };
    }
    const video = content.videos.get(target.urn)!;
    const part = video.parts[target.part]!;
    const expected = part.lastByte - part.firstByte + 1;
    if (req.body.length !== expected) return badRequest(`Part ${target.part} must be ${expected} bytes, got ${req.body.length}`);
    part.etag = etagOf(req.body);
    return { status: 200, headers: { etag: part.etag } };
  };

  /** Checks the post's `content` against what was uploaded; a problem is LinkedIn's 422. */
  const checkContent = (post: z.infer<typeof postSchema>, now: Date): { kind: PublishedPost['kind'] } | FakeResponse => {
    const c = post.content;
    if (!c) return { kind: 'text' };
    const given = [c.media, c.multiImage, c.article].filter((x) => x !== undefined).length;
    if (given > 1) return inputError('A post takes one of media, multiImage or article', 'INVALID_VALUE', 'More than one content type', '/content');
    const image = (id: string, path: string): FakeResponse | undefined => {
      const found = content.images.get(id);
      if (!found || found.owner !== post.author) return inputError(`${id} is not an image of ${post.author}`, 'INVALID_VALUE', 'Unknown image', path);
      if (found.status !== 'AVAILABLE') return inputError(`${id} was never uploaded`, 'INVALID_VALUE', 'Image not uploaded', path);
      return undefined;
    };
    if (c.multiImage) {
      const n = c.multiImage.images.length;
      if (n < 2 || n > MAX_IMAGES) return inputError(`multiImage takes 2 to ${MAX_IMAGES} images, not ${n}`, 'INVALID_VALUE', 'Wrong number of images', '/content/multiImage/images');
      for (const [i, img] of c.multiImage.images.entries()) {
        const problem = image(img.id, `/content/multiImage/images/${i}/id`);
        if (problem) return problem;
      }
      return { kind: 'multiImage' };
    }
    if (c.media) {
      if (c.media.id.startsWith('urn:li:image:')) return image(c.media.id, '/content/media/id') ?? { kind: 'image' };
      const video = content.videos.get(c.media.id);
      if (!video || video.owner !== post.author) return inputError(`${c.media.id} is not a video of ${post.author}`, 'INVALID_VALUE', 'Unknown media', '/content/media/id');
      const status = videoStatusAt(video, now);
      if (status !== 'AVAILABLE') return inputError(`Video ${c.media.id} is ${status}`, 'INVALID_VALUE', 'Video is not available', '/content/media/id');
      return { kind: 'video' };
    }
    const article = c.article!;
    if (!/^https?:\/\/\S+$/.test(article.source)) return inputError('article.source must be a URL', 'INVALID_VALUE', 'Invalid URL', '/content/article/source');
    if (!article.title) return inputError('article.title is required', 'MISSING_FIELD', 'Field is required', '/content/article/title');
    return { kind: 'article' };
  };

  /** https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#create-a-post */
  const createPost = gateway.guard('posts', { rest: true }, (req, ctx, caller) => {
    const parsed = postSchema.safeParse(req.json());
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return inputError(`Invalid post: /${issue.path.join('/')} ${issue.message}`, 'INVALID_VALUE', issue.message, `/${issue.path.join('/')}`);
    }
    const post = parsed.data;
    const refused = mayActFor(caller, post.author, 'posts');
    if (refused) return refused;
    if (post.lifecycleState !== 'PUBLISHED') return badRequest('This fake publishes PUBLISHED posts only');
    if (post.visibility === 'CONNECTIONS' && !post.author.startsWith('urn:li:person:')) {
      return inputError('CONNECTIONS visibility is for members', 'INVALID_VALUE', 'Invalid visibility for an organization', '/visibility');
    }
    const commentary = post.commentary ?? '';
    const rendered = renderLittleText(commentary);
    if ([...rendered.text].length > TEXT_LIMIT) return inputError(`commentary is longer than ${TEXT_LIMIT} characters`, 'MAX_LENGTH_EXCEEDED', 'Text too long', '/commentary');
    const now = ctx.now();
    const checked = checkContent(post, now);
    if ('status' in checked) return checked;
    if (commentary === '' && checked.kind === 'text') return inputError('A post needs commentary or content', 'MISSING_FIELD', 'Field is required', '/commentary');
    const since = now.getTime() - settings.duplicateWindowSeconds * 1000;
    const earlier = commentary === '' ? undefined : content.postsBy(post.author).find((p) => p.commentary === commentary && p.createdAtMs >= since);
    if (earlier) return duplicatePost(earlier.id);
    const id = content.postUrn(checked.kind, now.getTime());
    content.posts.push({
      id,
      author: post.author,
      commentary,
      text: rendered.text,
      visibility: post.visibility,
      kind: checked.kind,
      ...(post.content && { content: post.content }),
      createdAtMs: now.getTime(),
      reshareDisabled: post.isReshareDisabledByAuthor ?? false,
    });
    return { status: 201, headers: { 'x-restli-id': id, 'x-linkedin-id': id } };
  });

  return [
    { method: 'POST', host: API_HOST, path: '/rest/images', handler: images },
    { method: 'POST', host: API_HOST, path: '/rest/videos', handler: videos },
    { method: 'GET', host: API_HOST, path: '/rest/videos/:urn', handler: getVideo },
    { method: 'POST', host: API_HOST, path: '/rest/posts', handler: createPost },
    { method: 'PUT', host: OAUTH_HOST, path: '/dms-uploads/*', handler: upload },
  ];
};

/** Marks a finalized video as failed in processing (for tests of that path). */
export const failVideo = (content: LinkedinContent, urn: string): boolean => {
  const video = content.videos.get(urn);
  if (!video) return false;
  video.failed = true;
  return true;
};
