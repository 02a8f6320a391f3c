//! A faithful fake of the Strava API v3 and its OAuth, for the sandbox and the tests.
//!
//! Comma-separated scopes, `expires_at` + `athlete` on the first token response, the same access
//! token back from a refresh while it has more than an hour left, rotating refresh tokens,
//! client credentials in the body only, no `redirect_uri` check at the token endpoint, Strava's
//! `{message, errors[]}` faults, `X-RateLimit-*` headers on every answer, `page`/`per_page`
//! activity lists filtered by `after`/`before`, `key_by_type` streams, `/oauth/deauthorize`.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use serde_json::{json, Value};

use super::faults::{DataFault, FaultState};
use super::kit::{self, FakeBase, Refusal};
use super::oauth_server::{AuthServer, ClientAuthRule, ClientReg, OAuthError, Pkce, Rules};
use super::synth::{self, Account, Workout};
use vital_link_core::clock::Clock;

pub const CLIENT_ID: &str = "31415";
pub const CLIENT_SECRET: &str = "sandbox-strava-secret";
pub const SCOPES: [&str; 7] = [
    "read",
    "read_all",
    "profile:read_all",
    "profile:write",
    "activity:read",
    "activity:read_all",
    "activity:write",
];
pub const LIMITS: (u64, u64) = (200, 2000);
pub const READ_LIMITS: (u64, u64) = (100, 1000);

pub struct StravaFake {
    pub auth: AuthServer,
    pub clock: Clock,
    served: AtomicU64,
}

impl FakeBase for StravaFake {
    fn auth(&self) -> &AuthServer {
        &self.auth
    }
    fn brand(&self) -> (&'static str, &'static str) {
        ("Strava", "#fc4c02")
    }
}

pub fn new_fake(
    clock: Clock,
    faults: Arc<FaultState>,
    state_file: Option<std::path::PathBuf>,
) -> Arc<StravaFake> {
    Arc::new(StravaFake {
        auth: AuthServer::new(
            vec![ClientReg {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                // The "Authorization Callback Domain": localhost and 127.0.0.1 are white-listed.
                redirect_uris: vec!["http://127.0.0.1/callback".into()],
            }],
            Rules {
                access_ttl_secs: 21600,
                code_ttl_secs: 600,
                all_scopes: SCOPES.to_vec(),
                scope_sep: ',',
                pkce: Pkce::Ignored,
                client_auth: ClientAuthRule::BodyOnly,
                check_redirect_at_token: false,
                reuse_access_above_secs: Some(3600),
                ..Rules::default()
            },
            faults,
            state_file,
        ),
        clock,
        served: AtomicU64::new(0),
    })
}

pub fn router(fake: Arc<StravaFake>) -> Router {
    Router::new()
        .route("/oauth/authorize", get(kit::authorize::<StravaFake>))
        .route(
            "/oauth/authorize/decision",
            post(kit::decision::<StravaFake>),
        )
        .route("/oauth/token", post(token))
        .route("/api/v3/oauth/token", post(token))
        .route("/oauth/deauthorize", post(deauthorize))
        .route("/api/v3/athlete", get(athlete))
        .route("/api/v3/athlete/activities", get(activities))
        .route("/api/v3/activities/{id}", get(activity))
        .route("/api/v3/activities/{id}/streams", get(streams))
        .route(
            "/__sandbox/faults",
            get(kit::get_faults::<StravaFake>).put(kit::put_faults::<StravaFake>),
        )
        .with_state(fake)
}

fn fault(status: StatusCode, message: &str, resource: &str, field: &str, code: &str) -> Response {
    (
        status,
        Json(json!({"message": message, "errors": [{"resource": resource, "field": field, "code": code}]})),
    )
        .into_response()
}

fn token_error(e: OAuthError, refreshing: bool) -> Response {
    match e.error {
        "invalid_client" => fault(
            StatusCode::UNAUTHORIZED,
            "Bad Request",
            "Application",
            "client_secret",
            "invalid",
        ),
        "unsupported_grant_type" => fault(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "RequestToken",
            "grant_type",
            "invalid",
        ),
        _ if refreshing => fault(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "RefreshToken",
            "refresh_token",
            "invalid",
        ),
        _ => fault(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "RequestToken",
            "code",
            "invalid",
        ),
    }
}

