/**
 * The Reach stack of this repository's app: one `Reach` construct built from a stage configuration,
 * nothing else. Environment-agnostic (no account or region, no lookups), so `cdk synth` runs
 * offline without credentials.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from './config';
import type { ReachFunction } from './constructs/node-function';
import type { QueueWorker } from './constructs/queue-worker';
import type { Api } from './features/api';
import type { Auth } from './features/auth';
import type { Media } from './features/media';
import { Reach } from './reach';
import type { FunctionId, QueueId } from './topology';

export interface ReachStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Reach's construct id in the stack. CDK leaves an id of `Default` out of the logical ids below
 * it, so every resource keeps the logical id it had when it sat directly on the stack (before the
 * `Reach` construct existed) and a deployed stack updates in place instead of replacing resources.
 */
export const REACH_CONSTRUCT_ID = 'Default';

export class ReachStack extends Stack {
  readonly reach: Reach;
  readonly functions: Readonly<Record<FunctionId, ReachFunction>>;
  readonly queues: Readonly<Record<QueueId, QueueWorker>>;
  readonly api: Api;
  readonly auth: Auth;
  readonly media: Media;

  constructor(scope: Construct, id: string, props: ReachStackProps) {
    super(scope, id, props);
    this.reach = new Reach(this, REACH_CONSTRUCT_ID, { config: props.config });
    this.functions = this.reach.functions;
    this.queues = this.reach.queues;
    this.api = this.reach.features.api;
    this.auth = this.reach.features.auth;
    this.media = this.reach.features.media;
  }
}
