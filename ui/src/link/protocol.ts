/**
 * The postMessage protocol between the link page framed by the `window.Vital` runtime
 * (`/initialize.js`, src/runtime/initialize.ts) and that runtime.
 *
 *   page → parent  `{source: 'vital-link', version: 1, type, metadata?}`
 *     ready    the page's script runs (the frame is alive)
 *     success  metadata = LinkSuccessPayload   (the runtime calls config.onSuccess)
 *     error    metadata = LinkErrorPayload     (config.onError)
 *     exit     metadata = LinkExitPayload      (config.onExit)
 *     close    the widget was dismissed (Done, Close, ×, Escape), after any `exit`
 *
 *   parent → page  `{source: 'vital-link-host', version: 1, type, ...}`
 *     close    dismiss as × would: cancel a flow in progress (→ `exit`), then `close`
 *     focus    edge = 'first' | 'last': Tab came round from the host page's focus guards
 *
 * Both sides check the sender: the page posts to its parent's origin only and accepts messages
 * from `window.parent` with that origin; the runtime accepts messages from its frame's window
 * with the runtime's own origin.
 */
import type { LinkErrorPayload, LinkExitPayload, LinkSuccessPayload } from './types';

export const PAGE_SOURCE = 'vital-link';
export const HOST_SOURCE = 'vital-link-host';
export const PROTOCOL_VERSION = 1;

export type PageMessage =
  | { source: typeof PAGE_SOURCE; version: number; type: 'ready' }
  | { source: typeof PAGE_SOURCE; version: number; type: 'success'; metadata: LinkSuccessPayload }
  | { source: typeof PAGE_SOURCE; version: number; type: 'error'; metadata: LinkErrorPayload }
  | { source: typeof PAGE_SOURCE; version: number; type: 'exit'; metadata: LinkExitPayload }
  | { source: typeof PAGE_SOURCE; version: number; type: 'close' };

export type HostMessage =
  | { source: typeof HOST_SOURCE; version: number; type: 'close' }
  | { source: typeof HOST_SOURCE; version: number; type: 'focus'; edge: 'first' | 'last' };

const PAGE_TYPES = new Set(['ready', 'success', 'error', 'exit', 'close']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isPageMessage(data: unknown): data is PageMessage {
  if (!isRecord(data) || data.source !== PAGE_SOURCE || typeof data.type !== 'string' || !PAGE_TYPES.has(data.type)) {
    return false;
  }
  if (data.type === 'success' || data.type === 'error' || data.type === 'exit') return isRecord(data.metadata);
  return true;
}

export function isHostMessage(data: unknown): data is HostMessage {
  if (!isRecord(data) || data.source !== HOST_SOURCE) return false;
  if (data.type === 'close') return true;
  return data.type === 'focus' && (data.edge === 'first' || data.edge === 'last');
}