async fn token(
    State(f): State<Arc<StravaFake>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    // Documented "in query"; the examples post form fields. Both are accepted.
    let form = kit::params(q.as_deref(), &body);
    let refreshing = form.get("grant_type").map(String::as_str) == Some("refresh_token");
    match kit::token_grant(&f.auth, &headers, &form) {
        Ok(t) => {
            let now = chrono::Utc::now().timestamp();
            let mut body = json!({
                "token_type": "Bearer",
                "expires_at": now + t.expires_in,
                "expires_in": t.expires_in,
                "refresh_token": t.refresh_token,
                "access_token": t.access_token,
            });
            if !refreshing {
                body["athlete"] = athlete_json(&t.account, 2);
            }
            Json(body).into_response()
        }
        Err(e) => token_error(e, refreshing),
    }
}

async fn deauthorize(
    State(f): State<Arc<StravaFake>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let form = kit::params(q.as_deref(), &body);
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::to_string);
    let Some(token) = form.get("access_token").cloned().or(bearer) else {
        return unauthorized();
    };
    match f.auth.check_bearer(Some(&format!("Bearer {token}"))) {
        Ok(g) => {
            f.auth.revoke_account(&g.client_id, &g.account.id);
            Json(json!({"access_token": token})).into_response()
        }
        Err(_) => unauthorized(),
    }
}

fn unauthorized() -> Response {
    fault(
        StatusCode::UNAUTHORIZED,
        "Authorization Error",
        "Athlete",
        "access_token",
        "invalid",
    )
}

/// Rate-limit headers on every API answer; at the limit when the fault switch is on.
fn with_limits(f: &StravaFake, mut r: Response, limited: bool) -> Response {
    let n = f.served.fetch_add(1, Ordering::Relaxed) + 1;
    let (u15, uday) = if limited {
        (READ_LIMITS.0, READ_LIMITS.0 + n)
    } else {
        (n % READ_LIMITS.0, n)
    };
    let h = r.headers_mut();
    let mut put = |k: &'static str, v: String| {
        h.insert(k, HeaderValue::from_str(&v).unwrap());
    };
    put("x-ratelimit-limit", format!("{},{}", LIMITS.0, LIMITS.1));
    put("x-ratelimit-usage", format!("{u15},{uday}"));
    put(
        "x-readratelimit-limit",
        format!("{},{}", READ_LIMITS.0, READ_LIMITS.1),
    );
    put("x-readratelimit-usage", format!("{u15},{uday}"));
    r
}

async fn guarded(
    f: &StravaFake,
    headers: &HeaderMap,
    scope: Option<&str>,
    render: impl FnOnce(&Account) -> Response,
) -> Response {
    let grant = match kit::gate(&f.auth, headers, None).await {
        Ok(g) => g,
        Err(Refusal::Unauthorized(_)) => return with_limits(f, unauthorized(), false),
        Err(Refusal::Forbidden) => unreachable!("no scope passed to the gate"),
        Err(Refusal::Fault(DataFault::RateLimited(_))) => {
            return with_limits(
                f,
                fault(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Rate Limit Exceeded",
                    "Application",
                    "rate limit",
                    "exceeded",
                ),
                true,
            )
        }
        Err(Refusal::Fault(DataFault::ServerError)) => {
            return with_limits(
                f,
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({"message": "Internal Server Error", "errors": []})),
                )
                    .into_response(),
                false,
            )
        }
        Err(Refusal::Fault(_)) => return with_limits(f, kit::truncated_json(), false),
    };
    // activity:read_all includes activity:read.
    if let Some(s) = scope {
        let ok = grant
            .scopes
            .iter()
            .any(|g| g == s || (s == "activity:read" && g == "activity:read_all"));
        if !ok {
            return with_limits(
                f,
                fault(
                    StatusCode::UNAUTHORIZED,
                    "Authorization Error",
                    "AccessToken",
                    &format!("{}_permission", s),
                    "missing",
                ),
                false,
            );
        }
    }
    with_limits(f, render(&grant.account), false)
}

