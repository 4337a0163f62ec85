/**
 * The composition root: the one place that knows core, adapters and providers together. Built once
 * per cold start and reused by every invocation of the function.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import type { UseCaseDeps } from '../core/use-cases/context';
import { loadEnv, type Env } from '../config/env';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { DynamoConnectionRepository } from '../adapters/dynamodb/connections';
import { DynamoControlStore } from '../adapters/dynamodb/control';
import { DynamoGrantRegistry } from '../adapters/dynamodb/grants';
import { DynamoWebhookEventStore } from '../adapters/dynamodb/webhook-events';
import { DynamoHistoryRepository } from '../adapters/dynamodb/history';
import { DynamoJobRepository } from '../adapters/dynamodb/jobs';
import { DynamoPostRepository } from '../adapters/dynamodb/posts';
import { DynamoKmsTokenVault } from '../adapters/dynamodb/token-vault';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher';
import { S3MediaStore } from '../adapters/s3/media-store';
import { SecretsManagerAppCredentials } from '../adapters/secrets/app-credentials';
import { SecretsManagerTokenVault } from '../adapters/secrets/token-vault';
import { SqsQueueStats } from '../adapters/sqs/queue-stats';
import { SqsWorkQueue } from '../adapters/sqs/work-queue';
import type { QueueStats } from '../core/ports/operations';
import { createHttpClient, type HttpCallInfo, type HttpClient } from '../providers/http';
import { createPlatformDirectory } from '../providers/registry';
import { currentCorrelationId } from '../handlers/lib/invocation';
import { recordPlatformCall, traced } from '../handlers/lib/observability';
import { functions } from '../../lib/topology';

/** A publish lease outlives the worker's own timeout, so a live lease always means a live worker. */
const publishLeaseSeconds = (functions.find((f) => f.id === 'publishWorker')?.timeoutSeconds ?? 300) + 60;

export interface Deps extends UseCaseDeps {
  readonly env: Readonly<Env>;
  readonly http: HttpClient;
  readonly queueStats: QueueStats;
}

/** Listeners for platform calls (metrics, benches); the composition root feeds them. */
const callListeners: Array<(info: HttpCallInfo) => void> = [];
export const onPlatformCall = (listener: (info: HttpCallInfo) => void): void => {
  callListeners.push(listener);
};

export const buildDeps = (env: Readonly<Env>): Deps => {
  const now = () => new Date();
  // Traced clients: each AWS call is a subsegment of the invocation's trace (a no-op when tracing is off).
  const db = traced(createDocumentClient(env.AWS_REGION));
  const secrets = traced(new SecretsManagerClient({ region: env.AWS_REGION }));
  const http = createHttpClient({
    ...(env.PLATFORM_BASE_URL !== undefined && { platformBaseUrl: env.PLATFORM_BASE_URL }),
    ...(env.PUBLIC_PLATFORM_BASE_URL !== undefined && { publicPlatformBaseUrl: env.PUBLIC_PLATFORM_BASE_URL }),
    defaultTimeoutMs: env.PLATFORM_TIMEOUT_MS,
    onCall: (info) => {
      recordPlatformCall(info);
      callListeners.forEach((l) => l(info));
    },
  });
  const apiBase = env.PUBLIC_API_URL.replace(/\/$/, '');
  const sqs = traced(new SQSClient({ region: env.AWS_REGION }));
  const queueUrls = {
    sync: env.QUEUE_SYNC_URL,
    publish: env.QUEUE_PUBLISH_URL,
    refresh: env.QUEUE_REFRESH_URL,
    webhookEvents: env.QUEUE_WEBHOOK_EVENTS_URL,
  };
  return {
    env,
    http,
    connections: new DynamoConnectionRepository(db, env.TABLE_CONNECTIONS),
    history: new DynamoHistoryRepository(db, env.TABLE_HISTORY, { pointDays: env.HISTORY_RETENTION_DAYS, snapshotDays: env.SNAPSHOT_RETENTION_DAYS }, now),
    jobs: new DynamoJobRepository(db, env.TABLE_JOBS, now),
    posts: new DynamoPostRepository(db, env.TABLE_POSTS, now),
    media: new S3MediaStore(
      // WHEN_REQUIRED: presigned uploads must not carry a checksum of an empty body.
      traced(new S3Client({ region: env.AWS_REGION, requestChecksumCalculation: 'WHEN_REQUIRED', forcePathStyle: env.S3_FORCE_PATH_STYLE })),
      env.MEDIA_BUCKET,
    ),
    control: new DynamoControlStore(db, env.TABLE_CONTROL, now),
    webhookEvents: new DynamoWebhookEventStore(db, env.TABLE_EVENTS, now),
    grants: new DynamoGrantRegistry(db, env.TABLE_CONTROL, now),
    vault:
      env.TOKEN_STORE === 'dynamodb-kms'
        ? new DynamoKmsTokenVault(db, traced(new KMSClient({ region: env.AWS_REGION })), { table: env.TABLE_TOKENS, keyId: env.TOKEN_KMS_KEY_ID, stage: env.STAGE })
        : new SecretsManagerTokenVault(secrets, env.TOKEN_SECRET_PREFIX, env.TOKEN_KMS_KEY_ID),
    credentials: new SecretsManagerAppCredentials(secrets, env.PLATFORM_SECRET_PREFIX, now),
    platforms: createPlatformDirectory({ http, now }, env.ENABLED_PLATFORMS),
    // Messages carry the correlation id of the request or run that sent them.
    queue: new SqsWorkQueue(sqs, queueUrls, currentCorrelationId),
    queueStats: new SqsQueueStats(sqs, queueUrls),
    events: new EventBridgePublisher(traced(new EventBridgeClient({ region: env.AWS_REGION })), env.EVENT_BUS_NAME),
    now,
    newId: () => ulid(),
    settings: {
      redirectUri: (platform) => `${apiBase}/v1/oauth/${platform}/callback`,
      webhookUrl: (platform) => `${apiBase}/v1/webhooks/${platform}`,
      browserUrl: (url) => http.publicUrl(url),
      returnUrlAllowlist: env.RETURN_URL_ALLOWLIST,
      defaultReturnUrl: env.DEFAULT_RETURN_URL ?? `${apiBase}/v1/oauth/result`,
      oauthStateTtlSeconds: env.OAUTH_STATE_TTL_SECONDS,
      historyRetentionDays: env.HISTORY_RETENTION_DAYS,
      snapshotRetentionDays: env.SNAPSHOT_RETENTION_DAYS,
      syncFreshnessMinutes: env.SYNC_FRESHNESS_MINUTES,
      webhookEventTtlDays: env.WEBHOOK_EVENT_TTL_DAYS,
      dataDeletionStatusUrl: (code) => `${(env.DATA_DELETION_STATUS_URL ?? `${apiBase}/v1/data-deletion`).replace(/\/$/, '')}/${encodeURIComponent(code)}`,
      publishMissedAfterMinutes: env.PUBLISH_MISSED_AFTER_MINUTES,
      publishLeaseSeconds,
    },
  };
};

let cached: Deps | undefined;

/** The process's dependencies, built on first use (cold start) from the environment. */
export const deps = (): Deps => (cached ??= buildDeps(loadEnv()));
