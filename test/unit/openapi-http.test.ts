/**
 * The served description against the served API, through the local gateway: `GET /v1/openapi.json`
 * answers without a token, and every route, called as a client would, answers a status the
 * document lists with a body its contract's schema describes completely (no field left out of it).
 */
import { silentLog } from '../../local/log';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { routeContracts } from '../../functions/handlers/http/contracts';
import { gatewayMessageSchema, problemSchema } from '../../functions/handlers/http/contracts/contract';
import type { OpenApiDocument } from '../../functions/handlers/http/openapi';
import { routeKey, routes } from '../../lib/topology';

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Record<string, any>;
  readonly location: string | null;
}

let rt: LocalRuntime;
let admin: string;
let served: OpenApiDocument;
const exercised = new Set<string>();

beforeAll(async () => {
  rt = await startLocalRuntime({ port: 0, fakesPort: 0, awsPort: 0, quiet: true, scheduleScale: 0, batchingWindowScale: 0, log: silentLog });
  admin = await rt.mintToken('ops', ['admin']);
}, 60_000);

afterAll(async () => {
  await rt?.stop();
});

/** Holds a parsed body to a schema: it must fit, and parsing (which drops unknown keys) must lose nothing. */
const expectDescribed = (what: string, schema: { safeParse(v: unknown): { success: boolean; data?: unknown; error?: unknown } }, body: unknown): void => {
  const parsed = schema.safeParse(body);
  expect({ what, fits: parsed.success, error: parsed.success ? undefined : String(parsed.error) }).toEqual({ what, fits: true, error: undefined });
  expect({ what, body: parsed.data }).toEqual({ what, body });
};

/** Calls a route (by its route key, on a concrete path) and checks the answer against the document and the contract. */
const call = async (key: string, path: string, init: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Answer> => {
  const [method, template] = key.split(' ') as [string, string];
  const res = await fetch(`${rt.apiUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(init.token && { authorization: `Bearer ${init.token}` }), ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    ...(init.raw !== undefined && { body: init.raw }),
  });
  const text = await res.text();
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!;
  const body = contentType.endsWith('json') && text ? (JSON.parse(text) as Record<string, any>) : {};
  const answer = { status: res.status, contentType, body, location: res.headers.get('location') };

  const operation = served.paths[template]?.[method.toLowerCase()];
  const documented = (operation?.['responses'] ?? {}) as Record<string, unknown>;
  expect({ key, status: answer.status, documented: String(answer.status) in documented }).toEqual({ key, status: answer.status, documented: true });
  const contract = routeContracts[key]!;
  const response = contract.responses[answer.status];
  if (response?.schema) {
    expect(contentType).toBe('application/json');
    expectDescribed(`${key} ${answer.status}`, response.schema, body);
  } else if (response) {
    expect(Object.keys(response.content ?? {}).map((t) => t.split(';')[0])).toEqual(response.content ? expect.arrayContaining([contentType]) : []);
  } else if (contentType === 'application/problem+json') {
    expectDescribed(`${key} ${answer.status} problem`, problemSchema, body);
    expect(body['status']).toBe(answer.status);
  } else {
    expectDescribed(`${key} ${answer.status} gateway`, gatewayMessageSchema, body);
  }
  exercised.add(key);
  return answer;
};

/** Walks a connect flow as a browser would: authorize, the fake's consent, the callback. */
const connect = async (platform: string): Promise<string[]> => {
  const started = await call('POST /v1/oauth/{platform}/authorize', `/v1/oauth/${platform}/authorize`, { token: rt.devToken, body: {} });
  expect(started.status).toBe(200);
  const consent = await fetch(String(started.body['authorizeUrl']), { redirect: 'manual' });
  const callback = new URL(consent.headers.get('location')!);
  const back = await call('GET /v1/oauth/{platform}/callback', `${callback.pathname}${callback.search}`);
  expect(back.status).toBe(302);
  const result = new URL(back.location!);
  expect(result.searchParams.get('status')).toBe('connected');
  const page = await call('GET /v1/oauth/result', `${result.pathname}${result.search}`);
  expect(page.status).toBe(200);
  return (result.searchParams.get('connections') ?? result.searchParams.get('connection') ?? '').split(',');
};

describe('GET /v1/openapi.json', () => {
  it('answers the OpenAPI 3.1 document without a token, naming the deployment as its server', async () => {
    const res = await fetch(`${rt.apiUrl}/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    served = (await res.json()) as OpenApiDocument;
    expect(served.openapi).toMatch(/^3\.1\./);
    expect(served.servers).toEqual([{ url: rt.apiUrl }]);
    expect(Object.keys(served.paths)).toContain('/v1/openapi.json');
    const platform = (served.paths['/v1/oauth/{platform}/authorize']!['post']!['parameters'] as Array<Record<string, any>>)[0]!;
    expect(platform['schema']['enum']).toEqual(expect.arrayContaining(['x', 'youtube', 'tiktok']));
    await call('GET /v1/openapi.json', '/v1/openapi.json');
  });
});

