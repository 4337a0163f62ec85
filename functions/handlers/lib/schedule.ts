/**
 * Scheduled (EventBridge) entries: the schedule's constant input arrives as the event's `detail`.
 * Each run logs under its event id and counts one `ScheduleRan` for its schedule when it completes:
 * the "schedule stopped" alarms watch that count, so a schedule that no longer fires and one whose
 * every run fails both raise them.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { safeCorrelationId } from './invocation';
import { logger, observedHandler, recordMetric } from './observability';

const detailSchema = z.object({ scheduleId: z.string().optional(), mode: z.string().optional() }).passthrough();

export type ScheduleDetail = z.infer<typeof detailSchema>;

/** The `schedule` dimension of a run that names no schedule (an invocation by hand). */
export const UNNAMED_SCHEDULE = 'manual';

const detailOf = (event: EventBridgeEvent<string, unknown>): ScheduleDetail => {
  const parsed = detailSchema.safeParse(event.detail ?? {});
  return parsed.success ? parsed.data : {};
};

/** Wraps a planner: parses the detail, runs it, logs and counts the run. */
export const scheduledHandler = <R>(run: (detail: ScheduleDetail) => Promise<R>) =>
  observedHandler(
    (event: EventBridgeEvent<string, unknown>, context: Context) => ({
      // A rule's constant input carries no event id unless the rule maps it in; the request id stands in.
      correlationId: safeCorrelationId(event.id) ?? context.awsRequestId,
      keys: { schedule: detailOf(event).scheduleId ?? UNNAMED_SCHEDULE },
    }),
    async (event: EventBridgeEvent<string, unknown>): Promise<R> => {
      const detail = detailOf(event);
      const result = await run(detail);
      recordMetric('ScheduleRan', MetricUnit.Count, 1, [{ schedule: detail.scheduleId ?? UNNAMED_SCHEDULE }]);
      logger.info('schedule ran', { result: result as unknown as Record<string, unknown> });
      return result;
    },
  );
