import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  PutCommand,
  UpdateCommand,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

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

/** Every item a query matches, page after page (lib-dynamodb's paginator follows LastEvaluatedKey). */
export const queryAll = async (db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client: db }, input)) items.push(...(page.Items ?? []));
  return items;
};

/** Every item of a table, page after page. */
export const scanAll = async (db: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: db }, input)) items.push(...(page.Items ?? []));
  return items;
};

/** Deletes `keys` from `table`, 25 per BatchWrite, resending what DynamoDB leaves unprocessed under load. */
export const deleteKeys = async (db: DynamoDBDocumentClient, table: string, keys: readonly Record<string, unknown>[]): Promise<void> => {
  for (let i = 0; i < keys.length; i += 25) {
    let pending: Record<string, unknown>[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    while (pending.length > 0) {
      const res = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (res.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
    }
  }
};

