//! A faithful fake of the Dexcom API v3 sandbox and its OAuth, for the sandbox and the tests.
//!
//! OAuth under `/v2/oauth2` (login page where a simulated user is picked, token with the client
//! secret in the body, scope `offline_access`, 2-hour tokens, rotating refresh tokens, RFC 6749
//! errors), data under `/v3/users/self`: `egvs` every five minutes with `startDate`/`endDate`
//! without offset (at most 30 days, both required), `dataRange`, Apigee-style 401 faults, 429.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::faults::{DataFault, FaultState};
use super::kit::{self, FakeBase, Refusal};
use super::oauth_server::{AuthServer, ClientAuthRule, ClientReg, Pkce, Rules};
use super::synth::{self, Account};
use vital_link_core::clock::Clock;

pub const CLIENT_ID: &str = "sandbox-dexcom-client";
pub const CLIENT_SECRET: &str = "sandbox-dexcom-secret";
pub const REDIRECT_URI: &str = "http://127.0.0.1:8754/callback";
pub const MAX_DAYS: i64 = 30;

pub struct DexcomFake {
    pub auth: AuthServer,
    pub clock: Clock,
}

impl FakeBase for DexcomFake {
    fn auth(&self) -> &AuthServer {
        &self.auth
    }
    fn brand(&self) -> (&'static str, &'static str) {
        ("Dexcom", "#58a618")
    }
}

pub fn new_fake(
    clock: Clock,
    faults: Arc<FaultState>,
    state_file: Option<std::path::PathBuf>,
) -> Arc<DexcomFake> {
    Arc::new(DexcomFake {
        auth: AuthServer::new(
            vec![ClientReg {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec![REDIRECT_URI.into()],
            }],
            Rules {
                access_ttl_secs: 7200,
                code_ttl_secs: 600,
                all_scopes: vec!["offline_access"],
                pkce: Pkce::Ignored,
                client_auth: ClientAuthRule::BodyOnly,
                ..Rules::default()
            },
            faults,
            state_file,
        ),
        clock,
    })
}

pub fn router(fake: Arc<DexcomFake>) -> Router {
    Router::new()
        .route("/v2/oauth2/login", get(kit::authorize::<DexcomFake>))
        .route(
            "/oauth/authorize/decision",
            post(kit::decision::<DexcomFake>),
        )
        .route("/v2/oauth2/token", post(token))
        .route("/v3/users/self/egvs", get(egvs))
        .route("/v3/users/self/dataRange", get(data_range))
        .route(
            "/__sandbox/faults",
            get(kit::get_faults::<DexcomFake>).put(kit::put_faults::<DexcomFake>),
        )
        .with_state(fake)
}

async fn token(
    State(f): State<Arc<DexcomFake>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    match kit::token_grant(&f.auth, &headers, &form) {
        Ok(t) => Json(json!({
            "access_token": t.access_token,
            "expires_in": t.expires_in,
            "token_type": "Bearer",
            "refresh_token": t.refresh_token,
        }))
        .into_response(),
        Err(e) => kit::oauth_error(e),
    }
}

fn fault(status: StatusCode, msg: &str, code: &str) -> Response {
    (
        status,
        Json(json!({"fault": {"faultstring": msg, "detail": {"errorcode": code}}})),
    )
        .into_response()
}

async fn gate(f: &DexcomFake, headers: &HeaderMap) -> Result<Account, Response> {
    match kit::gate(&f.auth, headers, Some("offline_access")).await {
        Ok(g) => Ok(g.account),
        Err(Refusal::Unauthorized(_)) | Err(Refusal::Forbidden) => Err(fault(
            StatusCode::UNAUTHORIZED,
            "Invalid Access Token",
            "keymanagement.service.invalid_access_token",
        )),
        // Dexcom documents no rate-limit headers.
        Err(Refusal::Fault(DataFault::RateLimited(_))) => Err(fault(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit quota violation",
            "policies.ratelimit.QuotaViolation",
        )),
        Err(Refusal::Fault(DataFault::ServerError)) => Err(fault(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "internal",
        )),
        Err(Refusal::Fault(_)) => Err(kit::truncated_json()),
    }
}

