/**
 * Publishing under chaos: ~150 targets over all seven platforms, with 429 storms, 5xx, timeouts
 * (whose post lands at the platform or does not), an expired token, duplicate SQS deliveries and
 * workers dying after the platform accepted, then counted at the fake platforms: no target is
 * published twice, and none is lost.
 */
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { silentLog } from '../../local/log';
import { CrashSwitch, crashingPublishWorker } from '../../bench/chaos-worker';
import { formatChaosReport, runPublishChaos, type ChaosResult } from '../../bench/chaos';

// Slow faults are set just past the platform timeout; a short one keeps the run fast. The
// handlers read it from the process environment when they build their dependencies.
const PLATFORM_TIMEOUT_MS = 2000;
const previousTimeout = process.env['PLATFORM_TIMEOUT_MS'];
process.env['PLATFORM_TIMEOUT_MS'] = String(PLATFORM_TIMEOUT_MS);
// REACH_CHAOS_TRACE=1 prints each settle round's measurements (a slow or starving run).
const trace = process.env['REACH_CHAOS_TRACE'] === '1';

let rt: LocalRuntime;
const crash = new CrashSwitch();
let result: ChaosResult;

beforeAll(async () => {
  rt = await startLocalRuntime({ quiet: true, scheduleScale: 0, batchingWindowScale: 0, log: silentLog, handlers: { publishWorker: crashingPublishWorker(crash) } });
  result = await runPublishChaos(rt, crash, {
    targets: 147,
    connectionsPerPlatform: 3,
    users: 2,
    // Settles in about 50 s on an idle 2-core machine: the slack is for one busy with other work.
    deadlineMs: 120_000,
    duplicateShare: 0.15,
    crashEvery: 20,
    platformTimeoutMs: PLATFORM_TIMEOUT_MS,
    runId: 'chaostest',
    ...(trace && {
      onRound: (r) =>
        process.stderr.write(
          `[chaos] round ${r.round} at ${(r.atMs / 1000).toFixed(1)} s: read ${r.readMs.toFixed(0)} ms, planner ${r.plannerMs.toFixed(0)} ms, ${r.activeInvocations} running, ${r.woken} woken, ${JSON.stringify(r.states)}\n`,
        ),
    }),
  });
  if (trace) process.stderr.write(`${formatChaosReport(result)}\n`);
}, 180_000);

afterAll(async () => {
  await rt?.stop();
  if (previousTimeout === undefined) delete process.env['PLATFORM_TIMEOUT_MS'];
  else process.env['PLATFORM_TIMEOUT_MS'] = previousTimeout;
});

describe('publishing under chaos', () => {
  it('publishes no target twice and loses none', () => {
    if (result.duplicates + result.lost > 0) console.log(formatChaosReport(result));
    expect({ duplicates: result.duplicates, lost: result.lost, unsettled: result.unsettled }).toEqual({ duplicates: 0, lost: 0, unsettled: 0 });
    expect(result.published + Object.values(result.failed).reduce((a, b) => a + b, 0)).toBe(result.targets);
  });

  it('really went through the faults: crashes, redeliveries, and targets on every platform published', () => {
    expect(result.crashes).toBeGreaterThan(0);
    expect(result.duplicateDeliveries).toBeGreaterThan(0);
    expect(result.byPlatform.map((p) => p.platform).sort()).toEqual(['facebook', 'google_business', 'instagram', 'linkedin', 'tiktok', 'x', 'youtube']);
    for (const p of result.byPlatform) expect(p.published).toBeGreaterThan(0);
  });

  it('fails the targets an expired token hit with auth_expired, never publishing them', () => {
    const authFailures = Object.entries(result.failed).filter(([k]) => k.startsWith('auth_expired'));
    expect(authFailures.length).toBeGreaterThan(0);
  });
});
