/** "Sync now": asks for a sync and follows its job until every connection has an outcome. */
import type { AppContext } from '../context';
import { syncJob, syncRequested } from '../schemas';

const POLL_MS = 700;
const POLL_LIMIT_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Syncs one connection (`connectionId`) or all of the caller's, tells the user what happened,
 * and resolves once the job is done (or has been followed for 20 s).
 */
export const syncNow = async (ctx: AppContext, connectionId?: string): Promise<void> => {
  const path = connectionId ? `/v1/connections/${encodeURIComponent(connectionId)}/sync` : '/v1/sync';
  const req = await ctx.api.post(path, {}, syncRequested);
  if (req.queued === 0) {
    ctx.notify('info', req.fresh > 0 ? 'Already up to date: synced within the freshness window, so no platform call was made.' : 'Nothing to sync: no active connection was selected.');
    return;
  }
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    await sleep(POLL_MS);
    const job = await ctx.api.get(`/v1/sync/jobs/${encodeURIComponent(req.jobId)}`, syncJob);
    if (job.status === 'done') {
      const failed = Object.values(job.connections).filter((c) => c.outcome !== 'synced' && c.outcome !== 'fresh');
      if (failed.length === 0) ctx.notify('success', `Synced ${req.queued} connection${req.queued === 1 ? '' : 's'}.`);
      else ctx.notify('error', `Sync finished with problems: ${failed.map((f) => `${f.outcome}${f.detail ? ` (${f.detail})` : ''}`).join('; ')}`);
      return;
    }
    if (Date.now() > deadline) {
      ctx.notify('info', 'The sync is still running; refresh in a moment to see the new figures.');
      return;
    }
  }
};
