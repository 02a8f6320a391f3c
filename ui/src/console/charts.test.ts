import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeUPlot } from '../test/fake-uplot';
import { hrSeries, sleepDoc } from '../test/fixtures';

vi.mock('uplot', async () => ({ default: (await import('../test/fake-uplot')).FakeUPlot }));

const { heartRateLine, renderActivityChart, renderHeartRateChart, renderSleepChart, sleepNights, stepsPerDay, HR_GAP_SECONDS } = await import('./charts');

beforeEach(() => {
  FakeUPlot.instances = [];
  document.body.replaceChildren();
});

describe('chart data', () => {
  it('sums sleep stages per night, oldest first', () => {
    const nap = { ...sleepDoc('2026-11-02', 1), awake: 0 };
    const n = sleepNights([sleepDoc('2026-11-02'), sleepDoc('2026-11-01'), nap]);
    expect(n.x).toEqual([new Date(2026, 10, 1).getTime() / 1000, new Date(2026, 10, 2).getTime() / 1000]);
    expect(n.deep[1]).toBeCloseTo(7 * 3600 * 0.2 + 3600 * 0.2);
    expect(n.awake).toEqual([1800, 1800]);
  });

  it('steps per day', () => {
    expect(stepsPerDay([{ calendar_date: '2026-11-02', steps: 9000 } as never, { calendar_date: '2026-11-01', steps: null } as never]))
      .toEqual({ x: [new Date(2026, 10, 1).getTime() / 1000, new Date(2026, 10, 2).getTime() / 1000], steps: [0, 9000] });
  });

  it('heart rate merges groups, sorts, and breaks the line across gaps', () => {
    const a = hrSeries('2026-11-01T00:00:00Z', 3);
    const b = hrSeries('2026-11-01T02:00:00Z', 2);
    const line = heartRateLine({ groups: { oura: [...b.groups.oura, ...a.groups.oura] }, next: null, next_cursor: null });
    expect(line.points).toBe(5);
    expect(line.y.filter((v) => v === null)).toHaveLength(1);
    const gapAt = line.y.indexOf(null);
    expect(line.x[gapAt + 1] - line.x[gapAt - 1]).toBeGreaterThan(HR_GAP_SECONDS);
    expect([...line.x].sort((p, q) => p - q)).toEqual(line.x);
  });
});

describe('chart rendering', () => {
  it('draws sleep as stacked bars and records the number of nights', () => {
    const el = document.createElement('div');
    document.body.append(el);
    renderSleepChart(el, [sleepDoc('2026-11-01'), sleepDoc('2026-11-02'), sleepDoc('2026-11-03')]);
    expect(el.dataset.points).toBe('3');
    expect(el.querySelector('canvas')).not.toBeNull();
    const plot = FakeUPlot.instances[0];
    expect(plot.opts.series.map((s) => s.label)).toEqual([undefined, 'Awake', 'REM', 'Light', 'Deep']);
    // Stacked: each series is the running total up to its stage, so Awake is the whole night.
    expect(plot.data[1][0]).toBeCloseTo(7.5);
    expect(plot.data[4][0]).toBeCloseTo(1.4);
  });

  it('replaces the previous chart and shows an empty state when there is nothing', () => {
    const el = document.createElement('div');
    renderActivityChart(el, [{ calendar_date: '2026-11-01', steps: 5000 } as never]);
    expect(el.dataset.points).toBe('1');
    renderActivityChart(el, []);
    expect(FakeUPlot.instances[0].destroyed).toBe(true);
    expect(el.dataset.points).toBe('0');
    expect(el.querySelector('canvas')).toBeNull();
    expect(el.textContent).toContain('No activity');
  });

  it('plots every heart-rate sample', () => {
    const el = document.createElement('div');
    renderHeartRateChart(el, hrSeries('2026-11-01T00:00:00Z', 288));
    expect(el.dataset.points).toBe('288');
    expect(el.querySelector('canvas')).not.toBeNull();
  });
});

describe('issue 19: heart-rate axis', () => {
  it('labels the heart-rate axis in bpm', () => {
    const el = document.createElement('div');
    document.body.append(el);
    renderHeartRateChart(el, hrSeries('2026-11-01T00:00:00Z', 20));
    const opts = FakeUPlot.instances[0].opts as unknown as { axes: { values?: (u: unknown, s: number[]) => string[] }[] };
    expect(opts.axes[1].values!(null, [60, 80])).toEqual(['60 bpm', '80 bpm']);
  });
});
