/**
 * Builds the dashboard (a static page: `index.html`, `app.js`, `styles.css`, `favicon.svg`) with
 * esbuild, synchronously and in memory, so that the local runtime serves it from memory and the
 * CDK stack bundles it inside `tryBundle` (CDK asset bundling is synchronous).
 *
 * The page reads `/config.json` at start (see `DashboardConfig`); the host serves it beside these
 * files, so one build runs locally and in every stage.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { buildSync } from 'esbuild';

export type { DashboardConfig } from './src/schemas';

/** This folder (`web/`): the sources are found from here wherever the build is called from. */
const WEB_DIR = __dirname;

export interface BuildOptions {
  /** Minify script and styles (deployed stages); the local runtime builds readable code with an inline source map. */
  readonly minify: boolean;
}

/** Files copied as they are. */
const STATIC_FILES = ['index.html', 'favicon.svg'] as const;

/** Builds the page; keys are paths relative to the site root (`index.html`, `app.js`, …). */
export const buildDashboard = (options: BuildOptions): Map<string, Uint8Array> => {
  const out = new Map<string, Uint8Array>();
  for (const file of STATIC_FILES) out.set(file, readFileSync(join(WEB_DIR, file)));
  const result = buildSync({
    absWorkingDir: WEB_DIR,
    entryPoints: { app: join(WEB_DIR, 'src', 'app.ts'), styles: join(WEB_DIR, 'styles.css') },
    bundle: true,
    write: false,
    outdir: join(WEB_DIR, 'dist'),
    format: 'esm',
    platform: 'browser',
    // Browsers of the last two years: `:has()`, `Intl.supportedValuesOf`, top-level ES2022.
    target: ['es2022', 'chrome111', 'firefox115', 'safari16.4'],
    minify: options.minify,
    sourcemap: options.minify ? false : 'inline',
    tsconfig: join(WEB_DIR, 'tsconfig.json'),
    legalComments: 'none',
    logLevel: 'silent',
  });
  if (result.errors.length > 0) throw new Error(`dashboard build failed: ${result.errors.map((e) => e.text).join('; ')}`);
  for (const file of result.outputFiles) out.set(basename(file.path), file.contents);
  return out;
};

/** Builds the page and writes it to `outDir` (created if missing); returns the written paths. */
export const writeDashboard = (outDir: string, options: BuildOptions): string[] => {
  const written: string[] = [];
  for (const [name, bytes] of buildDashboard(options)) {
    const path = join(outDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    written.push(path);
  }
  return written;
};

/**
 * The response headers the page must be served with. `connectSrc` adds origins the page calls
 * besides its own (in AWS: the Cognito domain, for the token endpoint). No inline script or
 * style is allowed: the page has none, and setting `element.style` from script is not affected.
 */
export const dashboardSecurityHeaders = (options: { readonly connectSrc?: readonly string[] } = {}): Record<string, string> => ({
  'content-security-policy': [
    "default-src 'self'",
    `connect-src ${["'self'", ...(options.connectSrc ?? [])].join(' ')}`,
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
});
