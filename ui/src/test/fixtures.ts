import type { AppInfo, Connection, ConnectionStatus, Participant, User, SleepSummary, TimeseriesGrouped } from '../console/types';

/** The machine's today, as the core would send it (YYYY-MM-DD, local). */
function localToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export const info: AppInfo = {
  version: '0.1.0', environment: 'sandbox', api_base: 'http://127.0.0.1:8484', data_dir: '/tmp/vl', history_days: 90,
  today: localToday(), sandbox_providers: [],
};

export function participant(client: string, extra: Partial<Participant> = {}): Participant {
  return {
    user_id: `uid-${client}`, client_user_id: client, created_at: 0, connections: [], notes: null, cohort: null, days: {}, consent: null,
    counts: { sleep: 0, activity: 0, workouts: 0, heartrate: 0, hrv: 0, raw: 0 }, ...extra,
  };
}

/** A user as `add_user` and `update_participant` answer. */
export function user(user_id: string, client_user_id: string): User {
  return {
    user_id, client_user_id, created_at: 0, fallback_time_zone: null, fallback_birth_date: null, ingestion_start: null,
    ingestion_end: null, notes: null, cohort: null,
  };
}

/** A connection as the core sends it; `extra` overrides any field. */
export function connection(extra: Partial<Connection> & { id: number }): Connection {
  return {
    user_id: 'uid', provider: 'oura', status: 'connected', external_user_id: null, scopes: null, created_at: 0, updated_at: 0,
    last_sync_at: null, error_type: null, error_message: null, kind: 'oauth', next_sync_at: null, last_attempt_at: null,
    backfill_progress: null, sync_status: extra.status ?? 'connected', ...extra,
  };
}

export const connected = (id: number, status: ConnectionStatus = 'connected', last: number | null = Date.now() - 5 * 60_000): Connection => connection({
  id, provider: 'oura', status, last_sync_at: last, error_type: status === 'error' ? 'provider_api_error' : null,
  error_message: status === 'error' ? 'oura answered 503' : null, external_user_id: 'ext',
});

export function sleepDoc(day: string, hours = 7): SleepSummary {
  const total = hours * 3600;
  return {
    id: `s-${day}`, calendar_date: day, bedtime_start: `${day}T00:00:00+00:00`, bedtime_stop: `${day}T08:00:00+00:00`,
    duration: total + 1800, total, awake: 1800, light: total * 0.55, rem: total * 0.25, deep: total * 0.2,
    score: 80, hr_average: 58, hr_lowest: 50, efficiency: 90, average_hrv: 40,
  };
}

export function hrSeries(start: string, n: number, stepMin = 5): TimeseriesGrouped {
  const t0 = Date.parse(start);
  return {
    groups: {
      oura: [{ source: { provider: 'oura' }, data: Array.from({ length: n }, (_, i) => ({ timestamp: new Date(t0 + i * stepMin * 60_000).toISOString(), value: 60 + (i % 7), unit: 'bpm', type: 'awake' })) }],
    },
    next: null, next_cursor: null,
  };
}
