/**
 * YouTube's daily quota resets at midnight Pacific Time
 * (https://developers.google.com/youtube/v3/getting-started#quota); a `quotaExceeded` answer
 * means waiting until then. The zone has daylight saving time, so the offset is read from the
 * time-zone database for the instant in question rather than assumed.
 */
const PACIFIC = 'America/Los_Angeles';

const wallClock = new Intl.DateTimeFormat('en-US', {
  timeZone: PACIFIC,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const wallOf = (at: Date): Wall => {
  const parts: Record<string, number> = {};
  for (const p of wallClock.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts['year'] ?? 0,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
};

/** Pacific wall-clock time minus UTC at `at`, in ms (-8 h in winter, -7 h in summer). */
const pacificOffsetMs = (at: Date): number => {
  const w = wallOf(at);
  const wholeSecond = at.getTime() - (((at.getTime() % 1000) + 1000) % 1000);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - wholeSecond;
};

/** The first midnight in Pacific Time strictly after `now`. */
export const nextPacificMidnight = (now: Date): Date => {
  const w = wallOf(now);
  const midnightAsIfUtc = Date.UTC(w.year, w.month - 1, w.day + 1);
  // Midnight is never inside a DST jump (they happen at 02:00), so two passes settle the offset.
  const first = midnightAsIfUtc - pacificOffsetMs(now);
  return new Date(midnightAsIfUtc - pacificOffsetMs(new Date(first)));
};

/** Seconds from `now` until YouTube's daily quota resets (at least 1). */
export const secondsUntilPacificMidnight = (now: Date): number =>
  Math.max(1, Math.ceil((nextPacificMidnight(now).getTime() - now.getTime()) / 1000));
