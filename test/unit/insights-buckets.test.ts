import { bucketPoints, bucketStart } from '../../functions/core/insights/buckets';
import type { HistoryPoint } from '../../functions/core/ports/history';

const pt = (at: string, followers: number): HistoryPoint => ({ at, snapshot: { followers } });

describe('bucketPoints', () => {
  it('keeps the last point of each hour, hours in order, whatever the input order', () => {
    const points = [
      pt('2024-03-01T13:59:00.000Z', 4),
      pt('2024-03-01T10:05:00.000Z', 1),
      pt('2024-03-01T11:10:00.000Z', 3),
      pt('2024-03-01T10:40:00.000Z', 2),
    ];
    expect(bucketPoints(points, 'hour').map((p) => [p.at, p.snapshot.followers])).toEqual([
      ['2024-03-01T10:40:00.000Z', 2],
      ['2024-03-01T11:10:00.000Z', 3],
      ['2024-03-01T13:59:00.000Z', 4],
    ]);
  });

  it('keeps the last point of each UTC day and leaves empty days out', () => {
    const points = [pt('2024-03-01T00:05:00Z', 1), pt('2024-03-01T23:59:59Z', 2), pt('2024-03-03T08:00:00Z', 3), pt('2024-03-02T23:00:00-02:00', 9)];
    // 2024-03-02T23:00-02:00 is 2024-03-03T01:00Z, so the 08:00Z point is the newer one of that day.
    expect(bucketPoints(points, 'day').map((p) => p.snapshot.followers)).toEqual([2, 3]);
  });

  it('drops points whose instant does not parse, and returns nothing for nothing', () => {
    expect(bucketPoints([pt('yesterday', 1), pt('2024-03-01T10:00:00Z', 2)], 'hour').map((p) => p.snapshot.followers)).toEqual([2]);
    expect(bucketPoints([], 'day')).toEqual([]);
  });
});

describe('bucketStart', () => {
  it('gives the UTC start of the hour or day', () => {
    expect(bucketStart('2024-03-01T10:40:12.345Z', 'hour')).toBe('2024-03-01T10:00:00.000Z');
    expect(bucketStart('2024-03-01T10:40:12.345Z', 'day')).toBe('2024-03-01T00:00:00.000Z');
    expect(bucketStart('2024-03-01T01:30:00+02:00', 'day')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('answers undefined for an instant that does not parse', () => {
    expect(bucketStart('not a date', 'hour')).toBeUndefined();
  });
});
