//! Reading stored data the way Vital's API answers it: summaries (and their raw payloads),
//! timeseries (grouped and flat), streams. One place for every face: the HTTP API serves these
//! answers as they are, the CLI prints them and the window charts them.
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::model::iso_utc_ms;
use crate::shapes::{self, Range};

#[derive(Deserialize, Default)]
pub struct DataQuery {
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub provider: Option<String>,
    pub cursor: Option<String>,
    pub next_cursor: Option<String>,
    /// Sleep summaries with each one's `sleep_stream` embedded (the 1.x SDKs).
    pub with_stream: Option<bool>,
}

/// Samples per page of a grouped timeseries answer.
pub const GROUPED_PAGE: i64 = 10_000;

/// The most samples one flat timeseries answer holds. The flat route is a bare list in Vital's
/// API and the SDKs, with no room for a cursor, so a longer answer is refused and the error
/// points to the grouped route, which pages.
pub const FLAT_CAP: i64 = 50_000;

/// Summary names in the path and the key of their list in the answer.
fn summary_key(resource: &str) -> Option<&'static str> {
    crate::resources::get(resource)
        .filter(|r| r.kind == crate::resources::Kind::Summary)
        .map(|r| r.list_key)
}

fn range(app: &App, q: &DataQuery) -> AppResult<Range> {
    let start = q
        .start_date
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AppError::new(
                "invalid_date",
                "start_date is required (YYYY-MM-DD or an ISO-8601 date-time)",
            )
        })?;
    shapes::parse_range(start, q.end_date.as_deref(), app.clock.now().date_naive())
}

/// Puts each sleep's stream into it as `sleep_stream`, as Vital's `with_stream` answers did.
pub fn embed_sleep_streams(app: &App, v: &mut Value) -> AppResult<()> {
    for sleep in v["sleep"].as_array_mut().into_iter().flatten() {
        let id = sleep["id"].as_str().unwrap_or_default().to_string();
        sleep["sleep_stream"] = sleep_stream_of(app, &id)?;
    }
    Ok(())
}

pub fn summary_of(app: &App, resource: &str, user_id: &str, q: &DataQuery) -> AppResult<Value> {
    let u = app.data.user(user_id)?;
    if resource == "profile" {
        return profile(app, &u.user_id, q.provider.as_deref());
    }
    let key = summary_key(resource)
        .ok_or_else(|| AppError::not_found(format!("no summary resource {resource:?}")))?;
    let r = range(app, q)?;
    if shapes::is_stored_summary(resource) {
        return shapes::summaries(app, &u.user_id, resource, r, q.provider.as_deref());
    }
    // Resources no provider here produces answer with an empty list, as Vital does for them.
    let mut m = Map::new();
    m.insert(key.to_string(), json!([]));
    Ok(Value::Object(m))
}

fn profile(app: &App, user_id: &str, provider: Option<&str>) -> AppResult<Value> {
    let far = all_time();
    let v = shapes::summaries_any(app, user_id, "profile", far, provider)?;
    v.into_iter()
        .last()
        .ok_or_else(|| AppError::not_found("no profile data for this user yet"))
}

pub fn raw_of(app: &App, resource: &str, user_id: &str, q: &DataQuery) -> AppResult<Value> {
    let u = app.data.user(user_id)?;
    let key = if resource == "profile" {
        "profile"
    } else {
        summary_key(resource)
            .ok_or_else(|| AppError::not_found(format!("no summary resource {resource:?}")))?
    };
    let r = if resource == "profile" {
        all_time()
    } else {
        range(app, q)?
    };
    let rows = app.data.raw_records(
        &u.user_id,
        resource,
        &r.from_day.to_string(),
        &r.to_day.to_string(),
    )?;
    let items: Vec<Value> = rows
        .into_iter()
        .filter(|x| q.provider.as_deref().is_none_or(|p| p == x.provider))
        .map(|x| {
            let data: Value = serde_json::from_str(&x.payload).unwrap_or(Value::Null);
            // Raw workouts carry Vital's sport beside the provider's payload.
            let sport = (resource == "workouts").then(|| {
                let name = ["activity", "type", "sport_type", "sport"].iter().find_map(|k| data.get(*k).and_then(Value::as_str)).unwrap_or("other");
                let (id, n, slug) = crate::model::sport(name);
                json!({"id": id, "name": n, "slug": slug})
            });
            json!({
                "id": crate::model::summary_id(&u.user_id, &x.provider, &format!("raw/{}", x.collection), &x.record_key),
                "user_id": u.user_id,
                "provider_id": x.record_key,
                "source_id": 0,
                "priority_id": 0,
                "timestamp": x.day.as_deref().map(|d| format!("{d}T00:00:00+00:00")).unwrap_or_else(|| iso_utc_ms(x.fetched_at)),
                "data": data,
                "source": app.provider_ref(&x.provider),
                "provider_collection": x.collection,
                "sport_id": sport.as_ref().map(|s| s["id"].clone()),
                "sport": sport,
                "created_at": iso_utc_ms(x.fetched_at),
                "updated_at": iso_utc_ms(x.fetched_at),
            })
        })
        .collect();
    let mut m = Map::new();
    // A profile is one object, not a list (the SDKs' `RawProfile`).
    let value = if resource == "profile" {
        items
            .into_iter()
            .last()
            .ok_or_else(|| AppError::not_found("no profile data for this user yet"))?
    } else {
        Value::Array(items)
    };
    m.insert(key.to_string(), value);
    Ok(Value::Object(m))
}

