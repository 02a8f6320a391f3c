/**
 * The `window.Vital` runtime behind `/initialize.js`: what `@tryvital/vital-link`'s
 * `useVitalLink` drives (`Vital.create(config)` → `{open(token), exit(options, cb?), destroy()}`).
 *
 * `open(token)` shows this server's link page (`<runtime origin>/link/?token=…&env=…&embed=1`) in
 * a frame over the host page: a dim full-viewport backdrop, a centred frame, focus kept inside,
 * Escape closes. The page reports back with postMessage (../link/protocol.ts); the runtime
 * accepts only messages from its own frame with its own origin, and calls
 *
 *   config.onSuccess({state: 'success', provider, link_token})
 *   config.onError({state: 'error', error_type, error, provider})
 *   config.onExit({state: 'exit', error_type: 'user_cancelled', provider})
 *
 * `exit()` always ends in one `config.onExit` call (the hook reaches `destroy()` only through
 * it), also when nothing is open any more. `config.onLoad` fires once the handle is ready.
 * The runtime talks to nothing but its own origin (the frame); it never loads Vital's remote
 * script, and adds an inert `<script type="text/plain" src="https://link.tryvital.io/initialize.js">`
 * so the hook's `react-script-hook` (checkForExisting) believes that script is already loaded.
 */
import { HOST_SOURCE, isPageMessage, PROTOCOL_VERSION, type HostMessage } from '../link/protocol';
import type { LinkErrorPayload, LinkExitPayload, LinkSuccessPayload } from '../link/types';

export const REMOTE_RUNTIME_URL = 'https://link.tryvital.io/initialize.js';
export const RUNTIME_VERSION = '1';
/** How long `exit()` / Escape wait for the page to wind down before removing it anyway. */
export const CLOSE_TIMEOUT_MS = 2500;

type Callback<T> = ((metadata: T) => void) | undefined;

export interface VitalConfig {
  env?: string;
  onSuccess?: Callback<LinkSuccessPayload>;
  onExit?: Callback<LinkExitPayload>;
  onError?: Callback<LinkErrorPayload>;
  onLoad?: () => void;
  /** Anything else the app passes (`region`, `key`, …) is accepted and ignored. */
  [key: string]: unknown;
}

export interface VitalHandle {
  open(token: string): void;
  exit(options?: { force?: boolean } | null, callback?: () => void): void;
  destroy(): void;
}

export interface VitalRuntime {
  create(config: VitalConfig): VitalHandle;
  /** The origin the link page is loaded from (this script's own origin). */
  readonly origin: string;
  readonly version: string;
  /** Marks this implementation (the remote runtime has no such field). */
  readonly vitalLinkDesktop: true;
}

declare global {
  interface Window {
    Vital?: VitalRuntime | unknown;
  }
}

type HostOutgoing = HostMessage extends infer M ? (M extends unknown ? Omit<M, 'source' | 'version'> : never) : never;

interface Session {
  token: string;
  root: HTMLDivElement;
  frame: HTMLIFrameElement;
  /** The last outcome the page reported. */
  outcome: 'success' | 'error' | 'exit' | null;
  provider: string | null;
  /** `exit()` was called and no onExit has been delivered since. */
  exitOwed: boolean;
  /** Escape / exit asked the page to close. */
  closing: boolean;
  closeTimer: ReturnType<typeof setTimeout> | undefined;
  callbacks: (() => void)[];
  restore: () => void;
}

function safely(fn: () => void) {
  try {
    fn();
  } catch (e) {
    console.error('vital-link: callback failed', e);
  }
}

function css(el: HTMLElement, styles: Record<string, string>) {
  for (const [k, v] of Object.entries(styles)) el.style.setProperty(k, v);
}

/** The inert stand-in for Vital's remote script that `react-script-hook` looks for. */
export function ensureMarker(doc: Document = document): HTMLScriptElement {
  const existing = doc.querySelector<HTMLScriptElement>(`script[src="${REMOTE_RUNTIME_URL}"]`);
  if (existing) return existing;
  const marker = doc.createElement('script');
  // A type the browser does not run is never fetched.
  marker.type = 'text/plain';
  marker.setAttribute('src', REMOTE_RUNTIME_URL);
  marker.setAttribute('data-vital-link-desktop', 'marker');
  (doc.head ?? doc.documentElement).appendChild(marker);
  return marker;
}

