/**
 * What the local runtime hands the functions: the app credentials of each platform and the
 * environment `functions/config/env.ts` reads, pointing every AWS client (S3 included) at the
 * local endpoints.
 */
import { parseEnv } from '../functions/config/env';
import { PROVIDER_IDS, type ProviderId } from '../functions/providers/types';
import { queueEnv, queues, tableEnv, tables } from '../lib/topology';
import { tableName } from './dynamo';

/** The platform secret `reach/platforms/<platform>` holds these. */
export interface AppCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookSecret: string;
  readonly verifyToken: string;
  /** X only: the API key that, with the consumer secret (`webhookSecret`), buys the app-only token. */
  readonly consumerKey?: string;
  /** LinkedIn only: the numeric developer application id its event subscriptions are keyed by. */
  readonly applicationId?: string;
  /** Instagram only: the Facebook app, which its `facebook_login` variant signs in through. */
  readonly alternates?: Readonly<Record<string, { readonly clientId: string; readonly clientSecret: string }>>;
}

/** A dev developer application id: LinkedIn's are numeric. */
const DEV_LINKEDIN_APPLICATION_ID = '7700001';

/**
 * Credentials per platform from `REACH_<PLATFORM>_CLIENT_ID`, `_CLIENT_SECRET`,
 * `_WEBHOOK_SECRET`, `_VERIFY_TOKEN` (and `REACH_X_CONSUMER_KEY`, `REACH_LINKEDIN_APPLICATION_ID`)
 * when set, else dev values that the fakes accept. Instagram's secret names the Facebook app as the
 * app of its `facebook_login` variant, as an operator fills it when the two apps differ.
 */
export const appCredentials = (env: Readonly<Record<string, string | undefined>>): Record<ProviderId, AppCredentials> => {
  const out = {} as Record<ProviderId, AppCredentials>;
  for (const id of PROVIDER_IDS) {
    const prefix = `REACH_${id.toUpperCase()}_`;
    const pick = (suffix: string, dev: string) => {
      const v = env[prefix + suffix];
      return v !== undefined && v !== '' ? v : `dev-${id.replace(/_/g, '-')}-${dev}`;
    };
    out[id] = {
      clientId: pick('CLIENT_ID', 'client-id'),
      clientSecret: pick('CLIENT_SECRET', 'client-secret'),
      webhookSecret: pick('WEBHOOK_SECRET', 'webhook-secret'),
      verifyToken: pick('VERIFY_TOKEN', 'verify-token'),
    };
  }
  const x = out.x;
  // The X fake's one credential pair stands for both the OAuth 2.0 client and the consumer key and
  // secret (which also signs deliveries), so the dev values follow the client's.
  out.x = {
    ...x,
    consumerKey: env['REACH_X_CONSUMER_KEY'] || x.clientId,
    webhookSecret: env['REACH_X_WEBHOOK_SECRET'] || x.clientSecret,
  };
  out.linkedin = { ...out.linkedin, applicationId: env['REACH_LINKEDIN_APPLICATION_ID'] || DEV_LINKEDIN_APPLICATION_ID };
  out.instagram = { ...out.instagram, alternates: { facebook_login: { clientId: out.facebook.clientId, clientSecret: out.facebook.clientSecret } } };
  return out;
};

