/**
 * The shapes the page reads from the REST API and from `/config.json`, validated with zod so that
 * an unexpected answer is an error shown to the user, never a half-drawn view.
 * They name only the fields the page uses; others pass through unread.
 */
import { z } from 'zod';

// zod compiles parsers with `new Function` when it may; the page's CSP forbids eval, and the
// probe alone would log a CSP violation on every load.
z.config({ jitless: true });

export const dashboardConfig = z.object({
  apiBase: z.string(),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('dev'), tokenUrl: z.string().min(1) }),
    z.object({
      kind: z.literal('oidc'),
      authorizeUrl: z.url(),
      tokenUrl: z.url(),
      clientId: z.string().min(1),
      scopes: z.array(z.string().min(1)).min(1),
      logoutUrl: z.url().optional(),
    }),
  ]),
});
export type DashboardConfig = z.infer<typeof dashboardConfig>;
export type OidcConfig = Extract<DashboardConfig['auth'], { kind: 'oidc' }>;

export const devTokenAnswer = z.object({ token: z.string().min(1) });

/** RFC 6749 §5.1 successful token response (Cognito adds `id_token`). */
export const oidcTokenAnswer = z.object({
  access_token: z.string().min(1),
  id_token: z.string().optional(),
  token_type: z.string(),
  expires_in: z.number().positive().optional(),
});

export const platform = z.object({
  id: z.string(),
  displayName: z.string(),
  docsUrl: z.string().optional(),
  capabilities: z.array(z.string()),
});
export const platformList = z.object({ platforms: z.array(platform) });
export type Platform = z.infer<typeof platform>;

const recent = z.object({ sampleSize: z.number(), likes: z.number(), comments: z.number(), shares: z.number(), views: z.number().optional() });
const snapshot = z.object({
  at: z.string(),
  followers: z.number().optional(),
  following: z.number().optional(),
  posts: z.number().optional(),
  views: z.number().optional(),
  verified: z.boolean().optional(),
  recent: recent.optional(),
});

export const connection = z.object({
  id: z.string(),
  platform: z.string(),
  username: z.string().optional(),
  displayName: z.string(),
  accountType: z.string(),
  status: z.string(),
  statusReason: z.string().optional(),
  tier: z.string(),
  latest: snapshot.optional(),
  lastSyncAt: z.string().optional(),
  lastSyncError: z.string().optional(),
  nextSyncAt: z.string().optional(),
  tokenExpiresAt: z.string().optional(),
  refreshTokenExpiresAt: z.string().optional(),
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
  asOf: z.string().optional(),
  engagement: z.object({ primary: variant.extend({ basis: z.string() }).optional(), sampleSize: z.number().optional() }).optional(),
  growth: z.object({ windows: z.array(z.object({ days: z.number(), absolute: z.number().optional(), percent: z.number().optional() })) }).optional(),
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
  connections: z.record(z.string(), z.object({ outcome: z.string(), detail: z.string().optional() })),
});

const violation = z.object({ field: z.string(), code: z.string(), message: z.string() });
export const preview = z.object({
  valid: z.boolean(),
  targets: z.array(
    z.object({
      connectionId: z.string(),
      platform: z.string().optional(),
      valid: z.boolean(),
      violations: z.array(violation),
      warnings: z.array(violation).default([]),
      preview: z.object({ text: z.string(), length: z.number().optional(), limit: z.number().optional() }).optional(),
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
export const postList = z.object({ posts: z.array(postSummary), cursor: z.string().optional() });

export const postDetail = postSummary.extend({
  targets: z.array(
    z.object({
      connectionId: z.string(),
      platform: z.string(),
      state: z.string(),
      url: z.string().optional(),
      error: z.object({ kind: z.string(), message: z.string() }).optional(),
    }),
  ),
});
export type PostDetail = z.infer<typeof postDetail>;

/** `application/problem+json` (RFC 9457) as the API writes it, or API Gateway's own `{message}`. */
export const problem = z.object({
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
