/**
 * The link page inside another page (the `window.Vital` runtime's frame, `…&embed=1`): the
 * result goes to the host page as postMessage events instead of a redirect, and the host can
 * dismiss the widget. Protocol: ./protocol.ts.
 */
import { isHostMessage, PAGE_SOURCE, PROTOCOL_VERSION, type HostMessage, type PageMessage } from './protocol';
import type { LinkWidgetOptions } from './types';
import type { LinkWidget } from './widget';

export interface Embedding {
  /** `embed=1`, or the page is framed. */
  embedded: boolean;
  /** Who gets the messages: the parent when framed, else the opener (a popup), else nobody. */
  host: Window | null;
  /** The host's origin; messages are posted to it only. Null when it cannot be known. */
  targetOrigin: string | null;
}

function framed(win: Window): boolean {
  try {
    return win.parent !== win;
  } catch {
    return true;
  }
}

/** An http(s) origin, or null (opaque origins like `null` or `file:` cannot be targeted). */
export function httpOrigin(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The host's origin: `location.ancestorOrigins[0]` where the browser has it (Chromium, WebKit),
 * else the `origin` parameter the runtime adds, else the referrer. A wrong value cannot leak
 * anything: postMessage delivers only when the host really has the target origin.
 */
export function hostOrigin(loc: Location, doc: Document, framedPage: boolean): string | null {
  const ancestors = (loc as Partial<Location>).ancestorOrigins;
  if (framedPage && ancestors && ancestors.length > 0) return httpOrigin(ancestors[0]);
  const q = new URLSearchParams(loc.search);
  return httpOrigin(q.get('origin')) ?? httpOrigin(doc.referrer);
}

export function detectEmbedding(loc: Location = window.location, win: Window = window): Embedding {
  const q = new URLSearchParams(loc.search);
  const isFramed = framed(win);
  const embedded = isFramed || q.get('embed') === '1';
  if (!embedded) return { embedded: false, host: null, targetOrigin: null };
  let host: Window | null = null;
  try {
    host = isFramed ? win.parent : win.opener;
  } catch {
    host = null;
  }
  return { embedded, host, targetOrigin: hostOrigin(loc, win.document, isFramed) };
}

type Callbacks = Required<Pick<LinkWidgetOptions, 'onSuccess' | 'onExit' | 'onError' | 'onClose'>>;

export interface HostBridge {
  /** Widget callbacks that forward the outcome to the host. */
  readonly callbacks: Callbacks;
  /** Lets the host dismiss the widget; call once the widget exists. */
  attach(widget: Pick<LinkWidget, 'exit' | 'element'>): void;
  /** Tells the host the page is running. */
  ready(): void;
  /** Stops listening to the host. */
  dispose(): void;
}

type Outgoing = PageMessage extends infer M ? (M extends unknown ? Omit<M, 'source' | 'version'> : never) : never;

const TABBABLE = 'button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function createHostBridge(win: Window, embedding: Pick<Embedding, 'host' | 'targetOrigin'>): HostBridge {
  const { host, targetOrigin } = embedding;
  let widget: Pick<LinkWidget, 'exit' | 'element'> | null = null;
  let warned = false;

  function post(msg: Outgoing) {
    if (!host || !targetOrigin) {
      if (!warned) console.warn('vital-link: embedded, but the host page is unknown; its callbacks will not fire');
      warned = true;
      return;
    }
    try {
      host.postMessage({ source: PAGE_SOURCE, version: PROTOCOL_VERSION, ...msg }, targetOrigin);
    } catch (e) {
      console.warn('vital-link: could not notify the host page', e);
    }
  }

  function focusEdge(edge: 'first' | 'last') {
    const root = widget?.element;
    if (!root) return;
    const items = [...root.querySelectorAll<HTMLElement>(TABBABLE)].filter((el) => !el.closest('[hidden]'));
    const target = edge === 'first' ? items[0] : items[items.length - 1];
    (target ?? root.querySelector<HTMLElement>('.vlink-body'))?.focus();
  }

  function onMessage(e: MessageEvent) {
    if (!host || e.source !== host || e.origin !== targetOrigin || !isHostMessage(e.data)) return;
    const m: HostMessage = e.data;
    if (m.type === 'close') void widget?.exit();
    else focusEdge(m.edge);
  }

  win.addEventListener('message', onMessage);

  return {
    callbacks: {
      onSuccess: (metadata) => post({ type: 'success', metadata }),
      onError: (metadata) => post({ type: 'error', metadata }),
      onExit: (metadata) => post({ type: 'exit', metadata }),
      onClose: () => post({ type: 'close' }),
    },
    attach(w) {
      widget = w;
    },
    ready: () => post({ type: 'ready' }),
    dispose() {
      win.removeEventListener('message', onMessage);
      widget = null;
    },
  };
}
