/** The participants table: one row per participant, with their connections, data and consent. */
import { h, svg } from '../shared/dom';
import { icons } from '../shared/icons';
import { absoluteTime, formatCounts, lastSync, plural, providerLogo, providerName, relativeTime, ymd } from './format';
import { explainConnection, statusLabel } from '../shared/messages';
import type { Connection, ImportAction, ImportPlan, ImportReport, Participant } from './types';

export interface SyncProgress {
  resource: string;
  done: number;
  total: number;
}

export interface TableContext {
  apiBase: string;
  selectedUserId: string | null;
  /** Participants whose Sync button is running. */
  syncing: Set<string>;
  /** Live progress by connection id (sync_progress events). */
  progress: Map<number, SyncProgress>;
  /** Ticked for bulk actions (user ids). */
  checked?: Set<string>;
  /** Days in the study window (the denominator of the coverage chips). */
  windowDays?: number;
  now?: number;
}

export interface TableActions {
  select(p: Participant): void;
  connect(p: Participant, provider?: string): void;
  sync(p: Participant): void;
  enrol?(p: Participant): void;
  remove?(p: Participant): void;
  check?(p: Participant, on: boolean): void;
}

/** "Oura: needs reconnect — Oura needs P-001 to sign in again." (the pill's tooltip). */
export function statusTitle(c: Connection, participant: string | null = null): string {
  const base = `${providerName(c.provider)}: ${statusLabel(c.status)}`;
  const e = explainConnection(c, participant);
  return e ? `${base} — ${e.text}` : base;
}

// ── Filtering and sorting (pure) ────────────────────────────────────────────────────────

/** One status per participant, the worst of their connections. */
export type ParticipantStatus = 'attention' | 'syncing' | 'connected' | 'none';

export function participantStatus(p: Participant): ParticipantStatus {
  const live = p.connections.filter((c) => c.status !== 'deregistered');
  if (!live.length) return 'none';
  if (live.some((c) => c.status === 'error' || c.status === 'reauth_required')) return 'attention';
  if (live.some((c) => c.status === 'syncing')) return 'syncing';
  return 'connected';
}

export const STATUS_FILTERS: { value: string; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: 'attention', label: 'Needs attention' },
  { value: 'connected', label: 'Connected' },
  { value: 'syncing', label: 'Syncing' },
  { value: 'none', label: 'No device' },
];

export interface Filter {
  text?: string;
  /** '' any; '\u0000none' participants without a cohort. */
  cohort?: string;
  status?: string;
}

export const NO_COHORT = '\u0000none';

export function matches(p: Participant, f: Filter): boolean {
  const q = (f.text ?? '').trim().toLowerCase();
  if (q) {
    const hay = [p.client_user_id, p.user_id, p.notes ?? '', p.cohort ?? '', ...p.connections.map((c) => c.provider)].join(' ').toLowerCase();
    if (!q.split(/\s+/).every((w) => hay.includes(w))) return false;
  }
  if (f.cohort) {
    if (f.cohort === NO_COHORT ? !!p.cohort : (p.cohort ?? '') !== f.cohort) return false;
  }
  if (f.status && participantStatus(p) !== f.status) return false;
  return true;
}

export function filterParticipants(list: Participant[], f: Filter): Participant[] {
  return list.filter((p) => matches(p, f));
}

