import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { until } from '../test/fake-link-api';
import { info } from '../test/fixtures';
import type { SettingsView } from './types';

vi.mock('./api', async (importOriginal) => {
  const real = await importOriginal<typeof import('./api')>();
  return {
    ...real,
    settings: vi.fn(), setEnvironment: vi.fn(), setCredentials: vi.fn(), rotateApiKey: vi.fn(), addWebhook: vi.fn(),
    removeWebhook: vi.fn(), forwardRetry: vi.fn(), setEnrolPin: vi.fn(), setAgreement: vi.fn(), wipeAll: vi.fn(),
  };
});
const api = await import('./api');
const { SettingsPage, validateAgreement, validatePin, validateWebhookUrl, credentialSource } = await import('./settings');

const view = (extra: Partial<SettingsView> = {}): SettingsView => ({
  environment: 'sandbox', history_days: 90, data_dir: '/data/vl', api_base: 'http://127.0.0.1:8484', api_key: 'vlk_…Qm7x (36 chars)',
  webhooks: [{ id: 7, url: 'https://lab.example.org/hook', event_types: null, created_at: 0, delivered: 3, pending: 0, failed: 1 }],
  credentials: [
    { slug: 'oura', client_id: 'lab-app', client_secret: 'sk_l…9f2a (40 chars)', source: 'settings' },
    { slug: 'withings', client_id: null, client_secret: null, source: 'none' },
    { slug: 'strava', client_id: 'env-id', client_secret: null, source: 'environment' },
  ],
  forward: { enabled: false, url: null, outbox: { batches: 0, readings: 0 }, parked: { batches: 0, readings: 0 }, dead_letters: [], delivered_readings: 0, last_delivery_at: null, last_error: null, provider_mode: null, last_error_at: null },
  agreement: { version: '1', text: 'Old text' }, enrol_pin_set: false, mcp_command: '/opt/vl/vital-link --data-dir /tmp/d mcp', ...extra,
});

const $ = <T extends HTMLElement = HTMLElement>(s: string) => document.querySelector<T>(s);
const changed = vi.fn();
async function mount(v = view()) {
  vi.mocked(api.settings).mockResolvedValue(v);
  const page = new SettingsPage({ info: () => info, changed });
  document.body.replaceChildren(page.el);
  await page.load();
  return page;
}
function typeIn(sel: string, value: string) {
  const el = $<HTMLInputElement>(sel)!;
  el.value = value;
  el.dispatchEvent(new Event('input'));
}
const submit = (sel: string) => $(sel)!.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));

beforeEach(() => document.body.replaceChildren());
afterEach(() => vi.clearAllMocks());

describe('settings validation', () => {
  it('checks PINs, webhook URLs, agreements', () => {
    expect(validatePin('')).toMatch(/Type/);
    expect(validatePin('123')).toMatch(/at least 4/);
    expect(validatePin('1234')).toBeNull();
    expect(validateWebhookUrl('')).toMatch(/Type/);
    expect(validateWebhookUrl('lab.example.org')).toMatch(/not a URL/);
    expect(validateWebhookUrl('ftp://x.org/a')).toMatch(/http/);
    expect(validateWebhookUrl(' https://x.org/hook ')).toBeNull();
    expect(validateAgreement(' ', 'x')).toMatch(/version/);
    expect(validateAgreement('2', '  ')).toMatch(/empty/);
    expect(validateAgreement('2', 'text')).toBeNull();
    expect(credentialSource({ slug: 'x', client_id: null, client_secret: null, source: 'none' })).toBe('Not set');
  });
});

