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
}

export type ConnectionStatus = 'connected' | 'syncing' | 'error' | 'reauth_required' | string;

export interface Connection {
  id: number;
  provider: string;
  status: ConnectionStatus;
  /** epoch ms */
  last_sync_at: number | null;
  error_type: string | null;
  error_message: string | null;
  external_user_id: string | null;
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

export type DataKind = 'sleep' | 'activity' | 'workouts' | 'heartrate' | 'hrv';

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
  | { type: 'sync_finished'; connection_id: number; status: string };
