//! Oura API v2: OAuth endpoints, data routes and the normalizer to Vital's model.
use std::collections::HashMap;

use chrono::Duration;
use serde_json::{json, Value};

use super::http::get_json;
use super::{
    ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec, SyncResource,
    Window,
};
use crate::config::Environment;
use crate::model::{self, RawRecord, Sample, SummaryDoc};

pub struct Oura;

/// Oura compares `redirect_uri` with the registered one exactly ("Verify your redirect URI exactly
/// matches what's registered in your application", OpenAPI `openapi-1.35.json`, tag
/// "Authentication Troubleshooting"; the mirror github.com/api-evangelist/oura
/// `openapi/_original/oura-oura-ring-api-openapi.yml`): no loopback port exception, so the app
/// listens on the registered `http://127.0.0.1:8751/callback`.
pub const REDIRECT_PORT: u16 = 8751;

static SPEC: ProviderSpec = ProviderSpec {
    slug: "oura",
    name: "Oura",
    description: "Smart ring: sleep stages, readiness, activity and heart rate",
    resources: &[
        "sleep",
        "activity",
        "workouts",
        "heartrate",
        "hrv",
        "profile",
    ],
    scopes: &["personal", "daily", "heartrate", "workout"],
    required_scopes: &["daily"],
    client_auth: ClientAuth::RequestBody,
    max_history_days: 3650,
    redirect: super::RedirectKind::LoopbackFixedPort(REDIRECT_PORT),
    source_type: "ring",
    colour: "#1f2a44",
};

static RESOURCES: [SyncResource; 5] = [
    SyncResource {
        name: "sleep",
        window_days: 30,
    },
    SyncResource {
        name: "activity",
        window_days: 30,
    },
    SyncResource {
        name: "workouts",
        window_days: 30,
    },
    // The heart-rate route refuses spans over 30 days; a 29-day window plus its end day is 30.
    SyncResource {
        name: "heartrate",
        window_days: 29,
    },
    // One document, whatever the window: fetched once per sync.
    SyncResource {
        name: "profile",
        window_days: 100_000,
    },
];

#[async_trait::async_trait]
impl Provider for Oura {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        Endpoints {
            authorize_url: "https://cloud.ouraring.com/oauth/authorize".into(),
            token_url: "https://api.ouraring.com/oauth/token".into(),
            revoke_url: Some("https://api.ouraring.com/oauth/revoke".into()),
            api_base: "https://api.ouraring.com".into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &RESOURCES
    }

    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        match resource {
            "sleep" => fetch_sleep(ctx, window, page).await,
            "activity" => {
                let (docs, next) = documents(ctx, "daily_activity", window, page).await?;
                page_of(ctx, "daily_activity", docs, next, |d| {
                    normalize_activity(&ctx.user_id, d).map(|s| (Some(s), vec![]))
                })
            }
            "workouts" => {
                let (docs, next) = documents(ctx, "workout", window, page).await?;
                page_of(ctx, "workout", docs, next, |d| {
                    normalize_workout(&ctx.user_id, d).map(|s| (Some(s), vec![]))
                })
            }
            "heartrate" => fetch_heartrate(ctx, window, page).await,
            "profile" => {
                let (v, _) = get(ctx, "/v2/usercollection/personal_info", &[]).await?;
                let today = ctx.clock.now().date_naive();
                let mut page = FetchedPage::default();
                if let Some(id) = v.get("id").and_then(Value::as_str) {
                    page.raw.push(RawRecord {
                        resource: "personal_info".into(),
                        record_key: id.to_string(),
                        day: Some(today.to_string()),
                        payload: v.to_string(),
                    });
                    page.summaries
                        .push(normalize_profile(&ctx.user_id, &v, today)?);
                }
                Ok(page)
            }
            other => Err(FetchError::Rejected {
                status: 400,
                message: format!("oura has no resource {other}"),
            }),
        }
    }

    async fn external_user_id(&self, ctx: &FetchCtx) -> Result<Option<String>, FetchError> {
        let (v, _) = get(ctx, "/v2/usercollection/personal_info", &[]).await?;
        Ok(v.get("id").and_then(Value::as_str).map(str::to_string))
    }

    /// Oura takes the access token in the query string of its revoke URL.
    async fn revoke(
        &self,
        ctx: &FetchCtx,
        client: &crate::oauth::ClientConfig,
        _refresh: Option<&str>,
    ) -> Result<(), FetchError> {
        let Some(url) = &client.endpoints.revoke_url else {
            return Ok(());
        };
        let r = ctx
            .http
            .get(url)
            .query(&[("access_token", ctx.access_token.as_str())])
            .send()
            .await
            .map_err(|_| FetchError::Network("revoke request failed".into()))?;
        match r.status().as_u16() {
            200..=299 | 401 => Ok(()),
            s => Err(FetchError::Rejected {
                status: s,
                message: "revoke refused".into(),
            }),
        }
    }
}

