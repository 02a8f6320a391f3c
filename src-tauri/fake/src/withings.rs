//! A faithful fake of the Withings Public API and its OAuth, for the sandbox and the tests.
//!
//! Everything answers HTTP 200 with `{status, body, error}` (status 0 = success, 401 invalid
//! token, 503 invalid params, 601 too many requests with `wait_seconds`), the token endpoint is
//! `POST /v2/oauth2 action=requesttoken` with the client secret in the body, codes live 30
//! seconds, `state` is required, scopes are comma-separated, refresh tokens rotate but the old
//! one stays valid until the new access token is used, identical token requests within 10
//! seconds get 601, revoking is signed with a nonce, data services are `POST` with `action`
//! (parameters from the query or a form body), lists page with `more`/`offset`.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Duration, NaiveDate, TimeZone};
use rand::Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::faults::{DataFault, FaultState};
use super::kit::{self, FakeBase, Refusal};
use super::oauth_server::{
    random_token, AuthServer, ClientAuthRule, ClientReg, Pkce, RefreshRule, Rules,
};
use super::synth::{self, Account};
use vital_link_core::clock::Clock;
use vital_link_core::providers::withings::signature;

pub const CLIENT_ID: &str = "sandbox-withings-client";
pub const CLIENT_SECRET: &str = "sandbox-withings-secret";
pub const REDIRECT_URI: &str = "http://127.0.0.1:8752/callback";
pub const SCOPES: [&str; 4] = [
    "user.info",
    "user.metrics",
    "user.activity",
    "user.sleepevents",
];
/// Page size of the list services (Withings publishes none).
pub const PAGE: usize = 25;

pub struct WithingsFake {
    pub auth: AuthServer,
    pub clock: Clock,
    /// Identical token requests within 10 seconds get status 601.
    recent: Mutex<HashMap<String, Instant>>,
    nonces: Mutex<HashSet<String>>,
    /// Withings user id → sandbox account id, learnt when tokens are issued.
    users: Mutex<HashMap<String, String>>,
}

impl FakeBase for WithingsFake {
    fn auth(&self) -> &AuthServer {
        &self.auth
    }
    fn brand(&self) -> (&'static str, &'static str) {
        ("Withings", "#00a9ce")
    }
}

pub fn new_fake(
    clock: Clock,
    faults: Arc<FaultState>,
    state_file: Option<std::path::PathBuf>,
) -> Arc<WithingsFake> {
    Arc::new(WithingsFake {
        auth: AuthServer::new(
            vec![ClientReg {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec![REDIRECT_URI.into()],
            }],
            Rules {
                access_ttl_secs: 10800,
                code_ttl_secs: 30,
                all_scopes: SCOPES.to_vec(),
                scope_sep: ',',
                refresh: RefreshRule::RotateWithGrace,
                pkce: Pkce::Ignored,
                client_auth: ClientAuthRule::BodyOnly,
                min_state_len: Some(1),
                ..Rules::default()
            },
            faults,
            state_file,
        ),
        clock,
        recent: Mutex::default(),
        nonces: Mutex::default(),
        users: Mutex::default(),
    })
}

pub fn router(fake: Arc<WithingsFake>) -> Router {
    Router::new()
        .route(
            "/oauth2_user/authorize2",
            get(kit::authorize::<WithingsFake>),
        )
        .route(
            "/oauth/authorize/decision",
            post(kit::decision::<WithingsFake>),
        )
        .route("/v2/oauth2", post(oauth2))
        .route("/v2/signature", post(signature_service))
        .route("/measure", post(measure))
        .route("/v2/measure", post(measure_v2))
        .route("/v2/sleep", post(sleep))
        .route(
            "/__sandbox/faults",
            get(kit::get_faults::<WithingsFake>).put(kit::put_faults::<WithingsFake>),
        )
        .with_state(fake)
}

/// Every answer: HTTP 200 and the envelope.
fn env(status: i64, body: Value, error: Option<&str>) -> Response {
    let mut v = json!({"status": status, "body": body});
    if let Some(e) = error {
        v["error"] = json!(e);
    }
    Json(v).into_response()
}

