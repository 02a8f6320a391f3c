import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { $, fakeLinkApi, linkState, until } from '../test/fake-link-api';
import { connected, hrSeries, info, participant, sleepDoc, user } from '../test/fixtures';
import type { AppEvent, Participant } from './types';

vi.mock('uplot', async () => ({ default: (await import('../test/fake-uplot')).FakeUPlot }));
vi.mock('./api', async (importOriginal) => {
  const real = await importOriginal<typeof import('./api')>();
  return {
    ...real,
    appInfo: vi.fn(),
    listParticipants: vi.fn(),
    addUser: vi.fn(),
    createLinkToken: vi.fn(),
    userData: vi.fn(),
    syncNow: vi.fn(),
    onAppEvent: vi.fn(),
    deleteUser: vi.fn(),
    importParticipants: vi.fn(),
    planParticipantImport: vi.fn(),
    updateParticipant: vi.fn(),
  };
});

const api = await import('./api');
const { startConsole } = await import('./app');
const { lastDays } = await import('./format');

const m = {
  appInfo: vi.mocked(api.appInfo),
  listParticipants: vi.mocked(api.listParticipants),
  addUser: vi.mocked(api.addUser),
  createLinkToken: vi.mocked(api.createLinkToken),
  userData: vi.mocked(api.userData),
  syncNow: vi.mocked(api.syncNow),
  onAppEvent: vi.mocked(api.onAppEvent),
};

let people: Participant[];
let emitEvent: (e: AppEvent) => void;
let handle: Awaited<ReturnType<typeof startConsole>>;

beforeEach(() => {
  // jsdom has no layout, so its scrollTo only prints "not implemented"; the window has one.
  vi.spyOn(window, 'scrollTo').mockImplementation(() => {});
  people = [
    participant('P-001', { connections: [connected(1)], counts: { sleep: 31, activity: 30, workouts: 8, heartrate: 8275, hrv: 0, raw: 0 } }),
    participant('P-002'),
  ];
  m.appInfo.mockResolvedValue(info);
  m.listParticipants.mockImplementation(async () => structuredClone(people));
  m.userData.mockImplementation((async (_u: string, kind: string) => {
    switch (kind) {
      case 'sleep':
        return { sleep: [sleepDoc('2026-11-01'), sleepDoc('2026-11-02')] };
      case 'activity':
        return { activity: [{ calendar_date: '2026-11-01', steps: 8000 }, { calendar_date: '2026-11-02', steps: 9000 }, { calendar_date: '2026-11-03', steps: 4000 }] };
      case 'workouts':
        return { workouts: [{ calendar_date: '2026-11-02', time_start: '2026-11-02T07:00:00Z', time_end: '2026-11-02T07:45:00Z', sport: { name: 'Running', slug: 'running' }, calories: 420, distance: 6400 }] };
      default:
        return hrSeries('2026-11-01T00:00:00Z', 100);
    }
  }) as never);
  m.onAppEvent.mockImplementation(async (h) => {
    emitEvent = h;
    return () => undefined;
  });
  document.body.replaceChildren();
});

