//! A faithful fake of the Oura API v2 (OpenAPI "Oura API" 2.0, April 2026 regeneration), for the
//! sandbox environment and the tests.
//!
//! Routes, parameters, field names, units and error bodies follow the published spec and the
//! recorded real responses: `{data, next_token}` lists, FastAPI `{"detail": ...}` errors, 422 for
//! a start after the end, lower-case `token_type: "bearer"`, single-use rotating refresh tokens,
//! 10-minute authorization codes, scopes per route (403 without), 401 for expired tokens.
//! Decisions where Oura publishes nothing are listed in `docs/providers/oura.md`.
// Handlers return a ready `Response` as their error: that is axum's idiom, size is irrelevant here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde_json::{json, Map, Value};

use super::faults::{DataFault, FaultState, Faults};
use super::oauth_server::{AuthServer, ClientReg, Grant, OAuthError, Rules};
use super::synth::{self, Account, HrSource, Night};
use super::{consent_page, error_page};
use vital_link_core::clock::Clock;

pub const CLIENT_ID: &str = "sandbox-oura-client";
pub const CLIENT_SECRET: &str = "sandbox-oura-secret";
pub const SCOPES: [&str; 8] = [
    "email",
    "personal",
    "daily",
    "heartrate",
    "workout",
    "tag",
    "session",
    "spo2Daily",
];
/// Observed: 2,141 daily documents came back in one page, 1,101 heart-rate rows too.
pub const DOCUMENT_PAGE: usize = 2500;
pub const HEARTRATE_PAGE: usize = 5000;
/// Third-party reports: heart-rate ranges over 30 days are refused.
pub const HEARTRATE_MAX_DAYS: i64 = 30;

pub struct OuraFake {
    pub auth: AuthServer,
    pub clock: Clock,
    /// Accounts whose Oura membership has lapsed: every data route answers 403, as the
    /// OpenAPI document says of each route ("the user's subscription to Oura has expired").
    lapsed: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl OuraFake {
    /// Lets the membership of the account signed in as `login` lapse (or renews it).
    pub fn set_membership(&self, login: &str, active: bool) {
        let id = Account::new(login).id;
        let mut lapsed = self.lapsed.lock().unwrap();
        match active {
            true => lapsed.remove(&id),
            false => lapsed.insert(id),
        };
    }
}

/// The sandbox app's registered redirect URI on `port`.
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

/// `redirect_port`: the port of the registered `http://127.0.0.1:<port>/callback`. Oura matches
/// the redirect URI exactly (OpenAPI "Authentication Troubleshooting": "Verify your redirect URI
/// exactly matches what's registered in your application"), so another port is refused.
pub fn new_fake(
    clock: Clock,
    faults: Arc<FaultState>,
    state_file: Option<std::path::PathBuf>,
    redirect_port: u16,
) -> Arc<OuraFake> {
    Arc::new(OuraFake {
        auth: AuthServer::new(
            vec![ClientReg {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_uris: vec![redirect_uri(redirect_port)],
            }],
            Rules {
                access_ttl_secs: 86400,
                code_ttl_secs: 600,
                all_scopes: SCOPES.to_vec(),
                scope_sep: ' ',
                redirect_mismatch_error: "invalid_redirect_uri",
                loopback_any_port: false,
                ..Rules::default()
            },
            faults,
            state_file,
        ),
        clock,
        lapsed: Default::default(),
    })
}

pub fn router(fake: Arc<OuraFake>) -> Router {
    let data = Router::new()
        .route("/personal_info", get(personal_info))
        .route("/heartrate", get(heartrate))
        .route("/{collection}", get(list_documents))
        .route("/{collection}/{document_id}", get(one_document));
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/authorize/decision", post(decision))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", get(revoke).post(revoke))
        .nest("/v2/usercollection", data.clone())
        .nest("/v2/sandbox/usercollection", data)
        .route("/__sandbox/faults", get(get_faults).put(put_faults))
        .with_state(fake)
}

// ---------------------------------------------------------------- OAuth

async fn authorize(
    State(f): State<Arc<OuraFake>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match f.auth.begin(&q) {
        Ok((id, req)) => Html(consent_page(
            "Oura",
            "#1f2a44",
            &id,
            &req.scopes,
            &req.login,
        ))
        .into_response(),
        Err(Ok(redirect)) => Redirect::to(&redirect).into_response(),
        Err(Err(page)) => {
            (StatusCode::BAD_REQUEST, Html(error_page("Oura", &page.0))).into_response()
        }
    }
}

