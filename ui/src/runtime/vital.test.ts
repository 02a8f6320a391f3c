import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_TIMEOUT_MS, createRuntime, ensureMarker, install, REMOTE_RUNTIME_URL, runtimeOrigin, type VitalHandle } from './vital';

const ORIGIN = 'http://127.0.0.1:8484';

let handles: VitalHandle[] = [];

afterEach(() => {
  for (const h of handles.splice(0)) h.destroy();
  document.head.replaceChildren();
  document.body.replaceChildren();
  delete (window as { Vital?: unknown }).Vital;
  vi.useRealTimers();
});

function setup(extra: Record<string, unknown> = {}) {
  const app = document.createElement('div');
  app.id = 'root';
  app.innerHTML = '<button id="app-button">Connect</button>';
  document.body.append(app);
  const opener = document.getElementById('app-button')!;
  opener.focus();
  const cb = { onSuccess: vi.fn(), onExit: vi.fn(), onError: vi.fn(), onLoad: vi.fn() };
  const handle = createRuntime(ORIGIN, window).create({ env: 'sandbox', region: 'us', ...cb, ...extra });
  handles.push(handle);
  return { cb, handle, app, opener };
}

const overlay = () => document.querySelector<HTMLElement>('[data-vital-link-desktop="overlay"]');
const frame = () => document.querySelector<HTMLIFrameElement>('[data-vital-link-desktop="frame"]');

/** What the page in the frame would post. */
function fromPage(data: Record<string, unknown>, origin = ORIGIN, source: Window | null = frame()!.contentWindow) {
  window.dispatchEvent(new MessageEvent('message', { data: { source: 'vital-link', version: 1, ...data }, origin, source }));
}

function hostMessages() {
  const posted: unknown[] = [];
  vi.spyOn(frame()!.contentWindow!, 'postMessage').mockImplementation(((data: unknown, target: string) => {
    posted.push({ data, target });
  }) as Window['postMessage']);
  return posted;
}

describe('installing /initialize.js', () => {
  it('defines window.Vital for the origin the script came from, plus the inert marker', () => {
    // jsdom loads no external scripts, and has no currentScript here: the tag is found by its path.
    const tag = document.createElement('script');
    tag.setAttribute('src', 'http://127.0.0.1:8750/initialize.js');
    document.head.append(tag);
    expect(runtimeOrigin(document)).toBe('http://127.0.0.1:8750');
    const rt = install(window)!;
    expect(rt.origin).toBe('http://127.0.0.1:8750');
    expect(window.Vital).toBe(rt);
    expect(typeof rt.create).toBe('function');
    const markers = document.querySelectorAll<HTMLScriptElement>(`script[src="${REMOTE_RUNTIME_URL}"]`);
    expect(markers).toHaveLength(1);
    expect(markers[0].type).toBe('text/plain');
    // A second copy of the script keeps the first runtime and one marker.
    expect(install(window)).toBe(rt);
    expect(document.querySelectorAll(`script[src="${REMOTE_RUNTIME_URL}"]`)).toHaveLength(1);
    expect(ensureMarker(document)).toBe(markers[0]);
  });

  it('refuses to guess an origin it was not loaded from', () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(install(window)).toBeNull();
    expect(window.Vital).toBeUndefined();
    expect(err).toHaveBeenCalled();
  });
});