fn ok(body: Value) -> Response {
    env(0, body, None)
}

fn invalid_params(what: &str) -> Response {
    env(503, json!({}), Some(&format!("Invalid Params: {what}")))
}

pub fn user_id(acct: &Account) -> u64 {
    kit::numeric_id(acct)
}

async fn oauth2(
    State(f): State<Arc<WithingsFake>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let form = kit::params(q.as_deref(), &body);
    match form.get("action").map(String::as_str) {
        Some("requesttoken") => request_token(&f, &headers, form),
        Some("revoke") => revoke(&f, &form),
        _ => invalid_params("action"),
    }
}

fn request_token(f: &WithingsFake, headers: &HeaderMap, form: HashMap<String, String>) -> Response {
    // "Same arguments in less than 10 seconds".
    let mut keys: Vec<_> = form.iter().collect();
    keys.sort();
    let fingerprint = hex::encode(Sha256::digest(format!("{keys:?}").as_bytes()));
    {
        let mut recent = f.recent.lock().unwrap();
        recent.retain(|_, t| t.elapsed().as_secs() < 10);
        if let Some(t) = recent.get(&fingerprint) {
            let wait = 10 - t.elapsed().as_secs();
            return env(
                601,
                json!({"wait_seconds": wait}),
                Some("Same arguments in less than 10 seconds"),
            );
        }
        recent.insert(fingerprint, Instant::now());
    }
    match kit::token_grant(&f.auth, headers, &form) {
        Ok(t) => {
            let uid = user_id(&t.account);
            f.users
                .lock()
                .unwrap()
                .insert(uid.to_string(), t.account.id.clone());
            ok(json!({
                "userid": uid,
                "access_token": t.access_token,
                "refresh_token": t.refresh_token,
                "expires_in": t.expires_in,
                "scope": t.scopes.join(","),
                "csrf_token": random_token(32),
                "token_type": "Bearer",
            }))
        }
        Err(e) => match e.error {
            "invalid_client" => invalid_params("invalid client_id or client_secret"),
            "unsupported_grant_type" => invalid_params("grant_type"),
            _ if form.get("grant_type").map(String::as_str) == Some("refresh_token") => {
                invalid_params("invalid refresh_token")
            }
            _ if e.description.contains("redirect_uri") => invalid_params("redirect_uri mismatch"),
            _ => invalid_params("invalid code"),
        },
    }
}

async fn signature_service(
    State(f): State<Arc<WithingsFake>>,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let form = kit::params(q.as_deref(), &body);
    if form.get("action").map(String::as_str) != Some("getnonce") {
        return invalid_params("action");
    }
    let (Some(id), Some(ts), Some(sig)) = (
        form.get("client_id"),
        form.get("timestamp"),
        form.get("signature"),
    ) else {
        return invalid_params("client_id, timestamp and signature are required");
    };
    if id != CLIENT_ID || *sig != signature(CLIENT_SECRET, &["getnonce", id, ts]) {
        return env(100, json!({}), Some("Invalid signature"));
    }
    let nonce = random_token(32).to_ascii_lowercase();
    f.nonces.lock().unwrap().insert(nonce.clone());
    ok(json!({"nonce": nonce}))
}

fn revoke(f: &WithingsFake, form: &HashMap<String, String>) -> Response {
    let (Some(id), Some(nonce), Some(sig), Some(uid)) = (
        form.get("client_id"),
        form.get("nonce"),
        form.get("signature"),
        form.get("userid"),
    ) else {
        return invalid_params("client_id, nonce, signature and userid are required");
    };
    if !f.nonces.lock().unwrap().remove(nonce) {
        return env(100, json!({}), Some("Invalid nonce"));
    }
    if id != CLIENT_ID || *sig != signature(CLIENT_SECRET, &["revoke", id, nonce]) {
        return env(100, json!({}), Some("Invalid signature"));
    }
    match f.users.lock().unwrap().get(uid) {
        Some(account) => {
            f.auth.revoke_account(CLIENT_ID, account);
            ok(json!({}))
        }
        None => invalid_params("userid"),
    }
}

