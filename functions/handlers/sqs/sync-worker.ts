/** Syncs the connection (or the platform batch) named by each sync-queue message. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { runSyncMessage } from '../../core/use-cases/sync';
import { deps } from '../../composition/deps';
import { SqsVisibility } from '../../adapters/sqs/visibility';
import { logger } from '../lib/observability';
import { sqsHandler } from '../lib/sqs';

const member = z.object({ userId: z.string().min(1), connectionId: z.string().min(1) });
const message = z.discriminatedUnion('kind', [
  member.extend({ kind: z.literal('connection'), reason: z.string().optional(), jobId: z.string().optional(), force: z.boolean().optional() }),
  z.object({ kind: z.literal('batch'), platform: z.string().min(1), members: z.array(member).min(1).max(100), jobId: z.string().optional(), force: z.boolean().optional() }),
]);
const visibility = new SqsVisibility(new SQSClient({}));

export const handler = sqsHandler({
  schema: message,
  handle: async (body) => {
    const outcomes = await runSyncMessage(deps(), body);
    logger.debug('sync', { outcomes: outcomes.map((o) => `${o.connectionId}:${o.outcome}`) });
  },
  delay: (record, seconds) => visibility.delay(deps().env.QUEUE_SYNC_URL, record.receiptHandle, seconds),
});
