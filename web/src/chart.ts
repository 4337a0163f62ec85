/**
 * The arithmetic of the follower chart: readable axis ticks and the mapping of a time series
 * onto an SVG box. Pure (no DOM), so the scaling is unit-tested; `views/chart-svg.ts` draws it.
 */

export interface SeriesPoint {
  /** Epoch milliseconds. */
  readonly t: number;
  readonly v: number;
}

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  /** Room kept for the axes' labels. */
  readonly margin: { readonly top: number; readonly right: number; readonly bottom: number; readonly left: number };
}

export interface ScaledSeries {
  readonly points: readonly { readonly x: number; readonly y: number; readonly t: number; readonly v: number }[];
  /** An SVG path (`M x y L x y …`) through the points, empty for no points. */
  readonly path: string;
  readonly yTicks: readonly { readonly value: number; readonly y: number }[];
  readonly xTicks: readonly { readonly t: number; readonly x: number }[];
  readonly yDomain: readonly [number, number];
}

/** The step of 1, 2 or 5 × 10^n that cuts `span` into at most `count` intervals. */
const niceStep = (span: number, count: number): number => {
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return step ?? 10 * magnitude;
};

/**
 * Round tick values covering [min, max] with at most `count` intervals (1, 2 or 5 × 10^n apart).
 * A flat range is widened around its value so that a line still has an axis.
 */
export const niceTicks = (min: number, max: number, count = 4): number[] => {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (hi === lo) {
    const pad = Math.max(1, Math.abs(lo) * 0.01);
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Rounding to the step's own decimals keeps 0.1 + 0.2 from printing as 0.30000000000000004.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = first; v <= last + step / 2; v += step) ticks.push(Number(v.toFixed(decimals)));
  return ticks;
};

/** Maps `series` (any order) into `box`: time left to right, values bottom to top on nice ticks. */
export const scaleSeries = (series: readonly SeriesPoint[], box: ChartBox, xTickCount = 4): ScaledSeries => {
  const sorted = [...series].filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  const { margin } = box;
  const innerW = box.width - margin.left - margin.right;
  const innerH = box.height - margin.top - margin.bottom;
  if (sorted.length === 0) return { points: [], path: '', yTicks: [], xTicks: [], yDomain: [0, 0] };
  const values = sorted.map((p) => p.v);
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const y0 = ticks[0]!;
  const y1 = ticks[ticks.length - 1]!;
  const t0 = sorted[0]!.t;
  const t1 = sorted[sorted.length - 1]!.t;
  // One point (or one instant) sits in the middle rather than on the axis.
  const xOf = (t: number) => margin.left + (t1 === t0 ? innerW / 2 : ((t - t0) / (t1 - t0)) * innerW);
  const yOf = (v: number) => margin.top + innerH - ((v - y0) / (y1 - y0)) * innerH;
  const round = (n: number) => Math.round(n * 10) / 10;
  const points = sorted.map((p) => ({ x: round(xOf(p.t)), y: round(yOf(p.v)), t: p.t, v: p.v }));
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
  const xTicks =
    t1 === t0
      ? [{ t: t0, x: round(xOf(t0)) }]
      : Array.from({ length: xTickCount + 1 }, (_, i) => {
          const t = t0 + ((t1 - t0) * i) / xTickCount;
          return { t, x: round(xOf(t)) };
        });
  return { points, path, yTicks: ticks.map((value) => ({ value, y: round(yOf(value)) })), xTicks, yDomain: [y0, y1] };
};

/** A follower count as people read it: 950, 12.3k, 4.5M. */
export const compactNumber = (n: number): string => {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${Number((n / 1e9).toFixed(1))}B`;
  if (abs >= 1e6) return `${Number((n / 1e6).toFixed(1))}M`;
  if (abs >= 1e4) return `${Number((n / 1e3).toFixed(1))}k`;
  return String(Math.round(n * 100) / 100);
};
