/**
 * The metrics the functions emit: EMF records written through Powertools at the end of each
 * invocation, one per dimension group, with the dimension sets the dashboard and alarms read.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { createPost } from '../../functions/core/use-cases/posts';
import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { createHttpClient, rateLimitUsedPercent, sendClassified, kindFromStatus } from '../../functions/providers/http';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider, seedConnection } from '../support/test-provider';

// Powertools reads the switch when the module loads: these tests read the records it prints.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
const { observedHandler, recordMetric, recordPlatformCall } = require('../../functions/handlers/lib/observability') as typeof import('../../functions/handlers/lib/observability');
const { scheduledHandler } = require('../../functions/handlers/lib/schedule') as typeof import('../../functions/handlers/lib/schedule');
const { createPublishWorker } = require('../../functions/handlers/sqs/publish-worker') as typeof import('../../functions/handlers/sqs/publish-worker');
const { createSyncWorker, syncOutcomeLabel } = require('../../functions/handlers/sqs/sync-worker') as typeof import('../../functions/handlers/sqs/sync-worker');

interface EmfRecord {
  readonly _aws: { readonly CloudWatchMetrics: ReadonlyArray<{ readonly Namespace: string; readonly Dimensions: string[][]; readonly Metrics: ReadonlyArray<{ Name: string; Unit: string }> }> };
  readonly [key: string]: unknown;
}

/** Runs `fn` and returns the EMF records it printed (Powertools writes them to stdout). */
const emfOf = async (fn: () => Promise<unknown>): Promise<EmfRecord[]> => {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as EmfRecord);
};

/** The records that carry `metric`. */
const recordsOf = (records: readonly EmfRecord[], metric: string) => records.filter((r) => r._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === metric));

/** Sum of `metric` per value of `dimension`, across records. */
const sumBy = (records: readonly EmfRecord[], metric: string, dimension: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of recordsOf(records, metric)) {
    const v = r[metric];
    const values = Array.isArray(v) ? (v as number[]) : [v as number];
    const key = String(r[dimension]);
    out[key] = (out[key] ?? 0) + values.reduce((a, b) => a + b, 0);
  }
  return out;
};

const ctx = { functionName: 'reach-test', awsRequestId: 'lambda-req-1', memoryLimitInMB: '256', invokedFunctionArn: 'arn:aws:lambda:us-east-1:0:function:reach-test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const sqsRecord = (id: string, body: unknown): SQSRecord => ({
  messageId: id,
  receiptHandle: `rh-${id}`,
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
  awsRegion: 'us-east-1',
});

describe('metrics of an invocation', () => {
  it('are published once, when the invocation ends, one record per dimension group with all its values', async () => {
    const handler = observedHandler(
      () => ({ correlationId: 'c-1' }),
      async () => {
        recordMetric('PlatformCallLatency', MetricUnit.Milliseconds, 120, [{ platform: 'x' }]);
        recordMetric('PlatformCallLatency', MetricUnit.Milliseconds, 80, [{ platform: 'x' }]);
        recordMetric('PlatformCallLatency', MetricUnit.Milliseconds, 300, [{ platform: 'youtube' }]);
        return 'done';
      },
    );
    const records = await emfOf(() => handler({}, ctx));
    expect(records).toHaveLength(2);
    const x = records.find((r) => r['platform'] === 'x')!;
    expect(x._aws.CloudWatchMetrics).toEqual([{ Namespace: 'Reach', Dimensions: [['service', 'platform']], Metrics: [{ Name: 'PlatformCallLatency', Unit: 'Milliseconds' }] }]);
    expect(x).toMatchObject({ service: 'reach', platform: 'x', PlatformCallLatency: [120, 80] });
    expect(records.find((r) => r['platform'] === 'youtube')).toMatchObject({ PlatformCallLatency: 300 });
  });

  it('split a series longer than a record holds into several records, each keeping its dimensions', async () => {
    const handler = observedHandler(
      () => ({ correlationId: 'c-2' }),
      async () => {
        for (let i = 0; i < 250; i++) recordMetric('PlatformCalls', MetricUnit.Count, 1, [{ platform: 'x', statusClass: '2xx' }]);
      },
    );
    const records = await emfOf(() => handler({}, ctx));
    expect(records.length).toBeGreaterThanOrEqual(3);
    for (const r of records) expect(r).toMatchObject({ platform: 'x', statusClass: '2xx' });
    expect(sumBy(records, 'PlatformCalls', 'platform')).toEqual({ x: 250 });
  });

  it('are published even when the invocation fails, and never outside one', async () => {
    const failing = observedHandler(
      () => ({ correlationId: 'c-3' }),
      async () => {
        recordMetric('PublishOutcome', MetricUnit.Count, 1, [{ platform: 'x', outcome: 'error' }]);
        throw new Error('boom');
      },
    );
    const records = await emfOf(() => failing({}, ctx).catch(() => undefined));
    expect(sumBy(records, 'PublishOutcome', 'platform')).toEqual({ x: 1 });
    expect(await emfOf(async () => recordMetric('PublishOutcome', MetricUnit.Count, 1, [{ platform: 'x', outcome: 'error' }]))).toEqual([]);
  });
});

