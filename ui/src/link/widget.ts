/**
 * The link widget: Agreement → provider list → authenticating → result.
 *
 * Talks only HTTP to the local API (link-token-scoped routes), so the same code runs as an
 * overlay inside the console window and as the standalone page served at `/link/`.
 */
import './link.css';
import { clear, h, svg } from '../shared/dom';
import { brandMark, icons } from '../shared/icons';
import { ERROR_CODES, explain } from '../shared/messages';
import { createLinkClient, LinkApiError } from './client';
import { initialScreen, transition, type FailureInfo, type LinkEvent, type Screen } from './machine';
import { buildRedirectUrl, isSafeRedirect } from './redirect';
import type { LinkProvider, LinkStateResponse, LinkWidgetOptions } from './types';
import { renderScreen, type ViewContext } from './view';

export interface LinkWidget {
  /** Mounts the widget (overlay mode: over the page) and starts the flow. */
  open(): void;
  /** Dismisses the widget as the person would with ×: cancels a pending flow and reports onExit. */
  exit(): Promise<void>;
  /** Removes the widget and stops all timers, without callbacks. */
  destroy(): void;
  readonly element: HTMLElement;
  readonly screen: Screen;
}

const DEFAULT_POLL_MS = 700;
const CANCEL_POLL_MS = 250;
/** After Cancel, how long to wait for the core to record the outcome before showing "cancelled". */
const CANCEL_GRACE_MS = 3000;
/** Consecutive heartbeat network failures tolerated before giving up. */
const MAX_POLL_FAILURES = 8;

export function toFailure(e: unknown): FailureInfo {
  if (e instanceof LinkApiError) {
    return { errorType: e.errorType, message: e.message, retryable: !e.isTokenError };
  }
  return { errorType: 'unexpected_error', message: e instanceof Error ? e.message : String(e), retryable: true };
}

