//! Withings Public API: sleep summaries, daily activity, workouts, scale measures (weight, fat)
//! and intraday heart rate / HRV. Every answer is HTTP 200 with `{status, body, error}`; the
//! token endpoint is `POST /v2/oauth2 action=requesttoken`; scopes are comma-separated; data
//! services are `POST` with an `action`; lists page with `more` + `offset`; values of `getmeas`
//! are `value × 10^unit`; zones are IANA names. Revoking is a signed request (nonce + HMAC).
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::http::send_json;
use super::norm::{self, id_field, int_in, num_in, str_field};
use super::{
    ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec, RedirectKind,
    SyncResource, Window,
};
use crate::config::Environment;
use crate::model::{self, Sample, SummaryDoc};

pub struct Withings;

pub const SLUG: &str = "withings";
/// The registered callback must be exact: `http://127.0.0.1:8752/callback`.
pub const REDIRECT_PORT: u16 = 8752;

static SPEC: ProviderSpec = ProviderSpec {
    slug: SLUG,
    name: "Withings",
    description: "Smart scales, sleep analyzers and watches: weight, body composition, sleep, activity and heart rate",
    resources: &["sleep", "activity", "workouts", "body", "heartrate", "hrv", "body_weight", "body_fat"],
    scopes: &["user.activity", "user.metrics"],
    required_scopes: &["user.activity"],
    client_auth: ClientAuth::RequestBody,
    max_history_days: 3650,
    redirect: RedirectKind::LoopbackFixedPort(REDIRECT_PORT),
    source_type: "scale",
    colour: "#00a9ce",
};

static RESOURCES: [SyncResource; 5] = [
    // getsummary: at most 7 days per call.
    SyncResource {
        name: "sleep",
        window_days: 7,
    },
    SyncResource {
        name: "activity",
        window_days: 30,
    },
    SyncResource {
        name: "workouts",
        window_days: 30,
    },
    SyncResource {
        name: "body",
        window_days: 30,
    },
    // getintradayactivity answers only the first 24 hours after `startdate`.
    SyncResource {
        name: "heartrate",
        window_days: 1,
    },
];

#[async_trait::async_trait]
impl Provider for Withings {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        Endpoints {
            authorize_url: "https://account.withings.com/oauth2_user/authorize2".into(),
            token_url: "https://wbsapi.withings.net/v2/oauth2".into(),
            revoke_url: Some("https://wbsapi.withings.net/v2/oauth2".into()),
            api_base: "https://wbsapi.withings.net".into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &RESOURCES
    }