/// GETs an Oura route and tells its 403s apart. Oura answers 403 both for a scope that was not
/// granted and for a lapsed membership ("Usually means the user's subscription to Oura has
/// expired and their data is not available via the API", every route's 403 in the OpenAPI
/// document; "Expired Oura Membership" under "Authentication Troubleshooting"), with the same
/// body; the scopes the user granted decide which one it is.
async fn get(
    ctx: &FetchCtx,
    path: &str,
    query: &[(&str, String)],
) -> Result<(Value, String), FetchError> {
    let scope = scope_of(path);
    get_json(ctx, path, query).await.map_err(|e| match e {
        FetchError::Forbidden(m) => match ctx.granted(scope) {
            Some(true) => FetchError::MembershipRequired(format!(
                "Oura answered 403 ({m}) for `{scope}`, which was granted"
            )),
            Some(false) => {
                FetchError::Forbidden(format!("{m}; the `{scope}` permission was not granted"))
            }
            None => FetchError::Forbidden(format!(
                "{m}; the `{scope}` permission is missing or the Oura membership has lapsed"
            )),
        },
        other => other,
    })
}

/// The query of a date-range collection for the local days `[window.start, window.end]`.
///
/// Oura's date-only `end_date` is exclusive (midnight) and for `sleep` the `start_date` day is
/// excluded too (docs/providers/oura.md, "Real-API behaviours"); the routes take no date-time.
/// So the bounds are padded by a day on each side, and `documents` keeps the window's days.
fn window_query(window: Window, page: &Option<String>) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("start_date", (window.start - Duration::days(1)).to_string()),
        ("end_date", (window.end + Duration::days(1)).to_string()),
    ];
    if let Some(t) = page {
        q.push(("next_token", t.clone()));
    }
    q
}

/// The scope a data route needs (OpenAPI `components.securitySchemes.OAuth2` scopes: `daily`
/// "Daily summaries of sleep, activity and readiness", `heartrate`, `workout`, `personal`).
fn scope_of(path: &str) -> &'static str {
    match path.rsplit('/').next().unwrap_or("") {
        "workout" => "workout",
        "heartrate" => "heartrate",
        "personal_info" => "personal",
        _ => "daily",
    }
}

fn list_of(v: &Value, what: &str) -> Result<(Vec<Value>, Option<String>), FetchError> {
    let data = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchError::Malformed(format!("{what}: no `data` list")))?;
    let next = v
        .get("next_token")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok((data.clone(), next))
}

async fn documents(
    ctx: &FetchCtx,
    collection: &str,
    window: Window,
    page: Option<String>,
) -> Result<(Vec<Value>, Option<String>), FetchError> {
    let (v, _) = get(
        ctx,
        &format!("/v2/usercollection/{collection}"),
        &window_query(window, &page),
    )
    .await?;
    let (mut docs, next) = list_of(&v, collection)?;
    // The padded bounds bring in the neighbouring days: each window keeps its own days only, so
    // a backfill ends at its target day and neighbouring windows do not both write a document.
    docs.retain(|d| {
        match d
            .get("day")
            .and_then(Value::as_str)
            .and_then(model::parse_day)
        {
            Some(day) => day >= window.start && day <= window.end,
            None => true,
        }
    });
    Ok((docs, next))
}

type Normalized = (Option<SummaryDoc>, Vec<Sample>);

fn raw_of(collection: &str, doc: &Value) -> Result<RawRecord, FetchError> {
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| FetchError::Malformed(format!("{collection} document without id")))?;
    Ok(RawRecord {
        resource: collection.to_string(),
        record_key: id.to_string(),
        day: doc.get("day").and_then(Value::as_str).map(str::to_string),
        payload: doc.to_string(),
    })
}

