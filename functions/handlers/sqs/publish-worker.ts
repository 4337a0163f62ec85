/** Publishes the post target named by each publish-queue message, exactly once. */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { UseCaseDeps } from '../../core/use-cases/context';
import { publishTarget, type PublishOutcome } from '../../core/use-cases/publish';
import { deps } from '../../composition/deps';
import { SqsVisibility } from '../../adapters/sqs/visibility';
import { queues } from '../../../lib/topology';
import { logger, recordOutcome, traced } from '../lib/observability';
import { notingResults } from '../lib/ports';
import { RetryLaterError, sqsHandler } from '../lib/sqs';

const message = z.object({ userId: z.string().min(1), postId: z.string().min(1), connectionId: z.string().min(1) }).strict();
/** Receives after which the queue would dead-letter the message. */
const maxReceives = queues.find((q) => q.id === 'publish')?.maxReceiveCount ?? 8;

/** The platform of a target that was never found. */
const UNKNOWN_PLATFORM = 'unknown';

export interface PublishWorkerOptions {
  readonly getDeps: () => UseCaseDeps;
  /** Hides a failed message for `seconds` (ChangeMessageVisibility on the publish queue). */
  readonly delay: (record: SQSRecord, seconds: number) => Promise<void>;
}

/** Builds the worker over a dependency source; every outcome is counted per platform. */
export const createPublishWorker = (options: PublishWorkerOptions) =>
  sqsHandler({
    schema: message,
    handle: async (body, ctx) => {
      // The use case loads the target anyway; noting its platform spares a second read.
      let platform = UNKNOWN_PLATFORM;
      const base = options.getDeps();
      const d: UseCaseDeps = {
        ...base,
        posts: notingResults(base.posts, 'getTarget', (t) => {
          if (t) platform = t.platform;
        }),
      };
      let result: PublishOutcome;
      try {
        result = await publishTarget(d, body);
      } catch (err) {
        recordOutcome('PublishOutcome', platform, 'error');
        throw err;
      }
      recordOutcome('PublishOutcome', platform, result.outcome);
      logger.info('publish', { postId: body.postId, connectionId: body.connectionId, platform, receiveCount: ctx.receiveCount, ...result });
      if (result.outcome !== 'processing' && result.outcome !== 'retry') return;
      // A waiting target (a processing platform, a retry, an early arrival) keeps its message, hidden
      // until then. A long flow would exhaust the message's receives and fill the dead-letter queue:
      // near the limit it is acknowledged instead, and the planner sends the target again when it
      // wakes (the target keeps its wake-up instant in the due index).
      if (ctx.receiveCount >= maxReceives - 1) {
        logger.info('publish wait left to the planner', { postId: body.postId, connectionId: body.connectionId, afterSeconds: result.afterSeconds });
        return;
      }
      throw new RetryLaterError(result.afterSeconds, result.reason);
    },
    delay: options.delay,
  });

const visibility = new SqsVisibility(traced(new SQSClient({})));

export const handler = createPublishWorker({
  getDeps: deps,
  delay: (record, seconds) => visibility.delay(deps().env.QUEUE_PUBLISH_URL, record.receiptHandle, seconds),
});
