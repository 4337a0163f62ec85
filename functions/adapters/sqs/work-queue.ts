import { SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { WorkMessage, WorkQueue, WorkQueueName } from '../../core/ports/queue';

/** The message attribute that carries the sender's correlation id to the consumer. */
export const CORRELATION_ATTRIBUTE = 'correlationId';

/**
 * Sends in batches of ten (the SQS maximum) and fails loudly if any entry was refused. Each message
 * carries the correlation id current when it is sent (a message attribute, outside the body the
 * consumers validate), so the work it causes logs under the request or run that queued it.
 */
export class SqsWorkQueue implements WorkQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: Readonly<Record<WorkQueueName, string>>,
    private readonly correlationId: () => string | undefined = () => undefined,
  ) {}

  async send(queue: WorkQueueName, messages: readonly WorkMessage[]): Promise<void> {
    const id = this.correlationId();
    const attributes: Record<string, MessageAttributeValue> | undefined = id !== undefined && id !== '' ? { [CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: id } } : undefined;
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.urls[queue],
          Entries: chunk.map((m, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify(m.body),
            ...(m.delaySeconds !== undefined && { DelaySeconds: Math.max(0, Math.min(900, Math.round(m.delaySeconds))) }),
            ...(attributes !== undefined && { MessageAttributes: attributes }),
          })),
        }),
      );
      if (out.Failed && out.Failed.length > 0) {
        throw new Error(`SQS refused ${out.Failed.length} of ${chunk.length} messages to ${queue}: ${out.Failed[0]?.Code ?? 'unknown'}`);
      }
    }
  }
}
