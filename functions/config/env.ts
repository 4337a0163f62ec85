/**
 * The one place that reads environment variables. Parsed once at cold start, frozen; a missing or
 * malformed variable fails fast with every problem listed.
 */
import { z } from 'zod';

const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const envSchema = z.object({
  STAGE: z.string().min(1).default('dev'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  TABLE_CONNECTIONS: z.string().min(1),
  TABLE_HISTORY: z.string().min(1),
  TABLE_POSTS: z.string().min(1),
  TABLE_JOBS: z.string().min(1),
  TABLE_EVENTS: z.string().min(1),
  TABLE_CONTROL: z.string().min(1),
  /** Token sets of the `dynamodb-kms` store (the table exists whichever store is chosen). */
  TABLE_TOKENS: z.string().min(1),
  QUEUE_SYNC_URL: z.string().url(),
  QUEUE_PUBLISH_URL: z.string().url(),
  QUEUE_REFRESH_URL: z.string().url(),
  QUEUE_WEBHOOK_EVENTS_URL: z.string().url(),
  EVENT_BUS_NAME: z.string().min(1),
  /** Secrets Manager name prefix of the per-platform app credentials: `${prefix}${platform}`. */
  PLATFORM_SECRET_PREFIX: z.string().min(1).default('reach/platforms/'),
  /** Secrets Manager name prefix of the per-connection token secrets. */
  TOKEN_SECRET_PREFIX: z.string().min(1).default('reach/tokens/'),
  /**
   * Customer-managed KMS key that encrypts token secrets (absent: the account's default key). The
   * `dynamodb-kms` store needs it: its data keys come from this key.
   */
  TOKEN_KMS_KEY_ID: z.string().min(1).optional(),
  /**
   * Where per-connection tokens live: one Secrets Manager secret each (default), or KMS-envelope
   * sealed items in the Tokens table (lib/config.ts `tokenStore`).
   */
  TOKEN_STORE: z.enum(['secrets-manager', 'dynamodb-kms']).default('secrets-manager'),
  /** Public base URL of the API, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  PUBLIC_API_URL: z.string().url(),
  /** Return URLs a connect flow may redirect to: full URLs or origins (prefix match). */
  RETURN_URL_ALLOWLIST: csv,
  /** Where a connect flow ends when the authorize call named no return URL. */
  DEFAULT_RETURN_URL: z.string().url().optional(),
  ENABLED_PLATFORMS: csv,
  /** When set, platform hosts are reached under this base (the fake platform servers). */
  PLATFORM_BASE_URL: z.string().url().optional(),
  /** Browser-facing form of PLATFORM_BASE_URL. */
  PUBLIC_PLATFORM_BASE_URL: z.string().url().optional(),
  PLATFORM_TIMEOUT_MS: positiveInt(10_000),
  HISTORY_RETENTION_DAYS: positiveInt(400),
  SNAPSHOT_RETENTION_DAYS: positiveInt(1825),
  SYNC_FRESHNESS_MINUTES: positiveInt(10),
  OAUTH_STATE_TTL_SECONDS: positiveInt(600),
  /** S3 bucket of uploaded media (the stack's media bucket; `reach-media` locally). */
  MEDIA_BUCKET: z.string().min(1),
  /**
   * Path-style S3 URLs (`${endpoint}/${bucket}/${key}`): needed when AWS_ENDPOINT_URL_S3 points at
   * a local endpoint, where `${bucket}.host` names do not resolve. AWS itself wants virtual hosts.
   */
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** A post target overdue by more than this many minutes is marked missed instead of going out late. */
  PUBLISH_MISSED_AFTER_MINUTES: positiveInt(60),
  /** Days a received webhook event is kept: the window in which a redelivery is recognised. */
  WEBHOOK_EVENT_TTL_DAYS: positiveInt(7),
  /** Base of the public data-deletion status pages (default `${PUBLIC_API_URL}/v1/data-deletion`). */
  DATA_DELETION_STATUS_URL: z.string().url().optional(),
  ADMIN_GROUP: z.string().min(1).default('admin'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

type ParsedEnv = z.infer<typeof envSchema>;

/** The configuration: the `dynamodb-kms` token store always comes with the key its data keys come from. */
export type Env = ParsedEnv & ({ readonly TOKEN_STORE: 'secrets-manager' } | { readonly TOKEN_STORE: 'dynamodb-kms'; readonly TOKEN_KMS_KEY_ID: string });

const storeHasKey = (env: ParsedEnv): env is Env => env.TOKEN_STORE !== 'dynamodb-kms' || env.TOKEN_KMS_KEY_ID !== undefined;

/** Parses an environment; throws one error listing every missing or malformed variable. */
export const parseEnv = (source: Readonly<Record<string, string | undefined>>): Readonly<Env> => {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Reach configuration is invalid: ${problems}`);
  }
  // The one rule across variables, checked once each variable is valid on its own.
  if (!storeHasKey(result.data)) throw new Error('Reach configuration is invalid: TOKEN_KMS_KEY_ID: TOKEN_STORE dynamodb-kms needs the key its data keys come from');
  return Object.freeze(result.data);
};

let cached: Readonly<Env> | undefined;

/** The process's configuration, parsed on first use. */
export const loadEnv = (): Readonly<Env> => (cached ??= parseEnv(process.env));

/**
 * The Powertools service name the stack gives every function (`reach-<stage>`), read on its own:
 * the logger exists before the rest of the configuration is parsed, and in tools that have none.
 */
export const powertoolsServiceName = (source: Readonly<Record<string, string | undefined>> = process.env): string => source['POWERTOOLS_SERVICE_NAME'] || 'reach';

/** Whether X-Ray tracing is on: Powertools' own switch, which the local runtime, tests and benches turn off. */
export const tracingEnabled = (source: Readonly<Record<string, string | undefined>> = process.env): boolean => source['POWERTOOLS_TRACE_ENABLED'] !== 'false';
