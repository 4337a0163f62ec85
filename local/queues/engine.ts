/**
 * Queues with SQS semantics and Lambda's SQS event source mapping, in process.
 *
 * Each message is `delayed`, `visible` or `inflight`. Every time-based change (a delay ending, a
 * visibility timeout expiring, a batching window closing) is a timer at its exact due instant,
 * never a poll, so a burst of messages flows through with no queue overhead beyond the handlers.
 * Semantics follow the SQS developer guide:
 * - visibility timeout: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 * - dead-letter queues (a receive past `maxReceiveCount` moves the message): https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 * - Lambda's batching, concurrency and partial batch responses: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { sqsError } from '../aws/errors';
import type { InvokeOutcome } from '../lambda';
import { describeError, silentLog, type LocalLog } from '../log';
import { MinHeap } from './heap';
import { md5OfAttributes, md5OfBody, type AttributeValue } from './md5';

export type { AttributeValue } from './md5';

/** The function an event source mapping feeds, with Lambda's polling settings. */
export interface ConsumerSpec {
  readonly functionName: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly maxConcurrency: number;
  readonly invoke: (event: SQSEvent) => Promise<InvokeOutcome>;
}

export interface QueueSpec {
  readonly name: string;
  /** Seconds; fractions are allowed locally so that tests need not wait whole seconds. */
  readonly visibilityTimeoutSeconds: number;
  readonly delaySeconds?: number;
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
  readonly consumer?: ConsumerSpec;
}

export interface SendInput {
  readonly body: string;
  readonly delaySeconds?: number;
  readonly messageAttributes?: Readonly<Record<string, AttributeValue>>;
}

export interface SentMessage {
  readonly messageId: string;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
}

/** A message as ReceiveMessage returns it. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, AttributeValue>>;
}

/** A message as `peek` shows it (for inspecting a dead-letter queue). */
export interface PeekedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly state: MessageState;
  readonly receiveCount: number;
  readonly sentAt: string;
  readonly deadLetterSourceQueue?: string;
}

export interface QueueStats {
  readonly name: string;
  readonly url: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly sent: number;
  readonly received: number;
  readonly deleted: number;
  readonly movedToDeadLetterQueue: number;
  readonly deadLetterQueue?: string;
  readonly consumer?: string;
  readonly activeInvocations: number;
  readonly invocations: number;
  readonly failedInvocations: number;
  readonly partialBatchFailures: number;
}

type MessageState = 'delayed' | 'visible' | 'inflight';

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes: string | undefined;
  readonly messageAttributes: Readonly<Record<string, AttributeValue>>;
  readonly sentTimestamp: number;
  readonly deadLetterSourceArn: string | undefined;
  firstReceiveTimestamp: number | undefined;
  receiveCount: number;
  state: MessageState;
  receiptHandle: string | undefined;
  /** Bumped on every state change: timer and ready entries holding an older value are stale. */
  gen: number;
  readonly handles: string[];
}

interface Entry {
  readonly at: number;
  readonly msg: StoredMessage;
  readonly gen: number;
}

export interface EngineOptions {
  readonly region: string;
  readonly accountId: string;
  /** Base of queue URLs (`http://127.0.0.1:<port>`); may be set once the endpoint listens. */
  baseUrl?: string;
  readonly log?: LocalLog;
  /** Multiplies batching windows (0 dispatches partial batches at once: tests, benchmarks). */
  readonly batchingWindowScale?: number;
}

const HANDLE_PREFIX = 'AQEBlocal';
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;
const SENDER_ID = 'AIDAIENQZJOLO23YVJ4VO';

const batchResponse = z.object({
  batchItemFailures: z.array(z.object({ itemIdentifier: z.string().min(1) })).nullish(),
});

const systemAttributes = (msg: StoredMessage): SQSRecord['attributes'] & Record<string, string> => ({
  ApproximateReceiveCount: String(msg.receiveCount),
  SentTimestamp: String(msg.sentTimestamp),
  SenderId: SENDER_ID,
  ApproximateFirstReceiveTimestamp: String(msg.firstReceiveTimestamp ?? Date.now()),
  ...(msg.deadLetterSourceArn !== undefined && { DeadLetterQueueSourceArn: msg.deadLetterSourceArn }),
});

