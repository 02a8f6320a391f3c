import { describe, expect, it, vi } from 'vitest';
import { cohortsOf, filterParticipants, NO_COHORT, participantStatus, renderImportReport, renderParticipants, sortParticipants, type TableContext } from './participants';
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
    expect(p1.querySelector('.counts')!.textContent).toBe('31 sleeps · 30 days · 8,275 HR samples');
    // Status labels in words; the code stays in data-status.
    expect(rows[1].querySelector('.provider-status')!.textContent).toBe('needs reconnect');
    expect(rows[1].querySelector<HTMLElement>('.provider-status')!.dataset.status).toBe('reauth_required');
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
    expect(tbody.querySelector('.conn-progress')!.textContent).toBe('Syncing Oura: sleep 2/5');
  });

  it('has an empty state', () => {
    const tbody = table();
    renderParticipants(tbody, [], ctx(), { select: vi.fn(), connect: vi.fn(), sync: vi.fn() });
    expect(tbody.querySelector('tr[data-user]')).toBeNull();
    expect(tbody.textContent).toContain('No participants yet');
  });
});

describe('filtering and sorting', () => {
  const people = [
    participant('P-10', { cohort: 'B', notes: 'left-handed', connections: [connected(1)], days: { sleep: 20, activity: 28, heartrate: 29 }, consent: { user_id: 'uid-P-10', version: '2', accepted_at: 2000, via: 'window' } }),
    participant('P-2', { cohort: 'A', connections: [connected(2, 'error')], days: { sleep: 30, activity: 30, heartrate: 30 } }),
    participant('P-3', { connections: [] }),
    participant('P-1', { cohort: 'A', connections: [{ ...connected(3, 'reauth_required'), provider: 'withings' }], consent: { user_id: 'uid-P-1', version: '1', accepted_at: 1000, via: 'link_page' } }),
  ];
  const ids = (l: typeof people) => l.map((p) => p.client_user_id);

  it('classifies a participant by the worst of their connections', () => {
    expect(people.map(participantStatus)).toEqual(['connected', 'attention', 'none', 'attention']);
    expect(participantStatus(participant('x', { connections: [connected(9, 'syncing'), connected(8)] }))).toBe('syncing');
    expect(participantStatus(participant('y', { connections: [connected(9, 'deregistered')] }))).toBe('none');
  });

  it('filters by text (all words, over ID, notes, cohort and provider), cohort and status', () => {
    expect(ids(filterParticipants(people, { text: 'left' }))).toEqual(['P-10']);
    expect(ids(filterParticipants(people, { text: 'withings' }))).toEqual(['P-1']);
    expect(ids(filterParticipants(people, { text: 'p-1 withings' }))).toEqual(['P-1']);
    expect(ids(filterParticipants(people, { cohort: 'A' }))).toEqual(['P-2', 'P-1']);
    expect(ids(filterParticipants(people, { cohort: NO_COHORT }))).toEqual(['P-3']);
    expect(ids(filterParticipants(people, { status: 'attention' }))).toEqual(['P-2', 'P-1']);
    expect(ids(filterParticipants(people, { status: 'none', cohort: 'A' }))).toEqual([]);
    expect(ids(filterParticipants(people, {}))).toEqual(ids(people));
    expect(cohortsOf(people)).toEqual(['A', 'B']);
  });

  it('sorts by each header, numerically by ID, empty values last either way', () => {
    expect(ids(sortParticipants(people, { key: 'participant', dir: 'asc' }))).toEqual(['P-1', 'P-2', 'P-3', 'P-10']);
    expect(ids(sortParticipants(people, { key: 'participant', dir: 'desc' }))).toEqual(['P-10', 'P-3', 'P-2', 'P-1']);
    expect(ids(sortParticipants(people, { key: 'cohort', dir: 'asc' }))).toEqual(['P-1', 'P-2', 'P-10', 'P-3']);
    expect(ids(sortParticipants(people, { key: 'cohort', dir: 'desc' }))).toEqual(['P-10', 'P-1', 'P-2', 'P-3']);
    expect(ids(sortParticipants(people, { key: 'status', dir: 'asc' }))).toEqual(['P-1', 'P-2', 'P-10', 'P-3']);
    expect(ids(sortParticipants(people, { key: 'data', dir: 'desc' }))).toEqual(['P-2', 'P-10', 'P-1', 'P-3']);
    expect(ids(sortParticipants(people, { key: 'consent', dir: 'desc' }))).toEqual(['P-10', 'P-1', 'P-2', 'P-3']);
    expect(ids(sortParticipants(people, { key: 'consent', dir: 'asc' }))).toEqual(['P-1', 'P-10', 'P-2', 'P-3']);
  });

  it('renders errors with their type, Reconnect for reauth, days chips and consent', () => {
    const tbody = table();
    const act = { select: vi.fn(), connect: vi.fn(), sync: vi.fn(), enrol: vi.fn(), remove: vi.fn(), check: vi.fn() };
    renderParticipants(tbody, people, ctx({ windowDays: 30, checked: new Set(['uid-P-2']) }), act, { sort: { key: 'participant', dir: 'asc' } });
    const row = (id: string) => tbody.querySelector<HTMLTableRowElement>(`tr[data-user="${id}"]`)!;
    // One plain sentence; the core's text only behind Details.
    const err = row('P-2').querySelector<HTMLElement>('.conn-error')!;
    expect(err.querySelector('.conn-error-text')!.textContent).toBe('Oura refused a request; the app will try again by itself.');
    expect(err.dataset.code).toBe('provider_api_error');
    const details = err.querySelector<HTMLElement>('.error-details')!;
    expect(details.hidden).toBe(true);
    expect(details.textContent).toBe('oura answered 503');
    err.querySelector<HTMLButtonElement>('.details-toggle')!.click();
    expect(details.hidden).toBe(false);
    expect(act.select).not.toHaveBeenCalled();
    expect(row('P-2').querySelector('.reconnect-btn')).toBeNull();
    expect(row('P-1').querySelector('.conn-error-text')!.textContent).toBe('Withings needs P-1 to sign in again.');
    row('P-1').querySelector<HTMLButtonElement>('.reconnect-btn')!.click();
    expect(act.connect).toHaveBeenCalledWith(expect.objectContaining({ client_user_id: 'P-1' }), 'withings');
    expect(act.select).not.toHaveBeenCalled();
    const chips = [...row('P-10').querySelectorAll<HTMLElement>('.day-chip')].map((c) => [c.dataset.resource, c.className.split(' ')[1], c.querySelector('b')!.textContent]);
    expect(chips).toEqual([['sleep', 'part', '20/30'], ['activity', 'full', '28/30'], ['heartrate', 'full', '29/30']]);
    expect(row('P-10').querySelector('.consent-version')!.textContent).toBe('v2');
    expect(row('P-3').querySelector('.consent')!.textContent).toBe('Not yet');
    expect(row('P-2').querySelector<HTMLInputElement>('.row-check')!.checked).toBe(true);
    row('P-3').querySelector<HTMLInputElement>('.row-check')!.click();
    expect(act.check).toHaveBeenCalledWith(expect.objectContaining({ client_user_id: 'P-3' }), true);
    row('P-3').querySelector<HTMLButtonElement>('.remove-btn')!.click();
    expect(act.remove).toHaveBeenCalledWith(expect.objectContaining({ client_user_id: 'P-3' }));
  });

  it('says when filters hide everyone', () => {
    const tbody = table();
    renderParticipants(tbody, [], ctx(), { select: vi.fn(), connect: vi.fn(), sync: vi.fn() }, { total: 4 });
    expect(tbody.textContent).toContain('No participant matches these filters');
  });
});