describe('every route answers as its contract says', () => {
  let youtube = '';
  let x = '';
  let postId = '';

  it('system and platform routes', async () => {
    await call('GET /v1/health', '/v1/health');
    expect((await call('GET /v1/platforms', '/v1/platforms')).body['platforms'].length).toBeGreaterThan(0);
  });

  it('connects accounts, then reads them, their history and insights', async () => {
    [youtube] = (await connect('youtube')) as [string];
    [x] = (await connect('x')) as [string];
    await rt.queues.drain(60_000);
    const list = await call('GET /v1/connections', '/v1/connections', { token: rt.devToken });
    expect(list.body['connections'].map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([youtube, x]));
    expect((await call('GET /v1/connections/{id}', `/v1/connections/${youtube}`, { token: rt.devToken })).body['latest']).toBeDefined();
    expect((await call('GET /v1/connections/{id}/history', `/v1/connections/${youtube}/history`, { token: rt.devToken })).body['points'].length).toBeGreaterThan(0);
    await call('GET /v1/connections/{id}/history', `/v1/connections/${youtube}/history?interval=hour`, { token: rt.devToken });
    expect((await call('GET /v1/connections/{id}/history', `/v1/connections/${youtube}/history?from=yesterday`, { token: rt.devToken })).status).toBe(400);
    await call('GET /v1/connections/{id}/insights', `/v1/connections/${youtube}/insights`, { token: rt.devToken });
    await call('GET /v1/connections/{id}/audience', `/v1/connections/${youtube}/audience`, { token: rt.devToken });
    await call('GET /v1/connections/{id}/audience', `/v1/connections/${x}/audience`, { token: rt.devToken });
    expect((await call('POST /v1/connections/{id}/claims', `/v1/connections/${youtube}/claims`, { token: rt.devToken, body: { followers: 1000 } })).status).toBe(201);
    expect((await call('GET /v1/connections/{id}/claims', `/v1/connections/${youtube}/claims`, { token: rt.devToken })).body['claims']).toHaveLength(1);
    await call('GET /v1/stats', '/v1/stats', { token: rt.devToken });
    expect((await call('GET /v1/connections/{id}', '/v1/connections/nope', { token: rt.devToken })).status).toBe(404);
    expect((await call('GET /v1/connections', '/v1/connections')).status).toBe(401);
  });

  it('syncs on request', async () => {
    const one = await call('POST /v1/connections/{id}/sync', `/v1/connections/${youtube}/sync?dryRun=true`, { token: rt.devToken });
    expect(one.status).toBe(202);
    const all = await call('POST /v1/sync', '/v1/sync', { token: rt.devToken, body: { dryRun: true } });
    expect(all.status).toBe(202);
    await call('GET /v1/sync/jobs/{jobId}', `/v1/sync/jobs/${String(all.body['jobId'])}`, { token: rt.devToken });
    expect((await call('POST /v1/sync', '/v1/sync', { token: rt.devToken, body: { dryRun: 'yes' } })).body['errors']).toEqual([{ field: 'dryRun', message: expect.any(String) }]);
  });

  it('admin routes, for the admin group only', async () => {
    expect((await call('GET /v1/admin/stats', '/v1/admin/stats', { token: rt.devToken })).status).toBe(403);
    await call('GET /v1/admin/stats', '/v1/admin/stats', { token: admin });
    expect((await call('POST /v1/admin/sync', '/v1/admin/sync', { token: admin, body: { all: true, dryRun: true } })).status).toBe(202);
    expect((await call('POST /v1/admin/tokens/refresh', '/v1/admin/tokens/refresh', { token: admin, body: { all: true, dryRun: true } })).status).toBe(202);
    expect((await call('POST /v1/admin/cleanup', '/v1/admin/cleanup', { token: admin, body: { days: 365, dryRun: true } })).status).toBe(200);
  });

  it('posts: preview, create (idempotently), publish, read, analytics, cancel, retry', async () => {
    const draft = { text: 'Hello from the contract test', targets: [{ connectionId: x }] };
    expect((await call('POST /v1/posts/preview', '/v1/posts/preview', { token: rt.devToken, body: draft })).body['valid']).toBe(true);
    const created = await call('POST /v1/posts', '/v1/posts', { token: rt.devToken, body: draft, headers: { 'idempotency-key': 'contract-1' } });
    expect(created.status).toBe(201);
    postId = String(created.body['id']);
    expect((await call('POST /v1/posts', '/v1/posts', { token: rt.devToken, body: draft, headers: { 'idempotency-key': 'contract-1' } })).status).toBe(200);
    await rt.queues.drain(60_000);
    expect((await call('GET /v1/posts/{id}', `/v1/posts/${postId}`, { token: rt.devToken })).body['targets'][0]['state']).toBe('published');
    expect((await call('GET /v1/posts', '/v1/posts?limit=5', { token: rt.devToken })).body['posts'].length).toBeGreaterThan(0);
    await call('POST /v1/posts/{id}/analytics/refresh', `/v1/posts/${postId}/analytics/refresh`, { token: rt.devToken });
    await call('GET /v1/posts/{id}/analytics', `/v1/posts/${postId}/analytics`, { token: rt.devToken });
    expect((await call('DELETE /v1/posts/{id}', `/v1/posts/${postId}`, { token: rt.devToken })).body['notCancelled']).toHaveLength(1);
    expect((await call('POST /v1/posts/{id}/retry', `/v1/posts/${postId}/retry`, { token: rt.devToken, body: {} })).status).toBe(409);
    const later = await call('POST /v1/posts', '/v1/posts', { token: rt.devToken, body: { ...draft, scheduledAt: new Date(Date.now() + 86_400_000).toISOString() } });
    expect((await call('DELETE /v1/posts/{id}', `/v1/posts/${String(later.body['id'])}`, { token: rt.devToken })).body['cancelled']).toEqual([x]);
  });

  it('media: declare, upload, read', async () => {
    const bytes = Buffer.from('not really a png');
    const declared = await call('POST /v1/media', '/v1/media', { token: rt.devToken, body: { contentType: 'image/png', size: bytes.length, fileName: 'a.png' } });
    expect(declared.status).toBe(201);
    const id = String(declared.body['mediaId']);
    expect((await call('GET /v1/media/{id}', `/v1/media/${id}`, { token: rt.devToken })).body['status']).toBe('pending');
    const put = await fetch(String(declared.body['uploadUrl']), { method: 'PUT', headers: declared.body['uploadHeaders'], body: bytes });
    expect(put.status).toBe(200);
    expect((await call('GET /v1/media/{id}', `/v1/media/${id}`, { token: rt.devToken })).body['status']).toBe('uploaded');
  });

  it('webhook routes: subscription check, unsigned deliveries refused, data-deletion status', async () => {
    expect((await call('GET /v1/webhooks/{platform}', '/v1/webhooks/x?crc_token=abc', {})).status).toBe(200);
    expect((await call('POST /v1/webhooks/{platform}', '/v1/webhooks/x', { raw: '{"for_user_id":"1"}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await call('POST /v1/webhooks/meta/deauthorize', '/v1/webhooks/meta/deauthorize', { raw: 'signed_request=a.b', headers: form })).status).toBe(403);
    expect((await call('POST /v1/webhooks/meta/data-deletion', '/v1/webhooks/meta/data-deletion', { raw: 'signed_request=a.b', headers: form })).status).toBe(403);
    expect((await call('GET /v1/data-deletion/{code}', '/v1/data-deletion/UNKNOWN1', {})).status).toBe(404);
  });

  it('disconnects, then erases the caller', async () => {
    expect((await call('DELETE /v1/connections/{id}', `/v1/connections/${x}`, { token: rt.devToken })).body['revokedAtPlatform']).toBe(true);
    expect((await call('DELETE /v1/me', '/v1/me', { token: rt.devToken })).body['connectionsErased']).toBeGreaterThanOrEqual(2);
  });

  it('has called every route of the topology', () => {
    expect([...exercised].sort()).toEqual(routes.map(routeKey).sort());
  });
});
