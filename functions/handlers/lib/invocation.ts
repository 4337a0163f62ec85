/**
 * What belongs to one invocation (and, inside it, to one SQS record): the correlation id that ties
 * its log lines and the messages it queues to the API request or schedule run that caused them, the
 * extra keys every log line carries, and the metrics recorded so far.
 *
 * Kept in AsyncLocalStorage, never in module state: the local runtime runs many invocations of one
 * module at once, and Powertools' BatchProcessor runs the records of a batch concurrently, so a
 * module-level `logger.appendKeys` would hand one request's id to another's lines.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MetricBuffer } from './metric-buffer';

export interface Invocation {
  readonly correlationId: string;
  /** Lambda's request id (Powertools keeps only the latest invocation's context, globally). */
  readonly requestId?: string;
  /** Keys added to every log line of the scope: the route, the SQS message id, the schedule. */
  readonly keys: Readonly<Record<string, string>>;
  /** Metrics recorded during the invocation, published when it ends. */
  readonly metrics: MetricBuffer;
}

const storage = new AsyncLocalStorage<Invocation>();

/** The invocation the caller runs in, if any. */
export const currentInvocation = (): Invocation | undefined => storage.getStore();

/** The correlation id of the current invocation or record (what queued messages carry on). */
export const currentCorrelationId = (): string | undefined => storage.getStore()?.correlationId;

/** Runs `fn` as an invocation: everything it awaits sees `invocation`, nothing else does. */
export const runInvocation = <T>(invocation: Invocation, fn: () => Promise<T>): Promise<T> => storage.run(invocation, fn);

/**
 * Runs `fn` as one part of the current invocation (one SQS record): its own correlation id and
 * keys, the invocation's metrics. Must be called inside an invocation.
 */
export const runPart = <T>(part: { readonly correlationId: string; readonly keys: Readonly<Record<string, string>> }, fn: () => Promise<T>): Promise<T> => {
  const parent = storage.getStore();
  if (!parent) throw new Error('runPart called outside an invocation');
  return storage.run({ ...parent, correlationId: part.correlationId, keys: { ...parent.keys, ...part.keys } }, fn);
};

/** Ids we accept from outside (a header, a message attribute): short, and nothing that could forge a log field. */
const SAFE_ID = /^[\w.:=+/-]{1,64}$/;

/** `value` when it is a safe correlation id, else undefined. */
export const safeCorrelationId = (value: unknown): string | undefined =>
  typeof value === 'string' && SAFE_ID.test(value) ? value : undefined;
