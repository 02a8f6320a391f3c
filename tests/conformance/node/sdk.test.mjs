// Conformance of the local Vital-compatible API with the official Node SDK (@tryvital/vital-node 3.x).
//
// Drives every route the way an app developer would, through `VitalClient`: a response only reaches an
// assertion after the SDK's own schema parser accepted it (a missing required key throws a ParseError),
// and then the values have to add up.
//
// Environment: VITAL_BASE_URL, VITAL_API_KEY, VITAL_LINK_BIN (the `vital-link` binary; its
// `sandbox-browser` command approves the consent page), optional VITAL_LINK_SANDBOX_NOW (RFC 3339 "now"
// the server is pinned to) and VITAL_CONFORMANCE_TIMEOUT (seconds to wait for a backfill, default 180).
// Steps run in file order and share state; a step whose prerequisite failed is skipped, naming it.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { Vital, VitalClient, VitalError } from "@tryvital/vital-node";

const BASE_URL = (process.env.VITAL_BASE_URL ?? "").replace(/\/+$/, "");
const API_KEY = process.env.VITAL_API_KEY ?? "";
const LINK_BIN = process.env.VITAL_LINK_BIN ?? "";
const BACKFILL_TIMEOUT_MS = 1000 * Number(process.env.VITAL_CONFORMANCE_TIMEOUT ?? "180");
const PROVIDER = "oura";
const REDIRECT_URL = "http://127.0.0.1:9/conformance/callback";
const RUN = randomUUID().slice(0, 8);
const UNKNOWN_USER = "00000000-0000-4000-8000-000000000000";

const DAY_MS = 86_400_000;
const pinned = process.env.VITAL_LINK_SANDBOX_NOW;
const NOW = pinned ? new Date(pinned) : new Date();
const isoDay = (d) => d.toISOString().slice(0, 10);
const DAYS = 7;
const END = isoDay(NOW);
const START = isoDay(new Date(Date.parse(END) - (DAYS - 1) * DAY_MS));
const RANGE_FROM = Date.parse(`${START}T00:00:00Z`);
const RANGE_TO = Date.parse(`${END}T23:59:59.999Z`);
const RANGE = { startDate: START, endDate: END };

const S = {}; // scenario state shared by the steps

function need(t, ...keys) {
  const missing = keys.filter((k) => !(k in S));
  if (missing.length) t.skip(`needs ${missing.join(", ")} from an earlier step that failed`);
  return missing.length === 0;
}

