/**
 * Response bodies of the api function's connection, insight, sync and admin routes. The handlers
 * reply through `implement`, so the compiler holds every reply to these schemas; the OpenAPI
 * document is generated from them.
 */
import { z } from 'zod';
import { instant } from './contract';

const counts = z.record(z.string(), z.number());

export const audienceSchema = z
  .object({
    unit: z.enum(['followers', 'percent_of_views']).describe('What the numbers are: follower counts, or percentages of views'),
    byCountry: counts.optional().describe('By ISO country code'),
    byCity: counts.optional(),
    byAgeGender: counts.optional().describe('By gender and age group, e.g. `F.25-34`'),
  })
  .meta({ id: 'AudienceBreakdown', description: "Who an account's audience is, in the platform's own keys." });

const recentEngagement = z
  .object({
    sampleSize: z.number().describe('How many recent posts the averages cover'),
    likes: z.number(),
    comments: z.number(),
    shares: z.number(),
    views: z.number().optional().describe('Absent where the platform gives no per-post views without extra calls'),
  })
  .meta({ id: 'RecentEngagement', description: "Averages per post over the account's recent posts." });

export const metricSnapshotSchema = z
  .object({
    at: instant,
    followers: z.number().optional(),
    following: z.number().optional(),
    posts: z.number().optional(),
    views: z.number().optional(),
    likes: z.number().optional(),
    verified: z.boolean().optional(),
    recent: recentEngagement.optional(),
    extra: counts.optional().describe('Platform-specific figures, by name'),
    audience: audienceSchema.optional().describe("On the day's first point only"),
  })
  .meta({ id: 'MetricSnapshot', description: 'The figures a sync read, at one instant. A figure the platform does not give is absent.' });

