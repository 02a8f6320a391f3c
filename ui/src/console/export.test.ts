import { afterEach, describe, expect, it, vi } from 'vitest';
import { until } from '../test/fake-link-api';
import { participant } from '../test/fixtures';

vi.mock('./api', async (importOriginal) => {
  const real = await importOriginal<typeof import('./api')>();
  return { ...real, exportData: vi.fn() };
});
const api = await import('./api');
const { ExportPage, baseName, relativeTo, validateRequest } = await import('./export');

afterEach(() => vi.clearAllMocks());
const $ = <T extends HTMLElement = HTMLElement>(s: string) => document.querySelector<T>(s);

function mount(checked: string[] = []) {
  const page = new ExportPage({
    participants: () => [participant('P-2'), participant('P-1')],
    checked: () => checked,
    window: () => ({ from: '2026-10-22', to: '2026-11-20' }),
    dataDir: () => '/data/vl',
  });
  document.body.replaceChildren(page.el);
  page.show();
  return page;
}

describe('export', () => {
  it('paths and validation', () => {
    expect(baseName('/a/b/sleep.csv')).toBe('sleep.csv');
    expect(relativeTo('/a/b/', '/a/b/raw/oura.jsonl')).toBe('raw/oura.jsonl');
    expect(relativeTo('/a/b', '/c/d.csv')).toBe('/c/d.csv');
    const r = { format: 'csv' as const, out: null, participants: [], from: '2026-11-02', to: '2026-11-01', raw: false };
    expect(validateRequest(r, false)).toMatch(/after its end/);
    expect(validateRequest({ ...r, from: null }, true)).toMatch(/at least one/);
    expect(validateRequest({ ...r, from: null }, false)).toBeNull();
  });

  it('defaults to the study window, everyone, CSV; ticked participants preselect the list', () => {
    const page = mount();
    expect(page.request()).toEqual({ format: 'csv', out: null, participants: [], from: '2026-10-22', to: '2026-11-20', raw: false });
    expect($<HTMLInputElement>('#export-out')!.placeholder).toContain('/data/vl/exports/');
    const some = mount(['uid-P-2']);
    expect($<HTMLInputElement>('#export-scope-some')!.checked).toBe(true);
    $<HTMLInputElement>('#export-format-parquet')!.checked = true;
    $<HTMLInputElement>('#export-raw')!.checked = true;
    expect(some.request()).toMatchObject({ format: 'parquet', participants: ['uid-P-2'], raw: true });
    expect([...document.querySelectorAll<HTMLInputElement>('#export-participants input')].map((i) => i.dataset.user)).toEqual(['P-1', 'P-2']);
  });

  it('shows progress, then the folder and the files with row counts', async () => {
    const page = mount();
    let finish!: (v: unknown) => void;
    vi.mocked(api.exportData).mockReturnValue(new Promise((r) => (finish = r)) as never);
    $('#export-run')!.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect($('#export-progress')!.hidden).toBe(false);
    page.onProgress(3, 12, 'sleep');
    expect($('#export-progress')!.textContent).toContain('3 of 12 · sleep');
    expect($('#export-progress .progress-bar i')!.style.width).toBe('25%');
    finish({ dir: '/data/vl/exports/x', format: 'csv', participants: 2, files: [{ path: '/data/vl/exports/x/sleep.csv', rows: 1234 }, { path: '/data/vl/exports/x/events.csv', rows: 5 }] });
    await until(() => !$('#export-result')!.hidden);
    expect($('#export-progress')!.hidden).toBe(true);
    expect($('#export-dir')!.textContent).toBe('/data/vl/exports/x');
    const rows = [...document.querySelectorAll<HTMLElement>('#export-files tr[data-file]')].map((r) => [r.dataset.file, r.querySelector('.rows')!.textContent]);
    expect(rows).toEqual([['sleep.csv', '1,234'], ['events.csv', '5']]);
    expect($('#export-result')!.textContent).toContain('2 participants · 2 files · 1,239 rows');
  });

  it('a failed export says why', async () => {
    mount();
    vi.mocked(api.exportData).mockRejectedValue({ code: 'storage', message: 'cannot write /x: permission denied' });
    $('#export-run')!.closest('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await until(() => !$('#export-error')!.hidden);
    expect($('#export-error')!.textContent).toContain('permission denied');
  });
});

describe('issue 19: long ids in Export', () => {
  it('clamps each participant chip and keeps the whole id as its tooltip', () => {
    const id = `LONG-${'x'.repeat(251)}`;
    const page = new ExportPage({ participants: () => [participant(id)], checked: () => [], window: () => ({ from: '2026-10-22', to: '2026-11-20' }), dataDir: () => '/data/vl' });
    document.body.replaceChildren(page.el);
    page.show();
    const chip = document.querySelector<HTMLElement>('.pick-item')!;
    expect(chip.title).toBe(id);
    expect(chip.querySelector('.pick-id')!.textContent).toBe(id);
  });
});
