import { describe, expect, it } from 'vitest';
import { connection } from '../test/fixtures';
import { addDays, daysBetween, formatCounts, hoursMinutes, lastDays, lastSync, relativeTime, ymd } from './format';

describe('console formatting', () => {
  it('summarises stored data per participant', () => {
    expect(formatCounts({ sleep: 31, activity: 30, workouts: 8, heartrate: 8275, hrv: 1, raw: 90 })).toBe('31 sleeps · 30 days · 8,275 HR samples');
    expect(formatCounts({ sleep: 1, activity: 1, workouts: 0, heartrate: 1, hrv: 0, raw: 0 })).toBe('1 sleep · 1 day · 1 HR sample');
    expect(formatCounts({ sleep: 0, activity: 0, workouts: 0, heartrate: 0, hrv: 0, raw: 0 })).toBe('No data yet');
    expect(formatCounts({ sleep: 0, activity: 0, workouts: 2, heartrate: 0, hrv: 0, raw: 2 })).toBe('2 workouts');
  });

  it('says when the last sync was', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    expect(relativeTime(null, now)).toBe('Never');
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(relativeTime(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(relativeTime(now - 26 * 3_600_000, now)).toBe('yesterday');
    expect(relativeTime(now - 4 * 86_400_000, now)).toBe('4 days ago');
    expect(lastSync([
      connection({ id: 1, provider: 'oura', status: 'connected', last_sync_at: 5 }),
      connection({ id: 2, provider: 'withings', status: 'connected', last_sync_at: 9 }),
      connection({ id: 3, provider: 'fitbit', status: 'error', last_sync_at: null }),
    ])).toBe(9);
  });

  it('computes date ranges as local calendar days', () => {
    expect(lastDays(30, new Date(2026, 10, 25))).toEqual({ from: '2026-10-27', to: '2026-11-25' });
    expect(lastDays(7, new Date(2026, 0, 3))).toEqual({ from: '2025-12-28', to: '2026-01-03' });
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(daysBetween('2026-10-27', '2026-11-25')).toBe(30);
    expect(ymd(new Date(2026, 0, 5))).toBe('2026-01-05');
    expect(hoursMinutes(27_000)).toBe('7 h 30 min');
    expect(hoursMinutes(1_500)).toBe('25 min');
  });
});

describe('untilTime', async () => {
  const { untilTime } = await import('./format');
  it('says how long until a time ahead', () => {
    const now = Date.UTC(2026, 10, 20, 12);
    expect(untilTime(now + 30_000, now)).toBe('in under a minute');
    expect(untilTime(now + 5 * 60_000, now)).toBe('in 5 min');
    expect(untilTime(now + 23 * 3_600_000, now)).toBe('in 23 h');
    expect(untilTime(now + 5 * 86_400_000, now)).toBe('in 5 days');
    expect(untilTime(now - 10 * 60_000, now)).toBe('10 min ago');
  });
});

describe('issue 19: names and ids in sentences', () => {
  it('console names follow the registry slugs (no "Whoop V2")', async () => {
    const { providerName } = await import('./format');
    expect(providerName('whoop_v2')).toBe('WHOOP');
    expect(providerName('dexcom_v3')).toBe('Dexcom');
    expect(providerName('google_health')).toBe('Google Health (Fitbit)');
  });

  it('shortens a long id for a toast, keeping both ends', async () => {
    const { shortId } = await import('./format');
    expect(shortId('P-001')).toBe('P-001');
    const s = shortId(`LONG-${'x'.repeat(246)}-END`);
    expect([...s].length).toBe(32);
    expect(s.startsWith('LONG-')).toBe(true);
    expect(s.endsWith('-END')).toBe(true);
    expect(s).toContain('…');
  });
});

describe('issue 19: one date form (yyyy-mm-dd)', () => {
  it('writes ranges, days and times in ISO form', async () => {
    const { absoluteTime, formatDay, formatRange, isYmd, relativeTime } = await import('./format');
    expect(formatRange('2026-11-03', '2026-12-02')).toBe('2026-11-03 – 2026-12-02');
    expect(formatDay('2026-11-03')).toBe('Tue 2026-11-03');
    expect(absoluteTime(new Date(2026, 11, 2, 20, 58).getTime())).toBe('2026-12-02 20:58');
    expect(relativeTime(new Date(2026, 0, 5).getTime(), new Date(2026, 11, 2).getTime())).toBe('2026-01-05');
    expect(isYmd('2026-02-29')).toBe(false);
    expect(isYmd('2028-02-29')).toBe(true);
    expect(isYmd('11/03/2026')).toBe(false);
  });

  it('date fields are text in yyyy-mm-dd whatever the locale, and flag other forms', async () => {
    const { dateInput } = await import('./date-input');
    const el = dateInput('x-from', 'From');
    expect(el.type).toBe('text');
    expect(el.placeholder).toBe('yyyy-mm-dd');
    expect(el.getAttribute('aria-label')).toBe('From (yyyy-mm-dd)');
    el.value = '11/03/2026';
    el.dispatchEvent(new Event('input'));
    expect(el.getAttribute('aria-invalid')).toBe('true');
    el.value = '2026-11-03';
    el.dispatchEvent(new Event('input'));
    expect(el.hasAttribute('aria-invalid')).toBe(false);
  });
});
