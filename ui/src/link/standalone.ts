/**
 * The standalone link page (`/link/?token=…&env=sandbox`), served by the local API; the API is
 * this page's own origin.
 */
import '../shared/base.css';
import type { LinkWidgetOptions } from './types';
import { createLinkWidget } from './widget';

export function startStandalone(
  loc: Location = window.location,
  container: HTMLElement = document.getElementById('app') ?? document.body,
  overrides: Partial<LinkWidgetOptions> = {},
) {
  const q = new URLSearchParams(loc.search);
  const token = (q.get('token') ?? '').trim();
  const widget = createLinkWidget({
    token,
    apiBase: loc.origin,
    env: q.get('env'),
    mode: 'page',
    container,
    followRedirect: true,
    initialError: token
      ? undefined
      : {
          errorType: 'missing_link_token',
          message: 'This page was opened without a link token. Open the link you were given again, or ask the study team for a new one.',
          retryable: false,
        },
    ...overrides,
  });
  widget.open();
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
