/** The QA inspector: every HTTP exchange with a provider, a connection's token state, and the sandbox fault switches. */
import { h, nodes, svg } from '../shared/dom';
import { icons } from '../shared/icons';
import * as api from './api';
import { confirmDialog } from './dialog';
import { absoluteTime, providerName, untilTime } from './format';
import {
  activeFaults, clockTime, FAULT_FIELDS, formatLatency, headerLines, KIND_LABEL, NO_FAULTS, parseFaultNumber, prettyBody,
  splitUrl, statusClass, statusText,
} from './inspector-format';
import { toast } from './toast';
import type { AppEvent, Connection, ConnectionDetails, Exchange, Faults, Participant } from './types';

export interface InspectorDeps {
  participants(): Participant[];
  sandboxProviders(): string[];
  /** Runs the link flow again for this participant and provider. */
  relink(p: Participant, provider: string): void;
  /** After a revoke or a refresh: the participant table may have changed. */
  changed(): void;
}

/**
 * Auto-refresh follows the core's events (a sync or a sign-in is what records exchanges), not a
 * timer: idle, the inspector does nothing. Events in a burst (a backfill) coalesce into one load.
 */
export const EVENT_DEBOUNCE_MS = 400;

export class InspectorPage {
  readonly el: HTMLElement;
  private exchanges: Exchange[] = [];
  private selectedId: number | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private active = false;
  private loading = false;
  private readonly providerSel = h('select', { class: 'vl-input select', id: 'inspector-provider', 'aria-label': 'Provider' });
  private readonly connSel = h('select', { class: 'vl-input select', id: 'inspector-connection', 'aria-label': 'Connection' });
  private readonly auto = h('input', { type: 'checkbox', id: 'inspector-auto', checked: true });
  private readonly count = h('span', { class: 'muted small', id: 'inspector-count' });
  private readonly tbody = h('tbody', {});
  private readonly details = h('div', { class: 'ex-details', id: 'exchange-details' });
  private readonly connPanel = h('section', { class: 'card conn-panel', id: 'connection-details', hidden: true });
  private readonly faultPanel = h('section', { class: 'card fault-panel', id: 'faults' });
  private readonly faultProvider = h('select', { class: 'vl-input select', id: 'faults-provider', 'aria-label': 'Sandbox provider' });
  private readonly faultForm = h('form', { class: 'fault-form', id: 'faults-form' });
  private faultSeq = 0;
  private readonly faultState = h('span', { class: 'fault-state', id: 'faults-active' });

