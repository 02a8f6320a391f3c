//! Polar AccessLink v3: sleep, Nightly Recharge (HRV), daily activity, exercises (with their
//! heart-rate samples) and continuous heart rate. Token quirks: HTTP Basic client auth, a token
//! on another host, no refresh token (about a year, then re-authorize), `x_user_id`, and the
//! mandatory `POST /v3/users` registration after the token (409 = already registered).
use std::collections::BTreeMap;

use chrono::{Duration as Days, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{json, Value};

use super::http::{header_numbers, send_json};
use super::norm::{self, int_in, num_in, str_field};
use super::{
    ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec, RedirectKind,
    SyncResource, Window,
};
use crate::clock::Clock;
use crate::config::Environment;
use crate::model::{self, Sample, SummaryDoc};

pub struct Polar;

pub const SLUG: &str = "polar";
pub const REDIRECT_PORT: u16 = 8753;
/// Ranges (`from`/`to`) span at most 28 days.
pub const MAX_RANGE_DAYS: i64 = 28;

static SPEC: ProviderSpec = ProviderSpec {
    slug: SLUG,
    name: "Polar",
    description:
        "Watches and heart-rate sensors: sleep, Nightly Recharge, activity, training and heart rate",
    resources: &["sleep", "activity", "workouts", "heartrate", "hrv"],
    scopes: &["accesslink.read_all"],
    required_scopes: &["accesslink.read_all"],
    client_auth: ClientAuth::Basic,
    // Sleep and Nightly Recharge reach back 28 days, exercises 30.
    max_history_days: 28,
    redirect: RedirectKind::LoopbackFixedPort(REDIRECT_PORT),
    source_type: "watch",
    colour: "#d10027",
};

static RESOURCES: [SyncResource; 5] = [
    SyncResource {
        name: "sleep",
        window_days: MAX_RANGE_DAYS,
    },
    SyncResource {
        name: "hrv",
        window_days: MAX_RANGE_DAYS,
    },
    SyncResource {
        name: "activity",
        window_days: MAX_RANGE_DAYS,
    },
    SyncResource {
        name: "workouts",
        window_days: MAX_RANGE_DAYS,
    },
    SyncResource {
        name: "heartrate",
        window_days: MAX_RANGE_DAYS,
    },
];

#[async_trait::async_trait]
impl Provider for Polar {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        Endpoints {
            authorize_url: "https://flow.polar.com/oauth2/authorization".into(),
            token_url: "https://polarremote.com/v2/oauth2/token".into(),
            revoke_url: Some("https://www.polaraccesslink.com/v3/users".into()),
            api_base: "https://www.polaraccesslink.com".into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &RESOURCES
    }

    fn token_adapter(&self) -> crate::oauth::client::TokenAdapter {
        token_adapter
    }

    fn post_token_step_required(&self) -> bool {
        true
    }

    /// Registers the user with the client (`POST /v3/users`); 409 means it already is.
    async fn external_user_id(&self, ctx: &FetchCtx) -> Result<Option<String>, FetchError> {
        let url = format!("{}/v3/users", ctx.api_base.trim_end_matches('/'));
        let rb = ctx
            .http
            .post(&url)
            .bearer_auth(&ctx.access_token)
            .header("accept", "application/json")
            .json(&json!({"member-id": ctx.user_id}));
        match send_json(ctx, rb, "/v3/users", retry_after).await {
            Ok((v, _, _)) => Ok(v
                .get("polar-user-id")
                .map(|x| x.to_string().trim_matches('"').to_string())
                .or(ctx.external_user_id.clone())),
            Err(FetchError::Rejected { status: 409, .. }) => Ok(ctx.external_user_id.clone()),
            Err(FetchError::Forbidden(_)) => Err(FetchError::Forbidden(
                "the Polar account has not accepted Polar's mandatory consents; accept them at account.polar.com and connect again".into(),
            )),
            Err(e) => Err(e),
        }
    }

    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        _page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        match resource {
            "sleep" => fetch_sleep(ctx, window).await,
            "hrv" => fetch_recharge(ctx, window).await,
            "activity" => fetch_activity(ctx, window).await,
            "workouts" => fetch_exercises(ctx, window).await,
            "heartrate" => fetch_continuous_hr(ctx, window).await,
            other => Err(FetchError::Rejected {
                status: 400,
                message: format!("polar has no resource {other}"),
            }),
        }
    }

    /// `DELETE /v3/users/{user-id}`: de-registers the user and revokes the token.
    async fn revoke(
        &self,
        ctx: &FetchCtx,
        client: &crate::oauth::ClientConfig,
        _refresh: Option<&str>,
    ) -> Result<(), FetchError> {
        let (Some(url), Some(id)) = (&client.endpoints.revoke_url, &ctx.external_user_id) else {
            return Ok(());
        };
        let rb = ctx
            .http
            .delete(format!("{url}/{id}"))
            .bearer_auth(&ctx.access_token);
        match send_json(ctx, rb, "/v3/users/{id}", retry_after).await {
            Ok(_) | Err(FetchError::Unauthorized) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// `x_user_id` becomes the provider user id.
pub fn token_adapter(_status: u16, mut v: Value) -> Value {
    if let Some(id) = v.get("x_user_id").cloned() {
        v["provider_user_id"] = json!(id.to_string().trim_matches('"'));
    }
    v
}

/// `RateLimit-Reset: <short>, <long>` seconds; the long window when its usage is exhausted.
pub fn retry_after(h: &reqwest::header::HeaderMap, _clock: &Clock) -> Option<std::time::Duration> {
    let usage = header_numbers(h, "ratelimit-usage");
    let limit = header_numbers(h, "ratelimit-limit");
    let reset = header_numbers(h, "ratelimit-reset");
    let long = matches!((usage.get(1), limit.get(1)), (Some(u), Some(l)) if u >= l);
    reset
        .get(if long { 1 } else { 0 })
        .or(reset.first())
        .map(|s| std::time::Duration::from_secs((*s).max(1)))
}

async fn get(ctx: &FetchCtx, path: &str, q: &[(&str, String)]) -> Result<Value, FetchError> {
    let url = format!("{}{}", ctx.api_base.trim_end_matches('/'), path);
    let rb = ctx
        .http
        .get(&url)
        .bearer_auth(&ctx.access_token)
        .header("accept", "application/json")
        .query(q);
    match send_json(ctx, rb, path, retry_after).await {
        Ok((v, _, _)) => Ok(v),
        // 404 "no data for this date" and 204 are not errors.
        Err(FetchError::Rejected { status: 404, .. }) => Ok(Value::Null),
        Err(e) => Err(e),
    }
}

fn range(w: Window) -> Vec<(&'static str, String)> {
    vec![("from", w.start.to_string()), ("to", w.end.to_string())]
}

fn in_window(day: &str, w: Window) -> bool {
    model::parse_day(day).is_some_and(|d| d >= w.start && d <= w.end)
}

fn source() -> Value {
    norm::source(SLUG, "Polar", "watch")
}

async fn fetch_sleep(ctx: &FetchCtx, w: Window) -> Result<FetchedPage, FetchError> {
    let v = get(ctx, "/v3/users/sleep", &[]).await?;
    let mut out = FetchedPage::default();
    for n in v
        .get("nights")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !in_window(str_field(n, "date")?, w) {
            continue;
        }
        let (s, samples) = normalize_sleep(&ctx.user_id, n)?;
        out.raw.push(norm::raw(
            "sleep",
            s.provider_record_id.clone(),
            Some(s.calendar_date.clone()),
            n,
        ));
        out.summaries.push(s);
        out.samples.extend(samples);
    }
    Ok(out)
}

/// A local `HH:MM` of a night that starts on the evening before `date`: times after the start
/// hour belong to the evening, the rest to `date`.
fn night_time(date: NaiveDate, hhmm: &str, evening_from: NaiveTime, offset: i32) -> Option<i64> {
    let t = NaiveTime::parse_from_str(hhmm, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(hhmm, "%H:%M:%S"))
        .ok()?;
    let day = if t >= evening_from && evening_from > NaiveTime::from_hms_opt(12, 0, 0)? {
        date - Days::days(1)
    } else {
        date
    };
    Some(NaiveDateTime::new(day, t).and_utc().timestamp() - offset as i64)
}

pub fn normalize_sleep(user_id: &str, n: &Value) -> Result<(SummaryDoc, Vec<Sample>), FetchError> {
    let date = norm::day_field(n, "date")?;
    let start = norm::time_field(n, "sleep_start_time")?;
    let end = norm::time_field(n, "sleep_end_time")?;
    let tz = start.offset().local_minus_utc();
    let secs = |k: &str| norm::number(n.get(k)).unwrap_or(0.0).max(0.0) as i64;
    let (light, deep, rem) = (secs("light_sleep"), secs("deep_sleep"), secs("rem_sleep"));
    let key = date.to_string();
    let sid = model::summary_id(user_id, SLUG, "sleep", &key);
    // The night's 5-minute heart rate summarizes the sleep; the timeseries comes from the
    // continuous heart-rate service, which covers the nights too.
    let samples = vec![];
    let hr: Vec<f64> = n
        .get("heart_rate_samples")
        .and_then(Value::as_object)
        .map(|m| {
            m.values()
                .filter_map(Value::as_f64)
                .filter(|b| (20.0..=250.0).contains(b))
                .collect()
        })
        .unwrap_or_default();
    let doc = json!({
        "id": sid,
        "user_id": user_id,
        "date": model::date_midnight_utc(date),
        "calendar_date": key,
        "bedtime_start": model::iso_utc(start),
        "bedtime_stop": model::iso_utc(end),
        "type": if (end - start).num_seconds() >= 3 * 3600 { "long_sleep" } else { "short_sleep" },
        "timezone_offset": tz,
        "duration": (end - start).num_seconds(),
        "total": light + deep + rem,
        "awake": secs("total_interruption_duration"),
        "light": light,
        "rem": rem,
        "deep": deep,
        "score": int_in(n.get("sleep_score"), 1.0, 100.0),
        "hr_lowest": hr.iter().copied().reduce(f64::min).map(|x| json!(x.round() as i64)).unwrap_or(Value::Null),
        "hr_average": if hr.is_empty() { Value::Null } else { json!((hr.iter().sum::<f64>() / hr.len() as f64).round() as i64) },
        "efficiency": if (end - start).num_seconds() > 0 { json!((((light + deep + rem) as f64 / (end - start).num_seconds() as f64) * 1000.0).round() / 10.0) } else { Value::Null },
        "source": source(),
        "provider_id": key,
    });
    Ok((
        SummaryDoc {
            id: sid,
            resource: "sleep",
            provider_record_id: date.to_string(),
            calendar_date: date.to_string(),
            start_at: Some(start.timestamp_millis()),
            end_at: Some(end.timestamp_millis()),
            data: doc,
        },
        samples,
    ))
}

/// Nightly Recharge: HRV (RMSSD) samples. Their `HH:MM` keys are placed with the night's sleep
/// (same `date`), whose offset and start they need.
async fn fetch_recharge(ctx: &FetchCtx, w: Window) -> Result<FetchedPage, FetchError> {
    let nights = get(ctx, "/v3/users/sleep", &[]).await?;
    let mut starts: BTreeMap<String, (NaiveTime, i32)> = BTreeMap::new();
    for n in nights
        .get("nights")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Ok(d), Ok(s)) = (
            str_field(n, "date"),
            norm::time_field(n, "sleep_start_time"),
        ) {
            starts.insert(
                d.to_string(),
                (s.naive_local().time(), s.offset().local_minus_utc()),
            );
        }
    }
    let v = get(ctx, "/v3/users/nightly-recharge", &[]).await?;
    let mut out = FetchedPage::default();
    for r in v
        .get("recharges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let day = str_field(r, "date")?;
        if !in_window(day, w) {
            continue;
        }
        out.raw
            .push(norm::raw("nightly-recharge", day, Some(day.to_string()), r));
        let Some((evening, tz)) = starts.get(day).copied() else {
            continue;
        };
        out.samples.extend(recharge_samples(r, evening, tz)?);
    }
    Ok(out)
}