    fn scope_separator(&self) -> &'static str {
        ","
    }

    fn token_params(&self) -> Vec<(&'static str, &'static str)> {
        vec![("action", "requesttoken")]
    }

    fn token_adapter(&self) -> crate::oauth::client::TokenAdapter {
        token_adapter
    }

    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        match resource {
            "sleep" => {
                fetch_list(
                    ctx,
                    "/v2/sleep",
                    "getsummary",
                    "series",
                    window,
                    page,
                    normalize_sleep,
                )
                .await
            }
            "activity" => {
                fetch_list(
                    ctx,
                    "/v2/measure",
                    "getactivity",
                    "activities",
                    window,
                    page,
                    normalize_activity,
                )
                .await
            }
            "workouts" => {
                fetch_list(
                    ctx,
                    "/v2/measure",
                    "getworkouts",
                    "series",
                    window,
                    page,
                    normalize_workout,
                )
                .await
            }
            "body" => fetch_measures(ctx, window, page).await,
            "heartrate" => fetch_intraday(ctx, window).await,
            other => Err(FetchError::Rejected {
                status: 400,
                message: format!("withings has no resource {other}"),
            }),
        }
    }

    /// `action=revoke`, signed: a nonce from `/v2/signature`, then HMAC-SHA256 with the client
    /// secret over `revoke,<client_id>,<nonce>`. Withings also drops the user's notifications.
    async fn revoke(
        &self,
        ctx: &FetchCtx,
        client: &crate::oauth::ClientConfig,
        _refresh: Option<&str>,
    ) -> Result<(), FetchError> {
        let (Some(url), Some(secret), Some(userid)) = (
            &client.endpoints.revoke_url,
            &client.client_secret,
            &ctx.external_user_id,
        ) else {
            return Ok(());
        };
        let base = url.trim_end_matches("/v2/oauth2");
        let ts = ctx.clock.now().timestamp().to_string();
        let id = client.client_id.as_str();
        let sig = signature(secret, &["getnonce", id, &ts]);
        let nonce = call(
            ctx,
            &format!("{base}/v2/signature"),
            false,
            &[
                ("action", "getnonce"),
                ("client_id", id),
                ("timestamp", &ts),
                ("signature", &sig),
            ],
        )
        .await?;
        let nonce = str_field(&nonce, "nonce")?.to_string();
        let sig = signature(secret, &["revoke", id, &nonce]);
        match call(
            ctx,
            url,
            false,
            &[
                ("action", "revoke"),
                ("client_id", id),
                ("nonce", &nonce),
                ("signature", &sig),
                ("userid", userid),
            ],
        )
        .await
        {
            Ok(_) | Err(FetchError::Unauthorized) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// HMAC-SHA256 (RFC 2104) of `values` joined with commas, hex: Withings' request signature.
pub fn signature(secret: &str, values: &[&str]) -> String {
    hex::encode(hmac_sha256(secret.as_bytes(), values.join(",").as_bytes()))
}

pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// `{status, body}` → the token in RFC 6749 shape; any other status → `{error, error_description}`.
pub fn token_adapter(_status: u16, v: Value) -> Value {
    let status = v.get("status").and_then(Value::as_i64);
    match status {
        Some(0) => {
            let mut b = v.get("body").cloned().unwrap_or(json!({}));
            if b.get("token_type").is_none() {
                b["token_type"] = json!("Bearer");
            }
            if let Some(s) = b.get("scope").and_then(Value::as_str) {
                b["scope"] = json!(s.replace(',', " "));
            }
            match b.get("userid").cloned() {
                Some(Value::Number(n)) => b["provider_user_id"] = json!(n.to_string()),
                Some(Value::String(s)) => b["provider_user_id"] = json!(s),
                _ => {}
            }
            b
        }
        Some(code) => {
            let msg = v.get("error").and_then(Value::as_str).unwrap_or("error");
            let lower = msg.to_ascii_lowercase();
            let error = if code == 601 {
                "temporarily_unavailable"
            } else if lower.contains("client") || lower.contains("signature") {
                "invalid_client"
            } else {
                "invalid_grant"
            };
            json!({"error": error, "error_description": format!("Withings status {code}: {msg}")})
        }
        // Not the envelope: leave it to the standard parser.
        None => v,
    }
}

/// One Withings call: `POST` form with Bearer (or unsigned/unauthenticated for the signature
/// service), HTTP 200 with the status inside. Returns `body`.
async fn call(
    ctx: &FetchCtx,
    url: &str,
    bearer: bool,
    form: &[(&str, &str)],
) -> Result<Value, FetchError> {
    let mut rb = ctx.http.post(url).form(form);
    if bearer {
        rb = rb.bearer_auth(&ctx.access_token);
    }
    let (v, _, _) = send_json(ctx, rb, url, super::http::retry_after_header).await?;
    envelope(v)
}

/// Withings' status codes → `FetchError` (official "Response status" table).
pub fn envelope(v: Value) -> Result<Value, FetchError> {
    let status = v
        .get("status")
        .and_then(Value::as_i64)
        .ok_or_else(|| norm::malformed("no `status` in the Withings envelope"))?;
    let msg = || {
        v.get("error")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    match status {
        0 => Ok(v.get("body").cloned().unwrap_or(Value::Null)),
        100..=102 | 200 | 401 => Err(FetchError::Unauthorized),
        403 | 214 | 277 | 2553 | 2555 => Err(FetchError::Forbidden(msg())),
        601 => Err(FetchError::RateLimited {
            retry_after: v
                .pointer("/body/wait_seconds")
                .and_then(Value::as_u64)
                .map(Duration::from_secs),
        }),
        // The document's families: 501–511, 523 and 532 are "Invalid params" (permanent: the
        // same request fails the same way), 522 a timeout, the rest of 5xx server errors.
        501..=511 | 523 | 532 => Err(FetchError::Rejected {
            status: 400,
            message: format!("Withings status {status} (invalid params): {}", msg()),
        }),
        500..=599 => Err(FetchError::Server {
            status: status as u16,
        }),
        s => Err(FetchError::Rejected {
            status: 400,
            message: format!("Withings status {s}: {}", msg()),
        }),
    }
}

async fn service(ctx: &FetchCtx, path: &str, form: &[(&str, String)]) -> Result<Value, FetchError> {
    let url = format!("{}{}", ctx.api_base.trim_end_matches('/'), path);
    let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    call(ctx, &url, true, &f).await
}

type Normalizer = fn(&str, &Value) -> Result<(Option<SummaryDoc>, Vec<Sample>), FetchError>;

/// The fields each list service is asked for (`data_fields`, as the document says to send it):
/// the ones the normalizers read.
fn data_fields(action: &str) -> Option<&'static str> {
    match action {
        "getsummary" => Some("total_timeinbed,total_sleep_time,lightsleepduration,deepsleepduration,remsleepduration,wakeupduration,wakeupcount,sleep_efficiency,sleep_latency,hr_average,hr_min,hr_max,rr_average,sleep_score,rmssd_start_avg"),
        "getactivity" => Some("steps,distance,elevation,soft,moderate,intense,active,calories,totalcalories,hr_average,hr_min,hr_max"),
        "getworkouts" => Some("calories,intensity,hr_average,hr_min,hr_max,pause_duration,steps,distance,elevation"),
        _ => None,
    }
}

/// The form of a `v2` list service for a window (and a page offset).
fn list_form(action: &str, window: Window, page: &Option<String>) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("action", action.to_string()),
        ("startdateymd", window.start.to_string()),
        ("enddateymd", window.end.to_string()),
    ];
    if let Some(f) = data_fields(action) {
        form.push(("data_fields", f.to_string()));
    }
    if let Some(o) = page {
        form.push(("offset", o.clone()));
    }
    form
}

