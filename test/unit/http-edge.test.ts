import { z } from 'zod';
import type { Context } from 'aws-lambda';
import { NotFoundError, ValidationError } from '../../functions/core/errors';
import { ProviderError } from '../../functions/core/ports/provider';
import { callerOf, groupsOf, httpHandler, json, parseBody, toProblem, type HttpEvent } from '../../functions/handlers/lib/http';
import { retryDelaySeconds, RetryLaterError } from '../../functions/handlers/lib/sqs';

const event = (over: Partial<HttpEvent> & { claims?: Record<string, string | number | boolean | string[]> } = {}): HttpEvent => {
  const { claims, ...rest } = over;
  return {
    version: '2.0',
    routeKey: 'POST /v1/things',
    rawPath: '/v1/things',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/v1/things', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey: 'POST /v1/things',
      stage: '$default',
      time: '',
      timeEpoch: 0,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: claims ?? { sub: 'u1' }, scopes: [] } },
    },
    ...rest,
  } as HttpEvent;
};

const body = (r: { body?: string }) => JSON.parse(r.body ?? '{}') as Record<string, unknown>;

describe('parseBody', () => {
  const schema = z.object({ text: z.string().min(1), targets: z.array(z.object({ connectionId: z.string() })) });

  it('names every failing field', () => {
    try {
      parseBody(event({ body: JSON.stringify({ text: '', targets: [{}] }) }), schema);
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.field).sort()).toEqual(['targets.0.connectionId', 'text']);
    }
  });

  it('refuses a body that is not JSON, naming the body', () => {
    expect(() => parseBody(event({ body: '{nope' }), schema)).toThrow(expect.objectContaining({ issues: [{ field: 'body', message: 'must be valid JSON' }] }));
  });

  it('reads base64-encoded bodies', () => {
    const raw = Buffer.from(JSON.stringify({ text: 'hi', targets: [] })).toString('base64');
    expect(parseBody(event({ body: raw, isBase64Encoded: true }), schema)).toEqual({ text: 'hi', targets: [] });
  });
});

describe('toProblem', () => {
  it('maps validation errors to 400 problem+json with the fields', () => {
    const r = toProblem(new ValidationError([{ field: 'text', message: 'Required' }]), 'r');
    expect(r.statusCode).toBe(400);
    expect(r.headers?.['content-type']).toBe('application/problem+json');
    expect(body(r)).toMatchObject({ status: 400, errors: [{ field: 'text', message: 'Required' }] });
  });

  it('maps a platform rate limit to 429 with Retry-After, and a refused grant to 409 reauth_required', () => {
    const limited = toProblem(new ProviderError('acme', { kind: 'rate_limited', retryAfterSeconds: 42, message: 'x' }), 'r');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers?.['retry-after']).toBe('42');
    expect(toProblem(new ProviderError('acme', { kind: 'auth_expired', message: 'x' }), 'r').statusCode).toBe(409);
    expect(toProblem(new ProviderError('acme', { kind: 'transient', message: 'x' }), 'r').statusCode).toBe(503);
  });

  it('never leaks an unexpected error\'s text', () => {
    const r = toProblem(new Error('password=hunter2 at db.internal'), 'req-9');
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('hunter2');
    expect(body(r)['detail']).toContain('req-9');
  });
});

describe('callerOf and groupsOf', () => {
  it('reads the subject, and groups in every form API Gateway renders them', () => {
    expect(callerOf(event({ claims: { sub: 'u1', 'cognito:groups': '[admin ops]' } }))).toEqual({ userId: 'u1', groups: ['admin', 'ops'] });
    expect(groupsOf({ 'cognito:groups': '["admin","ops"]' })).toEqual(['admin', 'ops']);
    expect(groupsOf({ 'cognito:groups': ['admin'] })).toEqual(['admin']);
    expect(groupsOf({ groups: 'admin,ops' })).toEqual(['admin', 'ops']);
    expect(groupsOf({})).toEqual([]);
  });

  it('refuses a request without a subject', () => {
    expect(() => callerOf(event({ claims: {} }))).toThrow(/bearer token/);
  });
});

describe('httpHandler', () => {
  const ctx = { functionName: 'api', awsRequestId: 'x', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

  it('routes by route key and maps thrown errors once', async () => {
    const h = httpHandler({
      'POST /v1/things': async () => json(201, { ok: true }),
      'GET /v1/things/{id}': async (req) => {
        throw new NotFoundError(`Thing ${req.params['id']}`);
      },
    });
    expect((await h(event(), ctx)).statusCode).toBe(201);
    const missing = await h(event({ routeKey: 'GET /v1/things/{id}', pathParameters: { id: '7' } }), ctx);
    expect(missing.statusCode).toBe(404);
    expect(body(missing)['detail']).toBe('Thing 7 was not found');
    expect((await h(event({ routeKey: 'GET /nope' }), ctx)).statusCode).toBe(404);
  });
});

describe('retryDelaySeconds', () => {
  it('waits for a platform\'s reset, backs off transient failures with jitter, and leaves others to the queue', () => {
    expect(retryDelaySeconds(new ProviderError('acme', { kind: 'rate_limited', retryAfterSeconds: 900, message: '' }), 1)).toBe(900);
    expect(retryDelaySeconds(new RetryLaterError(30, 'later'), 1)).toBe(30);
    expect(retryDelaySeconds(new ProviderError('acme', { kind: 'transient', message: '' }), 3, () => 0)).toBe(10);
    expect(retryDelaySeconds(new ProviderError('acme', { kind: 'transient', message: '' }), 3, () => 0.999)).toBe(20);
    expect(retryDelaySeconds(new ProviderError('acme', { kind: 'transient', message: '' }), 30, () => 1)).toBe(900);
    expect(retryDelaySeconds(new Error('bug'), 1)).toBeUndefined();
  });
});
