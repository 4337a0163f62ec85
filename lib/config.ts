/**
 * The typed configuration of one deployed stage, from either of its two inputs: the raw CDK context
 * `bin/app.ts` reads (`stageConfig`), or the props a team gives the `Reach` construct in its own app
 * (`configFromProps`). Both go through one schema, so they accept and refuse exactly the same
 * values and fill in the same defaults; nothing else in `lib/` reads context.
 */
import { z } from 'zod';
import { PLANNER_AHEAD_MINUTES } from '../functions/core/use-cases/publish';
import { TIER_MINUTES } from '../functions/core/use-cases/sync';
import { PROVIDER_IDS, type ProviderId } from '../functions/providers/types';
import { schedules as topologySchedules, type ScheduleDef, type ScheduleId } from './topology';

/** How API Gateway verifies callers' JWTs. */
export type AuthConfig =
  /** Any OIDC issuer the operator already runs (Auth0, Okta, Entra ID, Keycloak…). */
  | { readonly kind: 'oidc'; readonly issuer: string; readonly audience: readonly string[] }
  /** No issuer given: the stack creates a Cognito user pool, an app client and the admin group. */
  | { readonly kind: 'cognito' };

/**
 * Where per-connection tokens are kept: one Secrets Manager secret per connection (default), or
 * KMS-envelope-encrypted items in a DynamoDB table (cheaper from the first connection: README, "Token store").
 */
export const TOKEN_STORES = ['secrets-manager', 'dynamodb-kms'] as const;
export type TokenStoreKind = (typeof TOKEN_STORES)[number];

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
  /** Where per-connection tokens are kept. */
  readonly tokenStore: TokenStoreKind;
  /** The schedules that run: the topology's, with overridden cadences applied and disabled ones left out. */
  readonly schedules: readonly ScheduleDef[];
  /** Whether the web dashboard is hosted (S3 + CloudFront, Cognito hosted sign-in). */
  readonly dashboard: boolean;
}

export const DEFAULTS = {
  stage: 'dev',
  historyRetentionDays: 400,
  snapshotRetentionDays: 1825,
  logRetentionDays: 90,
  adminGroup: 'admin',
  apiThrottle: { rateLimit: 50, burstLimit: 100 },
  errorRateAlarmPercent: 5,
  tokenStore: 'secrets-manager',
  dashboard: true,
} as const;

/**
 * Name prefixes of a stage's Secrets Manager secrets: platform app credentials and per-connection
 * tokens. The stage is part of the name, so several stages share an account and region without
 * sharing (or colliding on) secrets, and a stage's grants reach only its own.
 */
export const platformSecretPrefix = (stage: string): string => `reach/${stage}/platforms/`;
export const tokenSecretPrefix = (stage: string): string => `reach/${stage}/tokens/`;

/** The Powertools service of a stage's functions: the `service` of every log line and metric. */
export const serviceName = (stage: string): string => `reach-${stage}`;
/** The CloudWatch namespace of Reach's metrics; the dashboard and alarms read it. */
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

/** The settings of the stage configuration, by their CDK context key. */
const SETTING_KEYS = [
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
  'tokenStore',
  'schedules',
  'dashboard',
] as const;
type ContextKey = (typeof SETTING_KEYS)[number];

/** A cadence a schedule may be given instead of the topology's, or `false` to turn it off. */
export type ScheduleOverride = ScheduleDef['every'] | false;

/** What a schedule's cadence may be set to, and why. */
interface ScheduleRule {
  /** Slowest rate allowed (every rate is at least one minute) and why; absent: no rate. */
  readonly maxMinutes?: { readonly value: number; readonly why: string };
  /** Whether a daily UTC hour may replace the rate. */
  readonly daily: boolean;
  /** Why the schedule cannot be turned off; absent: it may be. */
  readonly required?: string;
}

