/** Publishes the post target named by each publish-queue message, exactly once. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { publishTarget } from '../../core/use-cases/publish';
import { deps } from '../../composition/deps';
import { SqsVisibility } from '../../adapters/sqs/visibility';
import { queues } from '../../../lib/topology';
import { logger } from '../lib/observability';
import { RetryLaterError, sqsHandler } from '../lib/sqs';

const message = z.object({ userId: z.string().min(1), postId: z.string().min(1), connectionId: z.string().min(1) }).strict();
const visibility = new SqsVisibility(new SQSClient({}));
/** Receives after which the queue would dead-letter the message. */
const maxReceives = queues.find((q) => q.id === 'publish')?.maxReceiveCount ?? 8;

export const handler = sqsHandler({
  schema: message,
  handle: async (body, ctx) => {
    const result = await publishTarget(deps(), body);
    logger.info('publish', { postId: body.postId, connectionId: body.connectionId, receiveCount: ctx.receiveCount, ...result });
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
  delay: (record, seconds) => visibility.delay(deps().env.QUEUE_PUBLISH_URL, record.receiptHandle, seconds),
});
