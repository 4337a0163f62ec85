/**
 * The Graph calls of Instagram's content publishing
 * (https://developers.facebook.com/docs/instagram-platform/content-publishing):
 * media containers (`POST /{ig-user-id}/media`), their status (`GET /{container-id}`), publishing
 * (`POST /{ig-user-id}/media_publish`), the rolling publishing limit
 * (`GET /{ig-user-id}/content_publishing_limit`) and the account's recent media.
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { graphGet, graphPost } from '../meta-graph/request';
import type { IgSession } from './graph';

const idSchema = z.union([z.string().min(1), z.number()]).transform(String);
const idAnswerSchema = z.object({ id: idSchema });

/** `status_code` of a container (https://developers.facebook.com/docs/instagram-platform/reference/ig-container). */
export const CONTAINER_STATES = ['IN_PROGRESS', 'FINISHED', 'ERROR', 'EXPIRED', 'PUBLISHED'] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

const statusSchema = z.object({
  id: idSchema.optional(),
  status_code: z.enum(CONTAINER_STATES),
  // e.g. "Error: Media download has failed. The media URI doesn't meet our requirements."
  status: z.string().optional(),
});
export type ContainerStatus = z.infer<typeof statusSchema>;

const limitSchema = z.object({
  data: z
    .array(
      z.object({
        quota_usage: z.number().nonnegative(),
        config: z.object({ quota_total: z.number().positive(), quota_duration: z.number().positive() }).optional(),
      }),
    )
    .min(1),
});

const mediaSchema = z.object({
  id: idSchema,
  caption: z.string().optional(),
  timestamp: z.string().optional(),
  permalink: z.string().optional(),
  media_product_type: z.string().optional(),
});
export type RecentMedia = z.infer<typeof mediaSchema>;
const mediaListSchema = z.object({ data: z.array(mediaSchema) });

/** Creates a media container with `params` (already in Graph's names) and returns its id (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#creating). */
export const createContainer = async (ctx: CallContext, s: IgSession, igUserId: string, params: Readonly<Record<string, string | undefined>>): Promise<string> =>
  (
    await graphPost(
      ctx,
      { host: s.host, path: `/${encodeURIComponent(igUserId)}/media`, accessToken: s.accessToken, appSecret: s.appSecret, form: params },
      idAnswerSchema,
    )
  ).id;

/** A container's status; Meta: poll at most once a minute, for up to five minutes (https://developers.facebook.com/docs/instagram-platform/reference/ig-container). */
export const containerStatus = (ctx: CallContext, s: IgSession, containerId: string): Promise<ContainerStatus> =>
  graphGet(
    ctx,
    { host: s.host, path: `/${encodeURIComponent(containerId)}`, accessToken: s.accessToken, appSecret: s.appSecret, query: { fields: 'id,status_code,status' } },
    statusSchema,
  );

/** Publishes a finished container: the new media's id (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media_publish). */
export const publishContainer = async (ctx: CallContext, s: IgSession, igUserId: string, containerId: string): Promise<string> =>
  (
    await graphPost(
      ctx,
      { host: s.host, path: `/${encodeURIComponent(igUserId)}/media_publish`, accessToken: s.accessToken, appSecret: s.appSecret, form: { creation_id: containerId } },
      idAnswerSchema,
    )
  ).id;

/** A media's permalink (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media). */
export const permalinkOf = async (ctx: CallContext, s: IgSession, mediaId: string): Promise<string | undefined> =>
  (
    await graphGet(
      ctx,
      { host: s.host, path: `/${encodeURIComponent(mediaId)}`, accessToken: s.accessToken, appSecret: s.appSecret, query: { fields: 'id,permalink' } },
      mediaSchema,
    )
  ).permalink;

export interface PublishingQuota {
  readonly usage: number;
  readonly total: number;
  readonly durationSeconds: number;
}

/** The documented cap when an answer leaves `config` out (50 posts per rolling 24 hours). */
const DEFAULT_QUOTA = { total: 50, durationSeconds: 86_400 } as const;

/**
 * How many posts the account published through the API in the rolling window, and the cap
 * (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit).
 */
export const publishingQuota = async (ctx: CallContext, s: IgSession, igUserId: string): Promise<PublishingQuota> => {
  const answer = await graphGet(
    ctx,
    {
      host: s.host,
      path: `/${encodeURIComponent(igUserId)}/content_publishing_limit`,
      accessToken: s.accessToken,
      appSecret: s.appSecret,
      query: { fields: 'quota_usage,config' },
    },
    limitSchema,
  );
  const first = answer.data[0]!;
  return {
    usage: first.quota_usage,
    total: first.config?.quota_total ?? DEFAULT_QUOTA.total,
    durationSeconds: first.config?.quota_duration ?? DEFAULT_QUOTA.durationSeconds,
  };
};

/**
 * The account's newest media, newest first: the `media` edge, or `stories` (live stories only)
 * (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
 * …/ig-user/stories).
 */
export const recentMedia = async (ctx: CallContext, s: IgSession, igUserId: string, edge: 'media' | 'stories', limit = 25): Promise<RecentMedia[]> =>
  (
    await graphGet(
      ctx,
      {
        host: s.host,
        path: `/${encodeURIComponent(igUserId)}/${edge}`,
        accessToken: s.accessToken,
        appSecret: s.appSecret,
        query: { fields: 'id,caption,timestamp,permalink,media_product_type', limit },
      },
      mediaListSchema,
    )
  ).data;
