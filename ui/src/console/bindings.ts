// Generated from the Rust types (ts-rs) and src-tauri/desktop/src/commands.rs: do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p vital-link-desktop --test bindings

export type Agreement = { version: string, text: string, };

/**
 * Something the UI may want to know about as it happens.
 */
export type AppEvent = { "type": "link_state", user_id: string, provider: string | null, state: LinkStatus, } | { "type": "sync_progress", connection_id: number, resource: string, done: number, total: number, } | { "type": "sync_finished", connection_id: number, status: string, } | { "type": "export_progress", done: number, total: number, what: string, };

/**
 * What the window shows of the app itself (`app_info`).
 */
export type AppInfo = { version: string, 
/**
 * `sandbox` or `production`.
 */
environment: string, 
/**
 * `http://127.0.0.1:PORT`
 */
api_base: string, data_dir: string, history_days: number, 
/**
 * The core's today (YYYY-MM-DD): pinned in the sandbox demos and tests.
 */
today: string, 
/**
 * Providers with a running sandbox fake (fault switches apply to these).
 */
sandbox_providers: Array<string>, };

export type ConnectionDetails = { connection: ConnectionRow, token_expires_at: number | null, has_refresh_token: boolean, access_token: string, scopes_granted: Array<string>, scopes_requested: Array<string>, last_refresh: number | null, cursors: Array<Cursor>, };

/**
 * How a connection gets its data.
 */
export type ConnectionKind = "oauth" | "push";

export type ConnectionRow = { id: number, user_id: string, provider: string, status: ConnectionStatus, external_user_id: string | null, scopes: string | null, created_at: number, updated_at: number, last_sync_at: number | null, error_type: string | null, error_message: string | null, 
/**
 * `oauth` (synced from the provider) or `push` (readings received through the ingestion
 * routes; never synced).
 */
kind: ConnectionKind, 
/**
 * When the scheduler runs this connection next (epoch ms); `None` = as soon as possible.
 */
next_sync_at: number | null, last_attempt_at: number | null, 
/**
 * 0..100 while a backfill is under way.
 */
backfill_progress: number | null, 
/**
 * What the status screens show: `connected`, `syncing`, `backfilling 40%`,
 * `error: rate_limited`, `reauth_required`, `deregistered`.
 */
sync_status: string, };

/**
 * Where a connection stands.
 */
export type ConnectionStatus = "connected" | "syncing" | "error" | "reauth_required" | "deregistered";

export type Consent = { user_id: string, version: string, accepted_at: number, via: string, };

/**
 * Counts of what is stored for a user, for status screens and tests.
 */
export type Counts = { sleep: number, activity: number, workouts: number, heartrate: number, hrv: number, raw: number, };

/**
 * One participant's row of the coverage heatmap: per day, what is there.
 */
export type CoverageRow = { user_id: string, client_user_id: string, 
/**
 * day → {resource → count}
 */
days: { [key in string]: { [key in string]: number } }, };

export type CredentialView = { slug: string, client_id: string | null, 
/**
 * `abcd…wxyz (n chars)`; never the secret itself.
 */
client_secret: string | null, 
/**
 * settings | environment | none
 */
source: string, };

export type Cursor = { resource: string, newest_day: string | null, oldest_day: string | null, backfill_target: string | null, };

export type Depth = { 
/**
 * Outbox rows (batches) waiting.
 */
batches: number, 
/**
 * Readings in them.
 */
readings: number, };

export type Endpoint = { id: number, url: string, event_types: Array<string> | null, created_at: number, delivered: number, pending: number, failed: number, };

export type Event = { id: number, at: number, kind: string, user_id: string | null, provider: string | null, detail: JsonValue, };

export type Exchange = { id: number, at: number, connection_id: number | null, provider: string, 
/**
 * data | token | revoke | forward
 */
kind: string, method: string, url: string, status: number | null, latency_ms: number, request_headers: Array<[string, string]>, request_body: string | null, response_headers: Array<[string, string]>, response_body: string | null, error: string | null, };

export type ExportReport = { dir: string, format: Format, participants: number, files: Array<ExportedFile>, };

export type ExportedFile = { path: string, rows: number, };

