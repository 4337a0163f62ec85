/**
 * The Reach stack: composes the feature constructs, nothing else. Environment-agnostic (no account
 * or region, no lookups), so `cdk synth` runs offline without credentials.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageConfig } from './config';
import type { ReachFunction } from './constructs/node-function';
import type { QueueWorker } from './constructs/queue-worker';
import { Api } from './features/api';
import { Auth } from './features/auth';
import { Data } from './features/data';
import { runtimeEnvironment } from './features/environment';
import { Events } from './features/events';
import { Media } from './features/media';
import { Monitoring } from './features/monitoring';
import { Publishing } from './features/publishing';
import { Secrets } from './features/secrets';
import type { Shared } from './features/shared';
import { Sync } from './features/sync';
import { Tokens } from './features/tokens';
import { Webhooks } from './features/webhooks';
import type { FunctionId, QueueId } from './topology';

export interface ReachStackProps extends StackProps {
  readonly config: StageConfig;
}

export class ReachStack extends Stack {
  readonly functions: Readonly<Record<FunctionId, ReachFunction>>;
  readonly queues: Readonly<Record<QueueId, QueueWorker>>;
  readonly api: Api;
  readonly auth: Auth;
  readonly media: Media;

  constructor(scope: Construct, id: string, props: ReachStackProps) {
    super(scope, id, props);
    const { config } = props;

    const secrets = new Secrets(this, 'Secrets', { stage: config.stage, enabledPlatforms: config.enabledPlatforms });
    const data = new Data(this, 'Data', { key: secrets.key });
    const events = new Events(this, 'Events', { stage: config.stage });
    // Only the retention values CloudWatch accepts pass config validation, and RetentionDays' values are those days.
    const shared: Shared = { config, data, secrets, bus: events.bus, logRetention: config.logRetentionDays as RetentionDays };

    // Browsers upload media from the pages a connect flow may return to: the app's own origins.
    this.media = new Media(this, 'Media', {
      browserUrls: [...config.returnUrlAllowlist, ...(config.defaultReturnUrl !== undefined ? [config.defaultReturnUrl] : [])],
    });
    const media = this.media;

    const sync = new Sync(this, 'Sync', shared);
    const publishing = new Publishing(this, 'Publishing', { shared, mediaBucket: media.bucket });
    const tokens = new Tokens(this, 'Tokens', shared);
    const webhooks = new Webhooks(this, 'Webhooks', { shared, syncQueue: sync.queue.queue });
    const queues = {
      sync: sync.queue.queue,
      publish: publishing.queue.queue,
      refresh: tokens.queue.queue,
      webhookEvents: webhooks.queue.queue,
    } satisfies Record<QueueId, IQueue>;
    this.auth = new Auth(this, 'Auth', config);
    this.api = new Api(this, 'Api', { shared, auth: this.auth, webhooks: webhooks.receiver, queues, mediaBucket: media.bucket });

    // `satisfies` makes the compiler prove every topology function and queue exists exactly here.
    this.functions = {
      api: this.api.api,
      oauth: this.api.oauth,
      webhooks: webhooks.receiver,
      syncPlanner: sync.planner,
      syncWorker: sync.worker,
      publishPlanner: publishing.planner,
      publishWorker: publishing.worker,
      tokenPlanner: tokens.planner,
      tokenWorker: tokens.worker,
      webhookWorker: webhooks.worker,
      analyticsPlanner: publishing.analyticsPlanner,
    } satisfies Record<FunctionId, ReachFunction>;
    this.queues = { sync: sync.queue, publish: publishing.queue, refresh: tokens.queue, webhookEvents: webhooks.queue } satisfies Record<QueueId, QueueWorker>;

    events.addSchedules(this.functions);

    const environment = runtimeEnvironment({
      config,
      data,
      queues,
      bus: events.bus,
      key: secrets.key,
      apiUrl: this.api.url,
      mediaBucket: media.bucket,
    });
    for (const fn of Object.values(this.functions)) fn.addEnvironment(environment);

    new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      functions: Object.values(this.functions),
      queues: Object.values(this.queues),
      key: secrets.key,
      errorRateAlarmPercent: config.errorRateAlarmPercent,
      ...(config.alarmEmail !== undefined && { alarmEmail: config.alarmEmail }),
    });
  }
}
