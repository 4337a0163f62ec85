import { ValidationError } from '../../functions/core/errors';
import { isTimeZone, resolveSchedule, utcToZoned, zonedToUtc } from '../../functions/core/use-cases/post-time';

const now = new Date('2026-01-15T12:00:00Z');
const utcOf = (local: string, timeZone: string) => new Date(zonedToUtc(Date.parse(`${local}Z`), timeZone)).toISOString();

describe('zonedToUtc', () => {
  it.each([
    ['2026-07-01T09:00:00', 'Europe/Berlin', '2026-07-01T07:00:00.000Z'],
    ['2026-01-15T09:00:00', 'Europe/Berlin', '2026-01-15T08:00:00.000Z'],
    ['2026-07-01T09:00:00', 'Asia/Kolkata', '2026-07-01T03:30:00.000Z'],
    ['2026-07-01T09:00:00', 'America/Los_Angeles', '2026-07-01T16:00:00.000Z'],
    ['2026-07-01T09:00:00', 'Asia/Kathmandu', '2026-07-01T03:15:00.000Z'],
    ['2026-07-01T09:00:00', 'UTC', '2026-07-01T09:00:00.000Z'],
  ])('%s in %s is %s', (local, zone, utc) => {
    expect(utcOf(local, zone)).toBe(utc);
  });

  describe('at DST boundaries', () => {
    it('reads a time the clocks skip (spring forward) as the same time after the jump', () => {
      // Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
      expect(utcOf('2026-03-29T02:30:00', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
      expect(utcToZoned(Date.parse('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toBe('2026-03-29T03:30:00');
      // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT.
      expect(utcOf('2026-03-08T02:30:00', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
      // Lord Howe moves by half an hour: 02:15 does not exist on 4 October 2026.
      expect(utcOf('2026-10-04T02:15:00', 'Australia/Lord_Howe')).toBe('2026-10-03T15:45:00.000Z');
    });

    it('reads a time that happens twice (fall back) as the earlier one', () => {
      // Berlin, 25 October 2026: 02:30 CEST (00:30Z) and 02:30 CET (01:30Z).
      expect(utcOf('2026-10-25T02:30:00', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z');
      expect(utcToZoned(Date.parse('2026-10-25T01:30:00Z'), 'Europe/Berlin')).toBe('2026-10-25T02:30:00');
      // New York, 1 November 2026: 01:30 EDT (05:30Z) and 01:30 EST (06:30Z).
      expect(utcOf('2026-11-01T01:30:00', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    });

    it('keeps times right next to a transition exact', () => {
      expect(utcOf('2026-03-29T01:59:59', 'Europe/Berlin')).toBe('2026-03-29T00:59:59.000Z');
      expect(utcOf('2026-03-29T03:00:00', 'Europe/Berlin')).toBe('2026-03-29T01:00:00.000Z');
      expect(utcOf('2026-10-25T03:00:00', 'Europe/Berlin')).toBe('2026-10-25T02:00:00.000Z');
    });
  });
});

describe('resolveSchedule', () => {
  it('publishes now when no time is given', () => {
    expect(resolveSchedule({}, now)).toEqual({ scheduledAt: now.toISOString(), timeZone: 'UTC', localTime: '2026-01-15T12:00:00', immediate: true });
  });

  it('reads a time without offset in the zone, and keeps the wall-clock time the user chose', () => {
    expect(resolveSchedule({ scheduledAt: '2026-03-29T02:30', timeZone: 'Europe/Berlin' }, now)).toEqual({
      scheduledAt: '2026-03-29T01:30:00.000Z',
      timeZone: 'Europe/Berlin',
      localTime: '2026-03-29T02:30:00',
      immediate: false,
    });
  });

  it('takes a time with an offset as the instant, and shows it in the zone', () => {
    expect(resolveSchedule({ scheduledAt: '2026-06-01T10:00:00+05:30', timeZone: 'America/New_York' }, now)).toMatchObject({
      scheduledAt: '2026-06-01T04:30:00.000Z',
      localTime: '2026-06-01T00:30:00',
    });
    expect(resolveSchedule({ scheduledAt: '2026-06-01T10:00:00.250Z' }, now).scheduledAt).toBe('2026-06-01T10:00:00.250Z');
  });

  it.each([
    [{ scheduledAt: '2026-01-15T11:59:59Z' }, 'scheduledAt', /future/],
    [{ scheduledAt: '2027-01-20T00:00:00Z' }, 'scheduledAt', /one year/],
    [{ scheduledAt: '2026-13-01T00:00' }, 'scheduledAt', /calendar/],
    [{ scheduledAt: '2026-02-29T10:00' }, 'scheduledAt', /calendar/],
    [{ scheduledAt: '2026-06-01 10:00' }, 'scheduledAt', /ISO 8601/],
    [{ scheduledAt: '2026-06-01T10:00', timeZone: 'Europe/Nowhere' }, 'timeZone', /IANA/],
  ])('refuses %j on %s', (input, field, message) => {
    try {
      resolveSchedule(input, now);
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues).toEqual([{ field, message: expect.stringMatching(message) }]);
    }
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('Pacific/Chatham')).toBe(true);
    expect(isTimeZone('Not/AZone')).toBe(false);
  });
});
