/**
 * Every topology function bundles alone with the deployed esbuild options, loads in a bare folder
 * that has only what the Lambda runtime provides (@aws-sdk, @smithy), exports `handler`, and stays
 * within its bundle budget.
 */
import { bundleFunction, createRuntimeSandbox, loadInFreshProcess } from '../../bench/bundles';
import { BUNDLE } from '../../lib/constructs/bundling';
import { functions } from '../../lib/topology';

const sandbox = createRuntimeSandbox('reach-bundle-test-');
const sizes: string[] = [];

afterAll(() => {
  sandbox.dispose();
  if (sizes.length > 0) console.log(['function          KB  budget  init ms', ...sizes].join('\n'));
});

describe('bundling options', () => {
  it('match the deployed runtime: node22, CommonJS, minified, AWS SDK external', () => {
    expect(BUNDLE).toMatchObject({ target: 'node22', platform: 'node', format: 'cjs', minify: true, sourcemap: true });
    expect(BUNDLE.external).toEqual(['@aws-sdk/*']);
  });
});

describe.each(functions.map((f) => [f.id, f] as const))('%s', (_id, def) => {
  it('bundles alone, loads with only the runtime packages, exports handler, stays within budget', async () => {
    const bundle = await bundleFunction(def, sandbox.dir);
    const loaded = loadInFreshProcess(bundle.outfile, sandbox.dir);
    const kb = bundle.bytes / 1024;
    sizes.push(`${def.id.padEnd(16)} ${kb.toFixed(1).padStart(6)}  ${String(def.bundleBudgetKb).padStart(6)}  ${loaded.initMs.toFixed(1).padStart(7)}`);

    expect(loaded.handlerType).toBe('function');
    expect(kb).toBeLessThanOrEqual(def.bundleBudgetKb);
  });
});