/// Bearer, scope and fault switches, answered in the envelope.
async fn gate(f: &WithingsFake, headers: &HeaderMap, scope: &str) -> Result<Account, Response> {
    match kit::gate(&f.auth, headers, Some(scope)).await {
        Ok(g) => Ok(g.account),
        Err(Refusal::Unauthorized(_)) => Err(env(
            401,
            json!({}),
            Some("XRequestID: Not provided invalid_token: The access token provided is invalid"),
        )),
        Err(Refusal::Forbidden) => Err(env(
            403,
            json!({}),
            Some(&format!("Insufficient_scope: {scope}")),
        )),
        Err(Refusal::Fault(DataFault::RateLimited(s))) => Err(env(
            601,
            json!({"wait_seconds": s}),
            Some("Too many requests"),
        )),
        Err(Refusal::Fault(DataFault::ServerError)) => Err(env(522, json!({}), Some("Timeout"))),
        Err(Refusal::Fault(_)) => Err(kit::truncated_json()),
    }
}

fn ymd(form: &HashMap<String, String>, k: &str) -> Result<Option<NaiveDate>, Response> {
    match form.get(k) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| invalid_params(k)),
    }
}

fn epoch(form: &HashMap<String, String>, k: &str) -> Result<Option<i64>, Response> {
    match form.get(k) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| invalid_params(k)),
    }
}

/// The local days of a `startdateymd`/`enddateymd` request (or `lastupdate`: the last 30 days).
fn days(
    f: &WithingsFake,
    acct: &Account,
    form: &HashMap<String, String>,
) -> Result<Vec<NaiveDate>, Response> {
    let today = f.clock.now().with_timezone(&acct.tz()).date_naive();
    let (start, end) = match (
        ymd(form, "startdateymd")?,
        ymd(form, "enddateymd")?,
        epoch(form, "lastupdate")?,
    ) {
        (Some(s), Some(e), _) => (s, e),
        (_, _, Some(_)) => (today - Duration::days(30), today),
        _ => return Err(invalid_params("startdateymd and enddateymd, or lastupdate")),
    };
    if start > end {
        return Err(invalid_params("startdateymd is after enddateymd"));
    }
    let mut out = vec![];
    let mut d = start;
    while d <= end.min(today) {
        out.push(d);
        d += Duration::days(1);
    }
    Ok(out)
}

/// `more` + `offset` over a full list; `more` is a bool in the v2 services, an int in getmeas.
fn page(
    items: Vec<Value>,
    form: &HashMap<String, String>,
    key: &str,
    int_more: bool,
    mut extra: Value,
) -> Response {
    let offset: usize = form.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let total = items.len();
    let slice: Vec<Value> = items.into_iter().skip(offset).take(PAGE).collect();
    let more = offset + PAGE < total;
    extra[key] = json!(slice);
    extra["more"] = if int_more {
        json!(more as i64)
    } else {
        json!(more)
    };
    extra["offset"] = json!(if more { offset + PAGE } else { 0 });
    ok(extra)
}

/// A numeric id that is stable for (account, kind, day, n).
fn num_id(acct: &Account, kind: &str, day: NaiveDate, n: u32) -> u64 {
    let h = Sha256::digest(acct.doc_id(kind, day, n).as_bytes());
    u64::from_be_bytes(h[..8].try_into().unwrap()) % 9_000_000_000 + 1_000_000_000
}

