import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLinkWidget, type LinkWidget } from './widget';
import { startStandalone } from './standalone';
import type { LinkWidgetOptions } from './types';
import { $, apiError, fakeLinkApi, linkState, until } from '../test/fake-link-api';

let widget: LinkWidget | null = null;

afterEach(() => {
  widget?.destroy();
  widget = null;
  document.body.replaceChildren();
});

function open(api: ReturnType<typeof fakeLinkApi>, extra: Partial<LinkWidgetOptions> = {}) {
  const cb = { onSuccess: vi.fn(), onExit: vi.fn(), onError: vi.fn(), onClose: vi.fn() };
  widget = createLinkWidget({ token: 'vlt_tok', apiBase: 'http://127.0.0.1:8484', env: 'sandbox', fetch: api.fetch, pollIntervalMs: 5, ...cb, ...extra });
  widget.open();
  return cb;
}

const click = (sel: string) => {
  const el = $(sel);
  if (!el) throw new Error(`no ${sel} in ${document.body.innerHTML.slice(0, 300)}`);
  el.click();
};

async function toProviders(api: ReturnType<typeof fakeLinkApi>, extra: Partial<LinkWidgetOptions> = {}) {
  const cb = open(api, extra);
  await until(() => $('#agreement'));
  click('#agree-continue');
  await until(() => $('#provider-list .provider'));
  return cb;
}

