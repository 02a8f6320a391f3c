import { afterEach, describe, expect, it, vi } from 'vitest';
import { $, fakeLinkApi, until } from '../test/fake-link-api';
import { info, participant } from '../test/fixtures';

vi.mock('./api', async (importOriginal) => {
  const real = await importOriginal<typeof import('./api')>();
  return { ...real, createLinkToken: vi.fn(), checkEnrolPin: vi.fn() };
});
const api = await import('./api');
const { startEnrol, enrolActive } = await import('./enrol');

afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
  document.body.replaceChildren();
});

describe('enrol mode', () => {
  it('covers the console, shows the widget (not the link address), names the participant, and asks for the PIN to leave', async () => {
    const link = fakeLinkApi({ config: { status: 200, body: { agreement: { version: '3', text: 'Study text' } } } });
    vi.stubGlobal('fetch', link.fetch);
    vi.mocked(api.createLinkToken).mockResolvedValue({ link_token: 'vlt_k', link_web_url: 'http://127.0.0.1:8484/link/?token=vlt_k&env=sandbox' });
    vi.mocked(api.checkEnrolPin).mockImplementation(async (pin: string) => pin === '2468');
    const app = document.createElement('div');
    document.body.append(app);
    const onLeave = vi.fn();
    const h = await startEnrol({ participant: participant('P-7'), info, appRoot: app, pinSet: async () => true, onConnected: vi.fn(), onLeave });
    expect(enrolActive()).toBe(true);
    expect(app.inert).toBe(true);
    await until(() => $('#enrol #agreement-version'));
    expect($('#enrol-participant')!.textContent).toBe('P-7');
    // The participant's screen: no link-token address, no researcher-facing notes (issue 19).
    expect($('#enrol-url')).toBeNull();
    expect($('#enrol')!.textContent).not.toContain('vlt_k');
    expect($('.enrol-net')).toBeNull();
    expect($('#enrol #agreement-participant')!.textContent).toContain('P-7');
    $('#agree-continue')!.click();
    await until(() => link.count('POST', '/v2/link/consent') === 1);
    expect(link.calls.find((c) => c.path === '/v2/link/consent')!.body).toEqual({ version: '3', via: 'window' });

    const leaving = h.leave();
    await until(() => $('#enrol-pin-dialog-input'));
    const input = $<HTMLInputElement>('#enrol-pin-dialog-input')!;
    input.value = '1111';
    input.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => !$('.dialog-error')!.hidden);
    expect($('#enrol')).not.toBeNull();
    // Locked out after too many wrong PINs: the dialog says how long, and enrol mode stays.
    vi.mocked(api.checkEnrolPin).mockRejectedValueOnce({ code: 'pin_locked', message: 'Too many wrong PINs. Try again in 30 s (the wait doubles with each further wrong PIN).' });
    input.value = '2468';
    input.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => ($('.dialog-error')!.textContent ?? '').includes('30 s'));
    expect($('#enrol')).not.toBeNull();
    input.value = '2468';
    input.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(await leaving).toBe(true);
    expect($('#enrol')).toBeNull();
    expect(app.inert).toBe(false);
    expect(onLeave).toHaveBeenCalled();
    expect(enrolActive()).toBe(false);
  });

  it('after Done it thanks the participant and can start again', async () => {
    const link = fakeLinkApi({ states: [{ status: 200, body: { state: 'success', provider: 'oura', error_type: null, error: null, redirect_url: null } }] });
    vi.stubGlobal('fetch', link.fetch);
    vi.mocked(api.createLinkToken).mockResolvedValue({ link_token: 'vlt_k', link_web_url: 'http://127.0.0.1:8484/link/?token=vlt_k' });
    const app = document.createElement('div');
    document.body.append(app);
    const h = await startEnrol({ participant: participant('P-8'), info, appRoot: app, pinSet: async () => false, onConnected: vi.fn(), onLeave: vi.fn() });
    await until(() => $('#link-done'));
    $('#link-done')!.click();
    await until(() => $('#enrol-done'));
    expect($('#enrol-done')!.textContent).toContain('hand the computer back');
    expect($('#enrol-done')!.textContent).toContain('Oura is connected');
    $('#enrol-again')!.click();
    await until(() => vi.mocked(api.createLinkToken).mock.calls.length === 2);
    expect(await h.leave()).toBe(true);
  });

  it('× without connecting anything says so plainly and offers to try again (not "thank you")', async () => {
    const link = fakeLinkApi({});
    vi.stubGlobal('fetch', link.fetch);
    vi.mocked(api.createLinkToken).mockResolvedValue({ link_token: 'vlt_k', link_web_url: 'http://127.0.0.1:8484/link/?token=vlt_k' });
    const app = document.createElement('div');
    document.body.append(app);
    const h = await startEnrol({ participant: participant('P-9'), info, appRoot: app, pinSet: async () => false, onConnected: vi.fn(), onLeave: vi.fn() });
    await until(() => $('#agree-continue'));
    $('#link-close')!.click();
    await until(() => $('#enrol-done'), 3000);
    const done = $('#enrol-done')!;
    expect(done.dataset.connected).toBe('0');
    expect(done.textContent).toContain('Nothing was connected');
    expect(done.textContent).not.toMatch(/thank you|hand the computer back/i);
    expect($('#enrol-again')!.textContent).toBe('Try again');
    $('#enrol-again')!.click();
    await until(() => vi.mocked(api.createLinkToken).mock.calls.length === 2);
    expect(await h.leave()).toBe(true);
  });
});
