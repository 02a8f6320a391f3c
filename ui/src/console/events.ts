/** The event log: what the app did, newest first, filterable by kind. */
import { h, nodes, svg } from '../shared/dom';
import { icons } from '../shared/icons';
import * as api from './api';
import { absoluteTime, providerName } from './format';
import { toast } from './toast';
import type { EventRow, Participant } from './types';

/** Kinds by their first part ("token.refreshed" → "token"). */
export function kindGroup(kind: string): string {
  return kind.split('.')[0];
}

export function kindTone(kind: string): 'error' | 'warn' | 'ok' | 'info' {
  if (/(fail|error|denied|revoked|reauth)/.test(kind)) return 'error';
  if (/(deleted|wipe|disconnect|deregister|faults)/.test(kind)) return 'warn';
  if (/(connected|accepted|succeeded|created|imported|success)/.test(kind)) return 'ok';
  return 'info';
}

/** The detail as one readable line (keys in order, objects compact). */
export function detailText(d: unknown): string {
  if (d === null || d === undefined) return '';
  if (typeof d !== 'object') return String(d);
  if (Array.isArray(d)) return JSON.stringify(d);
  return Object.entries(d as Record<string, unknown>)
    // Switches that are off say nothing (a fault event lists only what is on).
    .filter(([, v]) => v !== null && v !== undefined && v !== '' && v !== false)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

export function filterEvents(list: EventRow[], kind: string, text: string): EventRow[] {
  const q = text.trim().toLowerCase();
  return list.filter((e) => (!kind || e.kind === kind || kindGroup(e.kind) === kind)
    && (!q || `${e.kind} ${e.provider ?? ''} ${e.user_id ?? ''} ${detailText(e.detail)}`.toLowerCase().includes(q)));
}

export class EventsPage {
  readonly el: HTMLElement;
  private events: EventRow[] = [];
  private readonly kindSel = h('select', { class: 'vl-input select', id: 'event-kind', 'aria-label': 'Kind' });
  private readonly search = h('input', { class: 'vl-input', type: 'search', id: 'event-search', placeholder: 'Search events', 'aria-label': 'Search events' });
  private readonly count = h('span', { class: 'muted small', id: 'events-count' });
  private readonly tbody = h('tbody', {});

  constructor(private readonly participants: () => Participant[]) {
    this.kindSel.addEventListener('change', () => this.render());
    this.search.addEventListener('input', () => this.render());
    this.el = h('div', { class: 'page-body' },
      h('section', { class: 'card' },
        h('div', { class: 'panel-head' },
          h('div', { class: 'panel-title' }, h('h2', {}, 'Event log'),
            h('p', { class: 'panel-sub' }, 'Connections, syncs, token refreshes, consents, exports and settings changes. Included in every export (events file).')),
          h('div', { class: 'panel-tools' }, this.search, this.kindSel,
            h('button', { class: 'vl-btn small', type: 'button', id: 'events-refresh', onclick: () => void this.load() }, svg(icons.sync), 'Refresh'),
            this.count)),
        h('div', { class: 'table-wrap tall' },
          h('table', { class: 'data-table events-table', id: 'events' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Event'), h('th', {}, 'Participant'), h('th', {}, 'Provider'), h('th', {}, 'Detail'))),
            this.tbody))));
  }

  async load() {
    try {
      this.events = await api.eventLog(1000);
    } catch (e) {
      toast(`Could not load the event log: ${api.toCommandError(e).message}`, 'error');
      return;
    }
    const current = this.kindSel.value;
    const kinds = [...new Set(this.events.map((e) => e.kind))].sort();
    const groups = [...new Set(kinds.map(kindGroup))].filter((g) => kinds.filter((k) => kindGroup(k) === g).length > 1);
    this.kindSel.replaceChildren(...nodes(
      h('option', { value: '' }, 'All kinds'),
      groups.length ? h('optgroup', { label: 'Groups' }, groups.map((g) => h('option', { value: g }, `${g}.*`))) : null,
      h('optgroup', { label: 'Kinds' }, kinds.map((k) => h('option', { value: k }, k)))));
    this.kindSel.value = [...kinds, ...groups].includes(current) ? current : '';
    this.render();
  }

  render() {
    const names = new Map(this.participants().map((p) => [p.user_id, p.client_user_id]));
    const list = filterEvents(this.events, this.kindSel.value, this.search.value);
    this.count.textContent = `${list.length} of ${this.events.length}`;
    if (!list.length) {
      this.tbody.replaceChildren(h('tr', { class: 'empty-row' }, h('td', { colspan: '5' },
        h('div', { class: 'empty-state compact' }, h('strong', {}, this.events.length ? 'No event matches' : 'No events yet'),
          h('p', {}, this.events.length ? 'Pick another kind or clear the search.' : 'What the app does is recorded here.')))));
      return;
    }
    this.tbody.replaceChildren(...list.map((e) =>
      h('tr', { 'data-event': String(e.id), 'data-kind': e.kind },
        h('td', { class: 'nowrap muted' }, absoluteTime(e.at)),
        h('td', {}, h('span', { class: `kind-badge tone-${kindTone(e.kind)}` }, e.kind)),
        h('td', { class: 'nowrap' }, e.user_id ? (names.get(e.user_id) ?? h('span', { class: 'mono muted', title: e.user_id }, e.user_id.slice(0, 8))) : '–'),
        h('td', { class: 'nowrap' }, e.provider ? providerName(e.provider) : '–'),
        h('td', { class: 'event-detail' }, detailText(e.detail)))));
  }
}
