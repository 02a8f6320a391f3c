/**
 * Enrol mode: the link widget full-window for one participant, kiosk-like. The rest of the console
 * is inert until the researcher leaves (with the enrol PIN when one is set). The participant's
 * screen holds the participant's steps only: no link-token address, no researcher notes. There
 * is no QR code for a phone: each provider returns its sign-in to this computer's loopback
 * listener (RFC 8252), which a phone cannot reach.
 */
import { h, svg } from '../shared/dom';
import { brandMark, icons } from '../shared/icons';
import { createLinkWidget, type LinkWidget } from '../link/widget';
import * as api from './api';
import { dialog } from './dialog';
import { providerName } from './format';
import type { AppInfo, Participant } from './types';

export interface EnrolOptions {
  participant: Participant;
  info: AppInfo;
  /** The console's root: made inert while enrol mode runs. */
  appRoot: HTMLElement;
  pinSet(): Promise<boolean>;
  onConnected(): void;
  onLeave(): void;
}

export interface EnrolHandle {
  leave(force?: boolean): Promise<boolean>;
  readonly element: HTMLElement;
}

let active: EnrolHandle | null = null;

export function enrolActive(): boolean {
  return active !== null;
}

export async function startEnrol(o: EnrolOptions): Promise<EnrolHandle> {
  if (active) await active.leave(true);
  const p = o.participant;
  const widgetHost = h('div', { class: 'enrol-widget', id: 'enrol-widget' });
  const el = h('div', { class: 'enrol', id: 'enrol', 'data-user': p.client_user_id, role: 'application', 'aria-label': `Enrol ${p.client_user_id}` },
    h('header', { class: 'enrol-top' },
      h('span', { class: 'brand' }, svg(brandMark), h('span', { class: 'brand-name' }, 'Vital Link')),
      h('span', { class: 'enrol-who' }, 'Participant ', h('strong', { id: 'enrol-participant' }, p.client_user_id)),
      h('button', { class: 'vl-btn small ghost enrol-leave', type: 'button', id: 'enrol-leave', onclick: () => void handle.leave() },
        svg(icons.lock), 'Researcher: leave enrol mode')),
    h('div', { class: 'enrol-main' }, widgetHost));
  let widget: LinkWidget | null = null;
  let closed = false;
  /** Providers connected in this enrol session (display names), for the closing screen. */
  const connected: string[] = [];

  const handle: EnrolHandle = {
    element: el,
    async leave(force = false) {
      if (closed) return true;
      if (!force && (await o.pinSet())) {
        const v = await dialog({
          id: 'enrol-pin-dialog', title: 'Leave enrol mode', confirmLabel: 'Leave',
          body: ['Enter the enrol PIN set in Settings.'],
          input: { label: 'Enrol PIN', type: 'password', autocomplete: 'off' },
          validate: async (pin) => {
            if (!pin) return 'Type the PIN.';
            try {
              return (await api.checkEnrolPin(pin)) ? null : 'That PIN is not right.';
            } catch (e) {
              return api.toCommandError(e).message;
            }
          },
        });
        if (v === null) return false;
      }
      closed = true;
      widget?.destroy();
      el.remove();
      o.appRoot.inert = false;
      o.appRoot.removeAttribute('aria-hidden');
      document.removeEventListener('keydown', trap, true);
      if (active === handle) active = null;
      o.onLeave();
      return true;
    },
  };

  // Keys never reach the console underneath (the widget handles its own).
  function trap(e: KeyboardEvent) {
    if (!el.contains(e.target as Node) && !(e.target as HTMLElement)?.closest?.('.dialog-backdrop')) {
      e.stopPropagation();
    }
  }

  async function begin() {
    widget?.destroy();
    widgetHost.replaceChildren(h('div', { class: 'loading-line center' }, h('span', { class: 'vl-spinner' }), 'Preparing…'));
    let token: { link_token: string };
    try {
      token = await api.createLinkToken(p.user_id);
    } catch (e) {
      // The participant gets a plain sentence; the researcher reads the rest after leaving.
      const err = api.toCommandError(e);
      console.warn('enrol: could not create a link token', err.code, err.message);
      widgetHost.replaceChildren(h('div', { class: 'enrol-done', id: 'enrol-error', 'data-code': err.code },
        h('h1', {}, 'This computer could not start the connection'),
        h('p', {}, 'Please try again, or ask the researcher for help.'),
        h('button', { class: 'vl-btn primary', type: 'button', onclick: () => void begin() }, 'Try again')));
      return;
    }
    widgetHost.replaceChildren();
    widget = createLinkWidget({
      token: token.link_token,
      apiBase: o.info.api_base,
      env: String(o.info.environment),
      mode: 'embedded',
      container: widgetHost,
      consentVia: 'window',
      participant: p.client_user_id,
      onSuccess: (r) => {
        connected.push(providerName(r.provider));
        o.onConnected();
      },
      onClose: () => {
        if (closed) return;
        widget = null;
        finished();
      },
    });
    widget.open();
  }

  /**
   * The widget closed (Done, Close, ×). With something connected: thanks, and hand back. With
   * nothing connected (× on the agreement, a cancel, an error): say so plainly and offer to try
   * again, so the participant does not walk away thinking they are done.
   */
  function finished() {
    if (!connected.length) {
      widgetHost.replaceChildren(h('div', { class: 'enrol-done nothing', id: 'enrol-done', 'data-connected': '0' },
        h('span', { class: 'enrol-done-icon warn' }, svg(icons.alert)),
        h('h1', {}, 'Nothing was connected'),
        h('p', {}, 'No device was connected, so the study will not receive your data yet.'),
        h('button', { class: 'vl-btn primary', type: 'button', id: 'enrol-again', onclick: () => void begin() }, 'Try again'),
        h('p', { class: 'enrol-done-hint' }, 'Not sure what to do? Please ask the researcher.')));
      return;
    }
    const list = [...new Set(connected)];
    widgetHost.replaceChildren(h('div', { class: 'enrol-done', id: 'enrol-done', 'data-connected': String(list.length) },
      h('span', { class: 'enrol-done-icon' }, svg(icons.check)),
      h('h1', {}, 'Thank you'),
      h('p', {}, `${list.join(' and ')} ${list.length === 1 ? 'is' : 'are'} connected. Please hand the computer back to the researcher.`),
      h('button', { class: 'vl-btn', type: 'button', id: 'enrol-again', onclick: () => void begin() }, svg(icons.plus), 'Connect another device')));
  }

  document.addEventListener('keydown', trap, true);
  o.appRoot.inert = true;
  o.appRoot.setAttribute('aria-hidden', 'true');
  document.body.append(el);
  active = handle;
  await begin();
  return handle;
}
