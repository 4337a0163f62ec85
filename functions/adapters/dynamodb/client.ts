import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

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

/** Sends a conditional write: true when it was applied, false when its condition failed. */
export const writeIf = async (db: DynamoDBDocumentClient, command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> => {
  try {
    // One branch per command type: the client's send is overloaded per command.
    if (command instanceof PutCommand) await db.send(command);
    else if (command instanceof UpdateCommand) await db.send(command);
    else await db.send(command);
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
};
