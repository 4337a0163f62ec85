/**
 * The local runtime's own console lines (not the handlers' logs, which Powertools writes).
 * `quiet` keeps only warnings and errors, so benchmarks and tests stay readable.
 */
export interface LocalLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A console logger prefixed with the component that speaks. */
export const createLog = (quiet: boolean, prefix = 'reach-local'): LocalLog => ({
  info: (message) => {
    if (!quiet) console.log(`[${prefix}] ${message}`);
  },
  warn: (message) => console.warn(`[${prefix}] ${message}`),
  error: (message) => console.error(`[${prefix}] ${message}`),
});

/** A logger that says nothing: for components under test. */
export const silentLog: LocalLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * What may be printed about a failure: its name and message only. Stacks and causes can carry
 * request bodies, so they stay out of the runtime's lines.
 */
export const describeError = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}` : typeof err === 'string' ? err : 'non-Error value thrown';
