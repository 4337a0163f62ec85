/**
 * DynamoDB for the local runtime: dynalite (the real DynamoDB wire protocol, in memory or in a
 * LevelDB directory) with the tables of `lib/topology.ts`, same keys and indexes.
 *
 * dynalite has no TTL (UpdateTimeToLive is rejected), so the TTL attribute is not declared here;
 * the read paths already ignore items whose `expiresAt` has passed, as they must on AWS too.
 */
import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, type AttributeDefinition } from '@aws-sdk/client-dynamodb';
import type { KeyDef, TableDef, TableId } from '../lib/topology';

export interface LocalDynamo {
  readonly url: string;
  /** Tables created by this start (a persisted directory may have had them already). */
  readonly created: readonly string[];
  close(): Promise<void>;
}


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
  const server = await startServer(dir);
  const url = `http://127.0.0.1:${server.port}`;
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
    await server.close();
    throw err;
  } finally {
    client.destroy();
  }
  return {
    url,
    created,
    close: () => server.close(),
  };
};

/** dynalite in a child process (its own core), reporting its port over IPC. */
const startServer = (dir: string | undefined): Promise<{ port: number; close(): Promise<void> }> =>
  new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'dynalite-process.js'), dir ? [dir] : [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code} before it listened`)));
    child.once('message', (m: { port?: number; error?: string }) => {
      if (m.error !== undefined || m.port === undefined) return reject(new Error(`dynalite did not start: ${m.error ?? 'no port'}`));
      resolve({
        port: m.port,
        close: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
