//! A faithful fake of the WHOOP API v2 and its OAuth, for the sandbox and the tests.
//!
//! `state` of at least 8 characters, a refresh token only with the `offline` scope (rotating),
//! client secret in the body, `{records, next_token}` pages that take `nextToken`, `limit` at
//! most 25, newest first, `start` inclusive / `end` exclusive, `score_state`, UUIDs for sleeps
//! and workouts and int64 cycle ids, `X-RateLimit-*` headers, `DELETE /v2/user/access`. The
//! registered redirect URIs are an https forwarding page and, for the sandbox, the loopback.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, Datelike, Duration, NaiveDate};
use serde_json::{json, Value};

use super::faults::{DataFault, FaultState};
use super::kit::{self, FakeBase, Refusal};
use super::oauth_server::{AuthServer, ClientAuthRule, ClientReg, Pkce, Rules};
use super::synth::{self, Account};
use vital_link_core::clock::Clock;

pub const CLIENT_ID: &str = "sandbox-whoop-client";
pub const CLIENT_SECRET: &str = "sandbox-whoop-secret";
pub const FORWARD_URI: &str = "https://link.vitallink.example/whoop/callback";
pub const SCOPES: [&str; 7] = [
    "offline",
    "read:recovery",
    "read:cycles",
    "read:workout",
    "read:sleep",
    "read:profile",
    "read:body_measurement",
];

pub struct WhoopFake {
    pub auth: AuthServer,
    pub clock: Clock,
    /// Accounts whose WHOOP membership is inactive ("deactivated_user").
    deactivated: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl WhoopFake {
    /// Deactivates (or reactivates) the membership of the account signed in as `login`.
    pub fn set_membership(&self, login: &str, active: bool) {
        let id = Account::new(login).id;
        let mut d = self.deactivated.lock().unwrap();
        match active {
            true => d.remove(&id),
            false => d.insert(id),
        };
    }
}

/// How long after a record ends WHOOP is still scoring it (`PENDING_SCORE`: "WHOOP is currently
/// evaluating the cycle", OpenAPI `components.schemas.*.score_state`); the sandbox takes an hour.
pub const SCORING_SECS: i64 = 3600;

/// The `score_state` of a record that ended at `end` (None: the open cycle, scored as it goes).
/// Some naps are `UNSCORABLE` ("not enough user metric data for the time range"): a sandbox
/// choice, one nap in three, so that every day keeps its main sleep.
pub fn score_state(end: Option<i64>, now: i64, unscorable: bool) -> &'static str {
    match end {
        Some(e) if now - e < SCORING_SECS => "PENDING_SCORE",
        _ if unscorable => "UNSCORABLE",
        _ => "SCORED",
    }
}

/// Whether the sandbox's nap `n` is one WHOOP cannot score.
pub fn unscorable_nap(n: &synth::Night) -> bool {
    n.is_nap && n.start.rem_euclid(3) == 0
}

/// A record as WHOOP sends it in `state`: without a `score` object unless it is SCORED (the
/// document's "measurement values will be present" only for SCORED).
fn scored(mut rec: Value, state: &str) -> Value {
    rec["score_state"] = json!(state);
    if state != "SCORED" {
        if let Some(o) = rec.as_object_mut() {
            o.remove("score");
        }
    }
    rec
}

impl FakeBase for WhoopFake {
    fn auth(&self) -> &AuthServer {
        &self.auth
    }
    fn brand(&self) -> (&'static str, &'static str) {
        ("WHOOP", "#101518")
    }
}

