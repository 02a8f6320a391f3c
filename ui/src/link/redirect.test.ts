import { describe, expect, it } from 'vitest';
import { buildRedirectUrl, isSafeRedirect } from './redirect';

describe('standalone redirect', () => {
  it('appends Vital-style result parameters', () => {
    expect(buildRedirectUrl('https://study.example/done', { outcome: 'success', provider: 'oura', errorType: null, message: null }))
      .toBe('https://study.example/done?state=success&provider=oura');
    expect(buildRedirectUrl('https://study.example/done?pid=7', { outcome: 'error', provider: 'oura', errorType: 'provider_api_error', message: 'oura said no & left' }))
      .toBe('https://study.example/done?pid=7&state=error&error_type=provider_api_error&error=oura%20said%20no%20%26%20left&provider=oura');
    expect(buildRedirectUrl('myapp://cb#frag', { outcome: 'exit', provider: null, errorType: 'user_cancelled', message: null }))
      .toBe('myapp://cb?state=error&error_type=user_cancelled&error=the%20user%20cancelled%20the%20connection#frag');
    expect(buildRedirectUrl('https://x.example/?', { outcome: 'success', provider: 'oura', errorType: null, message: null }))
      .toBe('https://x.example/?state=success&provider=oura');
  });

  it('refuses script URLs', () => {
    expect(isSafeRedirect('https://study.example/done')).toBe(true);
    expect(isSafeRedirect('myapp://callback')).toBe(true);
    expect(isSafeRedirect('javascript:alert(1)')).toBe(false);
    expect(isSafeRedirect('data:text/html,hi')).toBe(false);
    expect(isSafeRedirect('not a url')).toBe(false);
  });
});
