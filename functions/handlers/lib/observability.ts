/**
 * The Powertools logger, metrics and tracer every handler shares, and the one wrapper that gives
 * each invocation its correlation id, its log keys and its metrics. Created once per cold start;
 * Powertools reads its own POWERTOOLS_* variables (log level, metrics and tracing switches).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { HttpCallInfo } from '../../providers/http';
import { powertoolsServiceName, tracingEnabled } from '../../config/env';
import { currentInvocation, runInvocation } from './invocation';
import { ReachLogFormatter } from './log-format';
import { MetricBuffer, type Dimensions, type Unit } from './metric-buffer';

/** The `service` key of log lines and the `service` dimension of every metric: the stage's (`reach-<stage>`). */
export const SERVICE_NAME = powertoolsServiceName();
/** CloudWatch namespace of Reach's metrics (the dashboard and alarms read it). */
export const METRICS_NAMESPACE = 'Reach';

/** JSON log lines; each carries the correlation id and keys of the invocation it was written in. */
export const logger = new Logger({ serviceName: SERVICE_NAME, logFormatter: new ReachLogFormatter() });
/** The EMF writer behind `publishMetrics` (POWERTOOLS_METRICS_DISABLED silences it). */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
/**
 * X-Ray through Powertools' tracer, loaded only when tracing is on (in Lambda with active tracing):
 * the X-Ray SDK installs async hooks when it is imported, which tax every await in the process
 * (measured: ~2 ms of CPU per connection-sync in the local runtime) for nothing when tracing is off.
 */
export const tracer: Tracer | undefined = tracingEnabled()
  ? new (require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: SERVICE_NAME })
  : undefined;

/** The AWS SDK client, traced as an X-Ray subsegment per call when tracing is on. */
export const traced = <T>(client: T): T => (tracer ? tracer.captureAWSv3Client(client) : client);

/**
 * Records a metric value for the current invocation, published when it ends under each of
 * `dimensionSets`. Outside an invocation (CLI tools, benches) nothing is recorded: no handler is
 * there to publish it, and EMF records on a terminal are noise.
 */
export const recordMetric = (name: string, unit: Unit, value: number, dimensionSets: readonly Dimensions[]): void => {
  currentInvocation()?.metrics.add(name, unit, value, dimensionSets);
};

// Powertools publishes by itself when a metric reaches 100 values and clears the dimensions as it
// does, so the values of a group go out in records of at most 99, each with its dimensions.
const MAX_VALUES_PER_RECORD = 99;

/**
 * Writes the buffered metrics as EMF records through Powertools: one per dimension group and set.
 * Sets that share a key (per platform and outcome, and per outcome) go in separate records, which
 * CloudWatch aggregates alike, because Powertools warns about a key shared by two sets of one record.
 */
export const publishMetrics = (buffer: MetricBuffer): void => {
  for (const group of buffer.drain()) {
    const longest = Math.max(...[...group.metrics.values()].map((s) => s.values.length));
    for (const set of group.dimensionSets) {
      for (let offset = 0; offset < longest; offset += MAX_VALUES_PER_RECORD) {
        metrics.addDimensions({ ...set });
        for (const [name, series] of group.metrics) {
          for (const v of series.values.slice(offset, offset + MAX_VALUES_PER_RECORD)) metrics.addMetric(name, series.unit, v);
        }
        metrics.publishStoredMetrics();
      }
    }
  }
};

/** How an invocation introduces itself in its log lines. */
export interface InvocationStart {
  readonly correlationId: string;
  readonly keys?: Readonly<Record<string, string>>;
}

/**
 * Wraps a handler body with Reach's observability: the invocation runs in its own scope (correlation
 * id, log keys, metrics), its metrics are published when it ends, Powertools' logger gets the Lambda
 * context and the tracer a segment per invocation. Responses are not captured into traces: they
 * carry users' data.
 */
export const observedHandler = <E, R>(start: (event: E, context: Context) => InvocationStart, body: (event: E, context: Context) => Promise<R>) => {
  const handler = middy(async (event: E, context: Context): Promise<R> => {
    const { correlationId, keys } = start(event, context);
    const buffer = new MetricBuffer();
    try {
      return await runInvocation({ correlationId, requestId: context.awsRequestId, keys: keys ?? {}, metrics: buffer }, () => body(event, context));
    } finally {
      try {
        publishMetrics(buffer);
      } catch (err) {
        // A malformed metric must not turn a handled invocation into a failed one.
        logger.warn('could not publish metrics', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  })
    .use(injectLambdaContext(logger));
  return tracer ? handler.use(captureLambdaHandler(tracer, { captureResponse: false })) : handler;
};

/** `2xx` … `5xx`, or `timeout` / `network` when no answer came. */
export const statusClass = (status: HttpCallInfo['status']): string => (typeof status === 'number' ? `${Math.floor(status / 100)}xx` : status);

/**
 * Counts one platform call: its latency, its status class and, where the platform's headers said
 * so, how much of its rate limit is used.
 */
export const recordPlatformCall = (info: HttpCallInfo): void => {
  // Every provider call names its platform (sendClassified); the host stands in for any that does not.
  const platform: string = info.platform ?? info.host;
  recordMetric('PlatformCallLatency', MetricUnit.Milliseconds, Math.round(info.ms), [{ platform }]);
  recordMetric('PlatformCalls', MetricUnit.Count, 1, [{ platform, statusClass: statusClass(info.status) }]);
  if (info.rateLimitUsedPercent !== undefined) recordMetric('RateLimitUsedPercent', MetricUnit.Percent, info.rateLimitUsedPercent, [{ platform }]);
};

/** One sync or publish outcome, counted per platform and across platforms (what the alarms read). */
export const recordOutcome = (metric: 'SyncOutcome' | 'PublishOutcome', platform: string, outcome: string, count = 1): void => {
  if (count <= 0) return;
  recordMetric(metric, MetricUnit.Count, count, [{ platform, outcome }, { outcome }]);
};
