/**
 * The lateness figure in a process of its own (`node --import tsx bench/lateness-run.ts
 * --posts N --window S`): a fresh runtime and fresh fakes, so what earlier sections left behind
 * (a thousand accounts, their queues) does not weigh on the measurement. Handlers print their
 * metrics on stdout, so the result goes out as one marked JSON line.
 */
import './quiet';
import { startLocalRuntime } from '../local/runtime';
import { silentLog } from '../local/log';
import { fixed } from './table';
import { formatLatenessReport, measureLateness, SECTION_MARK } from './publish';

const argValue = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const n = raw === undefined ? fallback : Number.parseInt(raw, 10);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer, not ${raw ?? ''}`);
  return n;
};

const main = async (): Promise<number> => {
  const posts = argValue('--posts', 200);
  const windowSeconds = argValue('--window', 120);
  const rt = await startLocalRuntime({ quiet: true, scheduleScale: 0, log: silentLog, env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'ERROR' } });
  try {
    const r = await measureLateness(rt, { posts, windowSeconds, runId: `late${Date.now().toString(36)}` });
    const goal = `goal: p99 ≤ 2 s → p99 ${fixed(r.p99, 2)} s: ${r.p99 <= 2 && r.measured > 0 ? 'PASS' : 'FAIL'}`;
    process.stdout.write(`\n${SECTION_MARK}${JSON.stringify({ body: formatLatenessReport(r), goal })}\n`);
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