async fn decision(State(f): State<Arc<OuraFake>>, RawQuery(_): RawQuery, body: String) -> Response {
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
        .auth
        .decide(&get("request_id").unwrap_or_default(), allow, Some(granted))
    {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Html(error_page("Oura", &e.0))).into_response(),
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
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

fn oauth_error(e: OAuthError) -> Response {
    (
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
        Json(json!({"error": e.error, "error_description": e.description})),
    )
        .into_response()
}

async fn token(
    State(f): State<Arc<OuraFake>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let client = match f.auth.authenticate(&form, basic_auth(&headers)) {
        Ok(c) => c.clone(),
        Err(e) => return oauth_error(e),
    };
    let issued = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => f.auth.exchange_code(&client, &form),
        Some("refresh_token") => f.auth.refresh(&client, &form),
        _ => {
            return oauth_error(OAuthError {
                status: 400,
                error: "unsupported_grant_type",
                description: "grant_type must be authorization_code or refresh_token".into(),
            })
        }
    };
    match issued {
        // Oura's documented shape: lower-case token_type, no scope field.
        Ok(t) => Json(json!({
            "token_type": "bearer",
            "access_token": t.access_token,
            "expires_in": t.expires_in,
            "refresh_token": t.refresh_token,
        }))
        .into_response(),
        Err(e) => oauth_error(e),
    }
}

async fn revoke(
    State(f): State<Arc<OuraFake>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match q.get("access_token") {
        Some(t) if f.auth.revoke(t) => StatusCode::OK.into_response(),
        _ => detail(StatusCode::UNAUTHORIZED, "Unauthorized"),
    }
}

async fn get_faults(State(f): State<Arc<OuraFake>>) -> Json<Faults> {
    Json(f.auth.faults.get())
}

async fn put_faults(State(f): State<Arc<OuraFake>>, Json(faults): Json<Faults>) -> Json<Faults> {
    f.auth.faults.set(faults.clone());
    Json(faults)
}

// ---------------------------------------------------------------- data

fn detail(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({"detail": msg}))).into_response()
}

fn validation_error(param: &str, msg: &str, input: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"detail": [{"type": "value_error", "loc": ["query", param], "msg": msg, "input": input}]})),
    )
        .into_response()
}

/// Bearer check, scope check and the fault switches, in the order the real API applies them.
async fn guard(f: &OuraFake, headers: &HeaderMap, scope: &str) -> Result<Grant, Response> {
    let grant = f
        .auth
        .check_bearer(headers.get("authorization").and_then(|v| v.to_str().ok()))
        .map_err(|_| detail(StatusCode::UNAUTHORIZED, "Unauthorized"))?;
    // A lapsed membership and a missing scope get the same 403: Oura documents no body that
    // tells them apart, so the client must use the scopes it was granted.
    if f.lapsed.lock().unwrap().contains(&grant.account.id) {
        return Err(detail(StatusCode::FORBIDDEN, "Forbidden"));
    }
    if !grant.scopes.iter().any(|s| s == scope) {
        return Err(detail(StatusCode::FORBIDDEN, "Forbidden"));
    }
    let (fault, slow) = f.auth.faults.data_fault();
    if let Some(ms) = slow {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    match fault {
        DataFault::None => Ok(grant),
        DataFault::RateLimited(secs) => {
            let mut r = detail(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            r.headers_mut().insert(
                "retry-after",
                HeaderValue::from_str(&secs.to_string()).unwrap(),
            );
            Err(r)
        }
        DataFault::ServerError => Err(detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        )),
        DataFault::Malformed => Err((
            StatusCode::OK,
            [("content-type", "application/json")],
            "{\"data\": [{\"id\": \"",
        )
            .into_response()),
        // The headers and a first chunk arrive, then the connection breaks (a reset mid-body).
        DataFault::DropConnection => {
            let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok("{\"data\": [{\"id\": \""),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "sandbox fault: connection dropped",
                )),
            ];
            Err((
                StatusCode::OK,
                [("content-type", "application/json")],
                axum::body::Body::from_stream(futures_util::stream::iter(chunks)),
            )
                .into_response())
        }
    }
}

fn scope_for(collection: &str) -> Option<&'static str> {
    match collection {
        "daily_sleep" | "sleep" | "daily_activity" | "daily_readiness" => Some("daily"),
        "workout" => Some("workout"),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Bound {
    Day(NaiveDate),
    Time(DateTime<FixedOffset>),
}

fn parse_bound(s: &str) -> Option<Bound> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(Bound::Day(d));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(Bound::Time(Utc.from_utc_datetime(&t).fixed_offset()));
    }
    DateTime::parse_from_rfc3339(s).ok().map(Bound::Time)
}

