/**
 * Tokens: the hourly planner that finds connections whose tokens are due for a refresh (or the
 * daily touch), the `refresh` queue, and the worker that refreshes one connection under a lease.
 * It also settles where every function's token grants point: the stage's token store.
 */
import { Construct } from 'constructs';
import { grantPlatformSecretsRead, grantTable, grantTokenSecrets } from '../constructs/grants';
import type { ReachFunction } from '../constructs/node-function';
import { QueueWorker } from '../constructs/queue-worker';
import { createFunction, platformSecrets, queueDef, type Shared, tokenGrantBase } from './shared';

export class Tokens extends Construct {
  readonly planner: ReachFunction;
  readonly worker: ReachFunction;
  readonly queue: QueueWorker;

  constructor(scope: Construct, id: string, shared: Shared) {
    super(scope, id);
    const { tables } = shared.data;
    this.planner = createFunction(this, 'tokenPlanner', shared);
    this.worker = createFunction(this, 'tokenWorker', shared);
    this.queue = new QueueWorker(this, 'Refresh', { def: queueDef('refresh'), consumer: this.worker.fn });

    // Planner: Query the sparse byTokenDue index shard by shard.
    grantTable(this.planner, { table: tables.Connections, indexes: ['byTokenDue'] });
    // Planner: one message per connection whose tokens are due.
    this.queue.queue.grantSendMessages(this.planner.role);

    // Worker: re-reads the connection after taking the lease, then writes expiry, next refresh or reauth_required.
    grantTable(this.worker, { table: tables.Connections, write: true });
    // Worker: the per-connection refresh lease is a conditional write in Control.
    grantTable(this.worker, { table: tables.Control, write: true });
    // Worker: reads the refresh token and writes the new token set (no delete: a failed refresh keeps the old grant).
    grantTokenSecrets(this.worker, {
      ...tokenGrantBase(shared),
      uses: ['read', 'write'],
      why: 'The token worker reads the refresh token of one connection and stores the refreshed token set.',
    });
    // Worker: the refresh call authenticates with the app's client id and secret.
    grantPlatformSecretsRead(this.worker, platformSecrets(shared));
    // Worker: emits connection.reauth_required.
    shared.bus.grantPutEventsTo(this.worker.role);
  }
}
