/**
 * The console's only door to the Rust core: every Tauri `invoke` and `listen` lives here, so
 * tests can stub this one module. (The link widget never comes here: it speaks HTTP.)
 */
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { AppEvent, AppInfo, DataByKind, DataKind, LinkToken, Participant, SyncReport, User } from './types';

/** A rejected command: the core sends `{code, message}`. */
export class CommandError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
  }
}

export function toCommandError(e: unknown): CommandError {
  if (e instanceof CommandError) return e;
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; error_type?: unknown; error_message?: unknown };
    const code = typeof o.code === 'string' ? o.code : typeof o.error_type === 'string' ? o.error_type : 'error';
    const message =
      typeof o.message === 'string' ? o.message : typeof o.error_message === 'string' ? o.error_message : JSON.stringify(e);
    return new CommandError(code, message);
  }
  // Tauri itself rejects with a bare string (e.g. an unknown command).
  return new CommandError('error', String(e));
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

export function appInfo(): Promise<AppInfo> {
  return call('app_info');
}

export function listParticipants(): Promise<Participant[]> {
  return call('list_participants');
}

export function addUser(clientUserId: string): Promise<User> {
  return call('add_user', { clientUserId });
}

export function createLinkToken(userId: string): Promise<LinkToken> {
  return call('create_link_token', { userId });
}

export function userData<K extends DataKind>(userId: string, kind: K, from: string, to: string): Promise<DataByKind[K]> {
  return call('user_data', { userId, kind, from, to });
}

export function syncNow(userId?: string): Promise<SyncReport[]> {
  return call('sync_now', userId ? { userId } : {});
}

export const APP_EVENT = 'app://event';

/** Subscribes to the core's events; resolves to the unsubscribe function. */
export function onAppEvent(handler: (e: AppEvent) => void): Promise<() => void> {
  return listen<AppEvent>(APP_EVENT, (ev) => handler(ev.payload));
}

/** True inside the Tauri window (or under the dev mock / test IPC mocks). */
export function hasCore(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