fn bound_day(b: &Bound) -> NaiveDate {
    match b {
        Bound::Day(d) => *d,
        Bound::Time(t) => t.date_naive(),
    }
}

/// The last day a bound of `end_date` includes: a date is exclusive (midnight), a date-time
/// includes its own day.
fn last_day(b: &Bound) -> NaiveDate {
    match b {
        Bound::Day(d) => *d - Duration::days(1),
        Bound::Time(t) => t.date_naive(),
    }
}

/// The first day a bound of `start_date` includes: for `sleep` a date-only start is excluded.
fn first_day(b: &Bound, exclusive: bool) -> NaiveDate {
    match b {
        Bound::Day(d) if exclusive => *d + Duration::days(1),
        other => bound_day(other),
    }
}

/// `next_token` is opaque to clients; ours carries the offset and the query it belongs to.
fn encode_token(offset: usize, query_key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({"o": offset, "q": query_key}).to_string())
}

fn decode_token(tok: &str, query_key: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(tok)
        .ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    (v["q"].as_str()? == query_key).then(|| v["o"].as_u64().map(|o| o as usize))?
}

fn paginate(
    mut docs: Vec<Value>,
    q: &HashMap<String, String>,
    query_key: &str,
    page: usize,
    always: &[&str],
) -> Response {
    let offset = match q.get("next_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => match decode_token(t, query_key) {
            Some(o) => o,
            None => return detail(StatusCode::BAD_REQUEST, "Invalid next_token"),
        },
    };
    let total = docs.len();
    let rest: Vec<Value> = docs.drain(offset.min(total)..).take(page).collect();
    let next = (offset + page < total).then(|| encode_token(offset + page, query_key));
    let rest = match q.get("fields").filter(|f| !f.is_empty()) {
        Some(fields) => select_fields(rest, fields, always),
        None => rest,
    };
    Json(json!({"data": rest, "next_token": next})).into_response()
}

/// `fields`: the listed fields in addition to the always-returned (required) ones.
fn select_fields(docs: Vec<Value>, fields: &str, always: &[&str]) -> Vec<Value> {
    let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
    docs.into_iter()
        .map(|d| match d {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(k, _)| always.contains(&k.as_str()) || wanted.contains(&k.as_str()))
                    .collect::<Map<String, Value>>(),
            ),
            other => other,
        })
        .collect()
}

fn required_fields(collection: &str) -> &'static [&'static str] {
    match collection {
        "daily_sleep" => &["id", "meta", "contributors", "day", "timestamp"],
        "sleep" => &[
            "id",
            "meta",
            "bedtime_end",
            "bedtime_start",
            "day",
            "low_battery_alert",
            "period",
            "time_in_bed",
        ],
        "daily_activity" => &["id", "meta", "contributors", "day", "met", "timestamp"],
        "workout" => &[
            "id",
            "meta",
            "activity",
            "day",
            "end_datetime",
            "intensity",
            "source",
            "start_datetime",
        ],
        _ => &["id"],
    }
}

async fn list_documents(
    State(f): State<Arc<OuraFake>>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(scope) = scope_for(&collection) else {
        return detail(StatusCode::NOT_FOUND, "Not Found");
    };
    let grant = match guard(&f, &headers, scope).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let acct = &grant.account;
    let today = f.clock.now().with_timezone(&acct.tz()).date_naive();
    // The real API's date semantics (docs/providers/oura.md, "Real-API behaviours"): a date-only
    // `end_date` is exclusive (midnight of that day), a date-time one includes its day; for
    // `sleep` a date-only `start_date` is exclusive too. Absent bounds: the last day.
    let (end_raw, end) = match q.get("end_date") {
        Some(s) => match parse_bound(s) {
            Some(b) => (bound_day(&b), last_day(&b)),
            None => return paginate(vec![], &q, "", DOCUMENT_PAGE, &[]),
        },
        None => (today + Duration::days(1), today),
    };
    let (start_raw, start) = match q.get("start_date") {
        Some(s) => match parse_bound(s) {
            Some(b) => (bound_day(&b), first_day(&b, collection == "sleep")),
            None => return paginate(vec![], &q, "", DOCUMENT_PAGE, &[]),
        },
        None => (end_raw - Duration::days(1), end_raw - Duration::days(1)),
    };
    if start_raw > end_raw {
        return validation_error(
            "start_date",
            "Start date must be before end date",
            q.get("start_date").map(String::as_str).unwrap_or(""),
        );
    }
    let now = f.clock.now().timestamp();
    let mut docs = Vec::new();
    let mut day = start;
    while day <= end.min(today) {
        docs.extend(documents_for_day(acct, &collection, day, now));
        day += Duration::days(1);
    }
    let key = format!("{collection}|{start}|{end}");
    paginate(docs, &q, &key, DOCUMENT_PAGE, required_fields(&collection))
}

