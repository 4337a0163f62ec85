/**
 * The shapes X answers with, as zod schemas: every platform answer is parsed through one of these.
 * Unknown members are dropped; members X documents as optional stay optional.
 */
import { z } from 'zod';

/** Token endpoint answer. https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token */
export const tokenAnswerSchema = z.object({
  token_type: z.string().optional(),
  access_token: z.string().min(1),
  expires_in: z.number().int().positive().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswerSchema>;

/** Revoke endpoint answer: `{"revoked": true}`. */
export const revokeAnswerSchema = z.object({ revoked: z.boolean() });

/**
 * A user's public counts. OpenAPI 2.167 renames `tweet_count` to `post_count` and adds
 * `like_count`/`media_count`: both spellings are accepted.
 */
export const userPublicMetricsSchema = z.object({
  followers_count: z.number().int().nonnegative(),
  following_count: z.number().int().nonnegative(),
  tweet_count: z.number().int().nonnegative().optional(),
  post_count: z.number().int().nonnegative().optional(),
  listed_count: z.number().int().nonnegative().optional(),
  like_count: z.number().int().nonnegative().optional(),
  media_count: z.number().int().nonnegative().optional(),
});

/** https://docs.x.com/x-api/fundamentals/data-dictionary#user */
export const userSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  username: z.string(),
  verified: z.boolean().optional(),
  verified_type: z.string().optional(),
  profile_image_url: z.string().optional(),
  created_at: z.string().optional(),
  description: z.string().optional(),
  public_metrics: userPublicMetricsSchema.optional(),
});
export type XUser = z.infer<typeof userSchema>;

/** A post's public counts. https://docs.x.com/x-api/fundamentals/metrics */
export const postPublicMetricsSchema = z.object({
  retweet_count: z.number().int().nonnegative(),
  reply_count: z.number().int().nonnegative(),
  like_count: z.number().int().nonnegative(),
  quote_count: z.number().int().nonnegative().optional(),
  bookmark_count: z.number().int().nonnegative().optional(),
  impression_count: z.number().int().nonnegative().optional(),
});

export const postSchema = z.object({
  id: z.string().min(1),
  text: z.string().optional(),
  created_at: z.string().optional(),
  author_id: z.string().optional(),
  public_metrics: postPublicMetricsSchema.optional(),
});
export type XPost = z.infer<typeof postSchema>;

/** One problem, as a whole error body or as an entry of a partial answer's `errors[]`. */
export const problemSchema = z.object({
  type: z.string().optional(),
  title: z.string().optional(),
  detail: z.string().optional(),
  status: z.number().optional(),
  resource_id: z.string().optional(),
  resource_type: z.string().optional(),
  parameter: z.string().optional(),
});
export type XProblem = z.infer<typeof problemSchema>;

/** Legacy v1.1 error entries (`{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`). */
export const legacyErrorsSchema = z.object({
  errors: z.array(z.object({ code: z.number().int(), message: z.string().optional() })).min(1),
});

/** Token/revoke endpoint errors: `{"error":"invalid_request","error_description":"…"}`. */
export const oauthErrorSchema = z.object({ error: z.string().min(1), error_description: z.string().optional() });

/** `GET /2/users/me` and `GET /2/users/:id`. */
export const userAnswerSchema = z.object({
  data: userSchema.optional(),
  errors: z.array(problemSchema).optional(),
});

/** `GET /2/users/:id/tweets` with `expansions=author_id`. */
export const timelineAnswerSchema = z.object({
  data: z.array(postSchema).optional(),
  includes: z.object({ users: z.array(userSchema).optional() }).optional(),
  meta: z
    .object({
      result_count: z.number().int().nonnegative().optional(),
      newest_id: z.string().optional(),
      oldest_id: z.string().optional(),
      next_token: z.string().optional(),
    })
    .optional(),
  errors: z.array(problemSchema).optional(),
});
export type TimelineAnswer = z.infer<typeof timelineAnswerSchema>;

// ─── publishing ──────────────────────────────────────────────────────────────────────────────

/**
 * `processing_info` of FINALIZE and STATUS: `pending` → `in_progress` → `succeeded` | `failed`.
 * https://docs.x.com/x-api/media/quickstart/media-upload-chunked
 */
export const processingInfoSchema = z.object({
  state: z.enum(['pending', 'in_progress', 'succeeded', 'failed']),
  check_after_secs: z.number().nonnegative().optional(),
  progress_percent: z.number().optional(),
  error: z.object({ code: z.number().optional(), name: z.string().optional(), message: z.string().optional() }).optional(),
});
export type ProcessingInfo = z.infer<typeof processingInfoSchema>;

