/**
 * The dashboard and alarms read Reach's own metrics under exactly the dimension sets the functions
 * emit (checked against real EMF output), a "schedule stopped" alarm watches every topology schedule
 * within CloudWatch's limits, and the sync and publish failure alarms notify the alarm topic.
 */
import { Duration } from 'aws-cdk-lib';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE as STACK_NAMESPACE, serviceName } from '../../lib/config';
import { scheduleWindow, searchExpression } from '../../lib/features/monitoring';
import { PROVIDER_IDS } from '../../functions/providers/types';
import { schedules } from '../../lib/topology';
import { buildStack, ofType, type CfnResourceJson } from './template';

// Powertools reads the switch when the module loads: the cross-check below reads what it prints.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
// As the stack sets it for the default stage's functions.
process.env.POWERTOOLS_SERVICE_NAME = serviceName('dev');
const { METRICS_NAMESPACE, observedHandler, recordOutcome, recordPlatformCall, SERVICE_NAME } = require('../../functions/handlers/lib/observability') as typeof import('../../functions/handlers/lib/observability');
const { scheduledHandler } = require('../../functions/handlers/lib/schedule') as typeof import('../../functions/handlers/lib/schedule');

const { resources } = buildStack();
const topics = ofType(resources, 'AWS::SNS::Topic').filter(([id]) => id.includes('AlarmTopic'));
const topicId = topics[0]?.[0];
const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
interface Widget {
  readonly type: string;
  readonly properties: { readonly title?: string; readonly metrics?: unknown[][]; readonly alarms?: string[] };
}

/** The dashboard's widgets, with CloudFormation references (region, ARNs) read as `<ref:id>`. */
const widgets = (): Widget[] => {
  const body = ofType(resources, 'AWS::CloudWatch::Dashboard')[0]?.[1].Properties?.['DashboardBody'] as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      return `<ref:${ref.Ref ?? ref['Fn::GetAtt']?.[0] ?? '?'}>`;
    })
    .join('');
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
};

/** Every metric-math expression on the dashboard. */
const expressions = (): string[] =>
  widgets().flatMap((w) => (w.properties.metrics ?? []).flatMap((m) => m.map((x) => (typeof x === 'object' && x !== null ? (x as { expression?: string }).expression : undefined)).filter((e): e is string => e !== undefined)));

interface Emitted {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: readonly string[];
}

/** What the functions print for each kind of metric, read from their real EMF records. */
const emitted = async (): Promise<Emitted[]> => {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
  const ctx = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
  try {
    await observedHandler(
      () => ({ correlationId: 'c' }),
      async () => {
        recordOutcome('SyncOutcome', 'x', 'synced');
        recordOutcome('PublishOutcome', 'x', 'failed');
        recordPlatformCall({ method: 'GET', host: 'api.x.com', path: '/2/users/me', status: 200, ms: 12, platform: 'x', rateLimitUsedPercent: 40 });
      },
    )({}, ctx);
    await scheduledHandler(async () => ({}))({ id: 'e', detail: { scheduleId: 'syncPlanner' } } as never, ctx);
  } finally {
    spy.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .flatMap((l) => {
      const cw = (JSON.parse(l) as { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } })._aws.CloudWatchMetrics;
      return cw.flatMap((c) => c.Metrics.flatMap((m) => c.Dimensions.map((d) => ({ namespace: c.Namespace, metric: m.Name, dimensions: [...d].sort() }))));
    });
};

const alarmNamed = (prefix: string): Array<[string, CfnResourceJson]> => alarms.filter(([id]) => id.includes(prefix));

describe('Reach metrics on the dashboard', () => {
  it('has one alarm topic for every alarm to notify', () => {
    expect(topics).toHaveLength(1);
  });

  it('share namespace and service name with the functions', () => {
    expect(METRICS_NAMESPACE).toBe(STACK_NAMESPACE);
    expect(SERVICE_NAME).toBe(serviceName('dev'));
    for (const [, fn] of ofType(resources, 'AWS::Lambda::Function').filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))) {
      expect(fn.Properties?.['Environment']['Variables']['POWERTOOLS_SERVICE_NAME']).toBe('reach-dev');
    }
  });

  it('are searched under exactly the dimension sets the functions emit', async () => {
    const five = Duration.minutes(5);
    const seen = await emitted();
    const wanted: Array<[string, string[]]> = [
      ['SyncOutcome', ['outcome', 'platform']],
      ['PublishOutcome', ['outcome', 'platform']],
      ['PlatformCallLatency', ['platform']],
      ['PlatformCalls', ['platform', 'statusClass']],
      ['RateLimitUsedPercent', ['platform']],
      ['ScheduleRan', ['schedule']],
    ];
    for (const [metric, dims] of wanted) {
      expect(seen).toContainEqual({ namespace: 'Reach', metric, dimensions: [...dims, 'service'].sort() });
      const stat = metric === 'PlatformCallLatency' ? 'p99' : metric === 'RateLimitUsedPercent' ? 'Maximum' : 'Sum';
      const period = metric === 'ScheduleRan' ? Duration.hours(1) : five;
      expect(expressions()).toContain(searchExpression('reach-dev', metric, dims, stat, period));
    }
    expect(searchExpression('reach-dev', 'SyncOutcome', ['platform', 'outcome'], 'Sum', five)).toBe(`SEARCH('{Reach,outcome,platform,service} MetricName="SyncOutcome" service="reach-dev"', 'Sum', 300)`);
    // Webhook lag keeps its existing shape: per platform.
    expect(expressions()).toContain(searchExpression('reach-dev', 'WebhookLag', ['platform'], 'p50', five));
  });

  it('name no platform: the per-platform lines come from the searches', () => {
    const text = JSON.stringify(widgets());
    expect(text).toContain('SEARCH(');
    // `x` is too short to look for; every other platform id would show up by name.
    for (const p of PROVIDER_IDS.filter((id) => id !== 'x')) expect(text).not.toContain(p);
  });
});