fn athlete_json(acct: &Account, resource_state: u8) -> Value {
    let seed = kit::numeric_id(acct);
    json!({
        "id": seed,
        "resource_state": resource_state,
        "username": acct.login,
        "firstname": "Sandbox",
        "lastname": acct.login,
        "city": "Lisbon",
        "country": "Portugal",
        "sex": if seed.is_multiple_of(2) { "F" } else { "M" },
        "premium": false,
        "created_at": "2017-11-14T02:30:05Z",
        "updated_at": "2026-02-06T19:32:20Z",
        "weight": 55.0 + (seed % 400) as f64 / 10.0,
    })
}

async fn athlete(State(f): State<Arc<StravaFake>>, headers: HeaderMap) -> Response {
    guarded(&f, &headers, Some("read"), |a| {
        Json(athlete_json(a, 3)).into_response()
    })
    .await
}

/// A stable int64 id that encodes the local day and the workout number.
pub fn activity_id(day: NaiveDate, n: u32) -> i64 {
    10_000_000_000 + day.num_days_from_ce() as i64 * 10 + n as i64
}

fn day_of(id: i64) -> Option<(NaiveDate, u32)> {
    let rest = id.checked_sub(10_000_000_000)?;
    let day = NaiveDate::from_num_days_from_ce_opt((rest / 10) as i32)?;
    Some((day, (rest % 10) as u32))
}

fn sport_type(activity: &str) -> &'static str {
    match activity {
        "walking" => "Walk",
        "running" => "Run",
        "cycling" => "Ride",
        "yoga" => "Yoga",
        _ => "WeightTraining",
    }
}

/// Heart rate every 5 seconds over a workout: (seconds from the start, bpm).
pub fn heart_rate_stream(acct: &Account, day: NaiveDate, w: &Workout) -> Vec<(i64, i64)> {
    let mut rng = acct.rng("strava-hr", day);
    let len = w.end - w.start;
    (0..=len / 5)
        .map(|i| {
            let t = i * 5;
            let warm = (t as f64 / 300.0).min(1.0);
            let bpm = 90.0 + (w.avg_hr - 90.0) * warm + rng.gen_range(-6.0..6.0);
            (t, bpm.round() as i64)
        })
        .collect()
}

fn summary(acct: &Account, day: NaiveDate, w: &Workout) -> Value {
    let moving = w.end - w.start;
    let hr = heart_rate_stream(acct, day, w);
    let max_hr = hr.iter().map(|x| x.1).max().unwrap_or(0);
    let avg_hr = hr.iter().map(|x| x.1).sum::<i64>() as f64 / hr.len().max(1) as f64;
    let tz = acct.tz();
    let local_start = chrono::TimeZone::timestamp_opt(&tz, w.start, 0).unwrap();
    let kind = sport_type(w.activity);
    let mut s = json!({
        "resource_state": 2,
        "athlete": {"id": kit::numeric_id(acct), "resource_state": 1},
        "id": activity_id(day, w.n),
        "name": format!("Afternoon {}", kind),
        "type": kind,
        "sport_type": kind,
        "start_date": kit::utc_z(w.start),
        "start_date_local": format!("{}Z", local_start.format("%Y-%m-%dT%H:%M:%S")),
        "timezone": format!("(GMT{}) Etc/Sandbox", kit::offset_string(acct)),
        "utc_offset": acct.utc_offset_secs as f64,
        "distance": w.distance.unwrap_or(0.0),
        "moving_time": moving,
        "elapsed_time": moving + 60,
        "total_elevation_gain": if w.distance.is_some() { 24.0 } else { 0.0 },
        "average_speed": w.distance.map(|d| ((d / moving as f64) * 1000.0).round() / 1000.0).unwrap_or(0.0),
        "max_speed": w.distance.map(|d| ((d / moving as f64) * 1300.0).round() / 1000.0).unwrap_or(0.0),
        "has_heartrate": true,
        "average_heartrate": (avg_hr * 10.0).round() / 10.0,
        "max_heartrate": max_hr as f64,
        "manual": w.source == "manual",
        "trainer": false,
        "commute": false,
        "private": false,
        "map": {"id": format!("a{}", activity_id(day, w.n)), "summary_polyline": if w.distance.is_some() { json!("ki{eF~yzdP") } else { Value::Null }},
    });
    // `kilojoules` is documented "Rides only": the work done, at ~24% efficiency ≈ the kcal.
    if kind == "Ride" {
        s["kilojoules"] = json!((w.calories * 4.184 * 0.24 * 10.0).round() / 10.0);
    }
    s
}

