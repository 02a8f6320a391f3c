//! A faithful fake of Polar AccessLink v3 and its OAuth, for the sandbox and the tests.
//!
//! HTTP Basic client auth only, codes valid 10 minutes and single use (a reused code also
//! deletes the tokens issued for it), `{"error": ...}` token errors with 400, no refresh grant,
//! year-long tokens with `x_user_id`, the mandatory `POST /v3/users` registration (409 when
//! already registered; data refused until then), exercises visible only when uploaded after
//! the registration and within 30 days, sleep and Nightly Recharge for the last 28 days, 28-day
//! `from`/`to` ranges, `RateLimit-*` headers on every answer, `DELETE /v3/users/{id}`.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use rand::Rng;
use serde_json::{json, Value};

use super::faults::{DataFault, FaultState};
use super::kit::{self, FakeBase, Refusal};
use super::oauth_server::{AuthServer, ClientAuthRule, ClientReg, Pkce, RefreshRule, Rules};
use super::synth::{self, Account, HrSource, Workout};
use vital_link_core::clock::Clock;

pub const CLIENT_ID: &str = "sandbox-polar-client";
pub const CLIENT_SECRET: &str = "sandbox-polar-secret";
pub const REDIRECT_URI: &str = "http://127.0.0.1:8753/callback";
pub const SCOPES: [&str; 1] = ["accesslink.read_all"];
pub const HISTORY_DAYS: i64 = 28;
pub const EXERCISE_DAYS: i64 = 30;

pub struct PolarFake {
    pub auth: AuthServer,
    pub clock: Clock,
    /// Registered users: account id → (member id, registration time).
    users: Mutex<HashMap<String, (String, i64)>>,
    users_file: Option<PathBuf>,
}

impl FakeBase for PolarFake {
    fn auth(&self) -> &AuthServer {
        &self.auth
    }
    fn brand(&self) -> (&'static str, &'static str) {
        ("Polar", "#d10027")
    }
}

pub fn new_fake(
    clock: Clock,
    faults: Arc<FaultState>,
    state_file: Option<PathBuf>,
) -> Arc<PolarFake> {
    let users_file = state_file.as_ref().map(|p| p.with_extension("users.json"));
    let users = users_file
        .as_ref()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    Arc::new(PolarFake {
        auth: AuthServer::new(
            vec![ClientReg {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec![REDIRECT_URI.into()],
            }],
            Rules {
                access_ttl_secs: 31_535_999,
                code_ttl_secs: 600,
                all_scopes: SCOPES.to_vec(),
                refresh: RefreshRule::None,
                pkce: Pkce::Ignored,
                client_auth: ClientAuthRule::BasicOnly,
                code_reuse_revokes: true,
                ..Rules::default()
            },
            faults,
            state_file,
        ),
        clock,
        users: Mutex::new(users),
        users_file,
    })
}

pub fn router(fake: Arc<PolarFake>) -> Router {
    Router::new()
        .route("/oauth2/authorization", get(kit::authorize::<PolarFake>))
        .route(
            "/oauth/authorize/decision",
            post(kit::decision::<PolarFake>),
        )
        .route("/v2/oauth2/token", post(token))
        .route("/v3/users", post(register))
        .route("/v3/users/{id}", get(user).delete(deregister))
        .route("/v3/users/sleep", get(sleep_list))
        .route("/v3/users/nightly-recharge", get(recharge_list))
        .route("/v3/users/activities", get(activities))
        .route("/v3/users/continuous-heart-rate", get(continuous_hr))
        .route("/v3/exercises", get(exercises))
        .route(
            "/__sandbox/faults",
            get(kit::get_faults::<PolarFake>).put(kit::put_faults::<PolarFake>),
        )
        .with_state(fake)
}

/// Polar's user id for a sandbox account.
pub fn polar_user_id(acct: &Account) -> u64 {
    kit::numeric_id(acct)
}

impl PolarFake {
    fn save_users(&self) {
        if let Some(p) = &self.users_file {
            if let Ok(b) = serde_json::to_vec(&*self.users.lock().unwrap()) {
                let _ = vital_link_core::config::write_private(p, &b);
            }
        }
    }

