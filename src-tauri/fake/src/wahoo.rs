//! A faithful fake of the Wahoo Cloud API and its OAuth, for the sandbox and the tests.
//!
//! Client secret in the body (PKCE verified when sent), 2-hour tokens with `created_at`,
//! single-use refresh tokens, the previous access token valid until the new one is used, at
//! most 10 unrevoked access tokens per user and app ("Too many unrevoked access tokens..."),
//! `/v1/workouts` newest first with `page`/`per_page` (max 100) and no date filter, summary
//! numbers as strings, `{"error": ...}` bodies, `X-RateLimit-*` with three windows,
//! `DELETE /v1/permissions`. Registered redirect URIs: an https page and, for the sandbox, the
//! loopback.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Value};

use super::faults::{DataFault, FaultState};
use super::kit::{self, FakeBase, Refusal};
use super::oauth_server::{AuthServer, ClientAuthRule, ClientReg, Pkce, Rules};
use super::synth::{self, Account, Workout};
use vital_link_core::clock::Clock;

pub const CLIENT_ID: &str = "sandbox-wahoo-client";
pub const CLIENT_SECRET: &str = "sandbox-wahoo-secret";
pub const FORWARD_URI: &str = "https://link.vitallink.example/wahoo/callback";
pub const SCOPES: [&str; 11] = [
    "email",
    "user_read",
    "user_write",
    "workouts_read",
    "workouts_write",
    "offline_data",
    "plans_read",
    "plans_write",
    "power_zones_read",
    "power_zones_write",
    "routes_read",
];
pub const MAX_TOKENS: usize = 10;

pub struct WahooFake {
    pub auth: AuthServer,
    pub clock: Clock,
}

impl FakeBase for WahooFake {
    fn auth(&self) -> &AuthServer {
        &self.auth
    }
    fn brand(&self) -> (&'static str, &'static str) {
        ("Wahoo", "#0050a0")
    }
}

pub fn new_fake(
    clock: Clock,
    faults: Arc<FaultState>,
    state_file: Option<std::path::PathBuf>,
) -> Arc<WahooFake> {
    Arc::new(WahooFake {
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
                access_ttl_secs: 7200,
                code_ttl_secs: 600,
                all_scopes: SCOPES.to_vec(),
                pkce: Pkce::VerifiedWhenSent,
                client_auth: ClientAuthRule::BodyOnly,
                retire_old_access_on_use: true,
                max_live_access: Some(MAX_TOKENS),
                ..Rules::default()
            },
            faults,
            state_file,
        ),
        clock,
    })
}

pub fn router(fake: Arc<WahooFake>) -> Router {
    Router::new()
        .route("/oauth/authorize", get(kit::authorize::<WahooFake>))
        .route(
            "/oauth/authorize/decision",
            post(kit::decision::<WahooFake>),
        )
        .route("/oauth/token", post(token))
        .route("/v1/user", get(user))
        .route("/v1/workouts", get(workouts))
        .route("/v1/permissions", delete(permissions))
        .route(
            "/__sandbox/faults",
            get(kit::get_faults::<WahooFake>).put(kit::put_faults::<WahooFake>),
        )
        .with_state(fake)
}

async fn token(
    State(f): State<Arc<WahooFake>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match kit::token_grant(&f.auth, &headers, &form) {
        Ok(t) => Json(json!({
            "access_token": t.access_token,
            "token_type": "Bearer",
            "expires_in": t.expires_in,
            "refresh_token": t.refresh_token,
            "scope": t.scopes.join(" "),
            "created_at": chrono::Utc::now().timestamp(),
        }))
        .into_response(),
        Err(e) => kit::oauth_error(e),
    }
}

fn limits(mut r: Response, reset: u64) -> Response {
    let h = r.headers_mut();
    h.insert(
        "x-ratelimit-limit",
        HeaderValue::from_static("250, 100, 25"),
    );
    h.insert(
        "x-ratelimit-remaining",
        HeaderValue::from_static(if reset > 0 {
            "240, 90, 0"
        } else {
            "249, 99, 24"
        }),
    );
    h.insert(
        "x-ratelimit-reset",
        HeaderValue::from_str(&reset.to_string()).unwrap(),
    );
    r
}

fn error(status: StatusCode, msg: &str) -> Response {
    limits((status, Json(json!({"error": msg}))).into_response(), 0)
}