fn bad_param(field: &str) -> Response {
    fault(
        StatusCode::BAD_REQUEST,
        "Bad Request",
        "Application",
        field,
        "invalid",
    )
}

async fn activities(
    State(f): State<Arc<StravaFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let num = |k: &str| q.get(k).map(|v| v.parse::<i64>().map_err(|_| bad_param(k)));
    let after = match num("after").transpose() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let before = match num("before").transpose() {
        Ok(v) => v,
        Err(r) => return r,
    };
    let page = match num("page").transpose() {
        Ok(v) => v.unwrap_or(1).max(1) as usize,
        Err(r) => return r,
    };
    let per_page = match num("per_page").transpose() {
        Ok(v) => v.unwrap_or(30).clamp(1, 200) as usize,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    guarded(&f, &headers, Some("activity:read"), |acct| {
        let from = after.unwrap_or(now - 730 * 86400).max(now - 730 * 86400);
        let to = before.unwrap_or(now).min(now);
        let mut all = vec![];
        let mut day = chrono::TimeZone::timestamp_opt(&acct.tz(), from, 0)
            .unwrap()
            .date_naive()
            - Duration::days(1);
        let last = chrono::TimeZone::timestamp_opt(&acct.tz(), to, 0)
            .unwrap()
            .date_naive();
        while day <= last {
            for w in synth::workouts(acct, day) {
                if w.start > from && w.start < to && w.end <= now {
                    all.push((w.start, summary(acct, day, &w)));
                }
            }
            day += Duration::days(1);
        }
        // Ascending with `after`, newest first otherwise (as clients observe).
        if after.is_none() {
            all.reverse();
        }
        let items: Vec<Value> = all
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|x| x.1)
            .collect();
        Json(items).into_response()
    })
    .await
}

fn find(acct: &Account, id: &str, now: i64) -> Option<(NaiveDate, Workout)> {
    let (day, n) = day_of(id.parse().ok()?)?;
    synth::workouts(acct, day)
        .into_iter()
        .find(|w| w.n == n && w.end <= now)
        .map(|w| (day, w))
}

fn not_found() -> Response {
    fault(
        StatusCode::NOT_FOUND,
        "Record Not Found",
        "Activity",
        "id",
        "invalid",
    )
}

async fn activity(
    State(f): State<Arc<StravaFake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = f.clock.now().timestamp();
    guarded(&f, &headers, Some("activity:read"), |acct| {
        match find(acct, &id, now) {
            Some((day, w)) => {
                let mut s = summary(acct, day, &w);
                s["resource_state"] = json!(3);
                s["calories"] = json!(w.calories);
                Json(s).into_response()
            }
            None => not_found(),
        }
    })
    .await
}

async fn streams(
    State(f): State<Arc<StravaFake>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let now = f.clock.now().timestamp();
    let keys: Vec<String> = q
        .get("keys")
        .map(|k| k.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    let by_type = q.get("key_by_type").map(String::as_str) == Some("true");
    guarded(&f, &headers, Some("activity:read"), |acct| {
        let Some((day, w)) = find(acct, &id, now) else {
            return not_found();
        };
        let hr = heart_rate_stream(acct, day, &w);
        let speed = w.distance.map(|d| d / (w.end - w.start) as f64).unwrap_or(0.0);
        let stream = |data: Vec<Value>| {
            json!({"data": data, "series_type": "distance", "original_size": hr.len(), "resolution": "high"})
        };
        let mut out = serde_json::Map::new();
        // Strava also returns `distance` whatever was asked for.
        out.insert(
            "distance".into(),
            stream(hr.iter().map(|(t, _)| json!((*t as f64 * speed * 10.0).round() / 10.0)).collect()),
        );
        for k in &keys {
            match k.as_str() {
                "time" => {
                    out.insert("time".into(), stream(hr.iter().map(|(t, _)| json!(t)).collect()));
                }
                "heartrate" => {
                    out.insert("heartrate".into(), stream(hr.iter().map(|(_, b)| json!(b)).collect()));
                }
                _ => {}
            }
        }
        if by_type {
            Json(Value::Object(out)).into_response()
        } else {
            let list: Vec<Value> = out
                .into_iter()
                .map(|(k, mut v)| {
                    v["type"] = json!(k);
                    v
                })
                .collect();
            Json(list).into_response()
        }
    })
    .await
}
