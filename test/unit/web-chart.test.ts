import { compactNumber, niceTicks, scaleSeries, type ChartBox } from '../../web/src/chart';

const BOX: ChartBox = { width: 400, height: 200, margin: { top: 10, right: 10, bottom: 30, left: 50 } };
const DAY = 86_400_000;

describe('niceTicks', () => {
  it('covers the range with 1/2/5 × 10^n steps', () => {
    expect(niceTicks(59_914, 78_992)).toEqual([55_000, 60_000, 65_000, 70_000, 75_000, 80_000]);
    expect(niceTicks(0, 10)).toEqual([0, 5, 10]);
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.1, 0.35)).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it('widens a flat range around its value', () => {
    const ticks = niceTicks(1000, 1000);
    expect(ticks[0]).toBeLessThan(1000);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(1000);
  });

  it('gives no ticks for non-finite bounds', () => {
    expect(niceTicks(Number.NaN, 3)).toEqual([]);
  });
});

describe('scaleSeries', () => {
  it('maps time left to right and values bottom to top inside the margins', () => {
    const s = scaleSeries(
      [
        { t: 2 * DAY, v: 120 },
        { t: 0, v: 100 },
        { t: DAY, v: 110 },
      ],
      BOX,
    );
    expect(s.points.map((p) => p.v)).toEqual([100, 110, 120]);
    expect(s.points[0]!.x).toBe(50);
    expect(s.points[2]!.x).toBe(390);
    expect(s.points[1]!.x).toBe(220);
    expect(s.yDomain).toEqual([100, 120]);
    // Bottom of the plot is 200 - 30 = 170, top 10.
    expect(s.points[0]!.y).toBe(170);
    expect(s.points[2]!.y).toBe(10);
    expect(s.path).toBe('M50 170 L220 90 L390 10');
    expect(s.yTicks.map((t) => t.value)).toEqual([100, 105, 110, 115, 120]);
    expect(s.xTicks).toHaveLength(5);
  });

  it('centres a single point and gives it one x tick', () => {
    const s = scaleSeries([{ t: 5, v: 42 }], BOX);
    expect(s.points).toHaveLength(1);
    expect(s.points[0]!.x).toBe(220);
    expect(s.xTicks).toEqual([{ t: 5, x: 220 }]);
    expect(s.points[0]!.y).toBeGreaterThan(10);
    expect(s.points[0]!.y).toBeLessThan(170);
  });

  it('draws nothing for no points and skips non-finite ones', () => {
    expect(scaleSeries([], BOX)).toEqual({ points: [], path: '', yTicks: [], xTicks: [], yDomain: [0, 0] });
    expect(scaleSeries([{ t: 1, v: Number.NaN }, { t: 2, v: 3 }], BOX).points).toHaveLength(1);
  });
});

describe('compactNumber', () => {
  it('reads as people write follower counts', () => {
    expect(compactNumber(950)).toBe('950');
    expect(compactNumber(9_999)).toBe('9999');
    expect(compactNumber(12_345)).toBe('12.3k');
    expect(compactNumber(80_000)).toBe('80k');
    expect(compactNumber(4_500_000)).toBe('4.5M');
    expect(compactNumber(2_000_000_000)).toBe('2B');
  });
});