describe('ScheduleRan', () => {
  const event = (scheduleId?: string): EventBridgeEvent<string, unknown> =>
    ({ id: 'evt-1', 'detail-type': 'Scheduled Event', source: 'reach.schedule', detail: { ...(scheduleId && { scheduleId }), mode: 'due' } }) as unknown as EventBridgeEvent<string, unknown>;

  it('counts one run of its schedule when the run completes', async () => {
    const handler = scheduledHandler(async () => ({ queued: 3 }));
    const records = await emfOf(() => handler(event('syncPlanner'), ctx));
    const [ran] = recordsOf(records, 'ScheduleRan');
    expect(ran?._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'schedule']]);
    expect(ran).toMatchObject({ schedule: 'syncPlanner', ScheduleRan: 1 });
  });

  it('counts nothing for a run that fails, so the schedule alarm sees it as stopped', async () => {
    const handler = scheduledHandler(async () => {
      throw new Error('table unavailable');
    });
    const records = await emfOf(() => handler(event('tokenPlanner'), ctx).catch(() => undefined));
    expect(recordsOf(records, 'ScheduleRan')).toEqual([]);
  });
});

describe('SyncOutcome from the sync worker', () => {
  const connect = async (deps: MemoryDeps, acme: ReturnType<typeof createTestProvider>, userId: string, account: string): Promise<string> => {
    acme.accounts = [{ platformAccountId: account, displayName: account, accountType: 'creator' }];
    const { state } = await startConnect(deps, { userId, platform: 'acme' });
    return (await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } })).connectionIds[0]!;
  };

  it('counts each connection by its platform and outcome, per platform and across platforms', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const a = await connect(deps, acme, 'u1', 'acct-a');
    const b = await connect(deps, acme, 'u2', 'acct-b');
    const worker = createSyncWorker({ getDeps: () => deps, delay: async () => undefined });
    const event: SQSEvent = {
      Records: [
        sqsRecord('m1', { kind: 'connection', userId: 'u1', connectionId: a, force: true }),
        sqsRecord('m2', { kind: 'connection', userId: 'u2', connectionId: b, force: true }),
        sqsRecord('m3', { kind: 'connection', userId: 'u3', connectionId: 'vanished' }),
      ],
    };
    const records = await emfOf(() => worker(event, ctx));
    const sync = recordsOf(records, 'SyncOutcome');
    const perPlatform = sync.filter((r) => 'platform' in r);
    const acrossPlatforms = sync.filter((r) => !('platform' in r));
    for (const r of perPlatform) expect(r._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'outcome', 'platform']]);
    for (const r of acrossPlatforms) expect(r._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'outcome']]);
    expect(sumBy(perPlatform, 'SyncOutcome', 'platform')).toEqual({ acme: 2, unknown: 1 });
    expect(sumBy(perPlatform, 'SyncOutcome', 'outcome')).toEqual({ synced: 2, gone: 1 });
    expect(sumBy(acrossPlatforms, 'SyncOutcome', 'outcome')).toEqual({ synced: 2, gone: 1 });
  });

  it('counts a message the platform pushed back as deferred, for each of its connections', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const a = await connect(deps, acme, 'u1', 'acct-a');
    acme.failNext = { kind: 'rate_limited', retryAfterSeconds: 60, message: 'slow down' };
    const delayed: number[] = [];
    const worker = createSyncWorker({ getDeps: () => deps, delay: async (_r, s) => void delayed.push(s) });
    const records = await emfOf(() => worker({ Records: [sqsRecord('m1', { kind: 'connection', userId: 'u1', connectionId: a, force: true })] }, ctx));
    expect(delayed).toEqual([60]);
    expect(recordsOf(records, 'SyncOutcome').map((r) => [r['platform'], r['outcome'], r['SyncOutcome']])).toEqual([
      ['acme', 'deferred', 1],
      [undefined, 'deferred', 1],
    ]);
  });

  it('tells a refused grant apart from other failures', () => {
    expect(syncOutcomeLabel({ connectionId: 'c', outcome: 'failed', failure: { kind: 'auth_expired', message: 'revoked' } })).toBe('reauth_required');
    expect(syncOutcomeLabel({ connectionId: 'c', outcome: 'failed', failure: { kind: 'permanent', message: 'gone' } })).toBe('failed');
    expect(syncOutcomeLabel({ connectionId: 'c', outcome: 'fresh' })).toBe('fresh');
  });
});

