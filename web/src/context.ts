/** What every view is handed: the API client, the platform catalogue, and the notice area. */
import { ApiError, type Api } from './api';
import { h, replace } from './dom';
import { platformList, type Platform } from './schemas';

export type NoticeKind = 'info' | 'success' | 'error';

export interface NoticeExtra {
  /** The failing fields of a problem+json answer. */
  readonly fields?: readonly { readonly field: string; readonly message: string }[];
  /** A link to follow up (e.g. to the calendar). */
  readonly link?: { readonly href: string; readonly text: string };
}

export interface AppContext {
  readonly api: Api;
  /** `GET /v1/platforms`, read once per page load. */
  platforms(): Promise<readonly Platform[]>;
  /** Shows a message above the view until dismissed or the next navigation. */
  notify(kind: NoticeKind, message: string, extra?: NoticeExtra): void;
  /** Runs a user action; any failure becomes an error notice (nothing is swallowed). */
  run(action: () => Promise<void>): Promise<void>;
  /** The display name of a platform id. */
  platformName(id: string): string;
}

/** Builds the context over the notice element `notices`. */
export const createContext = (api: Api, notices: HTMLElement): AppContext => {
  let catalogue: Promise<readonly Platform[]> | undefined;
  const names = new Map<string, string>();
  const notify: AppContext['notify'] = (kind, message, extra = {}) => {
    const fields = extra.fields ?? [];
    const close = h('button', { class: 'notice-close', attrs: { type: 'button', 'aria-label': 'Dismiss' } }, '×');
    const notice = h(
      'div',
      { class: `notice notice-${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } },
      h('p', {}, message, extra.link ? ' ' : null, extra.link ? h('a', { attrs: { href: extra.link.href } }, extra.link.text) : null),
      fields.length > 0 ? h('ul', { class: 'notice-fields' }, ...fields.map((f) => h('li', {}, h('code', {}, f.field), ` ${f.message}`))) : null,
      close,
    );
    close.addEventListener('click', () => notice.remove());
    notices.append(notice);
  };
  return {
    api,
    platforms: () => {
      catalogue ??= api.get('/v1/platforms', platformList).then((r) => {
        for (const p of r.platforms) names.set(p.id, p.displayName);
        return r.platforms;
      });
      // A failed read is not cached: the next view tries again.
      catalogue.catch(() => (catalogue = undefined));
      return catalogue;
    },
    notify,
    run: async (action) => {
      try {
        await action();
      } catch (err) {
        if (err instanceof ApiError) notify('error', err.message, { fields: err.fields });
        else notify('error', err instanceof Error ? err.message : String(err));
      }
    },
    platformName: (id) => names.get(id) ?? id,
  };
};

/** Clears the notices (on navigation). */
export const clearNotices = (notices: HTMLElement): void => replace(notices);
