/**
 * Monitoring: one CloudWatch dashboard (per function invocations, errors and duration; per queue
 * depth and age of the oldest message; dead-letter depth; and Reach's own metrics: sync and publish
 * outcomes, platform call latency and status, rate-limit use, webhook lag and schedule runs, per
 * platform), alarms (each function's error rate, a schedule that stopped running, the sync failure
 * rate, publish failures; the dead-letter alarms come with each queue), and an encrypted SNS topic
 * that every alarm notifies (email subscription when configured).
 *
 * The functions emit their metrics as EMF through Powertools (functions/handlers/lib/observability.ts),
 * which adds the `service` dimension to every dimension set; the metrics here name exactly those
 * sets. Per-platform graphs are SEARCH expressions, so no platform list is written down twice.
 */
import { CfnOutput, Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
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
import { METRICS_NAMESPACE, serviceName } from '../config';
import type { ReachFunction } from '../constructs/node-function';
import type { QueueWorker } from '../constructs/queue-worker';
import { schedules, type ScheduleDef } from '../topology';

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
  /** One per topology schedule: in alarm when the schedule has completed no run for a while. */
  readonly scheduleAlarms: readonly Alarm[];
  readonly syncFailureAlarm: Alarm;
  readonly publishFailureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // The functions emit under their stage's service name, so stages in one account stay apart.
    const service = serviceName(props.stage);

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

    this.scheduleAlarms = schedules.map((def) => {
      const w = scheduleWindow(def);
      const alarm = new Alarm(this, `ScheduleStopped-${def.id}`, {
        alarmDescription: `Reach schedule ${def.id}: no completed run for ${w.description} (a schedule that stopped firing, or whose runs all fail)`,
        metric: reachMetric(service, 'ScheduleRan', { schedule: def.id }, 'Sum', w.period),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: w.periods,
        datapointsToAlarm: w.periods,
        // A schedule that runs emits a count; silence is exactly what this alarm is for.
        treatMissingData: TreatMissingData.BREACHING,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      return alarm;
    });

    this.syncFailureAlarm = new Alarm(this, 'SyncFailureRate', {
      alarmDescription: `Reach sync: more than ${props.errorRateAlarmPercent}% of connection syncs failed (a platform refused, or our error), across platforms`,
      metric: failureRate(service, 'SyncOutcome', ['synced'], ['failed', 'error'], 'sync failure rate (%)'),
      threshold: props.errorRateAlarmPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.publishFailureAlarm = new Alarm(this, 'PublishFailureRate', {
      alarmDescription: `Reach publishing: more than ${props.errorRateAlarmPercent}% of post targets failed, were missed or hit an error, across platforms`,
      metric: failureRate(service, 'PublishOutcome', ['published'], ['failed', 'missed', 'error'], 'publish failure rate (%)'),
      threshold: props.errorRateAlarmPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // A failed post is something a user sees: one bad period is enough.
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.syncFailureAlarm, this.publishFailureAlarm]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

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
    this.dashboard.addWidgets(new TextWidget({ markdown: '## Platforms and schedules\nOne line per platform (or schedule), as the functions report them.', width: 24, height: 1 }));
    this.dashboard.addWidgets(...reachWidgets(service));
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Schedules, sync and publishing alarms',
        width: 24,
        alarms: [...this.scheduleAlarms, this.syncFailureAlarm, this.publishFailureAlarm],
      }),
    );
  }
}

/** A Reach metric with the dimensions Powertools emits it under (`service` is always one of them). */
const reachMetric = (service: string, metricName: string, dimensions: Readonly<Record<string, string>>, statistic: string, period: Duration): Metric =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service, ...dimensions }, statistic, period });

/**
 * Every series of a Reach metric emitted with exactly `dimensions` (plus `service`), one line per
 * value: `SEARCH('{Reach,outcome,platform,service} MetricName="SyncOutcome" service="reach-dev"', 'Sum', 300)`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
 */
export const searchExpression = (service: string, metricName: string, dimensions: readonly string[], statistic: string, period: Duration): string => {
  const schema = [METRICS_NAMESPACE, ...[...dimensions, 'service'].sort()].join(',');
  return `SEARCH('{${schema}} MetricName="${metricName}" service="${service}"', '${statistic}', ${period.toSeconds()})`;
};

