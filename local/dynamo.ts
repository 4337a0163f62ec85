/**
 * DynamoDB for the local runtime: dynalite (the real DynamoDB wire protocol, in memory or in a
 * LevelDB directory) with the tables of `lib/topology.ts`, same keys and indexes.
 *
 * dynalite has no TTL (UpdateTimeToLive is rejected), so the TTL attribute is not declared here;
 * the read paths already ignore items whose `expiresAt` has passed, as they must on AWS too.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, type AttributeDefinition } from '@aws-sdk/client-dynamodb';
import type { KeyDef, TableDef, TableId } from '../lib/topology';

export interface LocalDynamo {
  readonly url: string;
  /** Tables created by this start (a persisted directory may have had them already). */
  readonly created: readonly string[];
  close(): Promise<void>;
}

type DynaliteFactory = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

/** The physical table name the local runtime uses for a topology table. */
export const tableName = (id: TableId): string => `reach-${id.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `-${c}`)).toLowerCase()}`;

const keySchema = (pk: KeyDef, sk?: KeyDef) => [
  { AttributeName: pk.name, KeyType: 'HASH' as const },
  ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
];

/** The CreateTable input for a topology table (on-demand, every index projecting all attributes). */
export const createTableInput = (t: TableDef) => {
  const attrs = new Map<string, AttributeDefinition>();
  const add = (k: KeyDef | undefined) => {
    if (k) attrs.set(k.name, { AttributeName: k.name, AttributeType: k.type });
  };
  add(t.partitionKey);
  add(t.sortKey);
  for (const i of t.indexes) {
    add(i.partitionKey);
    add(i.sortKey);
  }
  return {
    TableName: tableName(t.id),
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attrs.values()],
    KeySchema: keySchema(t.partitionKey, t.sortKey),
    ...(t.indexes.length > 0 && {
      GlobalSecondaryIndexes: t.indexes.map((i) => ({
        IndexName: i.name,
        KeySchema: keySchema(i.partitionKey, i.sortKey),
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
  };
};

/** Starts dynalite on a free loopback port and creates the missing tables. */
export const startDynamo = async (tables: readonly TableDef[], region: string, dir?: string): Promise<LocalDynamo> => {
  if (dir) mkdirSync(dir, { recursive: true });
  // dynalite ships no types; its factory is described by DynaliteFactory above.
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ ...(dir && { path: dir }), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ region, endpoint: url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const created: string[] = [];
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ...(start && { ExclusiveStartTableName: start }) }));
      for (const n of page.TableNames ?? []) existing.add(n);
      start = page.LastEvaluatedTableName;
    } while (start);
    for (const t of tables) {
      const input = createTableInput(t);
      if (existing.has(input.TableName)) continue;
      await client.send(new CreateTableCommand(input));
      created.push(input.TableName);
    }
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  } finally {
    client.destroy();
  }
  return {
    url,
    created,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
};
