/**
 * Sync: the planner that finds connections due for a sync (every 5 minutes, and daily for the
 * snapshot), the `sync` queue, and the worker that reads platform metrics and writes history.
 */
import { Construct } from 'constructs';
import { grantPlatformSecretsRead, grantTable, grantTokenSecrets } from '../constructs/grants';
import type { ReachFunction } from '../constructs/node-function';
import { QueueWorker } from '../constructs/queue-worker';
import { createFunction, platformSecrets, queueDef, type Shared, tokenGrantBase } from './shared';

export class Sync extends Construct {
  readonly planner: ReachFunction;
  readonly worker: ReachFunction;
  readonly queue: QueueWorker;

  constructor(scope: Construct, id: string, shared: Shared) {
    super(scope, id);
    const { tables } = shared.data;
    this.planner = createFunction(this, 'syncPlanner', shared);
    this.worker = createFunction(this, 'syncWorker', shared);
    this.queue = new QueueWorker(this, 'Sync', { def: queueDef('sync'), consumer: this.worker.fn });

    // Planner: Query the sparse bySyncDue index shard by shard; nothing else is read or written.
    grantTable(this.planner, { table: tables.Connections, indexes: ['bySyncDue'] });
    // Planner: one message per due connection (or per platform batch).
    this.queue.queue.grantSendMessages(this.planner.role);

    // Worker: reads the connection and writes its latest figures, next sync time and last error.
    grantTable(this.worker, { table: tables.Connections, write: true });
    // Worker: appends metric points and daily snapshots; reads recent points for growth and anomalies.
    grantTable(this.worker, { table: tables.History, write: true });
    // Worker: records each connection's outcome on the manual sync job that asked for it.
    grantTable(this.worker, { table: tables.Jobs, write: true });
    // Worker: per-platform, per-account rate budgets are conditional writes in Control.
    grantTable(this.worker, { table: tables.Control, write: true });
    // Worker: reads (never writes) the connection's access token to call the platform.
    grantTokenSecrets(this.worker, {
      ...tokenGrantBase(shared),
      uses: ['read'],
      why: 'The sync worker reads the access token of the connection it syncs.',
    });
    // Worker: some platform calls need the app's credentials (e.g. Meta's appsecret_proof).
    grantPlatformSecretsRead(this.worker, platformSecrets(shared));
    // Worker: emits metrics.synced and followers.anomaly.
    shared.bus.grantPutEventsTo(this.worker.role);
    // The event source grants the worker receive/delete/ChangeMessageVisibility on its own queue.
  }
}
