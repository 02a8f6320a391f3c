import { describe, expect, it } from 'vitest';
import { CONNECTION_STATUS, ERROR_CODES, explain, explainConnection, explainFailure, isKnownCode, statusLabel } from './messages';
import { providerConnectable, providerName, PROVIDERS } from './providers';

describe('error messages (issue 19)', () => {
  it('gives reauth_required one sentence naming the provider and the participant, and Reconnect', () => {
    const e = explain(ERROR_CODES.reauth_required, { provider: 'oura', participant: 'P-001', detail: 'token endpoint answered invalid_grant' });
    expect(e.text).toBe('Oura needs P-001 to sign in again.');
    expect(e.action).toBe('reconnect');
    expect(e.actionLabel).toBe('Reconnect');
    expect(e.details).toBe('token endpoint answered invalid_grant');
  });

  it('says when a provider 5xx is retried, in 24-hour time', () => {
    const now = new Date(2026, 11, 2, 20, 40).getTime();
    const at = new Date(2026, 11, 2, 20, 58).getTime();
    expect(explain('provider_unavailable', { provider: 'whoop_v2', retryAt: at }, 'researcher', now).text).toBe("WHOOP's server failed; retrying at 20:58.");
    expect(explain('provider_unavailable', { provider: 'oura' }, 'researcher', now).text).toBe("Oura's server failed; the app will try again by itself.");
  });

  it('never gives the participant the core’s technical text', () => {
    const detail = 'Token endpoint answered invalid_grant: the authorization grant is invalid';
    for (const code of [...Object.keys(ERROR_CODES), 'something_new', null]) {
      const e = explain(code, { provider: 'oura', detail }, 'participant');
      expect(e.text).not.toMatch(/token endpoint|invalid_grant|refresh token|\d{3}/i);
      expect(e.details).toBeNull();
      expect(e.text).toMatch(/[.!?]$/);
    }
  });

  it('has a sentence for every code, and a fallback that keeps the code in Details', () => {
    for (const code of Object.keys(ERROR_CODES)) {
      expect(isKnownCode(code)).toBe(true);
      expect(explain(code, { provider: 'oura', participant: 'P-1' }).text).toMatch(/^[A-Z].*[.!?]$/);
    }
    const u = explain('brand_new_code', { provider: 'polar', detail: 'raw words' });
    expect(u.text).toBe('Polar: something went wrong.');
    expect(u.details).toBe('raw words');
  });

  it('tells a declined consent from a cancel (both arrive as user_cancelled)', () => {
    expect(explain('user_cancelled', { provider: 'oura', detail: 'access was declined at Oura; nothing was connected' }, 'participant').text).toBe('Access was declined at Oura, so nothing was connected.');
    expect(explain('user_cancelled', { provider: 'oura', detail: 'the connection was cancelled' }, 'participant').text).toBe('Nothing was connected.');
  });

  it('explains a connection from its status first, then its error_type', () => {
    const base = { provider: 'oura', error_message: 'x', next_sync_at: null };
    expect(explainConnection({ ...base, status: 'connected', error_type: null }, 'P-1')).toBeNull();
    expect(explainConnection({ ...base, status: 'reauth_required', error_type: 'invalid_grant' }, 'P-1')!.text).toBe('Oura needs P-1 to sign in again.');
    expect(explainConnection({ ...base, status: 'error', error_type: null }, 'P-1')!.code).toBe('sync_failed');
  });

  it('labels statuses in words', () => {
    expect(statusLabel('reauth_required')).toBe('needs reconnect');
    expect(statusLabel('error')).toBe('sync failed');
    expect(statusLabel('connected')).toBe('connected');
    expect(statusLabel('some_state')).toBe('some state');
    expect(Object.keys(CONNECTION_STATUS)).toEqual(['connected', 'syncing', 'error', 'reauth_required', 'deregistered']);
  });

  it('prefixes a failed command and keeps the code and message as details', () => {
    const e = explainFailure('Could not add P-1', { code: 'duplicate_user', message: 'a user with client_user_id "P-1" already exists' });
    expect(e.text).toBe('Could not add P-1: A participant with this ID already exists.');
    expect(e.details).toBe('duplicate_user: a user with client_user_id "P-1" already exists');
    expect(explainFailure('Could not save', { code: 'odd', message: 'disk on fire' }).text).toBe('Could not save: Disk on fire.');
  });
});

describe('provider names (issue 19)', () => {
  it('has one display name per current slug', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual(['dexcom_v3', 'garmin', 'google_health', 'oura', 'polar', 'strava', 'wahoo', 'whoop_v2', 'withings']);
    expect(providerName('whoop_v2')).toBe('WHOOP');
    expect(providerName('dexcom_v3')).toBe('Dexcom');
    expect(providerName('google_health')).toBe('Google Health (Fitbit)');
    expect(providerName('my_lab-ring')).toBe('My Lab Ring');
  });

  it('knows Garmin cannot be connected unless the core says otherwise', () => {
    expect(providerConnectable('garmin')).toBe(false);
    expect(providerConnectable('oura')).toBe(true);
    expect(providerConnectable('garmin', { state: 'available' })).toBe(true);
    expect(providerConnectable('oura', { state: 'not_available' })).toBe(false);
  });
});