async fn measure(
    State(f): State<Arc<WithingsFake>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let form = kit::params(q.as_deref(), &body);
    if form.get("action").map(String::as_str) != Some("getmeas") {
        return env(2554, json!({}), Some("Not implemented"));
    }
    let acct = match gate(&f, &headers, "user.metrics").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let (from, to) = match (
        epoch(&form, "startdate"),
        epoch(&form, "enddate"),
        epoch(&form, "lastupdate"),
    ) {
        (Ok(Some(s)), Ok(Some(e)), _) => (s, e),
        (_, _, Ok(Some(u))) => (u, now),
        _ => return invalid_params("startdate and enddate, or lastupdate"),
    };
    let types: Vec<i64> = form
        .get("meastypes")
        .or(form.get("meastype"))
        .map(|t| t.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 6]);
    let mut groups = vec![];
    let mut d = acct.tz().timestamp_opt(from, 0).unwrap().date_naive() - Duration::days(1);
    let last = acct
        .tz()
        .timestamp_opt(to.min(now), 0)
        .unwrap()
        .date_naive();
    while d <= last {
        if let Some(w) = synth::weighing(&acct, d) {
            if w.t >= from && w.t <= to && w.t <= now {
                let mut measures = vec![];
                if types.contains(&1) {
                    measures.push(json!({"value": (w.kg * 1000.0).round() as i64, "type": 1, "unit": -3, "algo": 0, "fm": 3}));
                }
                if types.contains(&6) {
                    measures.push(json!({"value": (w.fat_pct * 100.0).round() as i64, "type": 6, "unit": -2, "algo": 0, "fm": 3}));
                }
                if !measures.is_empty() {
                    groups.push(json!({
                        "grpid": num_id(&acct, "measuregrp", d, 0), "attrib": 0, "date": w.t,
                        "created": w.t + 40, "modified": w.t + 40, "category": 1,
                        "deviceid": "892359876fd8805ac45bab078c4828692f0276b1",
                        "hash_deviceid": "892359876fd8805ac45bab078c4828692f0276b1",
                        "model": "Body Cardio", "model_id": 6, "measures": measures,
                    }));
                }
            }
        }
        d += Duration::days(1);
    }
    page(
        groups,
        &form,
        "measuregrps",
        true,
        // The published document types `updatetime` as a string.
        json!({"updatetime": now.to_string(), "timezone": acct.iana_zone()}),
    )
}

async fn measure_v2(
    State(f): State<Arc<WithingsFake>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let form = kit::params(q.as_deref(), &body);
    let action = form.get("action").cloned().unwrap_or_default();
    if !["getactivity", "getworkouts", "getintradayactivity"].contains(&action.as_str()) {
        return env(2554, json!({}), Some("Not implemented"));
    }
    let acct = match gate(&f, &headers, "user.activity").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let zone = acct.iana_zone();
    match action.as_str() {
        "getactivity" => {
            let days = match days(&f, &acct, &form) {
                Ok(d) => d,
                Err(r) => return r,
            };
            let items = days
                .into_iter()
                .filter(|d| acct.day_start(*d) <= now)
                .map(|d| {
                    let a = synth::activity(&acct, d);
                    let hr = synth::heart_rate(&acct, d);
                    let bpm: Vec<i64> = hr.iter().map(|x| x.1).collect();
                    json!({
                        "date": d.to_string(), "timezone": zone, "deviceid": "892359876fd8", "hash_deviceid": "892359876fd8",
                        "brand": 1, "is_tracker": true, "modified": acct.day_start(d) + 86400, "model": "ScanWatch", "modelid": 93,
                        "steps": a.steps, "distance": a.walking_distance as f64, "elevation": a.steps / 2000,
                        "soft": a.low_secs, "moderate": a.medium_secs, "intense": a.high_secs,
                        "active": a.medium_secs + a.high_secs, "calories": a.active_calories as f64,
                        "totalcalories": a.total_calories as f64,
                        "hr_average": bpm.iter().sum::<i64>() / bpm.len().max(1) as i64,
                        "hr_min": bpm.iter().min().copied().unwrap_or(0), "hr_max": bpm.iter().max().copied().unwrap_or(0),
                        "hr_zone_0": 2400, "hr_zone_1": 900, "hr_zone_2": 300, "hr_zone_3": 0,
                    })
                })
                .collect();
            let items = only_data_fields(items, &form, ACTIVITY_FIELDS, None);
            page(items, &form, "activities", false, json!({}))
        }
        "getworkouts" => {
            let days = match days(&f, &acct, &form) {
                Ok(d) => d,
                Err(r) => return r,
            };
            let mut items = vec![];
            for d in days {
                for w in synth::workouts(&acct, d)
                    .into_iter()
                    .filter(|w| w.end <= now)
                {
                    items.push(json!({
                        "id": num_id(&acct, "workout", d, w.n), "category": category(w.activity), "timezone": zone,
                        "model": 93, "attrib": 0, "startdate": w.start, "enddate": w.end, "date": d.to_string(),
                        "modified": w.end + 300, "deviceid": "892359876fd8",
                        // Withings types every workout figure as an integer (kcal, metres, bpm).
                        "data": {"calories": w.calories.round() as i64, "distance": w.distance.unwrap_or(0.0).round() as i64,
                                 "steps": w.distance.map(|x| (x / 0.8) as i64).unwrap_or(0),
                                 "hr_average": w.avg_hr.round() as i64, "hr_min": (w.avg_hr - 30.0).round() as i64, "hr_max": (w.avg_hr + 25.0).round() as i64,
                                 "intensity": 0, "elevation": 12, "pause_duration": 0},
                    }));
                }
            }
            let items = only_data_fields(items, &form, WORKOUT_FIELDS, Some("data"));
            page(items, &form, "series", false, json!({}))
        }
        _ => {
            let (Ok(Some(start)), Ok(end)) = (epoch(&form, "startdate"), epoch(&form, "enddate"))
            else {
                return invalid_params("startdate");
            };
            let end = end.unwrap_or(now).min(start + 86400).min(now + 1);
            ok(json!({"series": intraday(&acct, start, end)}))
        }
    }
}

