import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHostBridge, detectEmbedding, hostOrigin, httpOrigin, type Embedding } from './embed';
import { isHostMessage, isPageMessage } from './protocol';
import { startStandalone } from './standalone';
import type { LinkWidget } from './widget';
import { $, fakeLinkApi, linkState, until } from '../test/fake-link-api';

const HOST_ORIGIN = 'http://127.0.0.1:5173';

let widget: LinkWidget | null = null;
let cleanup: (() => void)[] = [];

afterEach(() => {
  widget?.destroy();
  widget = null;
  for (const c of cleanup.splice(0)) c();
  document.body.replaceChildren();
  vi.unstubAllGlobals();
});

/** A real (jsdom) window standing in for the host page, with its postMessage recorded. */
function fakeHost() {
  const frame = document.createElement('iframe');
  document.body.append(frame);
  const host = frame.contentWindow!;
  const posted: { data: Record<string, unknown>; targetOrigin: string }[] = [];
  vi.spyOn(host, 'postMessage').mockImplementation(((data: Record<string, unknown>, targetOrigin: string) => {
    posted.push({ data, targetOrigin });
  }) as typeof host.postMessage);
  const types = () => posted.map((p) => p.data.type);
  const send = (data: unknown, origin = HOST_ORIGIN, source: Window = host) =>
    window.dispatchEvent(new MessageEvent('message', { data, origin, source }));
  return { host, posted, types, send };
}

const loc = (q: string) => new URL(`http://127.0.0.1:8484/link/?${q}`) as unknown as Location;

function startEmbedded(host: Window, extra: Partial<Parameters<typeof startStandalone>[2]> = {}) {
  const api = fakeLinkApi({ states: [{ status: 200, body: linkState({ redirect_url: 'https://study.example/return' }) }] });
  vi.stubGlobal('fetch', api.fetch);
  const navigate = vi.fn();
  const container = document.createElement('main');
  document.body.append(container);
  const embedding: Embedding = { embedded: true, host, targetOrigin: HOST_ORIGIN };
  widget = startStandalone(loc('token=vlt_emb&env=sandbox&embed=1'), container, { navigate, pollIntervalMs: 5, ...extra }, embedding);
  return { api, navigate, container };
}

describe('embedding detection', () => {
  it('is embedded with embed=1 or when framed, and finds the host origin', () => {
    expect(detectEmbedding(loc('token=t'), window)).toEqual({ embedded: false, host: null, targetOrigin: null });
    const e = detectEmbedding(loc(`token=t&embed=1&origin=${encodeURIComponent(HOST_ORIGIN)}`), window);
    expect(e.embedded).toBe(true);
    expect(e.targetOrigin).toBe(HOST_ORIGIN);

    const frame = document.createElement('iframe');
    document.body.append(frame);
    const framed = detectEmbedding(loc('token=t'), frame.contentWindow!);
    expect(framed.embedded).toBe(true);
    expect(framed.host === frame.contentWindow!.parent).toBe(true);
  });

  it('prefers ancestorOrigins, then the origin parameter, then the referrer; never an opaque origin', () => {
    const doc = { referrer: 'http://127.0.0.1:3000/app/page?x=1' } as Document;
    const withAncestors = Object.assign(loc('origin=http%3A%2F%2F127.0.0.1%3A9'), { ancestorOrigins: ['http://localhost:4000'] });
    expect(hostOrigin(withAncestors as unknown as Location, doc, true)).toBe('http://localhost:4000');
    expect(hostOrigin(loc('origin=http%3A%2F%2F127.0.0.1%3A9'), doc, true)).toBe('http://127.0.0.1:9');
    expect(hostOrigin(loc(''), doc, true)).toBe('http://127.0.0.1:3000');
    expect(httpOrigin('null')).toBeNull();
    expect(httpOrigin('file:///home/x/index.html')).toBeNull();
    expect(httpOrigin('javascript:alert(1)')).toBeNull();
    expect(httpOrigin('https://app.example:8443/path')).toBe('https://app.example:8443');
  });
});

