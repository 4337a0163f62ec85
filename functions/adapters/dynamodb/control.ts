import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ControlStore } from '../../core/ports/control';
import { epochSeconds, isConditionFailed, isLive, writeIf } from './client';

/** Control table: one item per key, `value` as a map, `expiresAt` for TTL. */
export class DynamoControlStore implements ControlStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date,
  ) {}

  async putIfAbsent(key: string, value: Readonly<Record<string, unknown>>, expiresAt: Date): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.table,
        Item: { pk: key, value, expiresAt: epochSeconds(expiresAt) },
        // An expired record that TTL has not removed yet does not block a new one.
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': epochSeconds(this.now()) },
      }),
    );
  }

  async get(key: string): Promise<Readonly<Record<string, unknown>> | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: key }, ConsistentRead: true }));
    if (!out.Item || !isLive(out.Item, this.now())) return undefined;
    return out.Item['value'] as Record<string, unknown>;
  }

  async put(key: string, value: Readonly<Record<string, unknown>>, expiresAt: Date): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: key, value, expiresAt: epochSeconds(expiresAt) } }));
  }

  async take(key: string): Promise<Readonly<Record<string, unknown>> | undefined> {
    try {
      const out = await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: key },
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (!out.Attributes || !isLive(out.Attributes, this.now())) return undefined;
      return out.Attributes['value'] as Record<string, unknown>;
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
  }

  async acquireLease(key: string, owner: string, expiresAt: Date): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.table,
        Item: { pk: key, value: { owner }, owner, expiresAt: epochSeconds(expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':now': epochSeconds(this.now()), ':owner': owner },
      }),
    );
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: key },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }
}
