/**
 * The one definition of how a Lambda entry is bundled. The NodejsFunction factory, the bundle test
 * and the bundle bench all derive their esbuild settings from `BUNDLE`, so what is measured and
 * tested is what is deployed.
 */
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { LogLevel, OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root: entries in `lib/topology.ts` are relative to it; package-lock.json lives here. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Packages the Lambda Node.js runtime already provides (AWS SDK for JavaScript v3). */
export const RUNTIME_PROVIDED = ['@aws-sdk/*'] as const;

export const BUNDLE = {
  /** Matches the function runtime (`NODEJS_22_X`). */
  target: 'node22',
  platform: 'node',
  /** CommonJS: the Lambda handler contract needs no `.mjs` or package.json `type`, and Powertools/middy bundle cleanly into it. */
  format: 'cjs',
  minify: true,
  /** Separate `.map` file (read only when an error is printed) so the code the runtime loads stays small. */
  sourcemap: true,
  /** Stack traces point at file names; embedding whole sources would triple the asset for no runtime benefit. */
  sourcesContent: false,
  external: RUNTIME_PROVIDED,
  /** Warnings and errors only: a synth bundles every function, and the size summary is noise there. */
  logLevel: 'warning',
} as const;

/** NodejsFunction `bundling` props derived from `BUNDLE` (local esbuild, never Docker). */
export const nodejsBundling = (): BundlingOptions => ({
  target: BUNDLE.target,
  format: OutputFormat.CJS,
  minify: BUNDLE.minify,
  sourceMap: BUNDLE.sourcemap,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: BUNDLE.sourcesContent,
  externalModules: [...BUNDLE.external],
  bundleAwsSDK: false,
  forceDockerBundling: false,
  logLevel: LogLevel.WARNING,
});

export interface EsbuildOptionsInput {
  /** Entry path relative to the repository root, as in `lib/topology.ts`. */
  readonly entry: string;
  readonly outfile: string;
  /** Bundle the AWS SDK too (bench comparison); the deployed form leaves it to the runtime. */
  readonly bundleSdk?: boolean;
}

/** esbuild `build()` options equal to what NodejsFunction runs for `entry`. */
export const esbuildOptions = (input: EsbuildOptionsInput): BuildOptions => ({
  entryPoints: [path.join(REPO_ROOT, input.entry)],
  outfile: input.outfile,
  bundle: true,
  platform: BUNDLE.platform,
  target: BUNDLE.target,
  format: BUNDLE.format,
  minify: BUNDLE.minify,
  sourcemap: BUNDLE.sourcemap,
  sourcesContent: BUNDLE.sourcesContent,
  external: input.bundleSdk === true ? [] : [...BUNDLE.external],
  absWorkingDir: REPO_ROOT,
  logLevel: BUNDLE.logLevel,
});
