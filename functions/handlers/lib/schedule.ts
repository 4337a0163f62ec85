/** Scheduled (EventBridge) entries: the schedule's constant input arrives as the event's `detail`. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { logger } from './observability';

const detailSchema = z.object({ scheduleId: z.string().optional(), mode: z.string().optional() }).passthrough();

export type ScheduleDetail = z.infer<typeof detailSchema>;

export const scheduledHandler = <R>(run: (detail: ScheduleDetail) => Promise<R>) =>
  middy(async (event: EventBridgeEvent<string, unknown>, _context: Context): Promise<R> => {
    const parsed = detailSchema.safeParse(event.detail ?? {});
    const detail: ScheduleDetail = parsed.success ? parsed.data : {};
    const result = await run(detail);
    logger.info('schedule ran', { schedule: detail.scheduleId, result: result as unknown as Record<string, unknown> });
    return result;
  }).use(injectLambdaContext(logger));
