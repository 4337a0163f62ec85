/**
 * Correlation ids: an API request's id reaches the SQS messages it queues (a message attribute, as
 * SQS carries it: the real adapter, the local SQS endpoint and queue engine) and every log line of
 * the worker records they cause, with invocations and records running at the same time never
 * seeing each other's id. Schedules log under their event id.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { CORRELATION_ATTRIBUTE, SqsWorkQueue } from '../../functions/adapters/sqs/work-queue';
import { currentCorrelationId, safeCorrelationId } from '../../functions/handlers/lib/invocation';
import type { HttpEvent, HttpResult } from '../../functions/handlers/lib/http';
import { startAwsEndpoint, type AwsEndpoint } from '../../local/aws/server';
import { sqsOperations } from '../../local/aws/sqs';
import type { InvokeOutcome } from '../../local/lambda';
import { silentLog } from '../../local/log';
import { QueueEngine } from '../../local/queues/engine';

// Powertools resets the level to the one it started with at every invocation: it must start at INFO.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
const { httpHandler, json } = require('../../functions/handlers/lib/http') as typeof import('../../functions/handlers/lib/http');
const { logger } = require('../../functions/handlers/lib/observability') as typeof import('../../functions/handlers/lib/observability');
const { scheduledHandler } = require('../../functions/handlers/lib/schedule') as typeof import('../../functions/handlers/lib/schedule');
const { sqsHandler } = require('../../functions/handlers/lib/sqs') as typeof import('../../functions/handlers/lib/sqs');

type Line = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` and returns the JSON log lines the Powertools logger printed meanwhile. */
const linesOf = async (fn: () => Promise<unknown>): Promise<Line[]> => {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await fn();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"message"'))
    .map((l) => JSON.parse(l) as Line);
};

const context = (requestId: string) =>
  ({ functionName: 'reach-test', awsRequestId: requestId, memoryLimitInMB: '256', invokedFunctionArn: 'arn:aws:lambda:us-east-1:0:function:reach-test', getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;

const httpEvent = (requestId: string, body: unknown, headers: Record<string, string> = {}): HttpEvent =>
  ({
    version: '2.0',
    routeKey: 'POST /v1/things',
    rawPath: '/v1/things',
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    body: JSON.stringify(body),
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/v1/things', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId,
      routeKey: 'POST /v1/things',
      stage: '$default',
      time: '',
      timeEpoch: 0,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: { sub: 'u1' }, scopes: [] } },
    },
  }) as HttpEvent;

afterAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

