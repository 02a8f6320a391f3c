/**
 * What people read when something goes wrong: one plain sentence and one action per error
 * code, for the researcher (console) and for the participant (link widget). This is the only
 * code → words table in the front end. The codes come from the core's one catalogue
 * (src-tauri/core/src/error/catalogue.rs, docs/errors.md) through the generated
 * `./error-codes.ts`: `TABLE` must have exactly those keys (TypeScript and a Rust test check it).
 *
 * The core's `message` stays the technical text: the console shows it behind "Details", the
 * participant never sees it.
 */
import { CORE_ERROR_CODES, UI_ERROR_CODES, type ErrorCode } from './error-codes';
import { providerName } from './providers';

/** What the person who reads the message can do about it. */
export type Action =
  | 'reconnect' // connect the provider again (a new sign-in)
  | 'retry' // try the same thing again now
  | 'wait' // nothing: the app retries by itself
  | 'settings' // fix something in Settings
  | 'new_link' // the participant needs a new link from the study team
  | 'ask_team' // the participant asks the study team
  | 'fix_input' // correct what was typed or chosen
  | 'none';

export const ACTION_LABEL: Record<Action, string | null> = {
  reconnect: 'Reconnect',
  retry: 'Try again',
  wait: null,
  settings: 'Open Settings',
  new_link: null,
  ask_team: null,
  fix_input: null,
  none: null,
};

/** What a sentence may mention. `provider` is a slug; `retryAt` epoch ms. */
export interface MessageContext {
  provider?: string | null;
  /** The participant's study id (client_user_id). */
  participant?: string | null;
  retryAt?: number | null;
  /** The core's technical message (some codes cover several cases the text tells apart). */
  detail?: string | null;
}

type Words = (c: Required<Pick<MessageContext, 'provider' | 'participant'>> & MessageContext & { name: string; who: string; at: string | null }) => string;

interface Entry {
  /** For the researcher / QA in the console. */
  researcher: Words;
  action: Action;
  /** For the participant in the link widget; absent = the generic participant sentence. */
  participant?: Words;
  participantAction?: Action;
}

const PARTICIPANT_GENERIC: Words = () => 'Something went wrong while connecting. Please try again, or ask the study team for help.';
const retrying = (at: string | null) => (at ? `retrying at ${at}` : 'the app will try again by itself');

/**
 * Every catalogued code, no other (see the header); an unknown code still gets a sentence
 * (`explain` falls back).
 */
