/** The console: header, navigation and the pages (participants, data, export, inspector, events, settings). */
import { dateInput } from './date-input';
import { h, svg } from '../shared/dom';
import { brandMark, icons } from '../shared/icons';
import * as api from './api';
import { heatLegend, renderHeatmap } from './coverage';
import { confirmDialog } from './dialog';
import { startEnrol } from './enrol';
import { EventsPage } from './events';
import { ExportPage } from './export';
import { daysBetween, formatRange, lastDays, plural, providerName, shortId } from './format';
import { InspectorPage } from './inspector';
import { openLinkOverlay } from './link-overlay';
import { ParticipantView } from './participant-view';
import {
  cohortsOf, filterParticipants, NO_COHORT, renderImportPreview, renderImportReport, renderParticipants, STATUS_FILTERS,
  type Filter, type Sort, type SortKey, type SyncProgress, type TableActions,
} from './participants';
import { SettingsPage } from './settings';
import { toast } from './toast';
import { explain, type Explained } from '../shared/messages';
import type { AppEvent, AppInfo, Participant, SyncReport } from './types';

export type PageName = 'participants' | 'data' | 'export' | 'inspector' | 'events' | 'settings';

export const PAGES: { name: PageName; label: string; icon: string }[] = [
  { name: 'participants', label: 'Participants', icon: icons.users },
  { name: 'data', label: 'Data', icon: icons.chart },
  { name: 'export', label: 'Export', icon: icons.download },
  { name: 'inspector', label: 'Inspector', icon: icons.inspect },
  { name: 'events', label: 'Events', icon: icons.list },
  { name: 'settings', label: 'Settings', icon: icons.gear },
];

export const DEFAULT_WINDOW_DAYS = 30;

export interface ConsoleHandle {
  refresh(): Promise<void>;
  select(userId: string): void;
  connect(p: Participant, provider?: string): Promise<void>;
  show(page: PageName): void;
  readonly page: PageName;
  readonly participants: Participant[];
  readonly selectedUserId: string | null;
  readonly checked: Set<string>;
  readonly view: ParticipantView;
  dispose(): void;
}