pub fn new_fake(
    clock: Clock,
    faults: Arc<FaultState>,
    state_file: Option<std::path::PathBuf>,
) -> Arc<WhoopFake> {
    Arc::new(WhoopFake {
        auth: AuthServer::new(
            vec![ClientReg {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec![
                    FORWARD_URI.into(),
                    "http://127.0.0.1/callback".into(),
                    "http://127.0.0.1/oauth/forward".into(),
                ],
            }],
            Rules {
                access_ttl_secs: 3600,
                code_ttl_secs: 600,
                all_scopes: SCOPES.to_vec(),
                pkce: Pkce::Ignored,
                client_auth: ClientAuthRule::BodyOnly,
                refresh_needs_scope: Some("offline"),
                min_state_len: Some(8),
                ..Rules::default()
            },
            faults,
            state_file,
        ),
        clock,
        deactivated: Default::default(),
    })
}

pub fn router(fake: Arc<WhoopFake>) -> Router {
    Router::new()
        .route("/oauth/oauth2/auth", get(kit::authorize::<WhoopFake>))
        .route(
            "/oauth/authorize/decision",
            post(kit::decision::<WhoopFake>),
        )
        .route("/oauth/oauth2/token", post(token))
        .route("/developer/v2/cycle", get(cycles))
        .route("/developer/v2/recovery", get(recoveries))
        .route("/developer/v2/activity/sleep", get(sleeps))
        .route("/developer/v2/activity/workout", get(workouts))
        .route("/developer/v2/user/profile/basic", get(profile))
        .route("/developer/v2/user/measurement/body", get(body))
        .route("/developer/v2/user/access", delete(revoke))
        .route(
            "/__sandbox/faults",
            get(kit::get_faults::<WhoopFake>).put(kit::put_faults::<WhoopFake>),
        )
        .with_state(fake)
}

async fn token(
    State(f): State<Arc<WhoopFake>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match kit::token_grant(&f.auth, &headers, &form) {
        Ok(t) => {
            let mut v = json!({
                "access_token": t.access_token,
                "expires_in": t.expires_in,
                "scope": t.scopes.join(" "),
                "token_type": "bearer",
            });
            if let Some(r) = t.refresh_token {
                v["refresh_token"] = json!(r);
            }
            Json(v).into_response()
        }
        Err(e) => kit::oauth_error(e),
    }
}

fn with_limits(mut r: Response, reset: u64, remaining: u64) -> Response {
    let h = r.headers_mut();
    h.insert(
        "x-ratelimit-limit",
        HeaderValue::from_static("100, 100;window=60, 10000;window=86400"),
    );
    h.insert(
        "x-ratelimit-remaining",
        HeaderValue::from_str(&remaining.to_string()).unwrap(),
    );
    h.insert(
        "x-ratelimit-reset",
        HeaderValue::from_str(&reset.to_string()).unwrap(),
    );
    r
}

/// WHOOP declares no error bodies; a small JSON is returned and clients key off the status.
fn error(status: StatusCode, msg: &str) -> Response {
    with_limits(
        (status, Json(json!({"error": msg}))).into_response(),
        30,
        97,
    )
}

async fn gate(f: &WhoopFake, headers: &HeaderMap, scope: &str) -> Result<Account, Response> {
    match kit::gate(&f.auth, headers, Some(scope)).await {
        // The document gives `403 {"error": "deactivated_user"}` for an inactive membership
        // only on the sleep stream route; the routes served here document 401 alone.
        Ok(g) if f.deactivated.lock().unwrap().contains(&g.account.id) => {
            Err(error(StatusCode::UNAUTHORIZED, "deactivated_user"))
        }
        Ok(g) => Ok(g.account),
        Err(Refusal::Unauthorized(why)) => Err(error(StatusCode::UNAUTHORIZED, why)),
        Err(Refusal::Forbidden) => Err(error(StatusCode::UNAUTHORIZED, "missing scope")),
        Err(Refusal::Fault(DataFault::RateLimited(s))) => Err(with_limits(
            (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"error": "too many requests"})),
            )
                .into_response(),
            s,
            0,
        )),
        Err(Refusal::Fault(DataFault::ServerError)) => {
            Err(error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
        }
        Err(Refusal::Fault(_)) => Err(kit::truncated_json()),
    }
}

/// A record with its start time (for filtering and ordering).
type Rec = (i64, Value);

