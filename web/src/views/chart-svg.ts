/** Draws a follower series as an inline SVG line chart, with a data table for screen readers. */
import { compactNumber, scaleSeries, type ChartBox, type SeriesPoint } from '../chart';
import { h, s } from '../dom';

const BOX: ChartBox = { width: 640, height: 260, margin: { top: 16, right: 20, bottom: 32, left: 56 } };

const dayLabel = (t: number, hourly: boolean): string =>
  new Intl.DateTimeFormat(undefined, hourly ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' }).format(new Date(t));

/** A figure with the chart of `series` (`label` names the metric); an empty series says so. */
export const lineChart = (series: readonly SeriesPoint[], label: string, hourly: boolean): HTMLElement => {
  if (series.length === 0) return h('p', { class: 'muted chart-empty' }, `No ${label.toLowerCase()} history in this window yet.`);
  const scaled = scaleSeries(series, BOX);
  const first = scaled.points[0]!;
  const last = scaled.points[scaled.points.length - 1]!;
  const summary = `${label}: ${scaled.points.length} point${scaled.points.length === 1 ? '' : 's'}, from ${first.v.toLocaleString()} on ${dayLabel(first.t, hourly)} to ${last.v.toLocaleString()} on ${dayLabel(last.t, hourly)}`;
  const bottom = BOX.height - BOX.margin.bottom;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${BOX.width} ${BOX.height}`, class: 'chart', role: 'img', 'aria-label': summary, preserveAspectRatio: 'xMidYMid meet' },
    ...scaled.yTicks.map((t) =>
      s('g', { class: 'tick' }, s('line', { x1: BOX.margin.left, x2: BOX.width - BOX.margin.right, y1: t.y, y2: t.y, class: 'grid' }), s('text', { x: BOX.margin.left - 8, y: t.y + 4, 'text-anchor': 'end', class: 'axis-label' }, compactNumber(t.value))),
    ),
    ...scaled.xTicks.map((t) => s('text', { x: t.x, y: bottom + 20, 'text-anchor': 'middle', class: 'axis-label' }, dayLabel(t.t, hourly))),
    s('line', { x1: BOX.margin.left, x2: BOX.width - BOX.margin.right, y1: bottom, y2: bottom, class: 'axis' }),
    s('path', { d: scaled.path, class: 'series' }),
    ...scaled.points.map((p) => s('circle', { cx: p.x, cy: p.y, r: 3.5, class: 'point' }, s('title', {}, `${dayLabel(p.t, hourly)}: ${p.v.toLocaleString()}`))),
  );
  return h(
    'figure',
    { class: 'chart-figure' },
    svg,
    h('figcaption', { class: 'muted small' }, summary),
    h(
      'details',
      { class: 'chart-data' },
      h('summary', {}, 'Data table'),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', { attrs: { scope: 'col' } }, 'When'), h('th', { attrs: { scope: 'col' } }, label))),
        h('tbody', {}, ...scaled.points.map((p) => h('tr', {}, h('td', {}, dayLabel(p.t, hourly)), h('td', {}, p.v.toLocaleString())))),
      ),
    ),
  );
};
