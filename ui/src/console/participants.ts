/** The participants table: one row per participant, with their connections and data counts. */
import { h, svg } from '../shared/dom';
import { icons } from '../shared/icons';
import { absoluteTime, formatCounts, lastSync, providerLogo, providerName, relativeTime } from './format';
import type { Connection, Participant } from './types';

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
  now?: number;
}

export interface TableActions {
  select(p: Participant): void;
  connect(p: Participant): void;
  sync(p: Participant): void;
}

const STATUS_LABEL: Record<string, string> = {
  connected: 'Connected',
  syncing: 'Syncing',
  error: 'Sync error',
  reauth_required: 'Needs reconnect',
};

export function statusTitle(c: Connection): string {
  const base = `${providerName(c.provider)}: ${STATUS_LABEL[c.status] ?? c.status}`;
  return c.error_message ? `${base} — ${c.error_message}` : base;
}

/** A provider mark with its status pill; the pill's text is exactly the status. */
export function providerPill(c: Connection, apiBase: string, progress?: SyncProgress): HTMLElement {
  return h('span', { class: 'conn', 'data-provider': c.provider, title: statusTitle(c) },
    h('img', { class: 'conn-logo', src: providerLogo(apiBase, c.provider), alt: '', width: 20, height: 20 }),
    h('span', { class: 'conn-name' }, providerName(c.provider)),
    h('span', { class: `provider-status status-${c.status}` }, c.status),
    progress && progress.total
      ? h('span', { class: 'conn-progress' }, `${progress.resource} ${progress.done}/${progress.total}`)
      : null);
}

export function participantRow(p: Participant, ctx: TableContext, act: TableActions): HTMLTableRowElement {
  const last = lastSync(p.connections);
  const busy = ctx.syncing.has(p.user_id) || p.connections.some((c) => c.status === 'syncing');
  const selected = p.user_id === ctx.selectedUserId;
  const row = h('tr', {
    'data-user': p.client_user_id, 'data-user-id': p.user_id, class: selected ? 'selected' : '',
    'aria-selected': selected ? 'true' : 'false', tabindex: '0',
  },
    h('td', { class: 'col-participant' },
      h('span', { class: 'participant-id' }, p.client_user_id),
      h('span', { class: 'participant-uuid', title: p.user_id }, p.user_id.slice(0, 8))),
    h('td', { class: 'col-devices' },
      p.connections.length
        ? h('span', { class: 'conns' }, p.connections.map((c) => providerPill(c, ctx.apiBase, ctx.progress.get(c.id))))
        : h('span', { class: 'muted' }, 'No device')),
    h('td', { class: 'col-sync' },
      h('span', { class: 'last-sync', title: last ? absoluteTime(last) : 'Never synced' }, relativeTime(last, ctx.now))),
    h('td', { class: 'col-data' }, h('span', { class: 'counts' }, formatCounts(p.counts))),
    h('td', { class: 'col-actions' },
      h('span', { class: 'row-actions' },
        h('button', {
          class: 'vl-btn small connect-btn', type: 'button', title: `Connect a device for ${p.client_user_id}`,
          onclick: (e: MouseEvent) => {
            e.stopPropagation();
            act.connect(p);
          },
        }, svg(icons.plus), 'Connect'),
        h('button', {
          class: 'vl-btn small sync-btn', type: 'button', disabled: !p.connections.length || ctx.syncing.has(p.user_id),
          title: p.connections.length ? `Sync ${p.client_user_id} now` : 'Connect a device first',
          onclick: (e: MouseEvent) => {
            e.stopPropagation();
            act.sync(p);
          },
        }, busy ? h('span', { class: 'vl-spinner' }) : svg(icons.sync), 'Sync'))));
  row.addEventListener('click', () => act.select(p));
  row.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target === row) {
      e.preventDefault();
      act.select(p);
    }
  });
  return row;
}

/** Fills the table body; an empty state row when there is nobody yet. */
export function renderParticipants(tbody: HTMLTableSectionElement, list: Participant[], ctx: TableContext, act: TableActions) {
  if (!list.length) {
    tbody.replaceChildren(
      h('tr', { class: 'empty-row' },
        h('td', { colspan: '5' },
          h('div', { class: 'empty-state' },
            h('span', { class: 'empty-icon' }, svg(icons.user)),
            h('strong', {}, 'No participants yet'),
            h('p', {}, 'Add a participant by their study ID above, then connect their wearable. Their data is stored on this computer.')))),
    );
    return;
  }
  const sorted = [...list].sort((a, b) => a.client_user_id.localeCompare(b.client_user_id, undefined, { numeric: true }));
  tbody.replaceChildren(...sorted.map((p) => participantRow(p, ctx, act)));
}
