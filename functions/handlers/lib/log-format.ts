/**
 * The log line format: Powertools' standard keys (so its documented CloudWatch Logs Insights
 * queries keep working) plus `correlation_id` and the scope's keys, read from the current
 * invocation at the moment of logging. Powertools' own `setCorrelationId`/`appendKeys` keep one
 * value per module, which concurrent invocations and concurrent SQS records would overwrite.
 * https://docs.aws.amazon.com/powertools/typescript/latest/features/logger/ (custom log formatter)
 */
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { currentInvocation } from './invocation';

export class ReachLogFormatter extends LogFormatter {
  /** Builds one log line's keys: Powertools' base keys, the invocation's, then the caller's. */
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const invocation = currentInvocation();
    const lambda = attributes.lambdaContext;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: lambda?.coldStart,
      function_arn: lambda?.invokedFunctionArn,
      function_memory_size: lambda?.memoryLimitInMB,
      function_name: lambda?.functionName,
      // The invocation's own id: Powertools' stored context belongs to whichever invocation started last.
      function_request_id: invocation?.requestId ?? lambda?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
      correlation_id: invocation?.correlationId,
      ...invocation?.keys,
    };
    return new LogItem({ attributes: base }).addAttributes(additionalLogAttributes);
  }
}