pub fn recharge_samples(r: &Value, evening: NaiveTime, tz: i32) -> Result<Vec<Sample>, FetchError> {
    let date = norm::day_field(r, "date")?;
    let mut out = vec![];
    for (key, metric, unit, lo, hi) in [
        ("hrv_samples", "hrv", "rmssd", 1.0, 500.0),
        ("breathing_samples", "respiratory_rate", "bpm", 2.0, 80.0),
    ] {
        if let Some(m) = r.get(key).and_then(Value::as_object) {
            for (k, v) in m {
                if let (Some(t), Some(x)) = (night_time(date, k, evening, tz), v.as_f64()) {
                    if (lo..=hi).contains(&x) {
                        out.push(norm::point(
                            metric,
                            unit,
                            t * 1000,
                            x,
                            Some(tz as i64),
                            "watch",
                        ));
                    }
                }
            }
        }
    }
    out.sort_by_key(|s| (s.metric, s.ts));
    Ok(out)
}

async fn fetch_activity(ctx: &FetchCtx, w: Window) -> Result<FetchedPage, FetchError> {
    let offsets = sleep_offsets(ctx).await?;
    let v = get(ctx, "/v3/users/activities", &range(w)).await?;
    let list = match &v {
        Value::Array(a) => a.clone(),
        Value::Null => vec![],
        other => vec![other.clone()],
    };
    let mut out = FetchedPage::default();
    for a in &list {
        let day = a
            .get("start_time")
            .and_then(Value::as_str)
            .and_then(|t| t.get(..10))
            .and_then(model::parse_day);
        let s = normalize_activity(&ctx.user_id, a, day.and_then(|d| offset_on(&offsets, d)))?;
        out.raw.push(norm::raw(
            "activities",
            s.provider_record_id.clone(),
            Some(s.calendar_date.clone()),
            a,
        ));
        out.summaries.push(s);
    }
    Ok(out)
}

