import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { connectionHistory } from '../../functions/core/use-cases/history';
import { requestSync, runSyncMessage, type SyncMessage } from '../../functions/core/use-cases/sync';
import { NotFoundError, ValidationError } from '../../functions/core/errors';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider } from '../support/test-provider';

const setup = async () => {
  const acme = createTestProvider();
  const deps = memoryDeps(directoryOf(acme.provider));
  const { state } = await startConnect(deps, { userId: 'u1', platform: 'acme' });
  const id = (await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } })).connectionIds[0]!;
  deps.queue.sent.length = 0;
  return { acme, deps, id, connection: (await deps.connections.get('u1', id))! };
};

const deliver = async (deps: MemoryDeps) => {
  const batch = deps.queue.sent.splice(0);
  for (const m of batch) await runSyncMessage(deps, m.body as unknown as SyncMessage);
};

describe('requestSync', () => {
  it('queues a job, records each connection\'s outcome, and says fresh inside the window', async () => {
    const { deps, id, connection } = await setup();
    const first = await requestSync(deps, 'u1', [connection], { dryRun: false });
    expect(first).toMatchObject({ queued: 1, fresh: 0, dryRun: false });
    await deliver(deps);
    expect((await deps.jobs.getSyncJob('u1', first.jobId))?.connections[id]?.outcome).toBe('synced');

    const again = await requestSync(deps, 'u1', [(await deps.connections.get('u1', id))!], { dryRun: false });
    expect(again).toMatchObject({ queued: 0, fresh: 1 });
    expect(deps.queue.sent).toHaveLength(0);
    expect((await deps.jobs.getSyncJob('u1', again.jobId))?.connections[id]?.outcome).toBe('fresh');
  });

  it('in a dry run queues nothing and says what would happen', async () => {
    const { deps, id, connection } = await setup();
    const out = await requestSync(deps, 'u1', [connection], { dryRun: true });
    expect(out).toMatchObject({ queued: 0, dryRun: true });
    expect(deps.queue.sent).toHaveLength(0);
    expect((await deps.jobs.getSyncJob('u1', out.jobId))?.connections[id]?.outcome).toBe('would_sync');
  });

  it('records a failure with its kind on the job', async () => {
    const { deps, acme, id, connection } = await setup();
    const job = await requestSync(deps, 'u1', [connection], { dryRun: false });
    acme.failNext = { kind: 'invalid_request', message: 'missing scope' };
    await deliver(deps);
    expect((await deps.jobs.getSyncJob('u1', job.jobId))?.connections[id]).toMatchObject({ outcome: 'failed', detail: 'invalid_request: missing scope' });
  });
});

describe('connectionHistory', () => {
  it('returns daily snapshots, or the last point of each hour', async () => {
    const { deps, id } = await setup();
    const at = (iso: string, followers: number, daily: boolean) => deps.history.append(id, { at: iso, snapshot: { followers } }, { daily });
    await at('2026-11-22T10:05:00.000Z', 1, true);
    await at('2026-11-22T10:45:00.000Z', 2, false);
    await at('2026-11-22T11:15:00.000Z', 3, false);
    await at('2026-11-23T09:00:00.000Z', 4, true);
    const daily = await connectionHistory(deps, 'u1', id, { interval: 'day' });
    expect(daily.points.map((p) => p.followers)).toEqual([1, 4]);
    const hourly = await connectionHistory(deps, 'u1', id, { interval: 'hour', from: '2026-11-22T00:00:00Z', to: '2026-11-23T00:00:00Z' });
    expect(hourly.points.map((p) => p.followers)).toEqual([2, 3]);
  });

  it('refuses a reversed window and a foreign connection', async () => {
    const { deps, id } = await setup();
    await expect(connectionHistory(deps, 'u1', id, { interval: 'day', from: '2026-11-23T00:00:00Z', to: '2026-11-01T00:00:00Z' })).rejects.toBeInstanceOf(ValidationError);
    await expect(connectionHistory(deps, 'u2', id, { interval: 'day' })).rejects.toBeInstanceOf(NotFoundError);
  });
});
