/**
 * The local runtime keeps EMF records off the terminal: nobody turns them into metrics there, and
 * printed they would bury the logs. The handlers still record their metrics (the metrics test shows
 * what they print when enabled); Powertools drops them at publish time.
 */
import { silentLog } from '../../local/log';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';

let rt: LocalRuntime | undefined;
const printed: string[] = [];

afterEach(async () => {
  await rt?.stop();
  rt = undefined;
  jest.restoreAllMocks();
});

describe('the local runtime', () => {
  it('runs schedules and serves requests without printing a single EMF record', async () => {
    const keep = (chunk: string | Uint8Array) => {
      printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    jest.spyOn(process.stdout, 'write').mockImplementation(keep);
    jest.spyOn(process.stderr, 'write').mockImplementation(keep);

    rt = await startLocalRuntime({ port: 0, fakesPort: 0, awsPort: 0, quiet: true, scheduleScale: 0, batchingWindowScale: 0, log: silentLog });
    expect(rt.env['POWERTOOLS_METRICS_DISABLED']).toBe('true');

    // Every completed schedule run records ScheduleRan.
    for (const id of ['publishPlanner', 'syncPlanner', 'tokenPlanner', 'analyticsPlanner']) {
      const outcome = await rt.runSchedule(id);
      expect(outcome.ok).toBe(true);
    }
    const res = await fetch(`${rt.apiUrl}/v1/platforms`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBeTruthy();
    await rt.queues.drain(10_000);

    expect(printed.join('')).not.toContain('"_aws"');
  }, 60_000);
});