const client = (apiKey = API_KEY) => new VitalClient({ apiKey, environment: BASE_URL, timeoutInSeconds: 60 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function isDate(v, what) {
  assert.ok(v instanceof Date && !Number.isNaN(v.getTime()), `${what} is not a date-time: ${v}`);
  return v;
}
function inRange(v, what) {
  isDate(v, what);
  assert.ok(v.getTime() >= RANGE_FROM && v.getTime() <= RANGE_TO, `${what}=${v.toISOString()} outside ${START}..${END}`);
}
function dayInRange(d, what) {
  assert.match(d, /^\d{4}-\d{2}-\d{2}$/, `${what}=${d} is not YYYY-MM-DD`);
  assert.ok(d >= START && d <= END, `${what}=${d} outside ${START}..${END}`);
}

// Calls fn, which must fail with one of `statuses`; returns the error.
async function expectStatus(fn, statuses, what) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: expected HTTP ${statuses}, but the call succeeded`);
  assert.ok(err instanceof VitalError, `${what}: expected a VitalError, got ${err}`);
  assert.ok(statuses.includes(err.statusCode), `${what}: expected HTTP ${statuses}, got ${err.statusCode}: ${JSON.stringify(err.body)}`);
  return err;
}

// ------------------------------------------------------------------ preflight

test("preflight: configuration and server", async () => {
  const missing = Object.entries({ VITAL_BASE_URL: BASE_URL, VITAL_API_KEY: API_KEY, VITAL_LINK_BIN: LINK_BIN })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  assert.deepEqual(missing, [], `set ${missing.join(", ")} (see tests/conformance/run.sh)`);
  let executable = true;
  try {
    fs.accessSync(LINK_BIN, fs.constants.X_OK);
  } catch {
    executable = false;
  }
  assert.ok(executable && fs.statSync(LINK_BIN).isFile(), `VITAL_LINK_BIN=${LINK_BIN} is not an executable file`);
  try {
    await fetch(`${BASE_URL}/v2/providers`, { headers: { "x-vital-api-key": API_KEY }, signal: AbortSignal.timeout(5000) });
  } catch (e) {
    assert.fail(`no Vital-compatible server at VITAL_BASE_URL=${BASE_URL} (${e.cause?.code ?? e.message})`);
  }
  S.up = true;
});

after(async () => {
  if (!S.up) return;
  const c = client();
  for (const k of ["A", "B", "C"]) {
    if (S[k] && !S[`deleted_${k}`]) await c.user.delete(S[k]).catch(() => {});
  }
});

// ------------------------------------------------------------------ providers, users

test("providers.getAll lists oura", async (t) => {
  if (!need(t, "up")) return;
  const ps = await client().providers.getAll();
  const oura = ps.filter((p) => p.slug === PROVIDER);
  assert.equal(oura.length, 1, `providers: ${ps.map((p) => p.slug)}`);
  assert.ok(oura[0].name && oura[0].description);
  if (oura[0].supportedResources) assert.ok(oura[0].supportedResources.includes("sleep"));
});

test("user.create", async (t) => {
  if (!need(t, "up")) return;
  const c = client();
  for (const k of ["A", "B", "C"]) {
    const cid = `conformance-node-${RUN}-${k.toLowerCase()}`;
    const u = await c.user.create({ clientUserId: cid });
    assert.equal(u.clientUserId, cid);
    assert.match(u.userId, /^[0-9a-fA-F-]{36}$/);
    S[k] = u.userId;
    S[`cid_${k}`] = cid;
  }
  assert.equal(new Set([S.A, S.B, S.C]).size, 3);
});

test("user.create duplicate → 400 naming the existing user_id", async (t) => {
  if (!need(t, "A")) return;
  let err;
  try {
    await client().user.create({ clientUserId: S.cid_A });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Vital.BadRequestError, `expected Vital.BadRequestError, got ${err}`);
  assert.equal(err.statusCode, 400);
  assert.equal(err.body?.detail?.user_id, S.A, `detail does not name ${S.A}: ${JSON.stringify(err.body)}`);
});

test("user.get and user.getByClientUserId", async (t) => {
  if (!need(t, "A")) return;
  const c = client();
  const u = await c.user.get(S.A);
  assert.equal(u.userId, S.A);
  assert.equal(u.clientUserId, S.cid_A);
  assert.ok(u.teamId);
  assert.ok(Math.abs(Date.now() - isDate(u.createdOn, "createdOn").getTime()) < DAY_MS, `createdOn ${u.createdOn}`);
  assert.deepEqual(u.connectedSources, []);
  const r = await c.user.getByClientUserId(S.cid_A);
  assert.equal(r.userId, S.A);
});

test("user.patch", async (t) => {
  if (!need(t, "A")) return;
  const c = client();
  assert.equal(await c.user.patch(S.A, { fallbackTimeZone: "Europe/London" }), undefined);
  const u = await c.user.get(S.A);
  assert.equal(u.fallbackTimeZone?.id, "Europe/London", "PATCH fallback_time_zone was not stored");
  isDate(u.fallbackTimeZone.updatedAt, "fallbackTimeZone.updatedAt");
});

test("user.getAll paged", async (t) => {
  if (!need(t, "A", "B", "C")) return;
  const c = client();
  const seen = [];
  let offset = 0;
  let total;
  for (let i = 0; i < 1000; i++) {
    const page = await c.user.getAll({ offset, limit: 2 });
    assert.equal(page.offset, offset);
    assert.equal(page.limit, 2);
    assert.ok(page.users.length <= 2);
    total = page.total;
    seen.push(...page.users.map((u) => u.userId));
    offset += 2;
    if (offset >= page.total) break;
  }
  assert.equal(new Set(seen).size, seen.length, "a user appeared on two pages");
  assert.equal(seen.length, total, `paging collected ${seen.length}, total says ${total}`);
  for (const k of ["A", "B", "C"]) assert.ok(seen.includes(S[k]), `user ${k} missing from the list`);
});

// ------------------------------------------------------------------ link

test("link.token", async (t) => {
  if (!need(t, "B")) return;
  const r = await client().link.token({ userId: S.B, redirectUrl: REDIRECT_URL, filterOnProviders: [PROVIDER] });
  assert.ok(r.linkToken);
  const u = new URL(r.linkWebUrl);
  assert.ok(["http:", "https:"].includes(u.protocol));
  assert.equal(u.searchParams.get("token"), r.linkToken, "linkWebUrl does not carry the token");
  S.tokB = r.linkToken;
});

test("link.isTokenValid", async (t) => {
  if (!need(t, "tokB")) return;
  const c = client();
  const v = await c.link.isTokenValid({ token: S.tokB });
  assert.equal(v.valid, true, `isValid for a fresh token: ${JSON.stringify(v)}`);
  try {
    const bad = await c.link.isTokenValid({ token: "vlt_not_a_real_token" });
    assert.equal(bad.valid, false, `isValid on a bogus token: ${JSON.stringify(bad)}`);
  } catch (e) {
    assert.ok(e instanceof VitalError && e.statusCode >= 400 && e.statusCode < 500, `isValid on a bogus token: ${e}`);
  }
});

test("link.tokenState before connecting (no API key is sent)", async (t) => {
  if (!need(t, "tokB")) return;
  const st = await client().link.tokenState({ vitalLinkToken: S.tokB });
  assert.equal(typeof st.state, "string", JSON.stringify(st));
  assert.ok(!["success", "error"].includes(st.state), `fresh token already settled: ${JSON.stringify(st)}`);
  if ("user_id" in st) assert.equal(st.user_id, S.B);
});

test("link.getAllProviders for the token", async (t) => {
  if (!need(t, "tokB")) return;
  const ps = await client().link.getAllProviders({ vitalLinkToken: S.tokB });
  assert.deepEqual(ps.map((p) => p.slug), [PROVIDER]);
  assert.ok(ps[0].name && ps[0].description && ps[0].logo && Number.isInteger(ps[0].id));
});

test("link.connectDemoProvider (user A)", async (t) => {
  if (!need(t, "A")) return;
  const r = await client().link.connectDemoProvider({ userId: S.A, provider: PROVIDER });
  assert.equal(r.success, true, r.detail);
  assert.equal(typeof r.detail, "string");
  S.connected_A = true;
});

test("link.startConnect", async (t) => {
  if (!need(t, "C")) return;
  const c = client();
  const { linkToken } = await c.link.token({ userId: S.C, filterOnProviders: [PROVIDER] });
  const r = await c.link.startConnect({ linkToken, provider: PROVIDER });
  assert.equal(typeof r, "object");
  if ("provider" in r) assert.equal(r.provider, PROVIDER);
  if (r.oauth_url) assert.ok(/^https?:/.test(r.oauth_url));
  const st = await c.link.tokenState({ vitalLinkToken: linkToken });
  assert.ok(st.state && st.state !== "created", `state after /v2/link/start: ${JSON.stringify(st)}`);
});

test("link.generateOauthLink + sandbox consent (user B)", async (t) => {
  if (!need(t, "B", "tokB")) return;
  const c = client();
  const src = await c.link.generateOauthLink(PROVIDER, { vitalLinkToken: S.tokB });
  assert.equal(src.slug, PROVIDER);
  assert.ok(src.name && Number.isInteger(src.id));
  assert.ok(src.oauthUrl, "no oauth_url");
  const p = spawnSync(LINK_BIN, ["sandbox-browser", src.oauthUrl], { encoding: "utf8", timeout: 120_000 });
  assert.equal(p.status, 0, `sandbox-browser exited ${p.status}: ${p.stderr}`);
  const deadline = Date.now() + 60_000;
  let st = {};
  while (Date.now() < deadline) {
    st = await c.link.tokenState({ vitalLinkToken: S.tokB });
    if (["success", "error", "exited"].includes(st.state)) break;
    await sleep(500);
  }
  assert.equal(st.state, "success", `link state never reached success: ${JSON.stringify(st)}`);
  if (st.provider != null) assert.equal(st.provider, PROVIDER);
  try {
    const v = await c.link.isTokenValid({ token: S.tokB });
    assert.equal(v.valid, false, `a consumed token is still valid: ${JSON.stringify(v)}`);
  } catch (e) {
    assert.ok(e instanceof VitalError && e.statusCode >= 400 && e.statusCode < 500, String(e));
  }
  S.connected_B = true;
});

for (const who of ["A", "B"]) {
  test(`user.getConnectedProviders [${who}]`, async (t) => {
    if (!need(t, `connected_${who}`)) return;
    const c = client();
    const resp = await c.user.getConnectedProviders(S[who]);
    assert.deepEqual(Object.keys(resp), ["providers"]);
    assert.deepEqual(resp.providers.map((p) => p.slug), [PROVIDER]);
    const p = resp.providers[0];
    assert.equal(p.status, "connected");
    assert.ok(p.name && p.logo);
    isDate(p.createdOn, "createdOn");
    assert.ok(p.errorDetails == null);
    const u = await c.user.get(S[who]);
    assert.deepEqual(u.connectedSources.map((s) => s.provider.slug), [PROVIDER]);
  });
}

for (const who of ["A", "B"]) {
  test(`user.refresh then introspection until the backfill is done [${who}]`, { timeout: BACKFILL_TIMEOUT_MS + 60_000 }, async (t) => {
    if (!need(t, `connected_${who}`)) return;
    const c = client();
    const uid = S[who];
    const r = await c.user.refresh(uid);
    assert.equal(r.success, true);
    assert.equal(r.userId, uid);
    assert.deepEqual(r.failedSources, []);
    assert.ok([...r.refreshedSources, ...r.inProgressSources].some((s) => s.split("/")[0] === PROVIDER), JSON.stringify(r));
    const deadline = Date.now() + BACKFILL_TIMEOUT_MS;
    let pulled;
    for (;;) {
      const h = await c.introspect.getUserHistoricalPulls({ userId: uid });
      const mine = h.data.filter((d) => d.userId === uid);
      assert.equal(mine.length, 1, `historical_pull entries for the user: ${mine.length}`);
      assert.ok(PROVIDER in mine[0].provider, `providers: ${Object.keys(mine[0].provider)}`);
      pulled = mine[0].provider[PROVIDER].pulled;
      const statuses = Object.fromEntries(Object.entries(pulled).map(([k, v]) => [k, v.status]));
      assert.ok(!Object.values(statuses).includes("failure"), `backfill failed: ${JSON.stringify(statuses)}`);
      if (Object.keys(statuses).length && Object.values(statuses).every((s) => s === "success")) break;
      assert.ok(Date.now() < deadline, `backfill not done: ${JSON.stringify(statuses)}`);
      await sleep(1000);
    }
    assert.ok("sleep" in pulled && "heartrate" in pulled, `backfill covers ${Object.keys(pulled)}`);
    for (const [k, v] of Object.entries(pulled)) {
      isDate(v.timeline.scheduledAt, `${k}.timeline.scheduledAt`);
      assert.ok(v.release);
    }
    const res = await c.introspect.getUserResources({ userId: uid });
    const mine = res.data.filter((d) => d.userId === uid);
    assert.equal(mine.length, 1);
    const stats = mine[0].provider[PROVIDER];
    assert.ok(stats && "sleep" in stats, `introspect/resources: ${JSON.stringify(mine[0].provider)}`);
    for (const [k, st] of Object.entries(stats)) {
      if (st.oldestData && st.newestData) assert.ok(st.oldestData <= st.newestData, k);
      if (st.lastAttempt) isDate(st.lastAttempt.timestamp, `${k}.lastAttempt.timestamp`);
    }
    S[`backfilled_${who}`] = true;
  });
}

// ------------------------------------------------------------------ data

for (const who of ["A", "B"]) {
  test(`sleep.get [${who}]`, async (t) => {
    if (!need(t, `backfilled_${who}`)) return;
    const { sleep: items } = await client().sleep.get(S[who], RANGE);
    assert.ok(items.length, `no sleep in ${START}..${END}`);
    assert.equal(new Set(items.map((s) => s.id)).size, items.length, "duplicate sleep ids");
    for (const s of items) {
      assert.equal(s.userId, S[who]);
      dayInRange(s.calendarDate, "calendarDate");
      const a = isDate(s.bedtimeStart, "bedtimeStart").getTime();
      const b = isDate(s.bedtimeStop, "bedtimeStop").getTime();
      assert.ok(a < b);
      assert.equal(s.total, s.light + s.rem + s.deep, `sleep ${s.id}: total != light+rem+deep`);
      assert.ok(Math.abs(s.duration - (b - a) / 1000) <= 60, `sleep ${s.id}: duration != stop-start`);
      assert.ok(Math.min(s.light, s.rem, s.deep, s.awake) >= 0 && s.total <= s.duration);
      assert.equal(s.source.provider, PROVIDER);
      assert.ok(["long_sleep", "short_sleep", "acknowledged_nap", "unknown"].includes(s.type));
      if (s.score != null) assert.ok(s.score >= 1 && s.score <= 100);
      isDate(s.createdAt, "createdAt");
      isDate(s.updatedAt, "updatedAt");
    }
    const nights = new Set(items.map((s) => s.calendarDate));
    assert.ok(nights.size >= DAYS - 1, `only ${nights.size} nights in ${DAYS} days`);
    S[`sleep_${who}`] = items;
  });

  test(`activity.get [${who}]`, async (t) => {
    if (!need(t, `backfilled_${who}`)) return;
    const { activity } = await client().activity.get(S[who], RANGE);
    for (const a of activity) {
      assert.equal(a.userId, S[who]);
      assert.equal(a.source.provider, PROVIDER);
      dayInRange(a.calendarDate, "calendarDate");
      if (a.steps != null) assert.ok(a.steps >= 0 && a.steps < 200_000);
      if (a.caloriesTotal != null && a.caloriesActive != null) assert.ok(a.caloriesTotal >= a.caloriesActive && a.caloriesActive >= 0);
    }
    const days = new Set(activity.map((a) => a.calendarDate));
    assert.equal(days.size, activity.length, "two activity summaries for one day");
    assert.ok(days.size >= DAYS - 1, `only ${days.size} activity days`);
    S[`activity_${who}`] = activity;
  });

  test(`workouts.get and workouts.getByWorkoutId [${who}]`, async (t) => {
    if (!need(t, `backfilled_${who}`)) return;
    const c = client();
    const { workouts } = await c.workouts.get(S[who], RANGE);
    for (const w of workouts) {
      assert.equal(w.userId, S[who]);
      assert.equal(w.source.provider, PROVIDER);
      assert.ok(w.providerId);
      dayInRange(w.calendarDate, "calendarDate");
      assert.ok(isDate(w.timeStart, "timeStart") < isDate(w.timeEnd, "timeEnd"));
      if (w.sport) assert.ok(w.sport.slug);
    }
    S[`workouts_${who}`] = workouts;
    const month = await c.workouts.get(S[who], { startDate: isoDay(new Date(Date.parse(END) - 29 * DAY_MS)), endDate: END });
    assert.ok(month.workouts.length, "no workout in 30 days of sandbox data");
    const stream = await c.workouts.getByWorkoutId(month.workouts.at(-1).id);
    assert.equal(typeof stream, "object");
    if (stream.time && stream.heartrate) assert.equal(stream.time.length, stream.heartrate.length);
  });

  test(`body.get, body.getRaw, profile.get, profile.getRaw [${who}]`, async (t) => {
    if (!need(t, `backfilled_${who}`)) return;
    const c = client();
    const { body } = await c.body.get(S[who], RANGE);
    for (const x of body) {
      assert.equal(x.userId, S[who]);
      dayInRange(x.calendarDate, "calendarDate");
    }
    const raw = await c.body.getRaw(S[who], RANGE);
    for (const x of raw.body) assert.equal(x.userId, S[who]);
    try {
      const p = await c.profile.get(S[who]);
      assert.equal(p.userId, S[who]);
      assert.equal(p.source.provider, PROVIDER);
    } catch (e) {
      assert.ok(e instanceof VitalError && e.statusCode === 404, `profile: ${e}`);
    }
    try {
      const p = await c.profile.getRaw(S[who]);
      assert.equal(p.profile.userId, S[who]);
    } catch (e) {
      assert.ok(e instanceof VitalError && e.statusCode === 404, `profile/raw: ${e}`);
    }
  });
}

async function collectGrouped(fn, uid) {
  const out = [];
  let nextCursor;
  for (let pages = 1; pages < 1000; pages++) {
    const page = await fn(uid, { ...RANGE, nextCursor });
    for (const [prov, groups] of Object.entries(page.groups)) {
      assert.equal(prov, PROVIDER, `groups for unexpected provider ${prov}`);
      for (const g of groups) {
        assert.equal(g.source.provider, prov);
        out.push(...g.data);
      }
    }
    nextCursor = page.nextCursor ?? undefined;
    if (nextCursor === undefined) return out;
  }
  assert.fail("grouped paging does not end");
}
const key = (s) => `${s.timestamp.toISOString()}|${s.value}`;

for (const who of ["A", "B"]) {
  test(`vitals.heartrate and vitals.heartrateGrouped [${who}]`, async (t) => {
    if (!need(t, `backfilled_${who}`)) return;
    const c = client();
    const flat = await c.vitals.heartrate(S[who], RANGE);
    assert.ok(flat.length, "no heart rate in range");
    for (const s of flat) {
      assert.equal(s.unit, "bpm");
      inRange(s.timestamp, "heartrate timestamp");
      assert.ok(s.value >= 20 && s.value <= 250);
    }
    const grouped = await collectGrouped((u, r) => c.vitals.heartrateGrouped(u, r), S[who]);
    assert.equal(grouped.length, flat.length, `grouped ${grouped.length} vs flat ${flat.length}`);
    assert.deepEqual(grouped.map(key).sort(), flat.map(key).sort());
    const ts = flat.map((s) => s.timestamp.getTime());
    assert.equal(new Set(ts).size, ts.length, "duplicate heart rate timestamps");
    const days = new Set(flat.map((s) => isoDay(s.timestamp)));
    assert.ok(days.size >= DAYS - 1, `heart rate on only ${days.size} days`);
  });

  const series = {
    hrv: [["rmssd", "ms"], false, true],
    steps: [["count"], true, false],
    caloriesActive: [["kcal"], true, false],
    caloriesBasal: [["kcal"], false, false],
    glucose: [["mmol/L", "mg/dL"], false, false],
    bloodOxygen: [["%"], false, false],
    respiratoryRate: [["bpm", "breaths/min", "count/min"], false, false],
  };
  for (const [name, [units, interval, required]] of Object.entries(series)) {
    test(`vitals.${name} and vitals.${name}Grouped [${who}]`, async (t) => {
      if (!need(t, `backfilled_${who}`)) return;
      const c = client();
      const flat = await c.vitals[name](S[who], RANGE);
      const grouped = await collectGrouped((u, r) => c.vitals[`${name}Grouped`](u, r), S[who]);
      if (required) assert.ok(flat.length, `no ${name} samples in range`);
      assert.equal(grouped.length, flat.length, `${name}: grouped ${grouped.length} vs flat ${flat.length}`);
      assert.deepEqual(grouped.map(key).sort(), flat.map(key).sort());
      for (const s of flat) {
        assert.ok(units.includes(s.unit), `${name} unit ${s.unit}`);
        inRange(s.timestamp, `${name} timestamp`);
        if (interval) assert.ok(isDate(s.start, "start") <= isDate(s.end, "end"));
      }
    });
  }

  test(`sleep/activity/workouts getRaw [${who}]`, async (t) => {
    if (!need(t, `sleep_${who}`, `activity_${who}`, `workouts_${who}`)) return;
    const c = client();
    const rs = await c.sleep.getRaw(S[who], RANGE);
    // One summary may be built from several provider records (Oura: `sleep` + `daily_sleep`), never from none.
    assert.ok(rs.sleep.length >= S[`sleep_${who}`].length, "fewer raw sleeps than summaries");
    for (const x of rs.sleep) {
      assert.equal(x.userId, S[who]);
      assert.equal(x.source.slug, PROVIDER);
      assert.ok(x.providerId && x.data && Object.keys(x.data).length);
      isDate(x.timestamp, "timestamp");
    }
    const days = (xs) => [...new Set(xs)].sort();
    assert.deepEqual(days(rs.sleep.map((x) => x.data.day)), days(S[`sleep_${who}`].map((s) => s.calendarDate)));
    const ra = await c.activity.getRaw(S[who], RANGE);
    for (const x of ra.activity) assert.ok(x.userId === S[who] && x.data);
    assert.deepEqual(days(ra.activity.map((x) => x.data.day)), days(S[`activity_${who}`].map((a) => a.calendarDate)));
    const rw = await c.workouts.getRaw(S[who], RANGE);
    for (const x of rw.workouts) assert.ok(x.userId === S[who] && x.data && x.sport.slug);
    assert.deepEqual(rw.workouts.map((x) => x.providerId).sort(), S[`workouts_${who}`].map((w) => w.providerId).sort());
  });

  test(`sleep.getStreamBySleepId [${who}]`, async (t) => {
    if (!need(t, `sleep_${who}`)) return;
    const night = S[`sleep_${who}`].reduce((a, b) => (b.duration > a.duration ? b : a));
    const st = await client().sleep.getStreamBySleepId(night.id);
    const all = { heartrate: st.heartrate ?? [], hrv: st.hrv ?? [], hypnogram: st.hypnogram ?? [], respiratoryRate: st.respiratoryRate ?? [] };
    assert.ok(Object.values(all).some((v) => v.length), `empty stream for sleep ${night.id}`);
    const slack = 10 * 60_000;
    for (const [k, samples] of Object.entries(all)) {
      for (const s of samples) {
        const ts = isDate(s.timestamp, `${k} timestamp`).getTime();
        assert.ok(ts >= night.bedtimeStart.getTime() - slack && ts <= night.bedtimeStop.getTime() + slack, `${k} sample outside the sleep`);
      }
    }
    for (const s of all.hypnogram) assert.ok([-1, 1, 2, 3, 4].includes(s.value));
    for (const s of all.heartrate) assert.equal(s.unit, "bpm");
  });
}

// ------------------------------------------------------------------ errors

test("unknown user → 404 (VitalError)", async (t) => {
  if (!need(t, "up")) return;
  const c = client();
  await expectStatus(() => c.user.get(UNKNOWN_USER), [404], "GET /v2/user/{unknown}");
  await expectStatus(() => c.user.getByClientUserId(`nobody-${RUN}`), [404], "resolve unknown");
  await expectStatus(() => c.user.getConnectedProviders(UNKNOWN_USER), [404], "providers of unknown user");
  await expectStatus(() => c.sleep.get(UNKNOWN_USER, { startDate: START }), [404], "sleep of unknown user");
  await expectStatus(() => c.vitals.heartrateGrouped(UNKNOWN_USER, { startDate: START }), [404], "heartrate of unknown user");
  const e = await expectStatus(() => c.link.token({ userId: UNKNOWN_USER }), [404, 400], "link token for unknown user");
  assert.ok(e.body && typeof e.body === "object" && "detail" in e.body);
});

test("bad dates → 422/400", async (t) => {
  if (!need(t, "A")) return;
  const c = client();
  for (const bad of ["not-a-date", "2024-13-45"]) {
    const e = await expectStatus(() => c.sleep.get(S.A, { startDate: bad }), [400, 422], `start_date=${bad}`);
    if (e.statusCode === 422) assert.ok(e instanceof Vital.UnprocessableEntityError);
    assert.ok(e.body?.detail, `no detail for start_date=${bad}`);
  }
  const e = await expectStatus(() => c.vitals.heartrate(S.A, { startDate: END, endDate: START }), [400, 422], "start after end");
  assert.ok(e.body?.detail);
});

test("wrong API key → 401", async (t) => {
  if (!need(t, "A")) return;
  const bad = client(`sk_wrong_${RUN}`);
  const e = await expectStatus(() => bad.user.getAll(), [401], "wrong API key");
  assert.ok(e.body && typeof e.body === "object" && "detail" in e.body, `401 body: ${JSON.stringify(e.body)}`);
  await expectStatus(() => bad.sleep.get(S.A, { startDate: START }), [401], "wrong API key on data");
  await expectStatus(() => bad.link.token({ userId: S.A }), [401], "wrong API key on link token");
});

// ------------------------------------------------------------------ teardown flow

for (const who of ["A", "B"]) {
  test(`user.deregisterProvider [${who}]`, async (t) => {
    if (!need(t, `connected_${who}`)) return;
    const c = client();
    const r = await c.user.deregisterProvider(S[who], PROVIDER);
    assert.equal(r.success, true);
    assert.deepEqual(await c.user.getConnectedProviders(S[who]), { providers: [] });
    assert.deepEqual((await c.user.get(S[who])).connectedSources, []);
  });
}

test("user.delete → user.get 404", async (t) => {
  if (!need(t, "A", "B", "C")) return;
  const c = client();
  for (const k of ["A", "B", "C"]) {
    const r = await c.user.delete(S[k]);
    assert.equal(r.success, true);
    S[`deleted_${k}`] = true;
    await expectStatus(() => c.user.get(S[k]), [404], `GET deleted user ${k}`);
    await expectStatus(() => c.user.getByClientUserId(S[`cid_${k}`]), [404], `resolve deleted user ${k}`);
  }
});
