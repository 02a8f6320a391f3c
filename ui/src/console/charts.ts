/** uPlot charts of the participant view, and the pure data shaping behind them. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../shared/dom';
import { hoursMinutes, num, parseYmd } from './format';
import type { ActivitySummary, SleepSummary, TimeseriesGrouped } from './types';

// ── Data shaping (pure) ─────────────────────────────────────────────────────────────────

export interface SleepNights {
  /** local midnight of each calendar_date, seconds */
  x: number[];
  deep: number[];
  light: number[];
  rem: number[];
  awake: number[];
}

/** Sleep stage seconds summed per calendar date (naps fold into their day), oldest first. */
export function sleepNights(items: SleepSummary[]): SleepNights {
  const byDay = new Map<string, { deep: number; light: number; rem: number; awake: number }>();
  for (const s of items) {
    if (!s.calendar_date) continue;
    const d = byDay.get(s.calendar_date) ?? { deep: 0, light: 0, rem: 0, awake: 0 };
    d.deep += s.deep ?? 0;
    d.light += s.light ?? 0;
    d.rem += s.rem ?? 0;
    d.awake += s.awake ?? 0;
    byDay.set(s.calendar_date, d);
  }
  const days = [...byDay.keys()].sort();
  const out: SleepNights = { x: [], deep: [], light: [], rem: [], awake: [] };
  for (const day of days) {
    const d = byDay.get(day)!;
    out.x.push(parseYmd(day).getTime() / 1000);
    out.deep.push(d.deep);
    out.light.push(d.light);
    out.rem.push(d.rem);
    out.awake.push(d.awake);
  }
  return out;
}

/** Steps per calendar date, oldest first. */
export function stepsPerDay(items: ActivitySummary[]): { x: number[]; steps: number[] } {
  const byDay = new Map<string, number>();
  for (const a of items) {
    if (!a.calendar_date) continue;
    byDay.set(a.calendar_date, (byDay.get(a.calendar_date) ?? 0) + (a.steps ?? 0));
  }
  const days = [...byDay.keys()].sort();
  return { x: days.map((d) => parseYmd(d).getTime() / 1000), steps: days.map((d) => byDay.get(d)!) };
}

/** Calories per calendar date (total and active), oldest first. */
export function caloriesPerDay(items: ActivitySummary[]): { x: number[]; total: number[]; active: number[] } {
  const byDay = new Map<string, { total: number; active: number }>();
  for (const a of items) {
    if (!a.calendar_date) continue;
    if (typeof a.calories_total !== 'number' && typeof a.calories_active !== 'number') continue;
    const d = byDay.get(a.calendar_date) ?? { total: 0, active: 0 };
    d.total += a.calories_total ?? 0;
    d.active += a.calories_active ?? 0;
    byDay.set(a.calendar_date, d);
  }
  const days = [...byDay.keys()].sort();
  return {
    x: days.map((d) => parseYmd(d).getTime() / 1000),
    total: days.map((d) => byDay.get(d)!.total),
    active: days.map((d) => byDay.get(d)!.active),
  };
}

/** Samples further apart than this are drawn as a break in the line (a ring on its charger). */
export const HR_GAP_SECONDS = 20 * 60;

/**
 * All heart-rate samples of all providers, by time, with a null inserted across gaps so the
 * line breaks there. `points` counts real samples only.
 */
export function heartRateLine(ts: TimeseriesGrouped | null | undefined): { x: number[]; y: (number | null)[]; points: number } {
  const samples: [number, number][] = [];
  for (const groups of Object.values(ts?.groups ?? {})) {
    for (const g of groups) {
      for (const s of g.data ?? []) {
        const t = Date.parse(s.timestamp);
        if (Number.isFinite(t) && typeof s.value === 'number') samples.push([t / 1000, s.value]);
      }
    }
  }
  samples.sort((a, b) => a[0] - b[0]);
  const x: number[] = [];
  const y: (number | null)[] = [];
  let prev: number | null = null;
  for (const [t, v] of samples) {
    if (prev !== null && t - prev > HR_GAP_SECONDS) {
      x.push((prev + t) / 2);
      y.push(null);
    }
    if (prev !== null && t === prev) continue;
    x.push(t);
    y.push(v);
    prev = t;
  }
  return { x, y, points: samples.length };
}