    fn registered_at(&self, acct: &Account) -> Option<i64> {
        self.users.lock().unwrap().get(&acct.id).map(|u| u.1)
    }
}

async fn token(
    State(f): State<Arc<PolarFake>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match kit::token_grant(&f.auth, &headers, &form) {
        Ok(t) => Json(json!({
            "access_token": t.access_token,
            "token_type": "bearer",
            "expires_in": t.expires_in,
            "x_user_id": polar_user_id(&t.account),
        }))
        .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e.error}))).into_response(),
    }
}

fn error(f: &PolarFake, status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({
        "timestamp": kit::utc_ms_z(f.clock.now().timestamp()),
        "status": status.as_u16(),
        "errorType": kind,
        "message": message,
        "corrId": kit::page_token(0, message),
    });
    (status, Json(body)).into_response()
}

/// `RateLimit-*` on every answer: short-term and long-term windows.
fn limits(mut r: Response, limited: Option<u64>) -> Response {
    let h = r.headers_mut();
    let (usage, reset) = match limited {
        Some(s) => ("520, 911".to_string(), format!("{s}, 80211")),
        None => ("12, 140".to_string(), "640, 80211".to_string()),
    };
    h.insert("ratelimit-usage", HeaderValue::from_str(&usage).unwrap());
    h.insert("ratelimit-limit", HeaderValue::from_static("520, 5100"));
    h.insert("ratelimit-reset", HeaderValue::from_str(&reset).unwrap());
    r
}

/// Bearer, fault switches and (for data) the registration.
async fn gate(
    f: &PolarFake,
    headers: &HeaderMap,
    need_registration: bool,
) -> Result<Account, Response> {
    let acct = match kit::gate(&f.auth, headers, None).await {
        Ok(g) => g.account,
        Err(Refusal::Unauthorized(_)) | Err(Refusal::Forbidden) => {
            return Err(limits(
                error(
                    f,
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized",
                    "invalid or expired access token",
                ),
                None,
            ))
        }
        Err(Refusal::Fault(DataFault::RateLimited(s))) => {
            return Err(limits(
                error(
                    f,
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequests",
                    "rate limit exceeded",
                ),
                Some(s),
            ))
        }
        Err(Refusal::Fault(DataFault::ServerError)) => {
            return Err(limits(
                error(
                    f,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerError",
                    "internal error",
                ),
                None,
            ))
        }
        Err(Refusal::Fault(_)) => return Err(kit::truncated_json()),
    };
    if need_registration && f.registered_at(&acct).is_none() {
        return Err(limits(
            error(
                f,
                StatusCode::FORBIDDEN,
                "UserNotRegistered",
                "register the user with POST /v3/users first",
            ),
            None,
        ));
    }
    Ok(acct)
}

fn user_json(acct: &Account, member: &str, registered: i64) -> Value {
    let seed = polar_user_id(acct);
    json!({
        "polar-user-id": seed, "member-id": member,
        "registration-date": kit::utc_ms_z(registered),
        "first-name": "Sandbox", "last-name": acct.login, "birthdate": "1990-05-02",
        "gender": if seed.is_multiple_of(2) { "FEMALE" } else { "MALE" },
        "weight": 55.0 + (seed % 400) as f64 / 10.0, "height": 155.0 + (seed % 40) as f64, "extra-info": [],
    })
}

async fn register(
    State(f): State<Arc<PolarFake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let acct = match gate(&f, &headers, false).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(member) = body
        .get("member-id")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return limits(
            error(
                &f,
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "member-id is required",
            ),
            None,
        );
    };
    {
        let mut users = f.users.lock().unwrap();
        if users.contains_key(&acct.id) || users.values().any(|(m, _)| *m == member) {
            return limits(
                error(
                    &f,
                    StatusCode::CONFLICT,
                    "Conflict",
                    "user already registered",
                ),
                None,
            );
        }
        users.insert(acct.id.clone(), (member.clone(), f.clock.now().timestamp()));
    }
    f.save_users();
    limits(
        Json(user_json(&acct, &member, f.clock.now().timestamp())).into_response(),
        None,
    )
}

