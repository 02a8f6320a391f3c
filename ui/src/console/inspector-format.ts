/** Pure formatting for the QA inspector (exchanges are already redacted by the core). */
import type { Exchange, Faults } from './types';

export type StatusClass = 'ok' | 'redirect' | 'client' | 'server' | 'failed';

export function statusClass(e: Pick<Exchange, 'status' | 'error'>): StatusClass {
  const s = e.status;
  if (s === null || s === undefined) return 'failed';
  if (s >= 500) return 'server';
  if (s >= 400) return 'client';
  if (s >= 300) return 'redirect';
  return e.error ? 'failed' : 'ok';
}

export function statusText(e: Pick<Exchange, 'status' | 'error'>): string {
  if (e.status === null || e.status === undefined) return e.error ? 'failed' : '—';
  return String(e.status);
}

export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** 14:03:27.120, local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Host, and path with query, of a URL (the whole string if it does not parse). */
export function splitUrl(url: string): { host: string; path: string } {
  try {
    const u = new URL(url);
    return { host: u.host, path: `${u.pathname}${u.search}` };
  } catch {
    return { host: '', path: url };
  }
}

/**
 * A body as it reads best: JSON indented, a form body one `key=value` per line, anything else
 * as it came. `kind` says which it was.
 */
export function prettyBody(body: string | null | undefined): { kind: 'empty' | 'json' | 'form' | 'text'; text: string } {
  if (body === null || body === undefined || body === '') return { kind: 'empty', text: '' };
  const trimmed = body.trim();
  // The core appends "… (N bytes in all)" to truncated bodies.
  const cut = /… \(\d+ bytes in all\)$/.exec(trimmed);
  const core = cut ? trimmed.slice(0, cut.index) : trimmed;
  if (core.startsWith('{') || core.startsWith('[')) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(core), null, 2) + (cut ? `\n${cut[0]}` : '') };
    } catch {
      /* not JSON after all */
    }
  }
  if (/^[^\s=&]+=[^\s]*(&[^\s=&]+=[^\s]*)*$/.test(core)) {
    const lines = core.split('&').map((pair) => {
      const i = pair.indexOf('=');
      const dec = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      return i < 0 ? dec(pair) : `${dec(pair.slice(0, i))} = ${dec(pair.slice(i + 1))}`;
    });
    return { kind: 'form', text: lines.join('\n') + (cut ? `\n${cut[0]}` : '') };
  }
  return { kind: 'text', text: body };
}

/** `Name: value` lines. */
export function headerLines(headers: [string, string][] | null | undefined): string {
  return (headers ?? []).map(([k, v]) => `${k}: ${v}`).join('\n');
}

export const KIND_LABEL: Record<string, string> = { data: 'API', api: 'API', token: 'Token', revoke: 'Revoke', forward: 'Forward' };

// ── Fault switches ──────────────────────────────────────────────────────────────────────

export const NO_FAULTS: Faults = {
  deny_consent: false, expire_code: false, invalid_grant: false, rate_limit_retry_after: null, server_error: false,
  malformed_json: false, slow_ms: null, drop_connection: false, after_pages: null, fault_count: null,
  access_token_ttl: null,
};

export interface FaultField {
  key: keyof Faults;
  label: string;
  hint: string;
  kind: 'bool' | 'number';
  unit?: string;
  group: 'Sign-in' | 'Data' | 'Tokens';
}

export const FAULT_FIELDS: FaultField[] = [
  { key: 'deny_consent', label: 'Deny consent', hint: 'The consent page answers as if the participant pressed Deny.', kind: 'bool', group: 'Sign-in' },
  { key: 'expire_code', label: 'Expire authorization codes', hint: 'Codes are issued already expired: the token exchange fails.', kind: 'bool', group: 'Sign-in' },
  { key: 'invalid_grant', label: 'invalid_grant on every grant', hint: 'The token endpoint refuses codes and refresh tokens: the connection needs a reconnect.', kind: 'bool', group: 'Tokens' },
  { key: 'access_token_ttl', label: 'Access token lifetime', hint: 'Issued tokens expire after this many seconds (empty: the provider’s own).', kind: 'number', unit: 's', group: 'Tokens' },
  { key: 'server_error', label: 'Server error (500)', hint: 'Data routes answer 500.', kind: 'bool', group: 'Data' },
  { key: 'malformed_json', label: 'Malformed JSON', hint: 'Data routes answer 200 with a truncated body.', kind: 'bool', group: 'Data' },
  { key: 'rate_limit_retry_after', label: 'Rate limit (429), Retry-After', hint: 'Data routes answer 429 with this Retry-After.', kind: 'number', unit: 's', group: 'Data' },
  { key: 'slow_ms', label: 'Slow responses', hint: 'Data routes wait this long before answering.', kind: 'number', unit: 'ms', group: 'Data' },
  { key: 'after_pages', label: 'Only after N good pages', hint: 'The data faults start after this many successful data responses.', kind: 'number', unit: 'pages', group: 'Data' },
];

/** The switches that are on, as short labels ("server_error", "slow 800 ms"). */
export function activeFaults(f: Faults | null | undefined): string[] {
  if (!f) return [];
  const out: string[] = [];
  for (const field of FAULT_FIELDS) {
    const v = f[field.key];
    if (field.kind === 'bool' ? v === true : v !== null && v !== undefined) {
      out.push(field.kind === 'bool' ? String(field.key) : `${field.key} ${v}${field.unit ? ` ${field.unit}` : ''}`);
    }
  }
  return out;
}

/** Reads a number field: empty is null; anything else must be a whole number ≥ 0. */
export function parseFaultNumber(raw: string): number | null | 'invalid' {
  const t = raw.trim();
  if (!t) return null;
  if (!/^\d+$/.test(t)) return 'invalid';
  return Number(t);
}