/** The bounds come from the code the schedules drive, so a change there moves them here. */
export const SCHEDULE_RULES: Readonly<Record<ScheduleId, ScheduleRule>> = {
  publishPlanner: {
    maxMinutes: {
      value: PLANNER_AHEAD_MINUTES,
      why: `the planner queues the posts due in the next ${PLANNER_AHEAD_MINUTES} minutes, so a slower one would send scheduled posts late`,
    },
    daily: false,
    required: 'scheduled posts would never go out',
  },
  syncPlanner: {
    maxMinutes: { value: TIER_MINUTES.high, why: `connections of the high tier are synced every ${TIER_MINUTES.high} minutes` },
    daily: false,
  },
  dailySnapshot: { daily: true },
  tokenPlanner: {
    maxMinutes: { value: 60, why: 'short-lived access tokens (X: two hours) must be refreshed before they lapse' },
    daily: false,
    required: 'tokens would expire and every connection would need reconnecting',
  },
  analyticsPlanner: {
    maxMinutes: { value: 60, why: 'post metrics are due by the hour, so a slower planner lets their refresh stages fall behind' },
    daily: false,
  },
};

const SCHEDULE_IDS = topologySchedules.map((s) => s.id);

/** What a schedule's cadence may be, in words, for error messages. */
const allowedCadence = (id: ScheduleId): string => {
  const rule = SCHEDULE_RULES[id];
  const forms = [
    ...(rule.maxMinutes !== undefined ? [`{ minutes: 1..${rule.maxMinutes.value} }`] : []),
    ...(rule.daily ? ['{ dailyAtUtcHour: 0..23 }'] : []),
    ...(rule.required === undefined ? ['false'] : []),
  ];
  return forms.join(' or ');
};

/** The problems of one schedule override (empty when it is allowed), each with where it is. */
const scheduleProblems = (id: ScheduleId, override: ScheduleOverride): Array<{ path: string[]; message: string }> => {
  const rule = SCHEDULE_RULES[id];
  if (override === false) {
    return rule.required === undefined ? [] : [{ path: [id], message: `${id} cannot be turned off: ${rule.required}` }];
  }
  if ('minutes' in override) {
    if (rule.maxMinutes === undefined) return [{ path: [id], message: `${id} runs once a day: give ${allowedCadence(id)}` }];
    const { minutes } = override;
    if (!Number.isInteger(minutes) || minutes < 1) return [{ path: [id, 'minutes'], message: `a whole number of minutes, at least 1 (got ${minutes})` }];
    if (minutes > rule.maxMinutes.value) {
      return [{ path: [id, 'minutes'], message: `${id} runs at least every ${rule.maxMinutes.value} minutes: ${rule.maxMinutes.why} (got ${minutes})` }];
    }
    return [];
  }
  if (!rule.daily) return [{ path: [id], message: `${id} runs on a rate, not once a day: give ${allowedCadence(id)}` }];
  const hour = override.dailyAtUtcHour;
  return Number.isInteger(hour) && hour >= 0 && hour <= 23 ? [] : [{ path: [id, 'dailyAtUtcHour'], message: `an hour of the day, 0 to 23 (got ${hour})` }];
};

const scheduleOverride = z.union([z.strictObject({ minutes: z.number() }), z.strictObject({ dailyAtUtcHour: z.number() }), z.literal(false)], {
  error: 'give { minutes }, { dailyAtUtcHour } or false',
});

/** Schedule overrides by schedule id: an object (props, cdk.json) or its JSON text (`-c schedules='{…}'`). */
const scheduleOverrides = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  },
  z.strictObject({
    publishPlanner: scheduleOverride.optional(),
    syncPlanner: scheduleOverride.optional(),
    dailySnapshot: scheduleOverride.optional(),
    tokenPlanner: scheduleOverride.optional(),
    analyticsPlanner: scheduleOverride.optional(),
  } satisfies Record<ScheduleId, unknown>),
);

/** The topology's schedules with the overrides applied: a new cadence, or left out when turned off. */
export const effectiveSchedules = (overrides: Readonly<Partial<Record<ScheduleId, ScheduleOverride>>>): ScheduleDef[] =>
  topologySchedules.flatMap((def) => {
    const override = overrides[def.id];
    if (override === false) return [];
    return [override === undefined ? def : { ...def, every: override }];
  });

/** A flag given as a boolean (props, cdk.json) or as `true`/`false` text (`-c dashboard=false`). */
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/**
 * The one schema of the stage configuration, keyed by context key. `names` says what each key is
 * called in the input being validated, so messages name what the operator actually wrote.
 */