/// `limit` ≤ 25, `start` inclusive, `end` exclusive (default now), newest first, `nextToken`.
fn page(f: &WhoopFake, q: &HashMap<String, String>, mut recs: Vec<Rec>, what: &str) -> Response {
    let now = f.clock.now().timestamp();
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(l)) if (1..=25).contains(&l) => l,
        _ => return error(StatusCode::BAD_REQUEST, "limit must be between 1 and 25"),
    };
    let time = |k: &str| {
        q.get(k)
            .map(|s| DateTime::parse_from_rfc3339(s).map(|t| t.timestamp()))
    };
    let start = match time("start").transpose() {
        Ok(s) => s.unwrap_or(i64::MIN),
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "start must be an ISO 8601 date-time",
            )
        }
    };
    let end = match time("end").transpose() {
        Ok(e) => e.unwrap_or(now),
        Err(_) => return error(StatusCode::BAD_REQUEST, "end must be an ISO 8601 date-time"),
    };
    recs.retain(|(t, _)| *t >= start && *t < end);
    recs.sort_by_key(|r| std::cmp::Reverse(r.0));
    let key = format!("{what}|{start}|{end}|{limit}");
    let offset = match q.get("nextToken") {
        None => 0,
        Some(t) => match kit::page_offset(t, &key) {
            Some(o) => o,
            None => return error(StatusCode::BAD_REQUEST, "invalid nextToken"),
        },
    };
    let total = recs.len();
    let records: Vec<Value> = recs
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|r| r.1)
        .collect();
    let mut body = json!({"records": records});
    if offset + limit < total {
        body["next_token"] = json!(kit::page_token(offset + limit, &key));
    }
    with_limits(Json(body).into_response(), 42, 98)
}

/// Local days whose data may fall in the request's `start`..`end` (at most the last two
/// years, which is what the sandbox keeps).
fn days(f: &WhoopFake, acct: &Account, q: &HashMap<String, String>) -> Vec<NaiveDate> {
    let today = f.clock.now().with_timezone(&acct.tz()).date_naive();
    let day = |k: &str| {
        q.get(k)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&acct.tz()).date_naive())
    };
    let last = day("end").map_or(today, |d| d.min(today) + Duration::days(1));
    let first = day("start").map_or(today - Duration::days(730), |d| d - Duration::days(1));
    let mut out = vec![];
    let mut d = last;
    while d >= first.max(today - Duration::days(730)) {
        out.push(d);
        d -= Duration::days(1);
    }
    out
}

fn off(acct: &Account) -> String {
    kit::offset_string(acct)
}

/// The sleeps WHOOP has scored by `now`: (local day, index, night).
pub fn sleep_records(
    acct: &Account,
    now: i64,
    days: &[NaiveDate],
) -> Vec<(NaiveDate, usize, synth::Night)> {
    let mut out = vec![];
    for d in days {
        for (i, n) in synth::sleeps(acct, *d).into_iter().enumerate() {
            if n.end() <= now {
                out.push((*d, i, n));
            }
        }
    }
    out
}

pub fn cycle_id(day: NaiveDate) -> i64 {
    day.num_days_from_ce() as i64
}

