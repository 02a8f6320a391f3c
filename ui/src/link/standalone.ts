/**
 * The standalone link page (`/link/?token=…&env=sandbox`), served by the local API; the API is
 * this page's own origin.
 *
 * In a browser tab it ends by following the token's `redirect_url`. Embedded (`embed=1`, or
 * framed, e.g. by the `window.Vital` runtime of `/initialize.js`) it tells the host page instead
 * (./embed.ts) and never navigates away.
 */
import '../shared/base.css';
import { createHostBridge, detectEmbedding, type Embedding } from './embed';
import type { LinkWidgetOptions } from './types';
import { createLinkWidget } from './widget';

export function startStandalone(
  loc: Location = window.location,
  container: HTMLElement = document.getElementById('app') ?? document.body,
  overrides: Partial<LinkWidgetOptions> = {},
  embedding: Embedding = detectEmbedding(loc, window),
) {
  const q = new URLSearchParams(loc.search);
  const token = (q.get('token') ?? '').trim();
  const bridge = embedding.embedded ? createHostBridge(window, embedding) : null;
  const widget = createLinkWidget({
    token,
    apiBase: loc.origin,
    env: q.get('env'),
    mode: bridge ? 'embedded' : 'page',
    container,
    followRedirect: !bridge,
    consentVia: 'link_page',
    initialError: token
      ? undefined
      : {
          errorType: 'missing_link_token',
          message: 'This page was opened without a link token. Open the link you were given again, or ask the study team for a new one.',
          retryable: false,
        },
    ...bridge?.callbacks,
    ...overrides,
  });
  bridge?.attach(widget);
  widget.open();
  bridge?.ready();
  return widget;
}

async function boot() {
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has('mock')) {
    const { installMock } = await import('../dev/mock');
    installMock();
  }
  startStandalone();
}

if (import.meta.env.MODE !== 'test') void boot();
