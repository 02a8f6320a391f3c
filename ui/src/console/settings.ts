/** Settings: environment, provider credentials, storage, API key, MCP command, webhooks, forwarding, enrol PIN, agreement, danger zone. */
import { h, svg } from '../shared/dom';
import { icons } from '../shared/icons';
import * as api from './api';
import { confirmDialog, dialog, secretDialog } from './dialog';
import { absoluteTime, providerName } from './format';
import { providerConnectable } from '../shared/providers';
import { toast } from './toast';
import type { AppInfo, CredentialView, SettingsView } from './types';

// ── Validation (pure) ───────────────────────────────────────────────────────────────────

export function validatePin(pin: string): string | null {
  if (!pin) return 'Type a PIN.';
  if (pin.length < 4) return 'Use at least 4 digits or characters.';
  if (pin.length > 64) return 'Keep it under 64 characters.';
  return null;
}

export function validateWebhookUrl(url: string): string | null {
  const t = url.trim();
  if (!t) return 'Type the URL that receives the events.';
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return 'That is not a URL (it should start with https://).';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'Use an http or https URL.';
  return null;
}

export function validateAgreement(version: string, text: string): string | null {
  if (!version.trim()) return 'Give the agreement a version (e.g. 2 or 2026-11).';
  if (!text.trim()) return 'The agreement text is empty.';
  return null;
}

export function validateCredentials(clientId: string): string | null {
  return clientId.trim() ? null : 'The client ID is required.';
}

export function credentialSource(c: CredentialView): string {
  switch (c.source) {
    case 'environment':
      return 'From the environment';
    case 'settings':
      return 'Saved here (sealed)';
    default:
      return 'Not set';
  }
}

export interface SettingsDeps {
  info(): AppInfo;
  /** After the agreement, PIN or data changed. */
  changed(): void;
}

export class SettingsPage {
  readonly el: HTMLElement;
  private view: SettingsView | null = null;
  private readonly body = h('div', { class: 'settings-grid' });

  constructor(private readonly deps: SettingsDeps) {
    this.el = h('div', { class: 'page-body' }, this.body);
    this.body.append(h('div', { class: 'loading-line' }, h('span', { class: 'vl-spinner' }), 'Loading settings…'));
  }

  get current(): SettingsView | null {
    return this.view;
  }

  async load(): Promise<SettingsView | null> {
    try {
      this.view = await api.settings();
    } catch (e) {
      this.body.replaceChildren(h('div', { class: 'notice error' }, svg(icons.alert), h('div', {}, `Could not load the settings: ${api.toCommandError(e).message}`)));
      return null;
    }
    this.render();
    return this.view;
  }

  private render() {
    const s = this.view!;
    this.body.replaceChildren(
      this.environmentCard(s),
      this.storageCard(s),
      this.apiCard(s),
      this.mcpCard(s),
      this.credentialsCard(s),
      this.webhooksCard(s),
      this.forwardCard(s),
      this.enrolCard(s),
      this.agreementCard(s),
      this.dangerCard());
  }

  private card(id: string, title: string, sub: string, ...content: (Node | null)[]): HTMLElement {
    return h('section', { class: 'card settings-card', id },
      h('div', { class: 'panel-head' }, h('div', { class: 'panel-title' }, h('h2', {}, title), h('p', { class: 'panel-sub' }, sub))),
      h('div', { class: 'settings-body' }, content));
  }

  private environmentCard(s: SettingsView): HTMLElement {
    const running = this.deps.info().environment;
    const radios = (['sandbox', 'production'] as const).map((env) =>
      h('label', { class: 'format-option' },
        h('input', { type: 'radio', name: 'environment', value: env, id: `env-${env}`, checked: s.environment === env }),
        h('span', {}, h('strong', {}, env === 'sandbox' ? 'Sandbox' : 'Production'),
          h('span', { class: 'muted small' }, env === 'sandbox'
            ? 'Test providers on this computer with synthetic data. Fault switches available.'
            : 'Real provider accounts, with your registered client credentials.'))));
    const msg = h('p', { class: 'field-msg hint', id: 'env-msg', hidden: true });
    const save = h('button', {
      class: 'vl-btn', type: 'button', id: 'env-save',
      onclick: async () => {
        const env = this.el.querySelector<HTMLInputElement>('input[name="environment"]:checked')?.value;
        if (!env) return;
        try {
          await api.setEnvironment(env);
          msg.textContent = env === running ? `The app runs in ${env} already.` : `Saved. Restart Vital Link to switch to ${env}.`;
          msg.hidden = false;
          toast(env === running ? `Environment: ${env}.` : `Environment set to ${env}: it takes effect after a restart.`, 'ok');
        } catch (e) {
          toast(api.toCommandError(e).message, 'error');
        }
      },
    }, 'Save');
    return this.card('settings-environment', 'Environment', `Running in ${running}. A change takes effect after the app restarts.`,
      h('div', { class: 'format-options' }, radios), h('div', { class: 'form-actions' }, msg, save));
  }

