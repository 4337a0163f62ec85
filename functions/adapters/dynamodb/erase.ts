import { paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deleteKeys } from './client';

/**
 * Deletes every item under one partition key (a user's posts or jobs), 25 at a time, resending
 * what DynamoDB leaves unprocessed. Returns the deleted items' sort keys.
 */
export const deletePartition = async (db: DynamoDBDocumentClient, table: string, pk: { name: string; value: string }, sk: string): Promise<string[]> => {
  const deleted: string[] = [];
  const query = {
    TableName: table,
    KeyConditionExpression: '#pk = :v',
    ExpressionAttributeNames: { '#pk': pk.name, '#sk': sk },
    ExpressionAttributeValues: { ':v': pk.value },
    ProjectionExpression: '#pk, #sk',
  };
  // Page by page: a large partition is deleted as it is read, never held whole.
  for await (const page of paginateQuery({ client: db }, query)) {
    const keys = (page.Items ?? []).map((i) => ({ [pk.name]: pk.value, [sk]: i[sk] }));
    await deleteKeys(db, table, keys);
    deleted.push(...keys.map((k) => String(k[sk])));
  }
  return deleted;
};