describe('PublishOutcome from the publish worker', () => {
  it('counts the target under its own platform', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    await seedConnection(deps, { userId: 'u1', connectionId: 'c1' });
    const { post } = await createPost(deps, 'u1', { text: 'Hello from Reach', targets: [{ connectionId: 'c1' }] });
    const worker = createPublishWorker({ getDeps: () => deps, delay: async () => undefined });
    const records = await emfOf(() => worker({ Records: [sqsRecord('m1', { userId: 'u1', postId: post.id, connectionId: 'c1' })] }, ctx));
    expect(recordsOf(records, 'PublishOutcome').map((r) => [r['platform'], r['outcome'], r['PublishOutcome']])).toEqual([
      ['acme', 'published', 1],
      [undefined, 'published', 1],
    ]);
    expect(acme.publishing.accepted).toHaveLength(1);
  });
});

describe('platform call metrics', () => {
  const fixture = (rel: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'conformance', rel), 'utf8');
  const headerLines = (text: string): Record<string, string> =>
    Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l.includes(':'))
        .map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );

  it('reads the share of a rate limit used from X\'s documented headers', () => {
    // 900 calls per window, 847 left: 53 used.
    expect(rateLimitUsedPercent(headerLines(fixture('x/rate_limit_headers.txt')))).toBe(5.9);
  });

  it('reads Meta\'s usage headers, taking the highest share any of them reports', () => {
    expect(rateLimitUsedPercent({ 'x-app-usage': '{"call_count":28,"total_time":25,"total_cputime":25}' })).toBe(28);
    expect(
      rateLimitUsedPercent({
        'x-app-usage': '{"call_count":3,"total_time":1,"total_cputime":1}',
        'x-business-use-case-usage': '{"17841400000000000":[{"type":"instagram","call_count":71,"total_cputime":12,"total_time":40,"estimated_time_to_regain_access":0}]}',
      }),
    ).toBe(71);
  });

  it('says nothing when no header reports a limit, or the header is not what the platform documents', () => {
    expect(rateLimitUsedPercent({ 'content-type': 'application/json' })).toBeUndefined();
    expect(rateLimitUsedPercent({ 'x-app-usage': 'not json', 'x-rate-limit-limit': '0', 'x-rate-limit-remaining': '0' })).toBeUndefined();
    expect(rateLimitUsedPercent({ 'x-rate-limit-limit': 'many', 'x-rate-limit-remaining': '3' })).toBeUndefined();
  });

  it('counts latency, status class and rate-limit use per platform for every provider call', async () => {
    const headers = headerLines(fixture('x/rate_limit_headers.txt'));
    const fetchImpl = (async () => new Response('{"data":{}}', { status: 200, headers })) as typeof fetch;
    const http = createHttpClient({ defaultTimeoutMs: 1000, fetchImpl, onCall: recordPlatformCall });
    const failing = createHttpClient({ defaultTimeoutMs: 1000, fetchImpl: (async () => new Response('{}', { status: 503 })) as typeof fetch, onCall: recordPlatformCall });
    const classify = (f: { status: number }) => ({ kind: kindFromStatus(f.status), message: `status ${f.status}` });
    const handler = observedHandler(
      () => ({ correlationId: 'c-4' }),
      async () => {
        await sendClassified({ platform: 'x', http, classify }, { method: 'GET', url: 'https://api.x.com/2/users/me' });
        await sendClassified({ platform: 'x', http: failing, classify }, { method: 'GET', url: 'https://api.x.com/2/users/me' }).catch(() => undefined);
      },
    );
    const records = await emfOf(() => handler({}, ctx));
    const latency = recordsOf(records, 'PlatformCallLatency');
    expect(latency.map((r) => r['platform'])).toEqual(['x']);
    expect((latency[0]!['PlatformCallLatency'] as number[]).length).toBe(2);
    expect(sumBy(records, 'PlatformCalls', 'statusClass')).toEqual({ '2xx': 1, '5xx': 1 });
    const used = recordsOf(records, 'RateLimitUsedPercent');
    expect(used.map((r) => [r['platform'], r['RateLimitUsedPercent']])).toEqual([['x', 5.9]]);
    expect(used[0]!._aws.CloudWatchMetrics[0]!.Metrics).toEqual(expect.arrayContaining([{ Name: 'RateLimitUsedPercent', Unit: 'Percent' }]));
  });

  it('names the platform of each call from the provider\'s call context', async () => {
    const seen: string[] = [];
    const http = createHttpClient({ defaultTimeoutMs: 1000, fetchImpl: (async () => new Response('{}')) as typeof fetch, onCall: (i) => seen.push(`${i.platform}:${i.host}:${i.status}`) });
    await sendClassified({ platform: 'youtube', http, classify: () => ({ kind: 'permanent', message: 'x' }) }, { method: 'GET', url: 'https://www.googleapis.com/youtube/v3/channels' });
    expect(seen).toEqual(['youtube:www.googleapis.com:200']);
  });
});
