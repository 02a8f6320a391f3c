/**
 * What the Rust core's Tauri commands take and return: generated from the Rust types into
 * bindings.ts (see src-tauri/desktop/src/commands.rs), re-exported here under the names the
 * console uses. Only what the core does not type (Vital's documents for the charts) and what is
 * the UI's own is written by hand below.
 */
import type * as B from './bindings';

export type {
  Agreement, AppEvent, AppInfo, CommandName, Commands, ConnectionDetails, ConnectionKind, ConnectionStatus, Consent, Counts, CoverageRow, Cursor,
  Exchange, ExportReport, Faults, ForwardStatus, ImportAction, ImportPlan, ImportReport, ImportRow, JsonValue, LinkStatus, NewWebhook, Participant, SyncReport, User,
} from './bindings';

export type Environment = 'sandbox' | 'production';

export type Connection = B.ConnectionRow;
export type EventRow = B.Event;
export type LinkToken = B.LinkTokenResponse;
export type WebhookEndpoint = B.Endpoint;
export type OutboxDepth = B.Depth;
/** A batch the forward target refused for good, kept until retried. */
export type DeadLetter = B.ParkedBatch;
/**
 * Not sent by the core yet (issue 19): whether the provider can be connected from a desktop
 * app at all, as `/v2/link/providers` says. Without it the UI falls back to
 * src/shared/providers.ts (Garmin is not connectable).
 */
export type CredentialView = B.CredentialView & {
  availability?: { state: 'available' } | { state: 'not_available'; reason: string };
};
export type SettingsView = Omit<B.SettingsView, 'credentials'> & { credentials: CredentialView[] };

export type ExportFormat = B.Format;

export interface ExportRequest {
  format: ExportFormat;
  out: string | null;
  participants: string[];
  from: string | null;
  to: string | null;
  raw: boolean;
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

