/**
 * The dashboard's entry: reads `/config.json`, signs the user in (dev token locally, Cognito
 * hosted UI in AWS), then routes `#/connections`, `#/connections/{id}`, `#/compose` and
 * `#/calendar/{YYYY-MM}` to their views. Every view talks to the same REST API a client would.
 */
import { Api, ApiError } from './api';
import { beginOidcSignIn, completeOidcSignIn, currentSession, signInDev, signOut, type Session } from './auth';
import { clearNotices, createContext, type AppContext } from './context';
import { h, replace } from './dom';
import { dashboardConfig, type DashboardConfig } from './schemas';
import { renderCalendar } from './views/calendar-view';
import { renderComposer } from './views/composer';
import { renderConnectionDetail } from './views/connection-detail';
import { renderConnections } from './views/connections';

/** Why a connect came back without a connection, as the API's callback names it. */
const CONNECT_REASONS: Readonly<Record<string, string>> = {
  access_denied: 'consent was declined on the platform’s page',
  state_invalid: 'the connect link expired or was already used; start again',
  no_accounts: 'the grant reaches no account that can be connected',
  no_selected_accounts: 'none of the chosen accounts was reachable',
  missing_code: 'the platform sent no authorization code',
  platform_mismatch: 'the answer came back for another platform',
};

const loadConfig = async (): Promise<DashboardConfig> => {
  const res = await fetch('/config.json', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`/config.json answered ${res.status}`);
  const parsed = dashboardConfig.safeParse(await res.json());
  if (!parsed.success) throw new Error(`/config.json is not a dashboard configuration (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`);
  return parsed.data;
};

const fatal = (root: HTMLElement, message: string): void =>
  replace(root, h('main', { class: 'signin' }, h('div', { class: 'card', attrs: { role: 'alert' } }, h('h1', {}, 'Reach cannot start'), h('p', {}, message))));

/** The outcome of a connect flow in the URL (`?status=connected&platform=x&connection=…`), removed once read. */
const takeConnectOutcome = (url: URL): { ok: boolean; platform: string; detail: string } | undefined => {
  const status = url.searchParams.get('status');
  const platform = url.searchParams.get('platform');
  if ((status !== 'connected' && status !== 'error') || !platform) return undefined;
  window.history.replaceState(null, '', '/#/connections');
  const reason = url.searchParams.get('reason') ?? 'unknown';
  return { ok: status === 'connected', platform, detail: status === 'connected' ? '' : CONNECT_REASONS[reason] ?? reason };
};