fn sleep_json(acct: &Account, d: NaiveDate, i: usize, n: &synth::Night) -> Value {
    let ms = |s: i64| s * 1000;
    json!({
        "id": acct.doc_id("whoop-sleep", d, i as u32), "cycle_id": cycle_id(d),
        "user_id": kit::numeric_id(acct),
        "created_at": kit::utc_ms_z(n.end() + 600), "updated_at": kit::utc_ms_z(n.end() + 840),
        "start": kit::utc_ms_z(n.start), "end": kit::utc_ms_z(n.end()), "timezone_offset": off(acct),
        "nap": n.is_nap, "score_state": "SCORED",
        "score": {
            "stage_summary": {
                "total_in_bed_time_milli": ms(n.blocks.len() as i64 * 300), "total_awake_time_milli": ms(n.seconds_in(4)),
                "total_no_data_time_milli": 0, "total_light_sleep_time_milli": ms(n.seconds_in(2)),
                "total_slow_wave_sleep_time_milli": ms(n.seconds_in(1)), "total_rem_sleep_time_milli": ms(n.seconds_in(3)),
                "sleep_cycle_count": 4, "disturbance_count": n.restless_periods / 20,
            },
            "sleep_needed": {"baseline_milli": 27_000_000, "need_from_sleep_debt_milli": 300_000, "need_from_recent_strain_milli": 200_000, "need_from_recent_nap_milli": 0},
            "respiratory_rate": n.breath, "sleep_performance_percentage": (n.total_sleep() as f64 / 27000.0 * 100.0).min(100.0).round(),
            "sleep_consistency_percentage": 85.0, "sleep_efficiency_percentage": n.efficiency() as f64,
        },
    })
}

async fn sleeps(
    State(f): State<Arc<WhoopFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers, "read:sleep").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let recs = sleep_records(&acct, now, &days(&f, &acct, &q))
        .into_iter()
        .map(|(d, i, n)| {
            let state = score_state(Some(n.end()), now, unscorable_nap(&n));
            (n.start, scored(sleep_json(&acct, d, i, &n), state))
        })
        .collect();
    page(&f, &q, recs, "sleep")
}

async fn recoveries(
    State(f): State<Arc<WhoopFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers, "read:recovery").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let recs = sleep_records(&acct, now, &days(&f, &acct, &q))
        .into_iter()
        .filter(|(_, _, n)| !n.is_nap)
        .map(|(d, i, n)| {
            // A recovery is scored with the sleep it follows.
            let state = score_state(Some(n.end()), now, false);
            (n.start, scored(json!({
                "cycle_id": cycle_id(d), "sleep_id": acct.doc_id("whoop-sleep", d, i as u32), "user_id": kit::numeric_id(&acct),
                "created_at": kit::utc_ms_z(n.end() + 900), "updated_at": kit::utc_ms_z(n.end() + 960), "score_state": "SCORED",
                "score": {"user_calibrating": false, "recovery_score": (n.avg_hrv() as f64 * 1.2).min(99.0).round(),
                          "resting_heart_rate": n.lowest_hr() as f64, "hrv_rmssd_milli": n.avg_hrv() as f64,
                          "spo2_percentage": 95.0 + (n.restless_periods % 40) as f64 / 10.0,
                          "skin_temp_celsius": 33.5 + n.temperature_deviation},
            }), state))
        })
        .collect();
    page(&f, &q, recs, "recovery")
}

async fn cycles(
    State(f): State<Arc<WhoopFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers, "read:cycles").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let recs = cycle_records(&acct, now, &days(&f, &acct, &q))
        .into_iter()
        .map(|(d, start, end)| {
            let a = synth::activity(&acct, d);
            let hr = synth::heart_rate(&acct, d);
            let avg = hr.iter().map(|x| x.1).sum::<i64>() / hr.len().max(1) as i64;
            let mut c = json!({
                "id": cycle_id(d), "user_id": kit::numeric_id(&acct),
                "created_at": kit::utc_ms_z(start + 60), "updated_at": kit::utc_ms_z(end.unwrap_or(now)),
                "start": kit::utc_ms_z(start), "timezone_offset": off(&acct), "score_state": "SCORED",
                "score": {"strain": (a.steps as f64 / 1000.0).min(21.0), "kilojoule": (a.total_calories as f64 * 4.184 * 10.0).round() / 10.0,
                          "average_heart_rate": avg, "max_heart_rate": hr.iter().map(|x| x.1).max().unwrap_or(0)},
            });
            if let Some(e) = end {
                c["end"] = json!(kit::utc_ms_z(e));
            }
            (start, scored(c, score_state(end, now, false)))
        })
        .collect();
    page(&f, &q, recs, "cycle")
}