const TABLE: Record<ErrorCode, Entry> = {
  // ── Connections (sync, tokens) ───────────────────────────────────────────────────────
  reauth_required: {
    researcher: (c) => `${c.name} needs ${c.who} to sign in again`, action: 'reconnect',
    participant: (c) => `${c.name} asked you to sign in again. Please connect it once more.`, participantAction: 'retry',
  },
  token_refresh_failed: { researcher: (c) => `${c.name} needs ${c.who} to sign in again`, action: 'reconnect' },
  invalid_grant: {
    researcher: (c) => `${c.name} did not accept the sign-in; ${c.who} needs to connect again`, action: 'reconnect',
    participant: (c) => `${c.name} did not accept the sign-in. Please try again.`, participantAction: 'retry',
  },
  token_expired: {
    researcher: (c) => `${c.name} refused the saved access; the app renews it on the next sync`, action: 'wait',
    participant: () => 'This link has expired. Please ask the study team for a new one.', participantAction: 'new_link',
  },
  required_scopes_not_granted: {
    researcher: (c) => `${c.who} did not allow all the data the study needs at ${c.name}`, action: 'reconnect',
    participant: (c) => `Some of the data the study needs was not allowed at ${c.name}. Please try again and allow everything listed.`, participantAction: 'retry',
  },
  rate_limited: {
    researcher: (c) => `${c.name} asked the app to slow down; ${retrying(c.at)}`, action: 'wait',
    participant: () => 'The service is busy right now. Please try again in a minute.', participantAction: 'retry',
  },
  provider_membership_required: {
    researcher: (c) => `${c.name} no longer gives ${c.who}'s data: their ${c.name} membership has lapsed; syncing resumes once it is renewed`, action: 'none',
    participant: (c) => `Your ${c.name} membership has lapsed, so ${c.name} no longer shares your data. Please renew it in the ${c.name} app.`, participantAction: 'none',
  },
  provider_unavailable: {
    researcher: (c) => `${c.name}'s server failed; ${retrying(c.at)}`, action: 'wait',
    participant: (c) => `${c.name} is not answering right now. Please try again in a few minutes.`, participantAction: 'retry',
  },
  provider_api_error: {
    researcher: (c) => `${c.name} refused a request; ${retrying(c.at)}`, action: 'wait',
    participant: (c) => `${c.name} could not complete the connection. Please try again.`, participantAction: 'retry',
  },
  provider_malformed_response: {
    researcher: (c) => `${c.name} sent data the app could not read; the data before it was kept and ${retrying(c.at)}`, action: 'wait',
  },
  network_error: {
    researcher: (c) => `${c.name} could not be reached (is this computer online?); ${retrying(c.at)}`, action: 'retry',
    participant: () => 'This computer could not reach the service. Check the internet connection and try again.', participantAction: 'retry',
  },
  sync_failed: { researcher: (c) => `The last sync of ${c.name} failed; ${retrying(c.at)}`, action: 'retry' },
  too_many_samples: { researcher: (c) => `${c.name} sent more readings than the app accepts at once; the rest follows on the next sync`, action: 'wait' },
  implausible_reading: { researcher: (c) => `${c.name} sent a reading outside the plausible range; it was not stored`, action: 'none' },
  credentials_missing: {
    researcher: (c) => `${c.name} needs the study's developer credentials`, action: 'settings',
    participant: (c) => `${c.name} is not set up for this study yet. Please tell the study team.`, participantAction: 'ask_team',
  },
  invalid_client: {
    researcher: (c) => `${c.name} did not accept the study's developer credentials`, action: 'settings',
    participant: (c) => `${c.name} is not set up for this study yet. Please tell the study team.`, participantAction: 'ask_team',
  },
  unauthorized_client: {
    researcher: (c) => `${c.name} does not allow this app registration to sign in`, action: 'settings',
    participant: (c) => `${c.name} is not set up for this study yet. Please tell the study team.`, participantAction: 'ask_team',
  },
  invalid_scope: {
    researcher: (c) => `${c.name} refused the data permissions the app asked for`, action: 'settings',
    participant: (c) => `${c.name} is not set up for this study yet. Please tell the study team.`, participantAction: 'ask_team',
  },
  invalid_id_token: { researcher: (c) => `${c.name}'s sign-in could not be verified`, action: 'reconnect' },
  duplicate_connection: {
    researcher: (c) => `${c.name} is already connected for ${c.who}`, action: 'none',
    participant: (c) => `${c.name} is already connected.`, participantAction: 'none',
  },
  discovery_failed: { researcher: () => 'The provider’s sign-in settings could not be loaded from its address', action: 'fix_input' },

  // ── Linking (the widget and the browser sign-in) ─────────────────────────────────────
  user_cancelled: {
    researcher: (c) => (/declin/i.test(c.detail ?? '') ? `${c.who} declined access at ${c.name}; nothing was connected` : 'The connection was cancelled; nothing was connected'), action: 'retry',
    participant: (c) => (/declin/i.test(c.detail ?? '') ? `Access was declined at ${c.name}, so nothing was connected.` : 'Nothing was connected.'), participantAction: 'retry',
  },
  authorization_timeout: {
    researcher: (c) => `The sign-in at ${c.name} was not finished in time`, action: 'retry',
    participant: () => 'The sign-in took too long. Please try again.', participantAction: 'retry',
  },
  link_failed: { researcher: (c) => `The connection to ${c.name} did not complete`, action: 'retry', participant: () => 'The connection did not complete. Please try again.', participantAction: 'retry' },
  no_browser: {
    researcher: () => 'This computer could not open a web browser for the sign-in', action: 'retry',
    participant: () => 'Could not open a web browser on this computer. Please ask the study team for help.', participantAction: 'ask_team',
  },
  browser_loop: { researcher: () => 'The browser kept returning to the same page; the sign-in was stopped', action: 'retry' },
  loopback_unavailable: {
    researcher: () => 'This computer would not let the app listen for the sign-in (a firewall or another program?)', action: 'retry',
    participant: () => 'This computer could not finish the sign-in. Please ask the study team for help.', participantAction: 'ask_team',
  },
  redirect_port_not_used: { researcher: (c) => `${c.name} expects a different return address; check its registration`, action: 'settings' },
  invalid_token: {
    researcher: () => 'This link is not valid', action: 'none',
    participant: () => 'This link is not valid. Please ask the study team for a new one.', participantAction: 'new_link',
  },
  token_consumed: {
    researcher: () => 'This link was already used', action: 'none',
    participant: () => 'This link was already used. Please ask the study team for a new one.', participantAction: 'new_link',
  },
  missing_link_token: {
    researcher: () => 'The link has no token', action: 'none',
    participant: () => 'This link is incomplete. Please ask the study team for a new one.', participantAction: 'new_link',
  },
  agreement_outdated: {
    researcher: () => 'The agreement changed while it was open', action: 'retry',
    participant: () => 'The agreement was just updated. Please read it again before continuing.', participantAction: 'retry',
  },
  invalid_response: { researcher: () => 'The app’s local service answered something unexpected', action: 'retry' },
  unexpected_error: { researcher: () => 'Something unexpected went wrong', action: 'retry' },
  unknown_error: { researcher: () => 'Something went wrong', action: 'retry' },

  // ── Participants, import, export ─────────────────────────────────────────────────────
  duplicate_user: { researcher: () => 'A participant with this ID already exists', action: 'fix_input' },
  invalid_user_id: { researcher: () => 'Participant IDs use printable characters only, up to 256', action: 'fix_input' },
  invalid_client_user_id: { researcher: () => 'Participant IDs use printable characters only, up to 256', action: 'fix_input' },
  user_not_found: { researcher: () => 'That participant no longer exists', action: 'none' },
  not_found: { researcher: () => 'That item no longer exists', action: 'none' },
  invalid_csv: { researcher: () => 'The file is not a CSV the app can read', action: 'fix_input' },
  import_incomplete: { researcher: () => 'Some rows of the file were not imported', action: 'fix_input' },
  unreadable_file: { researcher: () => 'The file could not be read', action: 'fix_input' },
  invalid_import_file: { researcher: () => 'The file is not an Apple Health export or a FIT file, or it is damaged', action: 'fix_input' },
  export_folder_not_empty: { researcher: () => 'That folder already holds files; choose a new or empty folder (nothing was overwritten)', action: 'fix_input' },
  invalid_date: { researcher: () => 'A date is not in the form yyyy-mm-dd', action: 'fix_input' },
  invalid_resource: { researcher: () => 'That kind of data is not known', action: 'none' },
  invalid_cursor: { researcher: () => 'The page marker is not valid; start from the first page', action: 'retry' },
  confirmation_needed: { researcher: () => 'This needs to be confirmed first', action: 'fix_input' },

  // ── Settings, forwarding, webhooks ───────────────────────────────────────────────────
  invalid_url: { researcher: () => 'That address is not a valid URL', action: 'fix_input' },
  forbidden_host: { researcher: () => 'That address is not allowed', action: 'fix_input' },
  invalid_setting: { researcher: () => 'That setting has a value the app cannot use', action: 'fix_input' },
  invalid_environment: { researcher: () => 'The environment must be sandbox or production', action: 'fix_input' },
  invalid_credentials: { researcher: () => 'The client ID or secret is not valid', action: 'fix_input' },
  invalid_provider: { researcher: () => 'That provider is not known', action: 'fix_input' },
  invalid_custom_provider: { researcher: () => 'The custom provider’s settings are incomplete', action: 'fix_input' },
  invalid_slug: { researcher: () => 'A provider name uses lower-case letters, digits and _ only', action: 'fix_input' },
  slug_taken: { researcher: () => 'A provider with that name already exists', action: 'fix_input' },
  invalid_agreement: { researcher: () => 'The agreement needs a version and a text', action: 'fix_input' },
  pin_too_short: { researcher: () => 'The PIN is too short', action: 'fix_input' },
  pin_locked: { researcher: () => 'Too many wrong PINs: wait, then try again', action: 'retry' },
  invalid_port: { researcher: () => 'That port number cannot be used', action: 'fix_input' },
  port_in_use: { researcher: () => 'Another program already uses that port', action: 'settings' },
  remote_bind_refused: { researcher: () => 'The local API only listens on this computer', action: 'none' },
  forward_off: { researcher: () => 'Forwarding is turned off', action: 'settings' },
  forward_target_unavailable: { researcher: () => 'The forwarding server is not answering; the readings wait in the queue', action: 'wait' },
  forward_rate_limited: { researcher: () => 'The forwarding server asked the app to slow down; the readings wait in the queue', action: 'wait' },
  not_sandbox: { researcher: () => 'That only works in the sandbox', action: 'none' },
  demo_unavailable: { researcher: () => 'The demo data is not available here', action: 'none' },
  invalid_api_key: { researcher: () => 'The API key is not valid', action: 'settings' },
  unauthorized: { researcher: () => 'The request needs the API key', action: 'settings' },
  invalid_request: { researcher: () => 'The request was not valid', action: 'fix_input' },
  invalid_payload: { researcher: () => 'The data sent was not valid', action: 'fix_input' },
  payload_too_large: { researcher: () => 'The data sent is too large', action: 'fix_input' },
  invalid_clock: { researcher: () => 'This computer’s clock looks wrong; set the date and time', action: 'none' },

  // ── Storage and the vault ────────────────────────────────────────────────────────────
  storage_error: { researcher: () => 'The app could not read or write its database', action: 'retry' },
  database_unreachable: { researcher: () => 'The study server’s database cannot be reached', action: 'retry' },
  invalid_database_url: { researcher: () => 'The study database address is not a PostgreSQL address', action: 'fix_input' },
  not_on_study_database: { researcher: () => 'That works on this computer’s own data, not on a study server', action: 'none' },
  db_too_new: { researcher: () => 'The data was written by a newer version of the app; update the app', action: 'none' },
  db_open_failed: { researcher: () => 'The app could not open its database', action: 'none' },
  data_dir_not_writable: { researcher: () => 'The data folder cannot be written to', action: 'none' },
  vault_locked: { researcher: () => 'The token vault is locked', action: 'none' },
  vault_key_invalid: { researcher: () => 'The token vault’s key is not valid', action: 'none' },
  vault_key_unreadable: { researcher: () => 'The token vault’s key could not be read', action: 'none' },
  vault_key_unwritable: { researcher: () => 'The token vault’s key could not be saved', action: 'none' },
  vault_unreadable: { researcher: () => 'The token vault could not be read', action: 'none' },
  wrong_passphrase: { researcher: () => 'That passphrase is not right', action: 'fix_input' },
  passphrase_too_short: { researcher: () => 'The passphrase is too short', action: 'fix_input' },
  passphrase_mismatch: { researcher: () => 'The two passphrases differ', action: 'fix_input' },
  internal: { researcher: () => 'Something went wrong inside the app', action: 'retry' },
};

