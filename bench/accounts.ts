/**
 * Bench setup against a running local runtime: connecting fake accounts through the real OAuth
 * flow (authorize → consent → callback), and the few direct DynamoDB touches the bench needs to
 * set up and check its runs (making connections due, reading their sync state and history).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { LocalRuntime } from '../local/runtime';
import { mapLimit } from './table';

/** A user the bench acts as: the id and a bearer token the local issuer minted for it. */
export interface BenchUser {
  readonly id: string;
  readonly token: string;
}

/** What one consent produced: the connections it created, or why it did not. */
export interface ConnectResult {
  readonly platform: string;
  readonly fakeAccount: string;
  readonly userId: string;
  /** The login variant asked for, where the platform has several. */
  readonly variant?: string;
  readonly connectionIds: readonly string[];
  readonly error?: string;
}

/** A connection as the bench tracks it. */
export interface BenchConnection {
  readonly userId: string;
  readonly connectionId: string;
  readonly platform: string;
}

const authorizeAnswer = z.object({ authorizeUrl: z.string().url() });

/** Mints tokens for `count` users named `${prefix}-<k>`. */
export const benchUsers = async (rt: LocalRuntime, prefix: string, count: number): Promise<BenchUser[]> =>
  Promise.all(Array.from({ length: count }, async (_, k) => ({ id: `${prefix}-${k}`, token: await rt.mintToken(`${prefix}-${k}`) })));

/**
 * Follows redirects by hand, as a browser would, and returns where the flow stopped with the
 * status of the last answer.
 */
const follow = async (start: string): Promise<{ url: URL; status: number }> => {
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { redirect: 'manual' });
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { url: new URL(url), status: res.status };
    url = new URL(location, url).toString();
  }
  throw new Error('the connect flow redirected more than 10 times');
};

/**
 * Connects the fake account `fakeAccount` of `platform` for `user` through the API: POST
 * /v1/oauth/{platform}/authorize, the fake's consent page (auto-approved) with
 * `fake_account=<name>`, Reach's callback, the result page. `variant` picks one of the platform's
 * logins (Instagram: `instagram_login`, `facebook_login`). Never throws for a refused connect:
 * the result says why (only the reason code, never a URL that carries a state or code).
 */
export const connectAccount = async (rt: LocalRuntime, user: BenchUser, platform: string, fakeAccount: string, variant?: string): Promise<ConnectResult> => {
  const base = { platform, fakeAccount, userId: user.id, ...(variant !== undefined && { variant }) };
  const res = await fetch(`${rt.apiUrl}/v1/oauth/${platform}/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(variant !== undefined ? { variant } : {}),
  });
  const text = await res.text();
  if (res.status !== 200) return { ...base, connectionIds: [], error: `authorize answered HTTP ${res.status}` };
  const parsed = authorizeAnswer.safeParse(JSON.parse(text));
  if (!parsed.success) return { ...base, connectionIds: [], error: 'authorize answered without an authorizeUrl' };
  const consentUrl = new URL(parsed.data.authorizeUrl);
  consentUrl.searchParams.set('fake_account', fakeAccount);
  const end = await follow(consentUrl.toString());
  if (end.url.pathname !== '/v1/oauth/result') {
    return { ...base, connectionIds: [], error: `the flow stopped at ${end.url.host}${end.url.pathname} (HTTP ${end.status})` };
  }
  const q = end.url.searchParams;
  if (q.get('status') !== 'connected') return { ...base, connectionIds: [], error: q.get('reason') ?? 'not connected' };
  const ids = (q.get('connections') ?? q.get('connection') ?? '').split(',').filter(Boolean);
  return { ...base, connectionIds: ids };
};

/** A DynamoDB document client for the runtime's dynalite (bench setup and checks only). */
export const benchDb = (rt: LocalRuntime): { readonly doc: DynamoDBDocumentClient; readonly close: () => void } => {
  const client = new DynamoDBClient({
    region: rt.env['AWS_REGION'] ?? 'us-east-1',
    endpoint: rt.dynamoUrl,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), close: () => client.destroy() };
};

const tableName = (rt: LocalRuntime, id: 'CONNECTIONS' | 'HISTORY'): string => {
  const name = rt.env[`TABLE_${id}`];
  if (!name) throw new Error(`the runtime's environment has no TABLE_${id}`);
  return name;
};

/**
 * Bench setup, not product behaviour: writes `nextSyncAt` and `lastSyncAt` straight into the
 * Connections table (keeping the sparse due index in step, since `syncShard` stays), so that the
 * planner finds the connections due as if their last sync were an hour ago.
 */
export const setSyncTimes = async (
  rt: LocalRuntime,
  doc: DynamoDBDocumentClient,
  connections: readonly BenchConnection[],
  times: { readonly nextSyncAt: string; readonly lastSyncAt?: string },
): Promise<void> => {
  const table = tableName(rt, 'CONNECTIONS');
  await mapLimit(connections, 16, (c) =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { userId: c.userId, connectionId: c.connectionId },
        UpdateExpression: times.lastSyncAt === undefined ? 'SET nextSyncAt = :n' : 'SET nextSyncAt = :n, lastSyncAt = :l',
        ConditionExpression: 'attribute_exists(connectionId)',
        ExpressionAttributeValues: { ':n': times.nextSyncAt, ...(times.lastSyncAt !== undefined && { ':l': times.lastSyncAt }) },
      }),
    ),
  );
};

