import { describe, expect, it, vi } from 'vitest';
import { cellText, classifyDay, completeness, daysOf, heatLegend, renderHeatmap } from './coverage';

describe('coverage heatmap', () => {
  it('classifies a day by the expected resources present', () => {
    expect(classifyDay(undefined).level).toBe('none');
    expect(classifyDay({}).level).toBe('none');
    expect(classifyDay({ sleep: 0, heartrate: 0 }).level).toBe('none');
    expect(classifyDay({ workouts: 2 }).level).toBe('low');
    expect(classifyDay({ sleep: 1 }).level).toBe('low');
    expect(classifyDay({ sleep: 1, activity: 1 }).level).toBe('partial');
    expect(classifyDay({ sleep: 1, heartrate: 300 }).level).toBe('partial');
    const full = classifyDay({ sleep: 1, activity: 1, heartrate: 288, hrv: 40 });
    expect(full.level).toBe('full');
    expect(full.missing).toEqual([]);
    expect(full.counts).toEqual([['activity', 1], ['heartrate', 288], ['hrv', 40], ['sleep', 1]]);
    expect(classifyDay({ activity: 1 }).missing).toEqual(['sleep', 'heartrate']);
  });

  it('lists every day of the window, and the share of complete days', () => {
    expect(daysOf('2026-10-30', '2026-11-02')).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    expect(daysOf('2026-11-02', '2026-11-01')).toEqual([]);
    const days = daysOf('2026-11-01', '2026-11-04');
    const row = { user_id: 'u', client_user_id: 'P', days: { '2026-11-01': { sleep: 1, activity: 1, heartrate: 5 }, '2026-11-02': { sleep: 1 } } };
    expect(completeness(row, days)).toBe(0.25);
  });

  it('tooltips say what is there and what is missing', () => {
    const t = cellText('P-1', '2026-11-02', classifyDay({ sleep: 1, heartrate: 1440 }));
    expect(t).toContain('P-1');
    expect(t).toContain('Heart rate 1,440');
    expect(t).toContain('missing activity');
    expect(cellText('P-1', '2026-11-02', classifyDay({}))).toMatch(/no data$/);
  });

  it('renders #coverage with a [data-user] row per participant and a [data-day] cell per day', () => {
    const onSelect = vi.fn();
    const el = renderHeatmap([
      { user_id: 'u2', client_user_id: 'P-10', days: {} },
      { user_id: 'u1', client_user_id: 'P-2', days: { '2026-11-01': { sleep: 1, activity: 1, heartrate: 9 }, '2026-11-03': { sleep: 1 } } },
    ], '2026-11-01', '2026-11-03', { onSelect });
    document.body.replaceChildren(el);
    expect(el.id).toBe('coverage');
    const rows = [...el.querySelectorAll<HTMLElement>('[data-user]')];
    expect(rows.map((r) => r.dataset.user)).toEqual(['P-2', 'P-10']);
    expect([...rows[0].querySelectorAll<HTMLElement>('[data-day]')].map((c) => `${c.dataset.day}:${c.dataset.level}`)).toEqual([
      '2026-11-01:full', '2026-11-02:none', '2026-11-03:low',
    ]);
    expect(rows[0].querySelector('.heat-pct')!.textContent).toBe('33%');
    expect(rows[0].querySelector('[data-day="2026-11-03"]')!.getAttribute('aria-label')).toContain('missing activity, heart rate');
    rows[1].click();
    expect(onSelect).toHaveBeenCalledWith('u2');
    expect(heatLegend().querySelectorAll('.heat-legend-item')).toHaveLength(4);
  });

  it('has an empty state', () => {
    expect(renderHeatmap([], '2026-11-01', '2026-11-02').textContent).toContain('No participants yet');
  });
});

describe('issue 19: heatmap labels', () => {
  it('labels days in ISO form, keeps the last label clear of the Complete column, and gives each name its tooltip', () => {
    const rows = [{ user_id: 'u', client_user_id: `LONG-${'x'.repeat(250)}`, days: {} }];
    const el = renderHeatmap(rows, '2026-11-01', '2026-11-30');
    const labels = [...el.querySelectorAll('.heat-head .heat-day-label')].map((l) => l.textContent).filter(Boolean);
    expect(labels).toEqual(['2026-11-01', '2026-11-08', '2026-11-15', '2026-11-22']);
    expect(el.querySelector<HTMLElement>('.heat-row[data-user] .heat-name')!.title).toBe(rows[0].client_user_id);
    expect(el.querySelector('.heat-head .heat-pct')!.textContent).toBe('Complete');
  });
});
