/** Export for analysis: CSV, JSON or Parquet of a study or some participants, over a date range. */
import { dateInput } from './date-input';
import { h, svg } from '../shared/dom';
import { icons } from '../shared/icons';
import * as api from './api';
import { copyText } from './dialog';
import { num, plural } from './format';
import { toast } from './toast';
import type { ExportFormat, ExportReport, ExportRequest, Participant } from './types';

export const FORMATS: { value: ExportFormat; label: string; hint: string }[] = [
  { value: 'csv', label: 'CSV', hint: 'One tidy file per resource, with a data dictionary' },
  { value: 'parquet', label: 'Parquet', hint: 'For pandas, R and Arrow: typed columns' },
  { value: 'json', label: 'JSON', hint: 'In Vital’s API shapes' },
];

/** The file name of a path (either separator). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** The path relative to the export folder when it is inside it. */
export function relativeTo(dir: string, path: string): string {
  const d = dir.replace(/[\\/]+$/, '');
  return path.startsWith(d) ? path.slice(d.length).replace(/^[\\/]+/, '') : path;
}

/** `onlySome`: the researcher chose "only these participants" (an empty list means everyone to the core). */
export function validateRequest(r: ExportRequest, onlySome: boolean): string | null {
  if (r.from && r.to && r.from > r.to) return 'The start of the range is after its end.';
  if (onlySome && r.participants.length === 0) return 'Pick at least one participant, or export everyone.';
  return null;
}

export interface ExportDeps {
  participants(): Participant[];
  /** Participants ticked in the table. */
  checked(): string[];
  window(): { from: string; to: string };
  dataDir(): string;
}

export class ExportPage {
  readonly el: HTMLElement;
  private running = false;
  private readonly scopeAll = h('input', { type: 'radio', name: 'export-scope', id: 'export-scope-all', value: 'all', checked: true });
  private readonly scopeSome = h('input', { type: 'radio', name: 'export-scope', id: 'export-scope-some', value: 'some' });
  private readonly pick = h('div', { class: 'export-pick', id: 'export-participants' });
  private readonly from = dateInput('export-from', 'From');
  private readonly to = dateInput('export-to', 'To');
  private readonly raw = h('input', { type: 'checkbox', id: 'export-raw' });
  private readonly out = h('input', { class: 'vl-input wide', type: 'text', id: 'export-out', spellcheck: 'false', autocomplete: 'off' });
  private readonly run = h('button', { class: 'vl-btn primary', type: 'submit', id: 'export-run' }, svg(icons.download), 'Export');
  private readonly error = h('p', { class: 'field-msg error', id: 'export-error', hidden: true, role: 'alert' });
  private readonly progress = h('div', { class: 'export-progress', id: 'export-progress', hidden: true });
  private readonly bar = h('div', { class: 'progress-bar' }, h('i', {}));
  private readonly progressText = h('span', { class: 'progress-text' });
  private readonly result = h('section', { class: 'card export-result', id: 'export-result', hidden: true });

  constructor(private readonly deps: ExportDeps) {
    this.progress.append(this.bar, this.progressText);
    const formats = h('div', { class: 'format-options', role: 'radiogroup', 'aria-label': 'Format' },
      FORMATS.map((f, i) =>
        h('label', { class: 'format-option' },
          h('input', { type: 'radio', name: 'export-format', value: f.value, id: `export-format-${f.value}`, checked: i === 0 }),
          h('span', {}, h('strong', {}, f.label), h('span', { class: 'muted small' }, f.hint)))));
    this.scopeAll.addEventListener('change', () => this.syncScope());
    this.scopeSome.addEventListener('change', () => this.syncScope());
    const form = h('form', {
      class: 'export-form', onsubmit: (e: Event) => {
        e.preventDefault();
        void this.start();
      },
    },
      h('div', { class: 'form-row' },
        h('span', { class: 'form-label' }, 'Participants'),
        h('div', { class: 'form-field' },
          h('label', { class: 'check-label' }, this.scopeAll, 'Everyone in the study'),
          h('label', { class: 'check-label' }, this.scopeSome, 'Only these participants:'),
          this.pick)),
      h('div', { class: 'form-row' },
        h('span', { class: 'form-label' }, 'Date range'),
        h('div', { class: 'form-field inline' }, this.from, h('span', { class: 'muted' }, '–'), this.to,
          h('span', { class: 'muted small' }, 'Profile data is exported whatever the range.'))),
      h('div', { class: 'form-row' }, h('span', { class: 'form-label' }, 'Format'), h('div', { class: 'form-field' }, formats)),
      h('div', { class: 'form-row' },
        h('span', { class: 'form-label' }, 'Raw payloads'),
        h('div', { class: 'form-field' }, h('label', { class: 'check-label' }, this.raw, 'Also write the providers’ raw responses (raw/*.jsonl)'))),
      h('div', { class: 'form-row' },
        h('span', { class: 'form-label' }, 'Folder'),
        h('div', { class: 'form-field' }, this.out, h('span', { class: 'muted small' }, 'Leave empty for a new folder under the data directory’s exports/.'))),
      this.error,
      h('div', { class: 'form-actions' }, this.progress, this.run));
    this.el = h('div', { class: 'page-body' },
      h('section', { class: 'card' },
        h('div', { class: 'panel-head' },
          h('div', { class: 'panel-title' }, h('h2', {}, 'Export'),
            h('p', { class: 'panel-sub' }, 'Readings, the event log and a manifest. No token, code or secret is ever written.'))),
        form),
      this.result);
  }