describe('settings page', () => {
  it('shows storage read-only, the key redacted, credentials by source', async () => {
    await mount();
    expect($('#data-dir')!.textContent).toBe('/data/vl');
    expect($('#history-days')!.textContent).toContain('90 days');
    expect($('#api-key')!.textContent).toBe('vlk_…Qm7x (36 chars)');
    expect($('#credentials tr[data-provider="oura"]')!.textContent).toContain('sk_l…9f2a (40 chars)');
    expect($('#credentials tr[data-provider="withings"] [data-edit]')!.textContent).toBe('Set');
    expect($('#credentials tr[data-provider="strava"] [data-edit]')).toBeNull();
    expect($('#enrol-pin-status')!.textContent).toContain('No PIN');
    expect($<HTMLInputElement>('#env-sandbox')!.checked).toBe(true);
    expect($('#mcp-command')!.textContent).toBe('/opt/vl/vital-link --data-dir /tmp/d mcp');
  });

  it('saves the environment and says a restart is needed', async () => {
    await mount();
    $<HTMLInputElement>('#env-production')!.checked = true;
    $('#env-save')!.click();
    await until(() => !$('#env-msg')!.hidden);
    expect(api.setEnvironment).toHaveBeenCalledWith('production');
    expect($('#env-msg')!.textContent).toContain('Restart');
  });

  it('sets the enrol PIN after validating it', async () => {
    await mount();
    typeIn('#enrol-pin', '12');
    submit('#enrol-pin');
    expect($('#enrol-pin-error')!.hidden).toBe(false);
    expect(api.setEnrolPin).not.toHaveBeenCalled();
    vi.mocked(api.settings).mockResolvedValue(view({ enrol_pin_set: true }));
    typeIn('#enrol-pin', '2468');
    submit('#enrol-pin');
    await until(() => $('#enrol-pin-status')!.textContent!.includes('A PIN is set'));
    expect(api.setEnrolPin).toHaveBeenCalledWith('2468');
    expect(changed).toHaveBeenCalled();
    $('#enrol-pin-remove')!.click();
    await until(() => vi.mocked(api.setEnrolPin).mock.calls.length === 2);
    expect(api.setEnrolPin).toHaveBeenLastCalledWith(null);
  });

  it('saves a new agreement version; the same version with a new text asks first', async () => {
    await mount();
    typeIn('#agreement-text-input', 'New text');
    submit('#agreement-text-input');
    await until(() => $('#agreement-version-dialog'));
    $('#agreement-version-dialog-cancel')!.click();
    expect(api.setAgreement).not.toHaveBeenCalled();
    typeIn('#agreement-version-input', '2');
    submit('#agreement-text-input');
    await until(() => vi.mocked(api.setAgreement).mock.calls.length === 1);
    expect(api.setAgreement).toHaveBeenCalledWith('2', 'New text');
  });

  it('adds a webhook and shows its secret once; rotates the API key and shows it once', async () => {
    await mount();
    typeIn('#webhook-url', 'not a url');
    submit('#webhook-url');
    expect($('#webhook-error')!.hidden).toBe(false);
    vi.mocked(api.addWebhook).mockResolvedValue({ id: 8, secret: 'whsec_abc' });
    typeIn('#webhook-url', 'https://lab.example.org/h2');
    submit('#webhook-url');
    await until(() => $('#webhook-secret-dialog-value'));
    expect($('#webhook-secret-dialog-value')!.textContent).toBe('whsec_abc');
    expect(api.addWebhook).toHaveBeenCalledWith('https://lab.example.org/h2');
    $('#webhook-secret-dialog-confirm')!.click();

    vi.mocked(api.rotateApiKey).mockResolvedValue('vlk_NEWKEY_1234567890');
    $('#rotate-api-key')!.click();
    await until(() => $('#rotate-dialog-confirm'));
    $('#rotate-dialog-confirm')!.click();
    await until(() => $('#api-key-dialog-value'));
    expect($('#api-key-dialog-value')!.textContent).toBe('vlk_NEWKEY_1234567890');
  });

  it('wipes only after WIPE is typed', async () => {
    await mount();
    $('#wipe-all')!.click();
    await until(() => $('#wipe-dialog-input'));
    expect($<HTMLButtonElement>('#wipe-dialog-confirm')!.disabled).toBe(true);
    typeIn('#wipe-dialog-input', 'wipe');
    expect($<HTMLButtonElement>('#wipe-dialog-confirm')!.disabled).toBe(true);
    typeIn('#wipe-dialog-input', 'WIPE');
    expect($<HTMLButtonElement>('#wipe-dialog-confirm')!.disabled).toBe(false);
    $('#wipe-dialog-confirm')!.click();
    await until(() => vi.mocked(api.wipeAll).mock.calls.length === 1);
    expect(api.wipeAll).toHaveBeenCalledWith('WIPE');
  });

  it('edits provider credentials in a dialog', async () => {
    await mount();
    $('#credentials tr[data-provider="withings"] [data-edit]')!.click();
    await until(() => $('#cred-client-id'));
    $<HTMLInputElement>('#cred-client-id')!.value = 'wid';
    $<HTMLInputElement>('#cred-client-secret')!.value = 'wsecret';
    $('#cred-dialog-confirm')!.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => vi.mocked(api.setCredentials).mock.calls.length === 1);
    expect(api.setCredentials).toHaveBeenCalledWith('withings', 'wid', 'wsecret');
  });

  it('shows the forwarder\'s dead letters and retries them through the core', async () => {
    const parked = {
      enabled: true, url: 'https://lab.example.org:8750', outbox: { batches: 2, readings: 700 }, parked: { batches: 1, readings: 1 },
      delivered_readings: 135802, last_delivery_at: '2026-12-01T10:00:00+00:00', last_error: null, provider_mode: null, last_error_at: null,
      dead_letters: [{ id: 12, user_id: 'u-1', client_user_id: 'P-001', provider: 'oura', resource: 'profile', readings: 1, attempts: 10, last_status: 500, last_error: 'the target answered 500', parked_at: '2026-12-01T09:00:00+00:00' }],
    };
    await mount(view({ forward: parked }));
    expect($('#forward-state')!.textContent).toContain('1 batches parked');
    expect($('#dead-letters tr[data-dead-letter="12"]')!.textContent).toContain('P-001');
    expect($('#dead-letters tr[data-dead-letter="12"]')!.textContent).toContain('answered 500');
    vi.mocked(api.forwardRetry).mockResolvedValue(1);
    vi.mocked(api.settings).mockResolvedValue(view({ forward: { ...parked, parked: { batches: 0, readings: 0 }, dead_letters: [] } }));
    $('#forward-retry')!.click();
    await until(() => !$('#dead-letters'));
    expect(api.forwardRetry).toHaveBeenCalledOnce();
    expect($('#forward-retry')).toBeNull();
  });

  it('says when forwarding is off', async () => {
    await mount();
    expect($('#forward-state')!.textContent).toBe('Off.');
    expect($('#forward-retry')).toBeNull();
  });
});

