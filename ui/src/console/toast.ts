/** Small, polite notifications in the corner (never alert()). */
import { h, svg } from '../shared/dom';
import { icons } from '../shared/icons';

let host: HTMLElement | null = null;

export function toast(message: string, kind: 'info' | 'ok' | 'error' = 'info', ms = kind === 'error' ? 8000 : 4000): HTMLElement {
  if (!host || !host.isConnected) {
    host = h('div', { class: 'toasts', id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const close = () => el.remove();
  const el = h('div', { class: `toast ${kind}` },
    svg(kind === 'error' ? icons.alert : kind === 'ok' ? icons.check : icons.sync),
    h('span', { class: 'toast-text' }, message),
    h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss', onclick: close }, svg(icons.close)));
  host.append(el);
  // A few at a time: the oldest make way.
  while (host.childElementCount > 3) host.firstElementChild?.remove();
  setTimeout(close, ms);
  return el;
}
