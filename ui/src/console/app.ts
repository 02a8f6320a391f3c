/** The console: header, participants table, participant view, and the link overlay. */
import { h, svg } from '../shared/dom';
import { brandMark, icons } from '../shared/icons';
import * as api from './api';
import { plural } from './format';
import { openLinkOverlay } from './link-overlay';
import { ParticipantView } from './participant-view';
import { renderParticipants, type SyncProgress, type TableActions } from './participants';
import { toast } from './toast';
import type { AppEvent, AppInfo, Participant, SyncReport } from './types';

export interface ConsoleHandle {
  refresh(): Promise<void>;
  select(userId: string): void;
  connect(p: Participant): Promise<void>;
  readonly participants: Participant[];
  readonly selectedUserId: string | null;
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
  const syncing = new Set<string>();
  const progress = new Map<number, SyncProgress>();
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let viewTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;

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

  // ── Participants panel ────────────────────────────────────────────────────────────────
  const input = h('input', {
    class: 'vl-input', id: 'new-participant', type: 'text', placeholder: 'Participant ID, e.g. P-014',
    autocomplete: 'off', spellcheck: 'false', maxlength: '256', 'aria-label': 'New participant ID',
    'aria-describedby': 'add-error connect-hint',
  });
  const addBtn = h('button', { class: 'vl-btn', id: 'add-participant', type: 'submit' }, svg(icons.plus), 'Add participant');
  const addError = h('p', { class: 'field-msg error', id: 'add-error', hidden: true, role: 'alert' });
  const hint = h('p', { class: 'field-msg hint', id: 'connect-hint', hidden: true }, 'Add a participant or select one in the table, then connect their device.');
  const form = h('form', { class: 'add-form', onsubmit: (e: Event) => { e.preventDefault(); void add(); } }, input, addBtn);
  const connectBtn = h('button', { class: 'vl-btn primary', id: 'connect-device', type: 'button', onclick: () => void connectSelected() },
    svg(icons.watch), 'Connect a device');
  const summary = h('p', { class: 'panel-sub', id: 'participants-summary' });
  const tbody = h('tbody', {});
  const table = h('table', { class: 'participants', id: 'participants' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Participant'),
      h('th', { scope: 'col' }, 'Devices'),
      h('th', { scope: 'col' }, 'Last sync'),
      h('th', { scope: 'col' }, 'Data stored'),
      h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'vl-sr-only' }, 'Actions')))),
    tbody);
  const panel = h('section', { class: 'card', id: 'participants-panel' },
    h('div', { class: 'panel-head' },
      h('div', { class: 'panel-title' }, h('h2', {}, 'Participants'), summary),
      h('div', { class: 'panel-tools' }, form, connectBtn)),
    h('div', { class: 'panel-msgs' }, addError, hint),
    h('div', { class: 'table-wrap' }, table));

  input.addEventListener('input', () => {
    addError.hidden = true;
    hint.hidden = true;
    input.removeAttribute('aria-invalid');
  });

  const view = new ParticipantView({
    apiBase: () => info.api_base,
    today: () => info.today,
    connect: (p) => void connect(p),
    sync: (p) => void sync(p),
    isSyncing: (p) => syncing.has(p.user_id) || p.connections.some((c) => c.status === 'syncing'),
  });
  const placeholder = h('section', { class: 'card placeholder', id: 'participant-placeholder' },
    h('span', { class: 'empty-icon' }, svg(icons.pulse)),
    h('strong', {}, 'Select a participant'),
    h('p', {}, 'Their sleep, activity, heart rate and workouts appear here.'));

  root.replaceChildren(h('div', { class: 'app' }, header, h('main', { class: 'content' }, panel, placeholder, view.el)));

  // ── Behaviour ────────────────────────────────────────────────────────────────────────
  const actions: TableActions = {
    select: (p) => select(p.user_id),
    connect: (p) => {
      select(p.user_id);
      void connect(p);
    },
    sync: (p) => void sync(p),
  };

  function renderTable() {
    renderParticipants(tbody, participants, { apiBase: info.api_base, selectedUserId, syncing, progress }, actions);
    const connected = participants.filter((p) => p.connections.length).length;
    summary.textContent = participants.length
      ? `${plural(participants.length, 'participant')} · ${connected} with a device`
      : 'Nobody yet';
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
  }

  async function doRefresh() {
    try {
      participants = await api.listParticipants();
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
      void refresh();
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

  function onEvent(e: AppEvent) {
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
      const user = await api.addUser(id);
      input.value = '';
      addError.hidden = true;
      selectedUserId = user.user_id;
      await refresh();
      select(user.user_id);
      toast(`Added ${user.client_user_id}`, 'ok');
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

  async function connect(p: Participant) {
    let token: string;
    try {
      token = (await api.createLinkToken(p.user_id)).link_token;
    } catch (e) {
      toast(`Could not start a connection for ${p.client_user_id}: ${api.toCommandError(e).message}`, 'error');
      return;
    }
    openLinkOverlay({
      token,
      apiBase: info.api_base,
      env: String(info.environment),
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

  async function sync(p: Participant) {
    if (syncing.has(p.user_id)) return;
    syncing.add(p.user_id);
    renderTable();
    if (view.current?.user_id === p.user_id) view.renderHead();
    try {
      const reports = await api.syncNow(p.user_id);
      reportSync(reports, p.client_user_id);
    } catch (e) {
      toast(`Sync of ${p.client_user_id} failed: ${api.toCommandError(e).message}`, 'error');
    } finally {
      syncing.delete(p.user_id);
      await refresh();
      if (view.current?.user_id === p.user_id) void view.load();
    }
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
      toast(`${prefix}${plural(failed.length, 'connection')} did not sync (${first.provider}: ${first.errors?.[0] ?? first.status}).`, 'error');
    } else {
      toast(`${prefix}synced ${plural(reports.length, 'connection')}, ${plural(records, 'new record')}.`, 'ok');
    }
  }

  // ── Start ─────────────────────────────────────────────────────────────────────────────
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
    get participants() {
      return participants;
    },
    get selectedUserId() {
      return selectedUserId;
    },
    view,
    dispose() {
      clearInterval(tick);
      if (refreshTimer !== undefined) clearTimeout(refreshTimer);
      if (viewTimer !== undefined) clearTimeout(viewTimer);
      unlisten?.();
    },
  };
}