/** The queue's physical name locally: `reach-<queue>` in kebab case. */
export const queueName = (id: string): string => `reach-${id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The dead-letter queue of a queue. */
export const deadLetterQueueName = (id: string): string => `${queueName(id)}-dlq`;

export const EVENT_BUS = 'reach-local';

/** The media bucket the runtime creates on its S3 endpoint at start. */
export const MEDIA_BUCKET = 'reach-media';

/** Where the local functions keep tokens, as a deployed stage's `tokenStore`. */
export type LocalTokenStore = 'secrets-manager' | 'dynamodb-kms';

/**
 * The token store `REACH_TOKEN_STORE` asks for: `secrets-manager` (default, the local vault) or
 * `dynamodb-kms` (sealed items in the local Tokens table, data keys from the local KMS key).
 */
export const tokenStoreSetting = (env: Readonly<Record<string, string | undefined>>): LocalTokenStore => {
  const value = env['REACH_TOKEN_STORE'];
  if (value === undefined || value === '' || value === 'secrets-manager') return 'secrets-manager';
  if (value === 'dynamodb-kms') return value;
  throw new Error(`REACH_TOKEN_STORE must be secrets-manager or dynamodb-kms, not ${value}`);
};

export interface EnvironmentInputs {
  readonly apiUrl: string;
  readonly fakesUrl: string;
  readonly awsUrl: string;
  readonly dynamoUrl: string;
  readonly region: string;
  readonly queueUrl: (name: string) => string;
  readonly logLevel: string;
  /** Powertools' own level when the caller set one (it outranks LOG_LEVEL in Powertools). */
  readonly powertoolsLogLevel?: string;
  /** POWERTOOLS_METRICS_DISABLED when the caller set it (`false` prints the EMF records). */
  readonly metricsDisabled?: string;
  readonly tokenStore: LocalTokenStore;
  /** ARN of the local KMS key: the `dynamodb-kms` store's data keys come from it. */
  readonly kmsKeyArn: string;
}

/**
 * Every variable the handlers and the AWS SDK read, validated with the functions' own schema
 * so that a variable the runtime forgot fails at start, not on the first request.
 */
export const handlerEnvironment = (i: EnvironmentInputs): Record<string, string> => {
  const env: Record<string, string> = {
    AWS_REGION: i.region,
    AWS_DEFAULT_REGION: i.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: i.dynamoUrl,
    AWS_ENDPOINT_URL_SQS: i.awsUrl,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: i.awsUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: i.awsUrl,
    AWS_ENDPOINT_URL_S3: i.awsUrl,
    AWS_ENDPOINT_URL_KMS: i.awsUrl,
    TOKEN_STORE: i.tokenStore,
    // Only the envelope store names the key locally: the local Secrets Manager encrypts with its own.
    ...(i.tokenStore === 'dynamodb-kms' && { TOKEN_KMS_KEY_ID: i.kmsKeyArn }),
    // `reach-media.127.0.0.1` resolves nowhere: the bucket goes in the path, so presigned URLs work with curl.
    S3_FORCE_PATH_STYLE: 'true',
    MEDIA_BUCKET,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    STAGE: 'local',
    EVENT_BUS_NAME: EVENT_BUS,
    PUBLIC_API_URL: i.apiUrl,
    DEFAULT_RETURN_URL: `${i.apiUrl}/v1/oauth/result`,
    RETURN_URL_ALLOWLIST: `${i.apiUrl},http://localhost`,
    PLATFORM_BASE_URL: i.fakesUrl,
    PUBLIC_PLATFORM_BASE_URL: i.fakesUrl,
    ENABLED_PLATFORMS: PROVIDER_IDS.join(','),
    LOG_LEVEL: i.logLevel,
    POWERTOOLS_LOG_LEVEL: i.powertoolsLogLevel ?? i.logLevel,
    // No POWERTOOLS_DEV: it routes handler logs through the global console instead of stdout,
    // where Lambda writes them and where the token-leak scan of the e2e tests reads them.
    POWERTOOLS_SERVICE_NAME: 'reach',
    POWERTOOLS_METRICS_NAMESPACE: 'Reach',
    // Locally nobody turns EMF records into metrics: printed, they would only bury the logs.
    POWERTOOLS_METRICS_DISABLED: i.metricsDisabled ?? 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  };
  for (const t of tables) env[tableEnv(t.id)] = tableName(t.id);
  for (const q of queues) env[queueEnv(q.id)] = i.queueUrl(queueName(q.id));
  parseEnv(env);
  return env;
};