describe('issue 19: providers in Settings', () => {
  it('shows one display name per slug, and no Set button for a provider that cannot be connected', async () => {
    await mount(view({
      credentials: [
        { slug: 'whoop_v2', client_id: null, client_secret: null, source: 'none' },
        { slug: 'dexcom_v3', client_id: null, client_secret: null, source: 'none' },
        { slug: 'google_health', client_id: null, client_secret: null, source: 'none' },
        { slug: 'garmin', client_id: null, client_secret: null, source: 'none' },
        { slug: 'polar', client_id: null, client_secret: null, source: 'none', availability: { state: 'not_available', reason: 'Polar said no' } },
      ],
    }));
    const row = (slug: string) => $(`#credentials tr[data-provider="${slug}"]`)!;
    expect(row('whoop_v2').querySelector('td')!.textContent).toBe('WHOOP');
    expect(row('dexcom_v3').querySelector('td')!.textContent).toBe('Dexcom');
    expect(row('google_health').querySelector('td')!.textContent).toBe('Google Health (Fitbit)');
    expect(row('whoop_v2').querySelector('[data-edit]')).not.toBeNull();
    expect(row('garmin').querySelector('[data-edit]')).toBeNull();
    expect(row('garmin').querySelector('.cred-unavailable')!.textContent).toBe('Not connectable here');
    expect(row('polar').querySelector('[data-edit]')).toBeNull();
    expect(row('polar').querySelector<HTMLElement>('.cred-unavailable')!.title).toBe('Polar said no');
  });
});