/// The `v2` list services: `startdateymd`/`enddateymd`, `more` (bool) + `offset`.
async fn fetch_list(
    ctx: &FetchCtx,
    path: &str,
    action: &str,
    key: &str,
    window: Window,
    page: Option<String>,
    norm_one: Normalizer,
) -> Result<FetchedPage, FetchError> {
    let form = list_form(action, window, &page);
    let body = service(ctx, path, &form).await?;
    let items = body
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| norm::malformed(format!("{action}: no `{key}` list")))?;
    let mut out = FetchedPage {
        next: next_offset(&body),
        ..Default::default()
    };
    for d in items {
        let (s, samples) = norm_one(&ctx.user_id, d)?;
        if let Some(s) = s {
            out.raw.push(norm::raw(
                action,
                s.provider_record_id.clone(),
                Some(s.calendar_date.clone()),
                d,
            ));
            out.summaries.push(s);
        }
        out.samples.extend(samples);
    }
    Ok(out)
}

/// `more` is an int (getmeas) or a bool (v2 services).
fn next_offset(body: &Value) -> Option<String> {
    let more = match body.get("more") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        _ => false,
    };
    if !more {
        return None;
    }
    body.get("offset")
        .and_then(Value::as_i64)
        .map(|o| o.to_string())
}

/// The zone's offset at `epoch`, when the zone is known.
fn offset_of(d: &Value, epoch: i64) -> Option<i32> {
    d.get("timezone")
        .and_then(Value::as_str)
        .and_then(|z| norm::tz_offset_at(z, epoch))
}

fn source(kind: &str) -> Value {
    norm::source(SLUG, "Withings", kind)
}

/// Vital's source type of a sleep summary's `model` (see `normalize_sleep`).
fn sleep_source_type(model: Option<i64>) -> &'static str {
    match model {
        Some(16) => "watch",
        _ => "unknown",
    }
}

