import { afterEach, describe, expect, it, vi } from 'vitest';
import { until } from '../test/fake-link-api';
import { connected, participant } from '../test/fixtures';
import type { Exchange } from './types';

vi.mock('./api', async (importOriginal) => {
  const real = await importOriginal<typeof import('./api')>();
  return { ...real, inspector: vi.fn(), connectionDetails: vi.fn(), forceRefresh: vi.fn(), faults: vi.fn(), setFaults: vi.fn(), disconnect: vi.fn() };
});
const api = await import('./api');
const { InspectorPage } = await import('./inspector');
const { NO_FAULTS } = await import('./inspector-format');

const ex = (id: number, extra: Partial<Exchange> = {}): Exchange => ({
  id, at: Date.UTC(2026, 10, 20, 14, 0, id), connection_id: 1, provider: 'oura', kind: 'data', method: 'GET',
  url: `http://127.0.0.1:4000/v2/usercollection/sleep?page=${id}`, status: 200, latency_ms: 42,
  request_headers: [['authorization', 'Bearer ABCD…WXYZ (32 chars)']], request_body: null,
  response_headers: [['content-type', 'application/json']], response_body: '{"data":[{"day":"2026-11-19"}]}', error: null, ...extra,
});
const $ = <T extends HTMLElement = HTMLElement>(s: string) => document.querySelector<T>(s);
afterEach(() => vi.clearAllMocks());

function mount() {
  const relink = vi.fn();
  const page = new InspectorPage({
    participants: () => [participant('P-1', { connections: [connected(1)] })],
    sandboxProviders: () => ['oura', 'withings'],
    relink, changed: vi.fn(),
  });
  document.body.replaceChildren(page.el);
  return { page, relink };
}