describe('schedule alarms', () => {
  it.each(schedules.map((s) => [s.id, s] as const))('%s: alarms when no run completed for about three periods, missing data counting as none', (id, def) => {
    const found = alarmNamed(`ScheduleStopped${id}`);
    expect(found).toHaveLength(1);
    const p = found[0]![1].Properties ?? {};
    const w = scheduleWindow(def);
    expect(p).toMatchObject({
      Namespace: 'Reach',
      MetricName: 'ScheduleRan',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Period: w.period.toSeconds(),
      EvaluationPeriods: w.periods,
      DatapointsToAlarm: w.periods,
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
    expect(p['Dimensions']).toEqual(
      expect.arrayContaining([
        { Name: 'service', Value: 'reach-dev' },
        { Name: 'schedule', Value: id },
      ]),
    );
    const windowSeconds = w.period.toSeconds() * w.periods;
    // CloudWatch: under hourly periods the evaluation range is at most a day, else seven days.
    expect(windowSeconds).toBeLessThanOrEqual(w.period.toSeconds() < 3600 ? 86_400 : 604_800);
    expect(windowSeconds).toBeGreaterThanOrEqual(300);
    if ('minutes' in def.every) {
      expect(windowSeconds).toBeGreaterThanOrEqual(3 * def.every.minutes * 60);
      expect(windowSeconds).toBeLessThanOrEqual(Math.max(300, 4 * def.every.minutes * 60));
    } else {
      expect(windowSeconds).toBeGreaterThan(86_400);
    }
  });
});

describe('sync and publish failure alarms', () => {
  const expressionOf = (p: Record<string, unknown>): string =>
    ((p['Metrics'] as Array<{ Expression?: string }>).find((m) => m.Expression !== undefined)?.Expression ?? '') as string;
  const outcomesOf = (p: Record<string, unknown>, metric: string): string[] =>
    (p['Metrics'] as Array<{ MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: Array<{ Name: string; Value: string }> } } }>)
      .filter((m) => m.MetricStat?.Metric.MetricName === metric && m.MetricStat.Metric.Namespace === 'Reach')
      .map((m) => {
        const dims = Object.fromEntries(m.MetricStat!.Metric.Dimensions.map((d) => [d.Name, d.Value]));
        expect(Object.keys(dims).sort()).toEqual(['outcome', 'service']);
        return dims['outcome']!;
      })
      .sort();

  it('the sync failure rate counts failed and errored syncs against all that ran, across platforms', () => {
    const [[, alarm]] = alarmNamed('SyncFailureRate') as [[string, CfnResourceJson]];
    const p = alarm.Properties ?? {};
    expect(outcomesOf(p, 'SyncOutcome')).toEqual(['error', 'failed', 'synced']);
    expect(expressionOf(p)).toMatch(/^IF\(.*> 0, 100 \* \(FILL\(bad0, 0\) \+ FILL\(bad1, 0\)\) \/ \(.*\), 0\)$/);
    expect(p).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: topicId }] });
  });

  it('the publish failure rate counts failed, missed and errored targets', () => {
    const [[, alarm]] = alarmNamed('PublishFailureRate') as [[string, CfnResourceJson]];
    const p = alarm.Properties ?? {};
    expect(outcomesOf(p, 'PublishOutcome')).toEqual(['error', 'failed', 'missed', 'published']);
    expect(p).toMatchObject({ Threshold: 5, EvaluationPeriods: 1, AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] });
  });

  it('are on the dashboard with the schedule alarms', () => {
    const status = widgets().filter((w) => w.type === 'alarm');
    expect(status).toHaveLength(1);
    const shown = (status[0]!.properties.alarms ?? []).map((a) => a.replace(/^<ref:(.*)>$/, '$1'));
    const expected = alarms.filter(([id]) => /ScheduleStopped|SyncFailureRate|PublishFailureRate/.test(id)).map(([id]) => id);
    expect(expected).toHaveLength(schedules.length + 2);
    expect(shown.sort()).toEqual(expected.sort());
  });
});
