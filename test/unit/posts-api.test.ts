import type { Context } from 'aws-lambda';
import { httpHandler, type HttpEvent, type HttpResult } from '../../functions/handlers/lib/http';
import { createPostRoutes } from '../../functions/handlers/http/posts-routes';
import { publishTarget } from '../../functions/core/use-cases/publish';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider, seedConnection, type PublishControls } from '../support/test-provider';

const ctx = { functionName: 'api', awsRequestId: 'x', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

interface Call {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly route: string;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly user?: string;
}

const eventOf = (c: Call): HttpEvent =>
  ({
    version: '2.0',
    routeKey: `${c.method} ${c.route}`,
    rawPath: c.path,
    rawQueryString: '',
    headers: c.headers ?? {},
    queryStringParameters: c.query,
    pathParameters: c.params,
    isBase64Encoded: false,
    ...(c.body !== undefined && { body: JSON.stringify(c.body) }),
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: c.method, path: c.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey: `${c.method} ${c.route}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: { sub: c.user ?? 'u1' }, scopes: [] } },
    },
  }) as unknown as HttpEvent;

let deps: MemoryDeps;
let pub: PublishControls;
const handler = httpHandler(createPostRoutes(() => deps));
const call = async (c: Call): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> => {
  const res = (await handler(eventOf(c), ctx)) as HttpResult & { statusCode: number };
  return { status: res.statusCode, headers: (res.headers ?? {}) as Record<string, unknown>, body: JSON.parse(String(res.body ?? '{}')) as Record<string, unknown> };
};
const createPost = (body: unknown, headers: Record<string, string> = {}, user = 'u1') => call({ method: 'POST', path: '/v1/posts', route: '/v1/posts', body, headers, user });

beforeEach(async () => {
  const acme = createTestProvider();
  const plain = createTestProvider({ id: 'plain', publishing: false });
  deps = memoryDeps(directoryOf(acme.provider, plain.provider));
  pub = acme.publishing;
  await seedConnection(deps, { userId: 'u1', connectionId: 'c1' });
  await seedConnection(deps, { userId: 'u1', connectionId: 'c2' });
  await seedConnection(deps, { userId: 'u1', connectionId: 'p1', platform: 'plain' });
  await seedConnection(deps, { userId: 'u2', connectionId: 'other' });
});

describe('POST /v1/posts/preview', () => {
  it('answers each target with its platform verdict, warnings and preview, saving nothing', async () => {
    const long = 'x'.repeat(250);
    const res = await call({
      method: 'POST',
      path: '/v1/posts/preview',
      route: '/v1/posts/preview',
      body: { text: 'Hi', targets: [{ connectionId: 'c1' }, { connectionId: 'c2', overrides: { text: long, options: { sticker: true } } }, { connectionId: 'p1' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      valid: false,
      targets: [
        { connectionId: 'c1', platform: 'acme', valid: true, violations: [], warnings: [], preview: { text: 'Hi', length: 2, limit: 280 } },
        {
          connectionId: 'c2',
          valid: false,
          violations: [{ field: 'options.sticker', code: 'unknown_option' }],
          warnings: [{ field: 'text', code: 'text_truncated_in_feed' }],
        },
        { connectionId: 'p1', platform: 'plain', valid: false, violations: [{ field: 'connectionId', code: 'capability_unsupported' }] },
      ],
    });
    expect(deps.posts.posts.size).toBe(0);
  });
});

describe('POST /v1/posts', () => {
  it('creates a post with one target per connection (201), sending a post due now to the queue', async () => {
    const res = await createPost({ text: 'Launch day', targets: [{ connectionId: 'c1' }, { connectionId: 'c2', overrides: { text: 'Launch day!' } }] });
    expect(res.status).toBe(201);
    expect(res.headers['location']).toBe(`/v1/posts/${res.body['id']}`);
    expect(res.body).toMatchObject({
      status: 'scheduled',
      text: 'Launch day',
      timeZone: 'UTC',
      scheduledAt: '2026-11-23T12:00:00.000Z',
      targets: [
        { connectionId: 'c1', platform: 'acme', state: 'scheduled', attempts: 0 },
        { connectionId: 'c2', platform: 'acme', state: 'scheduled', overrides: { text: 'Launch day!' } },
      ],
    });
    expect(deps.queue.sent.filter((m) => m.queue === 'publish')).toHaveLength(2);
  });

  it('reads a time without offset in the given zone and keeps the local time the user chose', async () => {
    const res = await createPost({ text: 'Morning', targets: [{ connectionId: 'c1' }], scheduledAt: '2026-11-24T09:30', timeZone: 'Europe/Berlin' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ scheduledAt: '2026-11-24T08:30:00.000Z', timeZone: 'Europe/Berlin', localTime: '2026-11-24T09:30:00' });
    expect(deps.queue.sent).toHaveLength(0);
  });

  it('honours Idempotency-Key: 201 first, 200 with the same body after, 422 for another body', async () => {
    const body = { text: 'Once', targets: [{ connectionId: 'c1' }] };
    const first = await createPost(body, { 'Idempotency-Key': 'key-1' });
    const again = await createPost({ targets: [{ connectionId: 'c1' }], text: 'Once' }, { 'Idempotency-Key': 'key-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(deps.posts.posts.size).toBe(1);

    const other = await createPost({ ...body, text: 'Twice' }, { 'Idempotency-Key': 'key-1' });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: 'https://reach.dev/problems/idempotency_key_reused' });
    // Keys are per user: another user's identical key creates their own post.
    await seedConnection(deps, { userId: 'u3', connectionId: 'c1' });
    expect((await createPost(body, { 'Idempotency-Key': 'key-1' }, 'u3')).status).toBe(201);
  });

  it('finishes a creation that was cut short when the same request is repeated', async () => {
    const body = { text: 'Resumed', targets: [{ connectionId: 'c1' }, { connectionId: 'c2' }] };
    const first = await createPost(body, { 'idempotency-key': 'k-crash' });
    const postId = String(first.body['id']);
    deps.posts.targets.delete(`u1/${postId}/c2`);
    const again = await createPost(body, { 'idempotency-key': 'k-crash' });
    expect(again.status).toBe(200);
    expect((again.body['targets'] as unknown[]).length).toBe(2);
  });

  it('refuses content a platform rejects with 400 naming each target field, saving nothing', async () => {
    const res = await createPost({ text: 'x'.repeat(300), targets: [{ connectionId: 'c1', overrides: { text: 'fine' } }, { connectionId: 'c2' }] }, { 'idempotency-key': 'k-bad' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body['errors']).toEqual([{ field: 'targets.1.text', message: expect.stringContaining('(text_too_long)') }]);
    expect(deps.posts.posts.size).toBe(0);
    expect(deps.posts.idem.size).toBe(0);
  });

  it('refuses a platform that cannot publish with 422', async () => {
    const res = await createPost({ text: 'Hi', targets: [{ connectionId: 'p1' }] });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: 'https://reach.dev/problems/capability_unsupported', detail: 'plain does not support publishing' });
  });

  it.each([
    [{ text: 'Hi', targets: [] }, 'targets'],
    [{ text: 'Hi', targets: [{ connectionId: 'c1' }], scheduledAt: '2026-11-23T11:00:00Z' }, 'scheduledAt'],
    [{ text: 'Hi', targets: [{ connectionId: 'c1' }], scheduledAt: '2028-01-01T00:00:00Z' }, 'scheduledAt'],
    [{ text: 'Hi', targets: [{ connectionId: 'c1' }], scheduledAt: '2026-02-30T10:00' }, 'scheduledAt'],
    [{ text: 'Hi', targets: [{ connectionId: 'c1' }], scheduledAt: 'tomorrow' }, 'scheduledAt'],
    [{ text: 'Hi', targets: [{ connectionId: 'c1' }], timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ text: 'Hi', targets: [{ connectionId: 'other' }] }, 'targets.0.connectionId'],
    [{ text: 'Hi', targets: [{ connectionId: 'c1' }, { connectionId: 'c1' }] }, 'targets.1.connectionId'],
    [{ text: 'Hi', media: ['nope'], targets: [{ connectionId: 'c1' }] }, 'targets.0.media.0'],
    [{ text: 'Hi', targets: [{ connectionId: 'c1' }], extra: 1 }, ''],
  ])('refuses %j naming %s', async (body, field) => {
    const res = await createPost(body);
    expect(res.status).toBe(400);
    expect((res.body['errors'] as Array<{ field: string }>).map((e) => e.field)).toContain(field);
  });
});

describe('reading, listing, cancelling and retrying', () => {
  const at = (minutes: number) => new Date(deps.now().getTime() + minutes * 60_000).toISOString();

  it('reads a post with its targets; another user\'s post is 404', async () => {
    const created = await createPost({ text: 'Mine', targets: [{ connectionId: 'c1' }], scheduledAt: at(30) });
    const id = String(created.body['id']);
    const get = (user: string) => call({ method: 'GET', path: `/v1/posts/${id}`, route: '/v1/posts/{id}', params: { id }, user });
    expect((await get('u1')).body).toEqual(created.body);
    for (const [method, route] of [['GET', '/v1/posts/{id}'], ['DELETE', '/v1/posts/{id}'], ['POST', '/v1/posts/{id}/retry'], ['GET', '/v1/posts/{id}/analytics']] as const) {
      const res = await call({ method, path: route.replace('{id}', id), route, params: { id }, user: 'u2' });
      expect(res.status).toBe(404);
    }
  });

  it('lists newest first, by status, with an opaque cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(String((await createPost({ text: `Post ${i}`, targets: [{ connectionId: 'c1' }], scheduledAt: at(30 + i) })).body['id']));
    await call({ method: 'DELETE', path: `/v1/posts/${ids[0]}`, route: '/v1/posts/{id}', params: { id: ids[0]! } });

    const list = (query: Record<string, string>) => call({ method: 'GET', path: '/v1/posts', route: '/v1/posts', query });
    const page1 = await list({ limit: '2' });
    expect((page1.body['posts'] as Array<{ id: string }>).map((p) => p.id)).toEqual([ids[4], ids[3]]);
    const page2 = await list({ limit: '2', cursor: String(page1.body['cursor']) });
    expect((page2.body['posts'] as Array<{ id: string }>).map((p) => p.id)).toEqual([ids[2], ids[1]]);
    const page3 = await list({ limit: '2', cursor: String(page2.body['cursor']) });
    expect((page3.body['posts'] as Array<{ id: string }>).map((p) => p.id)).toEqual([ids[0]]);
    expect(page3.body['cursor']).toBeUndefined();

    const cancelled = await list({ status: 'cancelled' });
    expect((cancelled.body['posts'] as Array<{ id: string; status: string }>)).toEqual([expect.objectContaining({ id: ids[0], status: 'cancelled' })]);
    expect((await list({ status: 'bogus' })).status).toBe(400);
    expect((await list({ status: 'cancelled', cursor: String(page1.body['cursor']) })).body).toMatchObject({ errors: [{ field: 'query.cursor' }] });
  });

  it('cancels what has not gone out and retries failed targets', async () => {
    const created = await createPost({ text: 'Now', targets: [{ connectionId: 'c1' }, { connectionId: 'c2' }] });
    const id = String(created.body['id']);
    pub.failures.push({ kind: 'invalid_request', message: 'nope' });
    await publishTarget(deps, { userId: 'u1', postId: id, connectionId: 'c1' });

    const cancel = await call({ method: 'DELETE', path: `/v1/posts/${id}`, route: '/v1/posts/{id}', params: { id } });
    expect(cancel.body).toEqual({ id, status: 'failed', cancelled: ['c2'], notCancelled: [{ connectionId: 'c1', state: 'failed' }] });

    const retry = await call({ method: 'POST', path: `/v1/posts/${id}/retry`, route: '/v1/posts/{id}/retry', params: { id }, body: { connectionIds: ['c1'] } });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ status: 'publishing', targets: [{ connectionId: 'c1', state: 'scheduled' }, { connectionId: 'c2', state: 'cancelled' }] });
    const again = await call({ method: 'POST', path: `/v1/posts/${id}/retry`, route: '/v1/posts/{id}/retry', params: { id } });
    expect(again.status).toBe(409);
    const unknown = await call({ method: 'POST', path: `/v1/posts/${id}/retry`, route: '/v1/posts/{id}/retry', params: { id }, body: { connectionIds: ['zz'] } });
    expect(unknown.body).toMatchObject({ errors: [{ field: 'connectionIds.0' }] });
  });
});

describe('media', () => {
  const declare = (body: unknown, headers: Record<string, string> = {}, user = 'u1') => call({ method: 'POST', path: '/v1/media', route: '/v1/media', body, headers, user });
  const read = (id: string, user = 'u1') => call({ method: 'GET', path: `/v1/media/${id}`, route: '/v1/media/{id}', params: { id }, user });

  it('declares an upload, shows it pending, then uploaded with a read URL; posts can use it once it arrived', async () => {
    const res = await declare({ contentType: 'video/mp4', size: 1_000_000, fileName: 'clip.mp4' }, { 'idempotency-key': 'm-1' });
    expect(res.status).toBe(201);
    const mediaId = String(res.body['mediaId']);
    expect(res.body).toMatchObject({ uploadUrl: expect.stringContaining(`u1/${mediaId}`), expiresAt: '2026-11-23T12:15:00.000Z', uploadHeaders: { 'content-type': 'video/mp4', 'content-length': '1000000' } });
    expect((await declare({ contentType: 'video/mp4', size: 1_000_000, fileName: 'clip.mp4' }, { 'idempotency-key': 'm-1' })).body['mediaId']).toBe(mediaId);

    expect((await read(mediaId)).body).toMatchObject({ mediaId, status: 'pending', fileName: 'clip.mp4' });
    expect((await createPost({ text: 'Clip', media: [mediaId], targets: [{ connectionId: 'c1' }] })).status).toBe(400);

    deps.media.upload({ userId: 'u1', mediaId }, { contentType: 'video/mp4', size: 1_000_000 });
    expect((await read(mediaId)).body).toMatchObject({ status: 'uploaded', url: expect.stringContaining('get'), urlExpiresAt: '2026-11-23T18:00:00.000Z' });
    expect((await read(mediaId, 'u2')).status).toBe(404);
    expect((await createPost({ text: 'Clip', media: [mediaId], targets: [{ connectionId: 'c1' }] })).status).toBe(201);
  });

  it.each([
    [{ contentType: 'application/pdf', size: 10 }, 'contentType'],
    [{ contentType: 'image/png', size: 2 * 1024 ** 3 }, 'size'],
    [{ contentType: 'image/png', size: 0 }, 'size'],
    [{ contentType: 'image/png', size: 10, fileName: '../etc/passwd' }, 'fileName'],
  ])('refuses %j naming %s', async (body, field) => {
    const res = await declare(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ errors: [{ field }] });
  });
});
