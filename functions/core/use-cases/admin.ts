/**
 * Operator actions behind the admin routes and the `reach` CLI: sync a chosen set of connections,
 * refresh tokens now, and delete old history points. They read every connection (admin only).
 */
import type { Connection } from '../model/connection';
import { ValidationError } from '../errors';
import type { UseCaseDeps } from './context';
import { requestSync, type SyncRequestResult } from './sync';

export interface Selection {
  readonly all?: boolean;
  readonly userId?: string;
  readonly platform?: string;
  readonly connectionId?: string;
}

/** The connections a selection names; at least one criterion is required (`all` for everything). */
export const select = async (deps: UseCaseDeps, s: Selection): Promise<Connection[]> => {
  if (!s.all && !s.userId && !s.platform && !s.connectionId) {
    throw new ValidationError([{ field: 'all', message: 'choose all, userId, platform or connectionId' }]);
  }
  const all = s.userId ? await deps.connections.listByUser(s.userId) : await deps.connections.listAll();
  return all.filter((c) => (!s.platform || c.platform === s.platform) && (!s.connectionId || c.connectionId === s.connectionId));
};

/** One sync job per user whose connections are selected. */
export const adminSync = async (deps: UseCaseDeps, s: Selection, dryRun: boolean) => {
  const chosen = await select(deps, s);
  const byUser = new Map<string, Connection[]>();
  for (const c of chosen) byUser.set(c.userId, [...(byUser.get(c.userId) ?? []), c]);
  const jobs: Array<SyncRequestResult & { userId: string }> = [];
  for (const [userId, list] of byUser) jobs.push({ userId, ...(await requestSync(deps, userId, list, { dryRun })) });
  return {
    dryRun,
    connections: chosen.length,
    queued: jobs.reduce((n, j) => n + j.queued, 0),
    fresh: jobs.reduce((n, j) => n + j.fresh, 0),
    jobs,
  };
};

/** Queues a forced token refresh for the selected active connections. */
export const adminRefreshTokens = async (deps: UseCaseDeps, s: Selection, dryRun: boolean) => {
  const chosen = (await select(deps, s)).filter((c) => c.status === 'active');
  if (!dryRun) await deps.queue.send('refresh', chosen.map((c) => ({ body: { userId: c.userId, connectionId: c.connectionId, force: true } })));
  return { dryRun, queued: dryRun ? 0 : chosen.length, connections: chosen.map((c) => c.connectionId) };
};

/** Deletes history points older than `days` (daily snapshots are kept); for changing one's mind. */
export const adminCleanup = async (deps: UseCaseDeps, days: number, dryRun: boolean) => {
  const before = new Date(deps.now().getTime() - days * 86_400_000).toISOString();
  let points = 0;
  const all = await deps.connections.listAll();
  for (const c of all) points += await deps.history.deletePointsBefore(c.connectionId, before, dryRun);
  return { dryRun, before, connections: all.length, points };
};