async fn user(
    State(f): State<Arc<PolarFake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let acct = match gate(&f, &headers, true).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if id != polar_user_id(&acct).to_string() {
        return limits(
            error(&f, StatusCode::FORBIDDEN, "Forbidden", "not your user"),
            None,
        );
    }
    let (member, at) = f.users.lock().unwrap()[&acct.id].clone();
    limits(Json(user_json(&acct, &member, at)).into_response(), None)
}

async fn deregister(
    State(f): State<Arc<PolarFake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let acct = match gate(&f, &headers, true).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if id != polar_user_id(&acct).to_string() {
        return limits(
            error(&f, StatusCode::FORBIDDEN, "Forbidden", "not your user"),
            None,
        );
    }
    f.users.lock().unwrap().remove(&acct.id);
    f.save_users();
    f.auth.revoke_account(CLIENT_ID, &acct.id);
    limits(StatusCode::NO_CONTENT.into_response(), None)
}

fn hhmm(acct: &Account, t: i64) -> String {
    acct.tz()
        .timestamp_opt(t, 0)
        .unwrap()
        .format("%H:%M")
        .to_string()
}

/// The nights Polar offers now: the main sleep of each of the last 28 days.
pub fn nights(acct: &Account, now: i64) -> Vec<(NaiveDate, synth::Night)> {
    let today = acct.tz().timestamp_opt(now, 0).unwrap().date_naive();
    (0..HISTORY_DAYS)
        .rev()
        .map(|i| today - Duration::days(i))
        .map(|d| (d, synth::night(acct, d)))
        .filter(|(_, n)| n.end() <= now)
        .collect()
}

/// The Nightly Recharge window: about four hours from 30 minutes after sleep onset.
pub fn recharge_blocks(n: &synth::Night) -> std::ops::Range<usize> {
    6..n.blocks.len().min(54)
}

async fn sleep_list(State(f): State<Arc<PolarFake>>, headers: HeaderMap) -> Response {
    let acct = match gate(&f, &headers, true).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let uid = polar_user_id(&acct);
    let list: Vec<Value> = nights(&acct, f.clock.now().timestamp())
        .into_iter()
        .map(|(d, n)| {
            let hyp: serde_json::Map<String, Value> = n
                .blocks
                .iter()
                .enumerate()
                .filter(|(i, b)| *i == 0 || n.blocks[i - 1] != **b)
                .map(|(i, b)| (hhmm(&acct, n.start + i as i64 * 300), json!([0, 4, 2, 1, 0][*b as usize])))
                .collect();
            let hr: serde_json::Map<String, Value> = n
                .hr
                .iter()
                .enumerate()
                .filter_map(|(i, b)| b.map(|b| (hhmm(&acct, n.start + i as i64 * 300), json!(b))))
                .collect();
            json!({
                "polar_user": format!("https://www.polaraccesslink.com/v3/users/{uid}"), "date": d.to_string(),
                "sleep_start_time": kit::local_offset(&acct, n.start), "sleep_end_time": kit::local_offset(&acct, n.end()),
                "device_id": "A1B2C3D4", "continuity": 3.4, "continuity_class": 3,
                "light_sleep": n.seconds_in(2), "deep_sleep": n.seconds_in(1), "rem_sleep": n.seconds_in(3),
                "unrecognized_sleep_stage": 0, "sleep_score": (40 + n.total_sleep() / 900).min(100),
                "total_interruption_duration": n.seconds_in(4), "sleep_charge": 3, "sleep_goal": 28800, "sleep_rating": 0,
                "short_interruption_duration": n.seconds_in(4) / 3, "long_interruption_duration": n.seconds_in(4) - n.seconds_in(4) / 3,
                "sleep_cycles": 4, "group_duration_score": 88.0, "group_solidity_score": 74.0, "group_regeneration_score": 70.5,
                "hypnogram": hyp, "heart_rate_samples": hr,
            })
        })
        .collect();
    limits(Json(json!({"nights": list})).into_response(), None)
}

