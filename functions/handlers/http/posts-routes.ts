/**
 * The posts and media routes of the api function: a route table keyed by API Gateway's route key,
 * merged into the api handler's table. Every route acts for the caller of the verified JWT.
 */
import type { UseCaseDeps } from '../../core/use-cases/context';
import { postAnalytics, refreshPostAnalytics } from '../../core/use-cases/post-analytics';
import { cancelPost, createMediaUpload, createPost, getMedia, getPost, listPosts, previewPost, retryPost } from '../../core/use-cases/posts';
import { deps } from '../../composition/deps';
import { callerOf, type Route } from '../lib/http';
import { implement } from './contracts/contract';
import { postContracts } from './contracts/posts-routes';

/** Builds the routes over a dependency source (the composition root in Lambda, in-memory ports in tests). */
export const createPostRoutes = (getDeps: () => UseCaseDeps): Readonly<Record<keyof typeof postContracts, Route>> =>
  implement(postContracts, {
    'POST /v1/posts/preview': async (input, reply) => {
      const caller = callerOf(input.req.event);
      return reply(200, await previewPost(getDeps(), caller.userId, input.body()));
    },

    'POST /v1/posts': async (input, reply) => {
      const caller = callerOf(input.req.event);
      const body = input.body();
      const result = await createPost(getDeps(), caller.userId, body, input.headers()['idempotency-key']);
      return result.created ? reply(201, result.post, { location: `/v1/posts/${result.post.id}` }) : reply(200, result.post);
    },

    'GET /v1/posts': async (input, reply) => {
      const caller = callerOf(input.req.event);
      return reply(200, await listPosts(getDeps(), caller.userId, input.query()));
    },

    'GET /v1/posts/{id}': async (input, reply) => {
      const caller = callerOf(input.req.event);
      return reply(200, await getPost(getDeps(), caller.userId, input.params().id));
    },

    'DELETE /v1/posts/{id}': async (input, reply) => {
      const caller = callerOf(input.req.event);
      return reply(200, await cancelPost(getDeps(), caller.userId, input.params().id));
    },

    'POST /v1/posts/{id}/retry': async (input, reply) => {
      const caller = callerOf(input.req.event);
      const body = input.body();
      return reply(200, await retryPost(getDeps(), caller.userId, input.params().id, body.connectionIds));
    },

    'GET /v1/posts/{id}/analytics': async (input, reply) => {
      const caller = callerOf(input.req.event);
      return reply(200, await postAnalytics(getDeps(), caller.userId, input.params().id));
    },

    'POST /v1/posts/{id}/analytics/refresh': async (input, reply) => {
      const caller = callerOf(input.req.event);
      return reply(200, await refreshPostAnalytics(getDeps(), caller.userId, input.params().id));
    },

    'POST /v1/media': async (input, reply) => {
      const caller = callerOf(input.req.event);
      const body = input.body();
      const { created, ...upload } = await createMediaUpload(getDeps(), caller.userId, body, input.headers()['idempotency-key']);
      return created ? reply(201, upload, { location: `/v1/media/${upload.mediaId}` }) : reply(200, upload);
    },

    'GET /v1/media/{id}': async (input, reply) => {
      const caller = callerOf(input.req.event);
      return reply(200, await getMedia(getDeps(), caller.userId, input.params().id));
    },
  });

/** The routes as the api function serves them. */
export const postRoutes = createPostRoutes(deps);