/** A graph line per series of a SEARCH, labelled with its dimension values. */
const searchLines = (service: string, metricName: string, dimensions: readonly string[], statistic: string, period: Duration, suffix = ''): MathExpression =>
  new MathExpression({
    expression: searchExpression(service, metricName, dimensions, statistic, period),
    usingMetrics: {},
    // CloudWatch's dynamic labels: each series names its own dimension values.
    label: [...dimensions.map((d) => "${PROP('Dim." + d + "')}"), suffix].filter(Boolean).join(' '),
    period,
  });

/**
 * The share (%) of outcomes in `bad` among `good` and `bad` together, across platforms (the
 * `{service, outcome}` dimension set): alarms cannot read SEARCH expressions.
 */
const failureRate = (service: string, metricName: string, good: readonly string[], bad: readonly string[], label: string): MathExpression => {
  const period = Duration.minutes(15);
  const usingMetrics: Record<string, Metric> = {};
  const ids = (outcomes: readonly string[], prefix: string) =>
    outcomes.map((o, i) => {
      const id = `${prefix}${i}`;
      usingMetrics[id] = reachMetric(service, metricName, { outcome: o }, 'Sum', period);
      return `FILL(${id}, 0)`;
    });
  const badSum = ids(bad, 'bad').join(' + ');
  const total = [...ids(good, 'good'), badSum].join(' + ');
  return new MathExpression({ expression: `IF((${total}) > 0, 100 * (${badSum}) / (${total}), 0)`, usingMetrics, period, label });
};

export interface ScheduleWindow {
  readonly period: Duration;
  /** Consecutive periods without a completed run before the alarm fires. */
  readonly periods: number;
  readonly description: string;
}

/**
 * How long a schedule may stay silent: about three of its periods and never under five minutes;
 * a day and two hours for a daily one. Alarm periods stay at or under an hour, so CloudWatch's
 * limit on the evaluation range (one day below hourly periods, seven days otherwise) holds.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
export const scheduleWindow = (def: ScheduleDef): ScheduleWindow => {
  if (!('minutes' in def.every)) return { period: Duration.hours(1), periods: 26, description: '26 hours' };
  const minutes = def.every.minutes;
  const window = Math.max(5, 3 * minutes);
  const periods = Math.ceil(window / minutes);
  return { period: Duration.minutes(minutes), periods, description: `${periods * minutes} minutes` };
};

/** Reach's own metrics, per platform (and per schedule), from what the functions emit. */
const reachWidgets = (service: string): IWidget[] => {
  const five = Duration.minutes(5);
  return [
    new GraphWidget({ title: 'Sync outcomes (connections)', width: 12, stacked: true, left: [searchLines(service, 'SyncOutcome', ['platform', 'outcome'], 'Sum', five)] }),
    new GraphWidget({ title: 'Publish outcomes (targets)', width: 12, stacked: true, left: [searchLines(service, 'PublishOutcome', ['platform', 'outcome'], 'Sum', five)] }),
    new GraphWidget({
      title: 'Platform call latency (ms)',
      width: 12,
      left: [searchLines(service, 'PlatformCallLatency', ['platform'], 'p50', five, 'p50'), searchLines(service, 'PlatformCallLatency', ['platform'], 'p99', five, 'p99')],
    }),
    new GraphWidget({ title: 'Platform calls by status', width: 12, stacked: true, left: [searchLines(service, 'PlatformCalls', ['platform', 'statusClass'], 'Sum', five)] }),
    new GraphWidget({
      title: 'Rate-limit use (% of the platform limit, highest seen)',
      width: 12,
      left: [searchLines(service, 'RateLimitUsedPercent', ['platform'], 'Maximum', five)],
      leftYAxis: { min: 0, max: 100 },
    }),
    new GraphWidget({
      title: 'Webhook lag (ms, receipt to applied)',
      width: 12,
      left: [searchLines(service, 'WebhookLag', ['platform'], 'p50', five, 'p50'), searchLines(service, 'WebhookLag', ['platform'], 'p99', five, 'p99')],
    }),
    new GraphWidget({ title: 'Schedule runs (per hour)', width: 24, left: [searchLines(service, 'ScheduleRan', ['schedule'], 'Sum', Duration.hours(1))] }),
  ];
};

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
