/** What the Rust core's Tauri commands return (see api.ts). */

export type Environment = 'sandbox' | 'production';

export interface AppInfo {
  version: string;
  environment: Environment | string;
  /** `http://127.0.0.1:PORT` */
  api_base: string;
  data_dir: string;
  history_days: number;
  /** The core's today (YYYY-MM-DD): pinned in the sandbox demos and tests. */
  today?: string;
  /** Providers with a running sandbox fake (fault switches apply to these). */
  sandbox_providers?: string[];
}

export type ConnectionStatus = 'connected' | 'syncing' | 'error' | 'reauth_required' | string;

export interface Connection {
  id: number;
  user_id?: string;
  provider: string;
  status: ConnectionStatus;
  /** epoch ms */
  last_sync_at: number | null;
  error_type: string | null;
  error_message: string | null;
  external_user_id: string | null;
  scopes?: string | null;
  created_at?: number;
  updated_at?: number;
  /** When the scheduler runs this connection next (epoch ms); null = as soon as possible. */
  next_sync_at?: number | null;
  last_attempt_at?: number | null;
  /** `oauth` or `push` (readings received through the ingestion routes). */
  kind?: string;
}

export interface Counts {
  sleep: number;
  activity: number;
  workouts: number;
  heartrate: number;
  hrv: number;
  raw: number;
}

export interface Participant {
  user_id: string;
  client_user_id: string;
  /** epoch ms */
  created_at: number;
  connections: Connection[];
  counts: Counts;
  notes?: string | null;
  cohort?: string | null;
  /** Days with data per resource over the study window (`list_participants {from, to}`). */
  days?: Record<string, number>;
  /** The latest accepted agreement. */
  consent?: Consent | null;
}

export interface Consent {
  user_id: string;
  version: string;
  /** epoch ms */
  accepted_at: number;
  via: 'window' | 'link_page' | string;
}

export interface ImportReport {
  added: string[];
  already_present: string[];
  /** [line, message] */
  errors: [number, string][];
}

/** `coverage {from, to}`: per participant, day → resource → count. */
export interface CoverageRow {
  user_id: string;
  client_user_id: string;
  days: Record<string, Record<string, number>>;
}

export type ExportFormat = 'csv' | 'json' | 'parquet';

export interface ExportRequest {
  format: ExportFormat;
  out: string | null;
  participants: string[];
  from: string | null;
  to: string | null;
  raw: boolean;
}

export interface ExportReport {
  dir: string;
  format: ExportFormat;
  participants: number;
  files: { path: string; rows: number }[];
}

export interface Exchange {
  id: number;
  /** epoch ms */
  at: number;
  connection_id: number | null;
  provider: string;
  kind: string;
  method: string;
  url: string;
  status: number | null;
  latency_ms: number;
  request_headers: [string, string][];
  request_body: string | null;
  response_headers: [string, string][];
  response_body: string | null;
  error: string | null;
}

export interface Cursor {
  resource: string;
  newest_day: string | null;
  oldest_day: string | null;
  backfill_target: string | null;
}

export interface ConnectionDetails {
  connection: Connection & { user_id: string };
  /** epoch ms */
  token_expires_at: number | null;
  has_refresh_token: boolean;
  /** redacted */
  access_token: string;
  scopes_granted: string[];
  scopes_requested: string[];
  last_refresh: number | null;
  cursors: Cursor[];
}

/** The sandbox fault switches of one provider (src-tauri/fake/faults.rs). */
export interface Faults {
  deny_consent: boolean;
  expire_code: boolean;
  invalid_grant: boolean;
  rate_limit_retry_after: number | null;
  server_error: boolean;
  malformed_json: boolean;
  slow_ms: number | null;
  after_pages: number | null;
  access_token_ttl: number | null;
}

export interface EventRow {
  id: number;
  at: number;
  kind: string;
  user_id: string | null;
  provider: string | null;
  detail: unknown;
}

export interface Agreement {
  version: string;
  text: string;
}