export type { ErrorCode };
/** Every catalogued error code: `ERROR_CODES.reauth_required === 'reauth_required'`. */
export const ERROR_CODES = Object.freeze(Object.fromEntries([...CORE_ERROR_CODES, ...UI_ERROR_CODES].map((k) => [k, k]))) as { readonly [K in ErrorCode]: K };

export function isKnownCode(code: string | null | undefined): code is ErrorCode {
  return !!code && Object.prototype.hasOwnProperty.call(TABLE, code);
}

/** A connection's status in words (`Connection.status`). */
export const CONNECTION_STATUS = {
  connected: 'connected',
  syncing: 'syncing',
  error: 'sync failed',
  reauth_required: 'needs reconnect',
  deregistered: 'disconnected',
} as const;
export type ConnectionStatusCode = keyof typeof CONNECTION_STATUS;

/**
 * The status pill's words. Lower case like the pill; `connected` and `syncing` are already
 * words (and what the window tests read).
 */
export function statusLabel(status: string): string {
  if (status in CONNECTION_STATUS) return CONNECTION_STATUS[status as ConnectionStatusCode];
  if (status.startsWith('backfilling')) return status;
  return status.replace(/_/g, ' ');
}

export interface Explained {
  code: string;
  /** One plain sentence, ending with a full stop. */
  text: string;
  action: Action;
  /** The button's label for the action, or null when there is no button to press. */
  actionLabel: string | null;
  /** The core's technical text, for a "Details" toggle (console only). */
  details: string | null;
}

