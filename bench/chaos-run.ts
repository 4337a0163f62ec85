/**
 * The chaos figure in a process of its own (`node --import tsx bench/chaos-run.ts --targets N`):
 * the crash switch replaces the publish worker, and the short platform timeout must be in the
 * environment before any handler builds its dependencies, so it cannot share the bench's runtime.
 * Handlers print their metrics on stdout, so the result goes out as one marked JSON line.
 */
import './quiet';
import { performance } from 'node:perf_hooks';
import { startLocalRuntime } from '../local/runtime';
import { silentLog } from '../local/log';
import { CrashSwitch, crashingPublishWorker } from './chaos-worker';
import { CHAOS_MARK, formatChaosReport, runPublishChaos } from './chaos';

/** Slow faults sit just past this; short, so a run of a thousand targets ends in minutes. */
const PLATFORM_TIMEOUT_MS = 1500;

const argValue = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const n = raw === undefined ? fallback : Number.parseInt(raw, 10);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer, not ${raw ?? ''}`);
  return n;
};

const main = async (): Promise<number> => {
  const targets = argValue('--targets', 1000);
  process.env['PLATFORM_TIMEOUT_MS'] = String(PLATFORM_TIMEOUT_MS);
  const crash = new CrashSwitch();
  const started = performance.now();
  const rt = await startLocalRuntime({
    quiet: true,
    scheduleScale: 0,
    batchingWindowScale: 0,
    log: silentLog,
    env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'ERROR' },
    handlers: { publishWorker: crashingPublishWorker(crash) },
  });
  try {
    const result = await runPublishChaos(rt, crash, {
      targets,
      connectionsPerPlatform: Math.max(3, Math.ceil(targets / 150)),
      users: Math.max(2, Math.ceil(targets / 400)),
      deadlineMs: Math.max(45_000, targets * 240),
      duplicateShare: 0.15,
      crashEvery: 20,
      platformTimeoutMs: PLATFORM_TIMEOUT_MS,
      runId: `chaos${Date.now().toString(36)}`,
    });
    const failed = Object.values(result.failed).reduce((a, b) => a + b, 0);
    const pass = result.duplicates === 0 && result.lost === 0 && result.published + failed === result.targets;
    const body = formatChaosReport(result);
    const goal =
      `goal: 0 targets published twice, 0 lost (each published once, or failed with its reason) → ` +
      `${result.duplicates} twice, ${result.lost} lost, ${result.published} published, ${failed} failed of ${result.targets} in ${((performance.now() - started) / 1000).toFixed(0)} s: ${pass ? 'PASS' : 'FAIL'}`;
    process.stdout.write(`\n${CHAOS_MARK}${JSON.stringify({ body, goal })}\n`);
    return 0;
  } finally {
    await rt.stop();
  }
};

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
