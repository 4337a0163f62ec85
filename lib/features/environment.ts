/**
 * The runtime environment every function receives: the variables `functions/config/env.ts` parses,
 * named with the topology's `tableEnv` / `queueEnv` so names cannot drift between the two sides.
 */
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Env } from '../../functions/config/env';
import { platformSecretPrefix, tokenSecretPrefix, type StageConfig } from '../config';
import { queueEnv, tableEnv, type QueueId } from '../topology';
import type { Data } from './data';

export interface RuntimeEnvironmentInput {
  readonly config: StageConfig;
  readonly data: Data;
  readonly queues: Readonly<Record<QueueId, IQueue>>;
  readonly bus: IEventBus;
  /** Encrypts token secrets the functions create, or wraps the data keys of the `dynamodb-kms` store. */
  readonly key: IKey;
  /** The HTTP API's base URL (OAuth redirect URIs and the default return page are built on it). */
  readonly apiUrl: string;
  /** The media bucket. Every function gets its name (the config requires it); only the grants decide who may touch it. */
  readonly mediaBucket: IBucket;
}

/** Environment variables for every Reach function. */
export const runtimeEnvironment = (input: RuntimeEnvironmentInput): Record<string, string> => {
  const { config } = input;
  const tables = Object.fromEntries(input.data.all().map((t) => [tableEnv(t.def.id), t.tableName]));
  const queues = Object.fromEntries(Object.entries(input.queues).map(([id, q]) => [queueEnv(id as QueueId), q.queueUrl]));
  const fixed = {
    STAGE: config.stage,
    EVENT_BUS_NAME: input.bus.eventBusName,
    PLATFORM_SECRET_PREFIX: platformSecretPrefix(config.stage),
    TOKEN_SECRET_PREFIX: tokenSecretPrefix(config.stage),
    TOKEN_KMS_KEY_ID: input.key.keyArn,
    TOKEN_STORE: config.tokenStore,
    PUBLIC_API_URL: input.apiUrl,
    RETURN_URL_ALLOWLIST: config.returnUrlAllowlist.join(','),
    ...(config.defaultReturnUrl !== undefined && { DEFAULT_RETURN_URL: config.defaultReturnUrl }),
    ENABLED_PLATFORMS: config.enabledPlatforms.join(','),
    HISTORY_RETENTION_DAYS: String(config.historyRetentionDays),
    SNAPSHOT_RETENTION_DAYS: String(config.snapshotRetentionDays),
    ADMIN_GROUP: config.adminGroup,
    MEDIA_BUCKET: input.mediaBucket.bucketName,
  } satisfies Partial<Record<keyof Env, string>>;
  return { ...tables, ...queues, ...fixed };
};
