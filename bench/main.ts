/**
 * `npm run bench`: Reach's performance figures, each section with its table and the goal it is
 * compared against. Flags: `--only <id>[,<id>…]` runs some sections, `--quick` uses smaller sizes.
 *
 * Timings are wall-clock on whatever machine runs this (the reference one is a shared 2-core
 * box), so the figures that matter most are ratios measured within the same run. A section is
 * one entry of `sections` below: add one there to add a figure.
 */
import './quiet';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';
import type { LocalLog } from '../local/log';
import { functions as topologyFunctions } from '../lib/topology';
import { formatCallsTable, measureCalls } from './calls';
import { formatSyncReport, measureSyncThroughput } from './sync';
import { SECTION_MARK } from './publish';
import { CHAOS_MARK } from './chaos';

/** What a section gets: the size preset and a local runtime shared by every section that asks. */
export interface BenchContext {
  readonly quick: boolean;
  /** Starts the local runtime on first use (no schedule timers: sections fire schedules themselves). */
  runtime(): Promise<LocalRuntime>;
}

export interface SectionOutput {
  /** The table (and detail lines). */
  readonly body: string;
  /** The goal and how the figure compares with it. */
  readonly goal: string;
}

export interface BenchSection {
  /** What `--only` takes. */
  readonly id: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<SectionOutput>;
}

const REPO_ROOT = path.join(__dirname, '..');

const bundlesSection: BenchSection = {
  id: 'bundles',
  title: 'Bundles: size per function (AWS SDK external as deployed, and bundled) and cold module-init time',
  async run(ctx) {
    // Loaded here so that the other sections run even while the bundling helpers are missing.
    const { measureBundles, formatBundleTable } = await import('./bundles');
    const present = topologyFunctions.filter((f) => existsSync(path.join(REPO_ROOT, f.entry)));
    const missing = topologyFunctions.filter((f) => !present.includes(f));
    const rows = await measureBundles({ functions: present, runs: ctx.quick ? 2 : 5 });
    const over = rows.filter((r) => r.sdkExternalKb > r.budgetKb);
    const notes = missing.map((f) => `not measured: ${f.id} (${f.entry} does not exist yet)`);
    return {
      body: [formatBundleTable(rows), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n'),
      goal:
        `goal: every deployed bundle within its budget → ${rows.length - over.length}/${rows.length} within: ${over.length === 0 && missing.length === 0 ? 'PASS' : 'FAIL'}` +
        `${over.length > 0 ? ` (over: ${over.map((r) => r.id).join(', ')})` : ''}; cold init is the median of ${ctx.quick ? 2 : 5} fresh processes`,
    };
  },
};

const callsSection: BenchSection = {
  id: 'calls',
  title: 'Platform calls per account-sync (planner → sync queue → worker; counted at the fakes, OAuth/token routes excluded)',
  async run(ctx) {
    const rt = await ctx.runtime();
    const rows = await measureCalls(rt, { accountsPerPlatform: ctx.quick ? 2 : 5, youtubeChannels: ctx.quick ? 60 : 100 });
    const withGoal = rows.filter((r) => r.goal);
    const passed = withGoal.filter((r) => r.verdict === 'pass');
    return {
      body: formatCallsTable(rows),
      goal:
        'goal: Instagram, Facebook, X ≤ 1 call per account-sync; TikTok, LinkedIn ≤ 2; YouTube ≤ 1 per 50 channels → ' +
        `${passed.length}/${withGoal.length} met: ${passed.length === withGoal.length ? 'PASS' : 'FAIL'}`,
    };
  },
};

const syncSection: BenchSection = {
  id: 'sync',
  title: 'Sync throughput (every platform call held ≥ 100 ms by a `slow` fault on every fake)',
  async run(ctx) {
    const rt = await ctx.runtime();
    const result = await measureSyncThroughput(rt, { connections: ctx.quick ? 200 : 1000, baselineSample: ctx.quick ? 20 : 50, slowMs: 100 });
    return {
      body: formatSyncReport(result),
      goal: `goal: 1,000 connections end to end in ≤ 10 s and ≥ 10× the one-at-a-time baseline → ${result.goals.timeOk && result.goals.speedupOk ? 'PASS' : 'FAIL'}${ctx.quick ? ' (quick: smaller run, the time goal scaled to its size)' : ''}`,
    };
  },
};

/**
 * Runs a section's script in a process of its own (a fresh runtime and fresh handler dependencies)
 * and reads the one marked result line it prints.
 */
const runInOwnProcess = async (script: string, args: readonly string[], mark: string): Promise<{ body: string; goal: string }> => {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, script), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`bench/${script} exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`))));
  });
  const line = out.split('\n').find((l) => l.startsWith(mark));
  if (!line) throw new Error(`bench/${script} printed no result`);
  return z.object({ body: z.string(), goal: z.string() }).parse(JSON.parse(line.slice(mark.length)));
};

