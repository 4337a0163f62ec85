/**
 * Page videos and reels (https://developers.facebook.com/docs/video-api/guides/publishing,
 * https://developers.facebook.com/docs/video-api/guides/reels-publishing):
 * - a video: `POST /{page-id}/videos` with `file_url` (Facebook fetches it) → `{id}`;
 * - a reel: `POST /{page-id}/video_reels?upload_phase=start` → `{video_id, upload_url}`, then
 *   `POST https://rupload.facebook.com/video-upload/{version}/{video-id}` with the `file_url`
 *   header, then `upload_phase=finish&video_state=PUBLISHED`;
 * - then `GET /{video-id}?fields=status` until the video is processed and published
 *   (https://developers.facebook.com/docs/graph-api/reference/video-status).
 */
import { z } from 'zod';
import { parseJson, sendClassified, type CallContext } from '../http';
import { FACEBOOK_GRAPH } from '../meta-graph/constants';
import { MATCH_SKEW_MS, metaTimeMs, sameText } from '../meta-graph/content';
import { graphGet, graphPost } from '../meta-graph/request';
import { ProviderError, type HttpFailure, type ProviderFailure } from '../types';
import type { PageSession } from './posts';

const idSchema = z.union([z.string().min(1), z.number()]).transform(String);
const successSchema = z.object({ success: z.literal(true) });

const edge = (s: PageSession, name: string, form: Readonly<Record<string, string | undefined>>) => ({
  host: FACEBOOK_GRAPH,
  path: `/${encodeURIComponent(s.pageId)}/${name}`,
  accessToken: s.accessToken,
  appSecret: s.appSecret,
  form,
});

/** `POST /{page-id}/videos` with `file_url` → the video id (https://developers.facebook.com/docs/graph-api/reference/page/videos#Creating). */
export const createVideo = async (
  ctx: CallContext,
  s: PageSession,
  input: { readonly fileUrl: string; readonly description?: string; readonly published?: boolean },
): Promise<string> =>
  (
    await graphPost(
      ctx,
      edge(s, 'videos', {
        file_url: input.fileUrl,
        ...(input.description ? { description: input.description } : {}),
        published: input.published === undefined ? undefined : String(input.published),
      }),
      z.object({ id: idSchema }),
    )
  ).id;

/** The Page token goes to the upload address, so only Meta's upload host is taken. */
const ruploadUrl = z.url().refine((u) => {
  const url = new URL(u);
  return url.protocol === 'https:' && url.hostname === 'rupload.facebook.com';
}, 'must be an https://rupload.facebook.com address');

/** Opens a reel upload session: the reel's video id and where its bytes go (https://developers.facebook.com/docs/video-api/guides/reels-publishing#step-1--initialize-an-upload-session). */
export const startReel = (ctx: CallContext, s: PageSession): Promise<{ readonly video_id: string; readonly upload_url: string }> =>
  graphPost(ctx, edge(s, 'video_reels', { upload_phase: 'start' }), z.object({ video_id: idSchema, upload_url: ruploadUrl }));

const ruploadFailureSchema = z.object({ debug_info: z.object({ retriable: z.boolean().optional(), type: z.string().optional(), message: z.string().optional() }) });

/** rupload's refusal `{debug_info: {retriable, type, message}}`: retriable ones are transient. */
const ruploadFailure = (json: unknown): ProviderFailure | undefined => {
  const parsed = ruploadFailureSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { retriable, type } = parsed.data.debug_info;
  return { kind: retriable === true ? 'transient' : 'permanent', code: type ?? 'upload_failed', message: 'Facebook did not take the reel upload' };
};

