/** Operator views: schedule heartbeats and the admin statistics. */
import type { UseCaseDeps } from './context';
import type { QueueStats } from '../ports/operations';

const heartbeatKey = (scheduleId: string) => `schedule#${scheduleId}`;
const YEAR_MS = 365 * 86_400_000;

/** Records that a schedule ran and what it did (read by the admin stats and the stale-schedule alarm). */
export const recordScheduleRun = async (deps: UseCaseDeps, scheduleId: string, result: Readonly<Record<string, unknown>>): Promise<void> => {
  const now = deps.now();
  await deps.control.put(heartbeatKey(scheduleId), { lastRunAt: now.toISOString(), result }, new Date(now.getTime() + YEAR_MS));
};

/**
 * Sync success and errors by platform (from every connection: an admin-only read of the whole
 * table), the last run of each schedule, and each queue's backlog.
 */
export const adminStats = async (deps: UseCaseDeps, stats: QueueStats, scheduleIds: readonly string[], queueIds: readonly string[]) => {
  const all = await deps.connections.listAll();
  const byPlatform: Record<string, { connections: number; active: number; reauthRequired: number; syncedOk: number; syncErrors: number; lastErrors: string[] }> = {};
  for (const c of all) {
    const e = (byPlatform[c.platform] ??= { connections: 0, active: 0, reauthRequired: 0, syncedOk: 0, syncErrors: 0, lastErrors: [] });
    e.connections += 1;
    if (c.status === 'active') e.active += 1;
    if (c.status === 'reauth_required') e.reauthRequired += 1;
    if (c.lastSyncError) {
      e.syncErrors += 1;
      if (e.lastErrors.length < 5) e.lastErrors.push(c.lastSyncError);
    } else if (c.lastSyncAt) e.syncedOk += 1;
  }
  const platforms = Object.fromEntries(
    Object.entries(byPlatform).map(([p, e]) => [p, { ...e, syncSuccessRate: e.syncedOk + e.syncErrors > 0 ? e.syncedOk / (e.syncedOk + e.syncErrors) : undefined }]),
  );
  const schedules = Object.fromEntries(await Promise.all(scheduleIds.map(async (id) => [id, (await deps.control.get(heartbeatKey(id))) ?? null] as const)));
  const queues = Object.fromEntries(await Promise.all(queueIds.map(async (id) => [id, await stats.depth(id)] as const)));
  return { platforms, schedules, queues, generatedAt: deps.now().toISOString() };
};