export interface CredentialView {
  slug: string;
  client_id: string | null;
  /** redacted */
  client_secret: string | null;
  source: 'environment' | 'settings' | 'none' | string;
  /**
   * Not sent by the core yet (issue 19): whether the provider can be connected from a desktop
   * app at all, as `/v2/link/providers` says. Without it the UI falls back to
   * src/shared/providers.ts (Garmin is not connectable).
   */
  availability?: { state: 'available' } | { state: 'not_available'; reason: string };
}

export interface WebhookEndpoint {
  id: number;
  url: string;
  event_types: string[] | null;
  created_at: number;
  delivered: number;
  pending: number;
  failed: number;
}

export interface OutboxDepth {
  batches: number;
  readings: number;
}

/** A batch the forward target refused for good, kept until retried. */
export interface DeadLetter {
  id: number;
  user_id: string;
  client_user_id: string | null;
  provider: string;
  resource: string;
  readings: number;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  parked_at: string;
}

export interface ForwardStatus {
  enabled: boolean;
  url: string | null;
  outbox: OutboxDepth;
  parked: OutboxDepth;
  dead_letters: DeadLetter[];
  delivered_readings: number;
  /** ISO time of the last successful delivery */
  last_delivery_at: string | null;
  last_error: string | null;
}

export interface SettingsView {
  environment: Environment | string;
  history_days: number;
  data_dir: string;
  api_base: string;
  /** redacted */
  api_key: string;
  webhooks: WebhookEndpoint[];
  forward: ForwardStatus;
  credentials: CredentialView[];
  agreement: Agreement;
  enrol_pin_set: boolean;
}

export interface User {
  user_id: string;
  client_user_id: string;
  created_at?: number;
  [key: string]: unknown;
}

export interface LinkToken {
  link_token: string;
  link_web_url: string;
}

export type DataKind = 'sleep' | 'activity' | 'workouts' | 'heartrate' | 'hrv' | 'body';

export interface BodySummary {
  calendar_date: string;
  /** kg */
  weight?: number | null;
  /** % */
  fat?: number | null;
  [key: string]: unknown;
}

export interface SleepSummary {
  id: string;
  calendar_date: string;
  bedtime_start: string;
  bedtime_stop: string;
  /** seconds */
  duration: number;
  total: number;
  awake: number;
  light: number;
  rem: number;
  deep: number;
  score: number | null;
  hr_average: number | null;
  hr_lowest: number | null;
  efficiency: number | null;
  average_hrv: number | null;
  type?: string;
  [key: string]: unknown;
}

export interface ActivitySummary {
  calendar_date: string;
  steps: number | null;
  calories_total: number | null;
  calories_active: number | null;
  distance: number | null;
  /** minutes */
  low: number | null;
  medium: number | null;
  high: number | null;
  [key: string]: unknown;
}

export interface WorkoutSummary {
  id?: string;
  calendar_date: string;
  time_start: string;
  time_end: string;
  sport: { name: string; slug: string; id?: number } | null;
  calories: number | null;
  /** metres */
  distance: number | null;
  title?: string | null;
  [key: string]: unknown;
}

export interface Sample {
  timestamp: string;
  value: number;
  unit: string;
  type?: string | null;
  timezone_offset?: number | null;
}

export interface TimeseriesGrouped {
  groups: Record<string, { source: Record<string, unknown>; data: Sample[] }[]>;
  next: string | null;
  next_cursor: string | null;
}

export interface DataByKind {
  sleep: { sleep: SleepSummary[] };
  activity: { activity: ActivitySummary[] };
  workouts: { workouts: WorkoutSummary[] };
  heartrate: TimeseriesGrouped;
  hrv: TimeseriesGrouped;
  body: { body: BodySummary[] };
}

export interface SyncReport {
  connection_id: number;
  provider: string;
  pages: number;
  written: { summaries_written: number; samples_written: number };
  status: string;
  errors: string[];
}

export type AppEvent =
  | { type: 'link_state'; user_id: string; provider: string | null; state: string }
  | { type: 'sync_progress'; connection_id: number; resource: string; done: number; total: number }
  | { type: 'sync_finished'; connection_id: number; status: string }
  | { type: 'export_progress'; done: number; total: number; what: string };