export const connectionViewSchema = z
  .object({
    id: z.string(),
    platform: z.string(),
    platformAccountId: z.string(),
    username: z.string().optional(),
    displayName: z.string(),
    avatarUrl: z.string().optional(),
    accountType: z.string(),
    status: z.enum(['active', 'reauth_required', 'revoked', 'error']),
    statusReason: z.string().optional().describe('Why the status is not active, e.g. `invalid_grant`'),
    scopes: z.array(z.string()),
    tokenExpiresAt: instant.optional(),
    refreshTokenExpiresAt: instant.optional(),
    tier: z.enum(['high', 'default', 'daily']).describe('Sync cadence: every 15 minutes, hourly, daily'),
    latest: metricSnapshotSchema.optional(),
    lastSyncAt: instant.optional(),
    lastSyncError: z.string().optional(),
    nextSyncAt: instant.optional(),
    subscribedAt: instant.optional().describe('When webhooks were last subscribed for the account'),
    subscriptionError: z.string().optional(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'Connection', description: 'A connected platform account (never its tokens).' });

export const connectionListSchema = z.object({ connections: z.array(connectionViewSchema) });

export const disconnectResultSchema = z.object({
  connectionId: z.string(),
  revokedAtPlatform: z.boolean(),
  revokeNote: z.string().optional().describe('Why the grant could not be revoked at the platform'),
  subscriptionNote: z.string().optional().describe("Why the account's webhook subscription could not be removed"),
  historyErased: z.boolean(),
});

export const erasureSchema = z.object({ connectionsErased: z.number().int(), postTargetsErased: z.number().int() });

export const syncRequestSchema = z
  .object({
    jobId: z.string(),
    dryRun: z.boolean(),
    queued: z.number().int(),
    fresh: z.number().int().describe('Synced within the freshness window: not fetched again'),
    skipped: z.number().int().describe('Not active, or the platform has no metrics'),
  })
  .meta({ id: 'SyncRequest', description: 'A manual sync job, as started.' });

export const syncJobSchema = z.object({
  userId: z.string(),
  jobId: z.string(),
  createdAt: instant,
  dryRun: z.boolean(),
  connections: z.record(
    z.string(),
    z.object({
      outcome: z.enum(['queued', 'fresh', 'synced', 'failed', 'not_active', 'unsupported', 'gone', 'would_sync']),
      detail: z.string().optional(),
      at: instant,
    }),
  ),
  status: z.enum(['running', 'done']),
});

export const historySchema = z.object({
  connectionId: z.string(),
  interval: z.enum(['hour', 'day']),
  from: instant,
  to: instant,
  points: z.array(metricSnapshotSchema),
});

// ─── insights ────────────────────────────────────────────────────────────────────────────────

const engagementRate = z.object({
  variant: z.enum(['byFollowers', 'byViews', 'byFollowersLikesComments']),
  value: z.number().optional().describe('Percent (3.2 means 3.2 %); absent when the data does not allow this variant'),
  formula: z.string(),
});

const engagementRates = z
  .object({
    byFollowers: engagementRate,
    byViews: engagementRate,
    byFollowersLikesComments: engagementRate,
    primary: engagementRate.extend({ basis: z.enum(['followers', 'views']) }).describe("The headline rate, chosen by the platform's basis"),
    sampleSize: z.number(),
  })
  .meta({ id: 'EngagementRates', description: 'Every engagement-rate variant the data allows.' });

const followerFigure = z.object({ at: instant, followers: z.number() });

const followerGrowth = z
  .object({
    latest: followerFigure
      .extend({ following: z.number().optional(), posts: z.number().optional(), views: z.number().optional(), likes: z.number().optional() })
      .optional(),
    windows: z.array(
      z.object({
        days: z.number(),
        baseline: followerFigure.optional().describe('Absent when the series does not reach back far enough'),
        absolute: z.number().optional(),
        percent: z.number().optional(),
      }),
    ),
  })
  .meta({ id: 'FollowerGrowth' });

const anomaly = z.object({
  day: z.string(),
  at: instant,
  change: z.number(),
  perDay: z.number(),
  previous: z.number(),
  followers: z.number(),
  threshold: z.number(),
});

const perPostAt = z.object({ at: instant, perPost: z.number() });

const reason = <C extends string, E extends z.ZodType>(code: C, evidence: E) => z.object({ code: z.literal(code), penalty: z.number(), message: z.string(), evidence });

const authenticityReason = z.discriminatedUnion('code', [
  reason('follower_spike', z.object({ spikes: z.array(anomaly) })),
  reason('burst_after_dip', z.object({ bursts: z.array(z.object({ dip: anomaly, spike: anomaly, daysAfterDip: z.number() })) })),
  reason(
    'growth_without_engagement',
    z.object({
      windowDays: z.number(),
      followersFrom: followerFigure,
      followersTo: followerFigure,
      followerGrowthPercent: z.number(),
      interactionsFrom: perPostAt,
      interactionsTo: perPostAt,
    }),
  ),
  reason(
    'low_engagement_for_size',
    z.object({ followers: z.number(), tier: z.string(), engagementRate: z.number(), typicalRate: z.number(), threshold: z.number(), sampleSize: z.number() }),
  ),
  reason('following_ratio', z.object({ following: z.number(), followers: z.number(), ratio: z.number().optional().describe('Absent when the account has no followers') })),
  reason('insufficient_history', z.object({ days: z.number(), required: z.number() })),
]);

const authenticityRules = ['follower_spike', 'burst_after_dip', 'growth_without_engagement', 'low_engagement_for_size', 'following_ratio'] as const;

const authenticity = z
  .object({
    score: z.number().describe('0 to 100; 100 means no rule fired'),
    confidence: z.enum(['low', 'medium', 'high']),
    daysOfHistory: z.number(),
    reasons: z.array(authenticityReason),
    checks: z.record(z.enum(authenticityRules), z.enum(['flagged', 'passed', 'not_evaluated'])).describe('What each rule concluded'),
  })
  .meta({ id: 'AuthenticityAssessment', description: 'A heuristic score with the reasons that lowered it.' });

export const insightsSchema = z.object({
  connectionId: z.string(),
  platform: z.string(),
  asOf: instant.optional(),
  latest: metricSnapshotSchema.optional(),
  engagement: engagementRates.optional(),
  averagesPerPost: recentEngagement.optional(),
  growth: followerGrowth,
  authenticity,
});

export const audienceResultSchema = z.discriminatedUnion('available', [
  z.object({
    connectionId: z.string(),
    platform: z.string(),
    available: z.literal(false),
    reason: z.string().describe('`not_read_yet` or `platform_has_no_audience_breakdown`'),
  }),
  audienceSchema.extend({ connectionId: z.string(), platform: z.string(), available: z.literal(true), at: instant }),
]);

const followerClaim = z.object({ followers: z.number(), at: instant });

export const claimRecordSchema = z
  .object({
    userId: z.string(),
    connectionId: z.string(),
    claimId: z.string(),
    recordedAt: instant,
    claimed: followerClaim,
    verdict: z.string().describe('`verified`, `overstated`, `understated` or `no_data`'),
    observed: followerClaim.optional(),
    differencePercent: z.number().optional(),
    tolerancePercent: z.number(),
  })
  .meta({ id: 'ClaimRecord', description: 'One verification of a self-reported follower number, as kept in the audit trail.' });

export const claimVerificationResultSchema = claimRecordSchema.extend({
  verification: z.object({
    verdict: z.enum(['verified', 'overstated', 'understated', 'no_data']),
    claim: followerClaim,
    observed: followerClaim.extend({ distanceHours: z.number() }).optional(),
    difference: z.number().optional(),
    percent: z.number().optional(),
    tolerance: z.number().optional(),
    rule: z.object({ maxDistanceDays: z.number(), relativeTolerance: z.number(), minAbsoluteTolerance: z.number() }),
  }),
});

export const claimListSchema = z.object({ claims: z.array(claimRecordSchema) });

const perWindow = z.object({ d7: z.number(), d30: z.number() });

export const userStatsSchema = z.object({
  connections: z.object({ total: z.number().int(), active: z.number().int(), needingReconnect: z.number().int() }),
  followers: z.number(),
  byPlatform: z.record(z.string(), z.object({ connections: z.number().int(), followers: z.number() })),
  growth: z.object({
    followers7d: z.number().optional(),
    followers30d: z.number().optional(),
    connectionsWithHistory: perWindow,
  }),
});

// ─── admin ───────────────────────────────────────────────────────────────────────────────────

export const adminStatsSchema = z.object({
  platforms: z.record(
    z.string(),
    z.object({
      connections: z.number().int(),
      active: z.number().int(),
      reauthRequired: z.number().int(),
      syncedOk: z.number().int(),
      syncErrors: z.number().int(),
      lastErrors: z.array(z.string()),
      syncSuccessRate: z.number().optional().describe('0 to 1; absent before any sync'),
    }),
  ),
  schedules: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()).describe("Each schedule's last run (`lastRunAt`, `result`), or null"),
  queues: z.record(z.string(), z.object({ visible: z.number().int(), inFlight: z.number().int(), delayed: z.number().int() })),
  generatedAt: instant,
});