/**
 * Fault switches of a sandbox provider, so every error path can be exercised on purpose: from
 * tests over loopback (`PUT /__sandbox/faults`) and from the QA inspector.
 */
export type Faults = { 
/**
 * The consent page answers as if the user pressed Deny.
 */
deny_consent: boolean, 
/**
 * Authorization codes are issued already expired.
 */
expire_code: boolean, 
/**
 * The token endpoint answers `invalid_grant` to every grant.
 */
invalid_grant: boolean, 
/**
 * Data routes answer 429 with this `Retry-After` (seconds).
 */
rate_limit_retry_after: number | null, 
/**
 * Data routes answer 500.
 */
server_error: boolean, 
/**
 * Data routes answer 200 with a truncated JSON body.
 */
malformed_json: boolean, 
/**
 * Data routes wait this long before answering.
 */
slow_ms: number | null, 
/**
 * Data routes send the headers and part of the body, then drop the connection.
 */
drop_connection: boolean, 
/**
 * The data faults above apply only after this many data responses succeeded.
 */
after_pages: number | null, 
/**
 * ... and then only to this many responses, after which the provider recovers.
 */
fault_count: number | null, 
/**
 * Lifetime of issued access tokens, in seconds (default: the provider's own).
 */
access_token_ttl: number | null, };

export type Format = "csv" | "json" | "parquet";

/**
 * What `forward status` shows.
 */
export type ForwardStatus = { enabled: boolean, url: string | null, provider_mode: ProviderMode | null, 
/**
 * Batches waiting to be sent.
 */
outbox: Depth, 
/**
 * Dead letters: batches the target refused for good; `forward retry` sends them again.
 */
parked: Depth, 
/**
 * The oldest dead letters (at most 100).
 */
dead_letters: Array<ParkedBatch>, delivered_readings: number, 
/**
 * The last successful delivery.
 */
last_delivery_at: string | null, 
/**
 * The last failure, cleared by the next success.
 */
last_error: string | null, last_error_at: string | null, };

export type ImportAction = "add" | "already_present" | "skip";

export type ImportPlan = { rows: Array<ImportRow>, to_add: number, already_present: number, skipped: number, };

export type ImportReport = { added: Array<string>, already_present: Array<string>, 
/**
 * (line number, what is wrong)
 */
errors: Array<[number, string]>, };

/**
 * One data line of a participants CSV and what importing it does.
 */