fn page_of(
    _ctx: &FetchCtx,
    collection: &str,
    docs: Vec<Value>,
    next: Option<String>,
    norm: impl Fn(&Value) -> Result<Normalized, FetchError>,
) -> Result<FetchedPage, FetchError> {
    let mut page = FetchedPage {
        next,
        ..Default::default()
    };
    for d in &docs {
        page.raw.push(raw_of(collection, d)?);
        let (summary, samples) = norm(d)?;
        page.summaries.extend(summary);
        page.samples.extend(samples);
    }
    Ok(page)
}

async fn fetch_sleep(
    ctx: &FetchCtx,
    window: Window,
    page: Option<String>,
) -> Result<FetchedPage, FetchError> {
    // Vital's sleep score is Oura's daily_sleep score of the same day: fetch those first.
    let mut scores: HashMap<String, i64> = HashMap::new();
    let mut daily_raw = vec![];
    let mut token = None;
    loop {
        let (docs, next) = documents(ctx, "daily_sleep", window, token).await?;
        for d in &docs {
            daily_raw.push(raw_of("daily_sleep", d)?);
            if let (Some(day), Some(score)) = (d["day"].as_str(), d["score"].as_i64()) {
                scores.insert(day.to_string(), score);
            }
        }
        if next.is_none() {
            break;
        }
        token = next;
    }
    let (docs, next) = documents(ctx, "sleep", window, page).await?;
    let mut out = page_of(ctx, "sleep", docs, next, |d| {
        normalize_sleep(&ctx.user_id, d, &scores)
    })?;
    out.raw.extend(daily_raw);
    Ok(out)
}

async fn fetch_heartrate(
    ctx: &FetchCtx,
    window: Window,
    page: Option<String>,
) -> Result<FetchedPage, FetchError> {
    let start = format!("{}T00:00:00+00:00", window.start);
    let end = format!("{}T00:00:00+00:00", window.end + Duration::days(1));
    let mut q = vec![
        ("start_datetime", start.clone()),
        ("end_datetime", end.clone()),
    ];
    if let Some(t) = &page {
        q.push(("next_token", t.clone()));
    }
    let (v, _) = get(ctx, "/v2/usercollection/heartrate", &q).await?;
    let (rows, next) = list_of(&v, "heartrate")?;
    let mut samples = Vec::with_capacity(rows.len());
    for r in &rows {
        samples.push(normalize_hr_row(r)?);
    }
    // Heart-rate rows carry nothing beyond (timestamp, bpm, source), all kept in `samples`, so no
    // raw copy is stored: it would double the size of the largest table for no information.
    Ok(FetchedPage {
        raw: vec![],
        summaries: vec![],
        samples,
        next,
    })
}

fn str_field<'a>(d: &'a Value, k: &str) -> Result<&'a str, FetchError> {
    d.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| FetchError::Malformed(format!("missing or non-text field `{k}`")))
}

