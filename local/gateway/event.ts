/**
 * API Gateway HTTP API, payload format 2.0: the event a Lambda integration receives and how the
 * function's answer becomes the HTTP response.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';

/** The v2 event, with the JWT authorizer's context when the route is protected. */
export type HttpApiEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt: { claims: Record<string, string>; scopes: string[] | null } };
  };
};

export interface RawRequest {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/v1/x?a=1`. */
  readonly url: string;
  /** Node's `rawHeaders`: name, value, name, value… */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly httpVersion: string;
  readonly localPort: number;
}

export interface RouteInfo {
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>>;
}

export interface AuthorizerContext {
  readonly claims: Record<string, string>;
  readonly scopes: string[] | null;
}

/**
 * Bodies API Gateway passes as text; everything else arrives base64-encoded with
 * `isBase64Encoded: true`. Form posts count as binary on HTTP APIs, so the handlers that take
 * them (Meta's signed_request callbacks) are exercised on the same encoding as in AWS.
 */
export const isTextContentType = (contentType: string | undefined): boolean => {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/graphql'
  );
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the CLF time API Gateway puts in `requestContext.time`. */
export const clfTime = (d: Date): string => {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};

/** A request id in API Gateway's shape; the gateway answers with it in `apigw-requestid`, as AWS does. */
export const newRequestId = (): string => randomBytes(12).toString('base64').replace(/[+/]/g, 'A');

/** Builds the event for `req`, matched to `route`. */
export const buildEvent = (
  req: RawRequest,
  route: RouteInfo,
  context: { readonly accountId: string; readonly apiId: string; readonly requestId?: string },
  authorizer?: AuthorizerContext,
): HttpApiEvent => {
  const now = new Date();
  const q = req.url.indexOf('?');
  const rawPath = q >= 0 ? req.url.slice(0, q) : req.url;
  const rawQueryString = q >= 0 ? req.url.slice(q + 1) : '';

  // Duplicate headers are joined with commas; cookies go to their own field.
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const traceId = `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${req.sourceIp}` : req.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(req.localPort);
  headers['x-amzn-trace-id'] ??= traceId;

  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;

  const hasBody = req.body.length > 0;
  const text = isTextContentType(headers['content-type']);
  const host = (headers['host'] ?? 'localhost').replace(/:\d+$/, '');

  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    ...(Object.keys(route.pathParameters).length > 0 && { pathParameters: { ...route.pathParameters } }),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: req.method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId ?? newRequestId(),
      routeKey: route.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
      ...(authorizer && { authorizer: { jwt: { claims: authorizer.claims, scopes: authorizer.scopes } } }),
    },
    ...(hasBody && { body: text ? req.body.toString('utf8') : req.body.toString('base64') }),
    isBase64Encoded: hasBody && !text,
  };
};

export interface HttpAnswer {
  readonly status: number;
  /** Header pairs (several `set-cookie` allowed). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** API Gateway's own answers, used when it (not the function) speaks. */
export const gatewayAnswer = (status: number, message: string): HttpAnswer => ({
  status,
  headers: [['content-type', 'application/json']],
  body: Buffer.from(JSON.stringify({ message })),
});

const structured = z.object({
  statusCode: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  cookies: z.array(z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

/**
 * Maps a function's result to the HTTP answer. A result with `statusCode` is used as given; any
 * other JSON value is sent as a 200 `application/json` body (a string as is). A structured
 * result that does not validate is API Gateway's 500.
 */
export const toAnswer = (value: unknown): HttpAnswer => {
  if (typeof value === 'object' && value !== null && 'statusCode' in value) {
    const parsed = structured.safeParse(value);
    if (!parsed.success) return gatewayAnswer(500, 'Internal Server Error');
    const r = parsed.data;
    const headers: [string, string][] = Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]);
    if (!headers.some(([k]) => k === 'content-type')) headers.push(['content-type', 'application/json']);
    for (const c of r.cookies ?? []) headers.push(['set-cookie', c]);
    const body = r.body === undefined ? Buffer.alloc(0) : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
    return { status: r.statusCode, headers, body };
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(text, 'utf8') };
};
