import { describe, expect, it, vi } from 'vitest';
import { renderParticipants, type TableContext } from './participants';
import { connected, participant } from '../test/fixtures';

const ctx = (extra: Partial<TableContext> = {}): TableContext => ({
  apiBase: 'http://127.0.0.1:8484', selectedUserId: null, syncing: new Set(), progress: new Map(), now: Date.now(), ...extra,
});

function table() {
  const t = document.createElement('table');
  const tbody = t.createTBody();
  document.body.replaceChildren(t);
  return tbody;
}

describe('participants table', () => {
  it('renders one row per participant with status pills, last sync and counts', () => {
    const tbody = table();
    const act = { select: vi.fn(), connect: vi.fn(), sync: vi.fn() };
    renderParticipants(tbody, [
      participant('P-002', { connections: [connected(2, 'reauth_required', null)] }),
      participant('P-001', {
        connections: [connected(1)],
        counts: { sleep: 31, activity: 30, workouts: 8, heartrate: 8275, hrv: 400, raw: 90 },
      }),
      participant('P-003'),
    ], ctx({ selectedUserId: 'uid-P-001' }), act);

    const rows = [...tbody.querySelectorAll<HTMLTableRowElement>('tr[data-user]')];
    expect(rows.map((r) => r.dataset.user)).toEqual(['P-001', 'P-002', 'P-003']);
    const p1 = rows[0];
    expect(p1.classList.contains('selected')).toBe(true);
    expect(p1.querySelector('.provider-status')!.textContent).toBe('connected');
    expect(p1.querySelector('.provider-status')!.classList.contains('status-connected')).toBe(true);
    expect(p1.querySelector<HTMLImageElement>('.conn img')!.getAttribute('src')).toBe('http://127.0.0.1:8484/v2/providers/oura/logo.svg');
    expect(p1.querySelector('.last-sync')!.textContent).toBe('5 min ago');
    expect(p1.querySelector('.counts')!.textContent).toBe('31 nights · 30 days · 8,275 HR samples');
    expect(rows[1].querySelector('.provider-status')!.textContent).toBe('reauth_required');
    expect(rows[1].querySelector('.last-sync')!.textContent).toBe('Never');
    expect(rows[2].querySelector('.provider-status')).toBeNull();
    expect(rows[2].querySelector('.counts')!.textContent).toBe('No data yet');
    expect(rows[2].querySelector<HTMLButtonElement>('.sync-btn')!.disabled).toBe(true);
  });

  it('row click selects; Connect and Sync act without selecting twice', () => {
    const tbody = table();
    const act = { select: vi.fn(), connect: vi.fn(), sync: vi.fn() };
    const p = participant('P-001', { connections: [connected(1)] });
    renderParticipants(tbody, [p], ctx(), act);
    tbody.querySelector<HTMLElement>('tr[data-user="P-001"]')!.click();
    expect(act.select).toHaveBeenCalledWith(p);
    tbody.querySelector<HTMLElement>('.connect-btn')!.click();
    expect(act.connect).toHaveBeenCalledWith(p);
    tbody.querySelector<HTMLElement>('.sync-btn')!.click();
    expect(act.sync).toHaveBeenCalledWith(p);
    expect(act.select).toHaveBeenCalledTimes(1);
  });

  it('shows live sync progress beside the pill', () => {
    const tbody = table();
    renderParticipants(tbody, [participant('P-001', { connections: [connected(7, 'syncing')] })],
      ctx({ progress: new Map([[7, { resource: 'sleep', done: 2, total: 5 }]]) }), { select: vi.fn(), connect: vi.fn(), sync: vi.fn() });
    expect(tbody.querySelector('.provider-status')!.textContent).toBe('syncing');
    expect(tbody.querySelector('.conn-progress')!.textContent).toBe('sleep 2/5');
  });

  it('has an empty state', () => {
    const tbody = table();
    renderParticipants(tbody, [], ctx(), { select: vi.fn(), connect: vi.fn(), sync: vi.fn() });
    expect(tbody.querySelector('tr[data-user]')).toBeNull();
    expect(tbody.textContent).toContain('No participants yet');
  });
});