/// Cycles run from one sleep onset to the next: (day, start, end — None for the open one).
pub fn cycle_records(
    acct: &Account,
    now: i64,
    days: &[NaiveDate],
) -> Vec<(NaiveDate, i64, Option<i64>)> {
    days.iter()
        .map(|d| {
            (
                *d,
                synth::night(acct, *d).start,
                synth::night(acct, *d + Duration::days(1)).start,
            )
        })
        .filter(|(_, s, _)| *s <= now)
        .map(|(d, s, e)| (d, s, (e <= now).then_some(e)))
        .collect()
}

async fn workouts(
    State(f): State<Arc<WhoopFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers, "read:workout").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let mut recs = vec![];
    for d in days(&f, &acct, &q) {
        for w in synth::workouts(&acct, d)
            .into_iter()
            .filter(|w| w.end <= now)
        {
            let len = (w.end - w.start) * 1000;
            let mut rec = json!({
                "id": acct.doc_id("whoop-workout", d, w.n), "user_id": kit::numeric_id(&acct),
                "created_at": kit::utc_ms_z(w.end + 60), "updated_at": kit::utc_ms_z(w.end + 120),
                "start": kit::utc_ms_z(w.start), "end": kit::utc_ms_z(w.end), "timezone_offset": off(&acct),
                "sport_name": w.activity, "sport_id": 0, "score_state": "SCORED",
                "score": {"strain": 9.8, "average_heart_rate": w.avg_hr.round() as i64, "max_heart_rate": (w.avg_hr + 20.0).round() as i64,
                          "kilojoule": (w.calories * 4.184 * 10.0).round() / 10.0, "percent_recorded": 100.0,
                          "distance_meter": w.distance, "altitude_gain_meter": 12.0, "altitude_change_meter": 0.0,
                          "zone_durations": {"zone_zero_milli": 0, "zone_one_milli": len / 10, "zone_two_milli": len * 3 / 10,
                                             "zone_three_milli": len * 4 / 10, "zone_four_milli": len * 2 / 10, "zone_five_milli": 0}},
            });
            // WHOOP leaves `distance_meter` out of a workout without a distance (never null).
            if w.distance.is_none() {
                if let Some(score) = rec["score"].as_object_mut() {
                    score.remove("distance_meter");
                }
            }
            recs.push((w.start, scored(rec, score_state(Some(w.end), now, false))));
        }
    }
    page(&f, &q, recs, "workout")
}

async fn profile(State(f): State<Arc<WhoopFake>>, headers: HeaderMap) -> Response {
    match gate(&f, &headers, "read:profile").await {
        Ok(a) => with_limits(
            Json(json!({"user_id": kit::numeric_id(&a), "email": format!("{}@sandbox.invalid", a.login), "first_name": "Sandbox", "last_name": a.login})).into_response(),
            42,
            98,
        ),
        Err(r) => r,
    }
}

/// The account's body measurement: its weight baseline, a height and a max heart rate.
pub fn body_of(acct: &Account) -> Value {
    let seed = kit::numeric_id(acct);
    json!({"height_meter": 1.55 + (seed % 40) as f64 / 100.0, "weight_kilogram": 55.0 + (seed % 400) as f64 / 10.0, "max_heart_rate": 185 + seed % 15})
}

async fn body(State(f): State<Arc<WhoopFake>>, headers: HeaderMap) -> Response {
    match gate(&f, &headers, "read:body_measurement").await {
        Ok(a) => with_limits(Json(body_of(&a)).into_response(), 42, 98),
        Err(r) => r,
    }
}

async fn revoke(State(f): State<Arc<WhoopFake>>, headers: HeaderMap) -> Response {
    match f
        .auth
        .check_bearer(headers.get("authorization").and_then(|v| v.to_str().ok()))
    {
        Ok(g) => {
            f.auth.revoke_account(&g.client_id, &g.account.id);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(why) => error(StatusCode::UNAUTHORIZED, why),
    }
}
