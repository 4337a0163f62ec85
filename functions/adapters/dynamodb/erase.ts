import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Deletes every item under one partition key (a user's posts or jobs), 25 at a time, resending
 * what DynamoDB leaves unprocessed. Returns the deleted items' sort keys.
 */
export const deletePartition = async (db: DynamoDBDocumentClient, table: string, pk: { name: string; value: string }, sk: string): Promise<string[]> => {
  const deleted: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :v',
        ExpressionAttributeNames: { '#pk': pk.name, '#sk': sk },
        ExpressionAttributeValues: { ':v': pk.value },
        ProjectionExpression: '#pk, #sk',
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = (page.Items ?? []).map((i) => ({ [pk.name]: pk.value, [sk]: i[sk] }));
    for (let i = 0; i < keys.length; i += 25) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      while (pending.length > 0) {
        const res = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (res.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
      }
    }
    deleted.push(...keys.map((k) => String(k[sk])));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
};