export function createRuntime(origin: string, win: Window = window): VitalRuntime {
  const doc = win.document;

  function create(config: VitalConfig = {}): VitalHandle {
    let session: Session | null = null;
    let destroyed = false;

    const exitPayload = (provider: string | null): LinkExitPayload => ({ state: 'exit', error_type: 'user_cancelled', provider });
    const callExit = (m: LinkExitPayload) => safely(() => config.onExit?.(m));

    function post(s: Session, msg: HostOutgoing) {
      try {
        s.frame.contentWindow?.postMessage({ source: HOST_SOURCE, version: PROTOCOL_VERSION, ...msg }, origin);
      } catch {
        /* the frame is gone */
      }
    }

    function frameUrl(token: string): string {
      const q = new URLSearchParams({ token });
      if (typeof config.env === 'string' && config.env) q.set('env', config.env);
      q.set('embed', '1');
      // Our origin, so the page can address its messages even without ancestorOrigins/referrer.
      if (win.location.origin && win.location.origin !== 'null') q.set('origin', win.location.origin);
      return `${origin}/link/?${q.toString()}`;
    }

    function lockPage(root: HTMLElement): () => void {
      const previousFocus = doc.activeElement as HTMLElement | null;
      const madeInert: HTMLElement[] = [];
      for (const child of Array.from(doc.body.children)) {
        const el = child as HTMLElement;
        if (el === root || el.inert || el.tagName === 'SCRIPT' || el.tagName === 'STYLE') continue;
        el.inert = true;
        madeInert.push(el);
      }
      const html = doc.documentElement;
      const overflow = html.style.overflow;
      html.style.overflow = 'hidden';
      doc.addEventListener('keydown', onKey, true);
      return () => {
        doc.removeEventListener('keydown', onKey, true);
        for (const el of madeInert) el.inert = false;
        html.style.overflow = overflow;
        if (previousFocus && previousFocus.isConnected && typeof previousFocus.focus === 'function') {
          previousFocus.focus({ preventScroll: true });
        }
      };
    }

    function onKey(e: KeyboardEvent) {
      // Focus is normally inside the frame (the page handles Escape there); this covers the rest.
      if (e.key === 'Escape' && session && !session.closing) {
        e.preventDefault();
        requestClose(session);
      }
    }

    function build(token: string): Session {
      const root = doc.createElement('div');
      root.setAttribute('data-vital-link-desktop', 'overlay');
      root.setAttribute('role', 'presentation');
      css(root, {
        position: 'fixed', inset: '0', 'z-index': '2147483000',
        display: 'flex', 'align-items': 'center', 'justify-content': 'center',
        background: 'rgba(17, 22, 32, 0.46)', margin: '0', padding: '0',
      });
      const frame = doc.createElement('iframe');
      frame.title = 'Vital Link: connect a device';
      frame.setAttribute('data-vital-link-desktop', 'frame');
      // Lets the page see our origin in document.referrer even if this page sets no-referrer.
      frame.referrerPolicy = 'origin';
      frame.src = frameUrl(token);
      const small = win.matchMedia?.('(max-width: 480px)')?.matches ?? false;
      css(frame, {
        display: 'block', border: '0', margin: '0', padding: '0', background: '#fff', 'color-scheme': 'light',
        width: small ? '100vw' : 'min(420px, calc(100vw - 32px))',
        height: small ? '100vh' : 'min(800px, calc(100vh - 40px))',
        'border-radius': small ? '0' : '18px',
        'box-shadow': '0 24px 48px -12px rgba(16, 24, 40, 0.35), 0 2px 6px rgba(16, 24, 40, 0.08)',
      });
      // Focus guards: Tab leaving the frame either way comes back round inside it.
      const guard = (edge: 'first' | 'last') => {
        const g = doc.createElement('span');
        g.tabIndex = 0;
        g.setAttribute('data-vital-link-desktop', `guard-${edge}`);
        css(g, { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', opacity: '0' });
        g.addEventListener('focus', () => {
          if (!session) return;
          frame.focus();
          post(session, { type: 'focus', edge });
        });
        return g;
      };
      root.append(guard('last'), frame, guard('first'));
      const s: Session = {
        token, root, frame, outcome: null, provider: null, exitOwed: false, closing: false,
        closeTimer: undefined, callbacks: [], restore: () => undefined,
      };
      return s;
    }

    function onMessage(e: MessageEvent) {
      const s = session;
      if (!s || e.origin !== origin || e.source !== s.frame.contentWindow || !isPageMessage(e.data)) return;
      const m = e.data;
      switch (m.type) {
        case 'ready':
          if (doc.activeElement !== s.frame) s.frame.focus();
          break;
        case 'success':
          s.outcome = 'success';
          s.provider = m.metadata.provider ?? s.provider;
          safely(() => config.onSuccess?.({ ...m.metadata, state: 'success', link_token: m.metadata.link_token ?? s.token }));
          break;
        case 'error':
          s.outcome = 'error';
          s.provider = m.metadata.provider ?? s.provider;
          safely(() => config.onError?.({ ...m.metadata, state: 'error' }));
          break;
        case 'exit':
          s.outcome = 'exit';
          s.provider = m.metadata.provider ?? s.provider;
          s.exitOwed = false;
          callExit({ ...m.metadata, state: 'exit', error_type: 'user_cancelled' });
          break;
        case 'close':
          teardown(s, false);
          break;
      }
    }

    /** Removes the overlay; settles what `exit()` / Escape promised. */
    function teardown(s: Session, timedOut: boolean) {
      if (session !== s) return;
      session = null;
      if (s.closeTimer !== undefined) clearTimeout(s.closeTimer);
      s.root.remove();
      s.restore();
      // The page did not answer in time: nobody reported how it ended, so it ended as an exit.
      const unreported = timedOut && s.closing && s.outcome === null;
      if (s.exitOwed || unreported) {
        s.exitOwed = false;
        callExit(exitPayload(s.provider));
      }
      for (const cb of s.callbacks.splice(0)) safely(cb);
    }

    function requestClose(s: Session) {
      s.closing = true;
      post(s, { type: 'close' });
      if (s.closeTimer === undefined) s.closeTimer = setTimeout(() => teardown(s, true), CLOSE_TIMEOUT_MS);
    }

    function open(token: string) {
      if (destroyed) return;
      const t = String(token ?? '');
      if (session && !session.closing && session.token === t) return;
      // Another token (or reopening while closing): the old frame goes; what was owed is settled.
      if (session) teardown(session, false);
      const s = build(t);
      session = s;
      doc.body.appendChild(s.root);
      s.restore = lockPage(s.root);
      s.frame.focus();
    }

    function exit(options?: { force?: boolean } | null, callback?: () => void) {
      const s = session;
      if (!s) {
        // Nothing open (never opened, or already closed): still answer with onExit, which is
        // how the hook learns it may destroy the handle.
        callExit(exitPayload(null));
        if (callback) safely(callback);
        return;
      }
      s.exitOwed = true;
      if (callback) s.callbacks.push(callback);
      if (options?.force) {
        // Gone at once for the person; the page still cancels a flow in progress, then closes.
        css(s.root, { visibility: 'hidden', 'pointer-events': 'none' });
      }
      if (!s.closing) requestClose(s);
    }

    function destroy() {
      if (destroyed) return;
      destroyed = true;
      win.removeEventListener('message', onMessage);
      const s = session;
      session = null;
      if (s) {
        if (s.closeTimer !== undefined) clearTimeout(s.closeTimer);
        s.root.remove();
        s.restore();
      }
    }

    win.addEventListener('message', onMessage);
    setTimeout(() => {
      if (!destroyed) safely(() => config.onLoad?.());
    }, 0);

    return { open, exit, destroy };
  }

  return { create, origin, version: RUNTIME_VERSION, vitalLinkDesktop: true };
}

/** The origin that served this script: `document.currentScript`, else the last matching tag. */
export function runtimeOrigin(doc: Document = document): string | null {
  const current = doc.currentScript as HTMLScriptElement | null;
  const candidates = current?.src
    ? [current.src]
    : Array.from(doc.querySelectorAll<HTMLScriptElement>('script[src]'))
        .filter((s) => s.type !== 'text/plain' && s.src !== REMOTE_RUNTIME_URL && /\/initialize\.js(?:[?#]|$)/.test(s.src))
        .map((s) => s.src)
        .reverse();
  for (const src of candidates) {
    try {
      const u = new URL(src, doc.baseURI);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Defines `window.Vital` and the marker. Returns the runtime, or null if it cannot work. */
export function install(win: Window = window): VitalRuntime | null {
  const doc = win.document;
  const existing = win.Vital as Partial<VitalRuntime> | undefined;
  if (existing?.vitalLinkDesktop) {
    ensureMarker(doc);
    return existing as VitalRuntime;
  }
  const origin = runtimeOrigin(doc);
  if (!origin) {
    console.error('vital-link: cannot tell which server /initialize.js came from; load it with <script src="http://127.0.0.1:PORT/initialize.js">');
    return null;
  }
  const runtime = createRuntime(origin, win);
  win.Vital = runtime;
  ensureMarker(doc);
  return runtime;
}
