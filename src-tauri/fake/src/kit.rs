//! Pieces every provider fake shares: the consent page and its decision, client credentials
//! from the body or HTTP Basic, parameters from the query or a form body, bearer checks with
//! the fault switches, and time formatting. Each fake adds its provider's own wire format.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use base64::Engine;
use chrono::{TimeZone, Utc};
use serde_json::json;

use super::faults::{DataFault, Faults};
use super::oauth_server::{AuthServer, ClientReg, Grant, IssuedTokens, OAuthError};
use super::synth::Account;
use super::{consent_page, error_page};

/// What a fake must expose for the shared handlers.
pub trait FakeBase: Send + Sync + 'static {
    fn auth(&self) -> &AuthServer;
    /// The provider's display name and the colour of its sandbox tile.
    fn brand(&self) -> (&'static str, &'static str);
}

/// `GET <authorize>`: the consent page, or the error the provider shows or redirects with.
pub async fn authorize<F: FakeBase>(
    State(f): State<Arc<F>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (name, colour) = f.brand();
    match f.auth().begin(&q) {
        Ok((id, req)) => {
            Html(consent_page(name, colour, &id, &req.scopes, &req.login)).into_response()
        }
        Err(Ok(redirect)) => Redirect::to(&redirect).into_response(),
        Err(Err(page)) => {
            (StatusCode::BAD_REQUEST, Html(error_page(name, &page.0))).into_response()
        }
    }
}

/// `POST /oauth/authorize/decision`: the consent form's Allow / Deny.
pub async fn decision<F: FakeBase>(State(f): State<Arc<F>>, body: String) -> Response {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let granted: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let allow = get("action").as_deref() == Some("allow");
    match f
        .auth()
        .decide(&get("request_id").unwrap_or_default(), allow, Some(granted))
    {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Html(error_page(f.brand().0, &e.0))).into_response(),
    }
}

pub async fn get_faults<F: FakeBase>(State(f): State<Arc<F>>) -> Json<Faults> {
    Json(f.auth().faults.get())
}

pub async fn put_faults<F: FakeBase>(
    State(f): State<Arc<F>>,
    Json(faults): Json<Faults>,
) -> Json<Faults> {
    f.auth().faults.set(faults.clone());
    Json(faults)
}

/// `Authorization: Basic` credentials, percent-decoded as RFC 6749 §2.3.1 asks.
pub fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let b64 = v.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    let dec = |x: &str| {
        url::form_urlencoded::parse(format!("x={x}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((dec(id), dec(secret)))
}

/// Parameters from the query string and a form body together (the body wins), for providers
/// that document "in query" but whose own samples post forms (Withings, Strava).
pub fn params(query: Option<&str>, body: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    out.extend(url::form_urlencoded::parse(body.as_bytes()).into_owned());
    out
}

/// All values of a repeated query parameter (`types=hr&types=skin_temp`).
pub fn repeated(query: Option<&str>, key: &str) -> Vec<String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect()
}

/// Authenticates the client and runs the grant; what every token endpoint does before the
/// provider renders the answer in its own shape.
pub fn token_grant(
    auth: &AuthServer,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<IssuedTokens, OAuthError> {
    let client: ClientReg = auth.authenticate(form, basic_auth(headers))?.clone();
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => auth.exchange_code(&client, form),
        Some("refresh_token") => auth.refresh(&client, form),
        _ => Err(OAuthError {
            status: 400,
            error: "unsupported_grant_type",
            description: "grant_type must be authorization_code or refresh_token".into(),
        }),
    }
}

/// RFC 6749 §5.2 error body.
pub fn oauth_error(e: OAuthError) -> Response {
    (
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
        Json(json!({"error": e.error, "error_description": e.description})),
    )
        .into_response()
}

/// Why a data request is refused before the provider looks at it.
pub enum Refusal {
    /// No, unknown, revoked or expired bearer token.
    Unauthorized(&'static str),
    /// A scope the route needs was not granted.
    Forbidden,
    /// A fault switch fired.
    Fault(DataFault),
}

/// Bearer check, scope check and the fault switches, in the order real APIs apply them.
/// `scope` None: any granted scope will do.
pub async fn gate(
    auth: &AuthServer,
    headers: &HeaderMap,
    scope: Option<&str>,
) -> Result<Grant, Refusal> {
    let grant = auth
        .check_bearer(headers.get("authorization").and_then(|v| v.to_str().ok()))
        .map_err(Refusal::Unauthorized)?;
    if let Some(s) = scope {
        if !grant.scopes.iter().any(|g| g == s) {
            return Err(Refusal::Forbidden);
        }
    }
    let (fault, slow) = auth.faults.data_fault();
    if let Some(ms) = slow {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    match fault {
        DataFault::None => Ok(grant),
        f => Err(Refusal::Fault(f)),
    }
}

/// A truncated JSON body, for the `malformed_json` fault.
pub fn truncated_json() -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        "{\"data\": [{\"id\": \"",
    )
        .into_response()
}

/// `2026-11-20T15:00:00Z`.
pub fn utc_z(t: i64) -> String {
    Utc.timestamp_opt(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `2026-11-20T15:00:00.000Z`.
pub fn utc_ms_z(t: i64) -> String {
    Utc.timestamp_opt(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Local wall time of `t` for the account, with its offset: `2026-11-20T16:00:00+01:00`.
pub fn local_offset(acct: &Account, t: i64) -> String {
    acct.tz()
        .timestamp_opt(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Local wall time of `t` without an offset: `2026-11-20T16:00:00`.
pub fn local_naive(acct: &Account, t: i64) -> String {
    acct.tz()
        .timestamp_opt(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// `+01:00` / `-05:00` for the account's offset.
pub fn offset_string(acct: &Account) -> String {
    acct.tz().to_string()
}

/// A small stable integer for an account (providers with numeric user ids).
pub fn numeric_id(acct: &Account) -> u64 {
    u64::from_str_radix(&acct.id[..8], 16).unwrap_or(0) % 100_000_000
}

/// Decodes an opaque page token made by `page_token`; None if it belongs to another query.
pub fn page_offset(token: &str, query_key: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    (v["q"].as_str()? == query_key).then(|| v["o"].as_u64().map(|o| o as usize))?
}

pub fn page_token(offset: usize, query_key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({"o": offset, "q": query_key}).to_string())
}
