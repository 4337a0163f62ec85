/**
 * What a team imports to add Reach to its own CDK app: the `Reach` construct, its props and the
 * types of what it exposes. This repository's own app (`bin/app.ts`) uses `ReachStack`.
 */
export { Reach, type ReachConfigProps, type ReachFeatures, type ReachProps } from './reach';
export { ReachStack, REACH_CONSTRUCT_ID, type ReachStackProps } from './reach-stack';
export {
  configFromProps,
  effectiveSchedules,
  SCHEDULE_RULES,
  stageConfig,
  TOKEN_STORES,
  type AuthConfig,
  type ScheduleOverride,
  type StageConfig,
  type TokenStoreKind,
} from './config';
export type { ReachFunction } from './constructs/node-function';
export type { QueueWorker } from './constructs/queue-worker';
export { PROVIDER_IDS, type ProviderId } from '../functions/providers/types';
export type { FunctionId, QueueId, ScheduleDef, ScheduleId, TableId } from './topology';
