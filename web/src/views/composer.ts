/**
 * The post composer: text, target connections, now or a time in a zone; a live per-platform
 * preview from `POST /v1/posts/preview`, and `POST /v1/posts` with an Idempotency-Key so that a
 * double click or a retried request creates one post.
 */
import { monthOf } from '../calendar';
import type { AppContext } from '../context';
import { h, replace } from '../dom';
import { randomToken } from '../oidc';
import { connectionList, postDetail, preview as previewSchema, type Connection, type Preview } from '../schemas';

const PREVIEW_DEBOUNCE_MS = 350;

interface Draft {
  readonly text: string;
  readonly targets: readonly { readonly connectionId: string }[];
  readonly scheduledAt?: string;
  readonly timeZone?: string;
}

const zones = (): string[] => {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return all.includes(own) ? all : [own, ...all];
};

const verdictCard = (ctx: AppContext, t: Preview['targets'][number], byId: ReadonlyMap<string, Connection>): HTMLElement => {
  const c = byId.get(t.connectionId);
  const platform = ctx.platformName(t.platform ?? c?.platform ?? '');
  const counter = t.preview?.length !== undefined && t.preview.limit !== undefined ? `${t.preview.length} / ${t.preview.limit}` : undefined;
  const over = t.preview?.length !== undefined && t.preview.limit !== undefined && t.preview.length > t.preview.limit;
  return h(
    'li',
    { class: `verdict ${t.valid ? 'verdict-ok' : 'verdict-bad'}`, attrs: { 'data-platform': t.platform ?? '', 'data-valid': String(t.valid) } },
    h('div', { class: 'verdict-head' }, h('strong', {}, platform), c ? h('span', { class: 'muted small' }, ` ${c.displayName}`) : null, h('span', { class: 'verdict-state' }, t.valid ? '✓ Ready' : '✗ Needs changes')),
    counter ? h('p', { class: `counter${over ? ' counter-over' : ''}` }, `${counter} characters`) : null,
    t.violations.length > 0 ? h('ul', { class: 'violations', attrs: { 'aria-label': `${platform} errors` } }, ...t.violations.map((v) => h('li', {}, v.message, h('span', { class: 'muted small' }, ` (${v.field})`)))) : null,
    t.warnings.length > 0 ? h('ul', { class: 'warnings', attrs: { 'aria-label': `${platform} warnings` } }, ...t.warnings.map((v) => h('li', {}, v.message))) : null,
    t.preview ? h('div', { class: 'post-preview' }, t.preview.text) : null,
  );
};