export function createLinkWidget(opts: LinkWidgetOptions): LinkWidget {
  const mode = opts.mode ?? 'overlay';
  /** Overlay and embedded widgets are modal: ×/Escape/Done end them (the host removes them). */
  const modal = mode !== 'page';
  const client = createLinkClient(opts.apiBase, opts.token, opts.fetch);
  const pollMs = opts.pollIntervalMs ?? DEFAULT_POLL_MS;
  const navigate = opts.navigate ?? ((url: string) => window.location.assign(url));

  let screen: Screen = initialScreen;
  let started = false;
  let destroyed = false;
  let closed = false;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let pollFailures = 0;
  let cancelDeadline = 0;
  /** Bumped whenever a screen is left, so late answers for it are dropped. */
  let epoch = 0;
  let redirectUrl: string | null = null;
  let preselect: string | null = null;

  const ctx: ViewContext = {
    sandbox: (opts.env ?? '').toLowerCase() === 'sandbox',
    names: new Map(),
    logos: new Map(),
    redirecting: false,
    agreement: null,
    agreeBusy: false,
    agreeError: null,
    participant: opts.participant ?? null,
  };
  const consentVia = opts.consentVia ?? 'link_page';

  // ── DOM ──────────────────────────────────────────────────────────────────────────────
  const body = h('div', { class: 'vlink-body', tabindex: '-1' });
  const closeBtn = h('button', { class: 'vlink-close', id: 'link-close', type: 'button', 'aria-label': 'Close', title: 'Close', onclick: () => void exit() },
    svg(icons.close));
  const card = h('div', { class: 'vlink-card', role: 'dialog', 'aria-modal': modal ? 'true' : undefined, 'aria-label': 'Connect a device' },
    h('header', { class: 'vlink-head' },
      h('span', { class: 'vlink-brand' }, svg(brandMark), 'Vital Link'),
      ctx.sandbox ? h('span', { class: 'vlink-env', title: 'Test environment: no real accounts' }, 'Sandbox') : null,
      h('span', { class: 'vlink-head-spacer' }),
      closeBtn),
    body,
    h('footer', { class: 'vlink-foot' }, svg(icons.lock), 'Your data is stored on this computer'));
  const element = h('div', { class: mode === 'overlay' ? 'vlink vlink-overlay' : mode === 'embedded' ? 'vlink vlink-page vlink-embedded' : 'vlink vlink-page' }, card);
  element.addEventListener('mousedown', (e) => {
    // A click on the backdrop is not a dismissal: a sign-in may be in progress.
    if (e.target === element) e.preventDefault();
  });

  function onKey(e: KeyboardEvent) {
    if (e.key === 'Escape' && modal) {
      e.preventDefault();
      void exit();
    }
  }

  function render() {
    if (destroyed || closed) return;
    const hadFocus = card.contains(document.activeElement);
    clear(body);
    body.append(
      renderScreen(screen, ctx, {
        agree: () => void agree(),
        choose: (p) => dispatch({ type: 'choose', provider: p }),
        cancel: () => dispatch({ type: 'cancel' }),
        retry: () => dispatch({ type: 'retry' }),
        done: () => finish(),
      }),
    );
    body.dataset.screen = screen.name;
    if (hadFocus || modal) body.focus({ preventScroll: true });
  }

  // ── State machine driver ─────────────────────────────────────────────────────────────
  function dispatch(ev: LinkEvent) {
    if (destroyed || closed) return;
    const prev = screen;
    const next = transition(prev, ev);
    if (next === prev) return;
    screen = next;
    if (prev.name !== next.name) epoch++;
    if (next.name === 'result') stopPolling();
    render();
    effects(prev, next);
  }

  function effects(prev: Screen, next: Screen) {
    const my = epoch;
    switch (next.name) {
      case 'providers':
        if (next.providers === null) {
          client.providers().then(
            (list) => {
              if (my !== epoch) return;
              remember(list);
              dispatch({ type: 'providers_loaded', providers: list });
              const only = preselect ? list.find((p) => p.slug === preselect) : undefined;
              preselect = null;
              // A token made for one provider goes straight to it, as Vital's widget does.
              if (only) dispatch({ type: 'choose', provider: only });
            },
            (e) => my === epoch && dispatch({ type: 'failed', error: toFailure(e) }),
          );
        }
        break;
      case 'starting':
        client.start(next.provider.slug).then(
          (r) => my === epoch && dispatch({ type: 'started', oauthUrl: r.oauth_url }),
          (e) => my === epoch && dispatch({ type: 'failed', error: toFailure(e) }),
        );
        break;
      case 'authenticating':
        if (prev.name !== 'authenticating') {
          pollFailures = 0;
          cancelDeadline = 0;
          schedulePoll(pollMs);
        }
        if (next.cancelling && !(prev.name === 'authenticating' && prev.cancelling)) requestCancel();
        break;
      case 'result':
        settle(next);
        break;
    }
  }

  /**
   * "Agree and continue": with the study's agreement shown, its acceptance is recorded first
   * (`POST /v2/link/consent`); a changed agreement is fetched again and shown.
   */
  async function agree() {
    if (screen.name !== 'agreement' || ctx.agreeBusy) return;
    const a = ctx.agreement;
    if (!a) {
      dispatch({ type: 'agree' });
      return;
    }
    const my = epoch;
    ctx.agreeBusy = true;
    ctx.agreeError = null;
    render();
    try {
      await client.consent(a.version, consentVia);
      if (my !== epoch || destroyed) return;
      ctx.agreeBusy = false;
      dispatch({ type: 'agree' });
    } catch (e) {
      if (my !== epoch || destroyed) return;
      ctx.agreeBusy = false;
      if (e instanceof LinkApiError && e.isTokenError) {
        dispatch({ type: 'failed', error: toFailure(e) });
        return;
      }
      if (e instanceof LinkApiError && e.errorType === ERROR_CODES.agreement_outdated) {
        const fresh = await client.config().catch(() => null);
        if (fresh) ctx.agreement = fresh.agreement;
        ctx.agreeError = 'The agreement was just updated. Please read it again before continuing.';
      } else {
        // Plain words for the participant; the technical text stays in the console's log.
        const code = e instanceof LinkApiError ? e.errorType : 'unexpected_error';
        ctx.agreeError = `Your agreement could not be recorded. ${explain(code, {}, 'participant').text}`;
      }
      render();
    }
  }

  function remember(list: LinkProvider[]) {
    for (const p of list) {
      ctx.names.set(p.slug, p.name);
      if (p.logo) ctx.logos.set(p.slug, p.logo);
    }
  }

  function noteState(s: LinkStateResponse) {
    if (s.redirect_url) redirectUrl = s.redirect_url;
  }

  // ── Heartbeat ────────────────────────────────────────────────────────────────────────
  function schedulePoll(ms: number) {
    stopPolling();
    pollTimer = setTimeout(poll, ms);
  }

  function stopPolling() {
    if (pollTimer !== undefined) clearTimeout(pollTimer);
    pollTimer = undefined;
  }

  async function poll() {
    pollTimer = undefined;
    if (destroyed || screen.name !== 'authenticating') return;
    const my = epoch;
    try {
      const s = await client.state();
      if (my !== epoch || destroyed) return;
      pollFailures = 0;
      noteState(s);
      dispatch({ type: 'polled', state: s });
    } catch (e) {
      if (my !== epoch || destroyed) return;
      const transient = e instanceof LinkApiError && (e.status === 0 || e.status >= 500);
      if (!transient || ++pollFailures >= MAX_POLL_FAILURES) {
        dispatch({ type: 'failed', error: toFailure(e) });
        return;
      }
    }
    if (screen.name !== 'authenticating' || my !== epoch) return;
    if (screen.cancelling && cancelDeadline && Date.now() >= cancelDeadline) {
      dispatch({ type: 'cancelled' });
      return;
    }
    schedulePoll(screen.cancelling ? CANCEL_POLL_MS : pollMs);
  }

  function requestCancel() {
    const my = epoch;
    client.exit().then(
      () => {
        if (my !== epoch) return;
        // The core closes the browser listener and records `exited`; the heartbeat picks it
        // up (or a success that won the race). Give it a moment, then show "cancelled".
        cancelDeadline = Date.now() + CANCEL_GRACE_MS;
        schedulePoll(0);
      },
      () => my === epoch && dispatch({ type: 'cancelled' }),
    );
  }

  // ── Outcomes ─────────────────────────────────────────────────────────────────────────
  function settle(r: Extract<Screen, { name: 'result' }>) {
    safely(() => {
      if (r.outcome === 'success') {
        opts.onSuccess?.({ state: 'success', provider: r.provider ?? '', link_token: opts.token });
      } else if (r.outcome === 'exit') {
        opts.onExit?.({ state: 'exit', error_type: 'user_cancelled', provider: r.provider });
      } else {
        opts.onError?.({
          state: 'error',
          error_type: r.errorType ?? 'unknown_error',
          error: r.message ?? 'The connection did not complete.',
          provider: r.provider,
        });
      }
    });
    if (opts.followRedirect && redirectUrl && isSafeRedirect(redirectUrl)) {
      const url = buildRedirectUrl(redirectUrl, r);
      ctx.redirecting = true;
      render();
      navigate(url);
      // If the browser could not follow it (e.g. an app scheme with no handler), give the
      // buttons back rather than spinning forever.
      setTimeout(() => {
        if (destroyed || closed || screen !== r) return;
        ctx.redirecting = false;
        render();
      }, 6000);
    }
  }

  /** Done / Close on the result screen. */
  function finish() {
    if (destroyed || closed) return;
    safely(() => opts.onClose?.());
    if (modal) {
      destroy();
      return;
    }
    // The standalone page: a tab the page did not open cannot close itself; say so.
    closed = true;
    stopPolling();
    try {
      window.close();
    } catch {
      /* ignored */
    }
    clear(body);
    body.append(
      h('section', { class: 'vlink-screen vlink-center', id: 'link-closed' },
        h('h1', { class: 'vlink-title' }, 'You can close this window'),
        h('p', { class: 'vlink-lead' }, 'Return to the study app or web page you came from.')),
    );
    closeBtn.hidden = true;
  }

  async function exit(): Promise<void> {
    if (destroyed || closed) return;
    if (screen.name === 'result') {
      finish();
      return;
    }
    if (mode === 'page') {
      // In a browser tab, × means "cancel": show the outcome (and follow the redirect).
      if (screen.name === 'authenticating') {
        dispatch({ type: 'cancel' });
        return;
      }
      await client.exit().catch(() => undefined);
      const provider = screen.name === 'starting' ? screen.provider.slug : null;
      screen = { name: 'result', outcome: 'exit', provider, errorType: 'user_cancelled', message: null, retryable: true };
      epoch++;
      stopPolling();
      render();
      settle(screen);
      return;
    }
    const provider = screen.name === 'starting' || screen.name === 'authenticating' ? screen.provider.slug : null;
    epoch++;
    stopPolling();
    closed = true;
    // Tell the core first (closes the browser listener), but never hang the UI on it.
    await Promise.race([client.exit().catch(() => undefined), new Promise((r) => setTimeout(r, 1500))]);
    safely(() => opts.onExit?.({ state: 'exit', error_type: 'user_cancelled', provider }));
    safely(() => opts.onClose?.());
    destroy();
  }

  function destroy() {
    if (destroyed) return;
    destroyed = true;
    epoch++;
    stopPolling();
    document.removeEventListener('keydown', onKey);
    element.remove();
  }

  function open() {
    if (started || destroyed) return;
    started = true;
    if (mode === 'overlay') {
      document.body.append(element);
    } else {
      (opts.container ?? document.body).append(element);
    }
    if (modal) document.addEventListener('keydown', onKey);
    render();
    const my = epoch;
    if (opts.initialError) {
      dispatch({ type: 'failed', error: opts.initialError });
      return;
    }
    (async () => {
      // The study's agreement; an older core without the route keeps the built-in text.
      const state = client.state();
      const config = client.config().catch(() => null);
      const s = await state;
      const c = await config;
      if (c) ctx.agreement = c.agreement;
      noteState(s);
      let providers: LinkProvider[] | undefined;
      if (s.state === 'pending') {
        providers = await client.providers().catch(() => undefined);
        if (providers) remember(providers);
      }
      if (s.state === 'created' && s.provider) preselect = s.provider;
      if (my === epoch) dispatch({ type: 'token_checked', state: s, providers });
    })().catch((e) => my === epoch && dispatch({ type: 'failed', error: toFailure(e) }));
  }

  return {
    open,
    exit,
    destroy,
    element,
    get screen() {
      return screen;
    },
  };
}

function safely(fn: () => void) {
  try {
    fn();
  } catch (e) {
    console.error('link widget callback failed', e);
  }
}