pub fn normalize_sleep(
    user_id: &str,
    d: &Value,
) -> Result<(Option<SummaryDoc>, Vec<Sample>), FetchError> {
    let id = id_field(d, "id")?;
    let start = norm::epoch_field(d, "startdate")?;
    let end = norm::epoch_field(d, "enddate")?;
    if end < start {
        return Err(norm::malformed("sleep enddate is before startdate"));
    }
    let day = norm::day_field(d, "date")?;
    let tz = offset_of(d, start);
    let x = d.get("data").cloned().unwrap_or(json!({}));
    let secs = |k: &str| int_in(x.get(k), 0.0, 86400.0);
    let light = norm::number(x.get("lightsleepduration")).unwrap_or(0.0);
    let deep = norm::number(x.get("deepsleepduration")).unwrap_or(0.0);
    let rem = norm::number(x.get("remsleepduration")).unwrap_or(0.0);
    let total = match norm::number(x.get("total_sleep_time")) {
        Some(t) => t,
        None => light + deep + rem,
    };
    let duration = end - start;
    let sid = model::summary_id(user_id, SLUG, "sleep", &id);
    // `model`: "16 for a tracker or 32 for a Sleep Monitor" (Withings OpenAPI, Sleep v2 getsummary
    // `series[].model`). A Sleep Monitor (Sleep Analyzer, Aura) lies under the mattress: Vital
    // has no source type for it, so `unknown`; another model keeps the night as `unknown` too.
    let kind = sleep_source_type(d.get("model").and_then(Value::as_i64));
    let doc = json!({
        "id": sid,
        "user_id": user_id,
        "date": model::date_midnight_utc(day),
        "calendar_date": day.to_string(),
        "bedtime_start": model::iso_utc_ms(start * 1000),
        "bedtime_stop": model::iso_utc_ms(end * 1000),
        "type": if duration >= 3 * 3600 { "long_sleep" } else { "short_sleep" },
        "timezone_offset": tz,
        "duration": duration,
        "total": total.round() as i64,
        "awake": secs("wakeupduration"),
        "light": light.round() as i64,
        "rem": rem.round() as i64,
        "deep": deep.round() as i64,
        "score": int_in(x.get("sleep_score"), 1.0, 100.0),
        "hr_lowest": int_in(x.get("hr_min"), 20.0, 250.0),
        "hr_average": int_in(x.get("hr_average"), 20.0, 250.0),
        "efficiency": norm::number(x.get("sleep_efficiency")).filter(|e| (0.0..=1.0).contains(e)).map(|e| json!((e * 1000.0).round() / 10.0)).unwrap_or(Value::Null),
        "latency": secs("sleep_latency"),
        "average_hrv": num_in(x.get("rmssd_start_avg"), 0.0, 500.0),
        "respiratory_rate": num_in(x.get("rr_average"), 0.0, 80.0),
        "source": source(kind),
        "sleep_stream": Value::Null,
        "provider_id": id,
    });
    Ok((
        Some(SummaryDoc {
            id: sid,
            resource: "sleep",
            provider_record_id: id,
            calendar_date: day.to_string(),
            start_at: Some(start * 1000),
            end_at: Some(end * 1000),
            data: doc,
        }),
        vec![],
    ))
}

pub fn normalize_activity(
    user_id: &str,
    d: &Value,
) -> Result<(Option<SummaryDoc>, Vec<Sample>), FetchError> {
    let day = norm::day_field(d, "date")?;
    let zone = d.get("timezone").and_then(Value::as_str);
    let midnight = day.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
    let tz = offset_of(d, midnight);
    let start = day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() - tz.unwrap_or(0) as i64;
    // One summary per day; several devices merge into Withings' daily aggregate.
    let key = day.to_string();
    let sid = model::summary_id(user_id, SLUG, "activity", &key);
    let hr = json!({
        "avg_bpm": int_in(d.get("hr_average"), 20.0, 250.0),
        "min_bpm": int_in(d.get("hr_min"), 20.0, 250.0),
        "max_bpm": int_in(d.get("hr_max"), 20.0, 250.0),
        "resting_bpm": Value::Null,
        "avg_walking_bpm": Value::Null,
    });
    let distance = num_in(d.get("distance"), 0.0, 500_000.0);
    Ok((
        Some(SummaryDoc {
            id: sid.clone(),
            resource: "activity",
            provider_record_id: key.clone(),
            calendar_date: key.clone(),
            start_at: Some(start * 1000),
            end_at: Some((start + 86400) * 1000),
            data: json!({
                "id": sid,
                "user_id": user_id,
                "date": model::date_midnight_utc(day),
                "calendar_date": key,
                "calories_total": num_in(d.get("totalcalories"), 0.0, 20_000.0),
                "calories_active": num_in(d.get("calories"), 0.0, 20_000.0),
                "steps": int_in(d.get("steps"), 0.0, 200_000.0),
                "daily_movement": distance,
                "distance": distance,
                "low": norm::minutes(d.get("soft")),
                "medium": norm::minutes(d.get("moderate")),
                "high": norm::minutes(d.get("intense")),
                "floors_climbed": int_in(d.get("elevation"), 0.0, 10_000.0),
                "time_zone": zone,
                "timezone_offset": tz,
                "heart_rate": if hr["avg_bpm"].is_null() { Value::Null } else { hr },
                "wheelchair_use": Value::Null,
                "wheelchair_push": Value::Null,
                "source": source(if d.get("is_tracker").and_then(Value::as_bool) == Some(true) { "watch" } else { "phone" }),
            }),
        }),
        vec![],
    ))
}

/// Withings workout categories → Vital sport names, from the published list ("Category of
/// workout", Withings OpenAPI `withings-data-api-openapi.yml`, getworkouts `series[].category`,
/// 1 Walk … 568 Cooking). Categories without a Vital sport, and any the list gains later, are
/// `other`: the workout is kept, never dropped.
fn category(c: i64) -> &'static str {
    match c {
        1 | 306 | 559 | 566 => "walking",
        2 | 307 | 498 => "running",
        3 => "hiking",
        6 | 308 | 518 | 523 | 524 | 525 | 526 => "cycling",
        7 => "swimming",
        12 => "tennis",
        16 => "strength_training",
        18 => "elliptical",
        21 => "soccer",
        28 => "yoga",
        29 | 188 | 534 | 549 => "dancing",
        187 => "rowing",
        550 => "hiit",
        _ => "other",
    }
}