describe('inspector page', () => {
  it('lists exchanges and shows headers and pretty bodies of the selected one', async () => {
    vi.mocked(api.inspector).mockResolvedValue([ex(2, { status: 500, response_body: '{"detail":"boom"}' }), ex(1)]);
    vi.mocked(api.faults).mockResolvedValue({ ...NO_FAULTS });
    const { page } = mount();
    page.show();
    await until(() => document.querySelectorAll('#inspector-table tr[data-exchange]').length === 2);
    const rows = [...document.querySelectorAll<HTMLElement>('#inspector-table tr[data-exchange]')];
    expect(rows[0].dataset.status).toBe('500');
    expect(rows[0].querySelector('.http-status')!.className).toContain('server');
    expect(rows[0].textContent).toContain('/v2/usercollection/sleep?page=2');
    expect($('#exchange-details')!.textContent).toContain('Select an exchange');
    rows[0].click();
    expect($('#exchange-details')!.textContent).toContain('authorization: Bearer ABCD…WXYZ (32 chars)');
    const pres = [...document.querySelectorAll('#exchange-details pre')];
    expect(pres[pres.length - 1].textContent).toBe('{\n  "detail": "boom"\n}');
    expect(api.inspector).toHaveBeenCalledWith({ connectionId: null, provider: null, limit: 500 });
    page.dispose();
  });

  it('filters by connection and shows its token state; Force refresh', async () => {
    vi.mocked(api.inspector).mockResolvedValue([]);
    vi.mocked(api.faults).mockResolvedValue({ ...NO_FAULTS });
    const details = {
      connection: { ...connected(1), user_id: 'uid-P-1' }, token_expires_at: Date.now() + 3_600_000, has_refresh_token: true,
      access_token: 'QW3R…8KZP (32 chars)', scopes_granted: ['daily'], scopes_requested: ['daily', 'spo2'], last_refresh: null, cursors: [],
    };
    vi.mocked(api.connectionDetails).mockResolvedValue(details);
    vi.mocked(api.forceRefresh).mockResolvedValue(details);
    const { page, relink } = mount();
    page.focusConnection(1, 'oura');
    page.show();
    await until(() => $('#conn-access-token'));
    expect(api.inspector).toHaveBeenCalledWith({ connectionId: 1, provider: 'oura', limit: 500 });
    expect($('#conn-access-token')!.textContent).toBe('QW3R…8KZP (32 chars)');
    expect($('#connection-details .scope.missing')!.textContent).toBe('spo2');
    $('#force-refresh')!.click();
    await until(() => vi.mocked(api.forceRefresh).mock.calls.length === 1);
    expect(api.forceRefresh).toHaveBeenCalledWith(1);
    $('#rerun-link')!.click();
    expect(relink).toHaveBeenCalledWith(expect.objectContaining({ client_user_id: 'P-1' }), 'oura');
    page.dispose();
  });

  it('fault switches: reads the form, rejects bad numbers, applies', async () => {
    vi.mocked(api.inspector).mockResolvedValue([]);
    vi.mocked(api.faults).mockResolvedValue({ ...NO_FAULTS, slow_ms: 250 });
    const { page } = mount();
    page.show();
    await until(() => $('#fault-server_error'));
    expect($<HTMLInputElement>('#fault-slow_ms')!.value).toBe('250');
    expect($('#faults-active')!.textContent).toBe('1 on');
    $<HTMLInputElement>('#fault-server_error')!.checked = true;
    $<HTMLInputElement>('#fault-after_pages')!.value = 'two';
    $('#faults-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => !$('#faults-error')!.hidden);
    expect(api.setFaults).not.toHaveBeenCalled();
    $<HTMLInputElement>('#fault-after_pages')!.value = '2';
    $('#faults-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => vi.mocked(api.setFaults).mock.calls.length === 1);
    expect(api.setFaults).toHaveBeenCalledWith('oura', { ...NO_FAULTS, server_error: true, slow_ms: 250, after_pages: 2 });
    page.dispose();
  });
  it('fault switches: a provider picked while the previous one loads shows only its own switches', async () => {
    vi.mocked(api.inspector).mockResolvedValue([]);
    let answerOura!: (f: typeof NO_FAULTS) => void;
    vi.mocked(api.faults).mockImplementation((provider: string) =>
      provider === 'oura'
        ? new Promise((resolve) => (answerOura = resolve))
        : Promise.resolve({ ...NO_FAULTS, server_error: true }));
    const { page } = mount();
    page.show();
    await until(() => vi.mocked(api.faults).mock.calls.length === 1);
    // Nothing to tick while Oura's state is unknown.
    expect($('#fault-server_error')).toBeNull();
    const select = $<HTMLSelectElement>('#faults-provider')!;
    select.value = 'withings';
    select.dispatchEvent(new Event('change'));
    await until(() => $('#fault-server_error'));
    expect($<HTMLInputElement>('#fault-server_error')!.checked).toBe(true);
    // Oura's slower answer arrives last: it must not replace Withings' switches.
    answerOura({ ...NO_FAULTS });
    await new Promise((r) => setTimeout(r, 0));
    expect($<HTMLInputElement>('#fault-server_error')!.checked).toBe(true);
    expect($('#faults-active')!.textContent).toBe('1 on');
    page.dispose();
  });
});

describe('issue 19: inspector refreshes on change, not on a timer', () => {
  it('does not poll while idle, and reloads once after a burst of events', async () => {
    vi.useFakeTimers();
    try {
      vi.mocked(api.inspector).mockResolvedValue([ex(1)]);
      vi.mocked(api.faults).mockResolvedValue({ ...NO_FAULTS });
      vi.mocked(api.connectionDetails).mockResolvedValue(undefined as never);
      const { page } = mount();
      page.show();
      await vi.advanceTimersByTimeAsync(50);
      const first = vi.mocked(api.inspector).mock.calls.length;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(vi.mocked(api.inspector).mock.calls.length).toBe(first);
      for (let i = 0; i < 5; i++) page.onAppEvent({ type: 'sync_progress', connection_id: 1, resource: 'sleep', done: i, total: 5 });
      await vi.advanceTimersByTimeAsync(500);
      expect(vi.mocked(api.inspector).mock.calls.length).toBe(first + 1);
      // Hidden, or auto-refresh off: events do nothing.
      page.hide();
      page.onAppEvent({ type: 'sync_finished', connection_id: 1, status: 'connected' });
      await vi.advanceTimersByTimeAsync(500);
      expect(vi.mocked(api.inspector).mock.calls.length).toBe(first + 1);
      page.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});
