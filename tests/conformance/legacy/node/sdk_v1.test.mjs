// Conformance of the local API with the seed-era Node SDK of Vital's Link guide
// (npm `@tryvital/vital-node` 1.6.5): users through `/v2/user/key`, link tokens with `user_key`,
// demo connect, then every resource with `Date` arguments (sent as ISO date-times) and with
// `YYYY-MM-DD` strings; both must answer the same data, and that data must be what the sandbox's
// fake Oura served (its raw payloads).
//
//   VITAL_BASE_URL=http://127.0.0.1:8750 VITAL_API_KEY=<key> node --test sdk_v1.test.mjs
// Optional: VITAL_LINK_SANDBOX_NOW, VITAL_CONFORMANCE_TIMEOUT (seconds, default 180).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import vital from "@tryvital/vital-node";

const { VitalClient } = vital;
const BASE_URL = (process.env.VITAL_BASE_URL ?? "").replace(/\/$/, "");
const API_KEY = process.env.VITAL_API_KEY ?? "";
const TIMEOUT_MS = Number(process.env.VITAL_CONFORMANCE_TIMEOUT ?? "180") * 1000;
const PROVIDER = "oura";
if (!BASE_URL || !API_KEY) {
  console.error("conformance: set VITAL_BASE_URL and VITAL_API_KEY (see tests/conformance/run.sh)");
  process.exit(2);
}

const day = (d) => d.toISOString().slice(0, 10);
const pinned = process.env.VITAL_LINK_SANDBOX_NOW;
const END = new Date(`${day(pinned ? new Date(pinned) : new Date())}T23:59:59Z`);
const START = new Date(END.getTime() - 7 * 86400_000 + 1000); // 00:00:00 six days earlier

/** The 1.x client, pointed at the local server: every sub-API carries its own base URL. */
function client() {
  const c = new VitalClient({ api_key: API_KEY, environment: "sandbox" });
  for (const api of Object.values(c)) {
    if (api && typeof api === "object" && "baseURL" in api) api.baseURL = `${BASE_URL}/v2`;
  }
  return c;
}

/** The answer with `Date`s and with `YYYY-MM-DD` strings, which must be the same. */
async function both(fetch) {
  const byTime = await fetch(START, END);
  const byDay = await fetch(day(START), day(END));
  assert.deepEqual(byTime, byDay, "date-times and dates answer different data");
  return byTime;
}

async function status(promise) {
  try {
    await promise;
    return 200;
  } catch (e) {
    return e.response?.status ?? String(e);
  }
}

const S = {};
const need = (t, ...keys) => {
  const missing = keys.filter((k) => !(k in S));
  if (missing.length) t.skip(`needs ${missing.join(", ")} from an earlier step that failed`);
  return missing.length === 0;
};

after(async () => {
  if (S.userId && !S.deleted) await client().User.delete(S.userId).catch(() => {});
});

test("User.create, resolve, get, getAll", async () => {
  const c = client();
  const cid = `conformance-node1-${randomBytes(4).toString("hex")}`;
  const u = await c.User.create(cid);
  assert.equal(u.client_user_id, cid);
  assert.match(u.user_id, /^[0-9a-f-]{36}$/);
  S.userId = u.user_id;
  assert.equal((await c.User.resolve(cid)).user_id, u.user_id);
  assert.equal((await c.User.get(u.user_id)).client_user_id, cid);
  const all = await c.User.getAll();
  assert.ok(all.users.some((x) => x.user_id === u.user_id));
});

test("Profile.get before any data is 404", async (t) => {
  if (!need(t, "userId")) return;
  assert.equal(await status(client().Profile.get(S.userId)), 404);
});

test("Link.create, getOAuthLink", async (t) => {
  if (!need(t, "userId")) return;
  const c = client();
  const tok = await c.Link.create(S.userId, PROVIDER);
  assert.ok(tok.link_token && tok.link_web_url.startsWith(BASE_URL), JSON.stringify(tok));
  const src = await c.Link.getOAuthLink(tok.link_token, PROVIDER);
  assert.equal(src.slug, PROVIDER);
  assert.match(src.oauth_url, /^http/);
});

