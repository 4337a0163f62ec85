/** One connection: its badge, the follower history chart, and the insights with their reasons. */
import type { AppContext } from '../context';
import { formatWhen, h, replace } from '../dom';
import { connection as connectionSchema, history as historySchema, insights as insightsSchema, type Connection, type Insights } from '../schemas';
import { badgeElement } from './badge-el';
import { lineChart } from './chart-svg';
import { syncNow } from './sync';

const pct = (n: number) => `${n.toFixed(2)} %`;
const signed = (n: number) => (n > 0 ? `+${n.toLocaleString()}` : n.toLocaleString());

const CHECK_LABELS: Readonly<Record<string, string>> = {
  follower_spike: 'Sudden follower spikes',
  burst_after_dip: 'Bursts after dips',
  growth_without_engagement: 'Growth without engagement',
  low_engagement_for_size: 'Engagement for the account’s size',
  following_ratio: 'Follower / following ratio',
};

const insightsPanel = (i: Insights): HTMLElement => {
  const a = i.authenticity;
  const scoreClass = a.score >= 80 ? 'good' : a.score >= 50 ? 'fair' : 'poor';
  return h(
    'section',
    { class: 'card', attrs: { 'aria-labelledby': 'insights-heading' } },
    h('h2', { attrs: { id: 'insights-heading' } }, 'Insights'),
    h(
      'div',
      { class: 'insight-grid' },
      h(
        'div',
        { class: 'score' },
        h('p', { class: `score-value score-${scoreClass}`, attrs: { 'aria-label': `Authenticity score ${a.score} out of 100` } }, String(a.score), h('span', { class: 'score-of' }, '/100')),
        h('p', { class: 'muted small' }, `Authenticity · confidence ${a.confidence} · ${a.daysOfHistory} day${a.daysOfHistory === 1 ? '' : 's'} of history`),
      ),
      i.engagement?.primary
        ? h('div', { class: 'figure' }, h('p', { class: 'figure-value' }, pct(i.engagement.primary.value)), h('p', { class: 'muted small', attrs: { title: i.engagement.primary.formula } }, `Engagement rate (by ${i.engagement.primary.basis})`))
        : h('div', { class: 'figure' }, h('p', { class: 'figure-value' }, '—'), h('p', { class: 'muted small' }, 'No engagement sample yet')),
    ),
    h('h3', {}, 'Why this score'),
    a.reasons.length === 0
      ? h('p', { class: 'muted' }, 'No concerns found.')
      : h(
          'ul',
          { class: 'reasons', attrs: { 'aria-label': 'Authenticity reasons' } },
          ...a.reasons.map((r) => h('li', { class: r.penalty > 0 ? 'reason reason-penalty' : 'reason', attrs: { 'data-code': r.code } }, h('span', { class: 'reason-penalty-value' }, r.penalty > 0 ? `−${r.penalty}` : '0'), h('span', {}, r.message))),
        ),
    h('h3', {}, 'Checks'),
    h(
      'dl',
      { class: 'checks' },
      ...Object.entries(a.checks).flatMap(([k, v]) => [h('dt', {}, CHECK_LABELS[k] ?? k), h('dd', { class: `check check-${v}` }, v.replace(/_/g, ' '))]),
    ),
    i.growth && i.growth.windows.length > 0
      ? h(
          'table',
          { class: 'growth' },
          h('caption', {}, 'Follower growth'),
          h('thead', {}, h('tr', {}, h('th', { attrs: { scope: 'col' } }, 'Window'), h('th', { attrs: { scope: 'col' } }, 'Change'), h('th', { attrs: { scope: 'col' } }, '%'))),
          h(
            'tbody',
            {},
            ...i.growth.windows.map((w) => h('tr', {}, h('th', { attrs: { scope: 'row' } }, `${w.days} d`), h('td', {}, w.absolute === undefined ? '—' : signed(w.absolute)), h('td', {}, w.percent === undefined ? '—' : pct(w.percent)))),
          ),
        )
      : null,
  );
};

const header = (ctx: AppContext, c: Connection, reload: () => Promise<void>): HTMLElement => {
  const sync = h('button', { attrs: { type: 'button' } }, 'Sync now');
  sync.addEventListener('click', () => {
    sync.disabled = true;
    void ctx.run(async () => {
      await syncNow(ctx, c.id);
      await reload();
    }).finally(() => (sync.disabled = false));
  });
  return h(
    'div',
    { class: 'card detail-head' },
    h('p', {}, h('a', { attrs: { href: '#/connections' } }, '← All connections')),
    h('h2', { attrs: { id: 'detail-heading' } }, c.displayName, ' ', h('span', { class: 'muted' }, `· ${ctx.platformName(c.platform)}`)),
    h('div', { class: 'detail-meta' }, badgeElement(c), h('span', { class: 'muted small' }, c.lastSyncAt ? `Last synced ${formatWhen(c.lastSyncAt)}` : 'Not synced yet'), c.nextSyncAt ? h('span', { class: 'muted small' }, `· next ${formatWhen(c.nextSyncAt)}`) : null, sync),
  );
};

/** Renders connection `id` into `root`. */
export const renderConnectionDetail = async (ctx: AppContext, root: HTMLElement, id: string): Promise<void> => {
  const enc = encodeURIComponent(id);
  let interval: 'day' | 'hour' = 'day';
  const chartSlot = h('div', { class: 'chart-slot' }, h('p', { class: 'muted' }, 'Loading history…'));
  const insightsSlot = h('div', {});
  const headSlot = h('div', {});

  const loadChart = async (): Promise<void> => {
    const hist = await ctx.api.get(`/v1/connections/${enc}/history?interval=${interval}`, historySchema);
    const series = hist.points.flatMap((p) => (p.followers === undefined ? [] : [{ t: Date.parse(p.at), v: p.followers }]));
    replace(chartSlot, lineChart(series, 'Followers', interval === 'hour'));
  };
  const reload = async (): Promise<void> => {
    const [c, ins] = await Promise.all([ctx.api.get(`/v1/connections/${enc}`, connectionSchema), ctx.api.get(`/v1/connections/${enc}/insights`, insightsSchema)]);
    replace(headSlot, header(ctx, c, reload));
    replace(insightsSlot, insightsPanel(ins));
    await loadChart();
  };

  const toggle = h(
    'div',
    { class: 'segmented', attrs: { role: 'radiogroup', 'aria-label': 'Interval' } },
    ...(['day', 'hour'] as const).map((v) => {
      const input = h('input', { attrs: { type: 'radio', name: 'interval', value: v, id: `interval-${v}`, checked: v === interval } });
      input.addEventListener('change', () => {
        interval = v;
        void ctx.run(loadChart);
      });
      return h('label', { attrs: { for: `interval-${v}` } }, input, v === 'day' ? 'Daily' : 'Hourly');
    }),
  );
  replace(
    root,
    h(
      'div',
      { class: 'stack' },
      headSlot,
      h('div', { class: 'detail-grid' }, h('section', { class: 'card', attrs: { 'aria-labelledby': 'chart-heading' } }, h('div', { class: 'section-head' }, h('h2', { attrs: { id: 'chart-heading' } }, 'Follower history'), toggle), chartSlot), insightsSlot),
    ),
  );
  await ctx.run(async () => {
    try {
      await reload();
    } catch (err) {
      replace(root, h('div', { class: 'card' }, h('p', {}, 'This connection could not be loaded.'), h('p', {}, h('a', { attrs: { href: '#/connections' } }, '← All connections'))));
      throw err;
    }
  });
};
