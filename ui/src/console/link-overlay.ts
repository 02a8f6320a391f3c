/** Opens the link widget over the console for one participant. */
import { createLinkWidget, type LinkWidget } from '../link/widget';
import type { LinkErrorPayload, LinkExitPayload, LinkSuccessPayload } from '../link/types';

export interface OverlayOptions {
  token: string;
  apiBase: string;
  env: string;
  /** The participant's study id: the agreement names them. */
  participant?: string | null;
  onSuccess(p: LinkSuccessPayload): void;
  onExit?(p: LinkExitPayload): void;
  onError?(p: LinkErrorPayload): void;
  onClose?(): void;
}

let current: LinkWidget | null = null;

export function openLinkOverlay(o: OverlayOptions): LinkWidget {
  current?.destroy();
  const w = createLinkWidget({
    token: o.token,
    apiBase: o.apiBase,
    env: o.env,
    mode: 'overlay',
    consentVia: 'window',
    participant: o.participant ?? null,
    onSuccess: o.onSuccess,
    onExit: o.onExit,
    onError: o.onError,
    onClose: () => {
      if (current === w) current = null;
      o.onClose?.();
    },
  });
  current = w;
  w.open();
  return w;
}

export function currentOverlay(): LinkWidget | null {
  return current;
}