fn time_field(d: &Value, k: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, FetchError> {
    let s = str_field(d, k)?;
    model::parse_datetime(s)
        .ok_or_else(|| FetchError::Malformed(format!("`{k}` is not a date-time: {s:?}")))
}

/// Integers within a plausible range; anything else is dropped rather than stored.
fn int_in(d: &Value, k: &str, lo: i64, hi: i64) -> Value {
    match d.get(k).and_then(Value::as_f64) {
        Some(x) if x >= lo as f64 && x <= hi as f64 => json!(x.round() as i64),
        _ => Value::Null,
    }
}

fn num_in(v: Option<&Value>, lo: f64, hi: f64) -> Value {
    match v.and_then(Value::as_f64) {
        Some(x) if x >= lo && x <= hi => json!(x),
        _ => Value::Null,
    }
}

fn source() -> Value {
    json!({"provider": "oura", "type": "ring", "name": "Oura", "slug": "oura", "logo": ""})
}

pub fn normalize_sleep(
    user_id: &str,
    d: &Value,
    scores: &HashMap<String, i64>,
) -> Result<Normalized, FetchError> {
    let oura_type = d
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("long_sleep");
    if oura_type == "deleted" {
        return Ok((None, vec![]));
    }
    let id = str_field(d, "id")?;
    let day = str_field(d, "day")?;
    let date = model::parse_day(day)
        .ok_or_else(|| FetchError::Malformed(format!("`day` is not a date: {day:?}")))?;
    let start = time_field(d, "bedtime_start")?;
    let stop = time_field(d, "bedtime_end")?;
    if stop < start {
        return Err(FetchError::Malformed(
            "bedtime_end is before bedtime_start".into(),
        ));
    }
    // Oura's `sleep` is a short sleep period it detected, not a nap the person acknowledged;
    // only `late_nap` is a nap.
    let vital_type = match oura_type {
        "long_sleep" => "long_sleep",
        "sleep" => "short_sleep",
        "late_nap" => "acknowledged_nap",
        _ => "unknown",
    };
    let secs = |k: &str| int_in(d, k, 0, 86400);
    let sid = model::summary_id(user_id, "oura", "sleep", id);
    let mut samples = vec![];
    if let Some(hrv) = d.get("hrv").filter(|v| !v.is_null()) {
        samples.extend(sample_series(
            hrv,
            "hrv",
            "rmssd",
            start.offset().local_minus_utc() as i64,
        )?);
    }
    let doc = json!({
        "id": sid,
        "user_id": user_id,
        "date": model::date_midnight_utc(date),
        "calendar_date": day,
        "bedtime_start": model::iso_utc(start),
        "bedtime_stop": model::iso_utc(stop),
        "type": vital_type,
        "timezone_offset": start.offset().local_minus_utc(),
        "duration": (stop - start).num_seconds(),
        "total": secs("total_sleep_duration"),
        "awake": secs("awake_time"),
        "light": secs("light_sleep_duration"),
        "rem": secs("rem_sleep_duration"),
        "deep": secs("deep_sleep_duration"),
        "score": scores.get(day).map(|s| json!(s)).unwrap_or(Value::Null),
        "hr_lowest": int_in(d, "lowest_heart_rate", 20, 250),
        "hr_average": num_in(d.get("average_heart_rate"), 20.0, 250.0).as_f64().map(|x| json!(x.round() as i64)).unwrap_or(Value::Null),
        "efficiency": num_in(d.get("efficiency"), 0.0, 100.0),
        "latency": secs("latency"),
        "temperature_delta": num_in(d.pointer("/readiness/temperature_deviation"), -10.0, 10.0),
        // The readiness of the morning after this sleep (null for naps), Vital's readiness field.
        "recovery_readiness_score": num_in(d.pointer("/readiness/score"), 0.0, 100.0).as_f64().map(|x| json!(x.round() as i64)).unwrap_or(Value::Null),
        "average_hrv": num_in(d.get("average_hrv"), 0.0, 500.0),
        "respiratory_rate": num_in(d.get("average_breath"), 0.0, 80.0),
        "source": source(),
        "sleep_stream": sleep_stream(d, start),
        "provider_id": id,
    });
    Ok((
        Some(SummaryDoc {
            id: sid,
            resource: "sleep",
            provider_record_id: id.to_string(),
            calendar_date: day.to_string(),
            start_at: Some(start.timestamp_millis()),
            end_at: Some(stop.timestamp_millis()),
            data: doc,
        }),
        samples,
    ))
}

/// Vital's `ClientFacingSleepStream` from the sleep document's own series: the hypnogram from
/// `sleep_phase_5_min` (Oura and Vital share the encoding: 1 deep, 2 light, 3 REM, 4 awake),
/// heart rate and HRV from their 5-minute samples.
fn sleep_stream(d: &Value, start: chrono::DateTime<chrono::FixedOffset>) -> Value {
    let tz = start.offset().local_minus_utc() as i64;
    let point = |s: &Sample| json!({"timestamp": model::iso_utc_ms(s.ts), "value": s.value, "unit": s.unit, "timezone_offset": tz, "type": "ring"});
    let series = |k: &str, metric: &'static str, unit: &'static str| -> Vec<Value> {
        d.get(k)
            .filter(|v| !v.is_null())
            .and_then(|v| sample_series(v, metric, unit, tz).ok())
            .map(|v| v.iter().map(point).collect())
            .unwrap_or_default()
    };
    let hypnogram: Vec<Value> = d
        .get("sleep_phase_5_min")
        .and_then(Value::as_str)
        .map(|p| {
            p.chars()
                .enumerate()
                .filter_map(|(i, c)| {
                    let stage = c.to_digit(10).filter(|x| (1..=4).contains(x))?;
                    let from = start.timestamp_millis() + i as i64 * 300_000;
                    Some(json!({"start": model::iso_utc_ms(from), "end": model::iso_utc_ms(from + 300_000), "timestamp": model::iso_utc_ms(from), "value": stage, "unit": "stage", "timezone_offset": tz, "type": "ring"}))
                })
                .collect()
        })
        .unwrap_or_default();
    json!({"hrv": series("hrv", "hrv", "rmssd"), "heartrate": series("heart_rate", "heartrate", "bpm"), "hypnogram": hypnogram, "respiratory_rate": []})
}

/// Expands an Oura `PublicSample` (`{interval, items, timestamp}`) into Vital samples.
fn sample_series(
    s: &Value,
    metric: &'static str,
    unit: &'static str,
    tz: i64,
) -> Result<Vec<Sample>, FetchError> {
    let start = time_field(s, "timestamp")?;
    let interval = s
        .get("interval")
        .and_then(Value::as_f64)
        .filter(|i| *i > 0.0)
        .ok_or_else(|| FetchError::Malformed("sample without a positive interval".into()))?;
    let items = s
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchError::Malformed("sample without items".into()))?;
    Ok(items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let x = v.as_f64().filter(|x| super::norm::plausible(metric, *x))?;
            Some(Sample {
                metric,
                ts: start.timestamp_millis() + (i as f64 * interval * 1000.0) as i64,
                end_ts: None,
                value: x,
                unit,
                tz_offset: Some(tz),
                source_type: Some("ring".into()),
            })
        })
        .collect())
}

