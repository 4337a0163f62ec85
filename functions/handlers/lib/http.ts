/**
 * HTTP plumbing shared by the API-Gateway-fronted functions: a route table keyed by API Gateway's
 * route key, the caller taken from the verified JWT claims, body/query validation with zod, and the
 * one error mapping to `application/problem+json`.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { ForbiddenError, ReachError, TooManyRequestsError, UnauthorizedError, ValidationError, type FieldIssue } from '../../core/errors';
import { ProviderError } from '../../core/ports/provider';
import { currentCorrelationId, safeCorrelationId } from './invocation';
import { logger, observedHandler, type InvocationStart } from './observability';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface Caller {
  readonly userId: string;
  readonly groups: readonly string[];
}

export interface Request {
  readonly event: HttpEvent;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
}

export type Route = (req: Request) => Promise<HttpResult>;

/** Reads `cognito:groups` (or `groups`) in every form API Gateway renders: array, JSON, `[a b]`. */
export const groupsOf = (claims: Readonly<Record<string, unknown>>): string[] => {
  const raw = claims['cognito:groups'] ?? claims['groups'];
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string' || raw.trim() === '') return [];
  const s = raw.trim();
  if (s.startsWith('[') && s.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      return s.slice(1, -1).split(/[\s,]+/).filter(Boolean);
    }
  }
  return s.split(/[\s,]+/).filter(Boolean);
};

/** The caller of a JWT-protected route; API Gateway has already verified the token. */
export const callerOf = (event: HttpEvent): Caller => {
  const claims = (event.requestContext.authorizer?.jwt?.claims ?? {}) as Record<string, unknown>;
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub === '') throw new UnauthorizedError();
  return { userId: sub, groups: groupsOf(claims) };
};

/** Throws a 403 unless the caller belongs to `group`. */
export const requireGroup = (caller: Caller, group: string): void => {
  if (!caller.groups.includes(group)) throw new ForbiddenError(`This route needs the ${group} group`);
};

const issuesOf = (error: z.ZodError, prefix = ''): FieldIssue[] =>
  error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));

/** Parses the JSON body with `schema`; a missing, non-JSON or invalid body is a 400 naming the fields. */
export const parseBody = <S extends z.ZodType>(event: HttpEvent, schema: S): z.infer<S> => {
  let raw: unknown = {};
  if (event.body !== undefined && event.body !== '') {
    const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ValidationError([{ field: 'body', message: 'must be valid JSON' }]);
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(issuesOf(parsed.error));
  return parsed.data;
};

/** Parses query parameters with `schema` (400 naming the parameter on failure). */
export const parseQuery = <S extends z.ZodType>(req: Request, schema: S): z.infer<S> => {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw new ValidationError(issuesOf(parsed.error, 'query'));
  return parsed.data;
};

/** A JSON response. */
export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** A 302 to `location` that no cache keeps. */
export const redirect = (location: string): HttpResult => ({ statusCode: 302, headers: { location, 'cache-control': 'no-store' }, body: '' });

/** An HTML page that may load nothing but its own inline styles. */
export const html = (statusCode: number, body: string): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" },
  body,
});

const problem = (status: number, code: string, title: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): HttpResult => ({
  statusCode: status,
  headers: { 'content-type': 'application/problem+json', ...headers },
  body: JSON.stringify({ type: `https://reach.dev/problems/${code}`, title, status, detail, ...extra }),
});

/** The one mapping from errors to responses: 4xx say what is wrong, 5xx never leak internals. */
export const toProblem = (err: unknown, requestId: string): HttpResult => {
  if (err instanceof ValidationError) return problem(400, err.code, 'Invalid request', err.message, { errors: err.issues });
  if (err instanceof TooManyRequestsError) {
    return problem(429, err.code, 'Too many requests', err.message, {}, { 'retry-after': String(err.retryAfterSeconds) });
  }
  if (err instanceof ReachError) {
    if (err.expose) return problem(err.statusCode, err.code, err.name.replace(/Error$/, ''), err.message);
  }
  if (err instanceof ProviderError) {
    const f = err.failure;
    switch (f.kind) {
      case 'rate_limited':
        return problem(429, 'platform_rate_limited', 'Platform rate limit', `${err.platform} asked us to wait`, { platform: err.platform }, { 'retry-after': String(f.retryAfterSeconds ?? 60) });
      case 'auth_expired':
        return problem(409, 'reauth_required', 'Reconnect required', `${err.platform} no longer accepts this connection's grant`, { platform: err.platform, code: f.code });
      case 'transient':
        return problem(503, 'platform_unavailable', 'Platform unavailable', `${err.platform} did not answer; try again`, { platform: err.platform }, { 'retry-after': '30' });
      default:
        return problem(502, 'platform_error', 'Platform refused', `${err.platform}: ${f.message}`, { platform: err.platform, code: f.code });
    }
  }
  logger.error('unhandled error', { error: err as Error, requestId });
  return problem(500, 'internal', 'Internal error', `Something went wrong on our side (request ${requestId})`);
};

/** The header through which a caller (or an upstream service) may name the correlation id. */
export const CORRELATION_HEADER = 'x-correlation-id';

const headerOf = (event: HttpEvent, name: string): string | undefined => {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
};

/**
 * The invocation's correlation id: the caller's `x-correlation-id` when it is a safe short token,
 * else API Gateway's request id. When the caller's is used, the request id stays on every line too,
 * so API Gateway's access log still joins.
 */
const startOf = (event: HttpEvent): InvocationStart => {
  const requestId = event.requestContext.requestId;
  const incoming = safeCorrelationId(headerOf(event, CORRELATION_HEADER));
  return {
    correlationId: incoming ?? requestId,
    keys: { route: event.routeKey, ...(incoming !== undefined && { apiRequestId: requestId }) },
  };
};

/** Runs the route `event.routeKey` names; every error becomes its problem response. */
const dispatch = async (routes: Readonly<Record<string, Route>>, event: HttpEvent): Promise<HttpResult> => {
  try {
    const route = routes[event.routeKey];
    if (!route) return problem(404, 'not_found', 'Not found', `No route ${event.routeKey}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.pathParameters ?? {})) if (v !== undefined) params[k] = v;
    return await route({ event, params, query, headers });
  } catch (err) {
    return toProblem(err, event.requestContext.requestId);
  }
};

/**
 * Wraps a route table into a Lambda handler: matches `event.routeKey`, runs the route, maps errors.
 * Routes with auth read the caller themselves with `callerOf` (API Gateway verified the JWT). Every
 * response names its correlation id, so a caller can quote it.
 */
export const httpHandler = (routes: Readonly<Record<string, Route>>) =>
  observedHandler(startOf, async (event: HttpEvent, _context: Context): Promise<HttpResult> => {
    const result = await dispatch(routes, event);
    const correlationId = currentCorrelationId();
    return correlationId === undefined ? result : { ...result, headers: { ...result.headers, [CORRELATION_HEADER]: correlationId } };
  });
