/**
 * The X-Ray tracer is loaded only when tracing is on: the X-Ray SDK's async hooks cost CPU on every
 * await of the process, which the local runtime, tests and benches (tracing off) must not pay.
 * Checked in a fresh Node process, whose module cache is Node's own (jest keeps a registry of its own).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Loads the observability module with the given switch; says what it exported and whether the X-Ray SDK came along. */
const probe = (traceEnabled: string): { tracer: string; traced: boolean; xray: boolean } => {
  const script = [
    "const o = require('./functions/handlers/lib/observability');",
    'const client = { send() {} };',
    'console.log(JSON.stringify({',
    "  tracer: o.tracer === undefined ? 'none' : o.tracer.constructor.name,",
    '  traced: o.traced(client) === client,',
    "  xray: Object.keys(require.cache).some((k) => k.includes('/aws-xray-sdk-core/')),",
    '}));',
  ].join('\n');
  const out = execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['-e', script], {
    cwd: ROOT,
    env: { ...process.env, POWERTOOLS_TRACE_ENABLED: traceEnabled, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { tracer: string; traced: boolean; xray: boolean };
};

describe('tracer', () => {
  it('stays unloaded with tracing off: clients come back untouched and the X-Ray SDK is never imported', () => {
    expect(probe('false')).toEqual({ tracer: 'none', traced: true, xray: false });
  });

  it('is Powertools\' tracer, with the X-Ray SDK loaded, when tracing is on', () => {
    expect(probe('true')).toMatchObject({ tracer: 'Tracer', xray: true });
  });
});
