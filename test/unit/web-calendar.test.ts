import { dayKeyIn, monthGrid, monthOf, parseMonth, placeByDay, shiftMonth } from '../../web/src/calendar';

describe('monthGrid', () => {
  it('covers November 2026 in whole Monday-first weeks, marking the neighbouring days', () => {
    const g = monthGrid({ year: 2026, month: 11 });
    expect(g.weeks).toHaveLength(6);
    expect(g.weeks.every((w) => w.length === 7)).toBe(true);
    // 1 November 2026 is a Sunday: six days of October lead.
    expect(g.weeks[0]!.map((d) => d.date)).toEqual(['2026-10-26', '2026-10-27', '2026-10-28', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01']);
    expect(g.weeks[0]!.map((d) => d.inMonth)).toEqual([false, false, false, false, false, false, true]);
    expect(g.weeks[5]![0]).toEqual({ date: '2026-11-30', day: 30, inMonth: true });
    expect(g.weeks.flat().filter((d) => d.inMonth)).toHaveLength(30);
  });

  it('starts weeks on Sunday when asked', () => {
    const g = monthGrid({ year: 2026, month: 11 }, 0);
    expect(g.weeks[0]![0]).toEqual({ date: '2026-11-01', day: 1, inMonth: true });
    expect(g.weeks).toHaveLength(5);
  });

  it('fits February 2027 (starts on a Monday, 28 days) in four weeks and knows leap years', () => {
    expect(monthGrid({ year: 2027, month: 2 }).weeks).toHaveLength(4);
    expect(monthGrid({ year: 2028, month: 2 }).weeks.flat().filter((d) => d.inMonth)).toHaveLength(29);
  });

  it('refuses a month outside 1 to 12', () => {
    expect(() => monthGrid({ year: 2026, month: 13 })).toThrow(RangeError);
  });
});

describe('shiftMonth and parseMonth', () => {
  it('crosses year boundaries both ways', () => {
    expect(shiftMonth({ year: 2026, month: 12 }, 1)).toEqual({ year: 2027, month: 1 });
    expect(shiftMonth({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 });
    expect(shiftMonth({ year: 2026, month: 5 }, -17)).toEqual({ year: 2024, month: 12 });
  });

  it('reads YYYY-MM and falls back on anything else', () => {
    const fallback = { year: 2026, month: 11 };
    expect(parseMonth('2027-03', fallback)).toEqual({ year: 2027, month: 3 });
    for (const bad of [undefined, '', '2027-13', '2027-3', 'march']) expect(parseMonth(bad, fallback)).toBe(fallback);
  });
});

describe('dayKeyIn and placeByDay', () => {
  it('puts an instant on the calendar date of the given zone', () => {
    // 23:30 UTC on the 30th is already 1 December in Paris, still the 30th in New York.
    expect(dayKeyIn('2026-11-30T23:30:00Z', 'Europe/Paris')).toBe('2026-12-01');
    expect(dayKeyIn('2026-11-30T23:30:00Z', 'America/New_York')).toBe('2026-11-30');
    expect(monthOf('2026-11-30T23:30:00Z', 'Asia/Tokyo')).toEqual({ year: 2026, month: 12 });
  });

  it('groups posts by local day in time order and leaves out unparsable instants', () => {
    const posts = [
      { id: 'late', at: '2026-11-27T18:00:00Z' },
      { id: 'early', at: '2026-11-27T08:00:00Z' },
      { id: 'next-day-in-paris', at: '2026-11-27T23:15:00Z' },
      { id: 'broken', at: 'soon' },
    ];
    const byDay = placeByDay(posts, (p) => p.at, 'Europe/Paris');
    expect([...byDay.keys()]).toEqual(['2026-11-27', '2026-11-28']);
    expect(byDay.get('2026-11-27')!.map((p) => p.id)).toEqual(['early', 'late']);
    expect(byDay.get('2026-11-28')!.map((p) => p.id)).toEqual(['next-day-in-paris']);
  });
});
