import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Connection } from '../../core/model/connection';
import type { ConnectionRepository } from '../../core/ports/connections';
import { StaleWriteError } from '../../core/errors';
import { isConditionFailed, queryAll, scanAll } from './client';
import { shardOf } from './shard';

type Item = Connection & {
  platformAccount: string;
  syncShard?: string;
  refreshShard?: string;
};

/**
 * Connections table. Index keys are derived on every write: `platformAccount` always,
 * `syncShard` only while the connection is active and has a next sync, `refreshShard` only while
 * it has a refresh instant — so the due indexes stay sparse.
 */
export class DynamoConnectionRepository implements ConnectionRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private toItem(c: Connection): Item {
    const shard = String(shardOf(c.connectionId));
    return {
      ...c,
      platformAccount: `${c.platform}#${c.platformAccountId}`,
      ...(c.status === 'active' && c.nextSyncAt !== undefined && { syncShard: shard }),
      ...(c.refreshAt !== undefined && c.status !== 'revoked' && { refreshShard: shard }),
    };
  }

  private fromItem(item: Record<string, unknown>): Connection {
    const { platformAccount: _p, syncShard: _s, refreshShard: _r, ...rest } = item as unknown as Item;
    return rest;
  }

  async get(userId: string, connectionId: string): Promise<Connection | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { userId, connectionId }, ConsistentRead: true }));
    return out.Item ? this.fromItem(out.Item) : undefined;
  }

  async listByUser(userId: string): Promise<Connection[]> {
    const items = await queryAll(this.db, { TableName: this.table, KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': userId } });
    return items.map((i) => this.fromItem(i));
  }

  async listAll(): Promise<Connection[]> {
    return (await scanAll(this.db, { TableName: this.table })).map((i) => this.fromItem(i));
  }

  async findByPlatformAccount(platform: string, platformAccountId: string): Promise<Connection[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byPlatformAccount',
        KeyConditionExpression: 'platformAccount = :p',
        ExpressionAttributeValues: { ':p': `${platform}#${platformAccountId}` },
      }),
    );
    return (out.Items ?? []).map((i) => this.fromItem(i));
  }

  async create(connection: Connection): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(connection),
          ConditionExpression: 'attribute_not_exists(connectionId)',
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new StaleWriteError(`connection ${connection.connectionId}`, { cause: err });
      throw err;
    }
  }

  async update(connection: Connection): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(connection),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': connection.version - 1 },
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) throw new StaleWriteError(`connection ${connection.connectionId}`, { cause: err });
      throw err;
    }
  }

  async delete(userId: string, connectionId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { userId, connectionId } }));
  }

  dueForSync(shard: number, dueBy: string, limit: number): Promise<Connection[]> {
    return this.due('bySyncDue', 'syncShard', 'nextSyncAt', shard, dueBy, limit);
  }

  dueForRefresh(shard: number, dueBy: string, limit: number): Promise<Connection[]> {
    return this.due('byTokenDue', 'refreshShard', 'refreshAt', shard, dueBy, limit);
  }

  private async due(index: string, pk: string, sk: string, shard: number, dueBy: string, limit: number): Promise<Connection[]> {
    const items: Connection[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: '#pk = :shard AND #sk <= :due',
          ExpressionAttributeNames: { '#pk': pk, '#sk': sk },
          ExpressionAttributeValues: { ':shard': String(shard), ':due': dueBy },
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const i of out.Items ?? []) items.push(this.fromItem(i));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }
}
