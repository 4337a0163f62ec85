/**
 * The queue factory: one topology queue in, a work queue with its dead-letter queue, an alarm on
 * the dead-letter queue's depth and the consumer's event source (partial batch failures reported)
 * out. Both queues are encrypted (SQS-managed keys) and refuse requests that are not over TLS.
 */
import { CfnResource, Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueDef, QueueId } from '../topology';

export interface QueueWorkerProps {
  readonly def: QueueDef;
  /** The function that consumes the queue (topology's `consumer`). */
  readonly consumer: IFunction;
}

const pascal = (id: QueueId): string => id.charAt(0).toUpperCase() + id.slice(1);

/** Logical ids a topology queue and its dead-letter queue keep for their whole life. */
export const queueLogicalIds = (id: QueueId): { readonly queue: string; readonly deadLetterQueue: string } => ({
  queue: `${pascal(id)}Queue`,
  deadLetterQueue: `${pascal(id)}DeadLetterQueue`,
});

/** A work queue of the topology, its dead-letter queue and its consumer's event source. */
export class QueueWorker extends Construct {
  readonly def: QueueDef;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** In alarm as soon as one message is dead-lettered; the monitoring feature adds the actions. */
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: QueueWorkerProps) {
    super(scope, id);
    const { def } = props;
    this.def = def;
    const ids = queueLogicalIds(def.id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time for an operator to inspect and redrive.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: def.maxReceiveCount },
    });
    // Messages in flight survive refactors: a renamed construct must not replace a queue.
    (this.queue.node.defaultChild as CfnResource).overrideLogicalId(ids.queue);
    (this.deadLetterQueue.node.defaultChild as CfnResource).overrideLogicalId(ids.deadLetterQueue);

    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Reach ${def.id} queue: a message reached the dead-letter queue (${def.purpose})`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    props.consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: def.batchSize,
        ...(def.maxBatchingWindowSeconds > 0 && { maxBatchingWindow: Duration.seconds(def.maxBatchingWindowSeconds) }),
        maxConcurrency: def.maxConcurrency,
        // Only the failed records of a batch come back; the others are deleted (handlers/lib/sqs.ts).
        reportBatchItemFailures: true,
      }),
    );
  }
}