test("Link.connectDemoProvider, then the backfill", async (t) => {
  if (!need(t, "userId")) return;
  const c = client();
  const r = await c.Link.connectDemoProvider(S.userId, PROVIDER);
  assert.equal(r.success, true);
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const res = await fetch(`${BASE_URL}/v2/introspect/historical_pull?user_id=${S.userId}`, {
      headers: { "x-vital-api-key": API_KEY },
    });
    const pulled = (await res.json()).data[0].provider[PROVIDER]?.pulled ?? {};
    const statuses = Object.values(pulled).map((p) => p.status);
    assert.ok(!statuses.includes("failure"), JSON.stringify(pulled));
    if (statuses.length && statuses.every((s) => s === "success")) break;
    assert.ok(Date.now() < deadline, `backfill not done: ${JSON.stringify(statuses)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  S.backfilled = true;
});

test("User.providers", async (t) => {
  if (!need(t, "backfilled")) return;
  const { providers } = await client().User.providers(S.userId);
  assert.deepEqual(providers.map((p) => [p.slug, p.status]), [[PROVIDER, "connected"]]);
});

test("Sleep.get, getStream, getSleepWithStream: what the fake served", async (t) => {
  if (!need(t, "backfilled")) return;
  const c = client();
  const sleep = (await both((a, b) => c.Sleep.get(S.userId, a, b))).sleep;
  assert.ok(sleep.length >= 6, `${sleep.length} nights in 7 days`);
  const raw = (await both((a, b) => c.Sleep.get_raw(S.userId, a, b))).sleep;
  const served = new Map(raw.filter((r) => r.provider_collection === "sleep").map((r) => [r.provider_id, r.data]));
  for (const s of sleep) {
    const doc = served.get(s.provider_id);
    assert.deepEqual([s.total, s.calendar_date], [doc.total_sleep_duration, doc.day], s.id);
  }
  const stream = await c.Sleep.getStream(sleep[0].id);
  assert.ok(stream.hypnogram.length > 0);
  // With the stream embedded: the same sleeps, each carrying the stream `getStream` answers.
  const embedded = (await c.Sleep.getSleepWithStream(S.userId, START, END)).sleep;
  const withoutStream = (list) => list.map(({ sleep_stream, ...s }) => s);
  assert.deepEqual(withoutStream(embedded), withoutStream(sleep));
  assert.deepEqual(embedded[0].sleep_stream, stream);
  const flagged = (await c.Sleep.get(S.userId, START, END, undefined, true)).sleep;
  assert.deepEqual(flagged, embedded);
});

test("Activity.get is what the fake served", async (t) => {
  if (!need(t, "backfilled")) return;
  const c = client();
  const activity = (await both((a, b) => c.Activity.get(S.userId, a, b))).activity;
  assert.ok(activity.length > 0);
  const raw = (await both((a, b) => c.Activity.get_raw(S.userId, a, b))).activity;
  const steps = new Map(raw.filter((r) => "steps" in r.data).map((r) => [r.data.day, r.data.steps]));
  for (const a of activity) assert.equal(a.steps, steps.get(a.calendar_date), a.calendar_date);
});

test("Workouts.get, Body.get", async (t) => {
  if (!need(t, "backfilled")) return;
  const c = client();
  const { workouts } = await both((a, b) => c.Workouts.get(S.userId, a, b));
  for (const w of workouts) assert.ok(day(START) <= w.calendar_date && w.calendar_date <= day(END));
  const { body } = await both((a, b) => c.Body.get(S.userId, a, b));
  assert.ok(body.every((x) => x.user_id === S.userId));
});

test("Vitals.heartrate", async (t) => {
  if (!need(t, "backfilled")) return;
  const c = client();
  const hr = await both((a, b) => c.Vitals.heartrate(S.userId, a, b));
  assert.ok(hr.length > 0);
  assert.ok(hr.every((x) => x.value >= 20 && x.value <= 250 && x.unit === "bpm"));
  // A one-hour window by `Date` holds exactly the samples inside it.
  const noon = new Date(`${day(new Date(END.getTime() - 86400_000))}T12:00:00Z`);
  const hour = new Date(noon.getTime() + 3600_000);
  const window = await c.Vitals.heartrate(S.userId, noon, hour);
  assert.ok(window.length > 0);
  for (const x of window) {
    const at = new Date(x.timestamp);
    assert.ok(noon <= at && at <= hour, x.timestamp);
  }
});

test("Profile.get after the backfill", async (t) => {
  if (!need(t, "backfilled")) return;
  const p = await client().Profile.get(S.userId);
  assert.equal(p.user_id, S.userId);
  assert.ok(p.height > 100);
});

test("User.deregisterProvider, delete", async (t) => {
  if (!need(t, "userId")) return;
  const c = client();
  if (S.backfilled) {
    assert.equal((await c.User.deregisterProvider(S.userId, PROVIDER)).success, true);
    assert.deepEqual((await c.User.providers(S.userId)).providers, []);
  }
  assert.equal((await c.User.delete(S.userId)).success, true);
  S.deleted = true;
  assert.equal(await status(c.User.get(S.userId)), 404);
});