export const adminSyncSchema = z.object({
  dryRun: z.boolean(),
  connections: z.number().int(),
  queued: z.number().int(),
  fresh: z.number().int(),
  jobs: z.array(syncRequestSchema.extend({ userId: z.string() })),
});

export const adminRefreshSchema = z.object({ dryRun: z.boolean(), queued: z.number().int(), connections: z.array(z.string()) });

export const adminCleanupSchema = z.object({ dryRun: z.boolean(), before: instant, connections: z.number().int(), points: z.number().int() });

// ─── system ──────────────────────────────────────────────────────────────────────────────────

export const healthSchema = z.object({ status: z.literal('ok'), service: z.literal('reach'), stage: z.string(), startedAt: instant, time: instant });

export const platformViewSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    docsUrl: z.string(),
    capabilities: z.array(z.enum(['connect', 'refresh', 'revoke', 'metrics', 'audience', 'publish', 'analytics', 'webhooks'])),
    accountTypes: z.array(z.string()),
    oauth: z.object({
      defaultScopes: z.array(z.string()),
      pkce: z.enum(['required', 'supported', 'none']),
      variants: z.array(z.string()).optional().describe('Login variants; the first is the default'),
      accessTokenLifetimeSeconds: z.number().optional(),
      refreshTokenLifetimeSeconds: z.number().optional(),
      rotatesRefreshToken: z.boolean(),
    }),
    metrics: z.object({
      followers: z.boolean(),
      following: z.boolean(),
      posts: z.boolean(),
      views: z.boolean(),
      verified: z.boolean(),
      demographics: z.boolean(),
      engagementBasis: z.enum(['followers', 'views']).optional(),
    }),
    quotas: z.array(z.object({ scope: z.string(), limit: z.string() })),
    limitations: z.array(z.string()).describe('What the platform cannot do through its API, and why'),
  })
  .meta({ id: 'Platform', description: 'A platform: its capabilities, OAuth facts, metrics and documented quotas.' });

export const platformListSchema = z.object({ platforms: z.array(platformViewSchema) });

/** The OpenAPI document itself: an object (its own schema is the OpenAPI 3.1 specification's). */
export const openApiDocumentSchema = z.record(z.string(), z.unknown()).meta({ description: 'An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.1)' });
