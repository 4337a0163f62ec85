/**
 * SQS consumers: Powertools' BatchProcessor runs the records of a batch concurrently and reports
 * only the failed ones back (ReportBatchItemFailures). The error decides a failed record's fate:
 * a platform rate limit hides the message until the platform's reset (it does not burn a retry
 * faster than needed), a transient failure backs off exponentially with jitter, anything else is
 * retried at the queue's visibility timeout until the DLQ takes it.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { ProviderError } from '../../core/ports/provider';
import { CORRELATION_ATTRIBUTE } from '../../adapters/sqs/work-queue';
import { runPart, safeCorrelationId } from './invocation';
import { logger, observedHandler } from './observability';

/** Thrown by a record handler that wants its message back after a given delay. */
export class RetryLaterError extends Error {
  constructor(
    readonly seconds: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryLaterError';
  }
}

/** The delay before a failed record is tried again, or undefined for the queue's default. */
export const retryDelaySeconds = (err: unknown, receiveCount: number, random: () => number = Math.random): number | undefined => {
  if (err instanceof RetryLaterError) return err.seconds;
  if (err instanceof ProviderError) {
    if (err.failure.kind === 'rate_limited') return Math.min(43_200, err.failure.retryAfterSeconds ?? 60);
    if (err.failure.kind === 'transient') {
      const base = Math.min(900, 5 * 2 ** Math.max(0, receiveCount - 1));
      return Math.round(base / 2 + random() * (base / 2));
    }
  }
  return undefined;
};

export interface RecordContext {
  readonly messageId: string;
  readonly receiveCount: number;
}

export interface SqsHandlerOptions<S extends z.ZodType> {
  readonly schema: S;
  readonly handle: (body: z.infer<S>, ctx: RecordContext) => Promise<void>;
  /** Hides a failed message for `seconds` (ChangeMessageVisibility). */
  readonly delay: (record: SQSRecord, seconds: number) => Promise<void>;
}

/** The id a record logs with: the one its sender passed on, else its own message id. */
export const correlationIdOf = (record: SQSRecord): string =>
  safeCorrelationId(record.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue) ?? record.messageId;

/**
 * Wraps a record handler into an SQS consumer: each record is validated, handled under its own
 * correlation id, and reported back alone when it fails.
 */
export const sqsHandler = <S extends z.ZodType>(options: SqsHandlerOptions<S>) => {
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const parsed = options.schema.safeParse(body);
    if (!parsed.success) {
      logger.error('dropping a message that does not match its schema', {
        messageId: record.messageId,
        issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      return;
    }
    try {
      await options.handle(parsed.data, { messageId: record.messageId, receiveCount });
    } catch (err) {
      const seconds = retryDelaySeconds(err, receiveCount);
      logger.warn('record failed; it will be retried', {
        messageId: record.messageId,
        receiveCount,
        retryInSeconds: seconds,
        error: err instanceof Error ? err.message : String(err),
      });
      if (seconds !== undefined) {
        try {
          await options.delay(record, seconds);
        } catch (delayErr) {
          logger.warn('could not change the message visibility', { error: (delayErr as Error).message });
        }
      }
      throw err;
    }
  };
  // Each record logs (and queues further work) under the id of the request or run that caused it.
  const recordHandler = (record: SQSRecord): Promise<void> =>
    runPart({ correlationId: correlationIdOf(record), keys: { messageId: record.messageId } }, () => handleRecord(record));
  return observedHandler(
    (_event: SQSEvent, context: Context) => ({ correlationId: context.awsRequestId }),
    // A processor per invocation: it keeps the batch's failures on itself, and invocations that
    // share a module (the local runtime runs many at once) must not see each other's.
    async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }),
  );
};
