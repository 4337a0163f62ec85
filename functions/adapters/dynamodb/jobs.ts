import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClaimRecord, JobRepository, SyncJob } from '../../core/ports/jobs';
import { epochSeconds, isConditionFailed, isLive, queryAll } from './client';
import { deletePartition } from './erase';

const DAY_MS = 86_400_000;

/** Jobs table: `job#<id>` sync jobs (expiring), `claim#<connectionId>#<ISO>#<id>` audit records (kept). */
export class DynamoJobRepository implements JobRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date,
  ) {}

  async createSyncJob(job: SyncJob, ttlDays: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...job, sk: `job#${job.jobId}`, expiresAt: epochSeconds(new Date(this.now().getTime() + ttlDays * DAY_MS)) },
      }),
    );
  }

  async getSyncJob(userId: string, jobId: string): Promise<SyncJob | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { userId, sk: `job#${jobId}` }, ConsistentRead: true }));
    if (!out.Item || !isLive(out.Item, this.now())) return undefined;
    const { sk: _sk, expiresAt: _e, ...job } = out.Item;
    return job as SyncJob;
  }

  async recordOutcomes(userId: string, jobId: string, outcomes: SyncJob['connections']): Promise<void> {
    const entries = Object.entries(outcomes);
    if (entries.length === 0) return;
    const names: Record<string, string> = { '#c': 'connections' };
    const values: Record<string, unknown> = {};
    const sets = entries.map(([id, o], i) => {
      names[`#k${i}`] = id;
      values[`:v${i}`] = o;
      return `#c.#k${i} = :v${i}`;
    });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { userId, sk: `job#${jobId}` },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(sk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      // The job expired or was never made (a scheduled sync carries no job): nothing to record.
      if (!isConditionFailed(err)) throw err;
    }
  }

  async eraseUser(userId: string): Promise<void> {
    await deletePartition(this.db, this.table, { name: 'userId', value: userId }, 'sk');
  }

  async addClaim(claim: ClaimRecord): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { ...claim, sk: `claim#${claim.connectionId}#${claim.recordedAt}#${claim.claimId}` } }),
    );
  }

  async listClaims(userId: string, connectionId: string): Promise<ClaimRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'userId = :u AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':u': userId, ':p': `claim#${connectionId}#` },
    });
    const out = items.map(({ sk: _sk, ...claim }) => claim as unknown as ClaimRecord);
    return out;
  }
}