describe('window.Vital handle', () => {
  it('calls onLoad once ready', async () => {
    const { cb } = setup();
    expect(cb.onLoad).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 0));
    expect(cb.onLoad).toHaveBeenCalledTimes(1);
  });

  it('open(token) frames the local link page over a dim backdrop and keeps focus in it', () => {
    const { handle, app } = setup();
    handle.open('vlt_a b');
    const f = frame()!;
    const url = new URL(f.src);
    expect(url.origin).toBe(ORIGIN);
    expect(url.pathname).toBe('/link/');
    expect(url.searchParams.get('token')).toBe('vlt_a b');
    expect(url.searchParams.get('env')).toBe('sandbox');
    expect(url.searchParams.get('embed')).toBe('1');
    expect(url.searchParams.get('origin')).toBe(window.location.origin);
    expect(url.searchParams.has('region')).toBe(false);
    const o = overlay()!;
    expect(o.style.position).toBe('fixed');
    expect(o.style.background).toContain('rgba');
    expect(app.inert).toBe(true);
    expect(document.documentElement.style.overflow).toBe('hidden');
    expect(document.activeElement).toBe(f);
    // Focus guards on both sides of the frame.
    expect(o.querySelectorAll('[tabindex="0"]')).toHaveLength(2);
  });

  it('passes the page’s outcome to the callbacks; only from its own frame and origin', () => {
    const { handle, cb } = setup();
    handle.open('vlt_1');
    fromPage({ type: 'success', metadata: { state: 'success', provider: 'oura', link_token: 'vlt_1' } }, 'http://127.0.0.1:9999');
    fromPage({ type: 'success', metadata: { state: 'success', provider: 'oura', link_token: 'vlt_1' } }, ORIGIN, window);
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'success', metadata: {} }, origin: ORIGIN, source: frame()!.contentWindow }));
    expect(cb.onSuccess).not.toHaveBeenCalled();

    fromPage({ type: 'success', metadata: { state: 'success', provider: 'oura', link_token: 'vlt_1' } });
    expect(cb.onSuccess).toHaveBeenCalledWith({ state: 'success', provider: 'oura', link_token: 'vlt_1' });
    fromPage({ type: 'error', metadata: { state: 'error', error_type: 'provider_api_error', error: 'down', provider: 'oura' } });
    expect(cb.onError).toHaveBeenCalledWith({ state: 'error', error_type: 'provider_api_error', error: 'down', provider: 'oura' });
    fromPage({ type: 'exit', metadata: { state: 'exit', error_type: 'user_cancelled', provider: null } });
    expect(cb.onExit).toHaveBeenCalledWith({ state: 'exit', error_type: 'user_cancelled', provider: null });
    expect(overlay()).not.toBeNull();
  });

  it('close from the page removes the overlay and gives the page back', () => {
    const { handle, cb, app, opener } = setup();
    handle.open('vlt_1');
    fromPage({ type: 'success', metadata: { state: 'success', provider: 'oura', link_token: 'vlt_1' } });
    fromPage({ type: 'close' });
    expect(overlay()).toBeNull();
    expect(app.inert).toBe(false);
    expect(document.documentElement.style.overflow).toBe('');
    expect(document.activeElement).toBe(opener);
    expect(cb.onExit).not.toHaveBeenCalled();
    // A new open works afterwards.
    handle.open('vlt_2');
    expect(new URL(frame()!.src).searchParams.get('token')).toBe('vlt_2');
  });

  it('exit() asks the page to close; onExit comes once, then the callback', () => {
    const { handle, cb } = setup();
    handle.open('vlt_1');
    const posted = hostMessages();
    const done = vi.fn();
    handle.exit({ force: true }, done);
    expect(posted).toEqual([{ data: { source: 'vital-link-host', version: 1, type: 'close' }, target: ORIGIN }]);
    expect(overlay()!.style.visibility).toBe('hidden');
    // The page cancels the flow in progress, reports it, then closes.
    fromPage({ type: 'exit', metadata: { state: 'exit', error_type: 'user_cancelled', provider: 'oura' } });
    fromPage({ type: 'close' });
    expect(cb.onExit).toHaveBeenCalledTimes(1);
    expect(cb.onExit).toHaveBeenCalledWith({ state: 'exit', error_type: 'user_cancelled', provider: 'oura' });
    expect(done).toHaveBeenCalledTimes(1);
    expect(overlay()).toBeNull();
  });

  it('exit() after a success still ends in onExit (the hook needs it to destroy)', () => {
    const { handle, cb } = setup();
    handle.open('vlt_1');
    fromPage({ type: 'success', metadata: { state: 'success', provider: 'oura', link_token: 'vlt_1' } });
    handle.exit({ force: true });
    fromPage({ type: 'close' }); // the success screen closes without an exit of its own
    expect(cb.onExit).toHaveBeenCalledTimes(1);
    expect(cb.onExit).toHaveBeenCalledWith({ state: 'exit', error_type: 'user_cancelled', provider: 'oura' });

    // Nothing open: answered at once.
    const done = vi.fn();
    handle.exit({ force: true }, done);
    expect(cb.onExit).toHaveBeenCalledTimes(2);
    expect(cb.onExit).toHaveBeenLastCalledWith({ state: 'exit', error_type: 'user_cancelled', provider: null });
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('open() again: the same token is a no-op, another replaces the frame and settles what was owed', () => {
    const { handle, cb } = setup();
    handle.open('vlt_1');
    const first = frame();
    handle.open('vlt_1');
    expect(frame()).toBe(first);
    const done = vi.fn();
    handle.exit({ force: true }, done);
    handle.open('vlt_2');
    expect(document.querySelectorAll('[data-vital-link-desktop="overlay"]')).toHaveLength(1);
    expect(new URL(frame()!.src).searchParams.get('token')).toBe('vlt_2');
    expect(cb.onExit).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('a page that does not answer is removed after a timeout, with onExit', () => {
    vi.useFakeTimers();
    const { handle, cb } = setup();
    handle.open('vlt_1');
    const done = vi.fn();
    handle.exit({}, done);
    vi.advanceTimersByTime(CLOSE_TIMEOUT_MS - 1);
    expect(overlay()).not.toBeNull();
    vi.advanceTimersByTime(1);
    expect(overlay()).toBeNull();
    expect(cb.onExit).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('Escape on the host page asks the page to close', () => {
    const { handle, cb } = setup();
    handle.open('vlt_1');
    const posted = hostMessages();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(posted).toEqual([{ data: { source: 'vital-link-host', version: 1, type: 'close' }, target: ORIGIN }]);
    fromPage({ type: 'exit', metadata: { state: 'exit', error_type: 'user_cancelled', provider: null } });
    fromPage({ type: 'close' });
    expect(cb.onExit).toHaveBeenCalledTimes(1);
    expect(overlay()).toBeNull();
  });

  it('a focus guard sends focus back into the frame at the right end', () => {
    const { handle } = setup();
    handle.open('vlt_1');
    const posted = hostMessages();
    overlay()!.querySelector<HTMLElement>('[data-vital-link-desktop="guard-first"]')!.focus();
    expect(document.activeElement).toBe(frame());
    expect(posted).toEqual([{ data: { source: 'vital-link-host', version: 1, type: 'focus', edge: 'first' }, target: ORIGIN }]);
  });

  it('destroy() removes everything without callbacks and ignores later messages', () => {
    const { handle, cb, app } = setup();
    handle.open('vlt_1');
    const win = frame()!.contentWindow;
    handle.destroy();
    expect(overlay()).toBeNull();
    expect(app.inert).toBe(false);
    window.dispatchEvent(new MessageEvent('message', { data: { source: 'vital-link', version: 1, type: 'exit', metadata: {} }, origin: ORIGIN, source: win }));
    expect(cb.onExit).not.toHaveBeenCalled();
    handle.open('vlt_2');
    expect(overlay()).toBeNull();
  });
});