export function cohortsOf(list: Participant[]): string[] {
  return [...new Set(list.map((p) => p.cohort).filter((c): c is string => !!c))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

export type SortKey = 'participant' | 'cohort' | 'status' | 'last_sync' | 'data' | 'consent';
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

const STATUS_RANK: Record<ParticipantStatus, number> = { attention: 0, syncing: 1, connected: 2, none: 3 };

export function dataDays(p: Participant): number {
  return Object.values(p.days ?? {}).reduce((a, b) => a + b, 0);
}

const byId = (a: Participant, b: Participant) => a.client_user_id.localeCompare(b.client_user_id, undefined, { numeric: true });

/** Sorted copy; ties fall back to the participant ID, empty values last in either direction. */
export function sortParticipants(list: Participant[], s: Sort): Participant[] {
  const sign = s.dir === 'asc' ? 1 : -1;
  const key = (p: Participant): string | number | null => {
    switch (s.key) {
      case 'participant':
        return null;
      case 'cohort':
        return p.cohort || null;
      case 'status':
        return STATUS_RANK[participantStatus(p)];
      case 'last_sync':
        return lastSync(p.connections);
      case 'data':
        return dataDays(p) + (p.counts ? p.counts.sleep + p.counts.activity : 0) / 1e6;
      case 'consent':
        return p.consent?.accepted_at ?? null;
    }
  };
  return [...list].sort((a, b) => {
    if (s.key === 'participant') return sign * byId(a, b);
    const ka = key(a);
    const kb = key(b);
    if (ka === null && kb === null) return byId(a, b);
    if (ka === null) return 1;
    if (kb === null) return -1;
    const c = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb), undefined, { numeric: true });
    return c !== 0 ? sign * c : byId(a, b);
  });
}

// ── Rendering ───────────────────────────────────────────────────────────────────────────

/** A provider mark with its status pill; the pill's text is exactly the status. */
export function providerPill(c: Connection, apiBase: string, progress?: SyncProgress, participant: string | null = null): HTMLElement {
  return h('span', { class: 'conn', 'data-provider': c.provider, 'data-connection': String(c.id), title: statusTitle(c, participant) },
    h('img', { class: 'conn-logo', src: providerLogo(apiBase, c.provider), alt: '', width: 20, height: 20 }),
    h('span', { class: 'conn-name' }, providerName(c.provider)),
    h('span', { class: `provider-status status-${c.status}`, 'data-status': c.status }, statusLabel(c.status)),
    progress && progress.total ? progressText(progress) : null);
}

function progressText(p: SyncProgress): HTMLElement {
  return h('span', { class: 'conn-progress' }, `${p.resource} ${p.done}/${p.total}`);
}

/** The resources shown as coverage chips, in this order, with their labels. */
export const DAY_RESOURCES: [string, string][] = [['sleep', 'Sleep'], ['activity', 'Activity'], ['heartrate', 'HR']];

export function daysChips(p: Participant, windowDays?: number): HTMLElement {
  const days = p.days ?? {};
  return h('span', { class: 'days', 'data-days': JSON.stringify(days) },
    DAY_RESOURCES.map(([k, label]) => {
      const n = days[k] ?? 0;
      const frac = windowDays ? n / windowDays : n ? 1 : 0;
      const level = n === 0 ? 'none' : frac >= 0.9 ? 'full' : frac >= 0.5 ? 'part' : 'low';
      return h('span', { class: `day-chip ${level}`, 'data-resource': k, title: `${label}: ${plural(n, 'day')} with data${windowDays ? ` of ${windowDays}` : ''}` },
        h('span', { class: 'day-chip-label' }, label), h('b', {}, windowDays ? `${n}/${windowDays}` : String(n)));
    }));
}

/** A "Details" toggle with the technical text (for QA), collapsed. */
export function detailsToggle(details: string, cls = ''): HTMLElement[] {
  const body = h('div', { class: `error-details ${cls}`.trim(), hidden: true }, details);
  const btn = h('button', {
    class: 'details-toggle', type: 'button', 'aria-expanded': 'false',
    onclick: (e: MouseEvent) => {
      e.stopPropagation();
      body.hidden = !body.hidden;
      btn.setAttribute('aria-expanded', String(!body.hidden));
      btn.textContent = body.hidden ? 'Details' : 'Hide details';
    },
  }, 'Details');
  return [btn, body];
}

