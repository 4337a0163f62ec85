/**
 * The one definition of Reach's moving parts: tables, queues, functions, routes and schedules.
 *
 * Pure data, no CDK and no AWS SDK imports: the CDK stack (`lib/`) builds the deployed resources
 * from it and the local runtime (`local/`) builds dynalite tables, local queues, the gateway's
 * routes and the schedules from it, so the two cannot drift apart.
 */

export type KeyType = 'S' | 'N';

export interface KeyDef {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexDef {
  readonly name: string;
  readonly partitionKey: KeyDef;
  readonly sortKey?: KeyDef;
  /** Why the index exists: the access pattern it serves. */
  readonly serves: string;
}

export interface TableDef {
  /** Logical id in the stack and the suffix of the physical name. */
  readonly id: TableId;
  readonly partitionKey: KeyDef;
  readonly sortKey?: KeyDef;
  readonly ttlAttribute?: string;
  readonly indexes: readonly IndexDef[];
  readonly holds: string;
}

export type TableId = 'Connections' | 'History' | 'Posts' | 'Jobs' | 'Events' | 'Control' | 'Tokens';

const S = (name: string): KeyDef => ({ name, type: 'S' });

/** Number of shards of the due-work indexes: one partition never takes all the planner's reads. */
export const DUE_SHARDS = 16;

export const tables: readonly TableDef[] = [
  {
    id: 'Connections',
    partitionKey: S('userId'),
    sortKey: S('connectionId'),
    holds: 'one item per connected account: platform, account id, status, token secret ref, tier, latest figures',
    indexes: [
      {
        name: 'byPlatformAccount',
        partitionKey: S('platformAccount'),
        sortKey: S('userId'),
        serves: 'route a webhook or a deauthorization to the connections of one platform account',
      },
      {
        name: 'bySyncDue',
        partitionKey: S('syncShard'),
        sortKey: S('nextSyncAt'),
        serves: 'sync planner: connections whose next sync is due, per shard (sparse: only active ones)',
      },
      {
        name: 'byTokenDue',
        partitionKey: S('refreshShard'),
        sortKey: S('refreshAt'),
        serves: 'token planner: connections whose token must be refreshed or touched, per shard (sparse)',
      },
    ],
  },
  {
    id: 'History',
    partitionKey: S('seriesId'),
    sortKey: S('sk'),
    ttlAttribute: 'expiresAt',
    holds: 'metric points t#<ISO> and daily snapshots d#<YYYY-MM-DD> per connection or per post target',
    indexes: [],
  },
  {
    id: 'Posts',
    partitionKey: S('userId'),
    sortKey: S('sk'),
    ttlAttribute: 'expiresAt',
    holds: 'posts post#<id>, their targets post#<id>#target#<connectionId>, idempotency keys idem#<key>',
    indexes: [
      {
        name: 'byDue',
        partitionKey: S('dueMinute'),
        sortKey: S('dueKey'),
        serves: 'publish planner: targets waiting to fire in a given minute (sparse: removed once claimed); analytics planner: published targets whose next metrics refresh falls in an hour (partition `analytics#<hour>`)',
      },
      {
        name: 'byStatus',
        partitionKey: S('userStatus'),
        sortKey: S('createdAt'),
        serves: 'list a user\'s posts by roll-up status, newest first',
      },
    ],
  },
  {
    id: 'Jobs',
    partitionKey: S('userId'),
    sortKey: S('sk'),
    ttlAttribute: 'expiresAt',
    holds: 'manual sync jobs and their per-connection outcomes, claims audit trail',
    indexes: [],
  },
  {
    id: 'Events',
    partitionKey: S('pk'),
    ttlAttribute: 'expiresAt',
    holds: 'received webhook events (no secrets), keyed platform#eventId for dedupe by conditional put',
    indexes: [],
  },
  {
    id: 'Control',
    partitionKey: S('pk'),
    ttlAttribute: 'expiresAt',
    holds: 'OAuth states (single use), leases, rate budgets, data-deletion requests, schedule heartbeats',
    indexes: [],
  },
  {
    id: 'Tokens',
    partitionKey: S('ref'),
    // No TTL: a token set lives until its connection is disconnected, never by age.
    holds: 'per-connection token sets, AES-256-GCM sealed under a KMS data key (token store `dynamodb-kms` only; empty otherwise)',
    indexes: [],
  },
];

export type QueueId = 'sync' | 'publish' | 'refresh' | 'webhookEvents';

export type FunctionId =
  | 'api'
  | 'oauth'
  | 'webhooks'
  | 'syncPlanner'
  | 'syncWorker'
  | 'publishPlanner'
  | 'publishWorker'
  | 'tokenPlanner'
  | 'tokenWorker'
  | 'webhookWorker'
  | 'analyticsPlanner';

export interface QueueDef {
  readonly id: QueueId;
  /** Seconds a received message stays invisible: six times the consumer's timeout, as AWS advises. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly consumer: FunctionId;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Concurrent consumer invocations at most (protects platform quotas). */
  readonly maxConcurrency: number;
  readonly purpose: string;
}

export type Trigger = 'http' | 'sqs' | 'schedule';

export interface FunctionDef {
  readonly id: FunctionId;
  /** Path of the entry file from the repository root; it exports `handler`. */
  readonly entry: string;
  readonly trigger: Trigger;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Bundle budget (minified, AWS SDK v3 left to the runtime). */
  readonly bundleBudgetKb: number;
  readonly description: string;
}

export const functions: readonly FunctionDef[] = [
  { id: 'api', entry: 'functions/handlers/http/api.ts', trigger: 'http', memoryMb: 512, timeoutSeconds: 29, bundleBudgetKb: 1100, description: 'REST API: connections, posts, stats, admin' },
  { id: 'oauth', entry: 'functions/handlers/http/oauth.ts', trigger: 'http', memoryMb: 512, timeoutSeconds: 29, bundleBudgetKb: 1050, description: 'OAuth authorize and callback' },
  { id: 'webhooks', entry: 'functions/handlers/http/webhooks.ts', trigger: 'http', memoryMb: 512, timeoutSeconds: 10, bundleBudgetKb: 1050, description: 'Platform webhooks: verify, dedupe, store, queue' },
  { id: 'syncPlanner', entry: 'functions/handlers/schedule/sync-planner.ts', trigger: 'schedule', memoryMb: 256, timeoutSeconds: 60, bundleBudgetKb: 1050, description: 'Finds connections due for sync and queues them' },
  { id: 'syncWorker', entry: 'functions/handlers/sqs/sync-worker.ts', trigger: 'sqs', memoryMb: 512, timeoutSeconds: 120, bundleBudgetKb: 1050, description: 'Reads platform metrics and writes history' },
  { id: 'publishPlanner', entry: 'functions/handlers/schedule/publish-planner.ts', trigger: 'schedule', memoryMb: 256, timeoutSeconds: 50, bundleBudgetKb: 1050, description: 'Queues post targets due in the next two minutes' },
  { id: 'publishWorker', entry: 'functions/handlers/sqs/publish-worker.ts', trigger: 'sqs', memoryMb: 1024, timeoutSeconds: 300, bundleBudgetKb: 1200, description: 'Publishes one post target exactly once' },
  { id: 'tokenPlanner', entry: 'functions/handlers/schedule/token-planner.ts', trigger: 'schedule', memoryMb: 256, timeoutSeconds: 60, bundleBudgetKb: 1050, description: 'Finds tokens due for refresh and queues them' },
  { id: 'tokenWorker', entry: 'functions/handlers/sqs/token-worker.ts', trigger: 'sqs', memoryMb: 256, timeoutSeconds: 60, bundleBudgetKb: 1050, description: 'Refreshes one connection\'s tokens under a lease' },
  { id: 'webhookWorker', entry: 'functions/handlers/sqs/webhook-worker.ts', trigger: 'sqs', memoryMb: 256, timeoutSeconds: 60, bundleBudgetKb: 1050, description: 'Applies stored webhook events' },
  { id: 'analyticsPlanner', entry: 'functions/handlers/schedule/analytics-planner.ts', trigger: 'schedule', memoryMb: 512, timeoutSeconds: 120, bundleBudgetKb: 1050, description: 'Refreshes the metrics of published post targets whose next stage has come' },
];

export const queues: readonly QueueDef[] = [
  { id: 'sync', visibilityTimeoutSeconds: 720, maxReceiveCount: 5, consumer: 'syncWorker', batchSize: 10, maxBatchingWindowSeconds: 1, maxConcurrency: 20, purpose: 'one message per connection (or per platform batch) to sync' },
  { id: 'publish', visibilityTimeoutSeconds: 1800, maxReceiveCount: 8, consumer: 'publishWorker', batchSize: 1, maxBatchingWindowSeconds: 0, maxConcurrency: 50, purpose: 'one message per post target, delayed to its second' },
  { id: 'refresh', visibilityTimeoutSeconds: 360, maxReceiveCount: 5, consumer: 'tokenWorker', batchSize: 10, maxBatchingWindowSeconds: 1, maxConcurrency: 10, purpose: 'one message per connection whose tokens are due' },
  { id: 'webhookEvents', visibilityTimeoutSeconds: 360, maxReceiveCount: 5, consumer: 'webhookWorker', batchSize: 10, maxBatchingWindowSeconds: 1, maxConcurrency: 10, purpose: 'one message per stored webhook event' },
];

export type Auth = 'public' | 'user' | 'admin';

export interface RouteDef {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path with `{param}` segments; the route key is `${method} ${path}`. */
  readonly path: string;
  readonly fn: 'api' | 'oauth' | 'webhooks';
  readonly auth: Auth;
  readonly summary: string;
}

export const routes: readonly RouteDef[] = [
  { method: 'GET', path: '/v1/health', fn: 'api', auth: 'public', summary: 'Liveness and version' },
  { method: 'GET', path: '/v1/platforms', fn: 'api', auth: 'public', summary: 'The platforms, their capabilities and content limits' },
  { method: 'GET', path: '/v1/openapi.json', fn: 'api', auth: 'public', summary: 'This API\'s OpenAPI 3.1 description' },
  { method: 'GET', path: '/v1/connections', fn: 'api', auth: 'user', summary: 'The caller\'s connections' },
  { method: 'GET', path: '/v1/connections/{id}', fn: 'api', auth: 'user', summary: 'One connection' },
  { method: 'DELETE', path: '/v1/connections/{id}', fn: 'api', auth: 'user', summary: 'Disconnect (revoke, delete tokens; ?erase=true deletes history)' },
  { method: 'DELETE', path: '/v1/me', fn: 'api', auth: 'user', summary: 'Erase everything Reach holds for the caller' },
  { method: 'POST', path: '/v1/connections/{id}/sync', fn: 'api', auth: 'user', summary: 'Sync one connection now (freshness window applies; ?dryRun=true)' },
  { method: 'POST', path: '/v1/sync', fn: 'api', auth: 'user', summary: 'Sync all of the caller\'s connections (optionally one platform)' },
  { method: 'GET', path: '/v1/sync/jobs/{jobId}', fn: 'api', auth: 'user', summary: 'A sync job with each connection\'s outcome' },
  { method: 'GET', path: '/v1/connections/{id}/history', fn: 'api', auth: 'user', summary: 'Metric history (?from&to&interval=hour|day)' },
  { method: 'GET', path: '/v1/connections/{id}/insights', fn: 'api', auth: 'user', summary: 'Engagement rates, averages, growth and the authenticity score with reasons' },
  { method: 'GET', path: '/v1/connections/{id}/audience', fn: 'api', auth: 'user', summary: 'The newest audience breakdown (country, city, age and gender) where the platform gives one' },
  { method: 'POST', path: '/v1/connections/{id}/claims', fn: 'api', auth: 'user', summary: 'Verify a self-reported follower number against the history' },
  { method: 'GET', path: '/v1/connections/{id}/claims', fn: 'api', auth: 'user', summary: 'The audit trail of claim verifications' },
  { method: 'GET', path: '/v1/stats', fn: 'api', auth: 'user', summary: 'Totals and growth across the caller\'s connections' },
  { method: 'GET', path: '/v1/admin/stats', fn: 'api', auth: 'admin', summary: 'Sync success by platform, schedule heartbeats, queue backlogs (admin group)' },
  { method: 'POST', path: '/v1/admin/sync', fn: 'api', auth: 'admin', summary: 'Sync all connections, a user\'s, a platform\'s or one (dryRun)' },
  { method: 'POST', path: '/v1/admin/tokens/refresh', fn: 'api', auth: 'admin', summary: 'Refresh tokens now for a selection of connections' },
  { method: 'POST', path: '/v1/admin/cleanup', fn: 'api', auth: 'admin', summary: 'Delete history points older than N days (dryRun)' },
  { method: 'POST', path: '/v1/posts/preview', fn: 'api', auth: 'user', summary: 'Check a draft against each target platform\'s rules; saves nothing' },
  { method: 'POST', path: '/v1/posts', fn: 'api', auth: 'user', summary: 'Create a post for several connections, now or at a time in a zone (Idempotency-Key honoured)' },
  { method: 'GET', path: '/v1/posts', fn: 'api', auth: 'user', summary: 'The caller\'s posts, newest first (?status&cursor&limit)' },
  { method: 'GET', path: '/v1/posts/{id}', fn: 'api', auth: 'user', summary: 'A post with each target\'s state, platform post id, URL, error and attempts' },
  { method: 'DELETE', path: '/v1/posts/{id}', fn: 'api', auth: 'user', summary: 'Cancel the targets that have not gone out' },
  { method: 'POST', path: '/v1/posts/{id}/retry', fn: 'api', auth: 'user', summary: 'Send failed or missed targets again, now' },
  { method: 'GET', path: '/v1/posts/{id}/analytics', fn: 'api', auth: 'user', summary: 'Stored metric series of each published target' },
  { method: 'POST', path: '/v1/posts/{id}/analytics/refresh', fn: 'api', auth: 'user', summary: 'Read the post\'s metrics from the platforms now (freshness window applies)' },
  { method: 'POST', path: '/v1/media', fn: 'api', auth: 'user', summary: 'Declare a media file: returns a presigned upload URL (Idempotency-Key honoured)' },
  { method: 'GET', path: '/v1/media/{id}', fn: 'api', auth: 'user', summary: 'A media file\'s metadata and, once uploaded, a read URL' },
  { method: 'POST', path: '/v1/oauth/{platform}/authorize', fn: 'oauth', auth: 'user', summary: 'Start connecting an account: returns the consent URL' },
  { method: 'GET', path: '/v1/oauth/{platform}/callback', fn: 'oauth', auth: 'public', summary: 'Platform redirect after consent' },
  { method: 'GET', path: '/v1/oauth/result', fn: 'oauth', auth: 'public', summary: 'Default page showing a connect outcome' },
  { method: 'GET', path: '/v1/webhooks/{platform}', fn: 'webhooks', auth: 'public', summary: 'A platform\'s webhook subscription check (challenge)' },
  { method: 'POST', path: '/v1/webhooks/{platform}', fn: 'webhooks', auth: 'public', summary: 'A platform\'s webhook delivery (verified by its signature)' },
  { method: 'POST', path: '/v1/webhooks/meta/deauthorize', fn: 'webhooks', auth: 'public', summary: 'Meta deauthorize callback (signed_request)' },
  { method: 'POST', path: '/v1/webhooks/meta/data-deletion', fn: 'webhooks', auth: 'public', summary: 'Meta data-deletion callback (signed_request)' },
  { method: 'GET', path: '/v1/data-deletion/{code}', fn: 'webhooks', auth: 'public', summary: 'Status of a data-deletion request' },
];

export type ScheduleId = 'publishPlanner' | 'syncPlanner' | 'dailySnapshot' | 'tokenPlanner' | 'analyticsPlanner';

export interface ScheduleDef {
  readonly id: ScheduleId;
  readonly target: FunctionId;
  /** Period in minutes (EventBridge `rate(...)`), or a daily UTC hour (`cron(0 H * * ? *)`). */
  readonly every: { readonly minutes: number } | { readonly dailyAtUtcHour: number };
  /** Constant input given to the target as the event's `detail`. */
  readonly input: Readonly<Record<string, string>>;
}

export const schedules: readonly ScheduleDef[] = [
  { id: 'publishPlanner', target: 'publishPlanner', every: { minutes: 1 }, input: { mode: 'due' } },
  { id: 'syncPlanner', target: 'syncPlanner', every: { minutes: 5 }, input: { mode: 'due' } },
  { id: 'dailySnapshot', target: 'syncPlanner', every: { dailyAtUtcHour: 0 }, input: { mode: 'daily' } },
  { id: 'tokenPlanner', target: 'tokenPlanner', every: { minutes: 60 }, input: { mode: 'due' } },
  { id: 'analyticsPlanner', target: 'analyticsPlanner', every: { minutes: 15 }, input: { mode: 'due' } },
];

/** Environment variable that carries a table's physical name to the functions. */
export const tableEnv = (id: TableId): string => `TABLE_${id.toUpperCase()}`;
/** Environment variable that carries a queue's URL to the functions. */
export const queueEnv = (id: QueueId): string => `QUEUE_${id.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_URL`;
/** The route key API Gateway puts in `event.routeKey`. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>): string => `${r.method} ${r.path}`;
