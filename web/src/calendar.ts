/**
 * The month grid of the post calendar and the placing of posts on it. Pure (no DOM): dates are
 * calendar dates (`YYYY-MM-DD`), computed in UTC arithmetic so that no zone shifts a day; an
 * instant becomes a date only through `dayKeyIn` with an explicit IANA zone.
 */

export interface YearMonth {
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
}

export interface GridDay {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly day: number;
  /** False for the leading and trailing days of the neighbouring months. */
  readonly inMonth: boolean;
}

export interface MonthGrid extends YearMonth {
  /** Whole weeks (4 to 6), each of seven days starting on `weekStartsOn`. */
  readonly weeks: readonly (readonly GridDay[])[];
}

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY-MM-DD` of a UTC-midnight timestamp. */
const isoDay = (ms: number): string => {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
};

/** The weeks covering `ym`; `weekStartsOn` 1 is Monday (ISO 8601), 0 is Sunday. */
export const monthGrid = (ym: YearMonth, weekStartsOn: 0 | 1 = 1): MonthGrid => {
  if (!Number.isInteger(ym.month) || ym.month < 1 || ym.month > 12) throw new RangeError(`month must be 1 to 12, not ${ym.month}`);
  const first = Date.UTC(ym.year, ym.month - 1, 1);
  const daysInMonth = new Date(Date.UTC(ym.year, ym.month, 0)).getUTCDate();
  const lead = (new Date(first).getUTCDay() - weekStartsOn + 7) % 7;
  const cells = Math.ceil((lead + daysInMonth) / 7) * 7;
  const weeks: GridDay[][] = [];
  for (let i = 0; i < cells; i++) {
    const ms = first + (i - lead) * DAY_MS;
    const d = new Date(ms);
    if (i % 7 === 0) weeks.push([]);
    weeks[weeks.length - 1]!.push({ date: isoDay(ms), day: d.getUTCDate(), inMonth: d.getUTCMonth() === ym.month - 1 });
  }
  return { year: ym.year, month: ym.month, weeks };
};

/** The month `delta` months after `ym` (negative: before). */
export const shiftMonth = (ym: YearMonth, delta: number): YearMonth => {
  const index = ym.year * 12 + (ym.month - 1) + delta;
  return { year: Math.floor(index / 12), month: (((index % 12) + 12) % 12) + 1 };
};

/** The calendar date of `instant` on the wall clocks of `timeZone` (an IANA name). */
export const dayKeyIn = (instant: string | Date, timeZone: string): string => {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(
    typeof instant === 'string' ? new Date(instant) : instant,
  );
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
};

/** The month that holds `instant` in `timeZone`. */
export const monthOf = (instant: string | Date, timeZone: string): YearMonth => {
  const [y, m] = dayKeyIn(instant, timeZone).split('-');
  return { year: Number(y), month: Number(m) };
};

/**
 * Groups items by the calendar date of their instant in `timeZone`, each day's items in time
 * order. Items whose instant does not parse are left out rather than put on a wrong day.
 */
export const placeByDay = <T>(items: readonly T[], instantOf: (item: T) => string, timeZone: string): Map<string, T[]> => {
  const sorted = items.filter((i) => !Number.isNaN(Date.parse(instantOf(i)))).sort((a, b) => Date.parse(instantOf(a)) - Date.parse(instantOf(b)));
  const out = new Map<string, T[]>();
  for (const item of sorted) {
    const key = dayKeyIn(instantOf(item), timeZone);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
};

/** Reads `YYYY-MM` (a route segment); anything else, or a month outside 1–12, is `fallback`. */
export const parseMonth = (raw: string | undefined, fallback: YearMonth): YearMonth => {
  const m = /^(\d{4})-(\d{2})$/.exec(raw ?? '');
  if (!m) return fallback;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? { year: Number(m[1]), month } : fallback;
};