pub fn normalize_workout(
    user_id: &str,
    d: &Value,
) -> Result<(Option<SummaryDoc>, Vec<Sample>), FetchError> {
    let id = id_field(d, "id")?;
    let start = norm::epoch_field(d, "startdate")?;
    let end = norm::epoch_field(d, "enddate")?;
    let tz = offset_of(d, start);
    let day = match d.get("date").and_then(Value::as_str) {
        Some(s) => s.to_string(),
        None => norm::at(start, tz.unwrap_or(0)).date_naive().to_string(),
    };
    let x = d.get("data").cloned().unwrap_or(json!({}));
    let (sport_id, sport_name, sport_slug) = model::sport(category(
        d.get("category").and_then(Value::as_i64).unwrap_or(0),
    ));
    let pause = norm::number(x.get("pause_duration"))
        .unwrap_or(0.0)
        .max(0.0) as i64;
    let sid = model::summary_id(user_id, SLUG, "workouts", &id);
    Ok((
        Some(SummaryDoc {
            id: sid.clone(),
            resource: "workouts",
            provider_record_id: id.clone(),
            calendar_date: day.clone(),
            start_at: Some(start * 1000),
            end_at: Some(end * 1000),
            data: json!({
                "id": sid,
                "user_id": user_id,
                "title": Value::Null,
                "timezone_offset": tz,
                "average_hr": int_in(x.get("hr_average"), 20.0, 260.0),
                "max_hr": int_in(x.get("hr_max"), 20.0, 260.0),
                "distance": num_in(x.get("distance"), 0.0, 2_000_000.0),
                "calendar_date": day,
                "time_start": model::iso_utc_ms(start * 1000),
                "time_end": model::iso_utc_ms(end * 1000),
                "calories": num_in(x.get("calories"), 0.0, 20_000.0),
                "sport": {"id": sport_id, "name": sport_name, "slug": sport_slug},
                "hr_zones": Value::Null,
                "moving_time": (end - start - pause).max(0),
                // `data.elevation` is floors climbed, not metres: Vital's workout has no field
                // for floors, so it stays in the raw record only.
                "total_elevation_gain": Value::Null,
                "steps": int_in(x.get("steps"), 0.0, 200_000.0),
                "provider_id": id,
                "source": source("watch"),
            }),
        }),
        vec![],
    ))
}

/// `getmeas`: one body summary per measure group with a weight; weight and fat as samples.
async fn fetch_measures(
    ctx: &FetchCtx,
    window: Window,
    page: Option<String>,
) -> Result<FetchedPage, FetchError> {
    let (from, to) = norm::window_utc(window);
    let mut form = vec![
        ("action", "getmeas".to_string()),
        ("meastypes", "1,6".to_string()),
        ("category", "1".to_string()),
        ("startdate", from.to_string()),
        ("enddate", (to - 1).to_string()),
    ];
    if let Some(o) = &page {
        form.push(("offset", o.clone()));
    }
    let body = service(ctx, "/measure", &form).await?;
    let zone = body
        .get("timezone")
        .and_then(Value::as_str)
        .map(str::to_string);
    let groups = body
        .get("measuregrps")
        .and_then(Value::as_array)
        .ok_or_else(|| norm::malformed("getmeas: no `measuregrps` list"))?;
    let mut out = FetchedPage {
        next: next_offset(&body),
        ..Default::default()
    };
    for g in groups {
        let (summary, samples) = normalize_measure_group(&ctx.user_id, g, zone.as_deref())?;
        if let Some(s) = summary {
            out.raw.push(norm::raw(
                "getmeas",
                s.provider_record_id.clone(),
                Some(s.calendar_date.clone()),
                g,
            ));
            out.summaries.push(s);
        }
        out.samples.extend(samples);
    }
    Ok(out)
}

/// The SI value of a measure: `value × 10^unit`.
pub fn measure_value(m: &Value) -> Option<f64> {
    let v = norm::number(m.get("value"))?;
    let unit = m.get("unit").and_then(Value::as_i64)?;
    let x = v * 10f64.powi(unit as i32);
    Some((x * 1e6).round() / 1e6)
}

