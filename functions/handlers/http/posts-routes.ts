/**
 * The posts and media routes of the api function: a route table keyed by API Gateway's route key,
 * merged into the api handler's table. Every route acts for the caller of the verified JWT.
 */
import { z } from 'zod';
import { ValidationError } from '../../core/errors';
import type { UseCaseDeps } from '../../core/use-cases/context';
import { postAnalytics, refreshPostAnalytics } from '../../core/use-cases/post-analytics';
import { cancelPost, createMediaUpload, createPost, getMedia, getPost, listPosts, previewPost, retryPost } from '../../core/use-cases/posts';
import { deps } from '../../composition/deps';
import { callerOf, json, parseBody, parseQuery, type Request, type Route } from '../lib/http';

const id = z.string().min(1).max(64).regex(/^[0-9A-Za-z_-]+$/, 'must be an id');

const overrides = z
  .object({
    text: z.string().max(100_000).optional(),
    media: z.array(id).max(35).optional(),
    link: z.url().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const draft = z
  .object({
    text: z.string().max(100_000),
    media: z.array(id).max(35).optional(),
    link: z.url().optional(),
    targets: z.array(z.object({ connectionId: id, overrides: overrides.optional() }).strict()).min(1).max(50),
    scheduledAt: z.string().max(40).optional(),
    timeZone: z.string().min(1).max(64).optional(),
  })
  .strict();

const previewBody = draft.omit({ scheduledAt: true, timeZone: true });

const listQuery = z.object({
  status: z.enum(['scheduled', 'publishing', 'published', 'partial', 'failed', 'cancelled']).optional(),
  cursor: z.string().min(1).max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const retryBody = z.object({ connectionIds: z.array(id).min(1).max(50).optional() }).strict();

const mediaBody = z
  .object({
    contentType: z.string().min(1).max(100),
    size: z.number(),
    fileName: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^/\\\u0000-\u001f]+$/, 'must be a plain file name')
      .optional(),
  })
  .strict();

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header, when the caller sent one (printable ASCII, at most 255 characters). */
const idempotencyKey = (req: Request): string | undefined => {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) throw new ValidationError([{ field: 'headers.idempotency-key', message: 'must be 1 to 255 printable ASCII characters' }]);
  return key;
};

const param = (req: Request, name: string): string => req.params[name] ?? '';

/** Builds the routes over a dependency source (the composition root in Lambda, in-memory ports in tests). */
export const createPostRoutes = (getDeps: () => UseCaseDeps): Readonly<Record<string, Route>> => ({
  'POST /v1/posts/preview': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await previewPost(getDeps(), caller.userId, parseBody(req.event, previewBody)));
  },

  'POST /v1/posts': async (req) => {
    const caller = callerOf(req.event);
    const body = parseBody(req.event, draft);
    const result = await createPost(getDeps(), caller.userId, body, idempotencyKey(req));
    return json(result.created ? 201 : 200, result.post, result.created ? { location: `/v1/posts/${result.post.id}` } : {});
  },

  'GET /v1/posts': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await listPosts(getDeps(), caller.userId, parseQuery(req, listQuery)));
  },

  'GET /v1/posts/{id}': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await getPost(getDeps(), caller.userId, param(req, 'id')));
  },

  'DELETE /v1/posts/{id}': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await cancelPost(getDeps(), caller.userId, param(req, 'id')));
  },

  'POST /v1/posts/{id}/retry': async (req) => {
    const caller = callerOf(req.event);
    const body = parseBody(req.event, retryBody);
    return json(200, await retryPost(getDeps(), caller.userId, param(req, 'id'), body.connectionIds));
  },

  'GET /v1/posts/{id}/analytics': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await postAnalytics(getDeps(), caller.userId, param(req, 'id')));
  },

  'POST /v1/posts/{id}/analytics/refresh': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await refreshPostAnalytics(getDeps(), caller.userId, param(req, 'id')));
  },

  'POST /v1/media': async (req) => {
    const caller = callerOf(req.event);
    const body = parseBody(req.event, mediaBody);
    const { created, ...upload } = await createMediaUpload(getDeps(), caller.userId, body, idempotencyKey(req));
    return json(created ? 201 : 200, upload, created ? { location: `/v1/media/${upload.mediaId}` } : {});
  },

  'GET /v1/media/{id}': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await getMedia(getDeps(), caller.userId, param(req, 'id')));
  },
});

/** The routes as the api function serves them. */
export const postRoutes = createPostRoutes(deps);