/// The documented `data_fields` of `getactivity` (top-level keys of each activity).
const ACTIVITY_FIELDS: &[&str] = &[
    "steps",
    "distance",
    "elevation",
    "soft",
    "moderate",
    "intense",
    "active",
    "calories",
    "totalcalories",
    "hr_average",
    "hr_min",
    "hr_max",
    "hr_zone_0",
    "hr_zone_1",
    "hr_zone_2",
    "hr_zone_3",
];

/// The documented `data_fields` of `getworkouts` (keys of each workout's `data`).
const WORKOUT_FIELDS: &[&str] = &[
    "calories",
    "intensity",
    "manual_intensity",
    "manual_distance",
    "manual_calories",
    "hr_average",
    "hr_min",
    "hr_max",
    "hr_zone_0",
    "hr_zone_1",
    "hr_zone_2",
    "hr_zone_3",
    "pause_duration",
    "algo_pause_duration",
    "spo2_average",
    "steps",
    "distance",
    "elevation",
    "pool_laps",
    "strokes",
    "pool_length",
];

/// `data_fields`: of the documented data fields, only the requested ones are returned (in the
/// object `nested`, or at the top level), none without the parameter ("Use 'data_fields' to
/// request this data"); the other keys of an item always are.
fn only_data_fields(
    items: Vec<Value>,
    form: &HashMap<String, String>,
    documented: &[&str],
    nested: Option<&str>,
) -> Vec<Value> {
    let wanted: Vec<&str> = form
        .get("data_fields")
        .map(|f| f.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let keep = |m: &mut serde_json::Map<String, Value>| {
        m.retain(|k, _| !documented.contains(&k.as_str()) || wanted.contains(&k.as_str()))
    };
    items
        .into_iter()
        .map(|mut it| {
            let target = match nested {
                Some(k) => it.get_mut(k),
                None => Some(&mut it),
            };
            if let Some(Value::Object(m)) = target {
                keep(m);
            }
            it
        })
        .collect()
}

fn category(activity: &str) -> i64 {
    match activity {
        "walking" => 1,
        "running" => 2,
        "cycling" => 6,
        "yoga" => 28,
        _ => 16,
    }
}

/// Heart rate (every 5 minutes) and RMSSD (every 5 minutes asleep) in `[start, end)`, keyed by
/// epoch second, as `getintradayactivity` returns them.
pub fn intraday(acct: &Account, start: i64, end: i64) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    fn entry(out: &mut serde_json::Map<String, Value>, t: i64) -> &mut Value {
        out.entry(t.to_string()).or_insert_with(
            || json!({"deviceid": "892359876fd8", "model": "ScanWatch", "model_id": 93}),
        )
    }
    let first = acct.tz().timestamp_opt(start, 0).unwrap().date_naive() - Duration::days(1);
    let last = acct.tz().timestamp_opt(end, 0).unwrap().date_naive() + Duration::days(1);
    let mut d = first;
    while d <= last {
        for (t, bpm, _) in synth::heart_rate(acct, d) {
            if t >= start && t < end {
                entry(&mut out, t)["heart_rate"] = json!(bpm);
            }
        }
        for n in synth::sleeps(acct, d) {
            for (i, v) in n.hrv.iter().enumerate() {
                let t = n.start + i as i64 * 300;
                if let (Some(v), true) = (v, t >= start && t < end) {
                    entry(&mut out, t)["rmssd"] = json!(v);
                }
            }
        }
        d += Duration::days(1);
    }
    out
}

