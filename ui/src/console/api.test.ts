import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import * as api from './api';

afterEach(() => clearMocks());

describe('console api (Tauri commands)', () => {
  it('calls the commands with camelCase arguments', async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === 'create_link_token') return { link_token: 'vlt_x', link_web_url: 'http://127.0.0.1:1/link/?token=vlt_x' };
      if (cmd === 'list_participants') return [];
      return {};
    });
    await api.appInfo();
    await api.listParticipants();
    await api.addUser('P-001');
    await expect(api.createLinkToken('u-1')).resolves.toEqual({ link_token: 'vlt_x', link_web_url: expect.any(String) });
    await api.userData('u-1', 'sleep', '2026-10-27', '2026-11-25');
    await api.syncNow('u-1');
    await api.syncNow();
    expect(seen).toEqual([
      ['app_info', {}],
      ['list_participants', {}],
      ['add_user', { clientUserId: 'P-001' }],
      ['create_link_token', { userId: 'u-1' }],
      ['user_data', { userId: 'u-1', kind: 'sleep', from: '2026-10-27', to: '2026-11-25' }],
      ['sync_now', { userId: 'u-1' }],
      ['sync_now', {}],
    ]);
  });

  it('rejects with {code, message} as a CommandError', async () => {
    mockIPC(() => {
      throw { code: 'duplicate_user', message: 'a user with client_user_id "P-001" already exists' };
    });
    const err = await api.addUser('P-001').catch((e) => e);
    expect(err).toBeInstanceOf(api.CommandError);
    expect(err.code).toBe('duplicate_user');
    expect(err.message).toContain('already exists');
  });

  it('normalises bare-string rejections', () => {
    expect(api.toCommandError('command list_participants not found')).toMatchObject({ code: 'error', message: 'command list_participants not found' });
  });

  it('delivers app://event payloads to the handler', async () => {
    mockIPC(() => undefined, { shouldMockEvents: true });
    const handler = vi.fn();
    const unlisten = await api.onAppEvent(handler);
    await emit('app://event', { type: 'sync_finished', connection_id: 3, status: 'connected' });
    expect(handler).toHaveBeenCalledWith({ type: 'sync_finished', connection_id: 3, status: 'connected' });
    unlisten();
  });
});
