import { BatchWriteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HistoryPoint, HistoryRepository } from '../../core/ports/history';
import { epochSeconds, isLive } from './client';

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
    const out: HistoryPoint[] = [];
    let startKey: Record<string, unknown> | undefined;
    const now = this.now();
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'seriesId = :s AND sk BETWEEN :a AND :b',
          ExpressionAttributeValues: { ':s': seriesId, ':a': fromSk, ':b': toSk },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (!isLive(item, now)) continue;
        out.push({ at: String(item['at']), snapshot: item['snapshot'] as HistoryPoint['snapshot'] });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
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
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          ProjectionExpression: 'seriesId, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = (page.Items ?? []).map((i) => ({ seriesId: i['seriesId'] ?? seriesId, sk: i['sk'] }));
      count += keys.length;
      for (let i = 0; i < keys.length && !dryRun; i += 25) {
        let pending: Record<string, unknown>[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        // BatchWrite may leave items unprocessed under load: send them again until none remain.
        while (pending.length > 0) {
          const res = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
          pending = (res.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }
}
