/**
 * A few lines of DOM building: elements from tag, properties and children, text always as text
 * nodes (never innerHTML), so nothing an API returns can become markup.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  readonly class?: string;
  /** Attributes by name (`aria-*`, `role`, `for`, `type`…); `false`/`undefined` leaves one out, `true` sets it empty. */
  readonly attrs?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly on?: { readonly [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

const append = (parent: Element, children: readonly Child[]): void => {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
};

const setAttrs = (el: Element, attrs: Props['attrs']): void => {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
};

/** An HTML element. */
export const h = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  setAttrs(el, props.attrs);
  for (const [type, fn] of Object.entries(props.on ?? {})) if (fn) el.addEventListener(type, fn as EventListener);
  append(el, children);
  return el;
};

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (attributes only; styling comes from classes in styles.css). */
export const s = (tag: string, attrs: Readonly<Record<string, string | number>> = {}, ...children: Child[]): SVGElement => {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el as SVGElement;
};

/** Replaces everything inside `parent`. */
export const replace = (parent: Element, ...children: Child[]): void => {
  parent.replaceChildren();
  append(parent, children);
};

/** A local date-time for people: "23 Nov 2026, 14:05" in the viewer's zone (or `timeZone`). */
export const formatWhen = (iso: string, timeZone?: string): string =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone && { timeZone }) }).format(new Date(iso));
