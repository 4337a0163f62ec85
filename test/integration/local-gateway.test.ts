/**
 * The local gateway speaks API Gateway HTTP API (payload 2.0) with a JWT authorizer: the event a
 * function receives, how its answer becomes HTTP, and the `/local/` helpers.
 */
import { silentLog } from '../../local/log';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { createEchoHandler, type EchoHandler } from './helpers/local-echo-handler';

describe('local gateway', () => {
  let rt: LocalRuntime;
  let echo: EchoHandler;
  let scheduled: unknown[];

  beforeAll(async () => {
    echo = createEchoHandler();
    scheduled = [];
    rt = await startLocalRuntime({
      quiet: true,
      log: silentLog,
      scheduleScale: 0,
      // API timeouts become ~0.3 s so that the timeout answer is quick to observe.
      timeoutScale: 0.01,
      handlers: {
        api: echo,
        oauth: echo,
        webhooks: echo,
        tokenPlanner: async (event: unknown) => {
          scheduled.push(event);
          return { planned: 3 };
        },
        syncPlanner: async () => {
          throw new Error('planner broke');
        },
      },
    });
  });

  afterAll(async () => {
    await rt?.stop();
  });

  const lastEvent = () => echo.calls[echo.calls.length - 1]!.event as Record<string, any>;

  describe('event shape (payload 2.0)', () => {
    it('builds the v2 event with the route key, raw path and query, lower-cased headers and cookies', async () => {
      const res = await fetch(`${rt.apiUrl}/v1/health?b=2&a=1&a=3&empty`, {
        headers: { 'X-Custom': 'One', cookie: 'session=abc; theme=dark', 'user-agent': 'jest-test' },
      });
      expect(res.status).toBe(201);
      const e = lastEvent();
      expect(e.version).toBe('2.0');
      expect(e.routeKey).toBe('GET /v1/health');
      expect(e.rawPath).toBe('/v1/health');
      expect(e.rawQueryString).toBe('b=2&a=1&a=3&empty');
      expect(e.queryStringParameters).toEqual({ a: '1,3', b: '2', empty: '' });
      expect(e.headers['x-custom']).toBe('One');
      expect(e.headers['X-Custom']).toBeUndefined();
      expect(e.headers.cookie).toBeUndefined();
      expect(e.cookies).toEqual(['session=abc', 'theme=dark']);
      expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(e.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      expect(e.pathParameters).toBeUndefined();
      expect(e.isBase64Encoded).toBe(false);
      expect(e.body).toBeUndefined();
      const rc = e.requestContext;
      expect(rc).toMatchObject({
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        routeKey: 'GET /v1/health',
        stage: '$default',
        http: { method: 'GET', path: '/v1/health', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest-test' },
      });
      expect(rc.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(Math.abs(rc.timeEpoch - Date.now())).toBeLessThan(5000);
      expect(typeof rc.requestId).toBe('string');
      expect(rc.authorizer).toBeUndefined();
    });

    it('gives a Lambda-like context to the function', async () => {
      await fetch(`${rt.apiUrl}/v1/platforms`);
      const ctx = echo.calls[echo.calls.length - 1]!.context;
      expect(ctx.functionName).toBe('reach-local-api');
      expect(ctx.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:reach-local-api');
      expect(ctx.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(ctx.memoryLimitInMB).toBe('512');
      expect(ctx.getRemainingTimeInMillis()).toBeGreaterThan(0);
    });

    it('decodes path parameters and picks the most specific route', async () => {
      const token = await rt.mintToken('user-1');
      const res = await fetch(`${rt.apiUrl}/v1/connections/abc%20def`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(201);
      expect(lastEvent().routeKey).toBe('GET /v1/connections/{id}');
      expect(lastEvent().pathParameters).toEqual({ id: 'abc def' });
      expect(lastEvent().rawPath).toBe('/v1/connections/abc%20def');

      await fetch(`${rt.apiUrl}/v1/oauth/result`);
      expect(lastEvent().routeKey).toBe('GET /v1/oauth/result');
    });

    it('passes JSON bodies as text and other bodies base64-encoded', async () => {
      await fetch(`${rt.apiUrl}/v1/webhooks/meta/deauthorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: 'é' }),
      });
      expect(lastEvent().isBase64Encoded).toBe(false);
      expect(lastEvent().body).toBe('{"a":"é"}');

      await fetch(`${rt.apiUrl}/v1/webhooks/meta/deauthorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'signed_request=abc.def',
      });
      expect(lastEvent().isBase64Encoded).toBe(true);
      expect(Buffer.from(lastEvent().body, 'base64').toString('utf8')).toBe('signed_request=abc.def');

      const bytes = Buffer.from([0, 1, 2, 255]);
      await fetch(`${rt.apiUrl}/v1/webhooks/meta/data-deletion`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
      expect(lastEvent().isBase64Encoded).toBe(true);
      expect(Buffer.from(lastEvent().body, 'base64')).toEqual(bytes);
    });
  });

  describe('responses', () => {
    it('maps a structured result: status, headers and each cookie as set-cookie', async () => {
      const res = await fetch(`${rt.apiUrl}/v1/health`);
      expect(res.status).toBe(201);
      expect(res.headers.get('x-echo')).toBe('yes');
      expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
      const body = (await res.json()) as { event: { version: string } };
      expect(body.event.version).toBe('2.0');
    });

    it('sends a bare value as 200 application/json, and decodes base64 bodies', async () => {
      const plain = await fetch(`${rt.apiUrl}/v1/health?mode=plain`);
      expect(plain.status).toBe(200);
      expect(plain.headers.get('content-type')).toBe('application/json');
      expect(await plain.json()).toEqual({ hello: 'world' });

      const text = await fetch(`${rt.apiUrl}/v1/health?mode=text`);
      expect(await text.text()).toBe('just text');

      const binary = await fetch(`${rt.apiUrl}/v1/health?mode=binary`);
      expect(binary.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    });

    it('answers as API Gateway when the function fails, times out or returns garbage', async () => {
      const thrown = await fetch(`${rt.apiUrl}/v1/health?mode=throw`);
      expect(thrown.status).toBe(500);
      expect(await thrown.json()).toEqual({ message: 'Internal Server Error' });

      const malformed = await fetch(`${rt.apiUrl}/v1/health?mode=malformed`);
      expect(malformed.status).toBe(500);

      const slow = await fetch(`${rt.apiUrl}/v1/health?mode=slow`);
      expect(slow.status).toBe(503);
      expect(await slow.json()).toEqual({ message: 'Service Unavailable' });
    });

    it('answers 404 {"message":"Not Found"} for unknown routes and methods', async () => {
      for (const [method, path] of [
        ['GET', '/v2/nothing'],
        ['POST', '/v1/health'],
        ['GET', '/v1/connections/a/b'],
      ] as const) {
        const res = await fetch(`${rt.apiUrl}${path}`, { method });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ message: 'Not Found' });
      }
    });
  });

  describe('JWT authorizer', () => {
    it('refuses protected routes without a valid token with 401 {"message":"Unauthorized"}', async () => {
      const before = echo.calls.length;
      const expired = await rt.mintToken('user-1', [], -60);
      for (const authorization of [undefined, 'Bearer not-a-jwt', `Bearer ${expired}`, `Basic ${Buffer.from('a:b').toString('base64')}`]) {
        const res = await fetch(`${rt.apiUrl}/v1/connections`, { headers: authorization ? { authorization } : {} });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ message: 'Unauthorized' });
      }
      expect(echo.calls.length).toBe(before);
    });

    it('refuses a token signed by another key even with the right claims', async () => {
      const { SignJWT, generateKeyPair } = await import('jose');
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: JSON.parse(Buffer.from(rt.devToken.split('.')[0]!, 'base64url').toString()).kid })
        .setSubject('dev-user')
        .setIssuer(`${rt.apiUrl}/local`)
        .setAudience('reach-local')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
      const res = await fetch(`${rt.apiUrl}/v1/connections`, { headers: { authorization: `Bearer ${forged}` } });
      expect(res.status).toBe(401);
    });

    it('passes the claims as API Gateway renders them: strings, arrays as [a b]', async () => {
      const token = await rt.mintToken('user-7', ['admin', 'ops']);
      const res = await fetch(`${rt.apiUrl}/v1/connections`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(201);
      const jwt = lastEvent().requestContext.authorizer.jwt;
      expect(jwt.claims.sub).toBe('user-7');
      expect(jwt.claims['cognito:groups']).toBe('[admin ops]');
      expect(jwt.claims.iss).toBe(`${rt.apiUrl}/local`);
      expect(jwt.claims.aud).toBe('reach-local');
      expect(jwt.claims.exp).toMatch(/^\d+$/);
      expect(jwt.scopes).toBeNull();
    });

    it('accepts the dev token printed at start', async () => {
      const res = await fetch(`${rt.apiUrl}/v1/connections`, { headers: { authorization: `Bearer ${rt.devToken}` } });
      expect(res.status).toBe(201);
      expect(lastEvent().requestContext.authorizer.jwt.claims.sub).toBe('dev-user');
    });

    it('serves the issuer JWKS with public keys only', async () => {
      const res = await fetch(`${rt.apiUrl}/local/.well-known/jwks.json`);
      const jwks = (await res.json()) as { keys: Record<string, string>[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(jwks.keys[0]!['d']).toBeUndefined();
      const { createLocalJWKSet, jwtVerify } = await import('jose');
      const { payload } = await jwtVerify(rt.devToken, createLocalJWKSet(jwks as never), { issuer: `${rt.apiUrl}/local`, audience: 'reach-local' });
      expect(payload.sub).toBe('dev-user');
    });
  });

  describe('POST /local/token', () => {
    const post = (body: string) => fetch(`${rt.apiUrl}/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    it('mints a token that the authorizer accepts', async () => {
      const res = await post(JSON.stringify({ sub: 'alice', groups: ['admin'] }));
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as { token: string };
      const api = await fetch(`${rt.apiUrl}/v1/connections`, { headers: { authorization: `Bearer ${token}` } });
      expect(api.status).toBe(201);
      expect(lastEvent().requestContext.authorizer.jwt.claims).toMatchObject({ sub: 'alice', 'cognito:groups': '[admin]' });
    });

    it('answers 400 naming the invalid field', async () => {
      const cases: [string, string][] = [
        ['{}', 'sub'],
        ['{"sub":5}', 'sub'],
        ['{"sub":""}', 'sub'],
        ['{"sub":"a","groups":"admin"}', 'groups'],
        ['{"sub":"a","groups":[1]}', 'groups.0'],
        ['not json', 'body'],
      ];
      for (const [body, field] of cases) {
        const res = await post(body);
        expect(res.status).toBe(400);
        const out = (await res.json()) as { errors: { field: string }[] };
        expect(out.errors.map((e) => e.field)).toContain(field);
      }
    });
  });

  describe('other /local routes', () => {
    it('runs a schedule now with the scheduled-event shape, and 404s unknown ids', async () => {
      const res = await fetch(`${rt.apiUrl}/local/schedules/tokenPlanner/run`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ scheduleId: 'tokenPlanner', target: 'tokenPlanner', ok: true, result: { planned: 3 } });
      expect(scheduled).toHaveLength(1);
      expect(scheduled[0]).toMatchObject({
        version: '0',
        'detail-type': 'Scheduled Event',
        source: 'reach.schedule',
        account: '000000000000',
        region: 'us-east-1',
        resources: [],
        detail: { scheduleId: 'tokenPlanner', mode: 'due' },
      });
      expect((scheduled[0] as { time: string }).time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

      const unknown = await fetch(`${rt.apiUrl}/local/schedules/nope/run`, { method: 'POST' });
      expect(unknown.status).toBe(404);
    });

    it('reports a failing schedule run as 500 with the error', async () => {
      const res = await fetch(`${rt.apiUrl}/local/schedules/dailySnapshot/run`, { method: 'POST' });
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ scheduleId: 'dailySnapshot', target: 'syncPlanner', ok: false, error: 'Error: planner broke' });
      expect(rt.schedules().find((s) => s.id === 'dailySnapshot')).toMatchObject({ runs: 1, failures: 1, nextRunAt: null });
    });

    it('lists queue stats and the messages of a queue', async () => {
      const res = await fetch(`${rt.apiUrl}/local/queues`);
      const { queues } = (await res.json()) as { queues: Record<string, { consumer?: string; deadLetterQueue?: string }> };
      expect(Object.keys(queues).sort()).toEqual(
        ['reach-publish', 'reach-publish-dlq', 'reach-refresh', 'reach-refresh-dlq', 'reach-sync', 'reach-sync-dlq', 'reach-webhook-events', 'reach-webhook-events-dlq'].sort(),
      );
      expect(queues['reach-sync']).toMatchObject({ consumer: 'reach-local-syncWorker', deadLetterQueue: 'reach-sync-dlq' });

      rt.queues.send('reach-sync-dlq', { body: '{"parked":true}' });
      const peek = await fetch(`${rt.apiUrl}/local/queues/reach-sync-dlq/messages`);
      expect(((await peek.json()) as { messages: { body: string }[] }).messages.map((m) => m.body)).toEqual(['{"parked":true}']);
      expect((await fetch(`${rt.apiUrl}/local/queues/nope/messages`)).status).toBe(404);
    });

    it('answers 404 for unknown /local routes', async () => {
      const res = await fetch(`${rt.apiUrl}/local/whatever`);
      expect(res.status).toBe(404);
    });
  });
});
