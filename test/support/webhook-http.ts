/**
 * API Gateway HTTP API (payload v2.0) events for the webhooks function, as the deployed API and
 * the local gateway build them, and the SQS events the webhook worker receives.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import type { HttpEvent, HttpResult } from '../../functions/handlers/lib/http';

export const lambdaContext = (functionName = 'webhooks'): Context =>
  ({ functionName, awsRequestId: 'req', getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;

export interface WebhookCall {
  readonly method: 'GET' | 'POST';
  /** Route path with `{param}` placeholders, e.g. `/v1/webhooks/{platform}`. */
  readonly route: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Send the body base64-encoded, as API Gateway does for non-text content types. */
  readonly base64?: boolean;
}

export const webhookEvent = (call: WebhookCall): HttpEvent => {
  const params = call.params ?? {};
  const path = call.route.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(params[k] ?? ''));
  const routeKey = `${call.method} ${call.route}`;
  const query = call.query ?? {};
  const rawBody = call.body === undefined ? undefined : Buffer.isBuffer(call.body) ? call.body : Buffer.from(call.body, 'utf8');
  const base64 = call.base64 ?? (Buffer.isBuffer(call.body) ? true : false);
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { ...(call.headers ?? {}) },
    ...(Object.keys(query).length > 0 && { queryStringParameters: { ...query } }),
    ...(Object.keys(params).length > 0 && { pathParameters: { ...params } }),
    ...(rawBody !== undefined && { body: base64 ? rawBody.toString('base64') : rawBody.toString('utf8') }),
    isBase64Encoded: rawBody !== undefined && base64,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: call.method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  } as unknown as HttpEvent;
};

export type WebhooksHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export const bodyOf = (r: HttpResult): Record<string, unknown> => JSON.parse(r.body ?? '{}') as Record<string, unknown>;

/** An SQS event carrying `bodies` as the webhook-events queue delivers them. */
export const sqsEvent = (bodies: ReadonlyArray<{ readonly body: unknown; readonly messageId?: string; readonly receiveCount?: number }>): SQSEvent => ({
  Records: bodies.map((b, i) => ({
    messageId: b.messageId ?? `m-${i}`,
    receiptHandle: `rh-${i}`,
    body: JSON.stringify(b.body),
    attributes: {
      ApproximateReceiveCount: String(b.receiveCount ?? 1),
      SentTimestamp: '0',
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:reach-webhookEvents',
    awsRegion: 'us-east-1',
  })),
});
