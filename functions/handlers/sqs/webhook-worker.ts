/**
 * Applies what the webhooks function queued: stored platform events (once each, whatever the
 * redeliveries) and recorded data-deletion requests.
 */
import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { UseCaseDeps } from '../../core/use-cases/context';
import { DELETION_CODE, runDataDeletion } from '../../core/use-cases/platform-callbacks';
import { applyWebhookEvent, type ApplyHooks } from '../../core/use-cases/webhook-apply';
import { deps } from '../../composition/deps';
import { applyPublishStatus } from '../../core/use-cases/publish';
import { SqsVisibility } from '../../adapters/sqs/visibility';
import { logger, recordMetric, traced } from '../lib/observability';
import { RetryLaterError, sqsHandler } from '../lib/sqs';

const message = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), platform: z.string().min(1).max(64), eventId: z.string().min(1).max(1024) }),
  z.object({ type: z.literal('data_deletion'), code: z.string().regex(DELETION_CODE) }),
]);

export interface WebhookWorkerOptions {
  readonly getDeps: () => UseCaseDeps;
  readonly hooks?: ApplyHooks;
  /** Hides a failed message for `seconds` (ChangeMessageVisibility on the webhook-events queue). */
  readonly delay: (record: SQSRecord, seconds: number) => Promise<void>;
}

/** How long an event waited between its receipt and its application. */
const recordLag = (platform: string, receivedAt: string, now: Date): void =>
  recordMetric('WebhookLag', MetricUnit.Milliseconds, Math.max(0, now.getTime() - Date.parse(receivedAt)), [{ platform }]);

/** Builds the worker over a dependency source and the publishing engine's hook. */
export const createWebhookWorker = (options: WebhookWorkerOptions) =>
  sqsHandler({
    schema: message,
    handle: async (body, ctx) => {
      const d = options.getDeps();
      if (body.type === 'data_deletion') {
        const result = await runDataDeletion(d, body.code);
        logger.info('data-deletion request run', { confirmationCode: body.code, ...result });
        return;
      }
      // Unique per attempt: a duplicate delivery of the same message must not share the claim.
      const owner = `${ctx.messageId}:${randomUUID()}`;
      const result = await applyWebhookEvent(d, body, owner, options.hooks ?? {});
      if (result.outcome === 'busy') throw new RetryLaterError(result.retryAfterSeconds, 'another worker is applying this event');
      if (result.outcome === 'applied') recordLag(body.platform, result.receivedAt, d.now());
      logger.info('webhook event', { platform: body.platform, eventId: body.eventId, ...result });
    },
    delay: options.delay,
  });

const visibility = new SqsVisibility(traced(new SQSClient({})));

// Post-status events go to the publishing engine, which settles the target they name.
export const handler = createWebhookWorker({
  getDeps: deps,
  hooks: { applyPostStatus: (platform, event) => applyPublishStatus(deps(), platform, event.data) },
  delay: (record, seconds) => visibility.delay(deps().env.QUEUE_WEBHOOK_EVENTS_URL, record.receiptHandle, seconds),
});
