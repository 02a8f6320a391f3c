/**
 * The console's only door to the Rust core: every Tauri `invoke` and `listen` lives here, so
 * tests can stub this one module. (The link widget never comes here: it speaks HTTP.)
 */
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { CommandName, Commands } from './bindings';
import type {
  Agreement, AppEvent, AppInfo, ConnectionDetails, Consent, CoverageRow, DataByKind, DataKind, EventRow, Exchange,
  ExportReport, ExportRequest, Faults, ImportPlan, ImportReport, LinkToken, NewWebhook, Participant, SettingsView, SyncReport, User,
} from './types';

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

type Args<K extends CommandName> = Commands[K]['args'];
type Result<K extends CommandName> = Commands[K]['result'];

/** One command, typed by the generated map (bindings.ts): a wrong name, argument or result fails `tsc`. */
async function call<K extends CommandName>(
  cmd: K,
  ...args: Record<string, never> extends Args<K> ? [Args<K>?] : [Args<K>]
): Promise<Result<K>> {
  try {
    return await invoke<Result<K>>(cmd, args[0]);
  } catch (e) {
    throw toCommandError(e);
  }
}

export function appInfo(): Promise<AppInfo> {
  return call('app_info');
}

/** The participant table; `days` counts days with data over the study window [from, to]. */
export function listParticipants(window?: { from: string; to: string }): Promise<Participant[]> {
  return call('list_participants', window ? { from: window.from, to: window.to } : {});
}

export function addUser(clientUserId: string, extra: { notes?: string | null; cohort?: string | null } = {}): Promise<User> {
  const args: Args<'add_user'> = { clientUserId };
  if (extra.notes) args.notes = extra.notes;
  if (extra.cohort) args.cohort = extra.cohort;
  return call('add_user', args);
}

/** Sets a participant's notes and cohort; an empty string clears a field. */
export function updateParticipant(userId: string, info: { notes: string; cohort: string }): Promise<User> {
  return call('update_participant', { userId, notes: info.notes, cohort: info.cohort });
}

/** What importing this CSV would do, row by row; nothing is written. */
export function planParticipantImport(csv: string): Promise<ImportPlan> {
  return call('plan_participant_import', { csv });
}

export function importParticipants(csv: string): Promise<ImportReport> {
  return call('import_participants', { csv });
}

/** Deletes the participant, their data, and revokes their tokens at the providers. */
export function deleteUser(userId: string): Promise<null> {
  return call('delete_user', { userId });
}

export function disconnect(userId: string, provider: string): Promise<null> {
  return call('disconnect', { userId, provider });
}

export function createLinkToken(userId: string, provider?: string): Promise<LinkToken> {
  return call('create_link_token', provider ? { userId, provider } : { userId });
}

export function coverage(from: string, to: string): Promise<CoverageRow[]> {
  return call('coverage', { from, to });
}

export function exportData(req: ExportRequest): Promise<ExportReport> {
  return call('export', { ...req });
}

export function agreement(): Promise<Agreement> {
  return call('agreement');
}

export function setAgreement(version: string, text: string): Promise<null> {
  return call('set_agreement', { version, text });
}

export function consents(userId?: string): Promise<Consent[]> {
  return call('consents', userId ? { userId } : {});
}

export function eventLog(limit = 500): Promise<EventRow[]> {
  return call('event_log', { limit });
}

export function inspector(filter: { connectionId?: number | null; provider?: string | null; limit?: number } = {}): Promise<Exchange[]> {
  const args: Args<'inspector'> = { limit: filter.limit ?? 500 };
  if (filter.connectionId !== null && filter.connectionId !== undefined) args.connectionId = filter.connectionId;
  if (filter.provider) args.provider = filter.provider;
  return call('inspector', args);
}

export function connectionDetails(connectionId: number): Promise<ConnectionDetails> {
  return call('connection_details', { connectionId });
}

export function forceRefresh(connectionId: number): Promise<ConnectionDetails> {
  return call('force_refresh', { connectionId });
}

export function faults(provider: string): Promise<Faults> {
  return call('faults', { provider });
}

export function setFaults(provider: string, faults: Faults): Promise<null> {
  return call('set_faults', { provider, faults });
}

export function settings(): Promise<SettingsView> {
  return call('settings');
}

export function setEnvironment(environment: string): Promise<null> {
  return call('set_environment', { environment });
}

export function setCredentials(provider: string, clientId: string, clientSecret: string | null): Promise<null> {
  const args: Args<'set_credentials'> = { provider, clientId };
  if (clientSecret) args.clientSecret = clientSecret;
  return call('set_credentials', args);
}

/** The new key, in full: shown once. */
export function rotateApiKey(): Promise<string> {
  return call('rotate_api_key');
}

/** The endpoint's signing secret, in full: shown once. */
export function addWebhook(url: string): Promise<NewWebhook> {
  return call('add_webhook', { url });
}

export function removeWebhook(id: number): Promise<null> {
  return call('remove_webhook', { id });
}

/** Queues the forwarder's dead letters again; how many. */
export function forwardRetry(): Promise<number> {
  return call('forward_retry');
}

/** `null` removes the PIN. */
export function setEnrolPin(pin: string | null): Promise<null> {
  return call('set_enrol_pin', pin ? { pin } : {});
}

export function checkEnrolPin(pin: string): Promise<boolean> {
  return call('check_enrol_pin', { pin });
}

export function wipeAll(confirm: string): Promise<null> {
  return call('wipe_all', { confirm });
}

export function userData<K extends DataKind>(userId: string, kind: K, from: string, to: string): Promise<DataByKind[K]> {
  // Vital's documents: their shape depends on the resource (DataByKind), which the core leaves as JSON.
  return call('user_data', { userId, kind, from, to }) as Promise<unknown> as Promise<DataByKind[K]>;
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
