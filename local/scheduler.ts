/**
 * The schedules of `lib/topology.ts` at their deployed rates: `rate(N minutes)` fires every N
 * minutes from start, `cron(0 H * * ? *)` daily at H:00 UTC. Each firing invokes the target with
 * the event EventBridge sends for a scheduled rule; runs of one schedule never overlap (a tick
 * that finds the previous run still going is skipped, a manual run waits for it).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 */
import { randomUUID } from 'node:crypto';
import type { FunctionId, ScheduleDef } from '../lib/topology';
import type { InvokeOutcome } from './lambda';
import { describeError, type LocalLog } from './log';

/** The event a scheduled rule delivers. */
export interface ScheduledEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Scheduled Event';
  readonly source: 'reach.schedule';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, string>>;
}

export interface SchedulerOptions {
  readonly schedules: readonly ScheduleDef[];
  readonly invoke: (target: FunctionId, event: ScheduledEvent) => Promise<InvokeOutcome>;
  /** Multiplies every wait (1: deployed rates; 0: no timers, runs only on request). */
  readonly scale: number;
  readonly region: string;
  readonly accountId: string;
  readonly log: LocalLog;
}

export interface ScheduleStatus {
  readonly id: string;
  readonly target: FunctionId;
  readonly every: string;
  readonly nextRunAt: string | null;
  readonly runs: number;
  readonly failures: number;
  readonly skipped: number;
  readonly running: boolean;
}

interface State {
  readonly def: ScheduleDef;
  timer: NodeJS.Timeout | undefined;
  nextAt: number | undefined;
  tail: Promise<unknown>;
  running: boolean;
  runs: number;
  failures: number;
  skipped: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Milliseconds from `now` to the schedule's next natural firing after `from`. */
const naturalDelay = (def: ScheduleDef, now: number): number => {
  if ('minutes' in def.every) return def.every.minutes * 60_000;
  const d = new Date(now);
  let next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), def.every.dailyAtUtcHour);
  if (next <= now) next += DAY;
  return next - now;
};

/** How a schedule reads in EventBridge terms. */
export const describeEvery = (def: ScheduleDef): string =>
  'minutes' in def.every
    ? `rate(${def.every.minutes} minute${def.every.minutes === 1 ? '' : 's'})`
    : `cron(0 ${def.every.dailyAtUtcHour} * * ? *)`;

export class Scheduler {
  private readonly states = new Map<string, State>();
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    for (const def of options.schedules) {
      this.states.set(def.id, { def, timer: undefined, nextAt: undefined, tail: Promise.resolve(), running: false, runs: 0, failures: 0, skipped: 0 });
    }
  }

  /** Arms every schedule's first firing (nothing when the scale is 0). */
  start(): void {
    if (this.options.scale <= 0) return;
    for (const s of this.states.values()) this.arm(s, naturalDelay(s.def, Date.now()) * this.options.scale);
  }

  private arm(s: State, delayMs: number): void {
    if (this.stopped) return;
    s.nextAt = Date.now() + delayMs;
    s.timer = setTimeout(() => this.tick(s), delayMs);
    s.timer.unref();
  }

  private tick(s: State): void {
    // Re-arm first, from the due instant, so slow runs do not shift the cadence.
    const period = 'minutes' in s.def.every ? s.def.every.minutes * 60_000 : DAY;
    this.arm(s, period * this.options.scale);
    if (s.running) {
      s.skipped += 1;
      this.options.log.warn(`schedule ${s.def.id} skipped a firing: the previous run is still going`);
      return;
    }
    void this.enqueue(s);
  }

  private enqueue(s: State): Promise<InvokeOutcome> {
    const run = s.tail.then(() => this.fire(s));
    s.tail = run.catch(() => undefined);
    return run;
  }

  private async fire(s: State): Promise<InvokeOutcome> {
    s.running = true;
    const event: ScheduledEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'reach.schedule',
      account: this.options.accountId,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region,
      resources: [],
      detail: { scheduleId: s.def.id, ...s.def.input },
    };
    try {
      const outcome = await this.options.invoke(s.def.target, event);
      s.runs += 1;
      if (!outcome.ok) {
        s.failures += 1;
        this.options.log.warn(`schedule ${s.def.id} → ${s.def.target} failed: ${outcome.timedOut ? 'timed out' : describeError(outcome.error)}`);
      } else {
        this.options.log.info(`schedule ${s.def.id} → ${s.def.target} done in ${outcome.durationMs}ms`);
      }
      return outcome;
    } finally {
      s.running = false;
    }
  }

  /** Fires a schedule now (after its current run, if any); undefined for an unknown id. */
  run(id: string): Promise<InvokeOutcome> | undefined {
    const s = this.states.get(id);
    return s ? this.enqueue(s) : undefined;
  }

  /** The target function of a schedule. */
  target(id: string): FunctionId | undefined {
    return this.states.get(id)?.def.target;
  }

  /** Each schedule's cadence, next firing and counters. */
  status(): ScheduleStatus[] {
    return [...this.states.values()].map((s) => ({
      id: s.def.id,
      target: s.def.target,
      every: describeEvery(s.def),
      nextRunAt: s.nextAt !== undefined && !this.stopped ? new Date(s.nextAt).toISOString() : null,
      runs: s.runs,
      failures: s.failures,
      skipped: s.skipped,
      running: s.running,
    }));
  }

  /** Clears every timer and waits up to `graceMs` for runs in progress. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    for (const s of this.states.values()) if (s.timer) clearTimeout(s.timer);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.states.values()].map((s) => s.tail)), new Promise((r) => (t = setTimeout(r, graceMs)))]);
    if (t) clearTimeout(t);
  }
}