pub fn normalize_activity(user_id: &str, d: &Value) -> Result<SummaryDoc, FetchError> {
    let id = str_field(d, "id")?;
    let day = str_field(d, "day")?;
    let date = model::parse_day(day)
        .ok_or_else(|| FetchError::Malformed(format!("`day` is not a date: {day:?}")))?;
    let ts = time_field(d, "timestamp")?;
    let minutes = |k: &str| {
        d.get(k)
            .and_then(Value::as_f64)
            .filter(|x| (0.0..=86400.0).contains(x))
            .map(|x| json!((x / 60.0).round() as i64))
            .unwrap_or(Value::Null)
    };
    let sid = model::summary_id(user_id, "oura", "activity", id);
    let distance = num_in(d.get("equivalent_walking_distance"), 0.0, 500_000.0);
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "activity",
        provider_record_id: id.to_string(),
        calendar_date: day.to_string(),
        start_at: Some(ts.timestamp_millis()),
        end_at: Some(ts.timestamp_millis() + 86_400_000),
        data: json!({
            "id": sid,
            "user_id": user_id,
            "date": model::date_midnight_utc(date),
            "calendar_date": day,
            "calories_total": num_in(d.get("total_calories"), 0.0, 20_000.0),
            "calories_active": num_in(d.get("active_calories"), 0.0, 20_000.0),
            "steps": int_in(d, "steps", 0, 200_000),
            "daily_movement": distance,
            "distance": distance,
            "low": minutes("low_activity_time"),
            "medium": minutes("medium_activity_time"),
            "high": minutes("high_activity_time"),
            "floors_climbed": Value::Null,
            "time_zone": Value::Null,
            "timezone_offset": ts.offset().local_minus_utc(),
            "heart_rate": Value::Null,
            "wheelchair_use": Value::Null,
            "wheelchair_push": Value::Null,
            "source": source(),
        }),
    })
}

pub fn normalize_workout(user_id: &str, d: &Value) -> Result<SummaryDoc, FetchError> {
    let id = str_field(d, "id")?;
    let day = str_field(d, "day")?;
    let start = time_field(d, "start_datetime")?;
    let end = time_field(d, "end_datetime")?;
    let activity = str_field(d, "activity")?;
    let (sport_id, sport_name, sport_slug) = model::sport(activity);
    let sid = model::summary_id(user_id, "oura", "workouts", id);
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "workouts",
        provider_record_id: id.to_string(),
        calendar_date: day.to_string(),
        start_at: Some(start.timestamp_millis()),
        end_at: Some(end.timestamp_millis()),
        data: json!({
            "id": sid,
            "user_id": user_id,
            "title": d.get("label").cloned().unwrap_or(Value::Null),
            "timezone_offset": start.offset().local_minus_utc(),
            "average_hr": Value::Null,
            "max_hr": Value::Null,
            "distance": num_in(d.get("distance"), 0.0, 1_000_000.0),
            "calendar_date": day,
            "time_start": model::iso_utc(start),
            "time_end": model::iso_utc(end),
            "calories": num_in(d.get("calories"), 0.0, 20_000.0),
            "sport": {"id": sport_id, "name": sport_name, "slug": sport_slug},
            "hr_zones": Value::Null,
            "moving_time": (end - start).num_seconds().max(0),
            "provider_id": id,
            "source": source(),
        }),
    })
}