export type ImportRow = { 
/**
 * The line the row starts on (the header is line 1).
 */
line: number, participant_id: string, notes: string | null, cohort: string | null, action: ImportAction, 
/**
 * Why the row is skipped.
 */
problem: string | null, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

/**
 * Where a link session stands (Vital Link's `onSuccess`/`onExit`/`onError`).
 */
export type LinkStatus = "created" | "pending" | "success" | "error" | "exited";

export type LinkTokenResponse = { link_token: string, link_web_url: string, };

/**
 * A new endpoint: its id and its signing secret, in full (shown once).
 */
export type NewWebhook = { id: number, secret: string, };

export type PageOutcome = { 
/**
 * Summaries inserted or changed.
 */
summaries_written: number, 
/**
 * Samples inserted or changed.
 */
samples_written: number, };

/**
 * A dead letter: a batch the target refused for good, kept until `forward retry`.
 */
export type ParkedBatch = { id: number, user_id: string, client_user_id: string | null, provider: string, resource: string, readings: number, attempts: number, 
/**
 * The target's last HTTP status (none when the request got no answer).
 */
last_status: number | null, last_error: string | null, parked_at: string, };

export type Participant = { user_id: string, client_user_id: string, created_at: number, notes: string | null, cohort: string | null, connections: Array<ConnectionRow>, counts: Counts, 
/**
 * Days with data per resource over the study window.
 */
days: { [key in string]: number }, consent: Consent | null, };

/**
 * Which provider slug the remote connection gets.
 */
export type ProviderMode = "source" | "manual";

/**
 * The Settings screen: everything it shows, secrets redacted.
 */
export type SettingsView = { 
/**
 * `sandbox` or `production`.
 */
environment: string, history_days: number, data_dir: string, api_base: string, 
/**
 * Redacted.
 */
api_key: string, webhooks: Array<Endpoint>, forward: ForwardStatus, credentials: Array<CredentialView>, agreement: Agreement, enrol_pin_set: boolean, 
/**
 * The command line an AI assistant launches for the MCP server on this data.
 */
mcp_command: string, };

export type SyncReport = { connection_id: number, provider: string, pages: number, written: PageOutcome, status: string, errors: Array<string>, 
/**
 * When the scheduler runs this connection next (epoch ms).
 */
next_sync_at: number | null, };

export type User = { user_id: string, client_user_id: string, created_at: number, fallback_time_zone: string | null, fallback_birth_date: string | null, ingestion_start: string | null, ingestion_end: string | null, notes: string | null, cohort: string | null, };

/** Every window command: the arguments it takes (camelCase keys) and what it answers. */
export interface Commands {
  app_info: { args: Record<string, never>; result: AppInfo };
  list_participants: { args: { from?: string | null; to?: string | null }; result: Array<Participant> };
  add_user: { args: { clientUserId: string; notes?: string | null; cohort?: string | null }; result: User };
  update_participant: { args: { userId: string; notes?: string | null; cohort?: string | null }; result: User };
  plan_participant_import: { args: { csv: string }; result: ImportPlan };
  import_participants: { args: { csv: string }; result: ImportReport };
  delete_user: { args: { userId: string }; result: null };
  disconnect: { args: { userId: string; provider: string }; result: null };
  create_link_token: { args: { userId: string; provider?: string | null }; result: LinkTokenResponse };
  user_data: { args: { userId: string; kind: string; from: string; to: string }; result: JsonValue };
  coverage: { args: { from: string; to: string }; result: Array<CoverageRow> };
  sync_now: { args: { userId?: string | null }; result: Array<SyncReport> };
  export: { args: { format: Format; out?: string | null; participants: Array<string>; from?: string | null; to?: string | null; raw: boolean }; result: ExportReport };
  agreement: { args: Record<string, never>; result: Agreement };
  set_agreement: { args: { version: string; text: string }; result: null };
  consents: { args: { userId?: string | null }; result: Array<Consent> };
  event_log: { args: { limit?: number | null }; result: Array<Event> };
  inspector: { args: { connectionId?: number | null; provider?: string | null; limit?: number | null }; result: Array<Exchange> };
  connection_details: { args: { connectionId: number }; result: ConnectionDetails };
  force_refresh: { args: { connectionId: number }; result: ConnectionDetails };
  faults: { args: { provider: string }; result: Faults };
  set_faults: { args: { provider: string; faults: Faults }; result: null };
  settings: { args: Record<string, never>; result: SettingsView };
  set_environment: { args: { environment: string }; result: null };
  set_credentials: { args: { provider: string; clientId: string; clientSecret?: string | null }; result: null };
  rotate_api_key: { args: Record<string, never>; result: string };
  add_webhook: { args: { url: string }; result: NewWebhook };
  remove_webhook: { args: { id: number }; result: null };
  forward_retry: { args: Record<string, never>; result: number };
  set_enrol_pin: { args: { pin?: string | null }; result: null };
  check_enrol_pin: { args: { pin: string }; result: boolean };
  wipe_all: { args: { confirm: string }; result: null };
}

export type CommandName = keyof Commands;

/** The commands in the order of commands.rs. */
export const COMMAND_NAMES = [
  'app_info',
  'list_participants',
  'add_user',
  'update_participant',
  'plan_participant_import',
  'import_participants',
  'delete_user',
  'disconnect',
  'create_link_token',
  'user_data',
  'coverage',
  'sync_now',
  'export',
  'agreement',
  'set_agreement',
  'consents',
  'event_log',
  'inspector',
  'connection_details',
  'force_refresh',
  'faults',
  'set_faults',
  'settings',
  'set_environment',
  'set_credentials',
  'rotate_api_key',
  'add_webhook',
  'remove_webhook',
  'forward_retry',
  'set_enrol_pin',
  'check_enrol_pin',
  'wipe_all',
] as const satisfies readonly CommandName[];
