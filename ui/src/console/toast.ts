/** Small, polite notifications in the corner (never alert()). */
import { h, svg } from '../shared/dom';
import { icons } from '../shared/icons';

let host: HTMLElement | null = null;

export interface ToastOptions {
  ms?: number;
  /** Technical text (the core's message, the error code) behind a "Details" toggle. */
  details?: string | null;
}

export function toast(message: string, kind: 'info' | 'ok' | 'error' = 'info', opts: number | ToastOptions = {}): HTMLElement {
  const o: ToastOptions = typeof opts === 'number' ? { ms: opts } : opts;
  const ms = o.ms ?? (kind === 'error' ? (o.details ? 12000 : 8000) : 4000);
  if (!host || !host.isConnected) {
    host = h('div', { class: 'toasts', id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const close = () => el.remove();
  let details: HTMLElement | null = null;
  let toggle: HTMLElement | null = null;
  if (o.details) {
    details = h('div', { class: 'toast-details', hidden: true }, o.details);
    toggle = h('button', {
      class: 'details-toggle toast-details-toggle', type: 'button', 'aria-expanded': 'false',
      onclick: () => {
        details!.hidden = !details!.hidden;
        toggle!.setAttribute('aria-expanded', String(!details!.hidden));
        toggle!.textContent = details!.hidden ? 'Details' : 'Hide details';
      },
    }, 'Details');
  }
  const el = h('div', { class: `toast ${kind}` },
    svg(kind === 'error' ? icons.alert : kind === 'ok' ? icons.check : icons.sync),
    h('div', { class: 'toast-body' },
      h('span', { class: 'toast-text', title: message }, message),
      toggle, details),
    h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss', onclick: close }, svg(icons.close)));
  host.append(el);
  // A few at a time: the oldest make way.
  while (host.childElementCount > 3) host.firstElementChild?.remove();
  setTimeout(close, ms);
  return el;
}