function connectionError(c: Connection, p: Participant, act: TableActions, now?: number): HTMLElement | null {
  const e = explainConnection(c, p.client_user_id, now);
  if (!e) return null;
  const [toggle, details] = e.details ? detailsToggle(e.details) : [null, null];
  return h('div', { class: `conn-error ${c.status}`, 'data-provider': c.provider, 'data-code': e.code, title: e.text },
    svg(icons.alert),
    h('div', { class: 'conn-error-main' },
      h('span', { class: 'conn-error-text' }, e.text),
      h('span', { class: 'conn-error-actions' },
        e.action === 'reconnect'
          ? h('button', {
              class: 'vl-btn small reconnect-btn', type: 'button', 'data-provider': c.provider,
              onclick: (ev: MouseEvent) => {
                ev.stopPropagation();
                act.connect(p, c.provider);
              },
            }, e.actionLabel ?? 'Reconnect')
          : e.action === 'retry'
            ? h('button', {
                class: 'vl-btn small retry-btn', type: 'button', 'data-provider': c.provider,
                onclick: (ev: MouseEvent) => {
                  ev.stopPropagation();
                  act.sync(p);
                },
              }, 'Sync now')
            : null,
        toggle),
      details));
}

export function consentCell(p: Participant): HTMLElement {
  const c = p.consent;
  if (!c) return h('span', { class: 'consent none muted' }, 'Not yet');
  return h('span', { class: 'consent', title: `Accepted version ${c.version} ${c.via === 'window' ? 'in this window' : 'on the link page'}, ${absoluteTime(c.accepted_at)}` },
    h('span', { class: 'consent-version' }, `v${c.version}`),
    h('span', { class: 'consent-at muted' }, shortDate(c.accepted_at)));
}

