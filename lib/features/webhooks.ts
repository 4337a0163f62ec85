/**
 * Webhooks: the public HTTP function that verifies, dedupes, stores and queues platform callbacks
 * (and answers data-deletion status), the `webhookEvents` queue, and the worker that applies them.
 */
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantPlatformSecretsRead, grantTable, grantTokenSecrets } from '../constructs/grants';
import type { ReachFunction } from '../constructs/node-function';
import { QueueWorker } from '../constructs/queue-worker';
import { createFunction, platformSecrets, queueDef, type Shared, tokenGrantBase } from './shared';

export interface WebhooksProps {
  readonly shared: Shared;
  /** An event that says an account changed (without its figures) queues a sync of its connections. */
  readonly syncQueue: IQueue;
}

export class Webhooks extends Construct {
  /** Behind the public `/v1/webhooks/*` and `/v1/data-deletion/*` routes. */
  readonly receiver: ReachFunction;
  readonly worker: ReachFunction;
  readonly queue: QueueWorker;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { shared } = props;
    const { tables } = shared.data;
    this.receiver = createFunction(this, 'webhooks', shared);
    this.worker = createFunction(this, 'webhookWorker', shared);
    this.queue = new QueueWorker(this, 'WebhookEvents', { def: queueDef('webhookEvents'), consumer: this.worker.fn });

    // Receiver: stores each event with a conditional put keyed platform#eventId (duplicates are dropped).
    grantTable(this.receiver, { table: tables.Events, write: true });
    // Receiver: reads the connections a deauthorize callback's user granted and marks them revoked
    // (found through the grant registry, not byPlatformAccount: the callback names a user, not an account).
    grantTable(this.receiver, { table: tables.Connections, write: true });
    // Receiver: reads the grant registry (grant#…), records data-deletion requests (deletion#…) and
    // answers their status by confirmation code.
    grantTable(this.receiver, { table: tables.Control, write: true });
    // Receiver: a deauthorized connection loses its tokens at once (nothing may use them any more).
    grantTokenSecrets(this.receiver, {
      ...tokenGrantBase(shared),
      uses: ['delete'],
      why: 'The webhooks function deletes the tokens of connections whose user removed the app at the platform.',
    });
    // Receiver: webhook signatures, verify tokens and Meta's signed_request are checked with the app's secrets.
    grantPlatformSecretsRead(this.receiver, platformSecrets(shared));
    // Receiver: one message per stored event or data-deletion request; the worker applies it outside
    // the platform's deadline.
    this.queue.queue.grantSendMessages(this.receiver.role);
    // Receiver: a deauthorize callback emits connection.disconnected.
    shared.bus.grantPutEventsTo(this.receiver.role);

    // Worker: claims each stored event and marks it applied (the state change is what makes
    // redelivery harmless).
    grantTable(this.worker, { table: tables.Events, write: true });
    // Worker: routes an event to its connections (byPlatformAccount) and updates figures or status
    // (revoked); a data deletion deletes the connection.
    grantTable(this.worker, { table: tables.Connections, write: true, indexes: ['byPlatformAccount'] });
    // Worker: follower counts pushed by a platform become history points; a data deletion erases history.
    grantTable(this.worker, { table: tables.History, write: true });
    // Worker: a platform's post-status callback updates the post target it belongs to (through the
    // publishing engine's `applyPostStatus` hook).
    grantTable(this.worker, { table: tables.Posts, write: true });
    // Worker: a once-per-window mark per connection before queuing a webhook-triggered sync
    // (conditional put), completes data-deletion requests (deletion#…,
    // read back by the receiver) and forgets the user's grants (grant#…).
    grantTable(this.worker, { table: tables.Control, write: true });
    // Worker: an event that says an account changed, without its figures, queues a sync of it.
    props.syncQueue.grantSendMessages(this.worker.role);
    // Worker: reads a token to fetch an event's details; deletes it when the platform says the grant is gone.
    grantTokenSecrets(this.worker, {
      ...tokenGrantBase(shared),
      uses: ['read', 'delete'],
      why: 'The webhook worker deletes the tokens of a deauthorized connection and reads one to fetch an event\'s details.',
    });
    // Worker: fetching an event's details from the platform needs the app's credentials.
    grantPlatformSecretsRead(this.worker, platformSecrets(shared));
    // Worker: emits metrics.synced, engagement.comment/mention and connection.disconnected.
    shared.bus.grantPutEventsTo(this.worker.role);
  }
}