/// A day's activity. Its `start_time` is the device's local time with no offset ("Begin and end
/// of day are determined by the time set on the device used. No timezone information is
/// available", AccessLink OpenAPI, tag "Daily activity"; github.com/api-evangelist/polar
/// `openapi/_original/polar-accesslink-api-openapi.yml`). It is read as local time: its date is
/// the day, and the instant needs `tz` (seconds east of UTC, from the user's sleep); without one
/// the offset stays unknown (null) rather than guessed as UTC.
pub fn normalize_activity(
    user_id: &str,
    a: &Value,
    tz: Option<i32>,
) -> Result<SummaryDoc, FetchError> {
    let start = str_field(a, "start_time")?;
    let start = NaiveDateTime::parse_from_str(start, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(start, "%Y-%m-%dT%H:%M:%S%.f"))
        .map_err(|_| norm::malformed(format!("start_time is not a local date-time: {start:?}")))?;
    let day = start.date();
    let key = day.to_string();
    let sid = model::summary_id(user_id, SLUG, "activity", &key);
    let active = a
        .get("active_duration")
        .and_then(Value::as_str)
        .and_then(norm::iso_duration_secs);
    let distance = num_in(a.get("distance_from_steps"), 0.0, 500_000.0);
    let begin = (start.and_utc().timestamp() - tz.unwrap_or(0) as i64) * 1000;
    Ok(SummaryDoc {
        id: sid.clone(),
        resource: "activity",
        provider_record_id: key.clone(),
        calendar_date: key.clone(),
        start_at: Some(begin),
        end_at: Some(begin + 86_400_000),
        data: json!({
            "id": sid,
            "user_id": user_id,
            "date": model::date_midnight_utc(day),
            "calendar_date": key,
            "calories_total": num_in(a.get("calories"), 0.0, 20_000.0),
            "calories_active": num_in(a.get("active_calories"), 0.0, 20_000.0),
            "steps": int_in(a.get("steps"), 0.0, 200_000.0),
            "daily_movement": distance,
            "distance": distance,
            "low": Value::Null,
            "medium": active.map(|s| json!((s / 60.0).round() as i64)).unwrap_or(Value::Null),
            "high": Value::Null,
            "floors_climbed": Value::Null,
            "time_zone": Value::Null,
            "timezone_offset": tz,
            "heart_rate": Value::Null,
            "wheelchair_use": Value::Null,
            "wheelchair_push": Value::Null,
            "source": source(),
        }),
    })
}

