/**
 * Real services for integration tests: dynalite (the DynamoDB protocol, in memory) with the tables
 * of `lib/topology.ts`, and `moto_server` for the other AWS adapters. Both listen on free loopback
 * ports. Where `moto_server` is not installed, its tests are skipped with a printed notice.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { tables } from '../../lib/topology';

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });

export const awsTestConfig = (endpoint: string) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

/** The CreateTable input of a topology table (also used by the local runtime's own setup). */
export const createTableInput = (t: (typeof tables)[number], name: string): CreateTableCommandInput => {
  const attrs = new Map<string, 'S' | 'N'>();
  const add = (k?: { name: string; type: 'S' | 'N' }) => k && attrs.set(k.name, k.type);
  add(t.partitionKey);
  add(t.sortKey);
  for (const i of t.indexes) {
    add(i.partitionKey);
    add(i.sortKey);
  }
  const keySchema = (pk: { name: string }, sk?: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(t.partitionKey, t.sortKey),
    ...(t.indexes.length > 0 && {
      GlobalSecondaryIndexes: t.indexes.map((i) => ({ IndexName: i.name, KeySchema: keySchema(i.partitionKey, i.sortKey), Projection: { ProjectionType: 'ALL' as const } })),
    }),
  };
};

export interface Dynalite {
  readonly endpoint: string;
  readonly tableNames: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Starts dynalite in memory and creates every topology table (names `test-<Id>`). */
export const startDynalite = async (): Promise<Dynalite> => {
  // dynalite ships no types; its factory returns a node http.Server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (opts: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => import('node:http').Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const client = new DynamoDBClient(awsTestConfig(endpoint));
  const tableNames: Record<string, string> = {};
  for (const t of tables) {
    tableNames[t.id] = `test-${t.id}`;
    await client.send(new CreateTableCommand(createTableInput(t, tableNames[t.id]!)));
  }
  client.destroy();
  return { endpoint, tableNames, stop: () => new Promise((r) => server.close(() => r())) };
};

export interface Moto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export const motoAvailable = (): boolean => spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

/** Starts `moto_server` on a free port and waits until it answers. */
export const startMoto = async (): Promise<Moto> => {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('moto_server did not start within 20 s');
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    endpoint,
    stop: () =>
      new Promise((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
};

/** `describe` when moto_server is installed; otherwise prints how to install it and skips. */
export const describeWithMoto = (name: string, body: () => void): void => {
  if (motoAvailable()) {
    describe(name, body);
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`moto_server is not installed: skipping "${name}". Install it with: pip install 'moto[server]'`);
  describe.skip(name, body);
};