  constructor(private readonly deps: InspectorDeps) {
    this.providerSel.addEventListener('change', () => {
      this.fillConnections();
      void this.load();
    });
    this.connSel.addEventListener('change', () => {
      void this.load();
      void this.loadConnection();
    });
    this.auto.addEventListener('change', () => this.schedule());
    this.faultProvider.addEventListener('change', () => void this.loadFaults());
    this.faultForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.saveFaults();
    });

    const table = h('table', { class: 'data-table ex-table', id: 'inspector-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, 'Time'), h('th', {}, 'Provider'), h('th', {}, 'Kind'), h('th', {}, 'Method'), h('th', {}, 'URL'),
        h('th', { class: 'num' }, 'Status'), h('th', { class: 'num' }, 'Latency'))),
      this.tbody);

    this.el = h('div', { class: 'page-body inspector' },
      h('section', { class: 'card' },
        h('div', { class: 'panel-head' },
          h('div', { class: 'panel-title' }, h('h2', {}, 'HTTP exchanges'),
            h('p', { class: 'panel-sub' }, 'Every request to a provider in this session, as sent and received. Secrets are redacted by the app before they reach this view.')),
          h('div', { class: 'panel-tools' },
            this.providerSel, this.connSel,
            h('label', { class: 'check-label' }, this.auto, 'Auto-refresh'),
            h('button', { class: 'vl-btn small', type: 'button', id: 'inspector-refresh', onclick: () => void this.load() }, svg(icons.sync), 'Refresh'),
            this.count)),
        h('div', { class: 'ex-split' },
          h('div', { class: 'table-wrap ex-list' }, table),
          this.details)),
      this.connPanel,
      this.faultPanel);
    this.renderDetails();
  }

  show() {
    this.active = true;
    this.fillProviders();
    this.fillConnections();
    this.renderFaultPanel();
    void this.load();
    void this.loadConnection();
    this.schedule();
  }

  hide() {
    this.active = false;
    this.schedule();
  }

  dispose() {
    this.active = false;
    this.schedule();
  }

  /** Picks a connection (from elsewhere in the console). */
  focusConnection(connectionId: number, provider: string) {
    this.fillProviders();
    this.providerSel.value = provider;
    this.fillConnections();
    this.connSel.value = String(connectionId);
  }

  /** Stops a pending event-driven reload (page hidden, auto-refresh off). */
  private schedule() {
    if (this.active && this.auto.checked) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * An `app://event` (link_state, sync_progress, sync_finished): new exchanges may have been
   * recorded. Reloads once the burst settles, when the page is shown with auto-refresh on.
   */
  onAppEvent(e: AppEvent) {
    if (!this.active || !this.auto.checked || e.type === 'export_progress') return;
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.load(true);
      if (e.type !== 'sync_progress') void this.loadConnection();
    }, EVENT_DEBOUNCE_MS);
  }

  private connections(): { c: Connection; p: Participant }[] {
    return this.deps.participants().flatMap((p) => p.connections.map((c) => ({ c, p })));
  }

  private fillProviders() {
    const current = this.providerSel.value;
    const slugs = new Set<string>([...this.deps.sandboxProviders(), ...this.connections().map(({ c }) => c.provider), ...this.exchanges.map((e) => e.provider)]);
    this.providerSel.replaceChildren(
      h('option', { value: '' }, 'All providers'),
      ...[...slugs].sort().map((s) => h('option', { value: s }, providerName(s))));
    this.providerSel.value = [...slugs].includes(current) ? current : '';
  }

  private fillConnections() {
    const current = this.connSel.value;
    const prov = this.providerSel.value;
    const list = this.connections().filter(({ c }) => !prov || c.provider === prov);
    this.connSel.replaceChildren(
      h('option', { value: '' }, 'All connections'),
      ...list.map(({ c, p }) => h('option', { value: String(c.id) }, `${p.client_user_id} · ${providerName(c.provider)} (#${c.id})`)));
    this.connSel.value = list.some(({ c }) => String(c.id) === current) ? current : '';
  }

  async load(quiet = false) {
    if (this.loading) return;
    this.loading = true;
    try {
      const connectionId = this.connSel.value ? Number(this.connSel.value) : null;
      this.exchanges = await api.inspector({ connectionId, provider: this.providerSel.value || null, limit: 500 });
      this.renderTable();
    } catch (e) {
      if (!quiet) toast(`Could not load the inspector: ${api.toCommandError(e).message}`, 'error');
    } finally {
      this.loading = false;
    }
  }

  private renderTable() {
    this.count.textContent = `${this.exchanges.length} exchange${this.exchanges.length === 1 ? '' : 's'}`;
    if (!this.exchanges.length) {
      this.tbody.replaceChildren(h('tr', { class: 'empty-row' }, h('td', { colspan: '7' },
        h('div', { class: 'empty-state compact' },
          h('strong', {}, 'No exchanges yet'),
          h('p', {}, 'Connect a device or sync a participant: each request to the provider appears here.')))));
      this.renderDetails();
      return;
    }
    if (this.selectedId !== null && !this.exchanges.some((e) => e.id === this.selectedId)) this.selectedId = null;
    this.tbody.replaceChildren(...this.exchanges.map((e) => {
      const { host, path } = splitUrl(e.url);
      const row = h('tr', {
        'data-exchange': String(e.id), 'data-status': statusText(e), class: e.id === this.selectedId ? 'selected' : '', tabindex: '0',
      },
        h('td', { class: 'mono nowrap', title: absoluteTime(e.at) }, clockTime(e.at)),
        h('td', { class: 'nowrap' }, providerName(e.provider)),
        h('td', {}, h('span', { class: `kind-badge kind-${e.kind}` }, KIND_LABEL[e.kind] ?? e.kind)),
        h('td', { class: 'mono' }, e.method),
        h('td', { class: 'mono ex-url', title: e.url }, h('span', { class: 'muted' }, host), path),
        h('td', { class: 'num' }, h('span', { class: `http-status ${statusClass(e)}` }, statusText(e))),
        h('td', { class: 'num mono nowrap' }, formatLatency(e.latency_ms)));
      const pick = () => {
        this.selectedId = e.id;
        for (const r of this.tbody.querySelectorAll('tr.selected')) r.classList.remove('selected');
        row.classList.add('selected');
        this.renderDetails();
      };
      row.addEventListener('click', pick);
      row.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          pick();
        }
      });
      return row;
    }));
    this.renderDetails();
  }

  private renderDetails() {
    const e = this.exchanges.find((x) => x.id === this.selectedId);
    if (!e) {
      this.details.replaceChildren(h('div', { class: 'empty-state compact' },
        h('span', { class: 'empty-icon' }, svg(icons.inspect)),
        h('strong', {}, 'Select an exchange'),
        h('p', {}, 'Its headers and bodies appear here.')));
      return;
    }
    const block = (title: string, text: string, kind?: string) =>
      h('section', { class: 'ex-block' },
        h('h4', {}, title, kind && kind !== 'text' && kind !== 'empty' ? h('span', { class: 'muted small' }, ` ${kind.toUpperCase()}`) : null),
        text ? h('pre', { class: 'code-block' }, text) : h('p', { class: 'muted small' }, 'None'));
    const req = prettyBody(e.request_body);
    const res = prettyBody(e.response_body);
    this.details.replaceChildren(...nodes(
      h('div', { class: 'ex-summary' },
        h('div', { class: 'ex-line' },
          h('span', { class: `http-status ${statusClass(e)}` }, statusText(e)),
          h('code', { class: 'ex-method' }, e.method),
          h('code', { class: 'ex-full-url' }, e.url)),
        h('p', { class: 'muted small' },
          `${providerName(e.provider)} · ${KIND_LABEL[e.kind] ?? e.kind} · ${formatLatency(e.latency_ms)} · ${absoluteTime(e.at)}`,
          e.connection_id !== null ? ` · connection #${e.connection_id}` : '')),
      e.error ? h('div', { class: 'notice error' }, svg(icons.alert), h('div', {}, e.error)) : null,
      block('Request headers', headerLines(e.request_headers)),
      block('Request body', req.text, req.kind),
      block('Response headers', headerLines(e.response_headers)),
      block('Response body', res.text, res.kind)));
  }

  // ── One connection ──────────────────────────────────────────────────────────────────
  async loadConnection() {
    const id = this.connSel.value ? Number(this.connSel.value) : null;
    if (id === null) {
      this.connPanel.hidden = true;
      return;
    }
    this.connPanel.hidden = false;
    this.connPanel.replaceChildren(h('div', { class: 'loading-line' }, h('span', { class: 'vl-spinner' }), 'Loading the connection…'));
    try {
      this.renderConnection(await api.connectionDetails(id));
    } catch (e) {
      this.connPanel.replaceChildren(h('div', { class: 'notice error' }, svg(icons.alert), h('div', {}, `Could not load connection #${id}: ${api.toCommandError(e).message}`)));
    }
  }

  private renderConnection(d: ConnectionDetails) {
    const c = d.connection;
    const p = this.deps.participants().find((x) => x.user_id === c.user_id);
    const row = (k: string, v: Node | string, id?: string) => h('div', { class: 'kv' }, h('dt', {}, k), h('dd', { id }, v));
    const exp = d.token_expires_at;
    const expired = exp !== null && exp < Date.now();
    this.connPanel.replaceChildren(...nodes(
      h('div', { class: 'panel-head' },
        h('div', { class: 'panel-title' },
          h('h2', {}, `${p?.client_user_id ?? c.user_id} · ${providerName(c.provider)}`),
          h('p', { class: 'panel-sub' }, `Connection #${c.id} · `, h('span', { class: `provider-status status-${c.status}` }, c.status))),
        h('div', { class: 'panel-tools' },
          h('button', { class: 'vl-btn small', type: 'button', id: 'force-refresh', onclick: () => void this.forceRefresh(d) }, svg(icons.sync), 'Force refresh'),
          h('button', {
            class: 'vl-btn small', type: 'button', id: 'rerun-link', disabled: !p,
            onclick: () => p && this.deps.relink(p, c.provider),
          }, svg(icons.watch), 'Re-run the link flow'),
          h('button', { class: 'vl-btn small danger-outline', type: 'button', id: 'revoke-connection', onclick: () => void this.revoke(d, p) }, svg(icons.unplug), 'Revoke'))),
      c.error_message ? h('div', { class: 'notice error conn-panel-error' }, svg(icons.alert), h('div', {}, h('strong', {}, `${c.error_type ?? 'error'}: `), c.error_message)) : null,
      h('dl', { class: 'kv-grid' },
        row('Access token', h('code', {}, d.access_token), 'conn-access-token'),
        row('Expires', exp ? `${absoluteTime(exp)} (${expired ? 'expired' : untilTime(exp)})` : 'No expiry given'),
        row('Refresh token', d.has_refresh_token ? 'Stored (sealed)' : 'None'),
        row('Last refresh', d.last_refresh ? absoluteTime(d.last_refresh) : 'Never'),
        row('Scopes granted', d.scopes_granted.length ? h('span', { class: 'scopes' }, d.scopes_granted.map((s) => h('code', { class: 'scope' }, s))) : 'None recorded'),
        row('Scopes requested', h('span', { class: 'scopes' }, d.scopes_requested.map((s) =>
          h('code', { class: `scope${d.scopes_granted.includes(s) ? '' : ' missing'}`, title: d.scopes_granted.includes(s) ? 'granted' : 'not granted' }, s)))),
        row('Provider user', c.external_user_id ?? '–'),
        row('Last sync', c.last_sync_at ? absoluteTime(c.last_sync_at) : 'Never')),
      d.cursors.length
        ? h('table', { class: 'data-table cursors' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Resource'), h('th', {}, 'Newest day'), h('th', {}, 'Oldest day'), h('th', {}, 'Backfill to'))),
            h('tbody', {}, d.cursors.map((k) => h('tr', {}, h('td', {}, k.resource), h('td', { class: 'mono' }, k.newest_day ?? '–'), h('td', { class: 'mono' }, k.oldest_day ?? '–'), h('td', { class: 'mono' }, k.backfill_target ?? '–')))))
        : h('p', { class: 'muted small pad' }, 'No sync cursors yet.')));
  }

  private async forceRefresh(d: ConnectionDetails) {
    const btn = this.connPanel.querySelector<HTMLButtonElement>('#force-refresh');
    if (btn) btn.disabled = true;
    try {
      this.renderConnection(await api.forceRefresh(d.connection.id));
      toast('The token was refreshed.', 'ok');
    } catch (e) {
      toast(`Refresh failed: ${api.toCommandError(e).message}`, 'error');
      void this.loadConnection();
    } finally {
      void this.load(true);
      this.deps.changed();
    }
  }

  private async revoke(d: ConnectionDetails, p: Participant | undefined) {
    const who = p?.client_user_id ?? d.connection.user_id;
    const ok = await confirmDialog({
      id: 'revoke-dialog', danger: true, title: `Revoke ${providerName(d.connection.provider)} for ${who}?`, confirmLabel: 'Revoke',
      body: ['The token is revoked at the provider and the connection is removed. Stored data is kept. The participant can connect again later.'],
    });
    if (!ok) return;
    try {
      await api.disconnect(d.connection.user_id, d.connection.provider);
      toast(`Revoked ${providerName(d.connection.provider)} for ${who}.`, 'ok');
      this.connSel.value = '';
      this.connPanel.hidden = true;
    } catch (e) {
      toast(`Revoke failed: ${api.toCommandError(e).message}`, 'error');
    } finally {
      void this.load(true);
      this.deps.changed();
    }
  }

  // ── Fault switches ──────────────────────────────────────────────────────────────────
  private renderFaultPanel() {
    const providers = this.deps.sandboxProviders();
    if (!providers.length) {
      this.faultPanel.replaceChildren(
        h('div', { class: 'panel-head' }, h('div', { class: 'panel-title' }, h('h2', {}, 'Fault switches'),
          h('p', { class: 'panel-sub' }, 'Only in the sandbox environment: the sandbox providers can be made to fail on purpose. Switch the environment in Settings.'))));
      return;
    }
    const current = this.faultProvider.value;
    this.faultProvider.replaceChildren(...providers.map((s) => h('option', { value: s }, providerName(s))));
    this.faultProvider.value = providers.includes(current) ? current : providers.includes('oura') ? 'oura' : providers[0];
    this.faultPanel.replaceChildren(
      h('div', { class: 'panel-head' },
        h('div', { class: 'panel-title' }, h('h2', {}, 'Fault switches'),
          h('p', { class: 'panel-sub' }, 'Make a sandbox provider fail on purpose, then sync or connect to see the error in the participant row and here.')),
        h('div', { class: 'panel-tools' }, this.faultProvider, this.faultState)),
      this.faultForm);
    void this.loadFaults();
  }

  /**
   * Shows the switches of the selected provider. While they load, the form holds no switches:
   * a tick on the previous provider's form would be wiped by the re-render (or, if the older
   * answer landed last, the wrong provider's state would show), and Apply would send it off.
   */
  private async loadFaults() {
    const provider = this.faultProvider.value;
    if (!provider) return;
    const my = ++this.faultSeq;
    this.faultForm.replaceChildren(h('p', { class: 'muted', id: 'faults-loading' }, `Loading ${providerName(provider)}’s switches…`));
    try {
      const f = await api.faults(provider);
      if (my === this.faultSeq) this.renderFaultForm(f);
    } catch (e) {
      if (my === this.faultSeq) this.faultForm.replaceChildren(h('div', { class: 'notice error' }, svg(icons.alert), h('div', {}, api.toCommandError(e).message)));
    }
  }

  private renderFaultForm(f: Faults) {
    const active = activeFaults(f);
    this.faultState.className = `fault-state ${active.length ? 'on' : 'off'}`;
    this.faultState.textContent = active.length ? `${active.length} on` : 'All off';
    const groups = ['Sign-in', 'Tokens', 'Data'] as const;
    this.faultForm.replaceChildren(
      h('div', { class: 'fault-groups' }, groups.map((g) =>
        h('fieldset', { class: 'fault-group' }, h('legend', {}, g),
          FAULT_FIELDS.filter((x) => x.group === g).map((x) => {
            const id = `fault-${x.key}`;
            if (x.kind === 'bool') {
              return h('label', { class: 'fault-field switch', title: x.hint },
                h('input', { type: 'checkbox', id, name: x.key, checked: f[x.key] === true }),
                h('span', {}, h('span', { class: 'fault-label' }, x.label), h('span', { class: 'fault-hint' }, x.hint)));
            }
            const v = f[x.key];
            return h('label', { class: 'fault-field number', title: x.hint },
              h('span', {}, h('span', { class: 'fault-label' }, x.label), h('span', { class: 'fault-hint' }, x.hint)),
              h('span', { class: 'input-unit' },
                h('input', { class: 'vl-input', type: 'text', inputmode: 'numeric', id, name: x.key, value: v === null || v === undefined ? '' : String(v), placeholder: 'off' }),
                x.unit ? h('span', { class: 'unit' }, x.unit) : null));
          })))),
      h('p', { class: 'field-msg error', id: 'faults-error', hidden: true, role: 'alert' }),
      h('div', { class: 'form-actions' },
        h('button', { class: 'vl-btn', type: 'button', id: 'faults-clear', onclick: () => void this.applyFaults({ ...NO_FAULTS }) }, 'Turn all off'),
        h('button', { class: 'vl-btn primary', type: 'submit', id: 'faults-apply' }, 'Apply')));
  }

  /** The form's values, or an error message. */
  readFaultForm(): Faults | string {
    const out: Faults = { ...NO_FAULTS };
    for (const x of FAULT_FIELDS) {
      const input = this.faultForm.querySelector<HTMLInputElement>(`[name="${x.key}"]`);
      if (!input) continue;
      if (x.kind === 'bool') {
        (out[x.key] as boolean) = input.checked;
      } else {
        const n = parseFaultNumber(input.value);
        if (n === 'invalid') return `${x.label}: use a whole number, or leave it empty.`;
        (out[x.key] as number | null) = n;
      }
    }
    return out;
  }

  private async saveFaults() {
    const f = this.readFaultForm();
    const err = this.faultForm.querySelector<HTMLElement>('#faults-error');
    if (typeof f === 'string') {
      if (err) {
        err.textContent = f;
        err.hidden = false;
      }
      return;
    }
    await this.applyFaults(f);
  }

  private async applyFaults(f: Faults) {
    const provider = this.faultProvider.value;
    try {
      await api.setFaults(provider, f);
      const on = activeFaults(f);
      toast(on.length ? `${providerName(provider)} sandbox: ${on.join(', ')}.` : `${providerName(provider)} sandbox: all faults off.`, 'ok');
    } catch (e) {
      toast(`Could not set the faults: ${api.toCommandError(e).message}`, 'error');
    }
    await this.loadFaults();
  }
}
