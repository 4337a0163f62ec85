/**
 * Contracts of the posts and media routes (`../posts-routes.ts`): the drafts they parse, the
 * `Idempotency-Key` they honour and the views they answer with.
 */
import { z } from 'zod';
import { contractsOf, instant, locationHeader } from './contract';

const id = z.string().min(1).max(64).regex(/^[0-9A-Za-z_-]+$/, 'must be an id');

const overrides = z
  .object({
    text: z.string().max(100_000).optional(),
    media: z.array(id).max(35).optional().describe('Media ids; an empty list means no media on this target'),
    link: z.url().optional(),
    options: z.record(z.string(), z.unknown()).optional().describe("Platform options, checked by the target's platform (unknown ones are refused)"),
  })
  .strict();

export const draftBody = z
  .object({
    text: z.string().max(100_000),
    media: z.array(id).max(35).optional().describe('Ids of declared and uploaded media (`POST /v1/media`)'),
    link: z.url().optional(),
    targets: z
      .array(z.object({ connectionId: id, overrides: overrides.optional() }).strict())
      .min(1)
      .max(50),
    scheduledAt: z.string().max(40).optional().describe('When to publish: an instant, or a wall-clock time read in `timeZone`; default now'),
    timeZone: z.string().min(1).max(64).optional().describe('IANA zone, e.g. `Europe/Paris`'),
  })
  .strict();

export const previewBody = draftBody.omit({ scheduledAt: true, timeZone: true });

export const listPostsQuery = z.object({
  status: z.enum(['scheduled', 'publishing', 'published', 'partial', 'failed', 'cancelled']).optional(),
  cursor: z.string().min(1).max(2048).optional().describe('From the previous page'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const retryBody = z.object({ connectionIds: z.array(id).min(1).max(50).optional().describe('Only these targets; default every failed or missed one') }).strict();

export const mediaBody = z
  .object({
    contentType: z.string().min(1).max(100).describe('One of image/jpeg, image/png, image/gif, image/webp, video/mp4, video/quicktime, video/webm'),
    size: z.number().describe('Bytes, at most 1 GiB'),
    fileName: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^/\\\u0000-\u001f]+$/, 'must be a plain file name')
      .optional(),
  })
  .strict();

/** The `Idempotency-Key` header: a repeat with the same key and body answers the first result. */
export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters')
    .optional()
    .describe('Makes the request safe to repeat for 24 hours: a repeat with the same body answers 200 with the first result; with another body, 422'),
});

const postParams = z.object({ id: z.string().describe('The post id') });

// ─── views ───────────────────────────────────────────────────────────────────────────────────

const postStatus = z.enum(['scheduled', 'publishing', 'published', 'partial', 'failed', 'cancelled']);
const targetState = z.enum(['scheduled', 'claimed', 'publishing', 'processing', 'published', 'failed', 'unconfirmed', 'cancelled', 'missed']);

const violation = z.object({ field: z.string().describe('Dotted path, e.g. `text`, `media.1`, `options.privacyLevel`'), code: z.string(), message: z.string() });

const previewResultSchema = z.object({
  valid: z.boolean(),
  targets: z.array(
    z.object({
      connectionId: z.string(),
      platform: z.string().optional(),
      valid: z.boolean(),
      violations: z.array(violation),
      warnings: z.array(violation),
      preview: z
        .object({ text: z.string(), length: z.number(), limit: z.number(), parts: z.array(z.string()).optional() })
        .optional()
        .describe('The text as the platform will show it, with its counted length'),
    }),
  ),
});

const targetErrorSchema = z
  .object({ kind: z.enum(['auth_expired', 'rate_limited', 'invalid_request', 'transient', 'permanent']), code: z.string().optional(), message: z.string() })
  .meta({ id: 'TargetError', description: 'Why a target failed: the kind, the platform code and a message safe to show.' });

const postSummarySchema = z
  .object({
    id: z.string(),
    status: postStatus,
    text: z.string(),
    media: z.array(z.string()),
    link: z.string().optional(),
    scheduledAt: instant,
    timeZone: z.string(),
    localTime: z.string().describe('The wall-clock time in `timeZone`'),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'PostSummary', description: 'A post without its targets.' });

const postViewSchema = postSummarySchema
  .extend({
    targets: z.array(
      z.object({
        connectionId: z.string(),
        platform: z.string(),
        state: targetState,
        attempts: z.number().int(),
        dueAt: instant,
        overrides: z
          .object({ text: z.string().optional(), media: z.array(z.string()).optional(), link: z.string().optional(), options: z.record(z.string(), z.unknown()).optional() })
          .optional(),
        platformPostId: z.string().optional(),
        url: z.string().optional(),
        publishedAt: instant.optional(),
        error: targetErrorSchema.optional(),
        nextAttemptAt: instant.optional().describe('When the engine next looks at the target'),
      }),
    ),
  })
  .meta({ id: 'Post', description: 'A post with each target in the order given.' });

const postListSchema = z.object({ posts: z.array(postSummarySchema), cursor: z.string().optional().describe('Present when there is a next page') });

const cancelResultSchema = z.object({
  id: z.string(),
  status: postStatus,
  cancelled: z.array(z.string()),
  notCancelled: z.array(z.object({ connectionId: z.string(), state: targetState })).describe('Targets that had already gone out or started to'),
});

