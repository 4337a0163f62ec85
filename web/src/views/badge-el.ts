/** The sync badge as an element: colour, label, and the reason plus the rule in its tooltip. */
import { BADGE_RULE, syncBadge, type BadgeInput } from '../badge';
import { h } from '../dom';

/** A badge for `c` as of now. */
export const badgeElement = (c: BadgeInput): HTMLElement => {
  const b = syncBadge(c, new Date());
  return h(
    'span',
    { class: `badge badge-${b.color}`, attrs: { title: `${b.reason}\n\n${BADGE_RULE}`, 'data-color': b.color } },
    h('span', { class: 'badge-dot', attrs: { 'aria-hidden': 'true' } }),
    b.label,
    h('span', { class: 'sr-only' }, ` (${b.color}): ${b.reason}`),
  );
};
