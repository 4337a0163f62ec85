/** The calendar: a month grid of the caller's posts by their time (scheduled or published). */
import { dayKeyIn, monthGrid, parseMonth, placeByDay, shiftMonth, type YearMonth } from '../calendar';
import type { AppContext } from '../context';
import { formatWhen, h, replace } from '../dom';
import { postDetail, postList, type PostSummary } from '../schemas';

/** Pages of 100 read at most: a calendar of more than 500 posts shows the newest 500. */
const MAX_PAGES = 5;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const monthParam = (ym: YearMonth) => `${ym.year}-${String(ym.month).padStart(2, '0')}`;

const allPosts = async (ctx: AppContext): Promise<PostSummary[]> => {
  const out: PostSummary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await ctx.api.get(`/v1/posts?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, postList);
    out.push(...res.posts);
    cursor = res.cursor;
    if (!cursor) break;
  }
  return out;
};

const showPost = async (ctx: AppContext, slot: HTMLElement, id: string): Promise<void> => {
  const post = await ctx.api.get(`/v1/posts/${encodeURIComponent(id)}`, postDetail);
  replace(
    slot,
    h(
      'section',
      { class: 'card post-detail', attrs: { 'aria-labelledby': 'post-detail-heading' } },
      h('h3', { attrs: { id: 'post-detail-heading' } }, `Post · ${post.status}`),
      h('p', { class: 'muted small' }, `${formatWhen(post.scheduledAt)} (your time) · ${post.localTime.slice(0, 16).replace('T', ' ')} in ${post.timeZone}`),
      h('div', { class: 'post-preview' }, post.text),
      h(
        'ul',
        { class: 'target-states' },
        ...post.targets.map((t) =>
          h(
            'li',
            {},
            h('strong', {}, ctx.platformName(t.platform)),
            ` ${t.state}`,
            t.url ? h('span', {}, ' · ', h('a', { attrs: { href: t.url, rel: 'noopener noreferrer', target: '_blank' } }, 'view on the platform')) : null,
            t.error ? h('span', { class: 'error-text' }, ` · ${t.error.kind}: ${t.error.message}`) : null,
          ),
        ),
      ),
    ),
  );
};

/** Renders the month `monthRaw` (`YYYY-MM`, default this month) into `root`. */
export const renderCalendar = async (ctx: AppContext, root: HTMLElement, monthRaw: string | undefined): Promise<void> => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const today = dayKeyIn(new Date(), zone);
  const [ty, tm] = today.split('-');
  const ym = parseMonth(monthRaw, { year: Number(ty), month: Number(tm) });
  const grid = monthGrid(ym);
  const title = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(ym.year, ym.month - 1, 1)));
  const detail = h('div', { attrs: { id: 'post-detail' } });
  const status = h('p', { class: 'muted small', attrs: { role: 'status' } }, 'Loading posts…');
  const table = h('table', { class: 'calendar' });
  replace(
    root,
    h(
      'div',
      { class: 'stack' },
      h(
        'section',
        { class: 'card', attrs: { 'aria-labelledby': 'calendar-heading' } },
        h(
          'div',
          { class: 'section-head' },
          h('h2', { attrs: { id: 'calendar-heading' } }, title),
          h(
            'nav',
            { class: 'toolbar', attrs: { 'aria-label': 'Month' } },
            h('a', { class: 'button-link', attrs: { href: `#/calendar/${monthParam(shiftMonth(ym, -1))}`, 'aria-label': 'Previous month' } }, '‹ Prev'),
            h('a', { class: 'button-link', attrs: { href: `#/calendar/${today.slice(0, 7)}` } }, 'Today'),
            h('a', { class: 'button-link', attrs: { href: `#/calendar/${monthParam(shiftMonth(ym, 1))}`, 'aria-label': 'Next month' } }, 'Next ›'),
          ),
        ),
        h('p', { class: 'muted small' }, `Times in ${zone}.`),
        status,
        table,
      ),
      detail,
    ),
  );
  const posts = await allPosts(ctx);
  const byDay = placeByDay(posts, (p) => p.scheduledAt, zone);
  const inMonth = posts.filter((p) => dayKeyIn(p.scheduledAt, zone).startsWith(monthParam(ym)));
  status.textContent = `${inMonth.length} post${inMonth.length === 1 ? '' : 's'} this month.`;
  const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: zone });
  replace(
    table,
    h('caption', { class: 'sr-only' }, `Posts in ${title}`),
    h('thead', {}, h('tr', {}, ...WEEKDAYS.map((d) => h('th', { attrs: { scope: 'col' } }, d)))),
    h(
      'tbody',
      {},
      ...grid.weeks.map((week) =>
        h(
          'tr',
          {},
          ...week.map((day) => {
            const items = byDay.get(day.date) ?? [];
            return h(
              'td',
              { class: `${day.inMonth ? '' : 'outside'}${day.date === today ? ' today' : ''}`, attrs: { 'data-date': day.date, 'aria-current': day.date === today ? 'date' : undefined } },
              h('span', { class: 'day-number' }, day.day),
              ...items.map((p) => {
                const chip = h(
                  'button',
                  { class: `post-chip status-${p.status}`, attrs: { type: 'button', 'data-post': p.id, title: `${p.status}: ${p.text}`, 'aria-label': `${time.format(new Date(p.scheduledAt))} ${p.status}: ${p.text}` } },
                  h('span', { class: 'chip-time' }, time.format(new Date(p.scheduledAt))),
                  h('span', { class: 'chip-text' }, p.text),
                );
                chip.addEventListener('click', () => void ctx.run(() => showPost(ctx, detail, p.id)));
                return chip;
              }),
            );
          }),
        ),
      ),
    ),
  );
};