export function countSamples(ts: TimeseriesGrouped | null | undefined): number {
  let n = 0;
  for (const groups of Object.values(ts?.groups ?? {})) for (const g of groups) n += g.data?.length ?? 0;
  return n;
}

// ── Rendering ───────────────────────────────────────────────────────────────────────────

interface TipContent {
  title: string;
  rows: { colour: string; label: string; value: string }[];
}

/** A hover card that follows the cursor (instead of uPlot's legend table). */
function tooltip(content: (u: uPlot, idx: number) => TipContent | null): uPlot.Plugin {
  let tip: HTMLDivElement;
  return {
    hooks: {
      init: (u) => {
        tip = h('div', { class: 'chart-tip', hidden: true });
        u.over.appendChild(tip);
        u.over.addEventListener('mouseleave', () => (tip.hidden = true));
      },
      setCursor: (u) => {
        const { idx, left, top } = u.cursor;
        const c = idx === null || idx === undefined || left === undefined || left < 0 ? null : content(u, idx);
        if (!c) {
          tip.hidden = true;
          return;
        }
        tip.replaceChildren(
          h('div', { class: 'chart-tip-title' }, c.title),
          ...c.rows.map((r) => {
            const sw = h('i', {});
            sw.style.background = r.colour;
            return h('div', { class: 'chart-tip-row' }, sw, h('span', {}, r.label), h('b', {}, r.value));
          }),
        );
        tip.hidden = false;
        const w = tip.offsetWidth;
        const x = left! + 14 + w > u.over.clientWidth ? left! - w - 14 : left! + 14;
        const y = Math.min(Math.max(0, (top ?? 0) - 20), Math.max(0, u.over.clientHeight - tip.offsetHeight));
        tip.style.transform = `translate(${Math.max(0, x)}px, ${y}px)`;
      },
    },
  };
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const hmFmt = (s: number) => {
  const d = new Date(s * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
};

/** Day labels ("27 Oct") at day spacing, clock times when zoomed into hours. */
const timeValues: uPlot.Axis.Values = (_u, splits, _ai, _space, incr) =>
  splits.map((s) => {
    if (incr >= 86_400) return dayFmt(s);
    const d = new Date(s * 1000);
    return d.getHours() === 0 && d.getMinutes() === 0 ? dayFmt(s) : hmFmt(s);
  });

export const STAGE_COLOURS = { deep: '#1e3a8a', light: '#7ea6f2', rem: '#6d5bd0', awake: '#f0b44c' };
const HR_COLOUR = '#d6455d';
export const CAL_COLOURS = { total: '#f2b8a2', active: '#e0663c' };
const STEPS_COLOUR = '#2f5bd3';
const AXIS = { stroke: '#737b8a', font: '12px system-ui, sans-serif', grid: '#eef0f3' };
const HEIGHT = 220;

const charts = new WeakMap<HTMLElement, { plot: uPlot; ro?: ResizeObserver }>();

export function destroyChart(el: HTMLElement) {
  const c = charts.get(el);
  if (c) {
    c.ro?.disconnect();
    c.plot.destroy();
    charts.delete(el);
  }
}

function mount(el: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData, points: number): uPlot {
  destroyChart(el);
  el.replaceChildren();
  el.dataset.points = String(points);
  const plot = new uPlot({ ...opts, width: widthOf(el), height: HEIGHT }, data, el);
  let ro: ResizeObserver | undefined;
  if (typeof ResizeObserver !== 'undefined') {
    ro = new ResizeObserver(() => {
      const w = widthOf(el);
      if (Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(el);
  }
  charts.set(el, { plot, ro });
  return plot;
}

function widthOf(el: HTMLElement): number {
  return Math.max(320, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 720));
}

export function renderEmpty(el: HTMLElement, text: string) {
  destroyChart(el);
  el.dataset.points = '0';
  el.replaceChildren(h('div', { class: 'chart-empty' }, text));
}

const dayFmt = (s: number) => new Date(s * 1000).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
const dayLongFmt = (s: number) => new Date(s * 1000).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' });

function axis(extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: AXIS.stroke,
    font: AXIS.font,
    grid: { stroke: AXIS.grid, width: 1 },
    ticks: { show: false },
    ...extra,
  };
}

const DAY_S = 86_400;

function dayAxis(): uPlot.Axis {
  // Whole days only (never half-day ticks that repeat a date).
  return axis({ space: 56, grid: { show: false }, incrs: [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 28 * DAY_S, 91 * DAY_S], values: (_u, splits) => splits.map(dayFmt) });
}

export interface DayRange {
  from: string;
  to: string;
}

/**
 * Daily bars sit on their day, padded half a day either side; with a selected range, the axis
 * spans all of it, so missing days show as gaps rather than disappearing.
 */
function dayRange(range?: DayRange): uPlot.Scale.Range {
  return (_u, min, max) => {
    if (range) {
      min = Math.min(min, parseYmd(range.from).getTime() / 1000);
      max = Math.max(max, parseYmd(range.to).getTime() / 1000);
    }
    return [min - DAY_S / 2, max + DAY_S / 2];
  };
}

/** Stacked bars per night: deep, light, REM and awake hours. */
export function renderSleepChart(el: HTMLElement, items: SleepSummary[], range?: DayRange): uPlot | null {
  const n = sleepNights(items);
  if (!n.x.length) {
    renderEmpty(el, 'No sleep recorded in this range.');
    return null;
  }
  const hours = (a: number[]) => a.map((s) => s / 3600);
  const deep = hours(n.deep);
  const light = deep.map((v, i) => v + n.light[i] / 3600);
  const rem = light.map((v, i) => v + n.rem[i] / 3600);
  const awake = rem.map((v, i) => v + n.awake[i] / 3600);
  const bars = uPlot.paths.bars!({ size: [0.72, 28], align: 0 });
  const stage = (label: string, colour: string): uPlot.Series => ({
    label, fill: colour, stroke: colour, width: 0, paths: bars, points: { show: false },
  });
  const tip = tooltip((_u, i) => ({
    title: dayLongFmt(n.x[i]),
    rows: [
      { colour: STAGE_COLOURS.deep, label: 'Deep', value: hoursMinutes(n.deep[i]) },
      { colour: STAGE_COLOURS.light, label: 'Light', value: hoursMinutes(n.light[i]) },
      { colour: STAGE_COLOURS.rem, label: 'REM', value: hoursMinutes(n.rem[i]) },
      { colour: STAGE_COLOURS.awake, label: 'Awake', value: hoursMinutes(n.awake[i]) },
      { colour: 'transparent', label: 'Asleep', value: hoursMinutes(n.deep[i] + n.light[i] + n.rem[i]) },
    ],
  }));
  return mount(
    el,
    {
      scales: { x: { time: true, range: dayRange(range) }, y: { range: (_u, _min, max) => [0, Math.max(9, Math.ceil(max))] } },
      axes: [dayAxis(), axis({ size: 44, values: (_u, splits) => splits.map((v) => `${v} h`) })],
      series: [
        {},
        // Drawn tallest first, so each stage shows as its own segment of the stack.
        stage('Awake', STAGE_COLOURS.awake),
        stage('REM', STAGE_COLOURS.rem),
        stage('Light', STAGE_COLOURS.light),
        stage('Deep', STAGE_COLOURS.deep),
      ],
      cursor: { drag: { x: false, y: false }, points: { show: false }, y: false },
      legend: { show: false },
      plugins: [tip],
    },
    [n.x, awake, rem, light, deep],
    n.x.length,
  );
}

/** Steps per day. */
export function renderActivityChart(el: HTMLElement, items: ActivitySummary[], range?: DayRange): uPlot | null {
  const d = stepsPerDay(items);
  if (!d.x.length) {
    renderEmpty(el, 'No activity recorded in this range.');
    return null;
  }
  return mount(
    el,
    {
      scales: { x: { time: true, range: dayRange(range) }, y: { range: (_u, _min, max) => [0, Math.max(1000, max * 1.1)] } },
      axes: [dayAxis(), axis({ size: 52, values: (_u, splits) => splits.map((v) => (v >= 1000 ? `${v / 1000}k` : String(v))) })],
      series: [
        {},
        {
          label: 'Steps', fill: STEPS_COLOUR, stroke: STEPS_COLOUR, width: 0, points: { show: false },
          paths: uPlot.paths.bars!({ size: [0.72, 28], align: 0, radius: [0.18, 0] }),
        },
      ],
      cursor: { drag: { x: false, y: false }, points: { show: false }, y: false },
      legend: { show: false },
      plugins: [tooltip((_u, i) => ({ title: dayLongFmt(d.x[i]), rows: [{ colour: STEPS_COLOUR, label: 'Steps', value: num(d.steps[i]) }] }))],
    },
    [d.x, d.steps],
    d.x.length,
  );
}

/** Calories per day: total, with the active part in front. */
export function renderCaloriesChart(el: HTMLElement, items: ActivitySummary[], range?: DayRange): uPlot | null {
  const d = caloriesPerDay(items);
  if (!d.x.length) {
    renderEmpty(el, 'No calories recorded in this range.');
    return null;
  }
  const bars = uPlot.paths.bars!({ size: [0.72, 28], align: 0, radius: [0.18, 0] });
  return mount(
    el,
    {
      scales: { x: { time: true, range: dayRange(range) }, y: { range: (_u, _min, max) => [0, Math.max(500, max * 1.1)] } },
      axes: [dayAxis(), axis({ size: 52, values: (_u, splits) => splits.map((v) => (v >= 1000 ? `${v / 1000}k` : String(v))) })],
      series: [
        {},
        { label: 'Total', fill: CAL_COLOURS.total, stroke: CAL_COLOURS.total, width: 0, points: { show: false }, paths: bars },
        { label: 'Active', fill: CAL_COLOURS.active, stroke: CAL_COLOURS.active, width: 0, points: { show: false }, paths: bars },
      ],
      cursor: { drag: { x: false, y: false }, points: { show: false }, y: false },
      legend: { show: false },
      plugins: [tooltip((_u, i) => ({
        title: dayLongFmt(d.x[i]),
        rows: [
          { colour: CAL_COLOURS.total, label: 'Total', value: `${num(d.total[i])} kcal` },
          { colour: CAL_COLOURS.active, label: 'Active', value: `${num(d.active[i])} kcal` },
        ],
      }))],
    },
    [d.x, d.total, d.active],
    d.x.length,
  );
}

/** The whole selected range (up to now) in seconds, widened to the data if it spills over. */
export function fullTimeRange(x: number[], range?: DayRange, nowMs = Date.now()): [number, number] {
  let min = x[0];
  let max = x[x.length - 1];
  if (range) {
    min = Math.min(min, parseYmd(range.from).getTime() / 1000);
    max = Math.max(max, Math.min(parseYmd(range.to).getTime() / 1000 + DAY_S, nowMs / 1000));
  }
  return [min, max];
}

/** Intraday heart rate over the range; drag to zoom, double-click to reset. */
export function renderHeartRateChart(
  el: HTMLElement,
  ts: TimeseriesGrouped | null,
  range?: DayRange,
  onZoom?: (zoomed: boolean) => void,
): uPlot | null {
  const d = heartRateLine(ts);
  if (!d.points) {
    renderEmpty(el, 'No heart-rate samples in this range.');
    return null;
  }
  const [fullMin, fullMax] = fullTimeRange(d.x, range);
  return mount(
    el,
    {
      scales: {
        // uPlot runs this for zooms too: widen to the selected range only when asked for
        // (at least) the data's whole extent, never a drag selection inside it.
        x: {
          time: true,
          range: (_u, min, max) => (min <= d.x[0] && max >= d.x[d.x.length - 1] ? [Math.min(min, fullMin), Math.max(max, fullMax)] : [min, max]),
        },
        y: { range: (_u, min, max) => [Math.max(0, Math.floor((min - 5) / 10) * 10), Math.ceil((max + 5) / 10) * 10] },
      },
      axes: [axis({ space: 64, grid: { show: false }, values: timeValues }), axis({ size: 58, values: (_u, splits) => splits.map((v) => `${v} bpm`) })],
      series: [
        {},
        {
          label: 'Heart rate', stroke: HR_COLOUR, width: 1.25, fill: 'rgba(214, 69, 93, 0.07)',
          points: { show: false }, spanGaps: false,
        },
      ],
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 7, fill: HR_COLOUR }, y: false },
      legend: { show: false },
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x' || !onZoom) return;
            const { min, max } = u.scales.x;
            onZoom(min !== undefined && max !== undefined && (min > fullMin + 1 || max < fullMax - 1));
          },
        ],
      },
      plugins: [
        tooltip((_u, i) => {
          const v = d.y[i];
          if (v === null || v === undefined) return null;
          return { title: `${dayLongFmt(d.x[i])}, ${hmFmt(d.x[i])}`, rows: [{ colour: HR_COLOUR, label: 'Heart rate', value: `${Math.round(v)} bpm` }] };
        }),
      ],
    },
    [d.x, d.y],
    d.points,
  );
}