const configSchema = (names: Readonly<Record<ContextKey, string>>) =>
  z
    .object({
      stage: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,19}$/, `${names.stage}: lower-case letters, digits and dashes, starting with a letter, at most 20`)
        .default(DEFAULTS.stage),
      retentionDays: days.default(DEFAULTS.historyRetentionDays),
      snapshotRetentionDays: days.optional(),
      logRetentionDays: days
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `${names.logRetentionDays} must be one of ${LOG_RETENTION_DAYS.join(', ')}`)
        .default(DEFAULTS.logRetentionDays),
      authIssuer: optionalText.pipe(z.url({ protocol: /^https$/ }).optional()),
      authAudience: list.optional(),
      enabledPlatforms: list.pipe(z.array(z.enum(PROVIDER_IDS))).default([...PROVIDER_IDS]),
      returnUrlAllowlist: list.pipe(z.array(z.url({ protocol: /^https?$/ }))).default([]),
      defaultReturnUrl: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
      alarmEmail: optionalText.pipe(z.email().optional()),
      tokenStore: z.enum(TOKEN_STORES).default(DEFAULTS.tokenStore),
      schedules: scheduleOverrides.default({}),
      dashboard: flag.default(DEFAULTS.dashboard),
    })
    .superRefine((c, ctx) => {
      if (c.authIssuer !== undefined && (c.authAudience === undefined || c.authAudience.length === 0)) {
        ctx.addIssue({ code: 'custom', path: ['authAudience'], message: `${names.authAudience} is required with ${names.authIssuer}` });
      }
      if (c.authIssuer === undefined && c.authAudience !== undefined && c.authAudience.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['authIssuer'], message: `${names.authAudience} was given without ${names.authIssuer}` });
      }
      if (c.snapshotRetentionDays !== undefined && c.snapshotRetentionDays < c.retentionDays) {
        ctx.addIssue({ code: 'custom', path: ['snapshotRetentionDays'], message: 'snapshots cannot expire before the points they summarise' });
      }
      for (const id of SCHEDULE_IDS) {
        const override = c.schedules[id];
        if (override === undefined) continue;
        for (const p of scheduleProblems(id, override)) ctx.addIssue({ code: 'custom', path: ['schedules', ...p.path], message: p.message });
      }
    });

/** The raw context values `bin/app.ts` passes in (strings from `-c`, or JSON values from cdk.json). */
export type StageContext = z.input<ReturnType<typeof configSchema>>;
type ParsedContext = z.output<ReturnType<typeof configSchema>>;

/** How the CDK context names each setting: by its key. */
const CONTEXT_NAMES = {
  stage: 'stage',
  retentionDays: 'retentionDays',
  snapshotRetentionDays: 'snapshotRetentionDays',
  logRetentionDays: 'logRetentionDays',
  authIssuer: 'authIssuer',
  authAudience: 'authAudience',
  enabledPlatforms: 'enabledPlatforms',
  returnUrlAllowlist: 'returnUrlAllowlist',
  defaultReturnUrl: 'defaultReturnUrl',
  alarmEmail: 'alarmEmail',
  tokenStore: 'tokenStore',
  schedules: 'schedules',
  dashboard: 'dashboard',
} as const satisfies Record<ContextKey, string>;

/** How `ReachProps` names each setting. */
const PROP_NAMES = {
  stage: 'stage',
  retentionDays: 'retention.historyDays',
  snapshotRetentionDays: 'retention.snapshotDays',
  logRetentionDays: 'retention.logDays',
  authIssuer: 'auth.issuer',
  authAudience: 'auth.audience',
  enabledPlatforms: 'platforms',
  returnUrlAllowlist: 'returnUrls',
  defaultReturnUrl: 'defaultReturnUrl',
  alarmEmail: 'alarmEmail',
  tokenStore: 'tokenStore',
  schedules: 'schedules',
  dashboard: 'dashboard',
} as const satisfies Record<ContextKey, string>;

/** Validates an input with the names it uses; throws listing every problem, each named as the input names it. */
const parseWith = (input: Readonly<Record<string, unknown>>, names: Readonly<Record<ContextKey, string>>, what: string): StageConfig => {
  const parsed = configSchema(names).safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => {
        const [head, ...rest] = i.path.map(String);
        const where = head === undefined ? what : [names[head as ContextKey] ?? head, ...rest].join('.');
        return `${where}: ${i.message}`;
      })
      .join('; ');
    throw new Error(`Invalid ${what}: ${problems}`);
  }
  return toStageConfig(parsed.data);
};