async fn gate(f: &WahooFake, headers: &HeaderMap, scope: &str) -> Result<Account, Response> {
    match kit::gate(&f.auth, headers, Some(scope)).await {
        Ok(g) => Ok(g.account),
        Err(Refusal::Unauthorized(_)) => {
            Err(error(StatusCode::UNAUTHORIZED, "Invalid access token"))
        }
        Err(Refusal::Forbidden) => Err(error(StatusCode::FORBIDDEN, "Insufficient scope")),
        Err(Refusal::Fault(DataFault::RateLimited(s))) => Err(limits(
            (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({"error": "Too many requests"})),
            )
                .into_response(),
            s,
        )),
        Err(Refusal::Fault(DataFault::ServerError)) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        )),
        Err(Refusal::Fault(_)) => Err(kit::truncated_json()),
    }
}

async fn user(State(f): State<Arc<WahooFake>>, headers: HeaderMap) -> Response {
    match gate(&f, &headers, "user_read").await {
        Ok(a) => limits(Json(json!({"id": kit::numeric_id(&a), "first": "Sandbox", "last": a.login, "height": "1.80", "weight": "72.0", "gender": 1, "created_at": "2020-01-01T00:00:00.000Z"})).into_response(), 0),
        Err(r) => r,
    }
}

pub fn workout_type_id(activity: &str) -> i64 {
    match activity {
        "cycling" => 0,
        "running" => 1,
        "walking" => 6,
        _ => 255,
    }
}

/// Every workout the account has finished by `now` (two years), newest first.
pub fn all_workouts(acct: &Account, now: i64) -> Vec<(NaiveDate, Workout)> {
    let today = f_today(acct, now);
    let mut out = vec![];
    for i in 0..730 {
        let d = today - Duration::days(i);
        let mut ws: Vec<_> = synth::workouts(acct, d)
            .into_iter()
            .filter(|w| w.end <= now)
            .collect();
        ws.reverse();
        out.extend(ws.into_iter().map(|w| (d, w)));
    }
    out
}

fn f_today(acct: &Account, now: i64) -> NaiveDate {
    chrono::TimeZone::timestamp_opt(&acct.tz(), now, 0)
        .unwrap()
        .date_naive()
}

fn workout_json(acct: &Account, d: NaiveDate, w: &Workout) -> Value {
    let id = d.num_days_from_ce() as i64 * 10 + w.n as i64;
    let dur = w.end - w.start;
    let s = |x: f64| format!("{x:.1}");
    json!({
        "id": id, "name": format!("{} workout", w.activity), "starts": kit::utc_ms_z(w.start), "minutes": dur / 60,
        "workout_type_id": workout_type_id(w.activity), "workout_token": "ELEMNT BOLT A1B2:301",
        "plan_id": Value::Null, "route_id": Value::Null,
        "created_at": kit::utc_ms_z(w.end + 300), "updated_at": kit::utc_ms_z(w.end + 305),
        "workout_summary": {
            "id": id + 7, "started_at": kit::utc_ms_z(w.start), "time_zone": acct.iana_zone(),
            "ascent_accum": s(12.0), "cadence_avg": Value::Null, "calories_accum": s(w.calories),
            "distance_accum": w.distance.map(|x| format!("{x:.2}")), "duration_active_accum": s(dur as f64 - 30.0),
            "duration_paused_accum": s(30.0), "duration_total_accum": s(dur as f64),
            "heart_rate_avg": s(w.avg_hr), "power_avg": if w.activity == "cycling" { json!("193.0") } else { json!("--") },
            "speed_avg": w.distance.map(|x| format!("{:.2}", x / dur as f64)),
            "file": {"url": format!("https://cdn.wahooligan.example/{id}.fit")},
            "created_at": kit::utc_ms_z(w.end + 300), "updated_at": kit::utc_ms_z(w.end + 305),
        },
    })
}

async fn workouts(
    State(f): State<Arc<WahooFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers, "workouts_read").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let num = |k: &str, d: usize| q.get(k).map(|v| v.parse::<usize>()).unwrap_or(Ok(d));
    let (Ok(page), Ok(per_page)) = (num("page", 1), num("per_page", 30)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "page and per_page must be integers",
        );
    };
    let (page, per_page) = (page.max(1), per_page.clamp(1, 100));
    let all = all_workouts(&acct, f.clock.now().timestamp());
    let total = all.len();
    let items: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|(d, w)| workout_json(&acct, *d, w))
        .collect();
    limits(Json(json!({"workouts": items, "total": total, "page": page, "per_page": per_page, "order": "descending", "sort": "starts"})).into_response(), 0)
}

async fn permissions(State(f): State<Arc<WahooFake>>, headers: HeaderMap) -> Response {
    match f
        .auth
        .check_bearer(headers.get("authorization").and_then(|v| v.to_str().ok()))
    {
        Ok(g) => {
            f.auth.revoke_account(&g.client_id, &g.account.id);
            limits(
                Json(json!({"success": "Application has been revoked"})).into_response(),
                0,
            )
        }
        Err(_) => error(StatusCode::UNAUTHORIZED, "Invalid access token"),
    }
}