async fn recharge_list(State(f): State<Arc<PolarFake>>, headers: HeaderMap) -> Response {
    let acct = match gate(&f, &headers, true).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let uid = polar_user_id(&acct);
    let list: Vec<Value> = nights(&acct, f.clock.now().timestamp())
        .into_iter()
        .map(|(d, n)| {
            let blocks = recharge_blocks(&n);
            let hrv: serde_json::Map<String, Value> = blocks
                .clone()
                .filter_map(|i| n.hrv[i].map(|v| (hhmm(&acct, n.start + i as i64 * 300), json!(v))))
                .collect();
            let breathing: serde_json::Map<String, Value> = blocks
                .clone()
                .map(|i| (hhmm(&acct, n.start + i as i64 * 300 - 60), json!(n.breath + ((i % 5) as f64 - 2.0) / 10.0)))
                .collect();
            json!({
                "polar_user": format!("https://www.polaraccesslink.com/v3/users/{uid}"), "date": d.to_string(),
                "heart_rate_avg": n.avg_hr().round() as i64, "beat_to_beat_avg": (60000.0 / n.avg_hr()).round() as i64,
                "heart_rate_variability_avg": n.avg_hrv(), "breathing_rate_avg": n.breath,
                "nightly_recharge_status": 4, "ans_charge": 3.5, "ans_charge_status": 4,
                "hrv_samples": hrv, "breathing_samples": breathing,
            })
        })
        .collect();
    limits(Json(json!({"recharges": list})).into_response(), None)
}

fn date_param(
    f: &PolarFake,
    q: &HashMap<String, String>,
    k: &str,
) -> Result<Option<NaiveDate>, Response> {
    match q.get(k) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                limits(
                    error(
                        f,
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        &format!("{k} must be YYYY-MM-DD"),
                    ),
                    None,
                )
            }),
    }
}

/// `from`/`to` (inclusive): at most 28 days, `from` at most 365 days old, `to` defaults to today.
fn date_range(
    f: &PolarFake,
    acct: &Account,
    q: &HashMap<String, String>,
    max_span: Option<i64>,
) -> Result<Vec<NaiveDate>, Response> {
    let today = f.clock.now().with_timezone(&acct.tz()).date_naive();
    let to = date_param(f, q, "to")?.unwrap_or(today);
    let from = date_param(f, q, "from")?.unwrap_or(to - Duration::days(27));
    let bad = |m: &str| {
        Err(limits(
            error(f, StatusCode::BAD_REQUEST, "BadRequest", m),
            None,
        ))
    };
    if from > to {
        return bad("from is after to");
    }
    if from < today - Duration::days(365) {
        return bad("from is more than 365 days ago");
    }
    if max_span.is_some_and(|m| (to - from).num_days() + 1 > m) {
        return bad("the range is longer than 28 days");
    }
    let mut out = vec![];
    let mut d = from;
    while d <= to.min(today) {
        out.push(d);
        d += Duration::days(1);
    }
    Ok(out)
}

async fn activities(
    State(f): State<Arc<PolarFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers, true).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let days = match date_range(&f, &acct, &q, Some(HISTORY_DAYS)) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let list: Vec<Value> = days
        .into_iter()
        .filter(|d| acct.day_start(*d) <= now)
        .map(|d| {
            let a = synth::activity(&acct, d);
            let active = a.low_secs + a.medium_secs + a.high_secs;
            json!({
                "start_time": format!("{d}T00:00:00"), "end_time": format!("{d}T23:59:59"),
                "active_duration": format!("PT{}H{}M", active / 3600, active % 3600 / 60),
                "inactive_duration": format!("PT{}H{}M", a.sedentary_secs / 3600, a.sedentary_secs % 3600 / 60),
                "daily_activity": (a.steps as f64 / 120.0).min(200.0).round(),
                "calories": a.total_calories, "active_calories": a.active_calories, "steps": a.steps,
                "inactivity_alert_count": a.inactivity_alerts, "distance_from_steps": a.walking_distance as f64,
            })
        })
        .collect();
    if list.is_empty() {
        return limits(StatusCode::NO_CONTENT.into_response(), None);
    }
    limits(Json(list).into_response(), None)
}

/// Continuous heart rate of local `day`: every 5 minutes, training sessions excluded, at
/// Polar's odd seconds. (epoch second, bpm).
pub fn continuous(acct: &Account, day: NaiveDate) -> Vec<(i64, i64)> {
    synth::heart_rate(acct, day)
        .into_iter()
        .filter(|(_, _, s)| *s != HrSource::Workout)
        .map(|(t, b, _)| (t + 128, b))
        .collect()
}