pub fn normalize_profile(
    user_id: &str,
    v: &Value,
    today: chrono::NaiveDate,
) -> Result<SummaryDoc, FetchError> {
    let id = str_field(v, "id")?;
    let sid = model::summary_id(user_id, "oura", "profile", id);
    let sex = match v.get("biological_sex").and_then(Value::as_str) {
        Some("male") => json!("male"),
        Some("female") => json!("female"),
        Some(_) => json!("other"),
        None => Value::Null,
    };
    let birth_year = v
        .get("age")
        .and_then(Value::as_i64)
        .filter(|a| (0..130).contains(a))
        .map(|a| chrono::Datelike::year(&today) as i64 - a);
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "profile",
        provider_record_id: id.to_string(),
        calendar_date: today.to_string(),
        start_at: None,
        end_at: None,
        data: json!({
            "id": sid,
            "user_id": user_id,
            "height": v.get("height").and_then(Value::as_f64).filter(|h| (0.3..3.0).contains(h)).map(|h| (h * 100.0).round() as i64),
            "birth_date": birth_year.map(|y| format!("{y}-01-01")),
            "wheelchair_use": Value::Null,
            "gender": sex.clone(),
            "sex": sex,
            "source": source(),
        }),
    })
}

pub fn normalize_hr_row(r: &Value) -> Result<Sample, FetchError> {
    let ts = match r.get("timestamp_unix").and_then(Value::as_i64) {
        Some(ms) => ms,
        None => time_field(r, "timestamp")?.timestamp_millis(),
    };
    let bpm = r
        .get("bpm")
        .and_then(Value::as_f64)
        .filter(|b| super::norm::plausible("heartrate", *b))
        .ok_or_else(|| FetchError::Malformed("heart-rate row without a plausible bpm".into()))?;
    Ok(Sample {
        metric: "heartrate",
        ts,
        end_ts: None,
        value: bpm,
        unit: "bpm",
        tz_offset: None,
        source_type: r.get("source").and_then(Value::as_str).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shapes and values from Oura's published examples (shared/reference/providers.md §1.2).
    const SLEEP: &str = r#"{"id": "96e7772a-64a7-4342-9c5f-3e5ed9e64d6d", "day": "2024-10-10",
      "bedtime_start": "2024-10-10T01:01:59+02:00", "bedtime_end": "2024-10-10T09:04:12+02:00",
      "type": "long_sleep", "period": 0, "low_battery_alert": false,
      "time_in_bed": 28933, "total_sleep_duration": 23220, "awake_time": 5713,
      "deep_sleep_duration": 3060, "light_sleep_duration": 17160, "rem_sleep_duration": 3000,
      "latency": 930, "efficiency": 80, "average_heart_rate": 71.25, "lowest_heart_rate": 60,
      "average_hrv": 38, "average_breath": 14.5,
      "heart_rate": {"interval": 300.0, "items": [76.0, 77.0, null, 71.0], "timestamp": "2024-10-10T01:01:59.000+02:00"},
      "hrv": {"interval": 300.0, "items": [12.0, 9.0, null, 42.0], "timestamp": "2024-10-10T01:01:59.000+02:00"},
      "sleep_phase_5_min": "4422211333", "movement_30_sec": "1112221",
      "readiness": {"score": 81, "temperature_deviation": -0.1, "temperature_trend_deviation": 0.05, "contributors": {}},
      "meta": {"updated_at": "2024-10-10T07:30:00Z", "version": 1}}"#;

    #[test]
    fn sleep_maps_to_vital_fields_and_units() {
        let d: Value = serde_json::from_str(SLEEP).unwrap();
        let scores = HashMap::from([("2024-10-10".to_string(), 77)]);
        let (s, samples) = normalize_sleep("user-1", &d, &scores).unwrap();
        let s = s.unwrap();
        let v = &s.data;
        assert_eq!(v["calendar_date"], "2024-10-10");
        assert_eq!(v["bedtime_start"], "2024-10-09T23:01:59+00:00");
        assert_eq!(v["bedtime_stop"], "2024-10-10T07:04:12+00:00");
        assert_eq!(v["timezone_offset"], 7200);
        assert_eq!(v["duration"], 28933);
        assert_eq!(v["total"], 23220);
        assert_eq!(v["deep"], 3060);
        assert_eq!(v["score"], 77);
        assert_eq!(v["hr_average"], 71);
        assert_eq!(v["temperature_delta"], -0.1);
        assert_eq!(v["recovery_readiness_score"], 81);
        assert_eq!(v["respiratory_rate"], 14.5);
        assert_eq!(v["source"]["provider"], "oura");
        assert_eq!(v["type"], "long_sleep");
        // Three HRV values, the null skipped, five minutes apart.
        assert_eq!(samples.len(), 3);
        assert_eq!(samples[2].ts - samples[0].ts, 900_000);
        // Re-normalizing gives the same id: re-syncs update, never duplicate.
        let (again, _) = normalize_sleep("user-1", &d, &scores).unwrap();
        assert_eq!(again.unwrap().id, s.id);
        for (oura, vital) in [
            ("sleep", "short_sleep"),
            ("late_nap", "acknowledged_nap"),
            ("rest", "unknown"),
        ] {
            let mut short = d.clone();
            short["type"] = json!(oura);
            let (s, _) = normalize_sleep("user-1", &short, &scores).unwrap();
            assert_eq!(s.unwrap().data["type"], vital, "{oura}");
        }
    }

    #[test]
    fn deleted_sleep_is_skipped_and_garbage_is_an_error_not_a_panic() {
        let deleted = json!({"id": "x", "type": "deleted"});
        assert!(normalize_sleep("u", &deleted, &HashMap::new())
            .unwrap()
            .0
            .is_none());
        let bad =
            json!({"id": "x", "day": "2024-10-10", "bedtime_start": "yesterday", "bedtime_end": 5});
        assert!(matches!(
            normalize_sleep("u", &bad, &HashMap::new()),
            Err(FetchError::Malformed(_))
        ));
    }

    #[test]
    fn activity_and_workout_examples() {
        let a = json!({"id": "3e8de08b-9fa1-4fb0-8edc-0ccf097f6693", "day": "2024-11-11",
          "timestamp": "2024-11-11T04:00:00+01:00", "steps": 11250, "active_calories": 1153,
          "total_calories": 3400, "equivalent_walking_distance": 17850, "high_activity_time": 2460,
          "medium_activity_time": 4860, "low_activity_time": 18060});
        let s = normalize_activity("u", &a).unwrap();
        assert_eq!(s.data["steps"], 11250);
        assert_eq!(s.data["calories_total"], 3400.0);
        assert_eq!(s.data["high"], 41);
        assert_eq!(s.data["timezone_offset"], 3600);
        let w = json!({"id": "6fcc2eed-227f-4702-bad9-54d44c14511e", "activity": "walking", "calories": 87.868,
          "distance": 269.88, "day": "2024-10-09", "start_datetime": "2024-10-09T16:49:00+00:00",
          "end_datetime": "2024-10-09T17:33:00+00:00", "intensity": "easy", "label": null, "source": "confirmed"});
        let s = normalize_workout("u", &w).unwrap();
        assert_eq!(s.data["sport"]["slug"], "walking");
        assert_eq!(s.data["moving_time"], 2640);
        assert_eq!(
            s.data["provider_id"],
            "6fcc2eed-227f-4702-bad9-54d44c14511e"
        );
    }

    #[test]
    fn heart_rate_rows_with_and_without_unix_time() {
        let a = normalize_hr_row(
            &json!({"bpm": 91, "source": "awake", "timestamp": "2024-12-13T12:31:21+00:00"}),
        )
        .unwrap();
        let b = normalize_hr_row(&json!({"bpm": 91, "source": "awake", "timestamp": "2024-12-13T12:31:21+00:00", "timestamp_unix": 1734093081000i64})).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.ts, 1734093081000);
        assert!(
            normalize_hr_row(&json!({"bpm": 9000, "timestamp": "2024-12-13T12:31:21+00:00"}))
                .is_err()
        );
    }
}