/// Exercises are listed by upload (the last 30 days, after the registration), not by date: a
/// workout of an earlier day uploaded late must not be missed, so every visible exercise is
/// kept whatever the window (upserts make the repetition harmless).
async fn fetch_exercises(ctx: &FetchCtx, _w: Window) -> Result<FetchedPage, FetchError> {
    let v = get(ctx, "/v3/exercises", &[("samples", "true".to_string())]).await?;
    let mut out = FetchedPage::default();
    for e in v.as_array().into_iter().flatten() {
        let (s, samples) = normalize_exercise(&ctx.user_id, e)?;
        out.raw.push(norm::raw(
            "exercises",
            s.provider_record_id.clone(),
            Some(s.calendar_date.clone()),
            e,
        ));
        out.summaries.push(s);
        out.samples.extend(samples);
    }
    Ok(out)
}

fn sport(s: &str) -> (i64, &'static str, &'static str) {
    match s {
        "RUNNING" | "TRAIL_RUNNING" | "TREADMILL_RUNNING" => model::sport("running"),
        "CYCLING" | "ROAD_BIKING" | "INDOOR_CYCLING" | "MOUNTAIN_BIKING" => model::sport("cycling"),
        "WALKING" | "HIKING" => model::sport("walking"),
        "SWIMMING" | "POOL_SWIMMING" | "OPEN_WATER_SWIMMING" => model::sport("swimming"),
        "YOGA" => model::sport("yoga"),
        "STRENGTH_TRAINING" => model::sport("strength_training"),
        other => model::sport(other),
    }
}