/**
 * Where `makeDue` puts the last sync: an hour back, but not before today's UTC midnight, so the sync
 * measured is not the day's first (which also reads the audience breakdown, once a day). Only in the
 * first minutes after midnight, inside the freshness window, does it have to fall on yesterday.
 */
export const lastSyncForDue = (now: Date): Date => {
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const outsideFreshness = now.getTime() - 11 * 60_000;
  const hourBack = now.getTime() - 61 * 60_000;
  return new Date(outsideFreshness >= dayStart ? Math.max(hourBack, dayStart) : hourBack);
};

/** Makes connections due now, their last sync outside any freshness window and earlier today. */
export const makeDue = (rt: LocalRuntime, doc: DynamoDBDocumentClient, connections: readonly BenchConnection[], now = new Date()): Promise<void> =>
  setSyncTimes(rt, doc, connections, {
    nextSyncAt: new Date(now.getTime() - 60_000).toISOString(),
    lastSyncAt: lastSyncForDue(now).toISOString(),
  });

const syncState = z.object({
  userId: z.string(),
  connectionId: z.string(),
  platform: z.string(),
  status: z.string(),
  lastSyncAt: z.string().optional(),
  lastSyncError: z.string().optional(),
});

/** A connection's sync state as stored. */
export type SyncState = z.infer<typeof syncState>;

/** Every connection of the given users, read with a Query per user. */
export const readConnections = async (rt: LocalRuntime, doc: DynamoDBDocumentClient, userIds: readonly string[]): Promise<SyncState[]> => {
  const table = tableName(rt, 'CONNECTIONS');
  const pages = await mapLimit(userIds, 8, async (userId) => {
    const items: SyncState[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'userId = :u',
          ExpressionAttributeValues: { ':u': userId },
          ProjectionExpression: 'userId, connectionId, platform, #s, lastSyncAt, lastSyncError',
          ExpressionAttributeNames: { '#s': 'status' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) items.push(syncState.parse(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  });
  return pages.flat();
};

/** How many of `connections` have at least one history point after `sinceIso`. */
export const countWithNewPoint = async (rt: LocalRuntime, doc: DynamoDBDocumentClient, connections: readonly BenchConnection[], sinceIso: string): Promise<number> => {
  const table = tableName(rt, 'HISTORY');
  const counts = await mapLimit(connections, 16, async (c) => {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'seriesId = :s AND sk > :since',
        // Points only (`t#…`): the day's snapshot (`d#…`) sorts before them and is not counted.
        ExpressionAttributeValues: { ':s': c.connectionId, ':since': `t#${sinceIso}` },
        Select: 'COUNT',
      }),
    );
    return out.Count ?? 0;
  });
  return counts.filter((n) => n > 0).length;
};

/** Milliseconds one consistent GetItem on a connection takes (a DynamoDB latency probe). */
export const probeGet = async (rt: LocalRuntime, doc: DynamoDBDocumentClient, c: BenchConnection): Promise<number> => {
  const started = performance.now();
  await doc.send(new GetCommand({ TableName: tableName(rt, 'CONNECTIONS'), Key: { userId: c.userId, connectionId: c.connectionId }, ConsistentRead: true }));
  return performance.now() - started;
};
