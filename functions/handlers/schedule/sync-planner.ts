/** Every 5 minutes (and at midnight UTC for the daily snapshot): queues connections due for a sync. */
import { planSync } from '../../core/use-cases/sync';
import { deps } from '../../composition/deps';
import { recordScheduleRun } from '../../core/use-cases/operations';
import { scheduledHandler } from '../lib/schedule';

export const handler = scheduledHandler(async (detail) => {
  const result = await planSync(deps(), detail.mode === 'daily' ? 'daily' : 'due');
  await recordScheduleRun(deps(), detail.scheduleId ?? (detail.mode === 'daily' ? 'dailySnapshot' : 'syncPlanner'), result);
  return result;
});