pub fn normalize_exercise(
    user_id: &str,
    e: &Value,
) -> Result<(SummaryDoc, Vec<Sample>), FetchError> {
    let id = norm::id_field(e, "id")?;
    let local = str_field(e, "start_time")?;
    let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S%.f"))
        .map_err(|_| norm::malformed(format!("start_time is not a local date-time: {local:?}")))?;
    let offset_min = norm::number(e.get("start_time_utc_offset")).unwrap_or(0.0) as i64;
    let tz = offset_min * 60;
    let start = local.and_utc().timestamp() - tz;
    let dur = e
        .get("duration")
        .and_then(Value::as_str)
        .and_then(norm::iso_duration_secs)
        .unwrap_or(0.0) as i64;
    let day = local.date().to_string();
    let (sport_id, sport_name, sport_slug) =
        sport(e.get("sport").and_then(Value::as_str).unwrap_or(""));
    let sid = model::summary_id(user_id, SLUG, "workouts", &id);
    let mut samples = vec![];
    for s in e
        .get("samples")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        // Sample type 0 is heart rate; values every `recording-rate` seconds.
        if s.get("sample-type")
            .map(|t| t.to_string().trim_matches('"').to_string())
            != Some("0".into())
        {
            continue;
        }
        let rate = norm::number(s.get("recording-rate"))
            .unwrap_or(1.0)
            .max(1.0) as i64;
        let data = s.get("data").and_then(Value::as_str).unwrap_or("");
        for (i, x) in data.split(',').enumerate() {
            if let Ok(b) = x.trim().parse::<f64>() {
                if norm::plausible("heartrate", b) {
                    samples.push(norm::point(
                        "heartrate",
                        "bpm",
                        (start + i as i64 * rate) * 1000,
                        b,
                        Some(tz),
                        "watch",
                    ));
                }
            }
        }
    }
    Ok((
        SummaryDoc {
            id: sid.clone(),
            resource: "workouts",
            provider_record_id: id.clone(),
            calendar_date: day.clone(),
            start_at: Some(start * 1000),
            end_at: Some((start + dur) * 1000),
            data: json!({
                "id": sid,
                "user_id": user_id,
                "title": e.get("detailed_sport_info").cloned().unwrap_or(Value::Null),
                "timezone_offset": tz,
                "average_hr": int_in(e.pointer("/heart_rate/average"), 20.0, 260.0),
                "max_hr": int_in(e.pointer("/heart_rate/maximum"), 20.0, 260.0),
                "distance": num_in(e.get("distance"), 0.0, 2_000_000.0),
                "calendar_date": day,
                "time_start": model::iso_utc_ms(start * 1000),
                "time_end": model::iso_utc_ms((start + dur) * 1000),
                "calories": num_in(e.get("calories"), 0.0, 20_000.0),
                "sport": {"id": sport_id, "name": sport_name, "slug": sport_slug},
                "hr_zones": Value::Null,
                "moving_time": dur,
                "provider_id": id,
                "source": norm::source(SLUG, "Polar", "watch"),
            }),
        },
        samples,
    ))
}