/** Renders the composer into `root`. */
export const renderComposer = async (ctx: AppContext, root: HTMLElement): Promise<void> => {
  const [{ connections }, platforms] = await Promise.all([ctx.api.get('/v1/connections', connectionList), ctx.platforms()]);
  const publishing = new Set(platforms.filter((p) => p.capabilities.includes('publish')).map((p) => p.id));
  const usable = connections.filter((c) => c.status === 'active' && publishing.has(c.platform));
  const byId = new Map(connections.map((c) => [c.id, c]));

  const text = h('textarea', { attrs: { id: 'post-text', name: 'text', rows: 6, required: true, placeholder: 'What do you want to say?' } });
  const targets = usable.map((c) =>
    h('input', { attrs: { type: 'checkbox', name: 'targets', value: c.id, id: `target-${c.id}`, checked: true } }),
  );
  const when = (['now', 'later'] as const).map((v) => h('input', { attrs: { type: 'radio', name: 'when', value: v, id: `when-${v}`, checked: v === 'later' } }));
  const at = h('input', { attrs: { type: 'datetime-local', id: 'post-at', name: 'scheduledAt' } });
  const zone = h('select', { attrs: { id: 'post-zone', name: 'timeZone' } }, ...zones().map((z) => h('option', { attrs: { value: z } }, z)));
  zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const submit = h('button', { attrs: { type: 'submit' } }, 'Schedule post');
  const previewList = h('ul', { class: 'verdicts', attrs: { 'aria-label': 'Per-platform preview' } });
  const previewStatus = h('p', { class: 'muted', attrs: { role: 'status' } }, 'Write something and pick where it goes to see each platform’s verdict.');

  const draft = (): Draft => {
    const later = when[1]!.checked;
    return {
      text: text.value,
      targets: targets.filter((t) => t.checked).map((t) => ({ connectionId: t.value })),
      ...(later && { scheduledAt: at.value, timeZone: zone.value }),
    };
  };
  const syncWhen = () => {
    const later = when[1]!.checked;
    at.disabled = !later;
    zone.disabled = !later;
    at.required = later;
    submit.textContent = later ? 'Schedule post' : 'Publish now';
  };

  // Stale answers (the user typed on) are dropped: only the newest request may draw.
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const runPreview = async (): Promise<void> => {
    const d = draft();
    const mine = ++seq;
    if (d.text.trim() === '' || d.targets.length === 0) {
      replace(previewList);
      previewStatus.textContent = d.targets.length === 0 ? 'Pick at least one connection.' : 'Write something to see each platform’s verdict.';
      return;
    }
    previewStatus.textContent = 'Checking…';
    try {
      const result = await ctx.api.post('/v1/posts/preview', { text: d.text, targets: d.targets }, previewSchema);
      if (mine !== seq) return;
      replace(previewList, ...result.targets.map((t) => verdictCard(ctx, t, byId)));
      previewStatus.textContent = result.valid ? 'Every platform accepts this post.' : 'Some platforms need changes before this post can go out.';
    } catch (err) {
      if (mine !== seq) return;
      replace(previewList);
      previewStatus.textContent = 'The preview failed.';
      throw err;
    }
  };
  const schedulePreview = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void ctx.run(runPreview), PREVIEW_DEBOUNCE_MS);
  };

  // One key per distinct draft: resubmitting the same draft (a retry after a network error)
  // reuses it, so the API answers with the post it already made.
  let attempt: { body: string; key: string } | undefined;
  const form = h(
    'form',
    { class: 'card composer', attrs: { 'aria-labelledby': 'composer-heading', novalidate: true } },
    h('h2', { attrs: { id: 'composer-heading' } }, 'New post'),
    h('label', { attrs: { for: 'post-text' } }, 'Text'),
    text,
    h(
      'fieldset',
      {},
      h('legend', {}, 'Publish to'),
      usable.length === 0
        ? h('p', { class: 'muted' }, 'No connection can publish yet: connect an account first.')
        : h('div', { class: 'targets' }, ...usable.map((c, i) => h('label', { class: 'check-label', attrs: { for: targets[i]!.id } }, targets[i]!, `${ctx.platformName(c.platform)} — ${c.displayName}`))),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'When'),
      h('div', { class: 'when' }, h('label', { class: 'check-label', attrs: { for: 'when-now' } }, when[0]!, 'Now'), h('label', { class: 'check-label', attrs: { for: 'when-later' } }, when[1]!, 'At a time')),
      h('div', { class: 'schedule' }, h('label', { attrs: { for: 'post-at' } }, 'Date and time'), at, h('label', { attrs: { for: 'post-zone' } }, 'Time zone'), zone),
    ),
    h('div', { class: 'toolbar' }, submit),
  );
  form.addEventListener('input', schedulePreview);
  form.addEventListener('change', () => {
    syncWhen();
    schedulePreview();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void ctx.run(async () => {
      const d = draft();
      if (d.scheduledAt === '') {
        ctx.notify('error', 'Pick a date and time, or choose “Now”.');
        return;
      }
      const body = JSON.stringify(d);
      if (attempt?.body !== body) attempt = { body, key: randomToken(24) };
      submit.disabled = true;
      try {
        const post = await ctx.api.post('/v1/posts', d, postDetail, { 'idempotency-key': attempt.key });
        attempt = undefined;
        const month = monthOf(post.scheduledAt, Intl.DateTimeFormat().resolvedOptions().timeZone);
        ctx.notify('success', `Post ${post.status === 'scheduled' ? 'scheduled' : post.status} for ${post.localTime.slice(0, 16).replace('T', ' ')} (${post.timeZone}) to ${post.targets.length} connection${post.targets.length === 1 ? '' : 's'}.`, {
          link: { href: `#/calendar/${month.year}-${String(month.month).padStart(2, '0')}`, text: 'Open the calendar' },
        });
        text.value = '';
        seq += 1;
        replace(previewList);
        previewStatus.textContent = 'Write something to see each platform’s verdict.';
      } finally {
        submit.disabled = false;
      }
    });
  });
  syncWhen();
  replace(
    root,
    h(
      'div',
      { class: 'composer-grid' },
      form,
      h('section', { class: 'card', attrs: { 'aria-labelledby': 'preview-heading', 'aria-live': 'polite' } }, h('h2', { attrs: { id: 'preview-heading' } }, 'Preview'), previewStatus, previewList),
    ),
  );
};
