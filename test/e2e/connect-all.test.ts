/**
 * Connecting all seven platforms through the local gateway, as a person with a browser would:
 * authorize → the fake's consent (auto-approved) → Reach's callback → the result page. Then the
 * first syncs, a second user who can reach none of it, a disconnect, and a scan of everything the
 * run wrote (logs, tables, API answers, events) for any token a platform issued.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { silentLog } from '../../local/log';
import { PROVIDER_IDS } from '../../functions/providers/types';

// Handlers log everything they would in production, so the scan below has something to read.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

const captured: string[] = [];
const realWrite = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
// Powertools writes through the global console under POWERTOOLS_DEV (the local runtime sets it),
// and jest buffers that console in its workers: capture both paths.
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const realConsole = Object.fromEntries(consoleMethods.map((m) => [m, console[m]]));

let rt: LocalRuntime;

beforeAll(async () => {
  process.stdout.write = ((chunk: string | Uint8Array) => {
    captured.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    captured.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  for (const m of consoleMethods) console[m] = (...args: unknown[]) => void captured.push(args.map(String).join(' '));
  rt = await startLocalRuntime({ port: 0, fakesPort: 0, awsPort: 0, quiet: true, scheduleScale: 0, batchingWindowScale: 0, log: silentLog });
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  process.stdout.write = realWrite;
  process.stderr.write = realErr;
  for (const m of consoleMethods) console[m] = realConsole[m]!;
});

const call = async (method: string, path: string, token?: string, body?: unknown) => {
  const res = await fetch(`${rt.apiUrl}${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
};

/** Follows redirects by hand (a browser would), returning the URL the flow ended on. */
const follow = async (start: string): Promise<URL> => {
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return new URL(url);
    url = new URL(location, url).toString();
  }
  throw new Error(`too many redirects from ${start}`);
};

const connectionIds: Record<string, string[]> = {};

describe('connect every platform through the local gateway', () => {
  it.each([...PROVIDER_IDS])('%s: authorize, consent, callback → active connection(s)', async (platform) => {
    const started = await call('POST', `/v1/oauth/${platform}/authorize`, rt.devToken, {});
    expect(started.status).toBe(200);
    const end = await follow(String(started.body['authorizeUrl']));
    expect(end.pathname).toBe('/v1/oauth/result');
    expect(end.searchParams.get('status')).toBe('connected');
    connectionIds[platform] = (end.searchParams.get('connections') ?? end.searchParams.get('connection') ?? '').split(',');
    expect(connectionIds[platform]!.length).toBeGreaterThan(0);
  });

  it('lists them all active, with their first sync done', async () => {
    await rt.queues.drain(60_000);
    const list = await call('GET', '/v1/connections', rt.devToken);
    const conns = list.body['connections'] as Array<{ id: string; platform: string; status: string; lastSyncAt?: string; latest?: { followers?: number } }>;
    expect(new Set(conns.map((c) => c.platform))).toEqual(new Set(PROVIDER_IDS));
    for (const c of conns) {
      expect(c.status).toBe('active');
      expect(c.lastSyncAt).toBeDefined();
    }
    // Every platform but Business Profile (which has no followers) reports a follower count.
    for (const c of conns.filter((x) => x.platform !== 'google_business')) expect(c.latest?.followers).toBeGreaterThan(0);
  });

  it('instagram through facebook_login signs in with the Facebook app named in the secret', async () => {
    const started = await call('POST', '/v1/oauth/instagram/authorize', rt.devToken, { variant: 'facebook_login' });
    expect(started.status).toBe(200);
    expect(new URL(String(started.body['authorizeUrl'])).searchParams.get('client_id')).toBe(rt.credentials.facebook.clientId);
    const end = await follow(String(started.body['authorizeUrl']));
    expect(end.searchParams.get('status')).toBe('connected');
  });

  it('subscribes YouTube channels and X accounts to webhooks by code, counted at the fakes', async () => {
    const stats = rt.fakes.stats();
    expect(stats['google']?.['POST pubsubhubbub.appspot.com/subscribe']).toBeGreaterThanOrEqual(1);
    expect(stats['x']?.['POST api.x.com/2/account_activity/webhooks/:id/subscriptions/all']).toBeGreaterThanOrEqual(1);
    const list = await call('GET', '/v1/connections', rt.devToken);
    const conns = list.body['connections'] as Array<{ platform: string; subscribedAt?: string; subscriptionError?: string }>;
    for (const p of ['youtube', 'x']) {
      const c = conns.find((x) => x.platform === p)!;
      expect({ p, error: c.subscriptionError, subscribed: c.subscribedAt !== undefined }).toEqual({ p, error: undefined, subscribed: true });
    }
  });

  it('a state is single-use: replaying a callback does not connect again', async () => {
    const started = await call('POST', '/v1/oauth/x/authorize', rt.devToken, {});
    const consent = await fetch(String(started.body['authorizeUrl']), { redirect: 'manual' });
    const callback = consent.headers.get('location')!;
    const first = await fetch(callback, { redirect: 'manual' });
    expect(new URL(first.headers.get('location')!).searchParams.get('status')).toBe('connected');
    const again = await fetch(callback, { redirect: 'manual' });
    expect(new URL(again.headers.get('location')!).searchParams.get('reason')).toBe('invalid_state');
  });
});