export function participantRow(p: Participant, ctx: TableContext, act: TableActions): HTMLTableRowElement {
  const last = lastSync(p.connections);
  const busy = ctx.syncing.has(p.user_id) || p.connections.some((c) => c.status === 'syncing');
  const selected = p.user_id === ctx.selectedUserId;
  const checked = ctx.checked?.has(p.user_id) ?? false;
  const live = p.connections.filter((c) => c.status !== 'deregistered');
  const errors = live.map((c) => connectionError(c, p, act, ctx.now)).filter((e): e is HTMLElement => !!e);
  const stop = (fn: () => void) => (e: MouseEvent) => {
    e.stopPropagation();
    fn();
  };
  const row = h('tr', {
    'data-user': p.client_user_id, 'data-user-id': p.user_id, 'data-status': participantStatus(p),
    class: [selected ? 'selected' : '', checked ? 'checked' : ''].join(' ').trim(),
    'aria-selected': selected ? 'true' : 'false', tabindex: '0',
  },
    h('td', { class: 'col-check' },
      h('input', {
        type: 'checkbox', class: 'row-check', checked, 'aria-label': `Select ${p.client_user_id}`,
        onclick: (e: MouseEvent) => e.stopPropagation(),
        onchange: (e: Event) => act.check?.(p, (e.target as HTMLInputElement).checked),
      })),
    h('td', { class: 'col-participant' },
      h('span', { class: 'participant-id' },
        h('span', { class: 'pid-text', title: p.client_user_id }, p.client_user_id),
        p.cohort ? h('span', { class: 'cohort-badge', title: `Cohort ${p.cohort}` }, p.cohort) : null),
      p.notes ? h('span', { class: 'participant-notes', title: p.notes }, p.notes)
        : h('span', { class: 'participant-uuid', title: p.user_id }, p.user_id.slice(0, 8))),
    h('td', { class: 'col-devices' },
      live.length
        ? h('span', { class: 'conns' }, live.map((c) => providerPill(c, ctx.apiBase, undefined, p.client_user_id)))
        : h('span', { class: 'muted' }, 'No device'),
      (() => {
        // Live backfill progress, under the pills (keeps the column narrow).
        const lines = live.map((c) => ({ c, p: ctx.progress.get(c.id) })).filter((x) => x.p && x.p.total);
        return lines.length
          ? h('div', { class: 'conn-progress-lines' }, lines.map(({ c, p }) => h('span', { class: 'conn-progress', 'data-provider': c.provider }, `Syncing ${providerName(c.provider)}: ${p!.resource} ${p!.done}/${p!.total}`)))
          : null;
      })(),
      errors.length ? h('div', { class: 'conn-errors' }, errors) : null),
    h('td', { class: 'col-sync' },
      h('span', { class: 'last-sync', title: last ? absoluteTime(last) : 'Never synced' }, relativeTime(last, ctx.now))),
    h('td', { class: 'col-data' },
      daysChips(p, ctx.windowDays),
      h('span', { class: 'counts' }, formatCounts(p.counts))),
    h('td', { class: 'col-consent' }, consentCell(p)),
    h('td', { class: 'col-actions' },
      h('span', { class: 'row-actions' },
        h('button', {
          class: 'vl-btn small icon-only connect-btn', type: 'button', title: `Connect a device for ${p.client_user_id}`,
          'aria-label': `Connect a device for ${p.client_user_id}`, onclick: stop(() => act.connect(p)),
        }, svg(icons.plus)),
        act.enrol
          ? h('button', {
              class: 'vl-btn small icon-only enrol-btn', type: 'button', title: `Enrol mode: hand the computer to ${p.client_user_id}`,
              'aria-label': `Enrol mode for ${p.client_user_id}`, onclick: stop(() => act.enrol!(p)),
            }, svg(icons.kiosk))
          : null,
        h('button', {
          class: 'vl-btn small icon-only sync-btn', type: 'button', disabled: !live.length || ctx.syncing.has(p.user_id),
          title: live.length ? `Sync ${p.client_user_id} now` : 'Connect a device first', 'aria-label': `Sync ${p.client_user_id}`,
          onclick: stop(() => act.sync(p)),
        }, busy ? h('span', { class: 'vl-spinner' }) : svg(icons.sync)),
        act.remove
          ? h('button', {
              class: 'vl-btn small ghost icon-only remove-btn', type: 'button', title: `Remove ${p.client_user_id}`,
              'aria-label': `Remove ${p.client_user_id}`, onclick: stop(() => act.remove!(p)),
            }, svg(icons.trash))
          : null)));
  row.addEventListener('click', () => act.select(p));
  row.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target === row) {
      e.preventDefault();
      act.select(p);
    }
  });
  return row;
}

export const TABLE_COLUMNS = 7;

/** Fills the table body (already filtered and sorted); empty states for nobody and no match. */
export function renderParticipants(
  tbody: HTMLTableSectionElement,
  list: Participant[],
  ctx: TableContext,
  act: TableActions,
  opts: { total?: number; sort?: Sort } = {},
) {
  if (!list.length) {
    const filtered = (opts.total ?? 0) > 0;
    tbody.replaceChildren(
      h('tr', { class: 'empty-row' },
        h('td', { colspan: String(TABLE_COLUMNS) },
          h('div', { class: 'empty-state' },
            h('span', { class: 'empty-icon' }, svg(filtered ? icons.search : icons.user)),
            h('strong', {}, filtered ? 'No participant matches these filters' : 'No participants yet'),
            h('p', {}, filtered
              ? 'Clear the search or pick another cohort or status.'
              : 'Add a participant by their study ID above, or import a CSV of IDs, then connect their wearable. Their data is stored on this computer.')))),
    );
    return;
  }
  const sorted = opts.sort ? sortParticipants(list, opts.sort) : [...list].sort(byId);
  tbody.replaceChildren(...sorted.map((p) => participantRow(p, ctx, act)));
}

/** What an import did, line by line for errors. */
const ACTION_LABEL: Record<ImportAction, string> = { add: 'Add', already_present: 'Already present', skip: 'Skipped' };