describe('host bridge', () => {
  it('posts the outcome to the host origin only, with the vital-link marker', () => {
    const { host, posted } = fakeHost();
    const bridge = createHostBridge(window, { host, targetOrigin: HOST_ORIGIN });
    cleanup.push(() => bridge.dispose());
    bridge.ready();
    bridge.callbacks.onSuccess({ state: 'success', provider: 'oura', link_token: 'vlt_1' });
    bridge.callbacks.onError({ state: 'error', error_type: 'provider_api_error', error: 'down', provider: 'oura' });
    bridge.callbacks.onExit({ state: 'exit', error_type: 'user_cancelled', provider: null });
    bridge.callbacks.onClose();
    expect(posted.map((p) => p.targetOrigin)).toEqual(Array(5).fill(HOST_ORIGIN));
    expect(posted.map((p) => p.data)).toEqual([
      { source: 'vital-link', version: 1, type: 'ready' },
      { source: 'vital-link', version: 1, type: 'success', metadata: { state: 'success', provider: 'oura', link_token: 'vlt_1' } },
      { source: 'vital-link', version: 1, type: 'error', metadata: { state: 'error', error_type: 'provider_api_error', error: 'down', provider: 'oura' } },
      { source: 'vital-link', version: 1, type: 'exit', metadata: { state: 'exit', error_type: 'user_cancelled', provider: null } },
      { source: 'vital-link', version: 1, type: 'close' },
    ]);
    expect(posted.every((p) => isPageMessage(p.data))).toBe(true);
  });

  it('posts nothing when the host origin is unknown', () => {
    const { host, posted } = fakeHost();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const bridge = createHostBridge(window, { host, targetOrigin: null });
    cleanup.push(() => bridge.dispose());
    bridge.ready();
    bridge.callbacks.onClose();
    expect(posted).toHaveLength(0);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('obeys close and focus requests from the host only', () => {
    const { host, send } = fakeHost();
    const other = fakeHost();
    const bridge = createHostBridge(window, { host, targetOrigin: HOST_ORIGIN });
    cleanup.push(() => bridge.dispose());
    const element = document.createElement('div');
    element.innerHTML = '<div class="vlink-body" tabindex="-1"><button id="a">a</button><button id="b" disabled>b</button><a id="c" href="#">c</a><div hidden><button id="d">d</button></div></div>';
    document.body.append(element);
    const exit = vi.fn(async () => undefined);
    bridge.attach({ exit, element });

    const close = { source: 'vital-link-host', version: 1, type: 'close' };
    expect(isHostMessage(close)).toBe(true);
    send(close, 'http://127.0.0.1:6666'); // wrong origin
    send(close, HOST_ORIGIN, other.host); // wrong window
    send({ ...close, source: 'something-else' }); // not ours
    send('close');
    expect(exit).not.toHaveBeenCalled();
    send(close);
    expect(exit).toHaveBeenCalledTimes(1);

    send({ source: 'vital-link-host', version: 1, type: 'focus', edge: 'last' });
    expect(document.activeElement?.id).toBe('c');
    send({ source: 'vital-link-host', version: 1, type: 'focus', edge: 'first' });
    expect(document.activeElement?.id).toBe('a');

    bridge.dispose();
    send(close);
    expect(exit).toHaveBeenCalledTimes(1);
  });
});

describe('the link page, embedded', () => {
  it('reports success to the host and does not follow redirect_url; Done asks the host to close', async () => {
    const { host, posted, types } = fakeHost();
    const { api, navigate, container } = startEmbedded(host);
    await until(() => $('#agreement'));
    expect(container.querySelector('.vlink-embedded')).not.toBeNull();
    expect(types()).toEqual(['ready']);
    $('#agree-continue')!.click();
    await until(() => $('.provider'));
    api.setStates([
      { status: 200, body: linkState({ state: 'pending', provider: 'oura', redirect_url: 'https://study.example/return' }) },
      { status: 200, body: linkState({ state: 'success', provider: 'oura', redirect_url: 'https://study.example/return' }) },
    ]);
    $('.provider[data-slug="oura"]')!.click();
    await until(() => types().includes('success'));
    expect(posted.find((p) => p.data.type === 'success')!.data.metadata).toEqual({ state: 'success', provider: 'oura', link_token: 'vlt_emb' });
    await until(() => $('#link-done'));
    expect($('#link-redirecting')).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(navigate).not.toHaveBeenCalled();
    $('#link-done')!.click();
    expect(types()).toEqual(['ready', 'success', 'close']);
    expect(container.querySelector('.vlink')).toBeNull();
  });

  it('reports an error (no redirect either)', async () => {
    const { host, posted, types } = fakeHost();
    const { api, navigate } = startEmbedded(host);
    await until(() => $('#agreement'));
    $('#agree-continue')!.click();
    await until(() => $('.provider'));
    api.setStates([{ status: 200, body: linkState({ state: 'error', provider: 'oura', error_type: 'provider_api_error', error: 'oura is down', redirect_url: 'https://study.example/return' }) }]);
    $('.provider[data-slug="oura"]')!.click();
    await until(() => types().includes('error'));
    expect(posted.find((p) => p.data.type === 'error')!.data.metadata).toEqual({
      state: 'error', error_type: 'provider_api_error', error: 'oura is down', provider: 'oura',
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(navigate).not.toHaveBeenCalled();
    expect($('#link-retry')).not.toBeNull();
  });

  it("closes on the host's request: cancels the flow in progress, reports exit, then close", async () => {
    const { host, types, posted, send } = fakeHost();
    const { api } = startEmbedded(host);
    await until(() => $('#agreement'));
    $('#agree-continue')!.click();
    await until(() => $('.provider'));
    api.setStates([{ status: 200, body: linkState({ state: 'pending', provider: 'oura' }) }]);
    $('.provider[data-slug="oura"]')!.click();
    await until(() => $('#open-signin[href]'));
    send({ source: 'vital-link-host', version: 1, type: 'close' });
    await until(() => types().includes('close'));
    expect(api.count('POST', '/v2/link/exit')).toBe(1);
    expect(types()).toEqual(['ready', 'exit', 'close']);
    expect(posted[1].data.metadata).toEqual({ state: 'exit', error_type: 'user_cancelled', provider: 'oura' });
    expect($('.vlink')).toBeNull();
  });

  it('Escape and × dismiss it (exit, then close), as in the overlay', async () => {
    const { host, types } = fakeHost();
    startEmbedded(host);
    await until(() => $('#agreement'));
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    await until(() => types().includes('close'));
    expect(types()).toEqual(['ready', 'exit', 'close']);

    const second = fakeHost();
    widget = startStandalone(loc('token=vlt_emb2&embed=1'), document.body, { pollIntervalMs: 5 }, { embedded: true, host: second.host, targetOrigin: HOST_ORIGIN });
    await until(() => $('#agreement'));
    $('#link-close')!.click();
    await until(() => second.types().includes('close'));
    expect(second.types()).toEqual(['ready', 'exit', 'close']);
  });

  it('in a browser tab (not embedded) it still follows redirect_url and posts nothing', async () => {
    const api = fakeLinkApi({ states: [{ status: 200, body: linkState({ redirect_url: 'https://study.example/return' }) }] });
    vi.stubGlobal('fetch', api.fetch);
    const postMessage = vi.spyOn(window, 'postMessage');
    const navigate = vi.fn();
    widget = startStandalone(loc('token=vlt_tab&env=sandbox'), document.body, { navigate, pollIntervalMs: 5 });
    await until(() => $('#agreement'));
    expect($('.vlink-embedded')).toBeNull();
    $('#agree-continue')!.click();
    await until(() => $('.provider'));
    api.setStates([{ status: 200, body: linkState({ state: 'success', provider: 'oura', redirect_url: 'https://study.example/return' }) }]);
    $('.provider[data-slug="oura"]')!.click();
    await until(() => navigate.mock.calls.length === 1);
    expect(navigate).toHaveBeenCalledWith('https://study.example/return?state=success&provider=oura');
    expect(postMessage).not.toHaveBeenCalled();
  });
});
