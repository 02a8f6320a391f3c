/** The standalone page's return trip: Vital's `redirect_url?state=...` convention. */
import type { Outcome } from './machine';

export interface RedirectResult {
  outcome: Outcome;
  provider: string | null;
  errorType: string | null;
  message: string | null;
}

const enc = encodeURIComponent;

/**
 * `redirect_url` + `?state=success&provider=…` or `?state=error&error_type=…&error=…&provider=…`
 * (joined with `&` when the URL already has a query; a fragment stays last). A cancelled flow is
 * reported as Vital does: `state=error&error_type=user_cancelled`.
 */
export function buildRedirectUrl(redirectUrl: string, r: RedirectResult): string {
  const hashAt = redirectUrl.indexOf('#');
  const base = hashAt >= 0 ? redirectUrl.slice(0, hashAt) : redirectUrl;
  const hash = hashAt >= 0 ? redirectUrl.slice(hashAt) : '';
  const params: [string, string][] = [];
  if (r.outcome === 'success') {
    params.push(['state', 'success']);
  } else {
    const type = r.outcome === 'exit' ? 'user_cancelled' : (r.errorType ?? 'unknown_error');
    params.push(['state', 'error'], ['error_type', type]);
    params.push(['error', r.message ?? (r.outcome === 'exit' ? 'the user cancelled the connection' : 'the connection did not complete')]);
  }
  if (r.provider) params.push(['provider', r.provider]);
  const query = params.map(([k, v]) => `${k}=${enc(v)}`).join('&');
  const sep = !base.includes('?') ? '?' : /[?&]$/.test(base) ? '' : '&';
  return `${base}${sep}${query}${hash}`;
}

/** Only navigations that cannot run script in this page: http(s) and app URL schemes. */
export function isSafeRedirect(url: string): boolean {
  try {
    const u = new URL(url);
    return !['javascript:', 'data:', 'vbscript:', 'blob:', 'file:'].includes(u.protocol);
  } catch {
    return false;
  }
}
