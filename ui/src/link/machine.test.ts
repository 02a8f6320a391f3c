import { describe, expect, it } from 'vitest';
import { initialScreen, resultFromState, transition, type Screen } from './machine';
import { linkState, oura, withings } from '../test/fake-link-api';

const authenticating: Screen = { name: 'authenticating', provider: oura, oauthUrl: 'http://x/authorize', cancelling: false };

describe('link state machine', () => {
  it('walks the happy path: loading → agreement → providers → starting → authenticating → success', () => {
    let s = transition(initialScreen, { type: 'token_checked', state: linkState() });
    expect(s).toEqual({ name: 'agreement' });
    s = transition(s, { type: 'agree' });
    expect(s).toEqual({ name: 'providers', providers: null });
    s = transition(s, { type: 'providers_loaded', providers: [oura, withings] });
    expect(s).toEqual({ name: 'providers', providers: [oura, withings] });
    s = transition(s, { type: 'choose', provider: oura });
    expect(s).toEqual({ name: 'starting', provider: oura });
    s = transition(s, { type: 'started', oauthUrl: 'http://x/authorize' });
    expect(s).toEqual(authenticating);
    s = transition(s, { type: 'polled', state: linkState({ state: 'pending', provider: 'oura' }) });
    expect(s).toBe(s); // still waiting
    expect(s.name).toBe('authenticating');
    s = transition(s, { type: 'polled', state: linkState({ state: 'success', provider: 'oura' }) });
    expect(s).toMatchObject({ name: 'result', outcome: 'success', provider: 'oura' });
  });

  it('maps settled heartbeat states to results', () => {
    expect(transition(authenticating, { type: 'polled', state: linkState({ state: 'error', provider: 'oura', error_type: 'provider_api_error', error: 'oura returned an error' }) }))
      .toEqual({ name: 'result', outcome: 'error', provider: 'oura', errorType: 'provider_api_error', message: 'oura returned an error', retryable: true });
    expect(transition(authenticating, { type: 'polled', state: linkState({ state: 'exited', provider: 'oura', error_type: 'user_cancelled', error: 'access was declined at oura' }) }))
      .toMatchObject({ outcome: 'exit', errorType: 'user_cancelled', message: 'access was declined at oura', retryable: true });
    expect(resultFromState(linkState({ state: 'error', error_type: 'token_expired', error: 'expired' }), 'oura'))
      .toMatchObject({ outcome: 'error', provider: 'oura', retryable: false });
  });

  it('cancel marks the screen as cancelling, and a cancelled exit drops the core wording', () => {
    const c = transition(authenticating, { type: 'cancel' });
    expect(c).toMatchObject({ name: 'authenticating', cancelling: true });
    expect(transition(c, { type: 'cancel' })).toBe(c);
    expect(transition(c, { type: 'polled', state: linkState({ state: 'exited', provider: 'oura', error_type: 'user_cancelled', error: 'the connection was cancelled' }) }))
      .toMatchObject({ name: 'result', outcome: 'exit', message: null });
    expect(transition(c, { type: 'cancelled' })).toMatchObject({ name: 'result', outcome: 'exit', errorType: 'user_cancelled', provider: 'oura' });
    // A success that won the race against Cancel is still a success.
    expect(transition(c, { type: 'polled', state: linkState({ state: 'success', provider: 'oura' }) })).toMatchObject({ outcome: 'success' });
  });

  it('a failure anywhere becomes the error result; retry returns to the provider list', () => {
    const failed = transition({ name: 'starting', provider: oura }, { type: 'failed', error: { errorType: 'no_browser', message: 'no browser', retryable: true } });
    expect(failed).toMatchObject({ name: 'result', outcome: 'error', provider: 'oura', errorType: 'no_browser' });
    expect(transition(failed, { type: 'retry' })).toEqual({ name: 'providers', providers: null });
    const tokenDead = transition({ name: 'agreement' }, { type: 'failed', error: { errorType: 'token_expired', message: 'expired', retryable: false } });
    expect(transition(tokenDead, { type: 'retry' })).toBe(tokenDead);
    const success: Screen = { name: 'result', outcome: 'success', provider: 'oura', errorType: null, message: null, retryable: false };
    expect(transition(success, { type: 'retry' })).toBe(success);
    expect(transition(success, { type: 'failed', error: { errorType: 'x', message: 'y', retryable: true } })).toBe(success);
  });

  it('on open: resumes a pending sign-in, shows a consumed or expired token, restarts after an earlier failure', () => {
    expect(transition(initialScreen, { type: 'token_checked', state: linkState({ state: 'pending', provider: 'oura' }), providers: [oura] }))
      .toEqual({ name: 'authenticating', provider: oura, oauthUrl: null, cancelling: false });
    expect(transition(initialScreen, { type: 'token_checked', state: linkState({ state: 'success', provider: 'oura' }) }))
      .toMatchObject({ name: 'result', outcome: 'success' });
    expect(transition(initialScreen, { type: 'token_checked', state: linkState({ state: 'error', error_type: 'token_expired', error: 'expired' }) }))
      .toMatchObject({ name: 'result', outcome: 'error', errorType: 'token_expired', retryable: false });
    expect(transition(initialScreen, { type: 'token_checked', state: linkState({ state: 'exited', error_type: 'user_cancelled' }) }))
      .toEqual({ name: 'agreement' });
  });

  it('ignores events that do not belong to the current screen', () => {
    expect(transition({ name: 'agreement' }, { type: 'choose', provider: oura })).toEqual({ name: 'agreement' });
    expect(transition({ name: 'providers', providers: null }, { type: 'choose', provider: oura })).toEqual({ name: 'providers', providers: null });
    expect(transition({ name: 'agreement' }, { type: 'polled', state: linkState({ state: 'success' }) })).toEqual({ name: 'agreement' });
  });
});
