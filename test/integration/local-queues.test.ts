/**
 * The local queues behave as SQS with Lambda's event source mapping: visibility timeout, receive
 * count and dead-letter queue, per-message delay, batches and batching window, concurrency,
 * partial batch responses, ChangeMessageVisibility and drain.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { InvokeOutcome } from '../../local/lambda';
import { QueueEngine, type QueueSpec } from '../../local/queues/engine';

type Consumer = (event: SQSEvent) => Promise<unknown> | unknown;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wraps a plain function into what the engine invokes, recording every batch. */
const consumer = (fn: Consumer) => {
  const batches: SQSRecord[][] = [];
  const invoke = async (event: SQSEvent): Promise<InvokeOutcome> => {
    batches.push(event.Records);
    const started = Date.now();
    try {
      return { ok: true, value: await fn(event), durationMs: Date.now() - started };
    } catch (error) {
      return { ok: false, error, timedOut: false, durationMs: Date.now() - started };
    }
  };
  return { invoke, batches };
};

const engines: QueueEngine[] = [];

/** A fresh engine with `work` (consumed) and `work-dlq`. */
const setup = (
  fn: Consumer,
  opts: Partial<Pick<QueueSpec, 'visibilityTimeoutSeconds'>> & { batchSize?: number; windowSeconds?: number; concurrency?: number; maxReceiveCount?: number } = {},
) => {
  const engine = new QueueEngine({ region: 'us-east-1', accountId: '000000000000', baseUrl: 'http://127.0.0.1:1' });
  engines.push(engine);
  const c = consumer(fn);
  engine.create({ name: 'work-dlq', visibilityTimeoutSeconds: 30 });
  engine.create({
    name: 'work',
    visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? 30,
    redrive: { deadLetterQueue: 'work-dlq', maxReceiveCount: opts.maxReceiveCount ?? 3 },
    consumer: {
      functionName: 'reach-local-worker',
      batchSize: opts.batchSize ?? 10,
      maxBatchingWindowSeconds: opts.windowSeconds ?? 0,
      maxConcurrency: opts.concurrency ?? 5,
      invoke: c.invoke,
    },
  });
  return { engine, ...c };
};

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

