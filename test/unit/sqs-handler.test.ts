import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { ProviderError } from '../../functions/core/ports/provider';
import { sqsHandler } from '../../functions/handlers/lib/sqs';

const record = (id: string, body: unknown, receiveCount = 1): SQSRecord => ({
  messageId: id,
  receiptHandle: `rh-${id}`,
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
  awsRegion: 'us-east-1',
});
const ctx = { functionName: 'w', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

describe('sqsHandler', () => {
  it('reports only its own failed records, even with invocations running at the same time', async () => {
    const delayed: Array<[string, number]> = [];
    const h = sqsHandler({
      schema: z.object({ n: z.number(), fail: z.boolean().optional() }),
      handle: async (b) => {
        await new Promise((r) => setTimeout(r, 5 * b.n));
        if (b.fail) throw new ProviderError('acme', { kind: 'rate_limited', retryAfterSeconds: 90, message: 'slow down' });
      },
      delay: async (r, s) => void delayed.push([r.messageId, s]),
    });
    const a: SQSEvent = { Records: [record('a1', { n: 3, fail: true }), record('a2', { n: 1 })] };
    const b: SQSEvent = { Records: [record('b1', { n: 2 }), record('b2', { n: 4 })] };
    const [ra, rb] = await Promise.all([h(a, ctx), h(b, ctx)]);
    expect(ra.batchItemFailures).toEqual([{ itemIdentifier: 'a1' }]);
    expect(rb.batchItemFailures).toEqual([]);
    expect(delayed).toEqual([['a1', 90]]);
  });

  it('drops a message whose body does not match its schema instead of retrying it forever', async () => {
    const h = sqsHandler({ schema: z.object({ n: z.number() }), handle: async () => undefined, delay: async () => undefined });
    const out = await h({ Records: [record('x', { n: 'not a number' })] }, ctx);
    expect(out.batchItemFailures).toEqual([]);
  });
});