/** "20:58" in 24-hour time (today), or "3 Dec 20:58" further away. */
export function clock(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  const n = new Date(now);
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? hm : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${hm}`;
}

function sentence(s: string): string {
  const t = s.trim();
  const c = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(c) ? c : `${c}.`;
}

/**
 * The plain sentence and action for `code`. `audience: 'participant'` never includes the
 * core's text and falls back to a generic sentence for codes without participant words.
 */
export function explain(code: string | null | undefined, ctx: MessageContext = {}, audience: 'researcher' | 'participant' = 'researcher', now = Date.now()): Explained {
  const entry: Entry | undefined = isKnownCode(code) ? TABLE[code] : undefined;
  const words = {
    provider: ctx.provider ?? null,
    participant: ctx.participant ?? null,
    retryAt: ctx.retryAt ?? null,
    detail: ctx.detail ?? null,
    name: providerName(ctx.provider),
    who: ctx.participant ?? 'the participant',
    at: ctx.retryAt && ctx.retryAt > now ? clock(ctx.retryAt, now) : null,
  };
  const details = audience === 'participant' ? null : ctx.detail?.trim() || null;
  if (audience === 'participant') {
    const fn = entry?.participant ?? PARTICIPANT_GENERIC;
    const action = entry?.participant ? (entry.participantAction ?? 'retry') : 'retry';
    return { code: code ?? 'unknown_error', text: sentence(fn(words)), action, actionLabel: ACTION_LABEL[action], details: null };
  }
  if (!entry) {
    // A code this table does not know: say so plainly and keep the core's words in Details.
    const who = ctx.provider ? `${words.name}: ` : '';
    return { code: code ?? 'unknown_error', text: sentence(`${who}something went wrong`), action: 'retry', actionLabel: ACTION_LABEL.retry, details: details ?? code ?? null };
  }
  return { code: code!, text: sentence(entry.researcher(words)), action: entry.action, actionLabel: ACTION_LABEL[entry.action], details };
}

/** A connection's problem in words, or null when it has none. */
export function explainConnection(
  c: { provider: string; status: string; error_type: string | null; error_message: string | null; next_sync_at?: number | null },
  participant: string | null,
  now = Date.now(),
): Explained | null {
  if (c.status !== 'error' && c.status !== 'reauth_required') return null;
  // reauth_required wins over the error_type of the failure that caused it.
  const code = c.status === 'reauth_required' ? 'reauth_required' : (c.error_type ?? 'sync_failed');
  const e = explain(code, { provider: c.provider, participant, retryAt: c.next_sync_at ?? null, detail: c.error_message }, 'researcher', now);
  if (!e.details && c.error_type) e.details = c.error_type;
  return e;
}

/** "Could not remove P-001: A participant with this ID already exists." with the core's text as details. */
export function explainFailure(what: string, err: { code: string; message: string }, ctx: MessageContext = {}): Explained {
  const e = explain(err.code, { ...ctx, detail: err.message });
  // Codes without a table entry: the core's own message is better than "something went wrong".
  const text = isKnownCode(err.code) ? e.text : sentence(err.message || e.text);
  return { ...e, text: `${what}: ${text}`, details: `${err.code}: ${err.message}` };
}
