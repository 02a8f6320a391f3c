//! A faithful fake of the Google Health API v4 and Google OAuth for desktop apps.
//!
//! OAuth: any loopback port, PKCE verified when sent, client secret in the body or Basic,
//! refresh tokens that stay valid and are not sent again, `POST /revoke` for the whole grant,
//! RFC 6749 error bodies. Data: `users/me/dataTypes/{kebab-type}/dataPoints` with AIP-160
//! filters on snake_case fields (only `>=` and `<` joined by `AND`), newest first, `pageSize`
//! (sleep and exercise at most 25, others 10,000), `pageToken`/`nextPageToken`, int64 values
//! as strings, durations as `"Ns"`, Google's `{"error": {code, message, status}}` bodies.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{DateTime, Duration, NaiveDate, TimeZone};
use rand::Rng;
use serde_json::{json, Value};

use super::faults::{DataFault, FaultState};
use super::kit::{self, FakeBase, Refusal};
use super::oauth_server::{AuthServer, ClientReg, Pkce, RefreshRule, Rules};
use super::synth::{self, Account};
use vital_link_core::clock::Clock;
use vital_link_core::providers::google_health::SCOPE_PREFIX;

pub const CLIENT_ID: &str = "sandbox-health.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "GOCSPX-sandbox-google-health";
pub const SCOPES: [&str; 6] = [
    "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly",
    "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly",
    "https://www.googleapis.com/auth/googlehealth.sleep.readonly",
    "https://www.googleapis.com/auth/googlehealth.profile.readonly",
    "https://www.googleapis.com/auth/googlehealth.settings.readonly",
    "https://www.googleapis.com/auth/googlehealth.location.readonly",
];

pub struct GoogleFake {
    pub auth: AuthServer,
    pub clock: Clock,
}

impl FakeBase for GoogleFake {
    fn auth(&self) -> &AuthServer {
        &self.auth
    }
    fn brand(&self) -> (&'static str, &'static str) {
        ("Google Health", "#4285f4")
    }
}

pub fn new_fake(
    clock: Clock,
    faults: Arc<FaultState>,
    state_file: Option<std::path::PathBuf>,
) -> Arc<GoogleFake> {
    Arc::new(GoogleFake {
        auth: AuthServer::new(
            vec![ClientReg {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec!["http://127.0.0.1/callback".into()],
            }],
            Rules {
                access_ttl_secs: 3599,
                code_ttl_secs: 600,
                all_scopes: SCOPES.to_vec(),
                refresh: RefreshRule::Reuse,
                pkce: Pkce::VerifiedWhenSent,
                redirect_mismatch_error: "redirect_uri_mismatch",
                ..Rules::default()
            },
            faults,
            state_file,
        ),
        clock,
    })
}

pub fn router(fake: Arc<GoogleFake>) -> Router {
    Router::new()
        .route("/o/oauth2/v2/auth", get(kit::authorize::<GoogleFake>))
        .route(
            "/oauth/authorize/decision",
            post(kit::decision::<GoogleFake>),
        )
        .route("/token", post(token))
        .route("/revoke", post(revoke))
        .route("/v4/users/me/identity", get(identity))
        .route("/v4/users/me/dataTypes/{kind}/dataPoints", get(list))
        .route(
            "/__sandbox/faults",
            get(kit::get_faults::<GoogleFake>).put(kit::put_faults::<GoogleFake>),
        )
        .with_state(fake)
}

async fn token(
    State(f): State<Arc<GoogleFake>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match kit::token_grant(&f.auth, &headers, &form) {
        Ok(t) => {
            let mut v = json!({
                "access_token": t.access_token,
                "expires_in": t.expires_in,
                "scope": t.scopes.join(" "),
                "token_type": "Bearer",
            });
            if let Some(r) = t.refresh_token {
                v["refresh_token"] = json!(r);
            }
            Json(v).into_response()
        }
        Err(e) => kit::oauth_error(e),
    }
}