describe('CSV import report', () => {
  it('counts what was added, already there, and each bad line', () => {
    const el = renderImportReport({ added: ['P-1', 'P-2', 'P-3'], already_present: ['P-9'], errors: [[5, 'empty participant_id'], [8, 'unreadable line: bad quote']] });
    expect(el.dataset.added).toBe('3');
    expect(el.dataset.errors).toBe('2');
    expect(el.querySelector('strong')!.textContent).toBe('Import: 3 participants added · 1 already present · 2 lines not imported.');
    expect(el.querySelector('.import-present')!.textContent).toContain('P-9');
    expect([...el.querySelectorAll('.import-errors li')].map((li) => [li.getAttribute('data-line'), li.textContent])).toEqual([
      ['5', 'Line 5: empty participant_id'], ['8', 'Line 8: unreadable line: bad quote'],
    ]);
    expect(el.classList.contains('warn')).toBe(true);
  });
  it('is a success when every line went in, an error when nothing did', () => {
    expect(renderImportReport({ added: ['a'], already_present: [], errors: [] }).classList.contains('ok')).toBe(true);
    expect(renderImportReport({ added: [], already_present: [], errors: [[2, 'x']] }).classList.contains('error')).toBe(true);
  });
});

describe('issue 19: row errors and long ids', () => {
  it('says when a failed provider is retried (next_sync_at), with the technical text behind Details', () => {
    const tbody = table();
    const at = new Date(2026, 11, 2, 20, 58).getTime();
    const c = { ...connected(4, 'error'), error_type: 'provider_unavailable', error_message: 'oura: sleep: oura sleep 2026-12-01..2026-12-03: the provider answered 500; it will be retried', next_sync_at: at };
    renderParticipants(tbody, [participant('P-001', { connections: [c] })], ctx({ now: at - 10 * 60_000 }), { select: vi.fn(), connect: vi.fn(), sync: vi.fn() });
    const err = tbody.querySelector('.conn-error')!;
    expect(err.querySelector('.conn-error-text')!.textContent).toBe("Oura's server failed; retrying at 20:58.");
    expect(err.querySelector('.conn-error-text')!.textContent).not.toContain('500');
    expect(err.querySelector('.error-details')!.textContent).toContain('the provider answered 500');
    expect(tbody.querySelector('.provider-status')!.textContent).toBe('sync failed');
  });

  it('keeps a 256-character id on one clamped line with the whole id as its tooltip', () => {
    const tbody = table();
    const id = `L${'x'.repeat(254)}Z`;
    renderParticipants(tbody, [participant(id, { cohort: 'C'.repeat(40) })], ctx(), { select: vi.fn(), connect: vi.fn(), sync: vi.fn() });
    const text = tbody.querySelector<HTMLElement>('.participant-id .pid-text')!;
    expect(text.textContent).toBe(id);
    expect(text.title).toBe(id);
    // The badge is a sibling of the clamped text, not inside it.
    expect(text.querySelector('.cohort-badge')).toBeNull();
  });
});
