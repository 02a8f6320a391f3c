/**
 * Dev-only stand-in for the Rust core, so `npx vite` + `/?mock` (console) and
 * `/link/?mock&token=demo` (standalone widget) can be looked at without the app.
 *
 * It fakes the Tauri commands under api.ts (through @tauri-apps/api's mockIPC) and the local
 * API's link routes (by wrapping window.fetch). Loaded only when import.meta.env.DEV, so it is
 * never part of a build.
 *
 * URL switches: `scenario=success|error|denied|stay|expired|slow` (how a link attempt ends),
 * `empty` (no participants), `select=P-001` (console: open that participant).
 */
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { CommandName, Commands, Connection, ConnectionStatus, EventRow, Exchange, Faults, JsonValue, Participant, SyncReport } from '../console/types';

const q = new URLSearchParams(window.location.search);
const scenario = q.get('scenario') ?? 'success';
const origin = window.location.origin;
const DAY = 86_400_000;

// ── Deterministic pseudo-random numbers ─────────────────────────────────────────────────
function seeded(key: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const between = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();

const pad = (n: number) => String(n).padStart(2, '0');
const ymd = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localMidnight = (s: string) => {
  const [y, m, d] = s.split('-').map(Number);
  return new Date(y, m - 1, d).getTime();
};
function* days(from: string, to: string) {
  const today = ymd(new Date());
  const last = to < today ? to : today;
  for (let t = localMidnight(from); ymd(new Date(t)) <= last; t += DAY) yield ymd(new Date(t));
}

// ── Participants ────────────────────────────────────────────────────────────────────────
const now = Date.now();
let nextConn = 10;
const uuid = (n: number) => `7c0e${pad(n)}a4-3b1f-4d6a-9a51-${String(0xe2c8f + n * 7919).padStart(12, '0')}`;
const conn = (provider: string, status: ConnectionStatus, lastSyncAgoMin: number | null, extra: Partial<Connection> = {}): Connection => ({
  id: nextConn++, provider, status, last_sync_at: lastSyncAgoMin === null ? null : now - lastSyncAgoMin * 60_000,
  error_type: null, error_message: null, external_user_id: `ext-${nextConn}`, user_id: '', scopes: 'daily heartrate workout',
  created_at: now - 30 * DAY, updated_at: now, kind: 'oauth', next_sync_at: null, last_attempt_at: null, backfill_progress: null,
  sync_status: status, ...extra,
});
/** A participant as `list_participants` sends it, from the fields that matter here. */
type Seed = Omit<Participant, 'notes' | 'cohort' | 'days' | 'consent'> & Partial<Participant>;
const person = (p: Seed): Participant => ({
  notes: null, cohort: null, days: {}, consent: null, ...p, connections: p.connections.map((c) => ({ ...c, user_id: p.user_id })),
});

const people: Participant[] = (q.has('empty')
  ? []
  : ([
      { user_id: uuid(1), client_user_id: 'P-001', created_at: now - 40 * DAY, connections: [conn('oura', 'connected', 12)], counts: zero(), cohort: 'A', notes: 'Night shifts on weekends', consent: { user_id: uuid(1), version: '2', accepted_at: now - 39 * DAY, via: 'window' } },
      { user_id: uuid(2), client_user_id: 'P-002', created_at: now - 35 * DAY, connections: [conn('oura', 'syncing', 3 * 60)], counts: zero(), cohort: 'A', consent: { user_id: uuid(2), version: '2', accepted_at: now - 34 * DAY, via: 'link_page' } },
      { user_id: uuid(3), client_user_id: 'P-003', created_at: now - 2 * DAY, connections: [], counts: zero(), cohort: 'B' },
      {
        user_id: uuid(4), client_user_id: 'P-004', created_at: now - 60 * DAY,
        connections: [conn('oura', 'reauth_required', 3 * 24 * 60, { error_type: 'reauth_required', error_message: "oura no longer accepts this connection's refresh token (token endpoint answered invalid_grant: the refresh token is invalid (sandbox fault); the authorization was refused or has expired; connect the provider again); reconnect it" })],
        counts: zero(), cohort: 'B', consent: { user_id: uuid(4), version: '1', accepted_at: now - 59 * DAY, via: 'window' },
      },
      {
        user_id: uuid(5), client_user_id: 'P-010', created_at: now - 20 * DAY,
        connections: [conn('oura', 'error', 26 * 60, { error_type: 'provider_api_error', error_message: 'oura answered 503 Service Unavailable four times; the next sync will try again' })],
        counts: zero(),
      },
    ] as Seed[])).map(person);

// `long`: a participant whose id is 256 characters and whose connection failed (layout checks).
if (q.has('long')) {
  const long = `LONG-${'x'.repeat(246)}-END`.slice(0, 256);
  people.push(person({
    user_id: uuid(40), client_user_id: long, created_at: now - DAY, cohort: 'C'.repeat(40), notes: 'n'.repeat(300),
    connections: [conn('whoop_v2', 'error', 90, { error_type: 'provider_unavailable', error_message: `whoop_v2: sleep: whoop_v2 sleep 2026-12-01..2026-12-03: the provider answered 500; it will be retried`, next_sync_at: now + 12 * 60_000 })],
    counts: zero(), consent: { user_id: uuid(40), version: '2', accepted_at: now - DAY, via: 'window' },
  }));
}
// `many=200`: that many more participants (the heatmap at study scale).
for (let i = 0, n = Number(q.get('many') ?? 0); i < n; i++) {
  const id = `S-${String(i + 1).padStart(3, '0')}`;
  people.push(person({ user_id: `${uuid(50 + (i % 40))}-${i}`, client_user_id: id, created_at: now - 30 * DAY, connections: [conn(['oura', 'withings', 'polar'][i % 3], 'connected', 30 + i)], counts: zero(), cohort: `C${i % 5}` }));
}

function zero() {
  return { sleep: 0, activity: 0, workouts: 0, heartrate: 0, hrv: 0, raw: 0 };
}

function recount(p: Participant) {
  if (!p.connections.length) {
    p.counts = zero();
    p.days = {};
    return;
  }
  {
    const to = ymd(new Date());
    const from = ymd(new Date(Date.now() - 29 * DAY));
    const hrDays = new Set(synthHr(p.user_id, from, to).map((s) => s.timestamp.slice(0, 10))).size;
    p.days = { sleep: synthSleep(p.user_id, from, to).length, activity: synthActivity(p.user_id, from, to).length, heartrate: hrDays, workouts: synthWorkouts(p.user_id, from, to).length };
    if (p.connections.some((c) => c.status === 'reauth_required')) p.days = { sleep: 9, activity: 11, heartrate: 10 };
  }
  const to = ymd(new Date());
  const from = ymd(new Date(Date.now() - 89 * DAY));
  const sleep = synthSleep(p.user_id, from, to).length;
  const activity = synthActivity(p.user_id, from, to).length;
  const workouts = synthWorkouts(p.user_id, from, to).length;
  const heartrate = synthHr(p.user_id, from, to).length;
  p.counts = { sleep, activity, workouts, heartrate, hrv: sleep * 60, raw: sleep + activity + workouts + 90 };
}

// ── Synthetic data in Vital's shapes ───────────────────────────────────────────────────
function synthSleep(userId: string, from: string, to: string) {
  const out = [];
  for (const day of days(from, to)) {
    const r = seeded(`${userId}/sleep/${day}`);
    if (r() < 0.05) continue;
    const start = localMidnight(day) - between(r, 0.4, 1.8) * 3_600_000;
    const total = Math.round(between(r, 5.6, 8.4) * 3600);
    const deep = Math.round(total * between(r, 0.13, 0.22));
    const rem = Math.round(total * between(r, 0.18, 0.26));
    const light = total - deep - rem;
    const awake = Math.round(between(r, 12, 55) * 60);
    const stop = start + (total + awake) * 1000;
    out.push({
      id: `sleep-${userId.slice(0, 4)}-${day}`, calendar_date: day, type: 'long_sleep',
      bedtime_start: new Date(start).toISOString(), bedtime_stop: new Date(stop).toISOString(),
      duration: total + awake, total, awake, light, rem, deep,
      score: Math.round(between(r, 62, 92)), hr_lowest: Math.round(between(r, 46, 58)), hr_average: Math.round(between(r, 54, 64)),
      efficiency: Math.round((total / (total + awake)) * 100), average_hrv: Math.round(between(r, 28, 70)),
      source: { provider: 'oura', type: 'ring', name: 'Oura', slug: 'oura' },
    });
  }
  return out;
}

function synthActivity(userId: string, from: string, to: string) {
  const out = [];
  for (const day of days(from, to)) {
    const r = seeded(`${userId}/activity/${day}`);
    const weekend = [0, 6].includes(new Date(localMidnight(day)).getDay());
    const steps = Math.round(between(r, weekend ? 2500 : 5200, weekend ? 15500 : 12500));
    out.push({
      calendar_date: day, steps, calories_total: Math.round(1900 + steps * 0.045), calories_active: Math.round(steps * 0.045),
      distance: Math.round(steps * 0.74), low: Math.round(between(r, 120, 260)), medium: Math.round(between(r, 10, 70)), high: Math.round(between(r, 0, 30)),
      source: { provider: 'oura', type: 'ring', name: 'Oura', slug: 'oura' },
    });
  }
  return out;
}

const SPORTS = [
  { name: 'Running', slug: 'running', dist: 6500 },
  { name: 'Cycling', slug: 'cycling', dist: 21000 },
  { name: 'Walking', slug: 'walking', dist: 4200 },
  { name: 'Strength Training', slug: 'strength_training', dist: 0 },
  { name: 'Yoga', slug: 'yoga', dist: 0 },
];

function synthWorkouts(userId: string, from: string, to: string) {
  const out = [];
  for (const day of days(from, to)) {
    const r = seeded(`${userId}/workout/${day}`);
    if (r() > 0.32) continue;
    const s = SPORTS[Math.floor(r() * SPORTS.length)];
    const start = localMidnight(day) + between(r, 7, 19) * 3_600_000;
    const mins = between(r, 25, 80);
    out.push({
      id: `w-${day}`, calendar_date: day, time_start: new Date(start).toISOString(), time_end: new Date(start + mins * 60_000).toISOString(),
      sport: { id: 1, name: s.name, slug: s.slug }, calories: Math.round(mins * between(r, 6, 11)),
      distance: s.dist ? Math.round(s.dist * between(r, 0.7, 1.3)) : null, title: null,
    });
  }
  return out;
}

function synthHr(userId: string, from: string, to: string) {
  const out: { timestamp: string; value: number; unit: string; type: string }[] = [];
  const end = Date.now();
  for (const day of days(from, to)) {
    const r = seeded(`${userId}/hr/${day}`);
    const base = localMidnight(day);
    const gapStart = base + between(r, 9, 18) * 3_600_000;
    const gapEnd = gapStart + between(r, 0.7, 1.6) * 3_600_000;
    const workoutAt = r() < 0.35 ? base + between(r, 7, 19) * 3_600_000 : -1;
    let v = 55;
    for (let t = base; t < base + DAY && t <= end; t += 5 * 60_000) {
      if (t >= gapStart && t < gapEnd) continue;
      const hour = (t - base) / 3_600_000;
      const asleep = hour < 6.5 || hour > 23.2;
      const target = asleep ? 52 + 4 * Math.sin(hour) : 72 + 8 * Math.sin(hour / 2);
      v += (target - v) * 0.35 + between(r, -4, 4);
      let value = v;
      if (workoutAt > 0 && t >= workoutAt && t < workoutAt + 50 * 60_000) value = 128 + between(r, -12, 22);
      out.push({ timestamp: new Date(t).toISOString(), value: Math.round(value), unit: 'bpm', type: asleep ? 'sleep' : workoutAt > 0 && t >= workoutAt && t < workoutAt + 50 * 60_000 ? 'workout' : 'awake' });
    }
  }
  return out;
}

function userData(userId: string, kind: string, from: string, to: string): JsonValue {
  const p = people.find((x) => x.user_id === userId);
  const has = !!p?.connections.length;
  switch (kind) {
    case 'sleep':
      return { sleep: has ? synthSleep(userId, from, to) : [] };
    case 'activity':
      return { activity: has ? synthActivity(userId, from, to) : [] };
    case 'workouts':
      return { workouts: has ? synthWorkouts(userId, from, to) : [] };
    case 'heartrate':
    case 'hrv': {
      const data = has && kind === 'heartrate' ? synthHr(userId, from, to) : [];
      return { groups: data.length ? { oura: [{ source: { provider: 'oura', type: 'ring' }, data }] } : {}, next: null, next_cursor: null };
    }
    default:
      throw { code: 'invalid_resource', message: `unknown resource ${kind}` };
  }
}

// ── Events and sync ────────────────────────────────────────────────────────────────────
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runSync(p: Participant) {
  const reports: SyncReport[] = [];
  for (const c of p.connections) {
    if (c.status === 'reauth_required') {
      reports.push({ connection_id: c.id, provider: c.provider, pages: 0, written: { summaries_written: 0, samples_written: 0 }, status: 'reauth_required', errors: [c.error_message ?? 'reconnect'], next_sync_at: null });
      continue;
    }
    c.status = 'syncing';
    const resources = ['sleep', 'activity', 'workouts', 'heartrate'];
    for (let i = 0; i < resources.length; i++) {
      await emit('app://event', { type: 'sync_progress', connection_id: c.id, resource: resources[i], done: i + 1, total: resources.length });
      await sleep(450);
    }
    c.status = 'connected';
    c.error_type = null;
    c.error_message = null;
    c.last_sync_at = Date.now();
    recount(p);
    await emit('app://event', { type: 'sync_finished', connection_id: c.id, status: 'connected' });
    reports.push({ connection_id: c.id, provider: c.provider, pages: 4, written: { summaries_written: 3, samples_written: 288 }, status: 'connected', errors: [], next_sync_at: now + 60 * 60_000 });
  }
  return reports;
}

// ── Link sessions and the HTTP link routes ─────────────────────────────────────────────
interface Session {
  userId: string;
  state: string;
  provider: string | null;
  error_type: string | null;
  error: string | null;
  pollsLeft: number;
  redirect_url: string | null;
}
const sessions = new Map<string, Session>();

const PROVIDERS = [
  ['oura', 'Oura', 'Smart ring: sleep, readiness, activity and heart rate'],
  ['withings', 'Withings', 'Scales, blood pressure monitors and sleep analysers'],
  ['fitbit', 'Fitbit', 'Activity trackers and smartwatches'],
  ['garmin', 'Garmin', 'Sports watches and cycling computers'],
  ['polar', 'Polar', 'Heart-rate monitors and training watches'],
  ['whoop', 'WHOOP', 'Strain, recovery and sleep band'],
  ['strava', 'Strava', 'Runs, rides and other workouts'],
  ['dexcom', 'Dexcom', 'Continuous glucose monitoring'],
].map(([slug, name, description], i) => ({
  id: 1000 + i, slug, name, description, logo: `${origin}/v2/providers/${slug}/logo.svg`,
  group: null, oauth_url: null, auth_type: 'oauth', source_type: 'provider', is_active: true, backfill_num_days: 90, form_components: null,
}));

function session(token: string): Session | null {
  if (!token || token.startsWith('expired')) return null;
  let s = sessions.get(token);
  if (!s) {
    // Tokens typed into the URL by hand (`/link/?mock&token=demo`) act for P-001.
    s = { userId: people[0]?.user_id ?? uuid(1), state: 'created', provider: null, error_type: null, error: null, pollsLeft: 0, redirect_url: q.get('redirect_url') };
    sessions.set(token, s);
  }
  return s;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const fail = (status: number, error_type: string, error_message: string) => json(status, { detail: { error_type, error_message } });

async function settle(s: Session) {
  const p = people.find((x) => x.user_id === s.userId);
  if (scenario === 'error') {
    s.state = 'error';
    s.error_type = 'required_scopes_not_granted';
    s.error = 'oura did not grant the `daily` permission, which Vital Link needs; connect again and leave it ticked';
  } else if (scenario === 'denied') {
    s.state = 'exited';
    s.error_type = 'user_cancelled';
    s.error = 'access was declined at oura; nothing was connected';
  } else {
    s.state = 'success';
    if (p && !p.connections.some((c) => c.provider === s.provider)) p.connections.push(conn(s.provider ?? 'oura', 'connected', null));
    void emit('app://event', { type: 'link_state', user_id: s.userId, provider: s.provider, state: 'success' });
    if (p) setTimeout(() => void runSync(p), 300);
  }
}

async function linkRoute(url: URL, init: RequestInit | undefined): Promise<Response> {
  await sleep(120);
  const headers = new Headers(init?.headers);
  const token = headers.get('x-vital-link-token') ?? '';
  const s = session(token);
  const method = (init?.method ?? 'GET').toUpperCase();
  if (!token) return fail(400, 'missing_link_token', 'send the link token in the x-vital-link-token header');
  if (!s || (scenario === 'expired' && url.pathname !== '/v2/link/state')) {
    return fail(401, 'token_expired', 'this link token has expired (tokens last 60 minutes); create a new one');
  }
  const stateBody = () => ({
    state: scenario === 'expired' ? 'error' : s.state, user_id: s.userId, provider: s.provider,
    error_type: scenario === 'expired' ? 'token_expired' : s.error_type,
    error: scenario === 'expired' ? 'this link token has expired; create a new one' : s.error,
    redirect_url: s.redirect_url, expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  switch (`${method} ${url.pathname}`) {
    case 'GET /v2/link/providers':
      return json(200, PROVIDERS);
    case 'POST /v2/link/start': {
      const body = JSON.parse(String(init?.body ?? '{}')) as { provider?: string };
      if (body.provider !== 'oura') return fail(400, 'provider_unavailable', `${body.provider} has no sandbox yet`);
      s.state = 'pending';
      s.provider = body.provider;
      s.error = s.error_type = null;
      s.pollsLeft = scenario === 'slow' ? 14 : 4;
      void emit('app://event', { type: 'link_state', user_id: s.userId, provider: s.provider, state: 'pending' }).catch(() => undefined);
      return json(200, { provider: body.provider, oauth_url: `${origin}/mock-oauth/authorize?client_id=vital-link-sandbox&state=xyz`, state: 'pending' });
    }
    case 'GET /v2/link/state':
      if (s.state === 'pending' && scenario !== 'stay' && --s.pollsLeft <= 0) await settle(s);
      return json(200, stateBody());
    case 'GET /v2/team/link/config':
      return json(200, { agreement, environment: 'sandbox' });
    case 'POST /v2/link/consent': {
      const body = JSON.parse(String(init?.body ?? '{}')) as { version?: string; via?: string };
      if (body.version !== agreement.version) return fail(400, 'agreement_outdated', `the agreement changed (version ${agreement.version} is current)`);
      const p = people.find((x) => x.user_id === s.userId);
      if (p) p.consent = { user_id: p.user_id, version: agreement.version, accepted_at: Date.now(), via: body.via ?? 'link_page' };
      return json(200, { success: true, version: agreement.version, accepted_at: new Date().toISOString() });
    }
    case 'POST /v2/link/exit':
      if (s.state !== 'success') {
        s.state = 'exited';
        s.error_type = 'user_cancelled';
        s.error = s.provider ? 'the connection was cancelled' : 'the user closed the link widget';
      }
      return json(200, { success: true });
    default:
      return fail(404, 'not_found', `no route ${method} ${url.pathname}`);
  }
}

// ── Console extras: coverage, inspector, faults, events, settings ────────────────────
function coverage(from: string, to: string) {
  return people.map((p) => {
    const days: Record<string, Record<string, number>> = {};
    if (p.connections.length) {
      const cut = p.connections.some((c) => c.status === 'reauth_required') ? 0.62 : 0;
      for (const day of [...synthSleep(p.user_id, from, to)].map((s) => s.calendar_date)) (days[day] ??= {}).sleep = 1;
      for (const a of synthActivity(p.user_id, from, to)) (days[a.calendar_date] ??= {}).activity = 1;
      for (const w of synthWorkouts(p.user_id, from, to)) (days[w.calendar_date] ??= {}).workouts = 1;
      for (const day of Object.keys(days)) {
        const r = seeded(`${p.user_id}/cov/${day}`)();
        if (r > 0.12) days[day].heartrate = 280;
        if (r < 0.05) delete days[day].activity;
      }
      if (cut) for (const day of Object.keys(days)) if (day > ymd(new Date(Date.now() - 20 * DAY))) delete days[day];
    }
    return { user_id: p.user_id, client_user_id: p.client_user_id, days };
  });
}

const exchanges: Exchange[] = [];
function record(provider: string, connection_id: number | null, kind: string, method: string, url: string, status: number | null, body: unknown, reqBody: string | null = null) {
  exchanges.unshift({
    id: exchanges.length + 1, at: Date.now() - exchanges.length * 1400, connection_id, provider, kind, method, url, status,
    latency_ms: Math.round(40 + Math.random() * 300),
    request_headers: [['authorization', 'Bearer 4QZK…H7WA (32 chars)'], ['accept', 'application/json'], ['user-agent', 'vital-link/0.1.0']],
    request_body: reqBody,
    response_headers: [['content-type', 'application/json'], ['x-ratelimit-remaining', '4980']],
    response_body: body === null ? null : JSON.stringify(body),
    error: status === null ? 'connection refused' : null,
  });
}
for (const res of ['sleep', 'daily_activity', 'heartrate', 'workout']) {
  record('oura', 10, 'data', 'GET', `http://127.0.0.1:41234/v2/usercollection/${res}?start_date=2026-10-22&end_date=2026-11-20`, 200, { data: [{ id: 'a1', day: '2026-11-19', score: 81 }], next_token: null });
}
record('oura', 10, 'token', 'POST', 'http://127.0.0.1:41234/oauth/token', 200, { token_type: 'bearer', access_token: 'ABCD…WXYZ (32 chars)', refresh_token: 'EFGH…STUV (32 chars)', expires_in: 86400 }, 'grant_type=refresh_token&refresh_token=EFGH%E2%80%A6STUV+%2832+chars%29&client_id=vital-link-sandbox&client_secret=sand%E2%80%A6cret+%2819+chars%29');
record('oura', 14, 'data', 'GET', 'http://127.0.0.1:41234/v2/usercollection/sleep?start_date=2026-11-18&end_date=2026-11-20', 500, { detail: 'internal error' });

const faultsBy = new Map<string, Faults>();
const noFaults = (): Faults => ({ deny_consent: false, expire_code: false, invalid_grant: false, rate_limit_retry_after: null, server_error: false, malformed_json: false, slow_ms: null, drop_connection: false, after_pages: null, fault_count: null, access_token_ttl: null });
let agreement = { version: '2', text: 'You are taking part in the SLEEP-42 study run by the Sleep Lab.\n\nVital Link Desktop will connect to your wearable account and store a copy of your sleep, activity, workouts and heart-rate data on this computer for the study. You sign in on your provider\'s own page; this app never sees your password.\n\nYou can withdraw and disconnect at any time.' };
const events: EventRow[] = [
  { id: 1, at: now - 3 * DAY, kind: 'participants.imported', user_id: null, provider: null, detail: { added: 5, already_present: 0, errors: 0 } },
  { id: 2, at: now - 2 * DAY, kind: 'consent.accepted', user_id: uuid(1), provider: null, detail: { version: '2', via: 'window' } },
  { id: 3, at: now - 2 * DAY + 60_000, kind: 'connection.created', user_id: uuid(1), provider: 'oura', detail: { connection_id: 10 } },
  { id: 4, at: now - DAY, kind: 'token.refreshed', user_id: uuid(1), provider: 'oura', detail: { connection_id: 10 } },
  { id: 5, at: now - 3_600_000, kind: 'sync.failed', user_id: uuid(5), provider: 'oura', detail: { connection_id: 14, error: 'oura answered 503' } },
  { id: 6, at: now - 600_000, kind: 'export.created', user_id: null, provider: null, detail: { format: 'parquet', participants: 5, files: 12, raw: false } },
];
let pinHash: string | null = null;
let apiKeyTail = 'Qm7x';

/** The commands, typed against the generated map: a mock that drifts from the core fails `tsc`. */
type Handlers = { [K in CommandName]: (args: Commands[K]['args']) => Promise<Commands[K]['result']> };

const handlers: Handlers = {
    app_info: async () => {
      return { version: '0.1.0', environment: q.get('env') ?? 'sandbox', api_base: origin, data_dir: '/home/lab/.local/share/vital-link', history_days: 90, today: ymd(new Date()), sandbox_providers: ['oura', 'withings', 'strava', 'polar', 'whoop_v2', 'dexcom_v3', 'wahoo', 'google_health'] };
    },
    plan_participant_import: async (a) => {
      const lines = String(a.csv ?? '').split(/\r?\n/);
      if (lines.some((l) => (l.match(/"/g) ?? []).length % 2 === 1)) {
        const at = lines.findIndex((l) => (l.match(/"/g) ?? []).length % 2 === 1) + 1;
        throw { code: 'invalid_csv', message: `line ${at} opens a quote that runs to the end of the file: close the quote (or remove it) and import again; nothing was imported` };
      }
      const rows = lines.slice(1).map((line, i) => ({ line, n: i + 2 })).filter((r) => r.line.trim()).map(({ line, n }) => {
        const [id, cohort] = line.split(',').map((x) => x.trim());
        const action = !id ? 'skip' : people.some((p) => p.client_user_id === id) ? 'already_present' : 'add';
        return { line: n, participant_id: id ?? '', notes: null, cohort: cohort || null, action, problem: id ? null : 'empty participant_id' } as const;
      });
      const count = (k: string) => rows.filter((r) => r.action === k).length;
      return { rows, to_add: count('add'), already_present: count('already_present'), skipped: count('skip') };
    },
    import_participants: async (a) => {
      const lines = String(a.csv ?? '').split(/\r?\n/);
      const added: string[] = [];
      const present: string[] = [];
      const errors: [number, string][] = [];
      lines.slice(1).forEach((line, i) => {
        if (!line.trim()) return;
        const [id, cohort] = line.split(',').map((x) => x.trim());
        if (!id) errors.push([i + 2, 'empty participant_id']);
        else if (people.some((p) => p.client_user_id === id)) present.push(id);
        else {
          people.push(person({ user_id: uuid(people.length + 30), client_user_id: id, created_at: Date.now(), connections: [], counts: zero(), cohort: cohort || null, days: {} }));
          added.push(id);
        }
      });
      return { added, already_present: present, errors };
    },
    delete_user: async (a) => {
      const i = people.findIndex((p) => p.user_id === a.userId);
      if (i >= 0) people.splice(i, 1);
      return null;
    },
    disconnect: async (a) => {
      const p = people.find((x) => x.user_id === a.userId);
      if (p) p.connections = p.connections.filter((c) => c.provider !== a.provider);
      return null;
    },
    coverage: async (a) => {
      return coverage(a.from, a.to);
    },
    export: async (a) => {
      const total = people.length * 6 + 1;
      for (let i = 1; i <= total; i += 3) {
        await emit('app://event', { type: 'export_progress', done: i, total, what: ['sleep', 'activity', 'workouts', 'body', 'profile', 'heartrate'][i % 6] });
        await sleep(60);
      }
      const dir = (a.out as unknown as string) || `/home/lab/.local/share/vital-link/exports/20261120-150000-${a.format}`;
      const ext = a.format === 'json' ? 'json' : a.format;
      const files = ['sleep', 'activity', 'workouts', 'body', 'profile', 'heartrate', 'hrv'].map((r, i) => ({ path: `${dir}/${r}.${ext}`, rows: [148, 150, 41, 0, 5, 40213, 3120][i] }));
      files.push({ path: `${dir}/events.${a.format === 'parquet' ? 'parquet' : a.format === 'json' ? 'json' : 'csv'}`, rows: 37 }, { path: `${dir}/dictionary.csv`, rows: 64 });
      return { dir, format: a.format, participants: people.length, files };
    },
    inspector: async (a) => {
      const c = a.connectionId as unknown as number | undefined;
      return exchanges.filter((e) => (c === undefined || e.connection_id === c) && (!a.provider || e.provider === a.provider));
    },
    connection_details: async (a) => {
      const id = a.connectionId as unknown as number;
      const c = people.flatMap((p) => p.connections.map((x) => ({ ...x, user_id: p.user_id }))).find((x) => x.id === id);
      if (!c) throw { code: 'not_found', message: `no connection ${id}` };
      return {
        connection: c, token_expires_at: Date.now() + 20 * 3_600_000, has_refresh_token: true, access_token: 'QW3R…8KZP (32 chars)',
        scopes_granted: ['email', 'personal', 'daily', 'heartrate', 'workout'], scopes_requested: ['email', 'personal', 'daily', 'heartrate', 'workout', 'session', 'spo2'],
        last_refresh: Date.now() - 5 * 3_600_000,
        cursors: ['sleep', 'activity', 'heartrate', 'workouts'].map((r) => ({ resource: r, newest_day: ymd(new Date()), oldest_day: ymd(new Date(Date.now() - 89 * DAY)), backfill_target: ymd(new Date(Date.now() - 89 * DAY)) })),
      };
    },
    force_refresh: async (a) => {
      record('oura', a.connectionId as unknown as number, 'token', 'POST', 'http://127.0.0.1:41234/oauth/token', 200, { token_type: 'bearer', access_token: 'ZZZZ…YYYY (32 chars)', expires_in: 86400 }, 'grant_type=refresh_token&refresh_token=EFGH%E2%80%A6STUV');
      return handlers.connection_details(a);
    },
    faults: async (a) => {
      return faultsBy.get(a.provider) ?? noFaults();
    },
    set_faults: async (a) => {
      faultsBy.set(a.provider, a.faults as unknown as Faults);
      return null;
    },
    event_log: async () => {
      return [...events].reverse();
    },
    agreement: async () => {
      return agreement;
    },
    set_agreement: async (a) => {
      agreement = { version: a.version, text: a.text };
      return null;
    },
    settings: async () => {
      return {
        environment: 'sandbox', history_days: 90, data_dir: '/home/lab/.local/share/vital-link', api_base: origin,
        api_key: `vlk_…${apiKeyTail} (36 chars)`,
        webhooks: [{ id: 1, url: 'https://lab.example.org/hooks/vital', event_types: null, created_at: now - 9 * DAY, delivered: 184, pending: 0, failed: 2 }],
        forward: {
          enabled: true, url: 'https://lab-server.example.org:8750', outbox: { batches: 0, readings: 0 },
          parked: { batches: 1, readings: 1 }, delivered_readings: 135802, last_delivery_at: new Date(now - 60_000).toISOString(), last_error: null,
          provider_mode: 'manual', last_error_at: null,
          dead_letters: [{ id: 12, user_id: 'u-1', client_user_id: 'P-001', provider: 'oura', resource: 'profile', readings: 1, attempts: 10, last_status: 500, last_error: '/v2/summary/profile/…: the target answered 500', parked_at: new Date(now - 3_600_000).toISOString() }],
        },
        credentials: ['oura', 'withings', 'strava', 'polar', 'whoop_v2', 'dexcom_v3', 'wahoo', 'google_health', 'garmin'].map((slug) => ({
          slug, client_id: slug === 'oura' ? 'lab-oura-app' : null, client_secret: slug === 'oura' ? 'sk_l…9f2a (40 chars)' : null, source: slug === 'oura' ? 'settings' : 'none',
        })),
        agreement, enrol_pin_set: pinHash !== null,
        mcp_command: '/usr/bin/vital-link --data-dir /home/you/.local/share/vital-link mcp',
      };
    },
    rotate_api_key: async () => {
      const key = `vlk_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
      apiKeyTail = key.slice(-4);
      return key;
    },
    add_webhook: async () => {
      return { id: 2, secret: 'whsec_MfKQ9PJTOWGpA2nZ7d4Xx8cV' };
    },
    forward_retry: async () => {
      return 1;
    },
    remove_webhook: async () => {
      return null;
    },
    set_environment: async () => {
      return null;
    },
    set_credentials: async () => {
      return null;
    },
    wipe_all: async () => {
      return null;
    },
    set_enrol_pin: async (a) => {
      pinHash = (a.pin as string | undefined) ?? null;
      return null;
    },
    check_enrol_pin: async (a) => {
      return pinHash === null || a.pin === pinHash;
    },
    consents: async () => {
      return people.flatMap((p) => (p.consent ? [p.consent] : []));
    },
    list_participants: async () => {
      return structuredClone(people);
    },
    update_participant: async (a) => {
      const p = people.find((x) => x.user_id === a.userId);
      if (!p) throw { code: 'user_not_found', message: `no user ${a.userId}` };
      if (a.notes !== undefined && a.notes !== null) p.notes = a.notes || null;
      if (a.cohort !== undefined && a.cohort !== null) p.cohort = a.cohort || null;
      return { user_id: p.user_id, client_user_id: p.client_user_id, created_at: p.created_at, fallback_time_zone: null, fallback_birth_date: null, ingestion_start: null, ingestion_end: null, notes: p.notes, cohort: p.cohort };
    },
    add_user: async (a) => {
      const id = String(a.clientUserId ?? '').trim();
      const dup = people.find((p) => p.client_user_id === id);
      if (dup) throw { code: 'duplicate_user', message: `a user with client_user_id ${JSON.stringify(id)} already exists (user_id ${dup.user_id})` };
      const p = person({ user_id: uuid(people.length + 20), client_user_id: id, created_at: Date.now(), connections: [], counts: zero() });
      people.push(p);
      return { user_id: p.user_id, client_user_id: p.client_user_id, created_at: p.created_at, fallback_time_zone: null, fallback_birth_date: null, ingestion_start: null, ingestion_end: null, notes: null, cohort: null };
    },
    create_link_token: async (a) => {
      const token = `vlt_mock_${Math.random().toString(36).slice(2)}`;
      sessions.set(token, { userId: a.userId, state: 'created', provider: null, error_type: null, error: null, pollsLeft: 0, redirect_url: null });
      return { link_token: token, link_web_url: `${origin}/link/?token=${token}&env=sandbox&mock` };
    },
    user_data: async (a) => {
      return userData(a.userId, a.kind, a.from, a.to);
    },
    sync_now: async (a) => {
      const targets = a.userId ? people.filter((p) => p.user_id === a.userId) : people.filter((p) => p.connections.length);
      const reports: SyncReport[] = [];
      for (const p of targets) reports.push(...(await runSync(p)));
      return reports;
    },
};

// ── Install ────────────────────────────────────────────────────────────────────────────
export function installMock() {
  for (const p of people) recount(p);
  const realFetch = window.fetch.bind(window);
  window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, origin);
    if (url.origin === origin && (url.pathname.startsWith('/v2/link/') || url.pathname.startsWith('/v2/team/'))) return linkRoute(url, init);
    return realFetch(input, init);
  };

  mockIPC(
    async (cmd, args) => {
      await sleep(cmd === 'user_data' ? 180 : 60);
      const handler = (handlers as Record<string, ((a: unknown) => unknown) | undefined>)[cmd];
      if (!handler) throw `mock: unknown command ${cmd}`;
      return handler(args ?? {});
    },
    { shouldMockEvents: true },
  );

  // `select=P-001`: open that participant once the console has rendered.
  const select = q.get('select');
  if (select) {
    const t = setInterval(() => {
      const row = document.querySelector<HTMLElement>(`tr[data-user="${CSS.escape(select)}"]`);
      if (row) {
        clearInterval(t);
        row.click();
      }
    }, 50);
  }
  console.info('[vital-link] dev mock installed (scenario: %s)', scenario);
}