/// The user's UTC offset per date, from the sleeps' `sleep_start_time` (the one Polar time that
/// carries an offset for a day, e.g. `2024-02-29T23:41:07+01:00`).
async fn sleep_offsets(ctx: &FetchCtx) -> Result<BTreeMap<NaiveDate, i32>, FetchError> {
    let nights = get(ctx, "/v3/users/sleep", &[]).await?;
    let mut offsets = BTreeMap::new();
    for n in nights
        .get("nights")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Ok(d), Ok(s)) = (
            norm::day_field(n, "date"),
            norm::time_field(n, "sleep_start_time"),
        ) {
            offsets.insert(d, s.offset().local_minus_utc());
        }
    }
    Ok(offsets)
}

/// The offset of `date`: its own sleep's, else the nearest earlier, else the earliest known.
fn offset_on(offsets: &BTreeMap<NaiveDate, i32>, date: NaiveDate) -> Option<i32> {
    offsets
        .range(..=date)
        .next_back()
        .or_else(|| offsets.iter().next())
        .map(|(_, o)| *o)
}

/// Continuous heart rate: local `HH:MM:SS` per `date`, no offset. The offset is taken from the
/// user's sleep of the same or the nearest earlier date (Polar publishes none for these).
async fn fetch_continuous_hr(ctx: &FetchCtx, w: Window) -> Result<FetchedPage, FetchError> {
    let offsets = sleep_offsets(ctx).await?;
    let v = get(ctx, "/v3/users/continuous-heart-rate", &range(w)).await?;
    // The range answer's wrapper is not published: a list, one day object, or an object
    // holding a list of day objects are all accepted.
    let days: Vec<Value> = match &v {
        Value::Array(a) => a.clone(),
        Value::Object(o) if o.contains_key("heart_rate_samples") => vec![v.clone()],
        Value::Object(o) => o
            .values()
            .filter_map(Value::as_array)
            .flatten()
            .cloned()
            .collect(),
        _ => vec![],
    };
    let mut out = FetchedPage::default();
    for d in &days {
        let date = norm::day_field(d, "date")?;
        let tz = offset_on(&offsets, date).unwrap_or(0);
        out.samples.extend(continuous_samples(d, date, tz)?);
    }
    Ok(out)
}

