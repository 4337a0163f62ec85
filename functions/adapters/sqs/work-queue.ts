import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WorkMessage, WorkQueue, WorkQueueName } from '../../core/ports/queue';

/** Sends in batches of ten (the SQS maximum) and fails loudly if any entry was refused. */
export class SqsWorkQueue implements WorkQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: Readonly<Record<WorkQueueName, string>>,
  ) {}

  async send(queue: WorkQueueName, messages: readonly WorkMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.urls[queue],
          Entries: chunk.map((m, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify(m.body),
            ...(m.delaySeconds !== undefined && { DelaySeconds: Math.max(0, Math.min(900, Math.round(m.delaySeconds))) }),
          })),
        }),
      );
      if (out.Failed && out.Failed.length > 0) {
        throw new Error(`SQS refused ${out.Failed.length} of ${chunk.length} messages to ${queue}: ${out.Failed[0]?.Code ?? 'unknown'}`);
      }
    }
  }
}
