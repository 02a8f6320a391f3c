/** Formatting helpers for the console (dates are local calendar days). */
import type { Connection, Counts } from './types';

const nf = new Intl.NumberFormat('en-US');

export function num(n: number): string {
  return nf.format(Math.round(n));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** "31 sleeps · 30 days · 8,275 HR samples", or "No data yet". A sleep is a sleep session,
 * naps included, so a month can hold more sleeps than nights. */
export function formatCounts(c: Counts | null | undefined): string {
  if (!c) return 'No data yet';
  const parts: string[] = [];
  if (c.sleep) parts.push(plural(c.sleep, 'sleep'));
  if (c.activity) parts.push(plural(c.activity, 'day'));
  if (c.heartrate) parts.push(plural(c.heartrate, 'HR sample'));
  if (!parts.length && c.workouts) parts.push(plural(c.workouts, 'workout'));
  return parts.length ? parts.join(' · ') : 'No data yet';
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then a date. */
export function relativeTime(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return 'Never';
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hr = Math.round(m / 60);
  if (hr < 24) return `${hr} h ago`;
  const d = Math.round(hr / 24);
  if (d === 1) return 'yesterday';
  if (d < 14) return `${d} days ago`;
  return ymd(new Date(ms));
}

/** "in 5 min", "in 23 h", "in 3 days" for a time ahead; relativeTime for one past. */
export function untilTime(ms: number, now = Date.now()): string {
  const s = Math.round((ms - now) / 1000);
  if (s <= 0) return relativeTime(ms, now);
  if (s < 60) return 'in under a minute';
  const m = Math.round(s / 60);
  if (m < 60) return `in ${m} min`;
  const hr = Math.round(m / 60);
  if (hr < 48) return `in ${hr} h`;
  return `in ${Math.round(hr / 24)} days`;
}

/** "2026-12-02 20:58" (local, 24-hour): one unambiguous form everywhere (issue 19). */
export function absoluteTime(ms: number): string {
  const d = new Date(ms);
  return `${ymd(d)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The most recent sync over a participant's connections. */
export function lastSync(conns: Connection[]): number | null {
  let best: number | null = null;
  for (const c of conns) if (c.last_sync_at !== null && c.last_sync_at !== undefined && (best === null || c.last_sync_at > best)) best = c.last_sync_at;
  return best;
}

/**
 * A participant id short enough for a sentence (toasts, dialog titles): the first and last
 * characters with "…" between, so "P-001" stays whole and a 256-character id stays one line.
 */
export function shortId(id: string, max = 32): string {
  const chars = [...id];
  if (chars.length <= max) return id;
  const tail = Math.max(4, Math.floor((max - 1) / 3));
  return `${chars.slice(0, max - 1 - tail).join('')}…${chars.slice(-tail).join('')}`;
}

/** YYYY-MM-DD of a local date. */
export function ymd(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Local midnight of a YYYY-MM-DD. */
export function parseYmd(s: string): Date {
  const [y, m, d] = s.split('-').map(Number);
  return new Date(y, (m ?? 1) - 1, d ?? 1);
}

export function addDays(s: string, days: number): string {
  const d = parseYmd(s);
  d.setDate(d.getDate() + days);
  return ymd(d);
}

/** The last `days` days ending today: from = today − (days − 1). */
export function lastDays(days: number, today = new Date()): { from: string; to: string } {
  const to = ymd(today);
  return { from: addDays(to, -(days - 1)), to };
}

export function daysBetween(from: string, to: string): number {
  return Math.round((parseYmd(to).getTime() - parseYmd(from).getTime()) / 86_400_000) + 1;
}

/** "2026-11-03 – 2026-12-02" */
export function formatRange(from: string, to: string): string {
  return `${ymd(parseYmd(from))} – ${ymd(parseYmd(to))}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "Tue 2026-11-03" */
export function formatDay(s: string): string {
  const d = parseYmd(s);
  return `${WEEKDAYS[d.getDay()]} ${ymd(d)}`;
}

/** The placeholder and pattern of every date field: the form the labels use too. */
export const DATE_PLACEHOLDER = 'yyyy-mm-dd';
export const DATE_PATTERN = '\\d{4}-\\d{2}-\\d{2}';

/** A real calendar day written yyyy-mm-dd. */
export function isYmd(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  return ymd(parseYmd(s)) === s;
}

/** 27000 s → "7 h 30 min" */
export function hoursMinutes(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const m = Math.round(seconds / 60);
  const h = Math.floor(m / 60);
  return h ? `${h} h ${String(m % 60).padStart(2, '0')} min` : `${m} min`;
}

/** One display name per provider: the shared table (src/shared/providers.ts). */
export { providerName } from '../shared/providers';

export function providerLogo(apiBase: string, slug: string): string {
  return `${apiBase.replace(/\/+$/, '')}/v2/providers/${encodeURIComponent(slug)}/logo.svg`;
}