describe('an API request\'s correlation id', () => {
  let engine: QueueEngine;
  let aws: AwsEndpoint;
  let sqs: SQSClient;

  afterEach(async () => {
    await engine?.close();
    await aws?.close();
    sqs?.destroy();
  });

  it('reaches the messages it queues and every log line of the work they cause, with concurrent requests and records kept apart', async () => {
    const worker = sqsHandler({
      schema: z.object({ n: z.number() }),
      handle: async (b) => {
        logger.info('working', { n: b.n });
        // Records of one batch run at the same time: each waits a different while before logging again.
        await sleep(5 * ((b.n * 7) % 5));
        logger.info('worked', { n: b.n });
      },
      delay: async () => undefined,
    });
    engine = new QueueEngine({ region: 'us-east-1', accountId: '000000000000', log: silentLog, batchingWindowScale: 0 });
    aws = await startAwsEndpoint({ services: { AmazonSQS: sqsOperations(engine) }, log: silentLog });
    engine.setBaseUrl(aws.url);
    engine.create({
      name: 'reach-sync',
      visibilityTimeoutSeconds: 30,
      consumer: {
        functionName: 'reach-local-syncWorker',
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
        maxConcurrency: 2,
        invoke: async (event: SQSEvent): Promise<InvokeOutcome> => {
          const started = Date.now();
          return { ok: true, value: await worker(event, context(`worker-${event.Records[0]!.messageId}`)), durationMs: Date.now() - started };
        },
      },
    });
    sqs = new SQSClient({ region: 'us-east-1', endpoint: aws.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const url = engine.url('reach-sync');
    const queue = new SqsWorkQueue(sqs, { sync: url, publish: url, refresh: url, webhookEvents: url }, currentCorrelationId);
    const api = httpHandler({
      'POST /v1/things': async (req) => {
        const { ns } = z.object({ ns: z.array(z.number()) }).parse(JSON.parse(req.event.body ?? '{}'));
        logger.info('queueing', { ns });
        await sleep(ns[0]! % 2 === 0 ? 15 : 1);
        await queue.send('sync', ns.map((n) => ({ body: { n } })));
        logger.info('queued', { ns });
        return json(202, { queued: ns.length });
      },
    });

    let answers: HttpResult[] = [];
    const lines = await linesOf(async () => {
      answers = await Promise.all([
        api(httpEvent('req-even', { ns: [0, 2, 4, 6] }), context('lambda-a')),
        api(httpEvent('req-odd', { ns: [1, 3, 5, 7] }), context('lambda-b')),
      ]);
      await engine.drain(10_000);
    });

    expect(answers.map((a) => a.statusCode)).toEqual([202, 202]);
    expect(answers.map((a) => a.headers?.['x-correlation-id'])).toEqual(['req-even', 'req-odd']);
    const expected = (n: number) => (n % 2 === 0 ? 'req-even' : 'req-odd');
    for (const message of ['queueing', 'queued']) {
      const got = lines.filter((l) => l['message'] === message).map((l) => [l['correlation_id'], l['route']]);
      expect(got.sort()).toEqual([
        ['req-even', 'POST /v1/things'],
        ['req-odd', 'POST /v1/things'],
      ]);
    }
    const work = lines.filter((l) => l['message'] === 'working' || l['message'] === 'worked');
    expect(work).toHaveLength(16);
    for (const l of work) {
      expect(l['correlation_id']).toBe(expected(l['n'] as number));
      expect(typeof l['messageId']).toBe('string');
      expect(String(l['function_request_id'])).toMatch(/^worker-/);
    }
  });
});

describe('the HTTP wrapper', () => {
  const api = httpHandler({
    'POST /v1/things': async () => {
      logger.info('handled');
      return json(200, {});
    },
  });

  it('honours a caller\'s safe x-correlation-id and keeps API Gateway\'s request id on the line', async () => {
    let res: HttpResult | undefined;
    const lines = await linesOf(async () => {
      res = await api(httpEvent('apigw-1', {}, { 'X-Correlation-Id': 'checkout-7f3a' }), context('l-1'));
    });
    expect(res?.headers?.['x-correlation-id']).toBe('checkout-7f3a');
    expect(lines.find((l) => l['message'] === 'handled')).toMatchObject({ correlation_id: 'checkout-7f3a', apiRequestId: 'apigw-1', function_request_id: 'l-1' });
  });

  it('ignores an incoming id that is long or could forge log content, and uses the request id', async () => {
    for (const bad of ['x'.repeat(65), 'abc"}{"level":"ERROR', 'two words', '']) {
      const lines = await linesOf(() => api(httpEvent('apigw-2', {}, { 'x-correlation-id': bad }), context('l-2')));
      const line = lines.find((l) => l['message'] === 'handled');
      expect(line?.['correlation_id']).toBe('apigw-2');
      expect(line?.['apiRequestId']).toBeUndefined();
    }
    expect(safeCorrelationId('JZ3KgjyIIAMEVgQ=')).toBe('JZ3KgjyIIAMEVgQ=');
  });
});

describe('SQS records', () => {
  const record = (id: string, attributes: SQSRecord['messageAttributes'] = {}): SQSRecord => ({
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: '{}',
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: attributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
    awsRegion: 'us-east-1',
  });
  const attribute = (value: string) => ({ [CORRELATION_ATTRIBUTE]: { dataType: 'String', stringValue: value, stringListValues: [], binaryListValues: [] } });

  it('log under their own message id when the sender passed none (or an unsafe one)', async () => {
    const worker = sqsHandler({ schema: z.object({}), handle: async () => logger.info('record'), delay: async () => undefined });
    const lines = await linesOf(() => worker({ Records: [record('m-plain'), record('m-bad', attribute('a b')), record('m-good', attribute('req-9'))] }, context('l-3')));
    const ids = lines.filter((l) => l['message'] === 'record').map((l) => [l['messageId'], l['correlation_id']]);
    expect(ids.sort()).toEqual([
      ['m-bad', 'm-bad'],
      ['m-good', 'req-9'],
      ['m-plain', 'm-plain'],
    ]);
  });
});

describe('SqsWorkQueue', () => {
  const capture = () => {
    const sent: SendMessageBatchCommand[] = [];
    const client = { send: async (c: SendMessageBatchCommand) => (sent.push(c), { Successful: [], Failed: [] }) } as unknown as SQSClient;
    return { sent, client };
  };
  const urls = { sync: 'https://sqs/q', publish: 'https://sqs/p', refresh: 'https://sqs/r', webhookEvents: 'https://sqs/w' };

  it('puts the current correlation id on every entry as a String attribute, outside the body', async () => {
    const { sent, client } = capture();
    await new SqsWorkQueue(client, urls, () => 'req-42').send('sync', Array.from({ length: 12 }, (_, n) => ({ body: { n } })));
    const entries = sent.flatMap((c) => c.input.Entries ?? []);
    expect(entries).toHaveLength(12);
    for (const e of entries) {
      expect(e.MessageAttributes).toEqual({ correlationId: { DataType: 'String', StringValue: 'req-42' } });
      expect(JSON.parse(e.MessageBody!)).not.toHaveProperty('correlationId');
    }
  });

  it('sends no attribute when nothing is current', async () => {
    const { sent, client } = capture();
    await new SqsWorkQueue(client, urls, () => undefined).send('publish', [{ body: { a: 1 }, delaySeconds: 30 }]);
    expect(sent[0]!.input.Entries).toEqual([{ Id: '0', MessageBody: '{"a":1}', DelaySeconds: 30 }]);
  });
});

describe('a schedule run', () => {
  const event = (id: string | undefined): EventBridgeEvent<string, unknown> =>
    ({ ...(id !== undefined && { id }), 'detail-type': 'Scheduled Event', source: 'reach.schedule', detail: { scheduleId: 'syncPlanner', mode: 'due' } }) as unknown as EventBridgeEvent<string, unknown>;

  it('logs under its event id, or its request id when the rule passed none, and names its schedule', async () => {
    const handler = scheduledHandler(async () => {
      logger.info('planning');
      return { queued: 0 };
    });
    const lines = await linesOf(async () => {
      await Promise.all([handler(event('evt-1'), context('l-4')), handler(event(undefined), context('l-5'))]);
    });
    const planning = lines.filter((l) => l['message'] === 'planning').map((l) => [l['correlation_id'], l['schedule']]);
    expect(planning.sort()).toEqual([
      ['evt-1', 'syncPlanner'],
      ['l-5', 'syncPlanner'],
    ]);
  });
});