const targetMetricsSchema = z
  .object({
    likes: z.number().optional(),
    comments: z.number().optional(),
    shares: z.number().optional(),
    views: z.number().optional(),
    impressions: z.number().optional(),
    reach: z.number().optional(),
    saves: z.number().optional(),
    clicks: z.number().optional(),
  })
  .meta({ id: 'TargetMetrics', description: 'Engagement of one published target, as the platform reports it.' });

const postAnalyticsSchema = z.object({
  postId: z.string(),
  targets: z.array(
    z.object({
      connectionId: z.string(),
      platform: z.string(),
      state: targetState,
      platformPostId: z.string().optional(),
      publishedAt: instant.optional(),
      latest: targetMetricsSchema.optional(),
      refreshedAt: instant.optional(),
      nextRefreshAt: instant.optional(),
      series: z.array(targetMetricsSchema.extend({ at: instant })),
    }),
  ),
});

const analyticsRefreshSchema = z.object({
  postId: z.string(),
  targets: z.array(
    z.discriminatedUnion('outcome', [
      z.object({ connectionId: z.string(), outcome: z.literal('refreshed'), metrics: targetMetricsSchema }),
      z.object({ connectionId: z.string(), outcome: z.enum(['fresh', 'not_published', 'not_found']) }),
      z.object({
        connectionId: z.string(),
        outcome: z.literal('unsupported'),
        reason: z.string().optional().describe('Why the platform gives this connection no post figures, e.g. a permission it was not granted'),
      }),
      z.object({ connectionId: z.string(), outcome: z.literal('failed'), error: targetErrorSchema }),
    ]),
  ),
});

const mediaUploadSchema = z.object({
  mediaId: z.string(),
  uploadUrl: z.string().describe('PUT the bytes here before `expiresAt`'),
  expiresAt: instant,
  uploadHeaders: z.object({ 'content-type': z.string(), 'content-length': z.string() }).describe('Headers the PUT must carry (they are signed)'),
});

const mediaBase = z.object({ mediaId: z.string(), contentType: z.string(), size: z.number(), fileName: z.string().optional(), createdAt: instant });

const mediaSchema = z.discriminatedUnion('status', [
  mediaBase.extend({ status: z.literal('pending') }),
  mediaBase.extend({ status: z.literal('uploaded'), url: z.string().describe('A read URL, valid until `urlExpiresAt`'), urlExpiresAt: instant }),
]);

export const postContracts = contractsOf({
  'POST /v1/posts/preview': {
    operationId: 'previewPost',
    tag: 'posts',
    body: previewBody,
    responses: { 200: { description: "Each target's verdict and preview", schema: previewResultSchema } },
    errors: [422],
  },

  'POST /v1/posts': {
    operationId: 'createPost',
    tag: 'posts',
    description: 'Every target platform must accept its content, or nothing is saved (400 naming each violation; 422 for a platform that cannot publish).',
    headers: idempotencyHeaders,
    body: draftBody,
    responses: {
      201: { description: 'Created', schema: postViewSchema, headers: { Location: locationHeader } },
      200: { description: 'Created earlier by a request with the same Idempotency-Key', schema: postViewSchema },
    },
    errors: [422],
  },

  'GET /v1/posts': {
    operationId: 'listPosts',
    tag: 'posts',
    query: listPostsQuery,
    responses: { 200: { description: 'A page of posts, newest first', schema: postListSchema } },
  },

  'GET /v1/posts/{id}': { operationId: 'getPost', tag: 'posts', params: postParams, responses: { 200: { description: 'The post', schema: postViewSchema } } },

  'DELETE /v1/posts/{id}': {
    operationId: 'cancelPost',
    tag: 'posts',
    params: postParams,
    responses: { 200: { description: 'What was cancelled and what had already gone', schema: cancelResultSchema } },
  },

  'POST /v1/posts/{id}/retry': {
    operationId: 'retryPost',
    tag: 'posts',
    params: postParams,
    body: retryBody,
    responses: { 200: { description: 'The post, its chosen targets scheduled again', schema: postViewSchema } },
  },

  'GET /v1/posts/{id}/analytics': {
    operationId: 'getPostAnalytics',
    tag: 'posts',
    params: postParams,
    responses: { 200: { description: "Each target's stored series", schema: postAnalyticsSchema } },
  },

  'POST /v1/posts/{id}/analytics/refresh': {
    operationId: 'refreshPostAnalytics',
    tag: 'posts',
    params: postParams,
    responses: { 200: { description: "Each target's outcome", schema: analyticsRefreshSchema } },
  },

  'POST /v1/media': {
    operationId: 'declareMedia',
    tag: 'media',
    description: 'The upload URL is signed for exactly the declared type and size.',
    headers: idempotencyHeaders,
    body: mediaBody,
    responses: {
      201: { description: 'Declared: PUT the file to `uploadUrl`', schema: mediaUploadSchema, headers: { Location: locationHeader } },
      200: { description: 'Declared earlier by a request with the same Idempotency-Key (a fresh upload URL)', schema: mediaUploadSchema },
    },
    errors: [422],
  },

  'GET /v1/media/{id}': {
    operationId: 'getMedia',
    tag: 'media',
    params: z.object({ id: z.string().describe('The media id') }),
    responses: { 200: { description: 'The metadata; once uploaded, a read URL', schema: mediaSchema } },
    errors: [422],
  },
});