  show() {
    const w = this.deps.window();
    if (!this.from.value) this.from.value = w.from;
    if (!this.to.value) this.to.value = w.to;
    this.out.placeholder = `${this.deps.dataDir().replace(/[\\/]+$/, '')}/exports/<date-time>-<format>`;
    const checked = this.deps.checked();
    if (checked.length) {
      this.scopeSome.checked = true;
      this.scopeAll.checked = false;
    }
    this.renderPick(checked);
    this.syncScope();
  }

  private renderPick(checked: string[]) {
    const keep = new Set([...this.pick.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value));
    const on = checked.length ? new Set(checked) : keep;
    const list = [...this.deps.participants()].sort((a, b) => a.client_user_id.localeCompare(b.client_user_id, undefined, { numeric: true }));
    this.pick.replaceChildren(...(list.length
      ? list.map((p) => h('label', { class: 'pick-item', title: p.client_user_id },
          h('input', { type: 'checkbox', value: p.user_id, 'data-user': p.client_user_id, checked: on.has(p.user_id) }),
          h('span', { class: 'pick-id' }, p.client_user_id)))
      : [h('span', { class: 'muted small' }, 'No participants yet.')]));
  }

  private syncScope() {
    this.pick.classList.toggle('disabled', !this.scopeSome.checked);
    for (const i of this.pick.querySelectorAll<HTMLInputElement>('input')) i.disabled = !this.scopeSome.checked;
  }

  request(): ExportRequest {
    const format = (this.el.querySelector<HTMLInputElement>('input[name="export-format"]:checked')?.value ?? 'csv') as ExportFormat;
    const participants = this.scopeSome.checked
      ? [...this.pick.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value)
      : [];
    return {
      format, out: this.out.value.trim() || null, participants,
      from: this.from.value || null, to: this.to.value || null, raw: this.raw.checked,
    };
  }

  /** export_progress events. */
  onProgress(done: number, total: number, what: string) {
    if (!this.running) return;
    const pct = total ? Math.min(100, Math.round((done / total) * 100)) : 0;
    (this.bar.firstElementChild as HTMLElement).style.width = `${pct}%`;
    this.progress.dataset.done = String(done);
    this.progress.dataset.total = String(total);
    this.progressText.textContent = what === 'done' ? 'Finishing…' : `${done} of ${total} · ${what}`;
  }

  async start() {
    if (this.running) return;
    const req = this.request();
    const err = validateRequest(req, this.scopeSome.checked);
    this.error.hidden = !err;
    if (err) {
      this.error.textContent = err;
      return;
    }
    this.running = true;
    this.run.disabled = true;
    this.progress.hidden = false;
    this.onProgress(0, 0, 'starting');
    this.progressText.textContent = 'Starting…';
    this.result.hidden = true;
    try {
      const report = await api.exportData(req);
      this.renderResult(report);
      toast(`Exported ${plural(report.participants, 'participant')} to ${report.dir}`, 'ok');
    } catch (e) {
      this.error.textContent = `The export failed: ${api.toCommandError(e).message}`;
      this.error.hidden = false;
    } finally {
      this.running = false;
      this.run.disabled = false;
      this.progress.hidden = true;
    }
  }

  renderResult(r: ExportReport) {
    const total = r.files.reduce((n, f) => n + f.rows, 0);
    this.result.hidden = false;
    this.result.dataset.dir = r.dir;
    this.result.dataset.format = r.format;
    this.result.replaceChildren(
      h('div', { class: 'panel-head' },
        h('div', { class: 'panel-title' },
          h('h2', {}, svg(icons.check, 'title-icon ok'), 'Export finished'),
          h('p', { class: 'panel-sub' }, `${r.format.toUpperCase()} · ${plural(r.participants, 'participant')} · ${plural(r.files.length, 'file')} · ${plural(total, 'row')}`)),
        h('div', { class: 'panel-tools' },
          h('button', {
            class: 'vl-btn small', type: 'button', id: 'export-copy-dir',
            onclick: () => void copyText(r.dir).then((ok) => toast(ok ? 'Folder path copied.' : 'Select the path and copy it by hand.', ok ? 'ok' : 'info')),
          }, 'Copy folder path'))),
      h('p', { class: 'export-dir' }, svg(icons.folder), h('code', { id: 'export-dir' }, r.dir)),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'data-table', id: 'export-files' },
          h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', { class: 'num' }, 'Rows'))),
          h('tbody', {}, r.files.map((f) => h('tr', { 'data-file': relativeTo(r.dir, f.path), 'data-rows': String(f.rows) },
            h('td', { class: 'mono' }, relativeTo(r.dir, f.path)),
            h('td', { class: 'num rows' }, num(f.rows))))))));
  }
}