describe('link widget', () => {
  it('agreement explains what is connected and where the data goes', async () => {
    open(fakeLinkApi());
    await until(() => $('#agreement'));
    const text = $('#agreement')!.textContent!;
    for (const word of ['Vital Link Desktop', 'locally on this computer', 'sleep', 'activity', 'workouts', 'heart rate', 'disconnect at any time']) {
      expect(text).toContain(word);
    }
    expect($('.vlink-overlay')).not.toBeNull();
    expect($('.vlink-env')!.textContent).toBe('Sandbox');
  });

  it('shows the study agreement from /v2/team/link/config and records the acceptance before the list', async () => {
    const api = fakeLinkApi({
      config: { status: 200, body: { agreement: { version: '3b', text: 'You join the SLEEP-42 study.\n\nWe keep <b>30 days</b> of data.' }, environment: 'sandbox' } },
    });
    open(api, { consentVia: 'window' });
    await until(() => $('#agreement-version'));
    expect($('#agreement')!.dataset.version).toBe('3b');
    expect($('#agreement-text')!.textContent).toContain('SLEEP-42');
    // Text stays text.
    expect($('#agreement-text b')).toBeNull();
    expect($('#agreement-text')!.textContent).toContain('<b>30 days</b>');
    expect($('#agreement-version')!.textContent).toContain('3b');
    expect(api.count('POST', '/v2/link/consent')).toBe(0);
    click('#agree-continue');
    await until(() => $('#provider-list .provider'));
    const consent = api.calls.find((c) => c.path === '/v2/link/consent')!;
    expect(consent.body).toEqual({ version: '3b', via: 'window' });
    expect(consent.token).toBe('vlt_tok');
  });

  it('the standalone page records consent via link_page by default; an outdated agreement is shown again', async () => {
    const api = fakeLinkApi({
      config: { status: 200, body: { agreement: { version: '2', text: 'New text' } } },
      consent: apiError(400, 'agreement_outdated', 'the agreement changed (version 2 is current, 1 was shown)'),
    });
    open(api);
    await until(() => $('#agreement-version'));
    click('#agree-continue');
    await until(() => $('#agree-error'));
    expect($('#agree-error')!.textContent).toContain('updated');
    expect($('#provider-list')).toBeNull();
    expect(api.calls.find((c) => c.path === '/v2/link/consent')!.body).toEqual({ version: '2', via: 'link_page' });
    expect(api.count('GET', '/v2/team/link/config')).toBe(2);
  });

  it('lists providers as buttons with logo, name and description', async () => {
    await toProviders(fakeLinkApi());
    const buttons = document.querySelectorAll<HTMLButtonElement>('#provider-list button.provider');
    expect([...buttons].map((b) => b.dataset.slug)).toEqual(['oura', 'withings']);
    const oura = buttons[0];
    expect(oura.querySelector('img')!.getAttribute('src')).toBe('http://127.0.0.1:8484/v2/providers/oura/logo.svg');
    expect(oura.textContent).toContain('Oura');
    expect(oura.textContent).toContain('Smart ring');
    expect($('#provider-search')).toBeNull(); // only for long lists
  });

  it('keeps providers it cannot connect listed, disabled, with the reason', async () => {
    const logo = 'http://127.0.0.1:8484/v2/providers/x/logo.svg';
    const api = fakeLinkApi({
      providers: {
        status: 200,
        body: [
          { id: 1, name: 'Oura', slug: 'oura', description: 'Smart ring', logo, is_active: true, availability: { state: 'available' }, needs_credentials: false },
          { id: 2, name: 'Withings', slug: 'withings', description: 'Scales', logo, is_active: false, availability: { state: 'available' }, needs_credentials: true },
          { id: 3, name: 'Garmin', slug: 'garmin', description: 'Watches', logo, is_active: false, availability: { state: 'not_available', reason: 'Garmin production keys are push-only' }, needs_credentials: true },
        ],
      },
    });
    await toProviders(api);
    const byslug = (s: string) => $<HTMLButtonElement>(`.provider[data-slug="${s}"]`)!;
    expect(byslug('oura').disabled).toBe(false);
    expect(byslug('withings').disabled).toBe(true);
    expect(byslug('withings').textContent).toContain('developer credentials');
    expect(byslug('garmin').disabled).toBe(true);
    expect(byslug('garmin').textContent).toContain('Not available: Garmin production keys are push-only');
    expect(byslug('garmin').getAttribute('aria-describedby')).toBe('provider-note-garmin');
    byslug('garmin').click();
    byslug('withings').click();
    await new Promise((r) => setTimeout(r, 20));
    expect(api.count('POST', '/v2/link/start')).toBe(0);
    expect($('#provider-list')).not.toBeNull();
  });

  it('filters a long provider list', async () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ id: i, name: `Brand ${i}`, slug: `b${i}`, description: i === 3 ? 'glucose' : 'watch', logo: '' }));
    await toProviders(fakeLinkApi({ providers: { status: 200, body: many } }));
    const input = $<HTMLInputElement>('#provider-search')!;
    input.value = 'gluc';
    input.dispatchEvent(new Event('input'));
    const visible = [...document.querySelectorAll<HTMLElement>('.provider')].filter((b) => !b.hidden);
    expect(visible.map((b) => b.dataset.slug)).toEqual(['b3']);
  });

  it('connects: start, waiting screen with sign-in link, heartbeat until success, onSuccess payload', async () => {
    const api = fakeLinkApi({ states: [{ status: 200, body: linkState() }] });
    const cb = await toProviders(api);
    api.setStates([
      { status: 200, body: linkState({ state: 'pending', provider: 'oura' }) },
      { status: 200, body: linkState({ state: 'pending', provider: 'oura' }) },
      { status: 200, body: linkState({ state: 'pending', provider: 'oura' }) },
      { status: 200, body: linkState({ state: 'success', provider: 'oura' }) },
    ]);
    click('.provider[data-slug="oura"]');
    await until(() => $('#authenticating #open-signin[href]'));
    expect(api.calls.find((c) => c.path === '/v2/link/start')!.body).toEqual({ provider: 'oura' });
    const link = $<HTMLAnchorElement>('#open-signin')!;
    expect(link.getAttribute('href')).toBe('http://127.0.0.1:9999/oauth/authorize?state=abc');
    expect(link.target).toBe('_blank');
    expect(link.rel).toBe('noopener noreferrer');
    expect($('#authenticating')!.textContent).toContain('Waiting for you to approve in your browser');
    expect($('#authenticating .vlink-wait-ring')).not.toBeNull();
    expect($<HTMLImageElement>('#authenticating img')!.getAttribute('src')).toContain('/oura/logo.svg');

    await until(() => $('#link-result'));
    expect($('#link-result')!.getAttribute('data-state')).toBe('success');
    expect($('#result-title')!.textContent).toBe('Oura is connected');
    expect(api.count('GET', '/v2/link/state')).toBeGreaterThanOrEqual(5);
    expect(cb.onSuccess).toHaveBeenCalledTimes(1);
    expect(cb.onSuccess).toHaveBeenCalledWith({ state: 'success', provider: 'oura', link_token: 'vlt_tok' });
    expect(cb.onError).not.toHaveBeenCalled();
    expect($('#link-retry')).toBeNull();

    // The heartbeat stops once settled.
    const polls = api.count('GET', '/v2/link/state');
    await new Promise((r) => setTimeout(r, 40));
    expect(api.count('GET', '/v2/link/state')).toBe(polls);

    click('#link-done');
    expect(cb.onClose).toHaveBeenCalledTimes(1);
    expect($('.vlink')).toBeNull();
  });

  it('a failed connection shows the human message and the code, and fires onError', async () => {
    const api = fakeLinkApi();
    const cb = await toProviders(api);
    api.setStates([
      { status: 200, body: linkState({ state: 'pending', provider: 'oura' }) },
      { status: 200, body: linkState({ state: 'error', provider: 'oura', error_type: 'required_scopes_not_granted', error: 'oura did not grant the `daily` permission' }) },
    ]);
    click('.provider[data-slug="oura"]');
    await until(() => $('#link-result'));
    expect($('#link-result')!.dataset.state).toBe('error');
    expect($('#result-message')!.textContent).toBe('Some of the data the study needs was not allowed at Oura. Please try again and allow everything listed.');
    expect($('#result-code')!.textContent).toBe('required_scopes_not_granted');
    expect(cb.onError).toHaveBeenCalledWith({
      state: 'error', error_type: 'required_scopes_not_granted', error: 'oura did not grant the `daily` permission', provider: 'oura',
    });
    // Try again goes back to the list.
    click('#link-retry');
    await until(() => $('#provider-list .provider'));
    expect(api.count('GET', '/v2/link/providers')).toBe(2);
  });

  it('denied consent (exited) fires onExit', async () => {
    const api = fakeLinkApi();
    const cb = await toProviders(api);
    api.setStates([{ status: 200, body: linkState({ state: 'exited', provider: 'oura', error_type: 'user_cancelled', error: 'access was declined at oura; nothing was connected' }) }]);
    click('.provider[data-slug="oura"]');
    await until(() => $('#link-result'));
    expect($('#link-result')!.dataset.state).toBe('exit');
    expect($('#result-message')!.textContent).toBe('Access was declined at Oura, so nothing was connected.');
    expect(cb.onExit).toHaveBeenCalledWith({ state: 'exit', error_type: 'user_cancelled', provider: 'oura' });
    expect($('#link-retry')).not.toBeNull();
    expect($('#link-done')).not.toBeNull();
  });

  it('Cancel posts exit and ends in the exit result', async () => {
    const api = fakeLinkApi();
    const cb = await toProviders(api);
    api.setStates([{ status: 200, body: linkState({ state: 'pending', provider: 'oura' }) }]);
    click('.provider[data-slug="oura"]');
    await until(() => $('#cancel-auth:not([disabled])'));
    click('#cancel-auth');
    expect($<HTMLButtonElement>('#cancel-auth')!.disabled).toBe(true);
    await until(() => api.count('POST', '/v2/link/exit') === 1);
    api.setStates([{ status: 200, body: linkState({ state: 'exited', provider: 'oura', error_type: 'user_cancelled', error: 'the connection was cancelled' }) }]);
    await until(() => $('#link-result'));
    expect($('#link-result')!.dataset.state).toBe('exit');
    expect($('#result-title')!.textContent).toBe('Connection cancelled');
    expect(cb.onExit).toHaveBeenCalledWith({ state: 'exit', error_type: 'user_cancelled', provider: 'oura' });
  });

  it('an expired token renders the error result with its message (no blank screen, no alert)', async () => {
    const alert = vi.spyOn(window, 'alert').mockImplementation(() => undefined);
    const api = fakeLinkApi({ providers: apiError(401, 'token_expired', 'this link token has expired (tokens last 60 minutes); create a new one') });
    const cb = open(api);
    await until(() => $('#agreement'));
    click('#agree-continue');
    await until(() => $('#link-result'));
    expect($('#link-result')!.dataset.state).toBe('error');
    expect($('#result-title')!.textContent).toBe('This link can’t be used');
    expect($('#result-message')!.textContent).toBe('This link has expired. Please ask the study team for a new one.');
    expect($('#result-code')!.textContent).toBe('token_expired');
    expect($('#link-retry')).toBeNull();
    expect(cb.onError).toHaveBeenCalledWith(expect.objectContaining({ state: 'error', error_type: 'token_expired', provider: null }));
    expect(alert).not.toHaveBeenCalled();
  });

  it('an unreachable API on open is an error result too', async () => {
    const cb = open(fakeLinkApi({ states: [new TypeError('Failed to fetch')] }));
    await until(() => $('#link-result'));
    expect($('#result-code')!.textContent).toBe('network_error');
    expect(cb.onError).toHaveBeenCalledTimes(1);
  });

  it('a start error (e.g. no browser) is shown with the core message', async () => {
    const api = fakeLinkApi({ start: apiError(500, 'no_browser', 'could not open a web browser: no $BROWSER and xdg-open failed') });
    await toProviders(api);
    click('.provider[data-slug="oura"]');
    await until(() => $('#link-result'));
    expect($('#result-message')!.textContent).toContain('Could not open a web browser');
    expect($('#result-code')!.textContent).toBe('no_browser');
  });

  it('tolerates a few failed heartbeats but gives up eventually', async () => {
    const api = fakeLinkApi();
    await toProviders(api);
    api.setStates([new TypeError('down'), new TypeError('down'), { status: 200, body: linkState({ state: 'success', provider: 'oura' }) }]);
    click('.provider[data-slug="oura"]');
    await until(() => $('#link-result'));
    expect($('#link-result')!.dataset.state).toBe('success');
  });

  it('closing the overlay mid-flow posts exit and reports onExit then onClose', async () => {
    const api = fakeLinkApi();
    const cb = await toProviders(api);
    api.setStates([{ status: 200, body: linkState({ state: 'pending', provider: 'oura' }) }]);
    click('.provider[data-slug="oura"]');
    await until(() => $('#open-signin[href]'));
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    await until(() => cb.onClose.mock.calls.length === 1);
    expect(api.count('POST', '/v2/link/exit')).toBe(1);
    expect(cb.onExit).toHaveBeenCalledWith({ state: 'exit', error_type: 'user_cancelled', provider: 'oura' });
    expect($('.vlink')).toBeNull();
  });

  it('a token made for one provider skips the list', async () => {
    const api = fakeLinkApi({ states: [{ status: 200, body: linkState({ provider: 'oura' }) }] });
    open(api);
    await until(() => $('#agreement'));
    api.setStates([{ status: 200, body: linkState({ state: 'pending', provider: 'oura' }) }]);
    click('#agree-continue');
    await until(() => $('#authenticating #open-signin[href]'));
    expect(api.calls.find((c) => c.path === '/v2/link/start')!.body).toEqual({ provider: 'oura' });
    expect($('#provider-list')).toBeNull();
  });
});