/** Rows shown in a preview; the rest are counted. */
const PREVIEW_ROWS = 200;

/** What a CSV would import, row by row, with Import and Cancel: nothing is written before Import. */
export function renderImportPreview(plan: ImportPlan, fileName: string, onImport: () => void, onCancel: () => void): HTMLElement {
  const parts = [
    `${plural(plan.to_add, 'participant')} to add`,
    plan.already_present ? `${num(plan.already_present)} already present` : null,
    plan.skipped ? `${plural(plan.skipped, 'line')} skipped` : null,
  ].filter(Boolean);
  const shown = plan.rows.slice(0, PREVIEW_ROWS);
  return h('div', { class: `import-report notice ${plan.skipped ? 'warn' : 'ok'}`, id: 'import-preview', role: 'region', 'aria-label': `Preview of ${fileName}`, 'data-to-add': String(plan.to_add), 'data-skipped': String(plan.skipped) },
    svg(plan.skipped ? icons.alert : icons.check),
    h('div', { class: 'import-report-body' },
      h('strong', {}, `${fileName}: ${parts.join(' · ')}. Nothing is imported until you press Import.`),
      h('div', { class: 'import-preview-scroll' },
        h('table', { class: 'import-preview-table' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Line'), h('th', {}, 'Participant'), h('th', {}, 'Cohort'), h('th', {}, 'Result'))),
          h('tbody', {}, shown.map((r) => h('tr', { 'data-line': String(r.line), 'data-action': r.action, class: `import-${r.action}` },
            h('td', { class: 'num' }, String(r.line)),
            h('td', { class: 'import-id', title: r.participant_id }, r.participant_id || '—'),
            h('td', {}, r.cohort ?? ''),
            h('td', {}, h('b', {}, ACTION_LABEL[r.action]), r.problem ? `: ${r.problem}` : '')))))),
      plan.rows.length > shown.length ? h('p', {}, `… and ${num(plan.rows.length - shown.length)} more lines.`) : null,
      h('div', { class: 'import-preview-actions' },
        h('button', { class: 'btn primary', id: 'import-confirm', type: 'button', disabled: plan.to_add === 0, onclick: onImport },
          plan.to_add ? `Import ${plural(plan.to_add, 'participant')}` : 'Nothing to import'),
        h('button', { class: 'btn', id: 'import-cancel', type: 'button', onclick: onCancel }, 'Cancel'))));
}

export function renderImportReport(r: ImportReport, onDismiss?: () => void): HTMLElement {
  const tone = r.errors.length ? (r.added.length ? 'warn' : 'error') : 'ok';
  const parts = [
    `${plural(r.added.length, 'participant')} added`,
    r.already_present.length ? `${num(r.already_present.length)} already present` : null,
    r.errors.length ? plural(r.errors.length, 'line') + ' not imported' : null,
  ].filter(Boolean);
  return h('div', { class: `import-report notice ${tone === 'ok' ? 'ok' : tone}`, id: 'import-report', 'data-added': String(r.added.length), 'data-errors': String(r.errors.length), role: 'status' },
    svg(tone === 'ok' ? icons.check : icons.alert),
    h('div', { class: 'import-report-body' },
      h('strong', {}, `Import: ${parts.join(' · ')}.`),
      r.already_present.length
        ? h('p', { class: 'import-present' }, 'Already present (left as they were): ', r.already_present.join(', '))
        : null,
      r.errors.length
        ? h('ul', { class: 'import-errors' }, r.errors.map(([line, msg]) => h('li', { 'data-line': String(line) }, h('b', {}, `Line ${line}: `), msg)))
        : null),
    onDismiss ? h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss', onclick: onDismiss }, svg(icons.close)) : null);
}

function shortDate(ms: number): string {
  return ymd(new Date(ms));
}

function num(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}
