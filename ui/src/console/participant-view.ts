/** One participant's data over a date range: counts, charts and workouts. */
import { dateInput } from './date-input';
import { h, svg } from '../shared/dom';
import { icons } from '../shared/icons';
import * as api from './api';
import { CAL_COLOURS, countSamples, fullTimeRange, renderActivityChart, renderCaloriesChart, renderEmpty, renderHeartRateChart, renderSleepChart, STAGE_COLOURS } from './charts';
import { daysBetween, formatDay, formatRange, hoursMinutes, lastDays, num, providerName } from './format';
import { detailsToggle, providerPill } from './participants';
import { explainConnection } from '../shared/messages';
import type { ActivitySummary, BodySummary, Participant, SleepSummary, TimeseriesGrouped, WorkoutSummary } from './types';

export const PRESETS = [7, 30, 90] as const;
export const DEFAULT_DAYS = 30;

export interface ViewDeps {
  apiBase: () => string;
  connect(p: Participant, provider?: string): void;
  sync(p: Participant): void;
  disconnect?(p: Participant, provider: string): void;
  remove?(p: Participant): void;
  enrol?(p: Participant): void;
  inspect?(p: Participant, connectionId: number, provider: string): void;
  /** Saves notes and cohort; resolves false when it failed (the form stays open). */
  saveInfo?(p: Participant, info: { notes: string; cohort: string }): Promise<boolean>;
  isSyncing(p: Participant): boolean;
  /** Today as the core sees it (YYYY-MM-DD); defaults to the browser's today. */
  today?: () => string | undefined;
}

export interface LoadedData {
  sleep: SleepSummary[];
  activity: ActivitySummary[];
  workouts: WorkoutSummary[];
  heartrate: TimeseriesGrouped | null;
  body?: BodySummary[];
}

export class ParticipantView {
  readonly el: HTMLElement;
  private participant: Participant | null = null;
  private range: { from: string; to: string };
  private preset: number | null = DEFAULT_DAYS;
  private seq = 0;
  private readonly head = h('div', { class: 'pv-head' });
  private readonly notices = h('div', { class: 'pv-notices' });
  private readonly rangeLabel = h('span', { class: 'range-label', id: 'range-label' });
  private readonly fromInput = dateInput('range-from', 'From');
  private readonly toInput = dateInput('range-to', 'To');
  private readonly presetButtons: HTMLButtonElement[];
  private readonly stats = {
    sleeps: h('span', { class: 'stat-value', id: 'sleeps-count' }, '–'),
    days: h('span', { class: 'stat-value', id: 'days-count' }, '–'),
    hr: h('span', { class: 'stat-value', id: 'hr-count' }, '–'),
    sleepAvg: h('span', { class: 'stat-value', id: 'sleep-avg' }, '–'),
    stepsAvg: h('span', { class: 'stat-value', id: 'steps-avg' }, '–'),
    restingHr: h('span', { class: 'stat-value', id: 'resting-hr' }, '–'),
  };
  private readonly charts = {
    sleep: h('div', { class: 'chart', id: 'chart-sleep', 'data-points': '0' }),
    activity: h('div', { class: 'chart', id: 'chart-activity', 'data-points': '0' }),
    heartrate: h('div', { class: 'chart', id: 'chart-heartrate', 'data-points': '0' }),
    calories: h('div', { class: 'chart', id: 'chart-calories', 'data-points': '0' }),
  };
  private readonly bodyEl = h('div', { class: 'body-list', id: 'body', 'data-count': '0' });
  private readonly bodyCard: HTMLElement;
  private readonly workouts = h('div', { class: 'workouts', id: 'workouts', 'data-count': '0' });
  private readonly workoutsCount = h('span', { class: 'chart-hint', id: 'workouts-count' });
  private readonly resetZoom = h('button', { class: 'vl-btn small ghost', type: 'button', id: 'hr-reset-zoom', hidden: true }, 'Reset zoom');
  private hrPlot: ReturnType<typeof renderHeartRateChart> = null;
  private readonly body: HTMLElement;

