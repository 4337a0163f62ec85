/**
 * What the feature constructs share: the resources every function may be granted, topology lookups
 * and the one way a feature creates a topology function.
 */
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { serviceName, tokenSecretPrefix, type StageConfig } from '../config';
import type { TokenSecretsGrant } from '../constructs/grants';
import { ReachFunction } from '../constructs/node-function';
import { functions, queues, type FunctionDef, type FunctionId, type QueueDef, type QueueId } from '../topology';
import type { Data } from './data';
import type { Secrets } from './secrets';

/** Resources created before any function, handed to every feature that creates functions. */
export interface Shared {
  readonly config: StageConfig;
  readonly data: Data;
  readonly secrets: Secrets;
  /** Reach's own event bus (`reach-{stage}`). */
  readonly bus: IEventBus;
  readonly logRetention: RetentionDays;
}

/** The topology entry of a function; a missing one is a programming error. */
export const functionDef = (id: FunctionId): FunctionDef => {
  const def = functions.find((f) => f.id === id);
  if (def === undefined) throw new Error(`topology defines no function ${id}`);
  return def;
};

/** The topology entry of a queue. */
export const queueDef = (id: QueueId): QueueDef => {
  const def = queues.find((q) => q.id === id);
  if (def === undefined) throw new Error(`topology defines no queue ${id}`);
  return def;
};

const pascal = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);

/** Creates the topology function `id` under `scope` (construct id: the function id in PascalCase). */
export const createFunction = (scope: Construct, id: FunctionId, shared: Shared): ReachFunction =>
  new ReachFunction(scope, pascal(id), { def: functionDef(id), logRetention: shared.logRetention, serviceName: serviceName(shared.config.stage) });

/** The platform app-credential secrets, for `grantPlatformSecretsRead`. */
export const platformSecrets = (shared: Shared) => [...shared.secrets.platformSecrets.values()];

/**
 * What every token grant of the stage shares: its token store (secrets under the stage's prefix, or
 * the Tokens table with envelope keys), that prefix and the stack's key. The caller adds its uses.
 */
export const tokenGrantBase = (shared: Shared): Pick<TokenSecretsGrant, 'store' | 'prefix' | 'key'> => ({
  store: shared.config.tokenStore === 'dynamodb-kms' ? { kind: 'dynamodb-kms', table: shared.data.tables.Tokens, stage: shared.config.stage } : { kind: 'secrets-manager' },
  prefix: tokenSecretPrefix(shared.config.stage),
  key: shared.secrets.key,
});

