/**
 * The typed configuration of one deployed stage. `bin/app.ts` reads the raw CDK context and hands it
 * to `stageConfig`, which validates it and fills in the defaults; nothing else in `lib/` reads context.
 */
import { z } from 'zod';
import { PROVIDER_IDS, type ProviderId } from '../functions/providers/types';

/** How API Gateway verifies callers' JWTs. */
export type AuthConfig =
  /** Any OIDC issuer the operator already runs (Auth0, Okta, Entra ID, Keycloak…). */
  | { readonly kind: 'oidc'; readonly issuer: string; readonly audience: readonly string[] }
  /** No issuer given: the stack creates a Cognito user pool, an app client and the admin group. */
  | { readonly kind: 'cognito' };

export interface StageConfig {
  readonly stage: string;
  /** Days a history point is kept (DynamoDB TTL). */
  readonly historyRetentionDays: number;
  /** Days a daily snapshot is kept; never shorter than the points it summarises. */
  readonly snapshotRetentionDays: number;
  /** Days CloudWatch keeps function and access logs. */
  readonly logRetentionDays: number;
  readonly auth: AuthConfig;
  readonly enabledPlatforms: readonly ProviderId[];
  /** Return URLs (full URLs or origins) a connect flow may end on. */
  readonly returnUrlAllowlist: readonly string[];
  readonly defaultReturnUrl?: string;
  /** Where alarm notifications are emailed; absent: the topic exists without a subscriber. */
  readonly alarmEmail?: string;
  /** The JWT group (`cognito:groups` / `groups` claim) that admin routes require. */
  readonly adminGroup: string;
  /** Stage-wide API Gateway throttling: steady requests per second and burst. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Percentage of failed invocations (over five minutes) that raises a function's alarm. */
  readonly errorRateAlarmPercent: number;
}

export const DEFAULTS = {
  stage: 'dev',
  historyRetentionDays: 400,
  snapshotRetentionDays: 1825,
  logRetentionDays: 90,
  adminGroup: 'admin',
  apiThrottle: { rateLimit: 50, burstLimit: 100 },
  errorRateAlarmPercent: 5,
} as const;

/** Name prefixes of the Secrets Manager secrets: platform app credentials and per-connection tokens. */
export const PLATFORM_SECRET_PREFIX = 'reach/platforms/';
export const TOKEN_SECRET_PREFIX = 'reach/tokens/';

/** Powertools settings every function shares; the dashboard reads custom metrics from this namespace. */
export const POWERTOOLS_SERVICE_NAME = 'reach';
export const METRICS_NAMESPACE = 'Reach';

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** A list given as an array (cdk.json) or as a comma-separated string (`-c key=a,b`). */
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/** A number given as a number (cdk.json) or a string (`-c key=400`). */
const days = z.coerce.number().int().positive();

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const contextSchema = z
  .object({
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'stage: lower-case letters, digits and dashes, starting with a letter, at most 20')
      .default(DEFAULTS.stage),
    retentionDays: days.default(DEFAULTS.historyRetentionDays),
    snapshotRetentionDays: days.optional(),
    logRetentionDays: days
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`)
      .default(DEFAULTS.logRetentionDays),
    authIssuer: optionalText.pipe(z.url({ protocol: /^https$/ }).optional()),
    authAudience: list.optional(),
    enabledPlatforms: list.pipe(z.array(z.enum(PROVIDER_IDS))).default([...PROVIDER_IDS]),
    returnUrlAllowlist: list.pipe(z.array(z.url({ protocol: /^https?$/ }))).default([]),
    defaultReturnUrl: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
    alarmEmail: optionalText.pipe(z.email().optional()),
  })
  .superRefine((c, ctx) => {
    if (c.authIssuer !== undefined && (c.authAudience === undefined || c.authAudience.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['authAudience'], message: 'authAudience is required with authIssuer' });
    }
    if (c.authIssuer === undefined && c.authAudience !== undefined && c.authAudience.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['authIssuer'], message: 'authAudience was given without authIssuer' });
    }
    if (c.snapshotRetentionDays !== undefined && c.snapshotRetentionDays < c.retentionDays) {
      ctx.addIssue({ code: 'custom', path: ['snapshotRetentionDays'], message: 'snapshots cannot expire before the points they summarise' });
    }
  });

/** The raw context values `bin/app.ts` passes in (strings from `-c`, or JSON values from cdk.json). */
export type StageContext = z.input<typeof contextSchema>;

/** Validates raw CDK context and returns the stage's configuration; throws listing every problem. */
export const stageConfig = (context: Readonly<Record<string, unknown>>): StageConfig => {
  const parsed = contextSchema.safeParse(context);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'context'}: ${i.message}`).join('; ');
    throw new Error(`Invalid CDK context: ${problems}`);
  }
  const c = parsed.data;
  return {
    stage: c.stage,
    historyRetentionDays: c.retentionDays,
    snapshotRetentionDays: c.snapshotRetentionDays ?? Math.max(DEFAULTS.snapshotRetentionDays, c.retentionDays),
    logRetentionDays: c.logRetentionDays,
    auth: c.authIssuer !== undefined ? { kind: 'oidc', issuer: c.authIssuer, audience: c.authAudience ?? [] } : { kind: 'cognito' },
    enabledPlatforms: [...new Set(c.enabledPlatforms)],
    returnUrlAllowlist: c.returnUrlAllowlist,
    ...(c.defaultReturnUrl !== undefined && { defaultReturnUrl: c.defaultReturnUrl }),
    ...(c.alarmEmail !== undefined && { alarmEmail: c.alarmEmail }),
    adminGroup: DEFAULTS.adminGroup,
    apiThrottle: DEFAULTS.apiThrottle,
    errorRateAlarmPercent: DEFAULTS.errorRateAlarmPercent,
  };
};

/** The context keys `bin/app.ts` reads; kept next to the schema so the two cannot drift. */
export const CONTEXT_KEYS = [
  'stage',
  'retentionDays',
  'snapshotRetentionDays',
  'logRetentionDays',
  'authIssuer',
  'authAudience',
  'enabledPlatforms',
  'returnUrlAllowlist',
  'defaultReturnUrl',
  'alarmEmail',
] as const satisfies readonly (keyof StageContext)[];