/** One queue: its messages, its timers and (for consumer queues) its event source mapping. */
class LocalQueue {
  readonly messages = new Map<string, StoredMessage>();
  private readonly ready: Entry[] = [];
  private readyHead = 0;
  private readonly timers = new MinHeap<Entry>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private windowTimer: NodeJS.Timeout | undefined;
  private windowClosed = false;
  private readonly handles = new Map<string, StoredMessage>();
  private readonly waiters = new Set<() => void>();
  counts = { visible: 0, inflight: 0, delayed: 0 };
  totals = { sent: 0, received: 0, deleted: 0, movedToDeadLetterQueue: 0, invocations: 0, failedInvocations: 0, partialBatchFailures: 0 };
  active = 0;
  readonly running = new Set<Promise<void>>();

  constructor(
    readonly spec: QueueSpec,
    readonly arn: string,
    private readonly engine: QueueEngine,
  ) {}

  private setState(msg: StoredMessage, state: MessageState | 'gone'): void {
    this.counts[msg.state] -= 1;
    msg.gen += 1;
    if (state === 'gone') {
      this.messages.delete(msg.id);
      for (const h of msg.handles) this.handles.delete(h);
      return;
    }
    msg.state = state;
    this.counts[state] += 1;
  }

  private makeVisible(msg: StoredMessage): void {
    this.setState(msg, 'visible');
    msg.receiptHandle = undefined;
    this.ready.push({ at: 0, msg, gen: msg.gen });
    for (const wake of this.waiters) wake();
    this.engine.schedulePump(this);
  }

  private scheduleAt(msg: StoredMessage, at: number): void {
    this.timers.push({ at, msg, gen: msg.gen });
    this.armTimer();
  }

  private isLive(e: Entry): boolean {
    return e.gen === e.msg.gen && this.messages.get(e.msg.id) === e.msg;
  }