async fn revoke(
    State(f): State<Arc<GoogleFake>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match form.get("token").and_then(|t| f.auth.grant_of(t)) {
        Some(g) => {
            f.auth.revoke_account(&g.client_id, &g.account.id);
            Json(json!({})).into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": "invalid_token", "error_description": "Token expired or revoked"}),
            ),
        )
            .into_response(),
    }
}

fn error(code: u16, status: &str, message: &str) -> Response {
    (
        StatusCode::from_u16(code).unwrap(),
        Json(json!({"error": {"code": code, "message": message, "status": status}})),
    )
        .into_response()
}

async fn gate(
    f: &GoogleFake,
    headers: &HeaderMap,
    scope: Option<&str>,
) -> Result<Account, Response> {
    let full = scope.map(|s| format!("{SCOPE_PREFIX}{s}"));
    match kit::gate(&f.auth, headers, full.as_deref()).await {
        Ok(g) => Ok(g.account),
        Err(Refusal::Unauthorized(_)) => Err(error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        )),
        Err(Refusal::Forbidden) => Err(error(
            403,
            "PERMISSION_DENIED",
            "Request had insufficient authentication scopes.",
        )),
        Err(Refusal::Fault(DataFault::RateLimited(_))) => Err(error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Requests per minute per user'.",
        )),
        Err(Refusal::Fault(DataFault::ServerError)) => {
            Err(error(500, "INTERNAL", "Internal error encountered."))
        }
        Err(Refusal::Fault(_)) => Err(kit::truncated_json()),
    }
}

async fn identity(State(f): State<Arc<GoogleFake>>, headers: HeaderMap) -> Response {
    match gate(&f, &headers, None).await {
        Ok(a) => Json(json!({"name": "users/me/identity", "healthUserId": format!("hu-{}", a.id), "legacyUserId": format!("{:X}", kit::numeric_id(&a))})).into_response(),
        Err(r) => r,
    }
}

fn secs(s: i64) -> String {
    format!("{s}s")
}

/// Hourly step counts from 07:00 to 23:00 local that add up to the day's steps: (start, count).
pub fn steps_of(acct: &Account, day: NaiveDate) -> Vec<(i64, i64)> {
    let total = synth::activity(acct, day).steps;
    let mut rng = acct.rng("google-steps", day);
    let weights: Vec<u32> = (0..16).map(|_| rng.gen_range(1..10)).collect();
    let sum: u32 = weights.iter().sum();
    let mut left = total;
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let n = if i == 15 {
                left
            } else {
                total * *w as i64 / sum as i64
            };
            left -= n;
            (acct.day_start(day) + (7 + i as i64) * 3600, n)
        })
        .collect()
}