pub fn continuous_samples(d: &Value, date: NaiveDate, tz: i32) -> Result<Vec<Sample>, FetchError> {
    let mut out = vec![];
    for s in d
        .get("heart_rate_samples")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let t = str_field(s, "sample_time")?;
        let t = NaiveTime::parse_from_str(t, "%H:%M:%S")
            .map_err(|_| norm::malformed(format!("sample_time {t:?}")))?;
        if let Some(b) =
            norm::number(s.get("heart_rate")).filter(|b| norm::plausible("heartrate", *b))
        {
            let ts = NaiveDateTime::new(date, t).and_utc().timestamp() - tz as i64;
            out.push(norm::point(
                "heartrate",
                "bpm",
                ts * 1000,
                b,
                Some(tz as i64),
                "watch",
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Polar's published shapes (shared/reference/providers.md, part 2 §3).
    #[test]
    fn sleep_and_recharge_examples() {
        let n: Value = serde_json::from_str(r#"{"polar_user": "https://www.polaraccesslink.com/v3/users/10579", "date": "2024-03-01",
         "sleep_start_time": "2024-02-29T23:41:07+01:00", "sleep_end_time": "2024-03-01T07:12:37+01:00",
         "device_id": "A1B2C3D4", "continuity": 3.4, "continuity_class": 3,
         "light_sleep": 14200, "deep_sleep": 5100, "rem_sleep": 6000, "unrecognized_sleep_stage": 0,
         "sleep_score": 81, "total_interruption_duration": 1700, "sleep_charge": 3, "sleep_goal": 28800,
         "hypnogram": {"23:41": 2, "23:55": 3, "00:40": 4}, "heart_rate_samples": {"23:45": 62, "23:50": 60}}"#).unwrap();
        let (s, hr) = normalize_sleep("u", &n).unwrap();
        assert_eq!(s.data["total"], 25300);
        assert_eq!(s.data["awake"], 1700);
        assert_eq!(s.data["timezone_offset"], 3600);
        assert_eq!(s.data["bedtime_start"], "2024-02-29T22:41:07+00:00");
        assert_eq!(s.data["hr_lowest"], 60);
        assert_eq!(s.data["hr_average"], 61);
        assert!(hr.is_empty());
        let r: Value = serde_json::from_str(r#"{"polar_user": "https://www.polaraccesslink.com/v3/users/10579", "date": "2024-03-01",
         "heart_rate_avg": 54, "beat_to_beat_avg": 1110, "heart_rate_variability_avg": 46,
         "breathing_rate_avg": 13.8, "nightly_recharge_status": 4, "ans_charge": 3.5,
         "ans_charge_status": 4, "hrv_samples": {"23:50": 44, "00:05": 47},
         "breathing_samples": {"23:49": 13.6, "23:54": 13.9}}"#).unwrap();
        let s = recharge_samples(&r, NaiveTime::from_hms_opt(23, 41, 7).unwrap(), 3600).unwrap();
        let hrv: Vec<_> = s.iter().filter(|x| x.metric == "hrv").collect();
        assert_eq!(hrv.len(), 2);
        assert_eq!(hrv[1].ts - hrv[0].ts, 15 * 60 * 1000, "across midnight");
    }

    #[test]
    fn activity_exercise_and_continuous_examples() {
        let a: Value = serde_json::from_str(
            r#"{"start_time": "2024-03-01T00:00:00", "end_time": "2024-03-01T23:59:59",
         "active_duration": "PT3H5M", "inactive_duration": "PT9H40M", "daily_activity": 92.4,
         "calories": 2410, "active_calories": 780, "steps": 10412, "inactivity_alert_count": 1,
         "distance_from_steps": 7680.2}"#,
        )
        .unwrap();
        let s = normalize_activity("u", &a, None).unwrap();
        assert_eq!(
            (s.data["steps"].as_i64(), s.data["medium"].as_i64()),
            (Some(10412), Some(185))
        );
        // Local midnight without an offset: unknown offset, not UTC; with the sleep's +01:00
        // the day began at 23:00Z the evening before.
        assert_eq!(s.data["timezone_offset"], Value::Null);
        assert_eq!(s.calendar_date, "2024-03-01");
        let s = normalize_activity("u", &a, Some(3600)).unwrap();
        assert_eq!(s.data["timezone_offset"], 3600);
        assert_eq!(
            s.start_at,
            Some(
                chrono::DateTime::parse_from_rfc3339("2024-02-29T23:00:00Z")
                    .unwrap()
                    .timestamp_millis()
            )
        );
        assert_eq!(s.calendar_date, "2024-03-01");
        let e: Value = serde_json::from_str(
            r#"{"id": "Zp4kQ2", "upload_time": "2024-03-01T18:02:11.000Z",
         "polar_user": "https://www.polaraccesslink.com/v3/users/10579",
         "device": "Polar Vantage V3", "device_id": "A1B2C3D4",
         "start_time": "2024-03-01T17:00:05", "start_time_utc_offset": 60,
         "duration": "PT45M12S", "calories": 512, "distance": 8200.0,
         "heart_rate": {"average": 148, "maximum": 176}, "training_load": 96.5,
         "sport": "RUNNING", "detailed_sport_info": "RUNNING", "has_route": true,
         "samples": [{"recording-rate": 1, "sample-type": "0", "data": "92,95,99,104"}]}"#,
        )
        .unwrap();
        let (w, hr) = normalize_exercise("u", &e).unwrap();
        assert_eq!(w.data["time_start"], "2024-03-01T16:00:05+00:00");
        assert_eq!(w.data["moving_time"], 2712);
        assert_eq!(w.data["sport"]["slug"], "running");
        assert_eq!(hr.len(), 4);
        let c: Value = serde_json::from_str(r#"{"polar_user": "https://polaraccesslink.com/v3/users/10579", "date": "2024-03-01",
         "heart_rate_samples": [{"heart_rate": 58, "sample_time": "00:02:08"}, {"heart_rate": 57, "sample_time": "00:07:08"}]}"#).unwrap();
        let s = continuous_samples(&c, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(), 3600).unwrap();
        assert_eq!(
            s[0].ts,
            chrono::DateTime::parse_from_rfc3339("2024-02-29T23:02:08Z")
                .unwrap()
                .timestamp_millis()
        );
        assert_eq!(
            token_adapter(
                200,
                json!({"access_token": "a", "token_type": "bearer", "expires_in": 31535999, "x_user_id": 10579})
            )["provider_user_id"],
            "10579"
        );
    }
}