describe('another user reaches none of it', () => {
  it('answers 404, not 403, on every route of a foreign connection', async () => {
    const intruder = await rt.mintToken('intruder');
    expect((await call('GET', '/v1/connections', intruder)).body['connections']).toEqual([]);
    const id = connectionIds['tiktok']![0]!;
    for (const [method, path] of [
      ['GET', `/v1/connections/${id}`],
      ['POST', `/v1/connections/${id}/sync`],
      ['GET', `/v1/connections/${id}/history`],
      ['GET', `/v1/connections/${id}/insights`],
      ['DELETE', `/v1/connections/${id}`],
    ] as const) {
      expect({ path: `${method} ${path}`, status: (await call(method, path, intruder)).status }).toEqual({ path: `${method} ${path}`, status: 404 });
    }
    expect((await call('GET', `/v1/connections/${id}`, rt.devToken)).body['status']).toBe('active');
  });

  it('keeps admin routes for the admin group', async () => {
    expect((await call('GET', '/v1/admin/stats', rt.devToken)).status).toBe(403);
    const admin = await rt.mintToken('ops', ['admin']);
    const stats = await call('GET', '/v1/admin/stats', admin);
    expect(stats.status).toBe(200);
    expect(Object.keys(stats.body['platforms'] as object).sort()).toEqual([...PROVIDER_IDS].sort());
  });
});

describe('tokens stay secret', () => {
  it('no token a platform issued appears in logs, tables, API answers or events', async () => {
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: rt.awsUrl, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const names = ((await sm.send(new ListSecretsCommand({}))).SecretList ?? []).map((s) => s.Name!).filter((n) => n.startsWith('reach/tokens/'));
    expect(names.length).toBeGreaterThanOrEqual(PROVIDER_IDS.length);
    const secrets: string[] = [];
    for (const name of names) {
      const value = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString!) as Record<string, unknown>;
      for (const k of ['accessToken', 'refreshToken']) if (typeof value[k] === 'string') secrets.push(value[k] as string);
      for (const v of Object.values((value['extra'] as Record<string, string>) ?? {})) if (v.length > 20) secrets.push(v);
    }
    sm.destroy();
    expect(secrets.length).toBeGreaterThan(names.length);

    const db = new DynamoDBClient({ region: 'us-east-1', endpoint: rt.dynamoUrl, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const tables: string[] = [];
    for (const t of ['reach-connections', 'reach-history', 'reach-jobs', 'reach-control', 'reach-events', 'reach-posts', 'reach-tokens']) {
      tables.push(JSON.stringify((await db.send(new ScanCommand({ TableName: t }))).Items ?? []));
    }
    db.destroy();
    const api = (await call('GET', '/v1/connections', rt.devToken)).text;
    const haystacks = { logs: captured.join(''), tables: tables.join('\n'), api, events: JSON.stringify(rt.events()) };
    expect(haystacks.logs.length).toBeGreaterThan(1000);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const s of secrets) expect({ where, leaked: text.includes(s) }).toEqual({ where, leaked: false });
    }
  });
});

describe('disconnect', () => {
  it('revokes, deletes the tokens, and keeps the connection as revoked', async () => {
    const id = connectionIds['x']![0]!;
    const out = await call('DELETE', `/v1/connections/${id}`, rt.devToken);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ connectionId: id, revokedAtPlatform: true, historyErased: false });
    expect((await call('GET', `/v1/connections/${id}`, rt.devToken)).body['status']).toBe('revoked');
  });
});