async fn continuous_hr(
    State(f): State<Arc<PolarFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers, true).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let days = match date_range(&f, &acct, &q, None) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let uid = polar_user_id(&acct);
    let list: Vec<Value> = days
        .into_iter()
        .map(|d| {
            let samples: Vec<Value> = continuous(&acct, d)
                .into_iter()
                .filter(|(t, _)| *t <= now)
                .map(|(t, b)| json!({"heart_rate": b, "sample_time": acct.tz().timestamp_opt(t, 0).unwrap().format("%H:%M:%S").to_string()}))
                .collect();
            json!({"polar_user": format!("https://polaraccesslink.com/v3/users/{uid}"), "date": d.to_string(), "heart_rate_samples": samples})
        })
        .filter(|d| !d["heart_rate_samples"].as_array().unwrap().is_empty())
        .collect();
    limits(Json(json!({"heart_rates": list})).into_response(), None)
}

/// When an exercise reaches Flow: ten minutes after it ends.
pub fn upload_time(w: &Workout) -> i64 {
    w.end + 600
}

/// Heart rate every 5 seconds over an exercise.
pub fn exercise_hr(acct: &Account, day: NaiveDate, w: &Workout) -> Vec<i64> {
    let mut rng = acct.rng("polar-hr", day);
    (0..=(w.end - w.start) / 5)
        .map(|i| {
            (w.avg_hr + rng.gen_range(-10.0..10.0) + ((i as f64) / 40.0).sin() * 6.0).round() as i64
        })
        .collect()
}

/// The exercises the user can see at `now`: uploaded after the registration, within 30 days.
pub fn visible_exercises(acct: &Account, registered: i64, now: i64) -> Vec<(NaiveDate, Workout)> {
    let today = acct.tz().timestamp_opt(now, 0).unwrap().date_naive();
    let mut out = vec![];
    for i in (0..=EXERCISE_DAYS).rev() {
        let d = today - Duration::days(i);
        for w in synth::workouts(acct, d) {
            let up = upload_time(&w);
            if up > registered && up <= now && up > now - EXERCISE_DAYS * 86400 {
                out.push((d, w));
            }
        }
    }
    out
}

async fn exercises(
    State(f): State<Arc<PolarFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers, true).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let registered = f.registered_at(&acct).unwrap_or(i64::MAX);
    let now = f.clock.now().timestamp();
    let with_samples = q.get("samples").map(String::as_str) == Some("true");
    let uid = polar_user_id(&acct);
    let list: Vec<Value> = visible_exercises(&acct, registered, now)
        .into_iter()
        .map(|(d, w)| {
            let dur = w.end - w.start;
            let hr = exercise_hr(&acct, d, &w);
            let sport = match w.activity {
                "walking" => "WALKING",
                "running" => "RUNNING",
                "cycling" => "CYCLING",
                "yoga" => "YOGA",
                _ => "STRENGTH_TRAINING",
            };
            let mut e = json!({
                "id": format!("{:x}", d.num_days_from_ce() as i64 * 10 + w.n as i64),
                "upload_time": kit::utc_ms_z(upload_time(&w)),
                "polar_user": format!("https://www.polaraccesslink.com/v3/users/{uid}"),
                "device": "Polar Vantage V3", "device_id": "A1B2C3D4",
                "start_time": kit::local_naive(&acct, w.start), "start_time_utc_offset": acct.utc_offset_secs / 60,
                "duration": format!("PT{}M{}S", dur / 60, dur % 60), "calories": w.calories.round(),
                "distance": w.distance, "heart_rate": {"average": w.avg_hr, "maximum": hr.iter().max().copied().unwrap_or(0)},
                "training_load": 96.5, "sport": sport, "detailed_sport_info": sport, "has_route": w.distance.is_some(),
            });
            if with_samples {
                e["samples"] = json!([{"recording-rate": 5, "sample-type": "0", "data": hr.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")}]);
            }
            e
        })
        .collect();
    limits(Json(list).into_response(), None)
}
