import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A document client that drops `undefined` attributes instead of failing on them. */
export const createDocumentClient = (region: string): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
    marshallOptions: { removeUndefinedValues: true },
  });

/** True when a write lost its condition. */
export const isConditionFailed = (err: unknown): boolean =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';

/** Epoch seconds, the unit DynamoDB's TTL reads. */
export const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/** Items whose TTL instant has passed are treated as gone: DynamoDB deletes them lazily. */
export const isLive = (item: { expiresAt?: unknown }, now: Date): boolean =>
  typeof item.expiresAt !== 'number' || item.expiresAt > epochSeconds(now);