  private armTimer(): void {
    while (this.timers.size > 0 && !this.isLive(this.timers.peek()!)) this.timers.pop();
    const next = this.timers.peek();
    if (!next) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (this.timer && this.timerAt <= next.at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, next.at - Date.now()));
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    while (this.timers.size > 0 && this.timers.peek()!.at <= now) {
      const e = this.timers.pop()!;
      if (this.isLive(e)) this.makeVisible(e.msg);
    }
    this.armTimer();
  }

  send(input: SendInput, deadLetterSourceArn?: string, keepId?: { id: string; sentTimestamp: number }): SentMessage {
    const delay = input.delaySeconds ?? this.spec.delaySeconds ?? 0;
    if (!Number.isFinite(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) {
      throw sqsError('InvalidParameterValue', `Value ${delay} for parameter DelaySeconds is invalid. Reason: must be >= 0 and <= ${MAX_DELAY_SECONDS}.`);
    }
    const attrs = input.messageAttributes ?? {};
    const msg: StoredMessage = {
      id: keepId?.id ?? randomUUID(),
      body: input.body,
      md5OfBody: md5OfBody(input.body),
      md5OfMessageAttributes: md5OfAttributes(attrs),
      messageAttributes: attrs,
      sentTimestamp: keepId?.sentTimestamp ?? Date.now(),
      deadLetterSourceArn,
      firstReceiveTimestamp: undefined,
      receiveCount: 0,
      state: 'delayed',
      receiptHandle: undefined,
      gen: 0,
      handles: [],
    };
    this.messages.set(msg.id, msg);
    this.counts.delayed += 1;
    this.totals.sent += 1;
    if (delay > 0) this.scheduleAt(msg, Date.now() + delay * 1000);
    else this.makeVisible(msg);
    return {
      messageId: msg.id,
      md5OfBody: msg.md5OfBody,
      ...(msg.md5OfMessageAttributes !== undefined && { md5OfMessageAttributes: msg.md5OfMessageAttributes }),
    };
  }

  /** Takes up to `max` visible messages, moving those past `maxReceiveCount` to the DLQ. */
  receive(max: number, visibilitySeconds = this.spec.visibilityTimeoutSeconds): StoredMessage[] {
    const out: StoredMessage[] = [];
    const now = Date.now();
    while (out.length < max && this.readyHead < this.ready.length) {
      const e = this.ready[this.readyHead]!;
      this.readyHead += 1;
      if (!this.isLive(e)) continue;
      const msg = e.msg;
      const redrive = this.spec.redrive;
      if (redrive && msg.receiveCount >= redrive.maxReceiveCount) {
        this.moveToDeadLetterQueue(msg, redrive.deadLetterQueue);
        continue;
      }
      this.setState(msg, 'inflight');
      msg.receiveCount += 1;
      msg.firstReceiveTimestamp ??= now;
      const handle = `${HANDLE_PREFIX}${randomBytes(24).toString('base64url')}`;
      msg.receiptHandle = handle;
      msg.handles.push(handle);
      this.handles.set(handle, msg);
      this.totals.received += 1;
      this.scheduleAt(msg, now + visibilitySeconds * 1000);
      out.push(msg);
    }
    // Compact the ready list once its consumed head dominates it.
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready.splice(0, this.readyHead);
      this.readyHead = 0;
    }
    return out;
  }

  private moveToDeadLetterQueue(msg: StoredMessage, dlqName: string): void {
    this.setState(msg, 'gone');
    this.totals.movedToDeadLetterQueue += 1;
    const dlq = this.engine.queue(dlqName);
    dlq.send({ body: msg.body, messageAttributes: msg.messageAttributes }, this.arn, { id: msg.id, sentTimestamp: msg.sentTimestamp });
    this.engine.log.warn(`message ${msg.id} moved from ${this.spec.name} to ${dlqName} after ${msg.receiveCount} receives`);
  }

  private byHandle(handle: string): StoredMessage | undefined {
    if (!handle.startsWith(HANDLE_PREFIX)) throw sqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
    return this.handles.get(handle);
  }

  /** Deletes by receipt handle; a superseded handle succeeds without deleting, as in SQS. */
  delete(handle: string): boolean {
    const msg = this.byHandle(handle);
    if (!msg || msg.receiptHandle !== handle || msg.state !== 'inflight') return false;
    this.setState(msg, 'gone');
    this.totals.deleted += 1;
    this.armTimer();
    this.engine.checkIdle();
    return true;
  }

  changeVisibility(handle: string, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) {
      throw sqsError('InvalidParameterValue', `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: must be >= 0 and <= ${MAX_VISIBILITY_SECONDS}.`);
    }
    const msg = this.byHandle(handle);
    if (!msg) throw sqsError('ReceiptHandleIsInvalid', 'The receipt handle has expired or does not exist.');
    if (msg.state !== 'inflight' || msg.receiptHandle !== handle) {
      throw sqsError('MessageNotInflight', 'The message referred to is not in flight.', 'AWS.SimpleQueueService.MessageNotInflight');
    }
    if (seconds === 0) {
      this.makeVisible(msg);
      return;
    }
    msg.gen += 1;
    this.scheduleAt(msg, Date.now() + seconds * 1000);
  }

  purge(): void {
    for (const msg of [...this.messages.values()]) this.setState(msg, 'gone');
    this.ready.length = 0;
    this.readyHead = 0;
    this.timers.clear();
    this.armTimer();
    this.engine.checkIdle();
  }

  /** Resolves when a message turns visible or after `ms`. */
  waitForVisible(ms: number): Promise<void> {
    if (this.counts.visible > 0 || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.waiters.add(done);
    });
  }

  /** Starts as many batches as concurrency and the batching window allow. */
  pump(): void {
    const consumer = this.spec.consumer;
    if (!consumer || this.engine.closed) return;
    const windowMs = consumer.maxBatchingWindowSeconds * 1000 * this.engine.batchingWindowScale;
    while (this.active < consumer.maxConcurrency && this.counts.visible > 0) {
      if (this.counts.visible < consumer.batchSize && windowMs > 0 && !this.windowClosed) {
        // Lambda waits up to the batching window for a full batch.
        this.windowTimer ??= setTimeout(() => {
          this.windowTimer = undefined;
          this.windowClosed = true;
          this.pump();
        }, windowMs);
        this.windowTimer.unref();
        return;
      }
      const batch = this.receive(consumer.batchSize);
      if (batch.length === 0) continue;
      if (batch.length < consumer.batchSize) this.windowClosed = false;
      if (this.windowTimer && this.counts.visible === 0) {
        clearTimeout(this.windowTimer);
        this.windowTimer = undefined;
      }
      this.active += 1;
      const run = this.runBatch(consumer, batch).finally(() => {
        this.active -= 1;
        this.running.delete(run);
        this.engine.schedulePump(this);
        this.engine.checkIdle();
      });
      this.running.add(run);
    }
    if (this.counts.visible === 0) this.windowClosed = false;
  }

  private record(msg: StoredMessage): SQSRecord {
    const messageAttributes: SQSMessageAttributes = {};
    for (const [name, a] of Object.entries(msg.messageAttributes)) {
      messageAttributes[name] = {
        dataType: a.dataType,
        ...(a.stringValue !== undefined && { stringValue: a.stringValue }),
        ...(a.binaryValue !== undefined && { binaryValue: a.binaryValue.toString('base64') }),
        stringListValues: [],
        binaryListValues: [],
      };
    }
    return {
      messageId: msg.id,
      receiptHandle: msg.receiptHandle ?? '',
      body: msg.body,
      attributes: systemAttributes(msg),
      messageAttributes,
      md5OfBody: msg.md5OfBody,
      ...(msg.md5OfMessageAttributes !== undefined && { md5OfMessageAttributes: msg.md5OfMessageAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.engine.region,
    };
  }

  private async runBatch(consumer: ConsumerSpec, batch: StoredMessage[]): Promise<void> {
    const records = batch.map((m) => this.record(m));
    this.totals.invocations += 1;
    const outcome = await consumer.invoke({ Records: records });
    const failed = this.failedIds(outcome, records);
    if (failed === 'all') {
      this.totals.failedInvocations += 1;
      // Nothing is deleted: every message returns when its visibility timeout ends.
      return;
    }
    if (failed.size > 0) this.totals.partialBatchFailures += 1;
    for (const r of records) if (!failed.has(r.messageId)) this.delete(r.receiptHandle);
  }

  /** Lambda's reading of a batch result: which messages stay on the queue. */
  private failedIds(outcome: InvokeOutcome, records: readonly SQSRecord[]): Set<string> | 'all' {
    const name = this.spec.consumer?.functionName ?? '';
    if (!outcome.ok) {
      const why = outcome.timedOut ? 'timed out' : describeError(outcome.error);
      this.engine.log.warn(`${name} failed a batch of ${records.length} from ${this.spec.name}: ${why}`);
      return 'all';
    }
    const value = outcome.value;
    if (value === undefined || value === null) return new Set();
    const parsed = batchResponse.safeParse(value);
    if (!parsed.success) {
      this.engine.log.warn(`${name} returned a malformed batch response; the whole batch of ${records.length} returns to ${this.spec.name}`);
      return 'all';
    }
    const ids = new Set(records.map((r) => r.messageId));
    const failed = new Set<string>();
    for (const f of parsed.data.batchItemFailures ?? []) {
      if (!ids.has(f.itemIdentifier)) {
        this.engine.log.warn(`${name} reported an unknown itemIdentifier; the whole batch returns to ${this.spec.name}`);
        return 'all';
      }
      failed.add(f.itemIdentifier);
    }
    return failed;
  }

  peek(): PeekedMessage[] {
    return [...this.messages.values()].map((m) => ({
      messageId: m.id,
      body: m.body,
      state: m.state,
      receiveCount: m.receiveCount,
      sentAt: new Date(m.sentTimestamp).toISOString(),
      ...(m.deadLetterSourceArn !== undefined && { deadLetterSourceQueue: m.deadLetterSourceArn.split(':').pop() ?? '' }),
    }));
  }

  toReceived(msg: StoredMessage): ReceivedMessage {
    return {
      messageId: msg.id,
      receiptHandle: msg.receiptHandle ?? '',
      body: msg.body,
      md5OfBody: msg.md5OfBody,
      ...(msg.md5OfMessageAttributes !== undefined && { md5OfMessageAttributes: msg.md5OfMessageAttributes }),
      attributes: systemAttributes(msg),
      messageAttributes: msg.messageAttributes,
    };
  }

  idle(): boolean {
    return this.messages.size === 0 && this.active === 0;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.timer = undefined;
    this.windowTimer = undefined;
    for (const wake of this.waiters) wake();
  }
}

/** All local queues, addressed by name or URL. */
export class QueueEngine {
  private readonly queues = new Map<string, LocalQueue>();
  private readonly pumpQueue = new Set<LocalQueue>();
  private pumpScheduled = false;
  private readonly drains = new Set<{ resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  closed = false;
  readonly region: string;
  readonly accountId: string;
  readonly log: LocalLog;
  readonly batchingWindowScale: number;
  private baseUrl: string;

  constructor(options: EngineOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.log = options.log ?? silentLog;
    this.batchingWindowScale = options.batchingWindowScale ?? 1;
    this.baseUrl = options.baseUrl ?? 'http://127.0.0.1';
  }

  /** Sets the base of queue URLs once the AWS endpoint listens. */
  setBaseUrl(url: string): void {
    this.baseUrl = url.replace(/\/$/, '');
  }

  /** Creates a queue; a redrive target must exist first. */
  create(spec: QueueSpec): void {
    if (this.queues.has(spec.name)) throw new Error(`queue ${spec.name} exists`);
    if (spec.redrive && !this.queues.has(spec.redrive.deadLetterQueue)) {
      throw new Error(`dead-letter queue ${spec.redrive.deadLetterQueue} of ${spec.name} does not exist`);
    }
    this.queues.set(spec.name, new LocalQueue(spec, `arn:aws:sqs:${this.region}:${this.accountId}:${spec.name}`, this));
  }

  /** Names of every queue, dead-letter queues included. */
  names(): string[] {
    return [...this.queues.keys()];
  }

  /** The queue URL SQS clients use: `<endpoint>/<account>/<name>`. */
  url(name: string): string {
    return `${this.baseUrl}/${this.accountId}/${name}`;
  }

  /** The queue's ARN (the `eventSourceARN` of its records). */
  arn(name: string): string {
    return this.queue(name).arn;
  }

  /** The queue a name or URL refers to, or SQS's QueueDoesNotExist. */
  queue(nameOrUrl: string): LocalQueue {
    const name = nameOrUrl.includes('/') ? (nameOrUrl.split('/').filter(Boolean).pop() ?? '') : nameOrUrl;
    const q = this.queues.get(name);
    if (!q) throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
    return q;
  }

  /** How a queue was created. */
  spec(nameOrUrl: string): QueueSpec {
    return this.queue(nameOrUrl).spec;
  }

  /** Sends one message (what SendMessage does). */
  send(nameOrUrl: string, input: SendInput): SentMessage {
    if (this.closed) throw sqsError('ServiceUnavailable', 'The local queues are stopped.');
    return this.queue(nameOrUrl).send(input);
  }

  /** Receives up to `max` (1–10) messages, waiting up to `waitSeconds` for one (long polling). */
  async receive(nameOrUrl: string, max = 1, options: { visibilityTimeoutSeconds?: number; waitSeconds?: number } = {}): Promise<ReceivedMessage[]> {
    const q = this.queue(nameOrUrl);
    await q.waitForVisible((options.waitSeconds ?? 0) * 1000);
    return q.receive(max, options.visibilityTimeoutSeconds ?? q.spec.visibilityTimeoutSeconds).map((m) => q.toReceived(m));
  }

  /** Deletes a received message; false when the handle was superseded or already used. */
  delete(nameOrUrl: string, receiptHandle: string): boolean {
    return this.queue(nameOrUrl).delete(receiptHandle);
  }

  /** ChangeMessageVisibility: the in-flight message returns `seconds` from now (0: at once). */
  changeVisibility(nameOrUrl: string, receiptHandle: string, seconds: number): void {
    this.queue(nameOrUrl).changeVisibility(receiptHandle, seconds);
  }

  /** PurgeQueue: drops every message, in flight or delayed ones too. */
  purge(nameOrUrl: string): void {
    this.queue(nameOrUrl).purge();
  }

  /** The messages a queue holds right now (inspect a DLQ). */
  peek(nameOrUrl: string): PeekedMessage[] {
    return this.queue(nameOrUrl).peek();
  }

  /** Counters of every queue, by name. */
  stats(): Record<string, QueueStats> {
    const out: Record<string, QueueStats> = {};
    for (const q of this.queues.values()) out[q.spec.name] = this.statsOf(q);
    return out;
  }

  private statsOf(q: LocalQueue): QueueStats {
    return {
      name: q.spec.name,
      url: this.url(q.spec.name),
      visible: q.counts.visible,
      inFlight: q.counts.inflight,
      delayed: q.counts.delayed,
      ...q.totals,
      ...(q.spec.redrive && { deadLetterQueue: q.spec.redrive.deadLetterQueue }),
      ...(q.spec.consumer && { consumer: q.spec.consumer.functionName }),
      activeInvocations: q.active,
    };
  }

  /** Asks for a dispatch pass on `q`; passes coalesce into one per turn of the event loop (sends arrive in bursts). */
  schedulePump(q: LocalQueue): void {
    if (!q.spec.consumer || this.closed) return;
    this.pumpQueue.add(q);
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      const list = [...this.pumpQueue];
      this.pumpQueue.clear();
      for (const x of list) x.pump();
      this.checkIdle();
    });
  }

  private isIdle(): boolean {
    if (this.pumpScheduled) return false;
    for (const q of this.queues.values()) if (q.spec.consumer && !q.idle()) return false;
    return true;
  }

  /** Settles `drain()` callers once nothing is queued, delayed, in flight or running. */
  checkIdle(): void {
    if (this.drains.size === 0 || !this.isIdle()) return;
    for (const d of this.drains) {
      clearTimeout(d.timer);
      d.resolve();
    }
    this.drains.clear();
  }

  /**
   * Resolves when every consumer queue is empty and no invocation runs (dead-letter queues may
   * hold messages). Rejects after `timeoutMs` with what is still pending.
   */
  drain(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.drains.delete(entry);
          const busy = Object.values(this.stats()).filter((s) => s.consumer && (s.visible + s.inFlight + s.delayed + s.activeInvocations > 0));
          const what = busy.map((s) => `${s.name}: ${s.visible} visible, ${s.inFlight} in flight, ${s.delayed} delayed, ${s.activeInvocations} running`);
          reject(new Error(`queues did not drain within ${timeoutMs} ms (${what.join('; ')})`));
        }, timeoutMs),
      };
      entry.timer.unref();
      this.drains.add(entry);
      setImmediate(() => this.checkIdle());
    });
  }

  /** Stops timers and dispatch; waits up to `graceMs` for running invocations. */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    for (const q of this.queues.values()) q.stop();
    for (const d of this.drains) {
      clearTimeout(d.timer);
      d.reject(new Error('the local queues were stopped'));
    }
    this.drains.clear();
    const running = [...this.queues.values()].flatMap((q) => [...q.running]);
    if (running.length === 0) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(running), new Promise((r) => (t = setTimeout(r, graceMs)))]);
    if (t) clearTimeout(t);
  }
}
