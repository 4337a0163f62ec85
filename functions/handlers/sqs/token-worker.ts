/** Refreshes the tokens of the connections named by the refresh queue's messages. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { refreshConnection } from '../../core/use-cases/tokens';
import { deps } from '../../composition/deps';
import { SqsVisibility } from '../../adapters/sqs/visibility';
import { logger, traced } from '../lib/observability';
import { sqsHandler } from '../lib/sqs';

const message = z.object({ userId: z.string().min(1), connectionId: z.string().min(1), force: z.boolean().optional() });
const visibility = new SqsVisibility(traced(new SQSClient({})));

export const handler = sqsHandler({
  schema: message,
  handle: async (body, ctx) => {
    const outcome = await refreshConnection(deps(), body, ctx.messageId);
    logger.info('token refresh', { connectionId: body.connectionId, ...outcome });
  },
  delay: (record, seconds) => visibility.delay(deps().env.QUEUE_REFRESH_URL, record.receiptHandle, seconds),
});
