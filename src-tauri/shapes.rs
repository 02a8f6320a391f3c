//! Vital's response shapes, built from the store: used by the local API, the CLI and the
//! desktop console alike, so all three answer the same question the same way.
use chrono::{NaiveDate, NaiveTime};
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::model::{iso_utc_ms, parse_datetime, parse_day};

pub const SUMMARY_RESOURCES: [&str; 4] = ["sleep", "activity", "workouts", "body"];
/// Vital's read names (vital-api.md §6.3); units are Vital's: bpm, rmssd, mmol/L, kg, %, count.
pub const TIMESERIES_RESOURCES: [&str; 9] = [
    "heartrate",
    "hrv",
    "glucose",
    "body_weight",
    "body_fat",
    "blood_oxygen",
    "respiratory_rate",
    "steps",
    "calories_active",
];

/// A date range as Vital reads it: `start_date` required, `end_date` optional; a bare start date
/// means 00:00:00, a bare end date 23:59:59 (UTC).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub from_ms: i64,
    pub to_ms: i64,
    pub from_day: NaiveDate,
    pub to_day: NaiveDate,
}

pub fn parse_range(start: &str, end: Option<&str>, today: NaiveDate) -> AppResult<Range> {
    let bound = |s: &str, is_end: bool, name: &str| -> AppResult<(i64, NaiveDate)> {
        if let Some(d) = parse_day(s) {
            let t = if is_end {
                NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap()
            } else {
                NaiveTime::MIN
            };
            return Ok((d.and_time(t).and_utc().timestamp_millis(), d));
        }
        if let Some(dt) = parse_datetime(s) {
            return Ok((dt.timestamp_millis(), dt.date_naive()));
        }
        Err(AppError::new(
            "invalid_date",
            422,
            format!("{name}={s:?} is not a date (YYYY-MM-DD) or an ISO-8601 date-time"),
        ))
    };
    let (from_ms, from_day) = bound(start, false, "start_date")?;
    let (to_ms, to_day) = match end {
        Some(e) if !e.is_empty() => bound(e, true, "end_date")?,
        _ => bound(&today.to_string(), true, "end_date")?,
    };
    if from_ms > to_ms {
        return Err(AppError::new(
            "invalid_date",
            422,
            format!(
                "start_date {start} is after end_date {}",
                end.unwrap_or("(today)")
            ),
        ));
    }
    Ok(Range {
        from_ms,
        to_ms,
        from_day,
        to_day,
    })
}

fn source(app: &App, provider: &str, source_type: Option<&str>) -> Value {
    let (name, logo) = match app.providers.get(provider) {
        Some(p) => (
            p.spec().name.to_string(),
            p.spec().reference(&app.api_base_url()).logo,
        ),
        None => (provider.to_string(), String::new()),
    };
    json!({"provider": provider, "type": source_type.unwrap_or("unknown"), "name": name, "slug": provider, "logo": logo})
}

/// `{"<resource>": [ClientFacing...]}` for a summary resource.
pub fn summaries(
    app: &App,
    user_id: &str,
    resource: &str,
    r: Range,
    provider: Option<&str>,
) -> AppResult<Value> {
    if !SUMMARY_RESOURCES.contains(&resource) {
        return Err(AppError::bad_request(
            "invalid_resource",
            format!(
                "unknown summary resource {resource:?}; use one of {}",
                SUMMARY_RESOURCES.join(", ")
            ),
        ));
    }
    let rows = app.store.summaries(
        user_id,
        resource,
        &r.from_day.to_string(),
        &r.to_day.to_string(),
        provider,
    )?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|s| {
            let mut d = s.data;
            if let Some(m) = d.as_object_mut() {
                let src_type = m
                    .get("source")
                    .and_then(|x| x.get("type"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                m.insert(
                    "source".into(),
                    source(app, &s.provider, src_type.as_deref()),
                );
                m.insert("created_at".into(), json!(iso_utc_ms(s.created_at)));
                m.insert("updated_at".into(), json!(iso_utc_ms(s.updated_at)));
            }
            d
        })
        .collect();
    let mut out = Map::new();
    out.insert(resource.to_string(), Value::Array(items));
    Ok(Value::Object(out))
}

/// Vital's grouped timeseries: `{"groups": {"<provider>": [{"source", "data"}]}, "next", "next_cursor"}`.
pub fn timeseries_grouped(
    app: &App,
    user_id: &str,
    metric: &str,
    r: Range,
    provider: Option<&str>,
) -> AppResult<Value> {
    if !TIMESERIES_RESOURCES.contains(&metric) {
        return Err(AppError::bad_request(
            "invalid_resource",
            format!(
                "unknown timeseries resource {metric:?}; use one of {}",
                TIMESERIES_RESOURCES.join(", ")
            ),
        ));
    }
    let rows = app
        .store
        .samples(user_id, metric, r.from_ms, r.to_ms + 1, provider)?;
    let mut groups: Map<String, Value> = Map::new();
    let mut current: Option<(String, Option<String>, Vec<Value>)> = None;
    let flush = |groups: &mut Map<String, Value>, g: (String, Option<String>, Vec<Value>)| {
        let entry = groups.entry(g.0.clone()).or_insert_with(|| json!([]));
        entry
            .as_array_mut()
            .unwrap()
            .push(json!({"source": source(app, &g.0, g.1.as_deref()), "data": g.2}));
    };
    for s in rows {
        let mut sample = json!({
            "timestamp": iso_utc_ms(s.ts),
            "timezone_offset": s.tz_offset,
            "type": s.source_type,
            "unit": s.unit,
            "value": s.value,
        });
        // Interval samples (steps, calories_active) carry their start and end.
        if let Some(end) = s.end_ts {
            sample["start"] = json!(iso_utc_ms(s.ts));
            sample["end"] = json!(iso_utc_ms(end));
        }
        match &mut current {
            Some((p, _, data)) if *p == s.provider => data.push(sample),
            _ => {
                if let Some(g) = current.take() {
                    flush(&mut groups, g);
                }
                let st = app
                    .providers
                    .get(&s.provider)
                    .map(|p| p.spec().source_type.to_string());
                current = Some((s.provider.clone(), st, vec![sample]));
            }
        }
    }
    if let Some(g) = current.take() {
        flush(&mut groups, g);
    }
    Ok(json!({"groups": groups, "next": Value::Null, "next_cursor": Value::Null}))
}
