/** The coverage heatmap: participant × day, each cell coloured by how complete that day's data is. */
import { h } from '../shared/dom';
import { addDays, formatDay, num, parseYmd, ymd } from './format';
import type { CoverageRow } from './types';

/** The resources a complete day has. */
export const EXPECTED = ['sleep', 'activity', 'heartrate'] as const;

export type Level = 'none' | 'low' | 'partial' | 'full';

export const LEVELS: { level: Level; label: string; hint: string }[] = [
  { level: 'none', label: 'No data', hint: 'nothing stored for the day' },
  { level: 'low', label: 'Sparse', hint: 'one of sleep, activity, heart rate' },
  { level: 'partial', label: 'Partial', hint: 'two of the three' },
  { level: 'full', label: 'Complete', hint: 'sleep, activity and heart rate' },
];

const LABEL: Record<string, string> = {
  sleep: 'Sleep', activity: 'Activity', heartrate: 'Heart rate', workouts: 'Workouts', hrv: 'HRV', body: 'Body',
  profile: 'Profile', steps: 'Steps', calories_active: 'Active calories', respiratory_rate: 'Respiratory rate',
};

export function resourceLabel(k: string): string {
  return LABEL[k] ?? k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export interface Cell {
  level: Level;
  /** Expected resources present / missing. */
  present: string[];
  missing: string[];
  /** Everything stored that day, with counts. */
  counts: [string, number][];
}

/** Classifies one day: how many of the expected resources have at least one record. */
export function classifyDay(day: Record<string, number> | undefined): Cell {
  const counts = Object.entries(day ?? {}).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
  const present = EXPECTED.filter((k) => (day?.[k] ?? 0) > 0) as string[];
  const missing = EXPECTED.filter((k) => !((day?.[k] ?? 0) > 0)) as string[];
  let level: Level;
  if (!counts.length) level = 'none';
  else if (present.length === EXPECTED.length) level = 'full';
  else if (present.length >= 2) level = 'partial';
  else level = 'low';
  return { level, present, missing, counts };
}

/** Every day from `from` to `to`, inclusive (at most `max`). */
export function daysOf(from: string, to: string, max = 400): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < max; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Share of complete days per row, for the summary column. */
export function completeness(row: CoverageRow, days: string[]): number {
  if (!days.length) return 0;
  return days.filter((d) => classifyDay(row.days[d]).level === 'full').length / days.length;
}

export function cellText(client: string, day: string, c: Cell): string {
  const head = `${client} · ${formatDay(day)}`;
  if (c.level === 'none') return `${head}: no data`;
  const have = c.counts.map(([k, n]) => `${resourceLabel(k)} ${num(n)}`).join(', ');
  const miss = c.missing.length ? `; missing ${c.missing.map(resourceLabel).join(', ').toLowerCase()}` : '';
  return `${head}: ${have}${miss}`;
}

export interface HeatmapOptions {
  onSelect?(userId: string): void;
  selectedUserId?: string | null;
}

/** The heatmap element (`#coverage`): a header of days, one `[data-user]` row per participant of `[data-day]` cells. */
export function renderHeatmap(rows: CoverageRow[], from: string, to: string, o: HeatmapOptions = {}): HTMLElement {
  const days = daysOf(from, to);
  const root = h('div', { class: 'heatmap', id: 'coverage', 'data-from': from, 'data-to': to, style: `--days: ${days.length}` });
  const tip = h('div', { class: 'heat-tip', hidden: true, role: 'tooltip' });
  const header = h('div', { class: 'heat-row heat-head' },
    h('span', { class: 'heat-name' }, 'Participant'),
    h('span', { class: 'heat-cells' },
      days.map((d, i) => {
        const date = parseYmd(d);
        const every = days.length <= 45 ? 7 : days.length <= 120 ? 14 : 28;
        // The last label would run under the Complete column: leave it out near the end.
        const show = i % every === 0 && i <= days.length - 4;
        return h('span', { class: `heat-day-label${date.getDay() === 0 || date.getDay() === 6 ? ' weekend' : ''}` },
          show ? ymd(date) : '');
      })),
    h('span', { class: 'heat-pct', title: 'Share of days in the window with sleep, activity and heart rate' }, 'Complete'));
  root.append(header);
  if (!rows.length) {
    root.append(h('div', { class: 'chart-empty heat-empty' }, 'No participants yet: add some on the Participants page.'));
    return root;
  }
  const sorted = [...rows].sort((a, b) => a.client_user_id.localeCompare(b.client_user_id, undefined, { numeric: true }));
  for (const r of sorted) {
    const pct = completeness(r, days);
    const row = h('div', {
      class: `heat-row${o.selectedUserId === r.user_id ? ' selected' : ''}`, 'data-user': r.client_user_id, 'data-user-id': r.user_id,
      role: 'button', tabindex: '0', title: `Open ${r.client_user_id}’s data`,
    },
      h('span', { class: 'heat-name', title: r.client_user_id }, r.client_user_id),
      h('span', { class: 'heat-cells' },
        days.map((d) => {
          const c = classifyDay(r.days[d]);
          return h('span', {
            class: `heat-cell ${c.level}`, 'data-day': d, 'data-level': c.level,
            'aria-label': cellText(r.client_user_id, d, c),
          });
        })),
      h('span', { class: 'heat-pct', 'data-complete': pct.toFixed(3) }, `${Math.round(pct * 100)}%`));
    row.addEventListener('click', () => o.onSelect?.(r.user_id));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        o.onSelect?.(r.user_id);
      }
    });
    root.append(row);
  }
  root.addEventListener('mouseover', (e) => {
    const cell = (e.target as HTMLElement).closest<HTMLElement>('.heat-cell');
    if (!cell) {
      tip.hidden = true;
      return;
    }
    tip.textContent = cell.getAttribute('aria-label');
    tip.hidden = false;
    const box = root.getBoundingClientRect();
    const c = cell.getBoundingClientRect();
    const left = Math.min(c.left - box.left, box.width - 280);
    tip.style.transform = `translate(${Math.max(0, left)}px, ${c.bottom - box.top + 6}px)`;
  });
  root.addEventListener('mouseleave', () => (tip.hidden = true));
  root.append(tip);
  return root;
}

export function heatLegend(): HTMLElement {
  return h('div', { class: 'heat-legend', id: 'coverage-legend' },
    LEVELS.map((l) => h('span', { class: 'heat-legend-item', title: l.hint }, h('i', { class: `heat-cell ${l.level}` }), l.label)),
    h('span', { class: 'muted heat-legend-note' }, 'A complete day has sleep, activity and heart rate.'));
}