async fn one_document(
    State(f): State<Arc<OuraFake>>,
    Path((collection, document_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(scope) = scope_for(&collection) else {
        return detail(StatusCode::NOT_FOUND, "Not Found");
    };
    let grant = match guard(&f, &headers, scope).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let acct = &grant.account;
    let now = f.clock.now().timestamp();
    let today = f.clock.now().with_timezone(&acct.tz()).date_naive();
    // Documents are looked up over the last two years, which is what the sandbox keeps.
    let mut day = today;
    while day > today - Duration::days(730) {
        if let Some(d) = documents_for_day(acct, &collection, day, now)
            .into_iter()
            .find(|d| d["id"] == document_id.as_str())
        {
            return Json(d).into_response();
        }
        day -= Duration::days(1);
    }
    detail(StatusCode::NOT_FOUND, "Document not found.")
}

async fn personal_info(State(f): State<Arc<OuraFake>>, headers: HeaderMap) -> Response {
    let grant = match guard(&f, &headers, "personal").await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let a = &grant.account;
    let seed = u64::from_str_radix(&a.id[..8], 16).unwrap_or(0);
    Json(json!({
        "id": a.id,
        "age": 25 + (seed % 40),
        "weight": 55.0 + (seed % 400) as f64 / 10.0,
        "height": 1.55 + (seed % 40) as f64 / 100.0,
        "biological_sex": if seed % 2 == 0 { "female" } else { "male" },
        "email": if grant.scopes.iter().any(|s| s == "email") { json!(format!("{}@sandbox.invalid", a.login)) } else { Value::Null },
    }))
    .into_response()
}

async fn heartrate(
    State(f): State<Arc<OuraFake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let grant = match guard(&f, &headers, "heartrate").await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let acct = &grant.account;
    let now = f.clock.now();
    let parse = |k: &str| -> Result<Option<DateTime<FixedOffset>>, Response> {
        match q.get(k) {
            None => Ok(None),
            Some(s) => match parse_bound(s) {
                Some(Bound::Time(t)) => Ok(Some(t)),
                Some(Bound::Day(d)) => Ok(Some(
                    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
                        .fixed_offset(),
                )),
                None => Err(validation_error(k, "Input should be a valid datetime", s)),
            },
        }
    };
    let end = match parse("end_datetime") {
        Ok(e) => e.unwrap_or_else(|| now.fixed_offset()),
        Err(r) => return r,
    };
    let start = match parse("start_datetime") {
        Ok(s) => s.unwrap_or(end - Duration::days(1)),
        Err(r) => return r,
    };
    if start > end {
        return validation_error(
            "start_datetime",
            "Start datetime must be before end datetime",
            q.get("start_datetime").map(String::as_str).unwrap_or(""),
        );
    }
    if end - start > Duration::days(HEARTRATE_MAX_DAYS) {
        return detail(
            StatusCode::BAD_REQUEST,
            "The requested time range is too long; request at most 30 days at a time",
        );
    }
    let (from, to) = (start.timestamp(), end.timestamp().min(now.timestamp()));
    let tz = acct.tz();
    // The paging key names the request, not the clock: pages of one query may span seconds.
    let key = format!("heartrate|{}|{}", start.timestamp(), end.timestamp());
    // Only the rows of the requested page are built; the others are placeholders that
    // `paginate` skips (it decodes the token again and answers a bad one).
    let offset = q
        .get("next_token")
        .and_then(|t| decode_token(t, &key))
        .unwrap_or(0);
    let wanted = offset..offset + HEARTRATE_PAGE;
    let mut rows = Vec::new();
    let mut day = start.with_timezone(&tz).date_naive() - Duration::days(1);
    while day <= end.with_timezone(&tz).date_naive() {
        for (t, bpm, src) in synth::heart_rate(acct, day) {
            if t >= from && t <= to && !wanted.contains(&rows.len()) {
                rows.push(Value::Null);
            } else if t >= from && t <= to {
                rows.push(json!({
                    "bpm": bpm,
                    "source": match src { HrSource::Awake => "awake", HrSource::Rest => "rest", HrSource::Sleep => "sleep", HrSource::Workout => "workout" },
                    "timestamp": utc(t),
                    "timestamp_unix": t * 1000,
                }));
            }
        }
        day += Duration::days(1);
    }
    paginate(
        rows,
        &q,
        &key,
        HEARTRATE_PAGE,
        &["timestamp", "timestamp_unix", "bpm", "source"],
    )
}

// ---------------------------------------------------------------- documents

fn local(acct: &Account, t: i64) -> String {
    acct.tz()
        .timestamp_opt(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn local_ms(acct: &Account, t: i64) -> String {
    acct.tz()
        .timestamp_opt(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

fn utc(t: i64) -> String {
    // `YYYY-MM-DDTHH:MM:SS+00:00`, formatted by hand: this runs once per heart-rate row.
    vital_link_core::model::iso_utc_ms(t * 1000)
}

fn meta(updated: i64) -> Value {
    json!({"updated_at": Utc.timestamp_opt(updated, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string(), "version": 1})
}

/// The documents of `collection` for local `day` that exist by `now`.
pub fn documents_for_day(acct: &Account, collection: &str, day: NaiveDate, now: i64) -> Vec<Value> {
    match collection {
        "sleep" => synth::sleeps(acct, day)
            .iter()
            .enumerate()
            .filter(|(_, n)| n.end() <= now)
            .map(|(i, n)| sleep_doc(acct, day, i as u32, n))
            .collect(),
        "daily_sleep" => {
            let n = synth::night(acct, day);
            if n.end() > now {
                return vec![];
            }
            vec![daily_sleep_doc(acct, day, &n)]
        }
        "daily_activity" => {
            let start = acct.day_start(day) + 4 * 3600;
            if start > now {
                return vec![];
            }
            vec![daily_activity_doc(acct, day, start)]
        }
        "workout" => synth::workouts(acct, day)
            .into_iter()
            .filter(|w| w.end <= now)
            .map(|w| {
                json!({
                    "id": acct.doc_id("workout", day, w.n),
                    "meta": meta(w.end + 600),
                    "activity": w.activity,
                    "calories": w.calories,
                    "day": day.to_string(),
                    "distance": w.distance,
                    "end_datetime": local(acct, w.end),
                    "intensity": w.intensity,
                    "label": Value::Null,
                    "source": w.source,
                    "start_datetime": local(acct, w.start),
                })
            })
            .collect(),
        _ => vec![],
    }
}

fn sleep_score(n: &Night) -> i64 {
    let hours = n.total_sleep() as f64 / 3600.0;
    (45.0 + hours * 5.0 + (n.efficiency() as f64 - 80.0) * 0.5)
        .round()
        .clamp(1.0, 100.0) as i64
}

fn daily_sleep_doc(acct: &Account, day: NaiveDate, n: &Night) -> Value {
    let total = n.total_sleep() as f64;
    let c = |x: f64| x.round().clamp(1.0, 100.0) as i64;
    json!({
        "id": acct.doc_id("daily_sleep", day, 0),
        "meta": meta(n.end() + 1800),
        "contributors": {
            "deep_sleep": c(n.seconds_in(1) as f64 / total * 500.0),
            "efficiency": c(n.efficiency() as f64),
            "latency": c(100.0 - n.latency() as f64 / 60.0),
            "rem_sleep": c(n.seconds_in(3) as f64 / total * 450.0),
            "restfulness": c(100.0 - n.restless_periods as f64 / 5.0),
            "timing": c(90.0 - ((n.start - acct.day_start(day)).abs() as f64 / 600.0)),
            "total_sleep": c(total / 3600.0 / 8.0 * 100.0),
        },
        "day": day.to_string(),
        "score": sleep_score(n),
        "timestamp": format!("{day}T00:00:00{}", acct.tz()),
    })
}

fn stage_string(blocks: &[u8]) -> String {
    blocks.iter().map(|b| char::from(b'0' + b)).collect()
}

fn sleep_doc(acct: &Account, day: NaiveDate, i: u32, n: &Night) -> Value {
    let mut seq = 0u32;
    let movement: String = n
        .blocks
        .iter()
        .flat_map(|b| std::iter::repeat_n(*b, 10))
        .map(|b| {
            seq = seq.wrapping_mul(1103515245).wrapping_add(12345 + b as u32);
            char::from(b'1' + ((seq >> 16) % if b == 4 { 4 } else { 2 }) as u8)
        })
        .collect();
    json!({
        "id": acct.doc_id("sleep", day, i),
        "meta": meta(n.end() + 1800),
        "average_breath": n.breath,
        "average_heart_rate": n.avg_hr(),
        "average_hrv": n.avg_hrv(),
        "awake_time": n.seconds_in(4),
        "bedtime_end": local(acct, n.end()),
        "bedtime_start": local(acct, n.start),
        "day": day.to_string(),
        "deep_sleep_duration": n.seconds_in(1),
        "efficiency": n.efficiency(),
        "heart_rate": {"interval": 300.0, "items": n.hr, "timestamp": local_ms(acct, n.start)},
        "hrv": {"interval": 300.0, "items": n.hrv, "timestamp": local_ms(acct, n.start)},
        "latency": n.latency(),
        "light_sleep_duration": n.seconds_in(2),
        "low_battery_alert": false,
        "lowest_heart_rate": n.lowest_hr(),
        "movement_30_sec": movement,
        "period": i,
        "readiness": if n.is_nap { Value::Null } else { json!({
            "contributors": {"activity_balance": 80, "body_temperature": 95, "hrv_balance": 75,
                "previous_day_activity": 82, "previous_night": 78, "recovery_index": 88,
                "resting_heart_rate": 90, "sleep_balance": 84, "sleep_regularity": 79},
            "score": sleep_score(n).min(95),
            "temperature_deviation": n.temperature_deviation,
            "temperature_trend_deviation": (n.temperature_deviation / 2.0 * 100.0).round() / 100.0,
        })},
        "readiness_score_delta": Value::Null,
        "rem_sleep_duration": n.seconds_in(3),
        "restless_periods": n.restless_periods,
        "sleep_algorithm_version": "v2",
        "sleep_analysis_reason": "foreground_sleep_analysis",
        "sleep_phase_30_sec": n.blocks.iter().flat_map(|b| std::iter::repeat_n(char::from(b'0' + b), 10)).collect::<String>(),
        "sleep_phase_5_min": stage_string(&n.blocks),
        "sleep_score_delta": Value::Null,
        "time_in_bed": n.blocks.len() as i64 * 300,
        "total_sleep_duration": n.total_sleep(),
        "type": if n.is_nap { "sleep" } else { "long_sleep" },
        "ring_id": Value::Null,
        "app_sleep_phase_5_min": stage_string(&n.blocks),
    })
}

fn daily_activity_doc(acct: &Account, day: NaiveDate, start: i64) -> Value {
    let a = synth::activity(acct, day);
    let met_min = |secs: i64, met: f64| (secs as f64 / 60.0 * met).round() as i64;
    let target = 10000i64;
    json!({
        "id": acct.doc_id("daily_activity", day, 0),
        "meta": meta(start + 86400),
        "active_calories": a.active_calories,
        "average_met_minutes": (a.met.iter().sum::<f64>() / a.met.len() as f64 * 1000.0).round() / 1000.0,
        "class_5_min": a.class_5_min,
        "contributors": {"meet_daily_targets": 85, "move_every_hour": 100, "recovery_time": 95,
            "stay_active": 70, "training_frequency": 80, "training_volume": 90},
        "day": day.to_string(),
        "equivalent_walking_distance": a.walking_distance,
        "high_activity_met_minutes": met_min(a.high_secs, 7.5),
        "high_activity_time": a.high_secs,
        "inactivity_alerts": a.inactivity_alerts,
        "low_activity_met_minutes": met_min(a.low_secs, 2.5),
        "low_activity_time": a.low_secs,
        "medium_activity_met_minutes": met_min(a.medium_secs, 4.5),
        "medium_activity_time": a.medium_secs,
        "met": {"interval": 60.0, "items": a.met, "timestamp": local_ms(acct, start)},
        "meters_to_target": (target - a.walking_distance).max(0),
        "non_wear_time": a.non_wear_secs,
        "resting_time": a.resting_secs,
        "score": (60 + a.steps / 400).min(100),
        "sedentary_met_minutes": met_min(a.sedentary_secs, 1.1),
        "sedentary_time": a.sedentary_secs,
        "steps": a.steps,
        "target_calories": a.target_calories,
        "target_meters": target,
        "timestamp": local(acct, start),
        "total_calories": a.total_calories,
    })
}