afterEach(() => {
  handle?.dispose();
  handle = null;
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

async function start() {
  const root = document.createElement('div');
  document.body.append(root);
  handle = await startConsole(root);
  return root;
}

describe('console', () => {
  it('shows the environment, the API address and the participants', async () => {
    await start();
    expect($('#env-badge')!.textContent).toBe('Sandbox');
    expect($('#api-addr')!.textContent).toBe('http://127.0.0.1:8484');
    const rows = document.querySelectorAll('#participants tr[data-user]');
    expect([...rows].map((r) => r.getAttribute('data-user'))).toEqual(['P-001', 'P-002']);
    expect($('tr[data-user="P-001"] .counts')!.textContent).toBe('31 sleeps · 30 days · 8,275 HR samples');
    expect($('#participant-view')!.hidden).toBe(true);
  });

  it('says where it runs when the core is unreachable', async () => {
    m.appInfo.mockRejectedValue('window.__TAURI_INTERNALS__ is undefined');
    await start();
    expect($('#console-error')!.textContent).toContain('runs inside the desktop app');
  });

  it('adds a participant and selects it', async () => {
    await start();
    m.addUser.mockImplementation(async (id) => {
      const p = participant(id);
      people.push(p);
      return user(p.user_id, id);
    });
    const input = $<HTMLInputElement>('#new-participant')!;
    input.value = ' P-014 ';
    $('#add-participant')!.click();
    await until(() => $('tr[data-user="P-014"].selected'));
    expect(m.addUser).toHaveBeenCalledWith('P-014');
    expect(input.value).toBe('');
    expect($('#participant-view')!.hidden).toBe(false);
    expect($('#participant-title')!.textContent).toBe('P-014');
  });

  it('shows a duplicate participant error inline', async () => {
    await start();
    m.addUser.mockRejectedValue(new api.CommandError('duplicate_user', 'a user with client_user_id "P-001" already exists'));
    $<HTMLInputElement>('#new-participant')!.value = 'P-001';
    $('#add-participant')!.click();
    await until(() => !$('#add-error')!.hidden);
    expect($('#add-error')!.textContent).toBe('a user with client_user_id "P-001" already exists');
    expect($('#new-participant')!.getAttribute('aria-invalid')).toBe('true');
  });

  it('Connect a device without a selection focuses the input and hints', async () => {
    await start();
    $('#connect-device')!.click();
    await Promise.resolve();
    expect($('#connect-hint')!.hidden).toBe(false);
    expect(document.activeElement).toBe($('#new-participant'));
    expect(m.createLinkToken).not.toHaveBeenCalled();
    expect($('.vlink-overlay')).toBeNull();
  });

  it('selecting a row opens the participant view with counts and charts for the last 30 days', async () => {
    await start();
    $('tr[data-user="P-001"]')!.click();
    await until(() => $('#sleeps-count')!.textContent !== '–');
    const { from, to } = lastDays(30);
    expect(m.userData).toHaveBeenCalledWith('uid-P-001', 'sleep', from, to);
    expect(m.userData).toHaveBeenCalledWith('uid-P-001', 'heartrate', from, to);
    expect($('#sleeps-count')!.textContent).toBe('2');
    expect($('#days-count')!.textContent).toBe('3');
    expect($('#hr-count')!.textContent).toBe('100');
    expect($('#hr-count')!.dataset.value).toBe('100');
    for (const id of ['#chart-sleep', '#chart-activity', '#chart-heartrate']) {
      expect(Number($(id)!.getAttribute('data-points'))).toBeGreaterThan(0);
      expect($(`${id} canvas`)).not.toBeNull();
    }
    expect($('#workouts')!.textContent).toContain('Running');
    expect($('#range-30')!.classList.contains('active')).toBe(true);

    m.userData.mockClear();
    $('#range-7')!.click();
    await until(() => m.userData.mock.calls.length === 5);
    const seven = lastDays(7);
    expect(m.userData).toHaveBeenCalledWith('uid-P-001', 'activity', seven.from, seven.to);
    expect($('#range-7')!.getAttribute('aria-pressed')).toBe('true');
  });

  it('refreshes the table when the core reports progress', async () => {
    await start();
    expect(m.listParticipants).toHaveBeenCalledTimes(1);
    people[0].connections[0].status = 'syncing';
    emitEvent({ type: 'sync_progress', connection_id: 1, resource: 'sleep', done: 1, total: 4 });
    await until(() => $('tr[data-user="P-001"] .provider-status')?.textContent === 'syncing', 3000);
    people[0].connections[0].status = 'connected';
    emitEvent({ type: 'sync_finished', connection_id: 1, status: 'connected' });
    await until(() => $('tr[data-user="P-001"] .provider-status')?.textContent === 'connected', 3000);
    expect(m.listParticipants.mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it('connects a device through the link widget overlay and shows the participant after success', async () => {
    const link = fakeLinkApi();
    vi.stubGlobal('fetch', link.fetch);
    m.createLinkToken.mockResolvedValue({ link_token: 'vlt_console', link_web_url: 'http://127.0.0.1:8484/link/?token=vlt_console' });
    await start();
    $('tr[data-user="P-002"] .connect-btn')!.click();
    await until(() => $('.vlink-overlay #agreement'));
    expect(m.createLinkToken).toHaveBeenCalledWith('uid-P-002');
    expect(link.calls[0]).toMatchObject({ path: '/v2/link/state', token: 'vlt_console' });
    const [url] = vi.mocked(link.fetch).mock.calls[0];
    expect(String(url)).toBe('http://127.0.0.1:8484/v2/link/state');

    $('#agree-continue')!.click();
    await until(() => $('.provider[data-slug="oura"]'));
    link.setStates([{ status: 200, body: linkState({ state: 'success', provider: 'oura' }) }]);
    people[1].connections.push(connected(9));
    const before = m.listParticipants.mock.calls.length;
    $('.provider[data-slug="oura"]')!.click();
    await until(() => $('#link-result[data-state="success"]'), 3000);
    await until(() => m.listParticipants.mock.calls.length > before);
    await until(() => $('tr[data-user="P-002"].selected'));
    expect($('tr[data-user="P-002"] .provider-status')!.textContent).toBe('connected');
    expect($('#participant-view')!.hidden).toBe(false);
    expect($('#participant-title')!.textContent).toBe('P-002');

    $('#link-done')!.click();
    expect($('.vlink-overlay')).toBeNull();
  });

  it('syncs one participant and reports the outcome', async () => {
    m.syncNow.mockResolvedValue([{ connection_id: 1, provider: 'oura', pages: 3, written: { summaries_written: 4, samples_written: 288 }, status: 'connected', errors: [], next_sync_at: null }]);
    await start();
    $('tr[data-user="P-001"] .sync-btn')!.click();
    await until(() => $('.toast'));
    expect(m.syncNow).toHaveBeenCalledWith('uid-P-001');
    expect($('.toast')!.textContent).toContain('P-001: synced 1 connection, 292 new records.');
  });

  it('removes a participant only after a dialog naming them (data deleted, tokens revoked)', async () => {
    await start();
    m.listParticipants.mockClear();
    $('tr[data-user="P-001"] .remove-btn')!.click();
    await until(() => $('#remove-dialog'));
    const text = $('#remove-dialog')!.textContent!;
    expect(text).toContain('Remove P-001?');
    expect(text).toContain('deleted');
    expect(text).toContain('revoked (Oura)');
    $('#remove-dialog-cancel')!.click();
    expect(vi.mocked(api.deleteUser)).not.toHaveBeenCalled();
    $('tr[data-user="P-001"] .remove-btn')!.click();
    await until(() => $('#remove-dialog-confirm'));
    people = people.filter((p) => p.client_user_id !== 'P-001');
    $('#remove-dialog-confirm')!.click();
    await until(() => !$('tr[data-user="P-001"]'));
    expect(vi.mocked(api.deleteUser)).toHaveBeenCalledWith('uid-P-001');
  });

  it("edits a participant's cohort and notes in place; a failed save keeps the form", async () => {
    const update = vi.mocked(api.updateParticipant);
    await start();
    $('tr[data-user="P-001"]')!.click();
    await until(() => $('#pv-edit'));
    expect($('#pv-edit')!.textContent).toBe('Add cohort or notes');
    $('#pv-edit')!.click();
    update.mockRejectedValueOnce({ code: 'not_found', message: 'no user with id "uid-P-001"', status: 404 });
    $<HTMLInputElement>('#pv-cohort')!.value = ' B ';
    $<HTMLInputElement>('#pv-notes')!.value = 'prefers evenings';
    $('#pv-info-save')!.click();
    await until(() => $('.toast.error'));
    expect($('.toast.error')!.textContent).toContain('Could not save P-001');
    expect($('#pv-info-form')).not.toBeNull();
    update.mockImplementationOnce(async (id, info) => {
      Object.assign(people[0], info);
      return user(id, 'P-001');
    });
    $('#pv-info-save')!.click();
    await until(() => $('#pv-cohort-chip'));
    expect(update).toHaveBeenLastCalledWith('uid-P-001', { cohort: 'B', notes: 'prefers evenings' });
    expect($('#pv-info-form')).toBeNull();
    expect($('#pv-cohort-chip')!.textContent).toBe('B');
    expect($('#pv-notes-text')!.textContent).toBe('prefers evenings');
    await until(() => $('tr[data-user="P-001"] .cohort-badge')?.textContent === 'B');
  });

  it('previews a CSV file, imports only on confirm, and shows what happened', async () => {
    vi.mocked(api.planParticipantImport).mockResolvedValue({
      rows: [
        { line: 2, participant_id: 'P-003', notes: null, cohort: null, action: 'add', problem: null },
        { line: 3, participant_id: 'P-001', notes: null, cohort: null, action: 'already_present', problem: null },
        { line: 4, participant_id: '', notes: null, cohort: null, action: 'skip', problem: 'empty participant_id' },
      ],
      to_add: 1, already_present: 1, skipped: 1,
    });
    vi.mocked(api.importParticipants).mockResolvedValue({ added: ['P-003'], already_present: ['P-001'], errors: [[4, 'empty participant_id']] });
    await start();
    const input = $<HTMLInputElement>('#import-file')!;
    Object.defineProperty(input, 'files', { value: [new File(['participant_id\nP-003\nP-001\n,\n'], 'p.csv', { type: 'text/csv' })], configurable: true });
    input.dispatchEvent(new Event('change'));
    await until(() => $('#import-preview'));
    expect(vi.mocked(api.importParticipants)).not.toHaveBeenCalled();
    expect($('#import-preview')!.textContent).toContain('1 participant to add');
    expect($('#import-preview tr[data-line="4"]')!.textContent).toContain('Skipped: empty participant_id');
    $<HTMLButtonElement>('#import-confirm')!.click();
    await until(() => $('#import-report'));
    expect(vi.mocked(api.importParticipants)).toHaveBeenCalledWith('participant_id\nP-003\nP-001\n,\n');
    expect($('#import-report')!.textContent).toContain('Line 4: empty participant_id');
  });

  it('refuses a CSV with an open quote before anything is imported', async () => {
    vi.mocked(api.planParticipantImport).mockRejectedValue({ code: 'invalid_csv', message: 'line 3 opens a quote that runs over 3 lines: close the quote; nothing was imported' });
    await start();
    const input = $<HTMLInputElement>('#import-file')!;
    Object.defineProperty(input, 'files', { value: [new File(['participant_id\nP-1\nP-2,"x\nP-3\n'], 'p.csv', { type: 'text/csv' })], configurable: true });
    input.dispatchEvent(new Event('change'));
    await until(() => $('#import-report'));
    expect($('#import-report')!.textContent).toContain('line 3 opens a quote');
    expect($('#import-confirm')).toBeNull();
    expect(vi.mocked(api.importParticipants)).not.toHaveBeenCalled();
  });

  it('filters, sorts by header, and moves between pages', async () => {
    await start();
    const ids = () => [...document.querySelectorAll<HTMLElement>('#participants tr[data-user]')].map((r) => r.dataset.user);
    expect(ids()).toEqual(['P-001', 'P-002']);
    $<HTMLButtonElement>('th [data-sort="participant"]')!.click();
    expect(ids()).toEqual(['P-002', 'P-001']);
    const search = $<HTMLInputElement>('#participant-filter')!;
    search.value = '002';
    search.dispatchEvent(new Event('input'));
    expect(ids()).toEqual(['P-002']);
    const status = $<HTMLSelectElement>('#status-filter')!;
    search.value = '';
    search.dispatchEvent(new Event('input'));
    status.value = 'none';
    status.dispatchEvent(new Event('change'));
    expect(ids()).toEqual(['P-002']);
    expect($('#participants-summary')!.textContent).toContain('1 shown');
    $('#nav-events')!.click();
    expect($('#page-events')!.hidden).toBe(false);
    expect($('#page-participants')!.hidden).toBe(true);
    expect($('#nav-events')!.getAttribute('aria-current')).toBe('page');
  });

  it('a sync of a participant whose only connection needs a reconnect says so', async () => {
    people[0].connections = [connected(1, 'reauth_required')];
    m.syncNow.mockResolvedValue([]);
    await start();
    $('tr[data-user="P-001"] .sync-btn')!.click();
    await until(() => $('.toast.error'));
    expect($('.toast.error')!.textContent).toContain('Oura must be reconnected');
  });
});
