/** Hourly: queues every connection whose tokens are due for a refresh or the daily touch. */
import { planTokenRefresh } from '../../core/use-cases/tokens';
import { deps } from '../../composition/deps';
import { recordScheduleRun } from '../../core/use-cases/operations';
import { scheduledHandler } from '../lib/schedule';

export const handler = scheduledHandler(async (detail) => {
  const result = await planTokenRefresh(deps());
  await recordScheduleRun(deps(), detail.scheduleId ?? 'tokenPlanner', { ...result });
  return result;
});