const latenessSection: BenchSection = {
  id: 'lateness',
  title: 'Publish lateness (posts due over the next two minutes, planner fired at minute boundaries; receive time at the fake − due instant)',
  // Its own process: the shared runtime holds the accounts and state of the earlier sections.
  run: (ctx) => runInOwnProcess('lateness-run.ts', ['--posts', ctx.quick ? '60' : '200', '--window', ctx.quick ? '60' : '120'], SECTION_MARK),
};

const chaosSection: BenchSection = {
  id: 'chaos',
  title: 'Publishing under chaos (429 storms, 5xx, timeouts, an expired token, duplicate deliveries, workers dying after the platform accepted)',
  // Its own process: it replaces the publish worker and shortens the platform timeout before
  // any handler loads, which the shared runtime's already-built dependencies would not see.
  run: (ctx) => runInOwnProcess('chaos-run.ts', ['--targets', String(ctx.quick ? 150 : 1000)], CHAOS_MARK),
};

/** Every section, in the order they print. Publishing adds its figure here. */
export const sections: BenchSection[] = [bundlesSection, callsSection, syncSection, latenessSection, chaosSection];

interface Flags {
  readonly quick: boolean;
  readonly only?: readonly string[];
}

const parseFlags = (argv: readonly string[]): Flags => {
  let quick = false;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!value) throw new Error('--only needs a section id');
      only = [...(only ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
    } else throw new Error(`unknown argument ${arg}`);
  }
  const known = sections.map((s) => s.id);
  const unknown = (only ?? []).filter((id) => !known.includes(id));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return { quick, ...(only && { only }) };
};

/** Collects the runtime's warnings so that they are summarized, not interleaved with the tables. */
const collectingLog = (): LocalLog & { readonly warnings: string[] } => {
  const warnings: string[] = [];
  return {
    warnings,
    info: () => undefined,
    warn: (m) => warnings.push(m),
    error: (m) => warnings.push(`error: ${m}`),
  };
};

const main = async (): Promise<number> => {
  let flags: Flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\nusage: npm run bench -- [--only ${sections.map((s) => s.id).join('|')}] [--quick]`);
    return 2;
  }
  const chosen = sections.filter((s) => !flags.only || flags.only.includes(s.id));
  const cpus = os.cpus();
  console.log(`Reach bench${flags.quick ? ' (--quick)' : ''} — ${new Date().toISOString()}, node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}`);
  console.log('Times are wall-clock on a shared machine and vary run to run; compare ratios measured in the same run.');

  const log = collectingLog();
  let runtime: Promise<LocalRuntime> | undefined;
  const ctx: BenchContext = {
    quick: flags.quick,
    // Handlers log only errors: warnings about retried records are counted in the tables instead.
    runtime: () => (runtime ??= startLocalRuntime({ quiet: true, scheduleScale: 0, log, env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'ERROR' } })),
  };
  let crashed = 0;
  try {
    for (const [i, section] of chosen.entries()) {
      console.log(`\n${i + 1}. ${section.title}\n`);
      const started = performance.now();
      const before = log.warnings.length;
      try {
        const out = await section.run(ctx);
        console.log(out.body);
        console.log(`\n${out.goal}`);
      } catch (err) {
        crashed += 1;
        console.log(`the ${section.id} section could not run: ${err instanceof Error ? err.message : String(err)}`);
      }
      const warnings = log.warnings.slice(before);
      if (warnings.length > 0) {
        const distinct = [...new Set(warnings)];
        console.log(`local runtime: ${warnings.length} warning(s), e.g. ${distinct.slice(0, 3).join(' | ')}`);
      }
      console.log(`(${section.id}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    // A runtime that failed to start was reported by the section that asked for it.
    if (runtime) await runtime.then((rt) => rt.stop(), () => undefined);
  }
  return crashed > 0 ? 1 : 0;
};

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