pub fn normalize_measure_group(
    user_id: &str,
    g: &Value,
    zone: Option<&str>,
) -> Result<(Option<SummaryDoc>, Vec<Sample>), FetchError> {
    let id = id_field(g, "grpid")?;
    let t = norm::epoch_field(g, "date")?;
    let tz = zone.and_then(|z| norm::tz_offset_at(z, t));
    let measures = g
        .get("measures")
        .and_then(Value::as_array)
        .ok_or_else(|| norm::malformed("measure group without measures"))?;
    let of = |ty: i64| {
        measures
            .iter()
            .find(|m| m.get("type").and_then(Value::as_i64) == Some(ty))
            .and_then(measure_value)
    };
    let weight = of(1).filter(|w| norm::plausible("body_weight", *w));
    let fat = of(6).filter(|f| norm::plausible("body_fat", *f));
    // attrib 0: a device measure of the known user; others are ambiguous or manual.
    let kind = match g.get("attrib").and_then(Value::as_i64) {
        Some(0) => "scale",
        _ => "manual_scan",
    };
    let mut samples = vec![];
    if let Some(w) = weight {
        samples.push(norm::point(
            "body_weight",
            "kg",
            t * 1000,
            w,
            tz.map(i64::from),
            kind,
        ));
    }
    if let Some(f) = fat {
        samples.push(norm::point(
            "body_fat",
            "%",
            t * 1000,
            f,
            tz.map(i64::from),
            kind,
        ));
    }
    if weight.is_none() && fat.is_none() {
        return Ok((None, samples));
    }
    let day = norm::at(t, tz.unwrap_or(0)).date_naive();
    let sid = model::summary_id(user_id, SLUG, "body", &id);
    let lean = match (weight, fat) {
        (Some(w), Some(f)) => json!(((w * (1.0 - f / 100.0)) * 100.0).round() / 100.0),
        _ => Value::Null,
    };
    Ok((
        Some(SummaryDoc {
            id: sid.clone(),
            resource: "body",
            provider_record_id: id,
            calendar_date: day.to_string(),
            start_at: Some(t * 1000),
            end_at: Some(t * 1000),
            data: json!({
                "id": sid,
                "user_id": user_id,
                "date": model::iso_utc_ms(t * 1000),
                "calendar_date": day.to_string(),
                "weight": weight,
                "fat": fat,
                "lean_body_mass_kilogram": lean,
                "body_mass_index": Value::Null,
                "timezone_offset": tz,
                "source": source(kind),
            }),
        }),
        samples,
    ))
}

/// `getintradayactivity` for one day: heart rate and RMSSD keyed by epoch second.
async fn fetch_intraday(ctx: &FetchCtx, window: Window) -> Result<FetchedPage, FetchError> {
    let (from, to) = norm::window_utc(window);
    let mut out = FetchedPage::default();
    // One call answers at most 24 hours: walk the window a day at a time.
    let mut start = from;
    while start < to {
        let end = (start + 86400).min(to);
        let body = service(
            ctx,
            "/v2/measure",
            &[
                ("action", "getintradayactivity".to_string()),
                ("startdate", start.to_string()),
                ("enddate", end.to_string()),
                ("data_fields", "heart_rate,rmssd".to_string()),
            ],
        )
        .await?;
        out.samples.extend(intraday_samples(&body)?);
        start = end;
    }
    Ok(out)
}