describe('local queues', () => {
  it('hands the consumer the real SQS event shape', async () => {
    const { engine, batches } = setup(() => undefined);
    const sent = engine.send('work', {
      body: '{"connectionId":"c1"}',
      messageAttributes: { kind: { dataType: 'String', stringValue: 'sync' } },
    });
    await engine.drain(2000);
    const r = batches[0]![0]!;
    expect(r).toMatchObject({
      messageId: sent.messageId,
      body: '{"connectionId":"c1"}',
      md5OfBody: sent.md5OfBody,
      md5OfMessageAttributes: sent.md5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
      awsRegion: 'us-east-1',
      messageAttributes: { kind: { dataType: 'String', stringValue: 'sync', stringListValues: [], binaryListValues: [] } },
    });
    expect(r.receiptHandle).toMatch(/^AQEB/);
    expect(r.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(r.attributes.SentTimestamp)).toBeLessThanOrEqual(Number(r.attributes.ApproximateFirstReceiveTimestamp));
    expect(r.attributes.SenderId).toMatch(/^[A-Z0-9]+$/);
    // The MD5 SQS reports for the body is the MD5 of its UTF-8 bytes (the SDK verifies it).
    expect(sent.md5OfBody).toBe(require('node:crypto').createHash('md5').update('{"connectionId":"c1"}').digest('hex'));
    expect(engine.stats()['work']).toMatchObject({ sent: 1, received: 1, deleted: 1, visible: 0, inFlight: 0, delayed: 0, invocations: 1 });
  });

  it('delivers in batches of batchSize, never more than maxConcurrency at once', async () => {
    let running = 0;
    let peak = 0;
    const { engine, batches } = setup(
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(10);
        running -= 1;
      },
      { batchSize: 10, concurrency: 2 },
    );
    for (let i = 0; i < 45; i++) engine.send('work', { body: String(i) });
    await engine.drain(5000);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 10, 10, 5]);
    expect(peak).toBe(2);
    expect(batches.flat().map((r) => r.body).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 45 }, (_, i) => String(i)));
  });

  it('waits up to the batching window for a full batch, then sends what it has', async () => {
    const { engine, batches } = setup(() => undefined, { batchSize: 10, windowSeconds: 0.4 });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) engine.send('work', { body: String(i) });
    await sleep(100);
    expect(batches).toHaveLength(0);
    await engine.drain(2000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    expect(batches.map((b) => b.length)).toEqual([3]);

    // A full batch does not wait for the window.
    const t1 = Date.now();
    for (let i = 0; i < 10; i++) engine.send('work', { body: String(i) });
    await engine.drain(2000);
    expect(Date.now() - t1).toBeLessThan(300);
  });

  it('holds a delayed message until its DelaySeconds have passed', async () => {
    const seen: number[] = [];
    const { engine } = setup(() => void seen.push(Date.now()));
    const t0 = Date.now();
    engine.send('work', { body: 'later', delaySeconds: 0.25 });
    expect(engine.stats()['work']).toMatchObject({ delayed: 1, visible: 0 });
    await sleep(150);
    expect(seen).toHaveLength(0);
    await engine.drain(2000);
    expect(seen[0]! - t0).toBeGreaterThanOrEqual(245);
    expect(() => engine.send('work', { body: 'x', delaySeconds: 901 })).toThrow(/DelaySeconds/);
  });

  it('returns a failed message after the visibility timeout, counting receives, then moves it to the DLQ', async () => {
    const receives: string[] = [];
    const { engine } = setup(
      (event) => {
        receives.push(event.Records[0]!.attributes.ApproximateReceiveCount);
        throw new Error('transient');
      },
      { visibilityTimeoutSeconds: 0.1, maxReceiveCount: 3 },
    );
    const t0 = Date.now();
    const sent = engine.send('work', { body: 'poison' });
    await sleep(30);
    expect(engine.stats()['work']).toMatchObject({ inFlight: 1, visible: 0 });
    await engine.drain(3000);
    // Three receives 100 ms apart; the fourth attempt moves it instead of delivering it.
    expect(receives).toEqual(['1', '2', '3']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    const dlq = engine.peek('work-dlq');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({ messageId: sent.messageId, body: 'poison', deadLetterSourceQueue: 'work' });
    expect(engine.stats()['work']).toMatchObject({ movedToDeadLetterQueue: 1, failedInvocations: 3, visible: 0, inFlight: 0 });
    expect(engine.stats()['work-dlq']).toMatchObject({ visible: 1 });
  });

  it('returns only the messages a partial batch response names', async () => {
    const { engine, batches } = setup(
      (event) => ({ batchItemFailures: event.Records.filter((r) => r.body === 'bad' && r.attributes.ApproximateReceiveCount === '1').map((r) => ({ itemIdentifier: r.messageId })) }),
      { visibilityTimeoutSeconds: 0.05 },
    );
    for (const body of ['ok-1', 'bad', 'ok-2']) engine.send('work', { body });
    await engine.drain(2000);
    expect(batches.map((b) => b.map((r) => r.body))).toEqual([['ok-1', 'bad', 'ok-2'], ['bad']]);
    expect(batches[1]![0]!.attributes.ApproximateReceiveCount).toBe('2');
    expect(engine.stats()['work']).toMatchObject({ partialBatchFailures: 1, deleted: 3 });
  });

  it('returns the whole batch when the handler throws or names an unknown message', async () => {
    let calls = 0;
    const { engine, batches } = setup(
      () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
        return { batchItemFailures: [] };
      },
      { visibilityTimeoutSeconds: 0.05 },
    );
    engine.send('work', { body: 'a' });
    engine.send('work', { body: 'b' });
    await engine.drain(2000);
    expect(batches.map((b) => b.map((r) => r.body).sort())).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(batches[2]!.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['3', '3']);
  });

  it('honours ChangeMessageVisibility by receipt handle: 0 returns at once, more extends', async () => {
    const times: number[] = [];
    let engineRef: QueueEngine | undefined;
    const { engine } = setup(
      (event) => {
        times.push(Date.now());
        const r = event.Records[0]!;
        if (r.attributes.ApproximateReceiveCount === '1') {
          // Rate-limited: come back now (as if Retry-After were 0)…
          engineRef!.changeVisibility('work', r.receiptHandle, 0);
          throw new Error('rate limited');
        }
        if (r.attributes.ApproximateReceiveCount === '2') {
          // …then wait longer than the queue's own visibility timeout.
          engineRef!.changeVisibility('work', r.receiptHandle, 0.3);
          throw new Error('rate limited again');
        }
        return undefined;
      },
      { visibilityTimeoutSeconds: 60 },
    );
    engineRef = engine;
    engine.send('work', { body: 'x' });
    await engine.drain(3000);
    expect(times).toHaveLength(3);
    // Without the change the message would wait out the queue's 60 s visibility timeout.
    expect(times[1]! - times[0]!).toBeLessThan(1000);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(290);
  });

  it('refuses bad receipt handles and handles of messages no longer in flight', async () => {
    const engine = new QueueEngine({ region: 'us-east-1', accountId: '000000000000' });
    engines.push(engine);
    engine.create({ name: 'plain', visibilityTimeoutSeconds: 0.05 });
    engine.send('plain', { body: 'm' });
    const [m] = await engine.receive('plain', 1);
    expect(() => engine.changeVisibility('plain', 'garbage', 10)).toThrow(/not a valid receipt handle/);
    await sleep(80);
    expect(() => engine.changeVisibility('plain', m!.receiptHandle, 10)).toThrow(/not in flight/);
    // A superseded handle does not delete the message (it is received again with a new handle).
    const [again] = await engine.receive('plain', 1);
    expect(again!.attributes['ApproximateReceiveCount']).toBe('2');
    expect(engine.delete('plain', m!.receiptHandle)).toBe(false);
    expect(engine.delete('plain', again!.receiptHandle)).toBe(true);
    expect(engine.stats()['plain']).toMatchObject({ visible: 0, inFlight: 0, deleted: 1 });
  });

  it('purges a queue', async () => {
    const engine = new QueueEngine({ region: 'us-east-1', accountId: '000000000000' });
    engines.push(engine);
    engine.create({ name: 'plain', visibilityTimeoutSeconds: 30 });
    engine.send('plain', { body: 'a' });
    engine.send('plain', { body: 'b', delaySeconds: 5 });
    await engine.receive('plain', 1);
    engine.purge('plain');
    expect(engine.stats()['plain']).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('moves 1,000 messages through in well under a second of queue overhead', async () => {
    let handled = 0;
    const { engine, batches } = setup(
      (event) => {
        handled += event.Records.length;
      },
      { batchSize: 10, windowSeconds: 1, concurrency: 20 },
    );
    const t0 = Date.now();
    for (let i = 0; i < 1000; i++) engine.send('work', { body: `{"n":${i}}` });
    await engine.drain(5000);
    const elapsed = Date.now() - t0;
    expect(handled).toBe(1000);
    expect(batches).toHaveLength(100);
    expect(elapsed).toBeLessThan(500);
  });

  it('drain rejects, naming what is pending, when work cannot finish in time', async () => {
    const { engine } = setup(() => {
      throw new Error('never');
    }, { visibilityTimeoutSeconds: 60 });
    engine.send('work', { body: 'stuck' });
    await expect(engine.drain(150)).rejects.toThrow(/work: 0 visible, 1 in flight/);
  });
});
