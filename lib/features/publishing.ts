/**
 * Publishing: the every-minute planner that queues post targets due in the next two minutes (with
 * DelaySeconds to their second), the `publish` queue, the worker that publishes one target exactly
 * once, and the quarter-hourly planner that refreshes published targets' metrics (1 h, 1 d, 7 d and
 * 30 d after they went out).
 */
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantMediaObjects, grantPlatformSecretsRead, grantTable, grantTokenSecrets } from '../constructs/grants';
import type { ReachFunction } from '../constructs/node-function';
import { QueueWorker } from '../constructs/queue-worker';
import { MEDIA_KEY_PREFIX } from './media';
import { createFunction, platformSecrets, queueDef, type Shared, tokenGrantBase } from './shared';

export interface PublishingProps {
  readonly shared: Shared;
  /** The media bucket (the worker hands platforms presigned read URLs of a post's files). */
  readonly mediaBucket: IBucket;
}

export class Publishing extends Construct {
  readonly planner: ReachFunction;
  readonly worker: ReachFunction;
  readonly analyticsPlanner: ReachFunction;
  readonly queue: QueueWorker;

  constructor(scope: Construct, id: string, props: PublishingProps) {
    super(scope, id);
    const { shared } = props;
    this.planner = createFunction(this, 'publishPlanner', shared);
    this.worker = createFunction(this, 'publishWorker', shared);
    this.analyticsPlanner = createFunction(this, 'analyticsPlanner', shared);
    this.queue = new QueueWorker(this, 'Publish', { def: queueDef('publish'), consumer: this.worker.fn });
    this.grantPlanner(shared);
    this.grantWorker(shared, props.mediaBucket);
    this.grantAnalyticsPlanner(shared);
  }

  /** `planPublish`: reads due targets, sends them, marks the overdue ones missed and rolls their posts up. */
  private grantPlanner(shared: Shared): void {
    const { tables } = shared.data;
    // Query the sparse byDue index by minute; targets overdue past the window become `missed` and
    // their post's roll-up status is rewritten (conditional writes).
    grantTable(this.planner, { table: tables.Posts, write: true, indexes: ['byDue'] });
    // One delayed message per due target.
    this.queue.queue.grantSendMessages(this.planner.role);
    // A post whose targets were missed rolls up to failed or partial: post.failed / post.partial.
    shared.bus.grantPutEventsTo(this.planner.role);
  }

  /** `publishTarget`: claims, publishes and settles one target. */
  private grantWorker(shared: Shared, mediaBucket: IBucket): void {
    const { tables } = shared.data;
    // Claims the target, keeps its checkpoint and status, rolls the post's status up (conditional
    // writes); reads the post and its media records.
    grantTable(this.worker, { table: tables.Posts, write: true });
    // Reads the target's connection (account id, token reference, status) and marks it
    // reauth_required when the platform refuses the grant or its tokens are gone.
    grantTable(this.worker, { table: tables.Connections, write: true });
    // Reads the access token of the connection it publishes to.
    grantTokenSecrets(this.worker, {
      ...tokenGrantBase(shared),
      uses: ['read'],
      why: 'The publish worker reads the access token of the connection it publishes to.',
    });
    // Some platform calls need the app's credentials (e.g. Meta's appsecret_proof).
    grantPlatformSecretsRead(this.worker, platformSecrets(shared));
    // Checks each of the post's files arrived and signs the read URLs the platforms fetch them from.
    grantMediaObjects(this.worker, {
      bucket: mediaBucket,
      prefix: MEDIA_KEY_PREFIX,
      uses: ['read'],
      why: 'The publish worker signs read URLs of a post\'s files for the platform to fetch.',
    });
    // Emits post.published, post.partial, post.failed and connection.reauth_required.
    shared.bus.grantPutEventsTo(this.worker.role);
    // A multi-step flow that must wait (e.g. a video still processing) hides its own message with
    // ChangeMessageVisibility, which the event source already grants; no SendMessage is needed.
  }

  /** `planAnalytics`: reads targets whose metrics stage has come and refreshes them from the platforms. */
  private grantAnalyticsPlanner(shared: Shared): void {
    const { tables } = shared.data;
    const fn = this.analyticsPlanner;
    // Query the byDue index's `analytics#<hour>` partitions; writes each target's metrics and next stage.
    grantTable(fn, { table: tables.Posts, write: true, indexes: ['byDue'] });
    // Reads each target's connection; a refused grant marks it reauth_required.
    grantTable(fn, { table: tables.Connections, write: true });
    // Appends each refresh to the target's metric series (`target#<postId>#<connectionId>`).
    grantTable(fn, { table: tables.History, write: true });
    // Reads the connection's access token to call the platform's analytics endpoint.
    grantTokenSecrets(fn, {
      ...tokenGrantBase(shared),
      uses: ['read'],
      why: 'The analytics planner reads the access token of each connection whose posts it refreshes.',
    });
    // Some platform calls need the app's credentials (e.g. Meta's appsecret_proof).
    grantPlatformSecretsRead(fn, platformSecrets(shared));
    // Emits connection.reauth_required.
    shared.bus.grantPutEventsTo(fn.role);
  }
}
