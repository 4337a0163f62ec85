/**
 * The shapes the page reads from the REST API and from `/config.json`, validated with zod so that
 * an unexpected answer is an error shown to the user, never a half-drawn view.
 * They name only the fields the page uses; others pass through unread.
 */
// `zod/mini`: the same validation as classic zod through functions instead of methods, so the
// bundler drops what the page does not use (classic zod cannot be tree-shaken: ~450 KB of app.js).
import * as z from 'zod/mini';

// zod compiles parsers with `new Function` when it may; the page's CSP forbids eval, and the
// probe alone would log a CSP violation on every load.
z.config({ jitless: true });

export const dashboardConfig = z.object({
  apiBase: z.string(),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('dev'), tokenUrl: z.string().check(z.minLength(1)) }),
    z.object({
      kind: z.literal('oidc'),
      authorizeUrl: z.url(),
      tokenUrl: z.url(),
      clientId: z.string().check(z.minLength(1)),
      scopes: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
      logoutUrl: z.optional(z.url()),
    }),
  ]),
});
export type DashboardConfig = z.infer<typeof dashboardConfig>;
export type OidcConfig = Extract<DashboardConfig['auth'], { kind: 'oidc' }>;

export const devTokenAnswer = z.object({ token: z.string().check(z.minLength(1)) });

/** RFC 6749 §5.1 successful token response (Cognito adds `id_token`). */
export const oidcTokenAnswer = z.object({
  access_token: z.string().check(z.minLength(1)),
  id_token: z.optional(z.string()),
  token_type: z.string(),
  expires_in: z.optional(z.number().check(z.positive())),
});

export const platform = z.object({
  id: z.string(),
  displayName: z.string(),
  docsUrl: z.optional(z.string()),
  capabilities: z.array(z.string()),
});
export const platformList = z.object({ platforms: z.array(platform) });
export type Platform = z.infer<typeof platform>;

const recent = z.object({ sampleSize: z.number(), likes: z.number(), comments: z.number(), shares: z.number(), views: z.optional(z.number()) });
const snapshot = z.object({
  at: z.string(),
  followers: z.optional(z.number()),
  following: z.optional(z.number()),
  posts: z.optional(z.number()),
  views: z.optional(z.number()),
  verified: z.optional(z.boolean()),
  recent: z.optional(recent),
});

export const connection = z.object({
  id: z.string(),
  platform: z.string(),
  username: z.optional(z.string()),
  displayName: z.string(),
  accountType: z.string(),
  status: z.string(),
  statusReason: z.optional(z.string()),
  tier: z.string(),
  latest: z.optional(snapshot),
  lastSyncAt: z.optional(z.string()),
  lastSyncError: z.optional(z.string()),
  nextSyncAt: z.optional(z.string()),
  tokenExpiresAt: z.optional(z.string()),
  refreshTokenExpiresAt: z.optional(z.string()),
  createdAt: z.string(),
});
export const connectionList = z.object({ connections: z.array(connection) });
export type Connection = z.infer<typeof connection>;

export const history = z.object({
  connectionId: z.string(),
  interval: z.enum(['hour', 'day']),
  from: z.string(),
  to: z.string(),
  points: z.array(snapshot),
});
export type History = z.infer<typeof history>;

const variant = z.object({ value: z.number(), formula: z.string() });
export const insights = z.object({
  connectionId: z.string(),
  asOf: z.optional(z.string()),
  engagement: z.optional(z.object({ primary: z.optional(z.extend(variant, { basis: z.string() })), sampleSize: z.optional(z.number()) })),
  growth: z.optional(z.object({ windows: z.array(z.object({ days: z.number(), absolute: z.optional(z.number()), percent: z.optional(z.number()) })) })),
  authenticity: z.object({
    score: z.number(),
    confidence: z.string(),
    daysOfHistory: z.number(),
    reasons: z.array(z.object({ code: z.string(), penalty: z.number(), message: z.string() })),
    checks: z.record(z.string(), z.string()),
  }),
});
export type Insights = z.infer<typeof insights>;

export const syncRequested = z.object({ jobId: z.string(), queued: z.number(), fresh: z.number(), skipped: z.number() });
export const syncJob = z.object({
  status: z.enum(['running', 'done']),
  connections: z.record(z.string(), z.object({ outcome: z.string(), detail: z.optional(z.string()) })),
});

const violation = z.object({ field: z.string(), code: z.string(), message: z.string() });
export const preview = z.object({
  valid: z.boolean(),
  targets: z.array(
    z.object({
      connectionId: z.string(),
      platform: z.optional(z.string()),
      valid: z.boolean(),
      violations: z.array(violation),
      warnings: z._default(z.array(violation), []),
      preview: z.optional(z.object({ text: z.string(), length: z.optional(z.number()), limit: z.optional(z.number()) })),
    }),
  ),
});
export type Preview = z.infer<typeof preview>;

export const postSummary = z.object({
  id: z.string(),
  status: z.string(),
  text: z.string(),
  scheduledAt: z.string(),
  timeZone: z.string(),
  localTime: z.string(),
  createdAt: z.string(),
});
export type PostSummary = z.infer<typeof postSummary>;
export const postList = z.object({ posts: z.array(postSummary), cursor: z.optional(z.string()) });

export const postDetail = z.extend(postSummary, {
  targets: z.array(
    z.object({
      connectionId: z.string(),
      platform: z.string(),
      state: z.string(),
      url: z.optional(z.string()),
      error: z.optional(z.object({ kind: z.string(), message: z.string() })),
    }),
  ),
});
export type PostDetail = z.infer<typeof postDetail>;

/** `application/problem+json` (RFC 9457) as the API writes it, or API Gateway's own `{message}`. */
export const problem = z.object({
  title: z.optional(z.string()),
  status: z.optional(z.number()),
  detail: z.optional(z.string()),
  message: z.optional(z.string()),
  errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
});