const route = async (ctx: AppContext, view: HTMLElement): Promise<void> => {
  const parts = window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('.topbar nav a')) {
    if (link.dataset['route'] === (parts[0] ?? 'connections')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (parts[0] === 'connections' && parts[1]) return renderConnectionDetail(ctx, view, parts[1]);
  if (parts[0] === 'compose') return ctx.run(() => renderComposer(ctx, view));
  if (parts[0] === 'calendar') return ctx.run(() => renderCalendar(ctx, view, parts[1]));
  return renderConnections(ctx, view);
};

const showApp = (root: HTMLElement, config: DashboardConfig, session: Session, onSignedOut: (message?: string) => void): AppContext => {
  let ended = false;
  const api = new Api({
    base: config.apiBase,
    token: () => currentSession()?.accessToken,
    onUnauthorized: () => {
      if (ended) return;
      ended = true;
      // The API refused the token: forget it here, but keep the IdP's session so signing in again is one click.
      signOut(config, false);
      onSignedOut('Your session has ended; please sign in again.');
    },
  });
  const notices = h('div', { class: 'notices', attrs: { id: 'notices' } });
  const view = h('div', { attrs: { id: 'view' } });
  const ctx = createContext(api, notices);
  const out = h('button', { class: 'secondary', attrs: { type: 'button' } }, 'Sign out');
  out.addEventListener('click', () => {
    ended = true;
    signOut(config);
    onSignedOut();
  });
  const nav = h(
    'nav',
    { attrs: { 'aria-label': 'Main' } },
    ...[
      ['connections', 'Connections'],
      ['compose', 'Compose'],
      ['calendar', 'Calendar'],
    ].map(([id, label]) => h('a', { attrs: { href: `#/${id}`, 'data-route': id ?? '' } }, label ?? '')),
  );
  replace(
    root,
    h('a', { class: 'skip-link', attrs: { href: '#view' } }, 'Skip to content'),
    h('header', { class: 'topbar' }, h('span', { class: 'brand' }, 'Reach'), nav, h('div', { class: 'user' }, h('span', { class: 'user-name', attrs: { title: 'Signed in as' } }, session.user), out)),
    h('main', { attrs: { id: 'main' } }, notices, view),
  );
  const onHash = () => {
    if (ended) return;
    clearNotices(notices);
    void route(ctx, view);
  };
  window.addEventListener('hashchange', onHash);
  void ctx.platforms().catch(() => undefined);
  void route(ctx, view);
  return ctx;
};

const signInView = (root: HTMLElement, config: DashboardConfig, onSignedIn: (s: Session) => void, message?: string): void => {
  const error = h('div', { attrs: { role: 'alert' } });
  const fail = (err: unknown) => replace(error, h('p', { class: 'notice notice-error' }, err instanceof Error ? err.message : String(err)));
  let body: HTMLElement;
  if (config.auth.kind === 'dev') {
    const auth = config.auth;
    const user = h('input', { attrs: { id: 'dev-user', name: 'sub', value: 'dev-user', required: true, autocomplete: 'username' } });
    body = h(
      'form',
      { class: 'stack' },
      h('p', { class: 'muted' }, 'Local runtime: sign in with a development token from the runtime’s own issuer. Any user id works; each sees only their own data.'),
      h('label', { attrs: { for: 'dev-user' } }, 'User id'),
      user,
      h('button', { attrs: { type: 'submit' } }, 'Sign in with a dev token'),
    );
    body.addEventListener('submit', (e) => {
      e.preventDefault();
      signInDev(auth, config.apiBase, user.value.trim()).then(onSignedIn, fail);
    });
  } else {
    const auth = config.auth;
    const button = h('button', { attrs: { type: 'button' } }, 'Sign in');
    button.addEventListener('click', () => void beginOidcSignIn(auth).catch(fail));
    body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'You will be taken to the sign-in page and brought back here.'), button);
  }
  replace(
    root,
    h(
      'main',
      { class: 'signin' },
      h('section', { class: 'card', attrs: { 'aria-labelledby': 'signin-heading' } }, h('h1', { attrs: { id: 'signin-heading' } }, 'Sign in to Reach'), message ? h('p', { class: 'notice notice-info', attrs: { role: 'status' } }, message) : null, error, body),
    ),
  );
};

const start = async (): Promise<void> => {
  const root = document.getElementById('app');
  if (!root) return;
  let config: DashboardConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    fatal(root, err instanceof Error ? err.message : String(err));
    return;
  }
  const url = new URL(window.location.href);
  const outcome = takeConnectOutcome(url);
  let signInMessage: string | undefined;
  if (config.auth.kind === 'oidc') {
    try {
      await completeOidcSignIn(config.auth, url);
    } catch (err) {
      signInMessage = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    }
  }
  let pending = outcome;
  const enter = (session: Session): void => {
    const ctx = showApp(root, config, session, (message) => signInView(root, config, enter, message));
    if (pending) {
      const o = pending;
      pending = undefined;
      void ctx.platforms().catch(() => undefined).finally(() =>
        o.ok ? ctx.notify('success', `Connected ${ctx.platformName(o.platform)}. Its first sync is on its way.`) : ctx.notify('error', `Could not connect ${ctx.platformName(o.platform)}: ${o.detail}.`),
      );
    }
  };
  const session = currentSession();
  if (session) enter(session);
  else signInView(root, config, enter, signInMessage);
};

void start();
