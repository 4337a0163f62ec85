/**
 * The local AWS endpoint: one HTTP server that answers the JSON protocols of SQS, Secrets
 * Manager, KMS and EventBridge, dispatching on `X-Amz-Target`, and (given an object store) S3's
 * path-style REST API for every request without that header. SDK v3 clients reach it through
 * `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_KMS`,
 * `AWS_ENDPOINT_URL_EVENTBRIDGE` and `AWS_ENDPOINT_URL_S3`. Request signatures are not checked: everything here is loopback-only
 * and single-user.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, listenLoopback, readBody } from '../http-listen';
import { describeError, type LocalLog } from '../log';
import { AwsError } from './errors';
import type { ObjectStore } from './object-store';
import type { OperationTable } from './protocol';
import { handleS3Request } from './s3';

export interface AwsEndpointOptions {
  readonly port?: number;
  /** Operation tables by target prefix, e.g. `AmazonSQS`, `secretsmanager`, `TrentService` (KMS), `AWSEvents`. */
  readonly services: Readonly<Record<string, OperationTable>>;
  /** Objects served through S3's REST API (requests without `X-Amz-Target`); absent: no S3. */
  readonly s3?: ObjectStore;
  readonly log: LocalLog;
}

export interface AwsEndpoint {
  readonly url: string;
  /** Requests answered, per `Service.Operation`. */
  calls(): Record<string, number>;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

const reply = (res: ServerResponse, status: number, contentType: string, body: unknown, headers: Record<string, string> = {}) => {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(payload), 'x-amzn-requestid': randomUUID(), ...headers });
  res.end(payload);
};

const replyError = (res: ServerResponse, contentType: string, err: AwsError) =>
  reply(res, err.status, contentType, { __type: err.type, message: err.message }, err.queryError ? { 'x-amzn-query-error': err.queryError } : {});

/** Starts the endpoint on 127.0.0.1 (port 0 picks a free one). */
export const startAwsEndpoint = async (options: AwsEndpointOptions): Promise<AwsEndpoint> => {
  const counts: Record<string, number> = {};

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const contentType = req.headers['content-type']?.startsWith('application/x-amz-json-1.0') ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
    const target = req.headers['x-amz-target'];
    // The JSON protocols always name their operation in X-Amz-Target; S3's REST API never does.
    if (target === undefined && options.s3) {
      const outcome = await handleS3Request(options.s3, req, res);
      counts[outcome.operation] = (counts[outcome.operation] ?? 0) + 1;
      if (outcome.failure !== undefined) options.log.error(`${outcome.operation} failed: ${describeError(outcome.failure)}`);
      return;
    }
    if (req.method !== 'POST' || typeof target !== 'string' || !target.includes('.')) {
      return replyError(res, contentType, new AwsError('UnknownOperationException', 'This endpoint speaks the AWS JSON protocol: POST with an X-Amz-Target header.', 400));
    }
    const dot = target.lastIndexOf('.');
    const service = options.services[target.slice(0, dot)];
    const operation = service?.[target.slice(dot + 1)];
    if (!operation) return replyError(res, contentType, new AwsError('UnknownOperationException', `The local AWS endpoint does not implement ${target}.`));
    let body: unknown;
    try {
      const raw = await readBody(req, MAX_BODY);
      body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLargeError) return replyError(res, contentType, new AwsError('RequestEntityTooLarge', err.message, 413));
      return replyError(res, contentType, new AwsError('SerializationException', 'The request body is not valid JSON.'));
    }
    counts[target] = (counts[target] ?? 0) + 1;
    try {
      reply(res, 200, contentType, await operation(body));
    } catch (err) {
      if (err instanceof AwsError) return replyError(res, contentType, err);
      options.log.error(`${target} failed: ${describeError(err)}`);
      replyError(res, contentType, new AwsError('InternalFailure', 'The local AWS endpoint failed to process the request.', 500));
    }
  };

  const listening = await listenLoopback((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log.error(`AWS endpoint failure: ${describeError(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  }, options.port ?? 0);

  return {
    url: `http://127.0.0.1:${listening.port}`,
    calls: () => ({ ...counts }),
    close: () => listening.close(),
  };
};