/// (time the filter applies to, data point) of `kind` for local `day`, existing by `now`.
fn points(acct: &Account, kind: &str, day: NaiveDate, now: i64) -> Vec<(i64, Value)> {
    let off = acct.utc_offset_secs as i64;
    let interval = |s: i64, e: i64| json!({"startTime": kit::utc_z(s), "endTime": kit::utc_z(e), "startUtcOffset": secs(off), "endUtcOffset": secs(off)});
    let source = json!({"platform": "FITBIT", "recordingMethod": "PASSIVELY_MEASURED", "device": {"manufacturer": "Google", "displayName": "Pixel Watch 3"}});
    match kind {
        "heart-rate" => synth::heart_rate(acct, day)
            .into_iter()
            .filter(|(t, _, _)| *t <= now)
            .map(|(t, b, _)| (t, json!({"heartRate": {"beatsPerMinute": b.to_string(), "sampleTime": {"physicalTime": kit::utc_z(t), "utcOffset": secs(off)}, "metadata": {"sensorLocation": "WRIST"}}, "dataSource": source})))
            .collect(),
        "steps" => steps_of(acct, day)
            .into_iter()
            .filter(|(s, _)| s + 3600 <= now)
            .map(|(s, n)| (s, json!({"steps": {"count": n.to_string(), "interval": interval(s, s + 3600)}, "dataSource": source})))
            .collect(),
        "sleep" => synth::sleeps(acct, day)
            .into_iter()
            .enumerate()
            .filter(|(_, n)| n.end() <= now)
            .map(|(i, n)| {
                let stages: Vec<Value> = ["DEEP", "LIGHT", "REM", "AWAKE"]
                    .iter()
                    .zip([1u8, 2, 3, 4])
                    .map(|(name, code)| json!({"type": name, "minutes": (n.seconds_in(code) / 60).to_string(), "count": n.blocks.windows(2).filter(|w| w[0] != code && w[1] == code).count().to_string()}))
                    .collect();
                (n.end(), json!({
                    "name": format!("users/me/dataTypes/sleep/dataPoints/{}", acct.doc_id("google-sleep", day, i as u32)),
                    "sleep": {"type": "STAGES", "interval": interval(n.start, n.end()),
                        "summary": {"minutesAsleep": (n.total_sleep() / 60).to_string(), "minutesAwake": (n.seconds_in(4) / 60).to_string(),
                                    "minutesInSleepPeriod": (n.blocks.len() * 5).to_string(), "minutesToFallAsleep": (n.latency() / 60).to_string(),
                                    "minutesAfterWakeUp": "10", "stagesSummary": stages},
                        "metadata": {"nap": n.is_nap, "processed": true, "manuallyEdited": false, "stagesStatus": "SUCCEEDED"}},
                    "dataSource": source,
                }))
            })
            .collect(),
        "exercise" => synth::workouts(acct, day)
            .into_iter()
            .filter(|w| w.end <= now)
            .map(|w| (w.start, json!({
                "name": format!("users/me/dataTypes/exercise/dataPoints/{}", acct.doc_id("google-exercise", day, w.n)),
                "exercise": {"displayName": w.activity, "exerciseType": w.activity.to_ascii_uppercase(), "interval": interval(w.start, w.end),
                    "activeDuration": secs(w.end - w.start), "exerciseMetadata": {"hasGps": w.distance.is_some()},
                    "metricsSummary": {"caloriesKcal": w.calories, "distanceMillimeters": w.distance.map(|d| ((d * 1000.0).round() as i64).to_string()),
                                       "averageHeartRateBeatsPerMinute": (w.avg_hr as i64).to_string()}},
                "dataSource": source,
            })))
            .collect(),
        "weight" => synth::weighing(acct, day)
            .filter(|w| w.t <= now)
            .map(|w| (w.t, json!({
                "name": format!("users/me/dataTypes/weight/dataPoints/{}", acct.doc_id("google-weight", day, 0)),
                "weight": {"weightGrams": (w.kg * 1000.0).round(), "sampleTime": {"physicalTime": kit::utc_z(w.t), "utcOffset": secs(off)}},
                "dataSource": {"platform": "FITBIT", "recordingMethod": "AUTOMATICALLY_MEASURED", "device": {"displayName": "Aria Air"}},
            })))
            .into_iter()
            .collect(),
        _ => vec![],
    }
}

/// (snake type, filtered field, scope suffix, default and max page size).
fn kind_info(
    kind: &str,
) -> Option<(
    &'static str,
    &'static [&'static str],
    &'static str,
    usize,
    usize,
)> {
    Some(match kind {
        "heart-rate" => (
            "heart_rate",
            &["sample_time.physical_time"],
            "health_metrics_and_measurements.readonly",
            1440,
            10_000,
        ),
        "weight" => (
            "weight",
            &["sample_time.physical_time"],
            "health_metrics_and_measurements.readonly",
            1440,
            10_000,
        ),
        "steps" => (
            "steps",
            &["interval.start_time"],
            "activity_and_fitness.readonly",
            1440,
            10_000,
        ),
        "exercise" => (
            "exercise",
            &["interval.start_time"],
            "activity_and_fitness.readonly",
            25,
            25,
        ),
        "sleep" => ("sleep", &["interval.end_time"], "sleep.readonly", 25, 25),
        _ => return None,
    })
}

