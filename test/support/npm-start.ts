/**
 * `npm start` as a user runs it, for the end-to-end tests that drive it from outside: a free port,
 * a process group of its own (nothing it starts can outlive the test), its output kept, and ready
 * once the banner's last line is out and the API answers its health check.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The banner's last line: everything it names is up. */
const READY_LINE = 'Ctrl-C stops everything';

export interface NpmStart {
  readonly child: ChildProcess;
  readonly port: number;
  /** `http://localhost:<port>`, as the banner prints it. */
  readonly apiUrl: string;
  /** What it has printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has closed, with how it ended. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the whole process group unless it already ended. */
  kill(): Promise<void>;
}

/** A port that was free a moment ago (the banner prints the port it was given, so 0 will not do). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts `npm start --silent` and waits until it is ready; throws with its output if it is not within `startupMs`. */
export const startNpmStart = async (options: { readonly startupMs: number; readonly env?: Readonly<Record<string, string>> }): Promise<NpmStart> => {
  const port = await freePort();
  const apiUrl = `http://localhost:${port}`;
  let out = '';
  let err = '';
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'WARN', ...options.env },
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = (): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      // 'close' (not 'exit'): the last lines it prints must have been read too.
      else child.once('close', (code, signal) => resolve({ code, signal }));
    });
  const handle: NpmStart = {
    child,
    port,
    apiUrl,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: async () => {
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid, 'SIGKILL');
        await exited();
      }
    },
  };
  const deadline = Date.now() + options.startupMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}\n${err}`);
    if (out.includes(READY_LINE)) {
      const health = await fetch(`${apiUrl}/v1/health`).catch(() => undefined);
      if (health?.status === 200) return handle;
    }
    if (Date.now() > deadline) {
      await handle.kill();
      throw new Error(`npm start did not become healthy within ${options.startupMs} ms:\n${out}\n${err}`);
    }
    await sleep(200);
  }
};