  constructor(private readonly deps: ViewDeps) {
    this.range = lastDays(DEFAULT_DAYS, this.today());
    this.presetButtons = PRESETS.map((d) =>
      h('button', { class: 'seg', type: 'button', id: `range-${d}`, 'data-days': String(d), onclick: () => this.setPreset(d) }, `${d} days`),
    );
    this.resetZoom.addEventListener('click', () => {
      const x = this.hrPlot?.data[0] as number[] | undefined;
      if (!this.hrPlot || !x?.length) return;
      const [min, max] = fullTimeRange(x, this.range);
      this.hrPlot.setScale('x', { min, max });
    });
    this.fromInput.addEventListener('change', () => this.setCustom(this.fromInput.value, this.toInput.value));
    this.toInput.addEventListener('change', () => this.setCustom(this.fromInput.value, this.toInput.value));

    const stat = (label: string, value: HTMLElement, hint: string, icon: string) =>
      h('div', { class: 'stat' },
        h('span', { class: 'stat-label' }, svg(icon), label), value, h('span', { class: 'stat-hint' }, hint));
    const legend = h('span', { class: 'chart-key' },
      (['deep', 'light', 'rem', 'awake'] as const).map((k) => {
        const swatch = h('i', {});
        swatch.style.background = STAGE_COLOURS[k];
        return h('span', {}, swatch, k === 'rem' ? 'REM' : k.charAt(0).toUpperCase() + k.slice(1));
      }));

    const calKey = h('span', { class: 'chart-key' },
      (['total', 'active'] as const).map((k) => {
        const swatch = h('i', {});
        swatch.style.background = CAL_COLOURS[k];
        return h('span', {}, swatch, k === 'total' ? 'Total' : 'Active');
      }));
    this.bodyCard = h('section', { class: 'chart-card wide', id: 'body-card', hidden: true },
      h('header', {}, h('h3', {}, 'Body')),
      this.bodyEl);
    this.body = h('div', { class: 'pv-body' },
      h('div', { class: 'pv-toolbar' },
        h('div', { class: 'segmented', role: 'group', 'aria-label': 'Date range' }, this.presetButtons),
        h('div', { class: 'range-inputs' }, this.fromInput, h('span', { class: 'muted' }, '–'), this.toInput),
        this.rangeLabel),
      h('div', { class: 'stats' },
        stat('Sleeps', this.stats.sleeps, 'sessions, naps included', icons.moon),
        stat('Days', this.stats.days, 'activity records', icons.steps),
        stat('HR samples', this.stats.hr, 'heart-rate readings', icons.heart),
        stat('Avg sleep', this.stats.sleepAvg, 'per night', icons.moon),
        stat('Avg steps', this.stats.stepsAvg, 'per day', icons.steps),
        stat('Resting HR', this.stats.restingHr, 'lowest in sleep, avg', icons.heart)),
      h('div', { class: 'charts' },
        h('section', { class: 'chart-card' },
          h('header', {}, h('h3', {}, 'Sleep stages'), legend),
          this.charts.sleep),
        h('section', { class: 'chart-card' },
          h('header', {}, h('h3', {}, 'Steps per day')),
          this.charts.activity),
        h('section', { class: 'chart-card' },
          h('header', {}, h('h3', {}, 'Calories per day'), calKey),
          this.charts.calories),
        h('section', { class: 'chart-card' },
          h('header', {}, h('h3', {}, 'Workouts'), this.workoutsCount),
          this.workouts),
        h('section', { class: 'chart-card wide' },
          h('header', {}, h('h3', {}, 'Heart rate'), h('span', { class: 'chart-hint' }, 'Drag to zoom · double-click to reset'), this.resetZoom),
          this.charts.heartrate),
        this.bodyCard));

    this.el = h('section', { class: 'card participant-view', id: 'participant-view', hidden: true, 'aria-live': 'polite' },
      this.head, this.notices, this.body);
    this.syncRangeControls();
  }

  get current(): Participant | null {
    return this.participant;
  }

  get currentRange(): { from: string; to: string } {
    return { ...this.range };
  }

  /** Shows `p`; loads data when the participant changes (or `reload`). */
  show(p: Participant, opts: { reload?: boolean } = {}) {
    const changed = this.participant?.user_id !== p.user_id;
    this.participant = p;
    this.el.hidden = false;
    this.el.dataset.user = p.client_user_id;
    this.renderHead();
    if (changed || opts.reload) void this.load();
  }

  private today(): Date {
    const t = this.deps.today?.();
    return t ? new Date(`${t}T12:00:00`) : new Date();
  }

  hide() {
    this.participant = null;
    this.el.hidden = true;
    this.seq++;
  }