/// Every day a document can be dated, as a range (`calendar_date` compares as text).
fn all_time() -> Range {
    let d = |s: &str| crate::model::parse_day(s).expect("static date");
    Range {
        from_ms: i64::MIN,
        to_ms: i64::MAX - 1,
        from_day: d("0001-01-01"),
        to_day: d("9999-12-31"),
    }
}

fn decode_cursor(c: &str) -> AppResult<(String, i64)> {
    let bad = || {
        AppError::new(
            "invalid_cursor",
            "the cursor is not one this server issued; start again without it",
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let (p, t) = s.rsplit_once('|').ok_or_else(bad)?;
    Ok((p.to_string(), t.parse().map_err(|_| bad())?))
}

fn encode_cursor(provider: &str, ts: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{provider}|{ts}"))
}

fn check_metric(resource: &str) -> AppResult<()> {
    if shapes::timeseries_unit(resource).is_none() {
        return Err(AppError::not_found(format!(
            "no timeseries resource {resource:?}"
        )));
    }
    Ok(())
}

pub fn grouped_page(
    app: &App,
    user_id: &str,
    resource: &str,
    q: &DataQuery,
) -> AppResult<shapes::Grouped> {
    let u = app.data.user(user_id)?;
    check_metric(resource)?;
    let r = range(app, q)?;
    let after = q
        .next_cursor
        .as_deref()
        .or(q.cursor.as_deref())
        .filter(|c| !c.is_empty())
        .map(decode_cursor)
        .transpose()?;
    let rows = app.data.samples_page(
        &u.user_id,
        resource,
        r.from_ms,
        r.to_ms + 1,
        q.provider.as_deref(),
        after,
        GROUPED_PAGE + 1,
    )?;
    let more = rows.len() as i64 > GROUPED_PAGE;
    let rows: Vec<_> = rows.into_iter().take(GROUPED_PAGE as usize).collect();
    let next = if more {
        rows.last().map(|s| encode_cursor(&s.provider, s.ts))
    } else {
        None
    };
    Ok(shapes::group_samples(app, rows, next))
}

pub fn flat_samples(
    app: &App,
    user_id: &str,
    resource: &str,
    q: &DataQuery,
) -> AppResult<Vec<shapes::SampleOut>> {
    let u = app.data.user(user_id)?;
    check_metric(resource)?;
    let r = range(app, q)?;
    let rows = app.data.samples_page(
        &u.user_id,
        resource,
        r.from_ms,
        r.to_ms + 1,
        q.provider.as_deref(),
        None,
        FLAT_CAP + 1,
    )?;
    if rows.len() as i64 > FLAT_CAP {
        return Err(AppError::new(
            "too_many_samples", format!(
                "more than {FLAT_CAP} {resource} samples from {} to {}: ask for a shorter range, or page through /v2/timeseries/{user_id}/{resource}/grouped with next_cursor",
                r.from_day, r.to_day
            ),
        ));
    }
    Ok(rows.iter().map(shapes::SampleOut::from).collect())
}

pub fn sleep_stream_of(app: &App, sleep_id: &str) -> AppResult<Value> {
    let (_, stream) = app
        .data
        .summary_stream(sleep_id)?
        .filter(|(r, _)| r == "sleep")
        .ok_or_else(|| AppError::not_found(format!("no sleep {sleep_id}")))?;
    Ok(stream.unwrap_or_else(
        || json!({"hrv": [], "heartrate": [], "hypnogram": [], "respiratory_rate": []}),
    ))
}

/// The workout stream's fields, empty.
pub fn workout_stream_of(app: &App, workout_id: &str) -> AppResult<Value> {
    let (_, stream) = app
        .data
        .summary_stream(workout_id)?
        .filter(|(r, _)| r == "workouts")
        .ok_or_else(|| AppError::not_found(format!("no workout {workout_id}")))?;
    let empty = json!({"time": [], "heartrate": [], "cadence": [], "altitude": [], "velocity_smooth": [], "lat": [], "lng": [], "distance": [], "power": [], "resistance": [], "temperature": []});
    Ok(stream.unwrap_or(empty))
}

/// Waits for one of the store's range readers (a bounded pool, so long reads queue instead of
/// starving short ones).
pub async fn read_permit(app: &App) -> tokio::sync::OwnedSemaphorePermit {
    app.store.range_read_permit().await
}

/// One resource of a user over a range of days, in Vital's shape: summaries as their lists,
/// timeseries grouped by provider (every sample, not paged), a profile as of now. The CLI's
/// `data` and the window's charts read it here.
pub fn resource_data(
    app: &App,
    user_key: &str,
    resource: &str,
    from: &str,
    to: Option<&str>,
    provider: Option<&str>,
) -> AppResult<Value> {
    let u = app.resolve_user(user_key)?;
    if resource == "profile" {
        let v = profile(app, &u.user_id, provider)?;
        return Ok(json!({"profile": [v]}));
    }
    let r = shapes::parse_range(from, to, app.clock.now().date_naive())?;
    if shapes::is_stored_summary(resource) {
        return shapes::summaries(app, &u.user_id, resource, r, provider);
    }
    check_metric(resource)?;
    shapes::timeseries_grouped(app, &u.user_id, resource, r, provider)
}
