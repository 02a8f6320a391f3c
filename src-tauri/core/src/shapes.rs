//! Vital's response shapes, built from the store: used by the local API, the CLI and the
//! desktop console alike, so all three answer the same question the same way.
use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::model::iso_utc_ms;
use crate::store::readings::StoredSample;
use crate::when::{parse_when, When};

/// Whether this app stores a summary resource.
pub fn is_stored_summary(resource: &str) -> bool {
    crate::resources::get(resource)
        .is_some_and(|r| r.kind == crate::resources::Kind::Summary && r.stored)
}

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
        match parse_when(s) {
            Some(When::Day(d)) => {
                let t = if is_end {
                    NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap()
                } else {
                    NaiveTime::MIN
                };
                Ok((d.and_time(t).and_utc().timestamp_millis(), d))
            }
            Some(When::Instant(dt)) => Ok((dt.timestamp_millis(), dt.date_naive())),
            None => Err(AppError::new(
                "invalid_date", format!("{name}={s:?} is not a date (YYYY-MM-DD) or a date-time (YYYY-MM-DD HH:MM[:SS[.ffffff]][Z|±HH:MM], `T` or a space between)"),
            )),
        }
    };
    let (from_ms, from_day) = bound(start, false, "start_date")?;
    let (to_ms, to_day) = match end {
        Some(e) if !e.is_empty() => bound(e, true, "end_date")?,
        _ => bound(&today.to_string(), true, "end_date")?,
    };
    if from_ms > to_ms {
        return Err(AppError::new(
            "invalid_date",
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

/// The summaries of `resource` as Vital documents (with `source`, `created_at`, `updated_at`).
pub fn summaries_any(
    app: &App,
    user_id: &str,
    resource: &str,
    r: Range,
    provider: Option<&str>,
) -> AppResult<Vec<Value>> {
    let rows = app.data.summaries(
        user_id,
        resource,
        &r.from_day.to_string(),
        &r.to_day.to_string(),
        provider,
    )?;
    Ok(rows
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
                // Streams are stored apart and served by their own route.
                if resource == "sleep" {
                    m.insert("sleep_stream".into(), Value::Null);
                }
            }
            d
        })
        .collect())
}

/// `{"<resource>": [ClientFacing...]}` for a summary resource.
pub fn summaries(
    app: &App,
    user_id: &str,
    resource: &str,
    r: Range,
    provider: Option<&str>,
) -> AppResult<Value> {
    if !is_stored_summary(resource) {
        return Err(AppError::bad_request(
            "invalid_resource",
            format!(
                "unknown summary resource {resource:?}; use one of {}",
                crate::resources::stored_summaries()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut out = Map::new();
    out.insert(
        resource.to_string(),
        Value::Array(summaries_any(app, user_id, resource, r, provider)?),
    );
    Ok(Value::Object(out))
}

/// Vital's timeseries resources (read names) and their units.
pub fn timeseries_unit(resource: &str) -> Option<&'static str> {
    crate::resources::unit(resource)
}

/// One Vital timeseries sample on the wire (point, or interval with `start`/`end`).
#[derive(Debug, Serialize)]
pub struct SampleOut {
    pub timestamp: String,
    pub timezone_offset: Option<i64>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub unit: String,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

impl From<&StoredSample> for SampleOut {
    fn from(s: &StoredSample) -> Self {
        let ts = iso_utc_ms(s.ts);
        SampleOut {
            start: s.end_ts.map(|_| ts.clone()),
            end: s.end_ts.map(iso_utc_ms),
            timestamp: ts,
            timezone_offset: s.tz_offset,
            kind: s.source_type.clone(),
            unit: s.unit.clone(),
            value: s.value,
        }
    }
}

pub fn sample_json(s: &StoredSample) -> Value {
    serde_json::to_value(SampleOut::from(s)).unwrap_or_default()
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub source: Value,
    pub data: Vec<SampleOut>,
}

/// Vital's grouped timeseries answer.
#[derive(Debug, Serialize)]
pub struct Grouped {
    pub groups: std::collections::BTreeMap<String, Vec<Group>>,
    pub next: Option<String>,
    pub next_cursor: Option<String>,
}

/// Groups samples (ordered by provider, then time) into Vital's grouped shape.
pub fn group_samples(app: &App, rows: Vec<StoredSample>, next: Option<String>) -> Grouped {
    let mut groups: std::collections::BTreeMap<String, Vec<Group>> = Default::default();
    for s in &rows {
        let entry = groups.entry(s.provider.clone()).or_insert_with(|| {
            let st = app.providers.get(&s.provider).map(|p| p.spec().source_type);
            vec![Group {
                source: source(app, &s.provider, st),
                data: Vec::new(),
            }]
        });
        entry[0].data.push(SampleOut::from(s));
    }
    Grouped {
        groups,
        next_cursor: next.clone(),
        next,
    }
}

/// Vital's grouped timeseries: `{"groups": {"<provider>": [{"source", "data"}]}, "next", "next_cursor"}`.
pub fn timeseries_grouped(
    app: &App,
    user_id: &str,
    metric: &str,
    r: Range,
    provider: Option<&str>,
) -> AppResult<Value> {
    if timeseries_unit(metric).is_none() {
        return Err(AppError::bad_request(
            "invalid_resource",
            format!("unknown timeseries resource {metric:?}"),
        ));
    }
    let rows = app
        .store
        .samples(user_id, metric, r.from_ms, r.to_ms + 1, provider)?;
    Ok(serde_json::to_value(group_samples(app, rows, None))?)
}
