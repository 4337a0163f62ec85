import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueStats } from '../../core/ports/operations';

/** Queue backlogs from SQS's approximate counters. */
export class SqsQueueStats implements QueueStats {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: Readonly<Record<string, string>>,
  ) {}

  async depth(queue: string): Promise<QueueDepth> {
    const url = this.urls[queue];
    if (!url) return { visible: 0, inFlight: 0, delayed: 0 };
    const out = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const n = (k: string) => Number(out.Attributes?.[k as keyof typeof out.Attributes] ?? 0);
    return { visible: n('ApproximateNumberOfMessages'), inFlight: n('ApproximateNumberOfMessagesNotVisible'), delayed: n('ApproximateNumberOfMessagesDelayed') };
  }
}