/// Parses `x >= "t1" AND x < "t2"` (AIP-160, the subset Google supports): (from, to).
fn parse_filter(
    filter: &str,
    snake: &str,
    fields: &[&str],
) -> Result<(Option<i64>, Option<i64>), String> {
    let (mut from, mut to) = (None, None);
    for clause in filter.split(" AND ") {
        let parts: Vec<&str> = clause.trim().splitn(3, ' ').collect();
        let [field, op, value] = parts[..] else {
            return Err(format!("cannot parse filter clause {clause:?}"));
        };
        let Some(f) = field.strip_prefix(&format!("{snake}.")) else {
            return Err(format!(
                "filter field {field:?} does not belong to data type {snake}"
            ));
        };
        if !fields.contains(&f) {
            return Err(format!("filtering on {field:?} is not supported"));
        }
        let t = DateTime::parse_from_rfc3339(value.trim_matches('"'))
            .map_err(|_| format!("{value} is not an RFC 3339 timestamp"))?
            .timestamp();
        match op {
            ">=" => from = Some(t),
            "<" => to = Some(t),
            other => return Err(format!("operator {other} is not supported; use >= and <")),
        }
    }
    Ok((from, to))
}

async fn list(
    State(f): State<Arc<GoogleFake>>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some((snake, fields, scope, default_size, max_size)) = kind_info(&kind) else {
        return error(
            404,
            "NOT_FOUND",
            &format!("Data type {kind} is not supported."),
        );
    };
    let acct = match gate(&f, &headers, Some(scope)).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let (from, to) = match q.get("filter").filter(|f| !f.trim().is_empty()) {
        None => (None, None),
        Some(filter) => match parse_filter(filter, snake, fields) {
            Ok(x) => x,
            Err(m) => return error(400, "INVALID_ARGUMENT", &m),
        },
    };
    let size = match q.get("pageSize").map(|s| s.parse::<usize>()) {
        None => default_size,
        Some(Ok(n)) if n >= 1 => n.min(max_size),
        _ => {
            return error(
                400,
                "INVALID_ARGUMENT",
                "pageSize must be a positive integer",
            )
        }
    };
    let from = from.unwrap_or(now - 30 * 86400);
    let to = to.unwrap_or(now + 1);
    let mut all = vec![];
    let mut d = acct.tz().timestamp_opt(from, 0).unwrap().date_naive() - Duration::days(1);
    let last = acct
        .tz()
        .timestamp_opt(to.min(now), 0)
        .unwrap()
        .date_naive()
        + Duration::days(1);
    while d <= last {
        all.extend(
            points(&acct, &kind, d, now)
                .into_iter()
                .filter(|(t, _)| *t >= from && *t < to),
        );
        d += Duration::days(1);
    }
    // Newest first.
    all.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    let key = format!("{kind}|{from}|{to}|{size}");
    let offset = match q.get("pageToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => match kit::page_offset(t, &key) {
            Some(o) => o,
            None => {
                return error(
                    400,
                    "INVALID_ARGUMENT",
                    "The page token is invalid or belongs to another query.",
                )
            }
        },
    };
    let total = all.len();
    let page: Vec<Value> = all
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|x| x.1)
        .collect();
    let next = if offset + size < total {
        kit::page_token(offset + size, &key)
    } else {
        String::new()
    };
    Json(json!({"dataPoints": page, "nextPageToken": next})).into_response()
}

/// What `list` serves for `kind` with filter times in `[from, to)` by `now`, for the tests.
pub fn served(acct: &Account, kind: &str, from: i64, to: i64, now: i64) -> Vec<Value> {
    let mut all = vec![];
    let mut d = acct.tz().timestamp_opt(from, 0).unwrap().date_naive() - Duration::days(1);
    let last = acct
        .tz()
        .timestamp_opt(to.min(now), 0)
        .unwrap()
        .date_naive()
        + Duration::days(1);
    while d <= last {
        all.extend(
            points(acct, kind, d, now)
                .into_iter()
                .filter(|(t, _)| *t >= from && *t < to)
                .map(|x| x.1),
        );
        d += Duration::days(1);
    }
    all
}