/** Hands the reel's file to Facebook by URL: the `file_url` header, which Facebook fetches (https://developers.facebook.com/docs/video-api/guides/reels-publishing#step-2--upload-the-video). */
export const uploadReelFromUrl = async (ctx: CallContext, s: PageSession, uploadUrl: string, fileUrl: string): Promise<void> => {
  const classify = (failure: HttpFailure): ProviderFailure => ruploadFailure(failure.json) ?? ctx.classify(failure);
  const res = await sendClassified({ ...ctx, classify }, { method: 'POST', url: uploadUrl, headers: { authorization: `OAuth ${s.accessToken}`, file_url: fileUrl } });
  const json = parseJson(res.text);
  if (successSchema.safeParse(json).success) return;
  throw new ProviderError(ctx.platform, ruploadFailure(json) ?? { kind: 'permanent', code: 'upload_failed', message: 'Facebook did not confirm the reel upload' });
};

/** Publishes an uploaded reel with its description (https://developers.facebook.com/docs/video-api/guides/reels-publishing#step-3--publish-the-reel). */
export const finishReel = async (ctx: CallContext, s: PageSession, input: { readonly videoId: string; readonly description: string }): Promise<void> => {
  await graphPost(
    ctx,
    edge(s, 'video_reels', { upload_phase: 'finish', video_id: input.videoId, video_state: 'PUBLISHED', ...(input.description ? { description: input.description } : {}) }),
    successSchema,
  );
};

const phaseSchema = z
  .object({
    status: z.string().optional(),
    errors: z.array(z.object({ code: z.number().optional(), message: z.string().optional() })).optional(),
  })
  .optional();

const statusSchema = z.object({
  id: idSchema.optional(),
  status: z.object({
    video_status: z.string(),
    uploading_phase: phaseSchema,
    processing_phase: phaseSchema,
    publishing_phase: phaseSchema.and(z.object({ publish_status: z.string().optional() }).optional()),
  }),
});
export type VideoStatus = z.infer<typeof statusSchema>['status'];

/**
 * Where a video stands: `ready` (processed and published), `processing` (with whether publishing
 * has begun, i.e. a reel's finish call arrived), or `failed`.
 */
export type VideoState =
  | { readonly state: 'ready' }
  | { readonly state: 'processing'; readonly publishingStarted: boolean }
  | { readonly state: 'failed'; readonly reason: string };

/** Reads a video's status (https://developers.facebook.com/docs/graph-api/reference/video-status). */
export const videoStatus = async (ctx: CallContext, s: PageSession, videoId: string): Promise<VideoState> => {
  const { status } = await graphGet(
    ctx,
    { host: FACEBOOK_GRAPH, path: `/${encodeURIComponent(videoId)}`, accessToken: s.accessToken, appSecret: s.appSecret, query: { fields: 'status' } },
    statusSchema,
  );
  const phases = [status.uploading_phase, status.processing_phase, status.publishing_phase];
  const failed = phases.find((p) => p?.status === 'error');
  if (status.video_status === 'error' || status.video_status === 'expired' || failed) {
    return { state: 'failed', reason: (failed?.errors?.[0]?.message ?? `video ${status.video_status}`).slice(0, 200) };
  }
  const publishing = status.publishing_phase?.status;
  if (status.video_status === 'ready' && (publishing === undefined || publishing === 'complete')) return { state: 'ready' };
  return { state: 'processing', publishingStarted: publishing === 'in_progress' || publishing === 'complete' };
};

const videoSchema = z.object({ id: idSchema, description: z.string().optional(), created_time: z.string().optional() });

/** The Page's video with `description` uploaded since `since` (less the clock skew allowed) (https://developers.facebook.com/docs/graph-api/reference/page/videos). */
export const findPageVideo = async (ctx: CallContext, s: PageSession, description: string, since: Date): Promise<string | undefined> => {
  const answer = await graphGet(
    ctx,
    {
      host: FACEBOOK_GRAPH,
      path: `/${encodeURIComponent(s.pageId)}/videos`,
      accessToken: s.accessToken,
      appSecret: s.appSecret,
      query: { fields: 'id,description,created_time', limit: 25 },
    },
    z.object({ data: z.array(videoSchema) }),
  );
  return answer.data.find((v) => sameText(v.description, description) && !(metaTimeMs(v.created_time) < since.getTime() - MATCH_SKEW_MS))?.id;
};