describe('standalone link page', () => {
  it('reads the token from the query, uses the page origin, and follows redirect_url when settled', async () => {
    const api = fakeLinkApi({
      states: [{ status: 200, body: linkState({ redirect_url: 'https://study.example/return?pid=7' }) }],
    });
    vi.stubGlobal('fetch', api.fetch);
    const navigate = vi.fn();
    const container = document.createElement('main');
    document.body.append(container);
    const loc = new URL('http://127.0.0.1:8484/link/?token=vlt_page&env=sandbox') as unknown as Location;
    try {
      widget = startStandalone(loc, container, { navigate, pollIntervalMs: 5 });
      await until(() => $('#agreement'));
      expect(container.querySelector('.vlink-page')).not.toBeNull();
      expect(api.calls[0]).toMatchObject({ path: '/v2/link/state', token: 'vlt_page' });
      click('#agree-continue');
      await until(() => $('.provider'));
      api.setStates([{ status: 200, body: linkState({ state: 'error', provider: 'oura', error_type: 'provider_api_error', error: 'oura is down', redirect_url: 'https://study.example/return?pid=7' }) }]);
      click('.provider[data-slug="oura"]');
      await until(() => navigate.mock.calls.length === 1);
      expect(navigate).toHaveBeenCalledWith('https://study.example/return?pid=7&state=error&error_type=provider_api_error&error=oura%20is%20down&provider=oura');
      expect($('#link-redirecting')).not.toBeNull();
      const [url] = (api.fetch as unknown as ReturnType<typeof vi.fn>).mock.calls[0];
      expect(String(url)).toBe('http://127.0.0.1:8484/v2/link/state');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('without a token it explains instead of calling the API', async () => {
    const api = fakeLinkApi();
    vi.stubGlobal('fetch', api.fetch);
    try {
      const loc = new URL('http://127.0.0.1:8484/link/') as unknown as Location;
      widget = startStandalone(loc, document.body);
      await until(() => $('#link-result'));
      expect($('#result-code')!.textContent).toBe('missing_link_token');
      expect(api.calls).toHaveLength(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('issue 19: the participant reads plain words', () => {
  it('never shows token-endpoint language, only a sentence and the code', async () => {
    const raw = 'token endpoint answered invalid_grant: the authorization grant is invalid; the authorization was refused or has expired; connect the provider again';
    const link = fakeLinkApi({ states: [{ status: 200, body: { state: 'error', provider: 'oura', error_type: 'invalid_grant', error: raw, redirect_url: null } }] });
    const w = createLinkWidget({ token: 'vlt_x', apiBase: 'http://127.0.0.1:8484', fetch: link.fetch, pollIntervalMs: 5 });
    w.open();
    await until(() => $('#agree-continue'));
    $('#agree-continue')!.click();
    await until(() => $('button.provider[data-slug="oura"]'));
    $<HTMLButtonElement>('button.provider[data-slug="oura"]')!.click();
    await until(() => $('#link-result'));
    const text = $('#link-result')!.textContent!;
    expect(text).not.toMatch(/token endpoint|authorization grant|refresh token/i);
    expect($('#result-message')!.textContent).toBe('Oura did not accept the sign-in. Please try again.');
    expect($('#result-code')!.textContent).toBe('invalid_grant');
    w.destroy();
  });

  it('names the participant on the agreement, and says the password sentence once', async () => {
    const text = 'SLEEP-42.\n\nYou sign in on your provider\'s own page; this app never sees your password.';
    const link = fakeLinkApi({ config: { status: 200, body: { agreement: { version: '2', text } } } });
    const w = createLinkWidget({ token: 'vlt_x', apiBase: 'http://127.0.0.1:8484', fetch: link.fetch, participant: 'P-001' });
    w.open();
    await until(() => $('#agreement-version'));
    expect($('#agreement-participant')!.textContent).toBe('Connecting a device for participant P-001');
    expect($('#agreement')!.textContent!.match(/never sees your password/g)).toHaveLength(1);
    w.destroy();
  });
});
