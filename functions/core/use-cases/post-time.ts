/**
 * When a post is due: a wall-clock time in an IANA zone turned into a UTC instant with nothing but
 * `Intl.DateTimeFormat` (no time-zone library), including the two days a year the clock jumps.
 */
import { ValidationError } from '../errors';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const OFFSET = /(Z|[+-]\d{2}:\d{2})$/i;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
};

/** True for a zone name the runtime's time-zone database knows (`Europe/Berlin`, `UTC`…). */
export const isTimeZone = (timeZone: string): boolean => {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
};

/** The wall-clock fields of an instant in a zone, as epoch milliseconds of the same fields in UTC. */
const wallClockMs = (instantMs: number, timeZone: string): number => {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts['year']!, parts['month']! - 1, parts['day']!, parts['hour']!, parts['minute']!, parts['second']!);
};

/** The zone's offset from UTC (ms) at an instant; sub-second parts are ignored as zones have none. */
const offsetAt = (instantMs: number, timeZone: string): number => {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallClockMs(whole, timeZone) - whole;
};

/**
 * The UTC instant of a wall-clock time in a zone, resolved like Temporal's `compatible` mode: a
 * time that happens twice (clocks going back) is the earlier one; a time the clocks skip (going
 * forward) moves forward by the gap, e.g. 02:30 on a spring-forward night in Berlin is 03:30 CEST.
 */
export const zonedToUtc = (wallMs: number, timeZone: string): number => {
  const before = offsetAt(wallMs - DAY_MS, timeZone);
  const after = offsetAt(wallMs + DAY_MS, timeZone);
  const candidates = [...new Set([wallMs - before, wallMs - after])].filter((t) => offsetAt(t, timeZone) === wallMs - t);
  if (candidates.length > 0) return Math.min(...candidates);
  // In the gap: read the time with the offset in force before the jump, which lands after it.
  return wallMs - before;
};

/** The wall-clock time of an instant in a zone, as `YYYY-MM-DDTHH:MM:SS`. */
export const utcToZoned = (instantMs: number, timeZone: string): string => new Date(wallClockMs(instantMs, timeZone)).toISOString().slice(0, 19);

export interface ScheduleInput {
  /** ISO 8601: with an offset (`Z`, `+02:00`) an instant; without one a wall-clock time in `timeZone`. */
  readonly scheduledAt?: string;
  readonly timeZone?: string;
}

export interface Schedule {
  readonly scheduledAt: string;
  readonly timeZone: string;
  readonly localTime: string;
  /** True when no time was given: the post goes out now. */
  readonly immediate: boolean;
}

const MAX_AHEAD_MS = 366 * DAY_MS;

/**
 * Resolves a post's schedule: absent means now; otherwise it must be in the future and at most a
 * year ahead. Failures name the field.
 */
export const resolveSchedule = (input: ScheduleInput, now: Date): Schedule => {
  const timeZone = input.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) throw new ValidationError([{ field: 'timeZone', message: 'must be an IANA time zone such as Europe/Berlin' }]);
  if (input.scheduledAt === undefined) {
    return { scheduledAt: now.toISOString(), timeZone, localTime: utcToZoned(now.getTime(), timeZone), immediate: true };
  }
  const raw = input.scheduledAt.trim();
  const offset = OFFSET.exec(raw);
  const local = LOCAL.exec(offset ? raw.slice(0, -offset[0].length) : raw);
  if (!local) throw new ValidationError([{ field: 'scheduledAt', message: 'must be an ISO 8601 date-time, e.g. 2026-12-01T09:30 or 2026-12-01T08:30:00Z' }]);
  const [, y, mo, d, h, mi, s, ms] = local;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0')));
  const check = new Date(wall);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) {
    throw new ValidationError([{ field: 'scheduledAt', message: 'is not a real calendar date and time' }]);
  }
  let instant: number;
  if (offset) {
    const o = offset[1]!.toUpperCase();
    const sign = o.startsWith('-') ? -1 : 1;
    const offsetMs = o === 'Z' ? 0 : sign * (Number(o.slice(1, 3)) * 60 + Number(o.slice(4, 6))) * 60_000;
    instant = wall - offsetMs;
  } else {
    instant = zonedToUtc(wall, timeZone);
  }
  if (instant <= now.getTime()) throw new ValidationError([{ field: 'scheduledAt', message: 'must be in the future (leave it out to publish now)' }]);
  if (instant - now.getTime() > MAX_AHEAD_MS) throw new ValidationError([{ field: 'scheduledAt', message: 'must be at most one year ahead' }]);
  return {
    scheduledAt: new Date(instant).toISOString(),
    timeZone,
    localTime: offset ? utcToZoned(instant, timeZone) : new Date(wall).toISOString().slice(0, 19),
    immediate: false,
  };
};
