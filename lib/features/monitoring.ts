/**
 * Monitoring: one CloudWatch dashboard (per function invocations, errors and duration; per queue
 * depth and age of the oldest message; dead-letter depth), an alarm per function on its error rate,
 * and an encrypted SNS topic that every alarm notifies (email subscription when configured).
 */
import { CfnOutput, Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  TextWidget,
  TreatMissingData,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ReachFunction } from '../constructs/node-function';
import type { QueueWorker } from '../constructs/queue-worker';

export interface MonitoringProps {
  readonly stage: string;
  readonly functions: readonly ReachFunction[];
  readonly queues: readonly QueueWorker[];
  /** Encrypts the alarm topic; CloudWatch is allowed to use it to publish. */
  readonly key: Key;
  readonly errorRateAlarmPercent: number;
  readonly alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly errorRateAlarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    // CloudWatch publishes alarm notifications to an encrypted topic only if the key lets it
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-encryption).
    props.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', { displayName: `Reach ${props.stage} alarms`, masterKey: props.key, enforceSSL: true });
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    new CfnOutput(this, 'AlarmTopicArn', { value: this.topic.topicArn, description: 'SNS topic every Reach alarm notifies' });
    const notify = new SnsAction(this.topic);

    for (const q of props.queues) {
      q.deadLetterAlarm.addAlarmAction(notify);
      q.deadLetterAlarm.addOkAction(notify);
    }

    this.errorRateAlarms = props.functions.map((f) => {
      const alarm = new Alarm(this, `ErrorRate-${f.def.id}`, {
        alarmDescription: `Reach ${f.def.id}: more than ${props.errorRateAlarmPercent}% of invocations failed`,
        metric: new MathExpression({
          expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
          usingMetrics: { errors: f.fn.metricErrors({ period: PERIOD }), invocations: f.fn.metricInvocations({ period: PERIOD }) },
          period: PERIOD,
          label: `${f.def.id} error rate (%)`,
        }),
        threshold: props.errorRateAlarmPercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      return alarm;
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(new TextWidget({ markdown: `# Reach ${props.stage}\nFunctions, queues and dead-letter queues.`, width: 24, height: 1 }));
    this.dashboard.addWidgets(...props.functions.map((f) => functionWidget(f)));
    this.dashboard.addWidgets(...props.queues.map((q) => queueWidget(q)));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead-letter queues: messages',
        width: 24,
        left: props.queues.map((q) => q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: q.def.id, period: Duration.minutes(1), statistic: 'Maximum' })),
      }),
    );
  }
}

/** Invocations and errors (left axis) and p50/p99 duration (right axis) of one function. */
const functionWidget = (f: ReachFunction): IWidget =>
  new GraphWidget({
    title: `${f.def.id}`,
    width: 8,
    left: [f.fn.metricInvocations({ period: PERIOD, label: 'invocations' }), f.fn.metricErrors({ period: PERIOD, label: 'errors' })],
    right: [
      f.fn.metricDuration({ period: PERIOD, statistic: 'p50', label: 'duration p50 (ms)' }),
      f.fn.metricDuration({ period: PERIOD, statistic: 'p99', label: 'duration p99 (ms)' }),
    ],
  });

/** Visible messages (left axis) and age of the oldest message (right axis) of one work queue. */
const queueWidget = (q: QueueWorker): IWidget =>
  new GraphWidget({
    title: `${q.def.id} queue`,
    width: 6,
    left: [q.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum', label: 'visible' })],
    right: [q.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum', label: 'oldest (s)' })],
  });