/** The stage configuration from validated input: defaults filled in, the settings that are not inputs fixed. */
const toStageConfig = (c: ParsedContext): StageConfig => ({
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
  tokenStore: c.tokenStore,
  schedules: effectiveSchedules(c.schedules),
  dashboard: c.dashboard,
});

/** Validates raw CDK context and returns the stage's configuration; throws listing every problem. */
export const stageConfig = (context: Readonly<Record<string, unknown>>): StageConfig => parseWith(context, CONTEXT_NAMES, 'CDK context');

/** What a team gives the `Reach` construct; every member is optional and defaults as the CDK context does. */
export interface ReachProps {
  /** Lower-case letters, digits and dashes, at most 20; names the event bus, key alias and alarms. Default `dev`. */
  readonly stage?: string;
  /** An OIDC issuer that signs the callers' JWTs; absent: a Cognito user pool is created. */
  readonly auth?: {
    /** `https://` issuer URL, exactly as the tokens' `iss` claim carries it. */
    readonly issuer: string;
    /** Accepted `aud` (or `client_id`) values; at least one. */
    readonly audience: readonly string[];
  };
  /** The platforms a user may connect; a secret is created for each. Default: all seven. */
  readonly platforms?: readonly ProviderId[];
  readonly retention?: {
    /** Days a metric point is kept (DynamoDB TTL). Default 400. */
    readonly historyDays?: number;
    /** Days a daily snapshot is kept, at least `historyDays`. Default 1825 (or `historyDays` if longer). */
    readonly snapshotDays?: number;
    /** Days CloudWatch keeps function and access logs: a value CloudWatch accepts. Default 90. */
    readonly logDays?: number;
  };
  /** A new cadence for a schedule, or `false` to turn it off; see `SCHEDULE_RULES` for what each allows. */
  readonly schedules?: Readonly<Partial<Record<ScheduleId, ScheduleOverride>>>;
  /** Where per-connection tokens are kept. Default `secrets-manager`. */
  readonly tokenStore?: TokenStoreKind;
  /** Pages (full URLs or origins) a connect flow may return to; their origins may also upload media. */
  readonly returnUrls?: readonly string[];
  /** Where a connect flow returns when the client names no page. */
  readonly defaultReturnUrl?: string;
  /** Email subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Whether the web dashboard is hosted. Default `true`. */
  readonly dashboard?: boolean;
}

const PROP_KEYS = ['stage', 'auth', 'platforms', 'retention', 'schedules', 'tokenStore', 'returnUrls', 'defaultReturnUrl', 'alarmEmail', 'dashboard'] as const satisfies readonly (keyof ReachProps)[];

/**
 * Validates `Reach` props with the same rules as the CDK context and returns the stage's
 * configuration; throws listing every problem by the prop's name (e.g. `retention.logDays`).
 */
export const configFromProps = (props: ReachProps): StageConfig => {
  // TypeScript callers cannot misspell a prop, JavaScript callers can: a typo must not silently fall back to a default.
  const unknown = Object.keys(props).filter((k) => !(PROP_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`Invalid Reach props: unknown prop ${unknown.join(', ')} (known: ${PROP_KEYS.join(', ')})`);
  const input = {
    stage: props.stage,
    retentionDays: props.retention?.historyDays,
    snapshotRetentionDays: props.retention?.snapshotDays,
    logRetentionDays: props.retention?.logDays,
    authIssuer: props.auth?.issuer,
    authAudience: props.auth?.audience === undefined ? undefined : [...props.auth.audience],
    enabledPlatforms: props.platforms === undefined ? undefined : [...props.platforms],
    returnUrlAllowlist: props.returnUrls === undefined ? undefined : [...props.returnUrls],
    defaultReturnUrl: props.defaultReturnUrl,
    alarmEmail: props.alarmEmail,
    tokenStore: props.tokenStore,
    schedules: props.schedules,
    dashboard: props.dashboard,
  } satisfies Record<ContextKey, unknown>;
  return parseWith(input, PROP_NAMES, 'Reach props');
};

/** The context keys `bin/app.ts` reads; the schema's keys must be exactly these (checked below). */
export const CONTEXT_KEYS = SETTING_KEYS satisfies readonly (keyof StageContext)[];