export async function startConsole(root: HTMLElement): Promise<ConsoleHandle | null> {
  let info: AppInfo;
  try {
    info = await api.appInfo();
  } catch (e) {
    const err = api.toCommandError(e);
    root.replaceChildren(
      h('div', { class: 'fatal', id: 'console-error' },
        h('span', { class: 'fatal-mark' }, svg(brandMark)),
        h('h1', {}, 'The Vital Link console runs inside the desktop app'),
        h('p', {}, 'It could not reach the app’s core: ', h('code', {}, err.message)),
        h('p', { class: 'muted' }, 'Start Vital Link Desktop, or use the command line (vital-link --help).')),
    );
    return null;
  }

  let participants: Participant[] = [];
  let selectedUserId: string | null = null;
  let page: PageName = 'participants';
  const syncing = new Set<string>();
  const checked = new Set<string>();
  const progress = new Map<number, SyncProgress>();
  const filter: Filter = { text: '', cohort: '', status: '' };
  let sort: Sort = { key: 'participant', dir: 'asc' };
  const today = () => (info.today ? new Date(`${info.today}T12:00:00`) : new Date());
  let studyWindow = lastDays(DEFAULT_WINDOW_DAYS, today());
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let viewTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  let pinSet = false;

  // ── Header ──────────────────────────────────────────────────────────────────────────
  const sandbox = info.environment === 'sandbox';
  const header = h('header', { class: 'topbar' },
    h('div', { class: 'brand' }, svg(brandMark), h('span', { class: 'brand-name' }, 'Vital Link'),
      h('span', {
        id: 'env-badge', class: `env-badge ${sandbox ? 'sandbox' : 'production'}`,
        title: sandbox ? 'Sandbox: test providers with synthetic data' : 'Production: real provider accounts',
      }, sandbox ? 'Sandbox' : 'Production')),
    h('div', { class: 'topbar-meta' },
      h('span', { class: 'meta-item', title: 'The local Vital-compatible API' },
        h('span', { class: 'meta-label' }, 'API'), h('code', { id: 'api-addr' }, info.api_base)),
      h('span', { class: 'meta-item', title: info.data_dir },
        h('span', { class: 'meta-label' }, 'History'), `${info.history_days} days`),
      h('span', { class: 'meta-item muted' }, `v${info.version}`)),
    h('button', { class: 'vl-btn', id: 'sync-all', type: 'button', onclick: () => void syncAll() }, svg(icons.sync), 'Sync all'));

  // ── Navigation ────────────────────────────────────────────────────────────────────────
  const navButtons = new Map<PageName, HTMLButtonElement>();
  const navBadges = new Map<PageName, HTMLElement>();
  const nav = h('nav', { class: 'sidebar', id: 'nav', 'aria-label': 'Console' },
    PAGES.map((p) => {
      const badge = h('span', { class: 'nav-badge', hidden: true });
      const b = h('button', { class: 'nav-item', type: 'button', id: `nav-${p.name}`, 'data-page': p.name, onclick: () => show(p.name) },
        svg(p.icon), h('span', {}, p.label), badge);
      navButtons.set(p.name, b);
      navBadges.set(p.name, badge);
      return b;
    }),
    h('div', { class: 'sidebar-foot' },
      h('span', { class: 'muted small' }, 'Data stays on this computer')));

  // ── Participants page ─────────────────────────────────────────────────────────────────
  const input = h('input', {
    class: 'vl-input', id: 'new-participant', type: 'text', placeholder: 'Participant ID (e.g. P-014)',
    autocomplete: 'off', spellcheck: 'false', maxlength: '256', 'aria-label': 'New participant ID',
    'aria-describedby': 'add-error connect-hint',
  });
  const cohortInput = h('input', { class: 'vl-input short', id: 'new-cohort', type: 'text', placeholder: 'Cohort', autocomplete: 'off', 'aria-label': 'Cohort', list: 'cohort-list' });
  const notesInput = h('input', { class: 'vl-input', id: 'new-notes', type: 'text', placeholder: 'Notes', autocomplete: 'off', 'aria-label': 'Notes' });
  const cohortList = h('datalist', { id: 'cohort-list' });
  const addBtn = h('button', { class: 'vl-btn', id: 'add-participant', type: 'submit' }, svg(icons.plus), 'Add participant');
  const addError = h('p', { class: 'field-msg error', id: 'add-error', hidden: true, role: 'alert' });
  const hint = h('p', { class: 'field-msg hint', id: 'connect-hint', hidden: true }, 'Add a participant or select one in the table, then connect their device.');
  const form = h('form', { class: 'add-form', onsubmit: (e: Event) => { e.preventDefault(); void add(); } }, input, cohortInput, notesInput, cohortList, addBtn);
  const fileInput = h('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv,text/plain', class: 'vl-sr-only', tabindex: '-1' });
  const importBtn = h('button', { class: 'vl-btn', id: 'import-csv', type: 'button', title: 'A CSV with a participant_id column (optional: notes, cohort)', onclick: () => fileInput.click() },
    svg(icons.upload), 'Import CSV');
  fileInput.addEventListener('change', () => void importFile());
  const connectBtn = h('button', { class: 'vl-btn primary', id: 'connect-device', type: 'button', onclick: () => void connectSelected() },
    svg(icons.watch), 'Connect a device');
  const importSlot = h('div', { class: 'import-slot', id: 'import-slot' });
  const summary = h('p', { class: 'panel-sub', id: 'participants-summary' });

  const search = h('input', { class: 'vl-input search', id: 'participant-filter', type: 'search', placeholder: 'Search ID, notes, cohort, provider', 'aria-label': 'Filter participants' });
  const cohortSel = h('select', { class: 'vl-input select', id: 'cohort-filter', 'aria-label': 'Cohort' });
  const statusSel = h('select', { class: 'vl-input select', id: 'status-filter', 'aria-label': 'Status' },
    STATUS_FILTERS.map((s) => h('option', { value: s.value }, s.label)));
  search.addEventListener('input', () => { filter.text = search.value; renderTable(); });
  cohortSel.addEventListener('change', () => { filter.cohort = cohortSel.value; renderTable(); });
  statusSel.addEventListener('change', () => { filter.status = statusSel.value; renderTable(); });
  const winFrom = dateInput('window-from', 'Study window from');
  const winTo = dateInput('window-to', 'Study window to');
  const onWindow = () => {
    let [f, t] = [winFrom.value, winTo.value];
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f) || !/^\d{4}-\d{2}-\d{2}$/.test(t)) return;
    if (f > t) [f, t] = [t, f];
    studyWindow = { from: f, to: t };
    syncWindowInputs();
    void refresh();
    if (page === 'data') void loadCoverage();
  };
  winFrom.addEventListener('change', onWindow);
  winTo.addEventListener('change', onWindow);

  const bulkCount = h('span', { class: 'bulk-count', id: 'bulk-count' });
  const bulkSyncBtn = h('button', { class: 'vl-btn small', type: 'button', id: 'bulk-sync', onclick: () => void bulkSync() }, svg(icons.sync), 'Sync selected');
  const bulkBar = h('div', { class: 'bulk-bar', id: 'bulk-bar', hidden: true },
    bulkCount, bulkSyncBtn,
    h('button', { class: 'vl-btn small', type: 'button', id: 'bulk-export', onclick: () => show('export') }, svg(icons.download), 'Export selected'),
    h('button', { class: 'vl-btn small ghost', type: 'button', id: 'bulk-clear', onclick: () => { checked.clear(); renderTable(); } }, 'Clear selection'));
  const checkAll = h('input', { type: 'checkbox', id: 'check-all', 'aria-label': 'Select all shown' });
  checkAll.addEventListener('change', () => {
    for (const p of visible()) {
      if (checkAll.checked) checked.add(p.user_id);
      else checked.delete(p.user_id);
    }
    renderTable();
  });

  const sortHeaders = new Map<SortKey, HTMLElement>();
  const th = (label: string, key: SortKey | null, cls = '') => {
    if (!key) return h('th', { scope: 'col', class: cls }, label);
    const b = h('button', { class: 'sort-btn', type: 'button', 'data-sort': key, onclick: () => toggleSort(key) }, label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }));
    const cell = h('th', { scope: 'col', class: `sortable ${cls}`, 'aria-sort': 'none' }, b);
    sortHeaders.set(key, cell);
    return cell;
  };
  const tbody = h('tbody', {});
  const table = h('table', { class: 'participants', id: 'participants' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', class: 'col-check' }, checkAll),
      th('Participant', 'participant'),
      th('Devices', 'status'),
      th('Last sync', 'last_sync'),
      th('Data in window', 'data'),
      th('Consent', 'consent'),
      h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'vl-sr-only' }, 'Actions')))),
    tbody);
  const panel = h('section', { class: 'card', id: 'participants-panel' },
    h('div', { class: 'panel-head' },
      h('div', { class: 'panel-title' }, h('h2', {}, 'Participants'), summary),
      h('div', { class: 'panel-tools' }, fileInput, importBtn, connectBtn)),
    h('div', { class: 'panel-bar' }, form),
    h('div', { class: 'panel-msgs' }, addError, hint),
    importSlot,
    h('div', { class: 'panel-bar filters' }, search, cohortSel, statusSel,
      h('div', { class: 'window-tools', title: 'Days of data are counted over this window' },
        h('span', { class: 'tool-label' }, 'Study window'), winFrom, h('span', { class: 'muted' }, '–'), winTo)),
    bulkBar,
    h('div', { class: 'table-wrap' }, table));

  input.addEventListener('input', () => {
    addError.hidden = true;
    hint.hidden = true;
    input.removeAttribute('aria-invalid');
  });

  const view = new ParticipantView({
    apiBase: () => info.api_base,
    today: () => info.today,
    connect: (p, provider) => void connect(p, provider),
    sync: (p) => void sync(p),
    isSyncing: (p) => syncing.has(p.user_id) || p.connections.some((c) => c.status === 'syncing'),
    disconnect: (p, provider) => void disconnectProvider(p, provider),
    remove: (p) => void remove(p),
    enrol: (p) => void enrol(p),
    saveInfo: async (p, fields) => {
      try {
        await api.updateParticipant(p.user_id, fields);
      } catch (e) {
        toast(`Could not save ${shortId(p.client_user_id)}: ${api.toCommandError(e).message}`, 'error');
        return false;
      }
      toast(`Saved ${shortId(p.client_user_id)}`, 'ok');
      void refresh();
      return true;
    },
    inspect: (_p, id, provider) => {
      inspector.focusConnection(id, provider);
      show('inspector');
    },
  });
  const placeholder = h('section', { class: 'card placeholder', id: 'participant-placeholder' },
    h('span', { class: 'empty-icon' }, svg(icons.pulse)),
    h('strong', {}, 'Select a participant'),
    h('p', {}, 'Their sleep, activity, heart rate and workouts appear here.'));
  const viewSlotP = h('div', { class: 'view-slot' });
  const viewSlotD = h('div', { class: 'view-slot' });

  // ── Data page ─────────────────────────────────────────────────────────────────────────
  const coverageHost = h('div', { class: 'heatmap-host', id: 'coverage-host' });
  const coverageSub = h('p', { class: 'panel-sub', id: 'coverage-sub' });
  const coverageCard = h('section', { class: 'card', id: 'coverage-card' },
    h('div', { class: 'panel-head' },
      h('div', { class: 'panel-title' }, h('h2', {}, 'Coverage'), coverageSub),
      h('div', { class: 'panel-tools' }, heatLegend())),
    coverageHost);

  // ── Other pages ───────────────────────────────────────────────────────────────────────
  const exportPage = new ExportPage({
    participants: () => participants,
    checked: () => [...checked],
    window: () => studyWindow,
    dataDir: () => info.data_dir,
  });
  const inspector = new InspectorPage({
    participants: () => participants,
    sandboxProviders: () => (sandbox ? (info.sandbox_providers ?? []) : []),
    relink: (p, provider) => void connect(p, provider),
    changed: () => void refresh(),
  });
  const eventsPage = new EventsPage(() => participants);
  const settingsPage = new SettingsPage({
    info: () => info,
    changed: () => {
      pinSet = settingsPage.current?.enrol_pin_set ?? pinSet;
      void refresh();
    },
  });

  const pageHead = (title: string, sub: string) => h('div', { class: 'page-head' }, h('h1', {}, title), h('p', {}, sub));
  const pages: Record<PageName, HTMLElement> = {
    participants: h('section', { class: 'page', id: 'page-participants' },
      pageHead('Participants', 'Enrol participants, connect their wearables and keep an eye on their data.'),
      panel, viewSlotP),
    data: h('section', { class: 'page', id: 'page-data' },
      pageHead('Data', 'Coverage of the study window, and each participant’s sleep, activity, heart rate and workouts.'),
      coverageCard, viewSlotD),
    export: h('section', { class: 'page', id: 'page-export' },
      pageHead('Export', 'Files for analysis in R, Python or a spreadsheet.'), exportPage.el),
    inspector: h('section', { class: 'page', id: 'page-inspector' },
      pageHead('Inspector', 'For QA: what each provider was sent and answered, token state, and fault switches.'), inspector.el),
    events: h('section', { class: 'page', id: 'page-events' },
      pageHead('Events', 'The app’s own log.'), eventsPage.el),
    settings: h('section', { class: 'page', id: 'page-settings' },
      pageHead('Settings', 'How this computer runs the study.'), settingsPage.el),
  };
  for (const [name, el] of Object.entries(pages)) el.hidden = name !== page;

  const appEl = h('div', { class: 'app', id: 'console' }, header,
    h('div', { class: 'shell' }, nav, h('main', { class: 'content' }, Object.values(pages))));
  root.replaceChildren(appEl);
  viewSlotP.append(placeholder, view.el);

  // ── Behaviour ────────────────────────────────────────────────────────────────────────
  const actions: TableActions = {
    select: (p) => select(p.user_id),
    connect: (p, provider) => {
      select(p.user_id);
      void connect(p, provider);
    },
    sync: (p) => void sync(p),
    enrol: (p) => void enrol(p),
    remove: (p) => void remove(p),
    check: (p, on) => {
      if (on) checked.add(p.user_id);
      else checked.delete(p.user_id);
      renderTable();
    },
  };

  function show(next: PageName) {
    if (next !== page) window.scrollTo?.({ top: 0 });
    page = next;
    for (const [name, el] of Object.entries(pages)) el.hidden = name !== next;
    for (const [name, b] of navButtons) {
      b.classList.toggle('active', name === next);
      if (name === next) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    if (next === 'participants') viewSlotP.append(placeholder, view.el);
    if (next === 'data') {
      viewSlotD.append(placeholder, view.el);
      void loadCoverage();
    }
    if (next === 'export') exportPage.show();
    if (next === 'inspector') inspector.show();
    else inspector.hide();
    if (next === 'events') void eventsPage.load();
    if (next === 'settings') void settingsPage.load().then((s) => { if (s) pinSet = s.enrol_pin_set; });
  }

  function syncWindowInputs() {
    winFrom.value = studyWindow.from;
    winTo.value = studyWindow.to;
    winFrom.max = studyWindow.to;
    winTo.min = studyWindow.from;
  }

  function visible(): Participant[] {
    return filterParticipants(participants, filter);
  }

  function toggleSort(key: SortKey) {
    sort = sort.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'last_sync' || key === 'data' || key === 'consent' ? 'desc' : 'asc' };
    renderTable();
  }

  function renderTable() {
    // Ticks of participants who are gone are dropped.
    for (const id of [...checked]) if (!participants.some((p) => p.user_id === id)) checked.delete(id);
    const shown = visible();
    renderParticipants(tbody, shown, {
      apiBase: info.api_base, selectedUserId, syncing, progress, checked, windowDays: daysBetween(studyWindow.from, studyWindow.to),
    }, actions, { total: participants.length, sort });
    const connected = participants.filter((p) => p.connections.length).length;
    const attention = participants.filter((p) => p.connections.some((c) => c.status === 'error' || c.status === 'reauth_required')).length;
    summary.textContent = participants.length
      ? `${plural(participants.length, 'participant')} · ${connected} with a device${attention ? ` · ${attention} need${attention === 1 ? 's' : ''} attention` : ''}${shown.length !== participants.length ? ` · ${shown.length} shown` : ''}`
      : 'Nobody yet';
    const badge = navBadges.get('participants')!;
    badge.hidden = !attention;
    badge.textContent = String(attention);
    badge.title = `${plural(attention, 'participant')} need attention`;
    for (const [key, cell] of sortHeaders) {
      cell.setAttribute('aria-sort', sort.key === key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
      cell.classList.toggle('sorted', sort.key === key);
    }
    const cohorts = cohortsOf(participants);
    const cur = cohortSel.value;
    cohortSel.replaceChildren(
      h('option', { value: '' }, 'Any cohort'),
      ...cohorts.map((c) => h('option', { value: c }, c)),
      h('option', { value: NO_COHORT }, 'No cohort'));
    cohortSel.value = cur && (cohorts.includes(cur) || cur === NO_COHORT) ? cur : '';
    cohortList.replaceChildren(...cohorts.map((c) => h('option', { value: c })));
    const n = checked.size;
    bulkBar.hidden = n === 0;
    bulkCount.textContent = `${n} selected`;
    checkAll.checked = shown.length > 0 && shown.every((p) => checked.has(p.user_id));
    checkAll.indeterminate = !checkAll.checked && shown.some((p) => checked.has(p.user_id));
  }

  function select(userId: string) {
    const p = participants.find((x) => x.user_id === userId);
    selectedUserId = userId;
    hint.hidden = true;
    renderTable();
    if (p) {
      placeholder.hidden = true;
      view.show(p);
    }
    if (page === 'data') {
      for (const r of coverageHost.querySelectorAll<HTMLElement>('.heat-row[data-user-id]')) r.classList.toggle('selected', r.dataset.userId === userId);
    }
  }

  async function doRefresh() {
    try {
      participants = await api.listParticipants(studyWindow);
    } catch (e) {
      toast(`Could not load participants: ${api.toCommandError(e).message}`, 'error');
      return;
    }
    if (selectedUserId && !participants.some((p) => p.user_id === selectedUserId)) {
      selectedUserId = null;
      view.hide();
      placeholder.hidden = false;
    }
    renderTable();
    if (!selectedUserId) placeholder.hidden = participants.length === 0;
    const sel = participants.find((p) => p.user_id === selectedUserId);
    if (sel) {
      placeholder.hidden = true;
      view.show(sel);
    }
  }

  /** One refresh at a time; calls during a refresh coalesce into one more. */
  function refresh(): Promise<void> {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        refreshAgain = false;
        await doRefresh();
      } while (refreshAgain);
      refreshing = null;
    })();
    return refreshing;
  }

  function scheduleRefresh(ms: number) {
    if (refreshTimer !== undefined) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      void refresh().then(() => {
        if (page === 'data') void loadCoverage();
      });
    }, ms);
  }

  function scheduleViewReload(ms: number) {
    if (viewTimer !== undefined) return;
    viewTimer = setTimeout(() => {
      viewTimer = undefined;
      void view.load();
    }, ms);
  }

  function selectedHasConnection(connectionId: number): boolean {
    const p = participants.find((x) => x.user_id === selectedUserId);
    return !!p?.connections.some((c) => c.id === connectionId);
  }

  let coverageSeq = 0;
  async function loadCoverage() {
    const my = ++coverageSeq;
    const { from, to } = studyWindow;
    coverageSub.textContent = `${formatRange(from, to)} · ${daysBetween(from, to)} days · click a participant to open their data`;
    if (!coverageHost.firstChild) coverageHost.append(h('div', { class: 'loading-line' }, h('span', { class: 'vl-spinner' }), 'Loading coverage…'));
    coverageHost.setAttribute('aria-busy', 'true');
    try {
      const rows = await api.coverage(from, to);
      if (my !== coverageSeq) return;
      coverageHost.replaceChildren(renderHeatmap(rows, from, to, { selectedUserId, onSelect: (id) => select(id) }));
    } catch (e) {
      if (my !== coverageSeq) return;
      coverageHost.replaceChildren(h('div', { class: 'notice error' }, svg(icons.alert), h('div', {}, `Could not load coverage: ${api.toCommandError(e).message}`)));
    } finally {
      coverageHost.removeAttribute('aria-busy');
    }
  }

  function onEvent(e: AppEvent) {
    inspector.onAppEvent(e);
    switch (e.type) {
      case 'link_state':
        scheduleRefresh(150);
        break;
      case 'sync_progress':
        progress.set(e.connection_id, { resource: e.resource, done: e.done, total: e.total });
        scheduleRefresh(500);
        // Backfill arrives page by page: let the charts fill in as it does.
        if (selectedHasConnection(e.connection_id)) scheduleViewReload(2500);
        break;
      case 'sync_finished':
        progress.delete(e.connection_id);
        scheduleRefresh(100);
        if (selectedHasConnection(e.connection_id)) scheduleViewReload(300);
        break;
      case 'export_progress':
        exportPage.onProgress(e.done, e.total, e.what);
        break;
      default:
        scheduleRefresh(300);
    }
  }

  async function add() {
    const id = input.value.trim();
    if (!id) {
      showAddError('Type the participant’s study ID first.');
      input.focus();
      return;
    }
    addBtn.disabled = true;
    try {
      const cohort = cohortInput.value.trim();
      const notes = notesInput.value.trim();
      const user = cohort || notes ? await api.addUser(id, { cohort: cohort || null, notes: notes || null }) : await api.addUser(id);
      input.value = '';
      notesInput.value = '';
      addError.hidden = true;
      selectedUserId = user.user_id;
      await refresh();
      select(user.user_id);
      toast(`Added ${shortId(user.client_user_id)}`, 'ok');
    } catch (e) {
      showAddError(api.toCommandError(e).message);
      input.focus();
    } finally {
      addBtn.disabled = false;
    }
  }

  function showAddError(msg: string) {
    addError.textContent = msg;
    addError.hidden = false;
    hint.hidden = true;
    input.setAttribute('aria-invalid', 'true');
  }

  async function importFile() {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    importBtn.disabled = true;
    const failed = (e: unknown) => importSlot.replaceChildren(h('div', { class: 'notice error import-report', id: 'import-report', role: 'alert' }, svg(icons.alert),
      h('div', {}, h('strong', {}, `Could not import ${file.name}: `), api.toCommandError(e).message)));
    try {
      const text = await readText(file);
      const plan = await api.planParticipantImport(text);
      const commit = async () => {
        try {
          const report = await api.importParticipants(text);
          importSlot.replaceChildren(renderImportReport(report, () => importSlot.replaceChildren()));
          await refresh();
        } catch (e) {
          failed(e);
        }
      };
      importSlot.replaceChildren(renderImportPreview(plan, file.name, () => void commit(), () => importSlot.replaceChildren()));
    } catch (e) {
      failed(e);
    } finally {
      importBtn.disabled = false;
    }
  }

  async function connectSelected() {
    const p = participants.find((x) => x.user_id === selectedUserId);
    if (!p) {
      addError.hidden = true;
      hint.hidden = false;
      input.focus();
      return;
    }
    await connect(p);
  }

  async function connect(p: Participant, provider?: string) {
    let token: string;
    try {
      token = (await (provider ? api.createLinkToken(p.user_id, provider) : api.createLinkToken(p.user_id))).link_token;
    } catch (e) {
      toast(`Could not start a connection for ${shortId(p.client_user_id)}: ${api.toCommandError(e).message}`, 'error');
      return;
    }
    openLinkOverlay({
      token,
      apiBase: info.api_base,
      env: String(info.environment),
      participant: p.client_user_id,
      onSuccess: () => {
        // The backfill starts in the core right away; sync events keep the view current.
        selectedUserId = p.user_id;
        void refresh().then(() => select(p.user_id));
      },
      onExit: () => scheduleRefresh(100),
      onError: () => scheduleRefresh(100),
      onClose: () => {
        void refresh().then(() => {
          if (selectedUserId === p.user_id) {
            const cur = participants.find((x) => x.user_id === p.user_id);
            if (cur) view.show(cur, { reload: true });
          }
        });
      },
    });
  }

  async function enrol(p: Participant) {
    await startEnrol({
      participant: p,
      info,
      appRoot: appEl,
      pinSet: async () => {
        try {
          pinSet = (await api.settings()).enrol_pin_set;
        } catch {
          /* keep the last known */
        }
        return pinSet;
      },
      onConnected: () => scheduleRefresh(100),
      onLeave: () => {
        // Back to the participant who was enrolled; a later click wins over the refresh.
        select(p.user_id);
        void refresh();
      },
    });
  }

  async function remove(p: Participant) {
    const providers = p.connections.map((c) => providerName(c.provider));
    const ok = await confirmDialog({
      id: 'remove-dialog', danger: true, title: `Remove ${shortId(p.client_user_id)}?`, confirmLabel: `Remove ${shortId(p.client_user_id)}`,
      body: [
        `All data stored for ${shortId(p.client_user_id)} on this computer is deleted${p.counts?.sleep || p.counts?.activity ? ' (sleep, activity, heart rate, workouts and raw payloads)' : ''}.`,
        providers.length
          ? `Their provider tokens are revoked (${providers.join(', ')}): the app can no longer read their accounts.`
          : 'They have no connected device; their tokens, if any, are revoked.',
        'This cannot be undone. Export their data first if the study needs it.',
      ],
    });
    if (!ok) return;
    try {
      await api.deleteUser(p.user_id);
      checked.delete(p.user_id);
      toast(`Removed ${shortId(p.client_user_id)}: data deleted, tokens revoked.`, 'ok');
    } catch (e) {
      toast(`Could not remove ${shortId(p.client_user_id)}: ${api.toCommandError(e).message}`, 'error');
    }
    await refresh();
  }

  async function disconnectProvider(p: Participant, provider: string) {
    const ok = await confirmDialog({
      id: 'disconnect-dialog', danger: true, title: `Disconnect ${providerName(provider)} from ${shortId(p.client_user_id)}?`, confirmLabel: 'Disconnect',
      body: [`The ${providerName(provider)} token is revoked and no new data is copied. Data already stored is kept. They can connect again later.`],
    });
    if (!ok) return;
    try {
      await api.disconnect(p.user_id, provider);
      toast(`Disconnected ${providerName(provider)} from ${shortId(p.client_user_id)}.`, 'ok');
    } catch (e) {
      toast(`Could not disconnect: ${api.toCommandError(e).message}`, 'error');
    }
    await refresh();
  }

  async function sync(p: Participant) {
    if (syncing.has(p.user_id)) return;
    syncing.add(p.user_id);
    renderTable();
    if (view.current?.user_id === p.user_id) view.renderHead();
    try {
      const reports = await api.syncNow(p.user_id);
      // The core skips connections that need a reconnect: say so rather than "nothing to sync".
      const stuck = p.connections.filter((c) => c.status === 'reauth_required');
      if (!reports?.length && stuck.length) {
        toast(`${shortId(p.client_user_id)}: ${stuck.map((c) => providerName(c.provider)).join(', ')} must be reconnected before it can sync (use Reconnect).`, 'error', { details: stuck.map((c) => c.error_message).filter(Boolean).join('\n') || null });
      } else {
        reportSync(reports, shortId(p.client_user_id));
      }
    } catch (e) {
      toast(`Sync of ${shortId(p.client_user_id)} failed: ${api.toCommandError(e).message}`, 'error');
    } finally {
      syncing.delete(p.user_id);
      await refresh();
      if (view.current?.user_id === p.user_id) void view.load();
    }
  }

  async function bulkSync() {
    const targets = participants.filter((p) => checked.has(p.user_id) && p.connections.length);
    if (!targets.length) {
      toast('None of the selected participants has a connected device.', 'info');
      return;
    }
    bulkSyncBtn.disabled = true;
    const all: SyncReport[] = [];
    let failed = 0;
    for (const p of targets) syncing.add(p.user_id);
    renderTable();
    let i = 0;
    for (const p of targets) {
      bulkCount.textContent = `Syncing ${++i} of ${targets.length}…`;
      try {
        all.push(...(await api.syncNow(p.user_id)));
      } catch {
        failed++;
      } finally {
        syncing.delete(p.user_id);
      }
    }
    bulkSyncBtn.disabled = false;
    await refresh();
    const bad = all.filter((r) => r.errors?.length || (r.status && r.status !== 'connected')).length + failed;
    toast(bad
      ? `Synced ${plural(targets.length, 'participant')}; ${plural(bad, 'connection')} did not sync: see the rows marked in red.`
      : `Synced ${plural(targets.length, 'participant')}.`, bad ? 'error' : 'ok');
  }

  async function syncAll() {
    const btn = header.querySelector<HTMLButtonElement>('#sync-all')!;
    btn.disabled = true;
    try {
      reportSync(await api.syncNow(), null);
    } catch (e) {
      toast(`Sync failed: ${api.toCommandError(e).message}`, 'error');
    } finally {
      btn.disabled = false;
      await refresh();
      if (view.current) void view.load();
    }
  }

  function reportSync(reports: SyncReport[], who: string | null) {
    const prefix = who ? `${who}: ` : '';
    if (!reports?.length) {
      toast(`${prefix}nothing to sync — no connected devices.`, 'info');
      return;
    }
    const failed = reports.filter((r) => r.errors?.length || (r.status && r.status !== 'connected'));
    const records = reports.reduce((n, r) => n + (r.written?.summaries_written ?? 0) + (r.written?.samples_written ?? 0), 0);
    if (failed.length) {
      const first = failed[0];
      const e = explainSync(first, who, participants);
      toast(`${prefix}${plural(failed.length, 'connection')} did not sync. ${e.text}`, 'error', { details: e.details });
    } else {
      toast(`${prefix}synced ${plural(reports.length, 'connection')}, ${plural(records, 'new record')}.`, 'ok');
    }
  }

  // ── Start ─────────────────────────────────────────────────────────────────────────────
  syncWindowInputs();
  show('participants');
  renderTable();
  await refresh();
  let unlisten: (() => void) | null = null;
  try {
    unlisten = await api.onAppEvent(onEvent);
  } catch (e) {
    console.warn('app events unavailable', e);
  }
  const tick = setInterval(renderTable, 30_000);

  return {
    refresh,
    select,
    connect,
    show,
    get page() {
      return page;
    },
    get participants() {
      return participants;
    },
    get selectedUserId() {
      return selectedUserId;
    },
    get checked() {
      return checked;
    },
    view,
    dispose() {
      clearInterval(tick);
      inspector.dispose();
      if (refreshTimer !== undefined) clearTimeout(refreshTimer);
      if (viewTimer !== undefined) clearTimeout(viewTimer);
      unlisten?.();
    },
  };
}

/**
 * A failed sync report in words: `status` is `reauth_required` or `error: <code>`; the
 * participant's id and the connection's next try come from the participant list.
 */
export function explainSync(r: SyncReport, who: string | null, list: Participant[] = []): Explained {
  const code = r.status === 'reauth_required' ? 'reauth_required' : r.status?.startsWith('error: ') ? r.status.slice(7).trim() : r.status || 'sync_failed';
  const owner = list.find((p) => p.connections.some((c) => c.id === r.connection_id));
  const conn = owner?.connections.find((c) => c.id === r.connection_id);
  const e = explain(code, { provider: r.provider, participant: shortId(who ?? owner?.client_user_id ?? 'the participant'), retryAt: conn?.next_sync_at ?? null, detail: r.errors?.join('\n') || null });
  if (!e.details) e.details = r.status;
  return e;
}

/** A file's text (FileReader: works in every web view). */
export function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result ?? ''));
    r.onerror = () => reject(r.error ?? new Error('the file could not be read'));
    r.readAsText(file);
  });
}