/// Dexcom's `userId`: per account and per client app.
pub fn user_id(acct: &Account) -> String {
    hex::encode(Sha256::digest(
        format!("{}/{CLIENT_ID}", acct.id).as_bytes(),
    ))
}

fn bad_request(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"errorCode": "InvalidArgument", "message": msg})),
    )
        .into_response()
}

/// The readings with `systemTime` in `[from, to]` (epoch seconds), as the generator makes them.
pub fn readings(acct: &Account, from: i64, to: i64) -> Vec<(NaiveDate, usize, i64, i64)> {
    let mut out = vec![];
    let mut d = acct.tz().timestamp_opt(from, 0).unwrap().date_naive() - Duration::days(1);
    let last = acct.tz().timestamp_opt(to, 0).unwrap().date_naive();
    while d <= last {
        for (i, (t, v)) in synth::glucose(acct, d).into_iter().enumerate() {
            if t >= from && t <= to {
                out.push((d, i, t, v));
            }
        }
        d += Duration::days(1);
    }
    out
}

fn trend(delta: i64) -> (&'static str, f64) {
    let rate = delta as f64 / 5.0;
    let name = match rate {
        r if r >= 3.0 => "doubleUp",
        r if r >= 2.0 => "singleUp",
        r if r >= 1.0 => "fortyFiveUp",
        r if r > -1.0 => "flat",
        r if r > -2.0 => "fortyFiveDown",
        r if r > -3.0 => "singleDown",
        _ => "doubleDown",
    };
    (name, (rate * 10.0).round() / 10.0)
}

async fn egvs(
    State(f): State<Arc<DexcomFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let acct = match gate(&f, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    // Both required, ISO 8601 without an offset.
    let parse = |k: &str| -> Result<i64, Response> {
        let s = q
            .get(k)
            .ok_or_else(|| bad_request(&format!("{k} is required")))?;
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
            .map(|t| t.and_utc().timestamp())
            .map_err(|_| {
                bad_request(&format!(
                    "{k} must be an ISO 8601 date-time without offset (YYYY-MM-DDThh:mm:ss)"
                ))
            })
    };
    let (from, to) = match (parse("startDate"), parse("endDate")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if from > to {
        return bad_request("startDate must be before endDate");
    }
    if to - from > MAX_DAYS * 86400 {
        return bad_request("the date range may not exceed 30 days");
    }
    let now = f.clock.now().timestamp();
    let mut prev: Option<i64> = None;
    let records: Vec<Value> = readings(&acct, from, to.min(now))
        .into_iter()
        .map(|(d, i, t, v)| {
            let (name, rate) = trend(prev.map_or(0, |p| v - p));
            prev = Some(v);
            json!({
                "recordId": acct.doc_id("egv", d, i as u32),
                "systemTime": kit::utc_z(t), "displayTime": kit::local_offset(&acct, t),
                "transmitterId": "a1b2c3", "transmitterTicks": 5_234_501 + (t % 1_000_000),
                "value": v, "status": Value::Null, "trend": name, "trendRate": rate,
                "unit": "mg/dL", "rateUnit": "mg/dL/min", "displayDevice": "android", "transmitterGeneration": "g7",
            })
        })
        .collect();
    Json(json!({"recordType": "egv", "recordVersion": "3.0", "userId": user_id(&acct), "records": records})).into_response()
}

async fn data_range(State(f): State<Arc<DexcomFake>>, headers: HeaderMap) -> Response {
    let acct = match gate(&f, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = f.clock.now().timestamp();
    let start = now - 730 * 86400;
    let pair = |t: i64| json!({"systemTime": kit::local_naive(&Account { utc_offset_secs: 0, ..acct.clone() }, t), "displayTime": kit::local_naive(&acct, t)});
    Json(json!({
        "recordType": "dataRange", "recordVersion": "3.0", "userId": user_id(&acct),
        "calibrations": Value::Null,
        "egvs": {"start": pair(start), "end": pair(now - now % 300)},
        "events": Value::Null,
    }))
    .into_response()
}
