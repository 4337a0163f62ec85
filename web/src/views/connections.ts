/** The home view: connect buttons per platform and the list of connections with their badges. */
import { compactNumber } from '../chart';
import type { AppContext } from '../context';
import { formatWhen, h, replace } from '../dom';
import { connectionList, type Connection, type Platform } from '../schemas';
import * as z from 'zod/mini';
import { badgeElement } from './badge-el';
import { syncNow } from './sync';

const authorizeAnswer = z.object({ authorizeUrl: z.url() });

/** Starts connecting `platformId`: the API gives the consent URL and the platform brings the user back here. */
const connect = async (ctx: AppContext, platformId: string): Promise<void> => {
  const returnUrl = `${window.location.origin}/`;
  const started = await ctx.api.post(`/v1/oauth/${encodeURIComponent(platformId)}/authorize`, { returnUrl }, authorizeAnswer);
  window.location.assign(started.authorizeUrl);
};

const connectPanel = (ctx: AppContext, platforms: readonly Platform[]): HTMLElement =>
  h(
    'section',
    { class: 'card', attrs: { 'aria-labelledby': 'connect-heading' } },
    h('h2', { attrs: { id: 'connect-heading' } }, 'Connect an account'),
    h('p', { class: 'muted' }, 'Each button opens the platform’s own consent page; you come back here when it is done.'),
    h(
      'div',
      { class: 'platform-buttons' },
      ...platforms
        .filter((p) => p.capabilities.includes('connect'))
        .map((p) => {
          const button = h('button', { class: `platform-button platform-${p.id}`, attrs: { type: 'button', 'data-platform': p.id } }, `Connect ${p.displayName}`);
          button.addEventListener('click', () => {
            button.disabled = true;
            void ctx.run(() => connect(ctx, p.id)).finally(() => (button.disabled = false));
          });
          return button;
        }),
    ),
  );

/** Statuses whose grant is gone: only consent at the platform again brings the account back. */
const NEEDS_CONSENT = new Set(['reauth_required', 'revoked']);

/** The card's action: sync an active connection now, or consent again where the grant is gone (the same account is re-linked). */
const connectionAction = (ctx: AppContext, c: Connection, reload: () => Promise<void>): HTMLButtonElement => {
  if (NEEDS_CONSENT.has(c.status)) {
    const reconnect = h('button', { attrs: { type: 'button', 'data-action': 'reconnect' } }, 'Reconnect');
    reconnect.addEventListener('click', () => {
      reconnect.disabled = true;
      void ctx.run(() => connect(ctx, c.platform)).finally(() => (reconnect.disabled = false));
    });
    return reconnect;
  }
  const sync = h('button', { class: 'secondary', attrs: { type: 'button' } }, 'Sync now');
  sync.addEventListener('click', () => {
    sync.disabled = true;
    void ctx.run(async () => {
      await syncNow(ctx, c.id);
      await reload();
    }).finally(() => (sync.disabled = false));
  });
  return sync;
};

const connectionCard = (ctx: AppContext, c: Connection, reload: () => Promise<void>): HTMLElement => {
  const action = connectionAction(ctx, c, reload);
  const followers = c.latest?.followers;
  return h(
    'li',
    { class: 'connection', attrs: { 'data-connection': c.id, 'data-platform': c.platform } },
    h('div', { class: `avatar platform-${c.platform}`, attrs: { 'aria-hidden': 'true' } }, (c.displayName[0] ?? '?').toUpperCase()),
    h(
      'div',
      { class: 'connection-main' },
      h('p', { class: 'connection-name' }, h('a', { attrs: { href: `#/connections/${encodeURIComponent(c.id)}` } }, c.displayName), c.username ? h('span', { class: 'muted' }, ` ${c.username.startsWith('@') ? c.username : `@${c.username}`}`) : null),
      h('p', { class: 'muted small' }, `${ctx.platformName(c.platform)} · ${c.accountType} · ${c.lastSyncAt ? `synced ${formatWhen(c.lastSyncAt)}` : 'not synced yet'}`),
    ),
    h('div', { class: 'connection-figure' }, h('strong', {}, followers === undefined ? '—' : compactNumber(followers)), h('span', { class: 'muted small' }, 'followers')),
    // One box for badge and buttons: `display: contents` on wide screens, a row of its own on phones.
    h('div', { class: 'connection-foot' }, badgeElement(c), h('div', { class: 'connection-actions' }, h('a', { class: 'button-link', attrs: { href: `#/connections/${encodeURIComponent(c.id)}` } }, 'Details'), action)),
  );
};

/** Renders the view into `root`. */
export const renderConnections = async (ctx: AppContext, root: HTMLElement): Promise<void> => {
  const list = h('ul', { class: 'connection-list', attrs: { 'aria-label': 'Connections' } });
  const status = h('p', { class: 'muted', attrs: { role: 'status' } }, 'Loading connections…');
  const reload = async (): Promise<void> => {
    const { connections } = await ctx.api.get('/v1/connections', connectionList);
    replace(list, ...connections.map((c) => connectionCard(ctx, c, reload)));
    status.textContent = connections.length === 0 ? 'No connections yet: connect an account above.' : `${connections.length} connection${connections.length === 1 ? '' : 's'}.`;
  };
  const refresh = h('button', { class: 'secondary', attrs: { type: 'button' } }, 'Refresh');
  refresh.addEventListener('click', () => void ctx.run(reload));
  const syncAll = h('button', { class: 'secondary', attrs: { type: 'button' } }, 'Sync all');
  syncAll.addEventListener('click', () => {
    syncAll.disabled = true;
    void ctx.run(async () => {
      await syncNow(ctx);
      await reload();
    }).finally(() => (syncAll.disabled = false));
  });
  const listSection = h(
    'section',
    { class: 'card', attrs: { 'aria-labelledby': 'connections-heading' } },
    h('div', { class: 'section-head' }, h('h2', { attrs: { id: 'connections-heading' } }, 'Your connections'), h('div', { class: 'toolbar' }, refresh, syncAll)),
    status,
    list,
  );
  replace(root, h('div', { class: 'stack' }, h('div', { attrs: { id: 'connect-slot' } }), listSection));
  const slot = root.querySelector('#connect-slot');
  await Promise.all([
    ctx.run(async () => {
      const platforms = await ctx.platforms();
      slot?.replaceWith(connectPanel(ctx, platforms));
    }),
    ctx.run(async () => {
      try {
        await reload();
      } catch (err) {
        status.textContent = 'Could not load the connections.';
        throw err;
      }
    }),
  ]);
};