async fn sleep(
    State(f): State<Arc<WithingsFake>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let form = kit::params(q.as_deref(), &body);
    if form.get("action").map(String::as_str) != Some("getsummary") {
        return env(2554, json!({}), Some("Not implemented"));
    }
    let acct = match gate(&f, &headers, "user.activity").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let days = match days(&f, &acct, &form) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let mut items = vec![];
    for d in days {
        for (i, n) in synth::sleeps(&acct, d).iter().enumerate() {
            if n.end() > now {
                continue;
            }
            let mut rng = acct.rng("withings-sleep", d);
            // Half the sandbox accounts sleep on a Sleep Analyzer (`model` 32, a "Sleep
            // Monitor"), the others wear a tracker (16), the two values the document names.
            let sleep_model = if kit::numeric_id(&acct).is_multiple_of(2) {
                32
            } else {
                16
            };
            let hr: Vec<f64> = n.hr.iter().flatten().copied().collect();
            let rmssd: Vec<f64> = n.hrv.iter().flatten().copied().collect();
            let first_hour = &rmssd[..rmssd.len().min(12)];
            items.push(json!({
                "id": num_id(&acct, "sleep", d, i as u32), "timezone": acct.iana_zone(), "model": sleep_model, "model_id": if sleep_model == 32 { 63 } else { 93 },
                "startdate": n.start, "enddate": n.end(), "date": d.to_string(),
                "created": n.end() + 600, "modified": n.end() + 600, "hash_deviceid": "892359876fd8", "completed": true,
                "data": {
                    "total_timeinbed": n.blocks.len() as i64 * 300, "total_sleep_time": n.total_sleep(),
                    "asleepduration": n.total_sleep(),
                    "lightsleepduration": n.seconds_in(2), "deepsleepduration": n.seconds_in(1),
                    "remsleepduration": n.seconds_in(3), "wakeupduration": n.seconds_in(4),
                    "wakeupcount": n.blocks.windows(2).filter(|w| w[0] != 4 && w[1] == 4).count(),
                    "sleep_efficiency": (n.efficiency() as f64) / 100.0,
                    "sleep_latency": n.latency(), "wakeup_latency": 300,
                    // Integers, as Withings types them (bpm, breaths a minute, score).
                    "hr_average": n.avg_hr().round() as i64, "hr_min": n.lowest_hr(),
                    "hr_max": hr.iter().fold(0.0f64, |a, b| a.max(*b)).round() as i64,
                    "rr_average": n.breath.round() as i64, "rr_min": (n.breath - 2.0).round() as i64, "rr_max": (n.breath + 3.0).round() as i64,
                    "sleep_score": (50.0 + n.total_sleep() as f64 / 3600.0 * 4.0 + rng.gen_range(0.0..8.0)).round().min(100.0) as i64,
                    "snoring": rng.gen_range(0..900), "snoringepisodecount": rng.gen_range(0..6),
                    "rmssd_start_avg": (first_hour.iter().sum::<f64>() / first_hour.len().max(1) as f64).round(),
                    "rmssd_end_avg": rmssd.last().copied().unwrap_or(0.0),
                },
            }));
        }
    }
    page(items, &form, "series", false, json!({}))
}
