import { describe, expect, it, vi } from 'vitest';
import type { EventRow } from './types';
import { participant } from '../test/fixtures';

vi.mock('./api', async (importOriginal) => {
  const real = await importOriginal<typeof import('./api')>();
  return { ...real, eventLog: vi.fn() };
});
const api = await import('./api');
const { EventsPage, detailText, filterEvents, kindGroup, kindTone } = await import('./events');

const events: EventRow[] = [
  { id: 3, at: 3000, kind: 'sync.failed', user_id: 'uid-P-1', provider: 'oura', detail: { connection_id: 4, error: 'oura answered 500' } },
  { id: 2, at: 2000, kind: 'token.refreshed', user_id: 'uid-P-1', provider: 'oura', detail: { connection_id: 4 } },
  { id: 1, at: 1000, kind: 'consent.accepted', user_id: 'uid-P-2', provider: null, detail: { version: '2', via: 'window' } },
];

describe('event log', () => {
  it('formats and filters', () => {
    expect(kindGroup('token.refreshed')).toBe('token');
    expect(kindTone('sync.failed')).toBe('error');
    expect(kindTone('consent.accepted')).toBe('ok');
    expect(detailText({ a: 1, b: null, c: { d: 2 }, e: false, f: true })).toBe('a: 1 · c: {"d":2} · f: true');
    expect(filterEvents(events, 'token', '').map((e) => e.id)).toEqual([2]);
    expect(filterEvents(events, 'consent.accepted', '').map((e) => e.id)).toEqual([1]);
    expect(filterEvents(events, '', '500').map((e) => e.id)).toEqual([3]);
  });

  it('renders rows with participant IDs and filters by kind', async () => {
    vi.mocked(api.eventLog).mockResolvedValue(events);
    const page = new EventsPage(() => [participant('P-1'), participant('P-2')]);
    document.body.replaceChildren(page.el);
    await page.load();
    const rows = [...document.querySelectorAll<HTMLElement>('#events tr[data-event]')];
    expect(rows.map((r) => r.dataset.kind)).toEqual(['sync.failed', 'token.refreshed', 'consent.accepted']);
    expect(rows[2].textContent).toContain('P-2');
    expect(rows[0].textContent).toContain('error: oura answered 500');
    const sel = document.querySelector<HTMLSelectElement>('#event-kind')!;
    sel.value = 'sync.failed';
    sel.dispatchEvent(new Event('change'));
    expect(document.querySelectorAll('#events tr[data-event]')).toHaveLength(1);
    expect(document.querySelector('#events-count')!.textContent).toBe('1 of 3');
  });
});
