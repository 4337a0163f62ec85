/**
 * Bundle bench: per topology function, the minified size as deployed (AWS SDK left to the runtime)
 * and with the SDK bundled, and the cold module-init time of the deployed form. The bundle test
 * uses the same helpers, and both take their esbuild options from `lib/constructs/bundling.ts`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions, REPO_ROOT } from '../lib/constructs/bundling';
import { functions as topologyFunctions, type FunctionDef, type FunctionId } from '../lib/topology';

/** What the Lambda Node.js runtime provides besides Node itself: the AWS SDK v3 and its Smithy core. */
export const RUNTIME_PACKAGES = ['@aws-sdk', '@smithy'] as const;

/**
 * A bare folder whose only node_modules are the runtime-provided packages (symlinked from the
 * repository), as in the Lambda runtime: anything else a bundle requires must be inside it.
 */
export const createRuntimeSandbox = (prefix = 'reach-bundles-'): { readonly dir: string; readonly dispose: () => void } => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  mkdirSync(path.join(dir, 'node_modules'));
  for (const pkg of RUNTIME_PACKAGES) {
    symlinkSync(path.join(REPO_ROOT, 'node_modules', pkg), path.join(dir, 'node_modules', pkg), 'dir');
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
};

export interface BuiltBundle {
  readonly outfile: string;
  readonly bytes: number;
}

/** Bundles one function as NodejsFunction does (or with the SDK inside, for comparison). */
export const bundleFunction = async (def: FunctionDef, outDir: string, bundleSdk = false): Promise<BuiltBundle> => {
  const entry = path.join(REPO_ROOT, def.entry);
  if (!existsSync(entry)) throw new Error(`${def.id}: entry ${def.entry} does not exist`);
  const outfile = path.join(outDir, def.id, bundleSdk ? 'with-sdk' : 'deployed', 'index.js');
  await build(esbuildOptions({ entry: def.entry, outfile, bundleSdk }));
  return { outfile, bytes: statSync(outfile).size };
};

export interface LoadResult {
  /** `typeof require(bundle).handler` in the child. */
  readonly handlerType: string;
  /** Milliseconds spent in `require(bundle)`, measured inside the child with process.hrtime. */
  readonly initMs: number;
}

// Runs in a fresh `node` process: times only the require, reports what `handler` is.
const LOADER = [
  'const target = process.argv[1];',
  'const t0 = process.hrtime.bigint();',
  'const mod = require(target);',
  'const t1 = process.hrtime.bigint();',
  'process.stdout.write(JSON.stringify({ handlerType: typeof mod.handler, initMs: Number(t1 - t0) / 1e6 }));',
].join('\n');

/**
 * Requires `bundle` in a fresh Node process whose working directory is `cwd`, with an environment
 * like Lambda's (source maps on, a region, nothing from this process).
 */
export const loadInFreshProcess = (bundle: string, cwd: string): LoadResult => {
  const child = spawnSync(process.execPath, ['-e', LOADER, bundle], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  if (child.status !== 0) throw new Error(`require(${path.basename(path.dirname(bundle))}) failed (exit ${child.status}): ${child.stderr.slice(0, 2000)}`);
  const parsed: unknown = JSON.parse(child.stdout);
  if (typeof parsed !== 'object' || parsed === null || !('handlerType' in parsed) || !('initMs' in parsed)) {
    throw new Error(`unexpected loader output: ${child.stdout.slice(0, 200)}`);
  }
  return { handlerType: String(parsed.handlerType), initMs: Number(parsed.initMs) };
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export interface BundleMeasurement {
  readonly id: FunctionId;
  readonly budgetKb: number;
  /** Minified size as deployed (AWS SDK external). */
  readonly sdkExternalKb: number;
  /** Minified size with the AWS SDK bundled. */
  readonly sdkBundledKb: number;
  /** Median cold `require` time of the deployed bundle over `runs` fresh processes. */
  readonly coldInitMs: number;
}

export interface MeasureOptions {
  readonly functions?: readonly FunctionDef[];
  /** Fresh processes per function for the init time (median taken). */
  readonly runs?: number;
}

const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;

/** Measures every topology function (or the given ones); throws if an entry is missing or does not load. */
export const measureBundles = async (options: MeasureOptions = {}): Promise<BundleMeasurement[]> => {
  const runs = options.runs ?? 5;
  const sandbox = createRuntimeSandbox('reach-bench-');
  try {
    const results: BundleMeasurement[] = [];
    for (const def of options.functions ?? topologyFunctions) {
      const deployed = await bundleFunction(def, sandbox.dir);
      const withSdk = await bundleFunction(def, sandbox.dir, true);
      const times = Array.from({ length: runs }, () => loadInFreshProcess(deployed.outfile, sandbox.dir).initMs);
      results.push({
        id: def.id,
        budgetKb: def.bundleBudgetKb,
        sdkExternalKb: kb(deployed.bytes),
        sdkBundledKb: kb(withSdk.bytes),
        coldInitMs: Math.round(median(times) * 10) / 10,
      });
    }
    return results;
  } finally {
    sandbox.dispose();
  }
};

/** A plain-text table of measurements (for the bench's and the test's output). */
export const formatBundleTable = (rows: readonly BundleMeasurement[]): string => {
  const header = ['function', 'deployed KB', 'budget KB', 'with SDK KB', 'cold init ms'];
  const lines = rows.map((r) => [r.id, r.sdkExternalKb.toFixed(1), String(r.budgetKb), r.sdkBundledKb.toFixed(1), r.coldInitMs.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
};