  private storageCard(s: SettingsView): HTMLElement {
    return this.card('settings-storage', 'Storage', 'Set when the app starts (command line or environment).',
      h('dl', { class: 'kv-grid' },
        h('div', { class: 'kv' }, h('dt', {}, 'Data directory'), h('dd', {}, h('code', { id: 'data-dir' }, s.data_dir))),
        h('div', { class: 'kv' }, h('dt', {}, 'History depth'), h('dd', { id: 'history-days' }, `${s.history_days} days copied when a device is connected`))));
  }

  private mcpCard(s: SettingsView): HTMLElement {
    return this.card('settings-mcp', 'AI assistant (MCP)', 'Let your own assistant read this data, read-only, through the Model Context Protocol.',
      h('p', { class: 'muted small' }, 'Register this command as a local (stdio) MCP server in your assistant. Add --participant ID (repeatable) or --cohort NAME to limit whom it sees; raw provider payloads stay off unless you add --allow-raw. Every call it makes is listed under Events.'),
      h('pre', { class: 'code-block', id: 'mcp-command' }, s.mcp_command),
      h('div', { class: 'form-actions' },
        h('button', {
          class: 'vl-btn', type: 'button', id: 'mcp-copy',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(s.mcp_command);
              toast('Command copied.', 'ok');
            } catch {
              toast('Copying is not allowed here: select the command and copy it.', 'info');
            }
          },
        }, 'Copy command')));
  }

  private apiCard(s: SettingsView): HTMLElement {
    const key = h('code', { id: 'api-key' }, s.api_key);
    return this.card('settings-api', 'Local API', 'The Vital-compatible API on this computer, for scripts and the SDKs.',
      h('dl', { class: 'kv-grid' },
        h('div', { class: 'kv' }, h('dt', {}, 'Address'), h('dd', {}, h('code', {}, s.api_base))),
        h('div', { class: 'kv' }, h('dt', {}, 'API key'), h('dd', {}, key, h('span', { class: 'muted small' }, ' (redacted)')))),
      h('div', { class: 'form-actions' },
        h('button', {
          class: 'vl-btn', type: 'button', id: 'rotate-api-key',
          onclick: async () => {
            const ok = await confirmDialog({
              id: 'rotate-dialog', title: 'Rotate the API key?', confirmLabel: 'Rotate',
              body: ['The current key stops working at once. Scripts and apps using it need the new key.'],
            });
            if (!ok) return;
            try {
              const fresh = await api.rotateApiKey();
              await secretDialog('The new API key', fresh, 'It is shown only now. Store it where your scripts read it (e.g. VITAL_API_KEY).', 'api-key-dialog');
              await this.load();
            } catch (e) {
              toast(`Could not rotate the key: ${api.toCommandError(e).message}`, 'error');
            }
          },
        }, svg(icons.key), 'Rotate API key')));
  }

  private credentialsCard(s: SettingsView): HTMLElement {
    const rows = s.credentials.map((c) => {
      const edit = h('button', { class: 'vl-btn small', type: 'button', 'data-edit': c.slug, onclick: () => void this.editCredentials(c) },
        c.source === 'none' ? 'Set' : 'Change');
      return h('tr', { 'data-provider': c.slug },
        h('td', {}, providerName(c.slug)),
        h('td', { class: 'mono' }, c.client_id ?? h('span', { class: 'muted' }, '–')),
        h('td', { class: 'mono' }, c.client_secret ?? h('span', { class: 'muted' }, '–')),
        h('td', {}, h('span', { class: `source-badge ${c.source}` }, credentialSource(c))),
        h('td', { class: 'col-actions' },
          !providerConnectable(c.slug, c.availability)
            ? h('span', { class: 'muted small cred-unavailable', title: c.availability?.state === 'not_available' ? c.availability.reason : `${providerName(c.slug)} cannot be connected from a desktop app.` }, 'Not connectable here')
            : c.source === 'environment' ? h('span', { class: 'muted small' }, 'Set by the environment') : edit));
    });
    return this.card('settings-credentials', 'Provider credentials', 'The client ID and secret of your own app registration with each provider (production). Secrets are sealed and never shown again.',
      h('div', { class: 'table-wrap' },
        h('table', { class: 'data-table', id: 'credentials' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Provider'), h('th', {}, 'Client ID'), h('th', {}, 'Client secret'), h('th', {}, 'Source'), h('th', {}, ''))),
          h('tbody', {}, rows))));
  }

  private async editCredentials(c: CredentialView) {
    const idInput = h('input', { class: 'vl-input', id: 'cred-client-id', value: c.client_id ?? '', autocomplete: 'off', spellcheck: 'false' });
    const secretInput = h('input', { class: 'vl-input', id: 'cred-client-secret', type: 'password', autocomplete: 'new-password', placeholder: c.client_secret ? 'Leave empty to keep the saved secret' : '' });
    const v = await dialog({
      id: 'cred-dialog', title: `${providerName(c.slug)} client credentials`, confirmLabel: 'Save',
      body: [
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Client ID'), idInput),
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Client secret'), secretInput),
        'Used in the production environment. The secret is sealed on this computer.',
      ],
      validate: async () => {
        const err = validateCredentials(idInput.value);
        if (err) return err;
        try {
          await api.setCredentials(c.slug, idInput.value.trim(), secretInput.value || null);
          return null;
        } catch (e) {
          return api.toCommandError(e).message;
        }
      },
    });
    if (v !== null) {
      toast(`${providerName(c.slug)} credentials saved.`, 'ok');
      await this.load();
    }
  }

  private webhooksCard(s: SettingsView): HTMLElement {
    const url = h('input', { class: 'vl-input wide', id: 'webhook-url', type: 'url', placeholder: 'https://example.org/vital-webhooks', autocomplete: 'off' });
    const err = h('p', { class: 'field-msg error', id: 'webhook-error', hidden: true, role: 'alert' });
    url.addEventListener('input', () => (err.hidden = true));
    const list = s.webhooks.length
      ? h('table', { class: 'data-table', id: 'webhooks' },
          h('thead', {}, h('tr', {}, h('th', {}, 'URL'), h('th', {}, 'Added'), h('th', { class: 'num' }, 'Delivered'), h('th', { class: 'num' }, 'Pending'), h('th', { class: 'num' }, 'Failed'), h('th', {}, ''))),
          h('tbody', {}, s.webhooks.map((w) => h('tr', { 'data-webhook': String(w.id) },
            h('td', { class: 'mono' }, w.url), h('td', { class: 'nowrap muted' }, absoluteTime(w.created_at)),
            h('td', { class: 'num' }, String(w.delivered)), h('td', { class: 'num' }, String(w.pending)), h('td', { class: 'num' }, String(w.failed)),
            h('td', { class: 'col-actions' }, h('button', {
              class: 'vl-btn small ghost', type: 'button', 'data-remove-webhook': String(w.id),
              onclick: async () => {
                if (!(await confirmDialog({ id: 'webhook-remove-dialog', danger: true, title: 'Remove this webhook?', body: [w.url, 'Pending deliveries to it are dropped.'], confirmLabel: 'Remove' }))) return;
                try {
                  await api.removeWebhook(w.id);
                  toast('Webhook removed.', 'ok');
                  await this.load();
                } catch (e) {
                  toast(api.toCommandError(e).message, 'error');
                }
              },
            }, 'Remove'))))))
      : h('p', { class: 'muted small pad' }, 'No webhooks. Events (connections, new data) are sent to each URL added here, signed like Svix.');
    const form = h('form', {
      class: 'inline-form', onsubmit: async (e: Event) => {
        e.preventDefault();
        const msg = validateWebhookUrl(url.value);
        if (msg) {
          err.textContent = msg;
          err.hidden = false;
          return;
        }
        try {
          const r = await api.addWebhook(url.value.trim());
          url.value = '';
          await secretDialog('Webhook signing secret', r.secret, 'Verify each delivery’s signature with this secret. It is shown only now.', 'webhook-secret-dialog');
          await this.load();
        } catch (e2) {
          err.textContent = api.toCommandError(e2).message;
          err.hidden = false;
        }
      },
    }, url, h('button', { class: 'vl-btn', type: 'submit', id: 'webhook-add' }, svg(icons.plus), 'Add webhook'));
    return this.card('settings-webhooks', 'Webhooks', 'Vital’s events, delivered to your endpoints with retries.', list, form, err);
  }

  private forwardCard(s: SettingsView): HTMLElement {
    const f = s.forward;
    const sub = 'Every new or changed reading, sent to a Vital-compatible server (set it with `vital-link forward set`).';
    if (!f.enabled) return this.card('settings-forward', 'Forwarding', sub, h('p', { class: 'muted small pad', id: 'forward-state' }, 'Off.'));
    const when = (iso: string | null) => (iso ? absoluteTime(Date.parse(iso)) : 'never');
    const state = h('p', { class: 'small', id: 'forward-state' },
      `To ${f.url}: ${f.outbox.readings} readings queued, ${f.parked.batches} batches parked; last delivery ${when(f.last_delivery_at)}.`,
      f.last_error ? h('span', { class: 'muted' }, ` Last error: ${f.last_error}`) : null);
    const parked = f.dead_letters.length
      ? h('table', { class: 'data-table', id: 'dead-letters' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Participant'), h('th', {}, 'Resource'), h('th', { class: 'num' }, 'Readings'), h('th', { class: 'num' }, 'Tries'), h('th', {}, 'Error'))),
          h('tbody', {}, f.dead_letters.map((d) => h('tr', { 'data-dead-letter': String(d.id) },
            h('td', {}, d.client_user_id ?? d.user_id), h('td', {}, `${providerName(d.provider)} ${d.resource}`),
            h('td', { class: 'num' }, String(d.readings)), h('td', { class: 'num' }, String(d.attempts)),
            h('td', { class: 'mono small' }, d.last_error ?? `HTTP ${d.last_status}`)))))
      : null;
    const retry = f.parked.batches
      ? h('button', {
          class: 'vl-btn', type: 'button', id: 'forward-retry',
          onclick: async () => {
            try {
              const n = await api.forwardRetry();
              toast(`${n} parked batches queued again.`, 'ok');
              await this.load();
            } catch (e) {
              toast(api.toCommandError(e).message, 'error');
            }
          },
        }, 'Retry parked batches')
      : null;
    return this.card('settings-forward', 'Forwarding', sub, state, parked, retry);
  }

  private enrolCard(s: SettingsView): HTMLElement {
    const pin = h('input', { class: 'vl-input', id: 'enrol-pin', type: 'password', inputmode: 'numeric', autocomplete: 'new-password', placeholder: 'At least 4 digits' });
    const err = h('p', { class: 'field-msg error', id: 'enrol-pin-error', hidden: true, role: 'alert' });
    pin.addEventListener('input', () => (err.hidden = true));
    const form = h('form', {
      class: 'inline-form', onsubmit: async (e: Event) => {
        e.preventDefault();
        const msg = validatePin(pin.value);
        if (msg) {
          err.textContent = msg;
          err.hidden = false;
          return;
        }
        try {
          await api.setEnrolPin(pin.value);
          pin.value = '';
          toast('Enrol PIN saved.', 'ok');
          await this.load();
          this.deps.changed();
        } catch (e2) {
          err.textContent = api.toCommandError(e2).message;
          err.hidden = false;
        }
      },
    }, pin, h('button', { class: 'vl-btn', type: 'submit', id: 'enrol-pin-save' }, s.enrol_pin_set ? 'Change PIN' : 'Set PIN'),
    s.enrol_pin_set
      ? h('button', {
          class: 'vl-btn ghost', type: 'button', id: 'enrol-pin-remove',
          onclick: async () => {
            try {
              await api.setEnrolPin(null);
              toast('Enrol PIN removed: anyone can leave enrol mode.', 'info');
              await this.load();
              this.deps.changed();
            } catch (e) {
              toast(api.toCommandError(e).message, 'error');
            }
          },
        }, 'Remove PIN')
      : null);
    return this.card('settings-enrol', 'Enrol mode PIN', 'Enrol mode hands the window to a participant. With a PIN, only the researcher can leave it.',
      h('p', { class: 'status-line', id: 'enrol-pin-status' },
        h('span', { class: `dot ${s.enrol_pin_set ? 'on' : 'off'}` }), s.enrol_pin_set ? 'A PIN is set.' : 'No PIN: anyone can leave enrol mode.'),
      form, err);
  }

  private agreementCard(s: SettingsView): HTMLElement {
    const version = h('input', { class: 'vl-input', id: 'agreement-version-input', value: s.agreement.version, autocomplete: 'off', 'aria-label': 'Version' });
    const text = h('textarea', { class: 'vl-input textarea', id: 'agreement-text-input', rows: '7', 'aria-label': 'Agreement text' });
    text.value = s.agreement.text;
    const err = h('p', { class: 'field-msg error', id: 'agreement-error', hidden: true, role: 'alert' });
    const form = h('form', {
      class: 'stack-form', onsubmit: async (e: Event) => {
        e.preventDefault();
        const msg = validateAgreement(version.value, text.value);
        if (msg) {
          err.textContent = msg;
          err.hidden = false;
          return;
        }
        const changedText = text.value.trim() !== s.agreement.text.trim();
        if (changedText && version.value.trim() === s.agreement.version) {
          const ok = await confirmDialog({
            id: 'agreement-version-dialog', title: 'Keep the same version?', confirmLabel: 'Save anyway',
            body: [`The text changed but the version is still ${s.agreement.version}. Participants who accepted the old text will look as if they accepted this one. Consider a new version.`],
          });
          if (!ok) return;
        }
        try {
          await api.setAgreement(version.value.trim(), text.value.trim());
          toast(`Agreement version ${version.value.trim()} saved. New connections show it.`, 'ok');
          await this.load();
          this.deps.changed();
        } catch (e2) {
          err.textContent = api.toCommandError(e2).message;
          err.hidden = false;
        }
      },
    },
      h('label', { class: 'field narrow' }, h('span', { class: 'field-label' }, 'Version'), version),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Text participants read before connecting'), text),
      err,
      h('div', { class: 'form-actions' }, h('button', { class: 'vl-btn primary', type: 'submit', id: 'agreement-save' }, 'Save agreement')));
    return this.card('settings-agreement', 'Study agreement', 'Shown by the link widget and page; each acceptance is recorded with its version and time.', form);
  }

  private dangerCard(): HTMLElement {
    return h('section', { class: 'card settings-card danger-zone', id: 'settings-danger' },
      h('div', { class: 'panel-head' }, h('div', { class: 'panel-title' }, h('h2', {}, 'Danger zone'),
        h('p', { class: 'panel-sub' }, 'Deletes every participant, reading, token, consent and log of this data directory, securely. This cannot be undone.'))),
      h('div', { class: 'settings-body' }, h('div', { class: 'form-actions' },
        h('button', {
          class: 'vl-btn danger', type: 'button', id: 'wipe-all',
          onclick: async () => {
            const v = await dialog({
              id: 'wipe-dialog', danger: true, title: 'Wipe all data?', confirmLabel: 'Wipe everything',
              body: ['Every participant, reading, token, consent and log on this computer is deleted. Export first if you need the data.'],
              input: { label: 'Type WIPE to confirm', mustEqual: 'WIPE', placeholder: 'WIPE' },
            });
            if (v !== 'WIPE') return;
            try {
              await api.wipeAll('WIPE');
              toast('All data was wiped.', 'ok');
              this.deps.changed();
              await this.load();
            } catch (e) {
              toast(`Wipe failed: ${api.toCommandError(e).message}`, 'error');
            }
          },
        }, svg(icons.trash), 'Wipe all data'))));
  }
}
