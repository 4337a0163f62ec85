import { paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HistoryPoint, HistoryRepository } from '../../core/ports/history';
import { deleteKeys, epochSeconds, isLive, queryAll } from './client';

const DAY_MS = 86_400_000;

/** History table: `t#<ISO>` points kept `retentionDays`, `d#<day>` snapshots kept `snapshotDays`. */
export class DynamoHistoryRepository implements HistoryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retention: { readonly pointDays: number; readonly snapshotDays: number },
    private readonly now: () => Date,
  ) {}

  async append(seriesId: string, point: HistoryPoint, options: { readonly daily: boolean }): Promise<void> {
    const at = new Date(point.at);
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { seriesId, sk: `t#${point.at}`, at: point.at, snapshot: point.snapshot, expiresAt: epochSeconds(new Date(at.getTime() + this.retention.pointDays * DAY_MS)) },
      }),
    );
    if (options.daily) {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            seriesId,
            sk: `d#${point.at.slice(0, 10)}`,
            at: point.at,
            snapshot: point.snapshot,
            expiresAt: epochSeconds(new Date(at.getTime() + this.retention.snapshotDays * DAY_MS)),
          },
        }),
      );
    }
  }

  points(seriesId: string, from: string, to: string): Promise<HistoryPoint[]> {
    return this.range(seriesId, `t#${from}`, `t#${to}`);
  }

  daily(seriesId: string, fromDay: string, toDay: string): Promise<HistoryPoint[]> {
    return this.range(seriesId, `d#${fromDay}`, `d#${toDay}`);
  }

  private async range(seriesId: string, fromSk: string, toSk: string): Promise<HistoryPoint[]> {
    const now = this.now();
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'seriesId = :s AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':s': seriesId, ':a': fromSk, ':b': toSk },
    });
    const out: HistoryPoint[] = items.filter((item) => isLive(item, now)).map((item) => ({ at: String(item['at']), snapshot: item['snapshot'] as HistoryPoint['snapshot'] }));
    return out;
  }

  async erase(seriesId: string): Promise<void> {
    await this.deleteWhere(seriesId, 'seriesId = :s', { ':s': seriesId }, false);
  }

  deletePointsBefore(seriesId: string, before: string, dryRun: boolean): Promise<number> {
    return this.deleteWhere(seriesId, 'seriesId = :s AND sk BETWEEN :a AND :b', { ':s': seriesId, ':a': 't#', ':b': `t#${before}` }, dryRun);
  }

  private async deleteWhere(seriesId: string, condition: string, values: Record<string, unknown>, dryRun: boolean): Promise<number> {
    let count = 0;
    const query = { TableName: this.table, KeyConditionExpression: condition, ExpressionAttributeValues: values, ProjectionExpression: 'seriesId, sk' };
    for await (const page of paginateQuery({ client: this.db }, query)) {
      const keys = (page.Items ?? []).map((i) => ({ seriesId: i['seriesId'] ?? seriesId, sk: i['sk'] }));
      count += keys.length;
      if (!dryRun) await deleteKeys(this.db, this.table, keys);
    }
    return count;
  }
}