  setPreset(days: number) {
    this.preset = days;
    this.range = lastDays(days, this.today());
    this.syncRangeControls();
    void this.load();
  }

  setCustom(from: string, to: string) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to)) return;
    if (from > to) [from, to] = [to, from];
    this.preset = null;
    this.range = { from, to };
    this.syncRangeControls();
    void this.load();
  }

  private syncRangeControls() {
    for (const b of this.presetButtons) {
      const on = Number(b.dataset.days) === this.preset;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    this.fromInput.value = this.range.from;
    this.toInput.value = this.range.to;
    this.fromInput.max = this.range.to;
    this.toInput.min = this.range.from;
    this.rangeLabel.textContent = `${formatRange(this.range.from, this.range.to)} · ${daysBetween(this.range.from, this.range.to)} days`;
  }

  /** Cohort and notes under the name, with an inline editor. */
  private infoLine(p: Participant): HTMLElement {
    const line = h('div', { class: 'pv-info', id: 'pv-info' },
      p.cohort ? h('span', { class: 'cohort-badge', id: 'pv-cohort-chip', title: 'Cohort' }, p.cohort) : null,
      h('span', { class: 'pv-notes muted small', id: 'pv-notes-text' }, p.notes ?? ''),
      this.deps.saveInfo
        ? h('button', { class: 'vl-btn small ghost', type: 'button', id: 'pv-edit', onclick: () => line.replaceWith(this.infoForm(p)) },
            p.notes || p.cohort ? 'Edit' : 'Add cohort or notes')
        : null);
    return line;
  }

  private infoForm(p: Participant): HTMLElement {
    const cohort = h('input', { class: 'vl-input', id: 'pv-cohort', value: p.cohort ?? '', placeholder: 'Cohort', 'aria-label': 'Cohort', maxlength: 100 });
    const notes = h('input', { class: 'vl-input', id: 'pv-notes', value: p.notes ?? '', placeholder: 'Notes', 'aria-label': 'Notes', maxlength: 1000 });
    const save = h('button', { class: 'vl-btn small primary', type: 'submit', id: 'pv-info-save' }, 'Save');
    const form = h('form', {
      class: 'pv-info-form', id: 'pv-info-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        save.disabled = true;
        const ok = await this.deps.saveInfo!(p, { notes: notes.value.trim(), cohort: cohort.value.trim() });
        save.disabled = false;
        if (ok) form.replaceWith(this.infoLine({ ...p, notes: notes.value.trim() || null, cohort: cohort.value.trim() || null }));
      },
    },
    cohort, notes, save,
    h('button', { class: 'vl-btn small ghost', type: 'button', id: 'pv-info-cancel', onclick: () => form.replaceWith(this.infoLine(p)) }, 'Cancel'));
    queueMicrotask(() => cohort.focus());
    return form;
  }

  renderHead() {
    const p = this.participant;
    if (!p) return;
    const apiBase = this.deps.apiBase();
    const syncing = this.deps.isSyncing(p);
    this.head.replaceChildren(
      h('div', { class: 'pv-title' },
        h('span', { class: 'pv-avatar' }, svg(icons.user)),
        h('div', {},
          h('h2', { id: 'participant-title' }, p.client_user_id),
          h('span', { class: 'mono muted small', title: 'Vital user_id' }, p.user_id),
          this.infoLine(p))),
      h('div', { class: 'pv-conns' },
        p.connections.length
          ? p.connections.map((c) => h('span', { class: 'pv-conn' },
              providerPill(c, apiBase, undefined, p.client_user_id),
              this.deps.inspect
                ? h('button', { class: 'icon-btn', type: 'button', title: `Inspect ${providerName(c.provider)} (tokens, requests)`, 'aria-label': `Inspect ${providerName(c.provider)}`, onclick: () => this.deps.inspect!(p, c.id, c.provider) }, svg(icons.inspect))
                : null,
              this.deps.disconnect
                ? h('button', { class: 'icon-btn pv-disconnect', type: 'button', 'data-provider': c.provider, title: `Disconnect ${providerName(c.provider)}`, 'aria-label': `Disconnect ${providerName(c.provider)}`, onclick: () => this.deps.disconnect!(p, c.provider) }, svg(icons.unplug))
                : null))
          : h('span', { class: 'muted' }, 'No device connected')),
      h('div', { class: 'pv-actions' },
        this.deps.remove
          ? h('button', { class: 'vl-btn ghost', type: 'button', id: 'pv-remove', onclick: () => this.deps.remove!(p) }, svg(icons.trash), 'Remove')
          : null,
        this.deps.enrol
          ? h('button', { class: 'vl-btn', type: 'button', id: 'pv-enrol', onclick: () => this.deps.enrol!(p) }, svg(icons.kiosk), 'Enrol mode')
          : null,
        h('button', { class: 'vl-btn', type: 'button', id: 'pv-sync', disabled: !p.connections.length || syncing, onclick: () => this.deps.sync(p) },
          syncing ? h('span', { class: 'vl-spinner' }) : svg(icons.sync), syncing ? 'Syncing…' : 'Sync now'),
        h('button', { class: 'vl-btn primary', type: 'button', id: 'pv-connect', onclick: () => this.deps.connect(p) },
          svg(icons.plus), 'Connect a device')));

    const notes: HTMLElement[] = [];
    if (!p.connections.length) {
      notes.push(h('div', { class: 'notice info' }, svg(icons.watch),
        h('div', {}, h('strong', {}, 'No device connected yet. '),
          'Use “Connect a device” to link this participant’s wearable; their history is copied here as soon as they approve.')));
    }
    for (const c of p.connections) {
      const e = explainConnection(c, p.client_user_id);
      if (!e) continue;
      const [toggle, details] = e.details ? detailsToggle(e.details) : [null, null];
      notes.push(h('div', { class: `notice ${c.status === 'reauth_required' ? 'warn' : 'error'} pv-conn-error`, 'data-provider': c.provider, 'data-code': e.code }, svg(icons.alert),
        h('div', {}, h('strong', {}, e.text), ' ',
          e.action === 'reconnect'
            ? h('button', { class: 'link-btn', type: 'button', onclick: () => this.deps.connect(p, c.provider) }, e.actionLabel ?? 'Reconnect')
            : e.action === 'retry'
              ? h('button', { class: 'link-btn', type: 'button', onclick: () => this.deps.sync(p) }, 'Sync now')
              : null,
          ' ', toggle, details)));
    }
    this.notices.replaceChildren(...notes);
  }

  /** Fetches the range for the current participant and redraws; stale answers are dropped. */
  async load(): Promise<void> {
    const p = this.participant;
    if (!p) return;
    const my = ++this.seq;
    const { from, to } = this.range;
    this.body.classList.add('loading');
    this.body.setAttribute('aria-busy', 'true');
    const [sleep, activity, workouts, heartrate, body] = await Promise.allSettled([
      api.userData(p.user_id, 'sleep', from, to),
      api.userData(p.user_id, 'activity', from, to),
      api.userData(p.user_id, 'workouts', from, to),
      api.userData(p.user_id, 'heartrate', from, to),
      api.userData(p.user_id, 'body', from, to),
    ]);
    if (my !== this.seq) return;
    this.body.classList.remove('loading');
    this.body.removeAttribute('aria-busy');
    const data: LoadedData = {
      sleep: sleep.status === 'fulfilled' ? (sleep.value?.sleep ?? []) : [],
      activity: activity.status === 'fulfilled' ? (activity.value?.activity ?? []) : [],
      workouts: workouts.status === 'fulfilled' ? (workouts.value?.workouts ?? []) : [],
      heartrate: heartrate.status === 'fulfilled' ? heartrate.value : null,
      body: body.status === 'fulfilled' ? (body.value?.body ?? []) : [],
    };
    this.renderData(data);
    const failed = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? api.toCommandError(r.reason).message : null);
    const errs: [HTMLElement, string | null][] = [
      [this.charts.sleep, failed(sleep)],
      [this.charts.activity, failed(activity)],
      [this.charts.calories, failed(activity)],
      [this.charts.heartrate, failed(heartrate)],
    ];
    for (const [el, msg] of errs) if (msg) renderEmpty(el, `Could not load: ${msg}`);
    const wErr = failed(workouts);
    if (wErr) this.workouts.replaceChildren(h('p', { class: 'chart-empty' }, `Could not load: ${wErr}`));
  }

  renderData(d: LoadedData) {
    const hrCount = countSamples(d.heartrate);
    setStat(this.stats.sleeps, d.sleep.length);
    setStat(this.stats.days, d.activity.length);
    setStat(this.stats.hr, hrCount);

    // Naps would pull the average down: a night is the main sleep.
    const nights = d.sleep.filter((s) => (s.total ?? 0) > 0 && s.type !== 'acknowledged_nap');
    this.stats.sleepAvg.textContent = nights.length ? hoursMinutes(avg(nights.map((s) => s.total))) : '–';
    const steps = d.activity.map((a) => a.steps).filter((v): v is number => typeof v === 'number');
    this.stats.stepsAvg.textContent = steps.length ? num(avg(steps)) : '–';
    const lows = d.sleep.map((s) => s.hr_lowest).filter((v): v is number => typeof v === 'number');
    this.stats.restingHr.textContent = lows.length ? `${Math.round(avg(lows))} bpm` : '–';

    renderSleepChart(this.charts.sleep, d.sleep, this.range);
    renderActivityChart(this.charts.activity, d.activity, this.range);
    renderCaloriesChart(this.charts.calories, d.activity, this.range);
    this.renderBody(d.body ?? []);
    this.resetZoom.hidden = true;
    this.hrPlot = renderHeartRateChart(this.charts.heartrate, d.heartrate, this.range, (zoomed) => (this.resetZoom.hidden = !zoomed));
    this.renderWorkouts(d.workouts);
  }

  private renderBody(list: BodySummary[]) {
    this.bodyEl.dataset.count = String(list.length);
    this.bodyCard.hidden = !list.length;
    if (!list.length) {
      this.bodyEl.replaceChildren();
      return;
    }
    const fmt = (v: unknown, unit: string, digits = 1) => (typeof v === 'number' ? `${v.toFixed(digits)} ${unit}` : '–');
    const sorted = [...list].sort((a, b) => b.calendar_date.localeCompare(a.calendar_date));
    this.bodyEl.replaceChildren(
      h('table', { class: 'workouts-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Date'), h('th', { class: 'num' }, 'Weight'), h('th', { class: 'num' }, 'Body fat'), h('th', { class: 'num' }, 'BMI'))),
        h('tbody', {}, sorted.map((b) => h('tr', {},
          h('td', {}, formatDay(b.calendar_date)),
          h('td', { class: 'num' }, fmt(b.weight, 'kg')),
          h('td', { class: 'num' }, fmt(b.fat, '%')),
          h('td', { class: 'num' }, fmt(b.bmi, '', 1).trim()))))));
  }

  private renderWorkouts(list: WorkoutSummary[]) {
    this.workouts.dataset.count = String(list.length);
    // More than fit show a count, so a list that scrolls never looks complete.
    this.workoutsCount.textContent = list.length > WORKOUT_ROWS_SHOWN ? `${list.length} workouts · scroll for more` : '';
    if (!list.length) {
      this.workouts.replaceChildren(h('p', { class: 'chart-empty' }, 'No workouts recorded in this range.'));
      return;
    }
    const sorted = [...list].sort((a, b) => (b.time_start ?? '').localeCompare(a.time_start ?? ''));
    this.workouts.replaceChildren(
      h('table', { class: 'workouts-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Date'), h('th', {}, 'Workout'), h('th', { class: 'num' }, 'Duration'), h('th', { class: 'num' }, 'Calories'), h('th', { class: 'num' }, 'Distance'))),
        h('tbody', {}, sorted.map((w) => {
          const secs = (Date.parse(w.time_end) - Date.parse(w.time_start)) / 1000;
          return h('tr', { class: 'workout' },
            h('td', { title: formatDay(w.calendar_date) }, w.calendar_date),
            h('td', {}, w.sport?.name ?? 'Workout', w.title ? h('span', { class: 'muted' }, ` · ${w.title}`) : null),
            h('td', { class: 'num' }, Number.isFinite(secs) && secs > 0 ? hoursMinutes(secs) : '–'),
            h('td', { class: 'num' }, typeof w.calories === 'number' ? `${num(w.calories)} kcal` : '–'),
            h('td', { class: 'num' }, typeof w.distance === 'number' && w.distance > 0 ? `${(w.distance / 1000).toFixed(1)} km` : '–'));
        }))),
    );
  }
}

/** Rows the workouts card shows whole before it scrolls (console.css: .workouts max-height). */
export const WORKOUT_ROWS_SHOWN = 8;

function setStat(el: HTMLElement, n: number) {
  el.textContent = num(n);
  el.dataset.value = String(n);
}

function avg(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}
