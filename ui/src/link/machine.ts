/**
 * The link widget's state machine, as a pure reducer (no I/O, no DOM):
 *
 *   loading ─token_checked─▶ agreement ─agree─▶ providers ─choose─▶ starting ─started─▶ authenticating
 *   authenticating ─polled(settled)─▶ result(success|error|exit)
 *   authenticating ─cancel─▶ authenticating(cancelling) ─polled/cancelled─▶ result(exit)
 *   result(error|exit) ─retry─▶ providers
 *   any ─failed─▶ result(error)
 *
 * The widget (widget.ts) performs the requests each screen needs and feeds their outcomes back.
 */
import type { LinkProvider, LinkStateResponse } from './types';

export type Outcome = 'success' | 'error' | 'exit';

export type Screen =
  | { name: 'loading' }
  | { name: 'agreement' }
  /** `providers` null while the list loads. */
  | { name: 'providers'; providers: LinkProvider[] | null }
  | { name: 'starting'; provider: LinkProvider }
  | { name: 'authenticating'; provider: LinkProvider; oauthUrl: string | null; cancelling: boolean }
  | {
      name: 'result';
      outcome: Outcome;
      provider: string | null;
      errorType: string | null;
      message: string | null;
      /** False for errors about the token itself: the same token cannot succeed. */
      retryable: boolean;
    };

export interface FailureInfo {
  errorType: string;
  message: string;
  retryable: boolean;
}

export type LinkEvent =
  | { type: 'token_checked'; state: LinkStateResponse; providers?: LinkProvider[] }
  | { type: 'agree' }
  | { type: 'providers_loaded'; providers: LinkProvider[] }
  | { type: 'choose'; provider: LinkProvider }
  | { type: 'started'; oauthUrl: string }
  | { type: 'polled'; state: LinkStateResponse }
  | { type: 'cancel' }
  /** The exit request went through but the core had not recorded the outcome in time. */
  | { type: 'cancelled' }
  | { type: 'failed'; error: FailureInfo }
  | { type: 'retry' };

export const initialScreen: Screen = { name: 'loading' };

const SETTLED = new Set(['success', 'error', 'exited']);

export function isSettled(state: string): boolean {
  return SETTLED.has(state);
}

/** The result screen for a settled heartbeat state. */
export function resultFromState(s: LinkStateResponse, fallbackProvider: string | null): Screen {
  const provider = s.provider ?? fallbackProvider;
  if (s.state === 'success') {
    return { name: 'result', outcome: 'success', provider, errorType: null, message: null, retryable: false };
  }
  if (s.state === 'exited') {
    return {
      name: 'result',
      outcome: 'exit',
      provider,
      errorType: s.error_type ?? 'user_cancelled',
      message: s.error ?? null,
      retryable: true,
    };
  }
  const errorType = s.error_type ?? 'unknown_error';
  return {
    name: 'result',
    outcome: 'error',
    provider,
    errorType,
    message: s.error ?? 'The connection did not complete.',
    retryable: !['token_expired', 'token_consumed', 'invalid_token'].includes(errorType),
  };
}

function providerSlug(screen: Screen): string | null {
  switch (screen.name) {
    case 'starting':
    case 'authenticating':
      return screen.provider.slug;
    case 'result':
      return screen.provider;
    default:
      return null;
  }
}

function placeholderProvider(slug: string): LinkProvider {
  return { id: 0, name: slug.charAt(0).toUpperCase() + slug.slice(1), slug, description: '', logo: '' };
}

export function transition(screen: Screen, ev: LinkEvent): Screen {
  switch (ev.type) {
    case 'token_checked': {
      if (screen.name !== 'loading') return screen;
      const s = ev.state;
      if (s.state === 'pending' && s.provider) {
        // Re-opened while a browser sign-in is still open: keep waiting for it.
        const p = ev.providers?.find((x) => x.slug === s.provider) ?? placeholderProvider(s.provider);
        return { name: 'authenticating', provider: p, oauthUrl: null, cancelling: false };
      }
      if (s.state === 'success') return resultFromState(s, null);
      if (s.state === 'error' && s.error_type && ['token_expired', 'token_consumed', 'invalid_token'].includes(s.error_type)) {
        return resultFromState(s, null);
      }
      // created, or an earlier attempt that ended in error/exited: start over.
      return { name: 'agreement' };
    }
    case 'agree':
      return screen.name === 'agreement' ? { name: 'providers', providers: null } : screen;
    case 'providers_loaded':
      return screen.name === 'providers' ? { name: 'providers', providers: ev.providers } : screen;
    case 'choose':
      return screen.name === 'providers' && screen.providers ? { name: 'starting', provider: ev.provider } : screen;
    case 'started':
      return screen.name === 'starting'
        ? { name: 'authenticating', provider: screen.provider, oauthUrl: ev.oauthUrl, cancelling: false }
        : screen;
    case 'polled': {
      if (screen.name !== 'authenticating' || !isSettled(ev.state.state)) return screen;
      const next = resultFromState(ev.state, screen.provider.slug);
      // The person pressed Cancel here: the core's wording about it adds nothing.
      return screen.cancelling && next.name === 'result' && next.outcome === 'exit' ? { ...next, message: null } : next;
    }
    case 'cancel':
      return screen.name === 'authenticating' && !screen.cancelling ? { ...screen, cancelling: true } : screen;
    case 'cancelled':
      return screen.name === 'authenticating'
        ? {
            name: 'result',
            outcome: 'exit',
            provider: screen.provider.slug,
            errorType: 'user_cancelled',
            message: null,
            retryable: true,
          }
        : screen;
    case 'failed':
      if (screen.name === 'result') return screen;
      return {
        name: 'result',
        outcome: 'error',
        provider: providerSlug(screen),
        errorType: ev.error.errorType,
        message: ev.error.message,
        retryable: ev.error.retryable,
      };
    case 'retry':
      return screen.name === 'result' && screen.outcome !== 'success' && screen.retryable
        ? { name: 'providers', providers: null }
        : screen;
  }
}