/** Answer of `POST /2/media/upload`, `/initialize`, `/{id}/finalize` and the STATUS poll. */
export const mediaUploadAnswerSchema = z.object({
  data: z.object({
    id: z.string().min(1),
    media_key: z.string().optional(),
    size: z.number().optional(),
    expires_after_secs: z.number().optional(),
    processing_info: processingInfoSchema.optional(),
  }),
});
export type MediaUploadAnswer = z.infer<typeof mediaUploadAnswerSchema>;

/** `POST /2/media/metadata`: only the id matters to us. */
export const mediaMetadataAnswerSchema = z.object({ data: z.object({ id: z.string().optional() }).optional() });

/** `POST /2/tweets` → 201 `{"data":{"id","text"}}` (https://docs.x.com/x-api/posts/create-post). */
export const createPostAnswerSchema = z.object({ data: z.object({ id: z.string().min(1), text: z.string().optional() }) });

/** A post as the reconcile lookup reads it (`referenced_tweets` tells a reply from a post). */
export const ownPostSchema = postSchema.extend({
  referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
});
export type OwnPost = z.infer<typeof ownPostSchema>;

export const ownTimelineSchema = z.object({
  data: z.array(ownPostSchema).optional(),
  meta: z.object({ result_count: z.number().optional(), next_token: z.string().optional() }).optional(),
  errors: z.array(problemSchema).optional(),
});

// ─── analytics ───────────────────────────────────────────────────────────────────────────────

/** https://docs.x.com/x-api/fundamentals/metrics: private metrics only on the user's own posts ≤ 30 days. */
export const nonPublicMetricsSchema = z.object({
  impression_count: z.number().int().nonnegative().optional(),
  url_link_clicks: z.number().int().nonnegative().optional(),
  user_profile_clicks: z.number().int().nonnegative().optional(),
  engagements: z.number().int().nonnegative().optional(),
});

export const organicMetricsSchema = z.object({
  impression_count: z.number().int().nonnegative().optional(),
  like_count: z.number().int().nonnegative().optional(),
  reply_count: z.number().int().nonnegative().optional(),
  retweet_count: z.number().int().nonnegative().optional(),
  url_link_clicks: z.number().int().nonnegative().optional(),
  user_profile_clicks: z.number().int().nonnegative().optional(),
});

export const metricsPostSchema = postSchema.extend({
  non_public_metrics: nonPublicMetricsSchema.optional(),
  organic_metrics: organicMetricsSchema.optional(),
  attachments: z.object({ media_keys: z.array(z.string()).optional() }).optional(),
});
export type MetricsPost = z.infer<typeof metricsPostSchema>;

export const metricsMediaSchema = z.object({
  media_key: z.string(),
  type: z.string().optional(),
  public_metrics: z.object({ view_count: z.number().int().nonnegative().optional() }).optional(),
});
export type MetricsMedia = z.infer<typeof metricsMediaSchema>;

/** `GET /2/tweets?ids=…` (also the single-post form's `data` object, normalised to a list). */
export const postsLookupSchema = z.object({
  data: z.union([z.array(metricsPostSchema), metricsPostSchema]).optional(),
  includes: z.object({ media: z.array(metricsMediaSchema).optional() }).optional(),
  errors: z.array(problemSchema.extend({ field: z.string().optional() })).optional(),
});
export type PostsLookup = z.infer<typeof postsLookupSchema>;

// ─── webhooks ────────────────────────────────────────────────────────────────────────────────

/** https://docs.x.com/x-api/webhooks/quickstart: create (`data` object) and list (`data` array). */
export const webhookConfigSchema = z.object({
  id: z.string().min(1),
  url: z.string(),
  valid: z.boolean(),
  created_at: z.string().optional(),
});
export type XWebhookConfig = z.infer<typeof webhookConfigSchema>;
export const webhookCreateAnswerSchema = z.object({ data: webhookConfigSchema });
export const webhookListAnswerSchema = z.object({ data: z.array(webhookConfigSchema).default([]), meta: z.object({ result_count: z.number() }).optional() });
export const webhookValidateAnswerSchema = z.object({ data: z.object({ valid: z.boolean() }) });
export const webhookDeleteAnswerSchema = z.object({ data: z.object({ deleted: z.boolean() }) });
export const subscriptionAnswerSchema = z.object({ data: z.object({ subscribed: z.boolean() }) });
/** App-only bearer token: https://docs.x.com/fundamentals/authentication/oauth-2-0/bearer-tokens */
export const appTokenAnswerSchema = z.object({ token_type: z.string(), access_token: z.string().min(1) });