pub fn intraday_samples(body: &Value) -> Result<Vec<Sample>, FetchError> {
    let series = match body.get("series") {
        Some(Value::Object(m)) => m,
        // Withings answers an empty list rather than an empty object when there is nothing.
        Some(Value::Array(a)) if a.is_empty() => return Ok(vec![]),
        _ => return Err(norm::malformed("getintradayactivity: no `series` object")),
    };
    let mut out = vec![];
    for (k, v) in series {
        let t: i64 = k
            .parse()
            .map_err(|_| norm::malformed(format!("intraday key {k:?} is not an epoch")))?;
        if let Some(b) =
            norm::number(v.get("heart_rate")).filter(|b| norm::plausible("heartrate", *b))
        {
            out.push(norm::point("heartrate", "bpm", t * 1000, b, None, "watch"));
        }
        if let Some(r) = norm::number(v.get("rmssd")).filter(|r| norm::plausible("hrv", *r)) {
            out.push(norm::point("hrv", "rmssd", t * 1000, r, None, "watch"));
        }
    }
    out.sort_by_key(|s| (s.metric, s.ts));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Withings' published shapes (shared/reference/providers.md §2).
    #[test]
    fn token_envelope_and_errors() {
        let ok = token_adapter(
            200,
            json!({"status": 0,
         "body": {"userid": 363, "access_token": "a075f8c14fb8df40b08ebc8508533dc332a6910a",
          "refresh_token": "f631236f02b991810feb774765b6ae8e6c6839ca", "expires_in": 10800,
          "scope": "user.activity,user.metrics", "csrf_token": "PACnnxwHTaBQOzF7bQqwFUUotIuvtzSM",
          "token_type": "Bearer"}}),
        );
        assert_eq!(
            ok["access_token"],
            "a075f8c14fb8df40b08ebc8508533dc332a6910a"
        );
        assert_eq!(ok["scope"], "user.activity user.metrics");
        assert_eq!(ok["provider_user_id"], "363");
        let e = token_adapter(
            200,
            json!({"status": 503, "error": "Invalid Params: invalid code"}),
        );
        assert_eq!(e["error"], "invalid_grant");
        let e = token_adapter(
            200,
            json!({"status": 601, "body": {"wait_seconds": 188}, "error": "Same arguments in less than 10 seconds"}),
        );
        assert_eq!(e["error"], "temporarily_unavailable");
        assert_eq!(
            envelope(json!({"status": 601, "body": {"wait_seconds": 188}})),
            Err(FetchError::RateLimited {
                retry_after: Some(Duration::from_secs(188))
            })
        );
        assert_eq!(
            envelope(
                json!({"status": 401, "body": {}, "error": "XRequestID: Not provided invalid_token: The access token provided is invalid"})
            ),
            Err(FetchError::Unauthorized)
        );
    }

    /// The document's status families: "Invalid params" is permanent, a timeout is not.
    #[test]
    fn invalid_params_statuses_are_permanent() {
        for code in [501, 503, 507, 511, 523, 532] {
            match envelope(json!({"status": code, "body": {}, "error": "Invalid params"})) {
                Err(FetchError::Rejected {
                    status: 400,
                    message,
                }) => {
                    assert!(message.contains("invalid params"), "{code}: {message}")
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        for code in [522, 500, 516, 533] {
            assert_eq!(
                envelope(json!({"status": code, "body": {}})),
                Err(FetchError::Server {
                    status: code as u16
                }),
                "{code}"
            );
        }
    }

    /// `data_fields` goes to every list service that documents it.
    #[test]
    fn list_services_send_data_fields() {
        let w = Window {
            start: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            end: chrono::NaiveDate::from_ymd_opt(2026, 11, 7).unwrap(),
        };
        for (path, action) in [
            ("/v2/sleep", "getsummary"),
            ("/v2/measure", "getactivity"),
            ("/v2/measure", "getworkouts"),
        ] {
            let form = list_form(action, w, &Some("10".into()));
            let fields = form.iter().find(|(k, _)| *k == "data_fields");
            assert!(fields.is_some(), "{path} {action} without data_fields");
        }
    }

    #[test]
    fn measures_use_the_unit_exponent_and_the_zone() {
        let body: Value = serde_json::from_str(r#"{"updatetime": 1718000000, "timezone": "Europe/Paris", "more": 0, "offset": 0,
          "measuregrps": [{"grpid": 5123456789, "attrib": 0, "date": 1717995600, "created": 1717995650,
            "modified": 1717995650, "category": 1, "deviceid": "892359876fd8805ac45bab078c4828692f0276b1",
            "model": "Body Cardio", "model_id": 6,
            "measures": [{"value": 72350, "type": 1, "unit": -3, "algo": 0, "fm": 3},
                         {"value": 1850, "type": 6, "unit": -2, "algo": 0, "fm": 3}]}]}"#).unwrap();
        assert_eq!(next_offset(&body), None);
        let (s, samples) =
            normalize_measure_group("u", &body["measuregrps"][0], Some("Europe/Paris")).unwrap();
        let s = s.unwrap();
        assert_eq!(s.data["weight"], 72.35);
        assert_eq!(s.data["fat"], 18.5);
        assert_eq!(s.data["timezone_offset"], 7200);
        assert_eq!(s.calendar_date, "2024-06-10");
        assert_eq!(samples.len(), 2);
        assert_eq!((samples[0].metric, samples[0].unit), ("body_weight", "kg"));
    }

    #[test]
    fn sleep_activity_workout_and_intraday_examples() {
        let sleep: Value = serde_json::from_str(r#"{"id": 2081804182, "timezone": "Europe/Paris", "model": 32, "model_id": 63,
           "startdate": 1717970400, "enddate": 1717997400, "date": "2024-06-10", "created": 1717998000,
           "modified": 1717998000, "hash_deviceid": "a1b2c3", "completed": true,
           "data": {"total_timeinbed": 27000, "total_sleep_time": 24300, "lightsleepduration": 13200,
                    "deepsleepduration": 5400, "remsleepduration": 5700, "wakeupduration": 2700,
                    "wakeupcount": 2, "sleep_efficiency": 0.9, "sleep_latency": 600, "hr_average": 56,
                    "hr_min": 48, "hr_max": 77, "rr_average": 14, "sleep_score": 82}}"#).unwrap();
        let s = normalize_sleep("u", &sleep).unwrap().0.unwrap();
        assert_eq!(s.data["duration"], 27000);
        assert_eq!(s.data["total"], 24300);
        assert_eq!(s.data["efficiency"], 90.0);
        assert_eq!(s.data["timezone_offset"], 7200);
        assert_eq!(s.data["bedtime_start"], "2024-06-09T22:00:00+00:00");
        assert_eq!(s.data["score"], 82);
        let act: Value = serde_json::from_str(r#"{"date": "2024-06-09", "timezone": "Europe/Paris", "deviceid": null, "hash_deviceid": null, "brand": 18,
           "is_tracker": false, "modified": 1718001000, "steps": 8123, "distance": 6012.5, "elevation": 7,
           "soft": 3600, "moderate": 1500, "intense": 420, "active": 1920, "calories": 412.7,
           "totalcalories": 2380.1, "hr_average": 74, "hr_min": 52, "hr_max": 141,
           "hr_zone_0": 2400, "hr_zone_1": 900, "hr_zone_2": 300, "hr_zone_3": 0}"#).unwrap();
        let a = normalize_activity("u", &act).unwrap().0.unwrap();
        assert_eq!(a.data["steps"], 8123);
        assert_eq!(a.data["low"], 60);
        assert_eq!(a.data["high"], 7);
        assert_eq!(a.data["calories_active"], 412.7);
        assert_eq!(a.data["heart_rate"]["max_bpm"], 141);
        assert_eq!(a.data["time_zone"], "Europe/Paris");
        let wo: Value = serde_json::from_str(r#"{"id": 3344556677, "category": 2, "timezone": "Europe/Paris", "model": 93, "attrib": 0,
           "startdate": 1718010000, "enddate": 1718012400, "date": "2024-06-10", "modified": 1718013000,
           "deviceid": "892359876fd8",
           "data": {"calories": 310, "distance": 5120, "steps": 6100, "hr_average": 148, "hr_min": 96,
                    "hr_max": 171, "intensity": 0, "elevation": 12, "pause_duration": 0}}"#).unwrap();
        let w = normalize_workout("u", &wo).unwrap().0.unwrap();
        assert_eq!(w.data["sport"]["slug"], "running");
        assert_eq!(w.data["moving_time"], 2400);
        assert_eq!(w.data["distance"], 5120.0);
        // `data.elevation` is floors climbed (12 floors), not 12 m of elevation gain.
        assert_eq!(w.data["total_elevation_gain"], Value::Null);
        let intraday: Value = serde_json::from_str(r#"{"series": {
          "1718000040": {"deviceid": "892359876fd8", "model": "ScanWatch", "model_id": 93, "heart_rate": 68},
          "1718000100": {"deviceid": "892359876fd8", "model": "ScanWatch", "model_id": 93, "steps": 42, "heart_rate": 91}}}"#).unwrap();
        let s = intraday_samples(&intraday).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].ts, s[0].value), (1718000040000, 68.0));
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// Sleep `model` per the published getsummary: 16 tracker, 32 Sleep Monitor; an unknown
    /// model keeps the night.
    #[test]
    fn sleep_models_and_workout_categories_follow_the_published_lists() {
        let night = |model: Value| {
            let d = json!({"id": 1, "timezone": "Europe/Paris", "model": model, "startdate": 1717970400,
                "enddate": 1717997400, "date": "2024-06-10", "data": {"total_sleep_time": 24300}});
            normalize_sleep("u", &d).unwrap().0.unwrap().data
        };
        assert_eq!(night(json!(16))["source"]["type"], "watch");
        assert_eq!(night(json!(32))["source"]["type"], "unknown");
        let other = night(json!(99));
        assert_eq!(other["source"]["type"], "unknown");
        assert_eq!(other["total"], 24300);
        for (c, sport) in [
            (1, "walking"),
            (2, "running"),
            (6, "cycling"),
            (187, "rowing"),
            (307, "running"),
            (308, "cycling"),
            (550, "hiit"),
            (36, "other"),
            (9999, "other"),
        ] {
            assert_eq!(category(c), sport, "category {c}");
        }
    }
}
