//! Small helpers the normalizers share: reading provider fields leniently but never silently
//! accepting garbage, Vital's `source`, day windows as UTC instants.
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use super::{FetchError, Window};
use crate::model::{RawRecord, Sample};

pub fn malformed(m: impl Into<String>) -> FetchError {
    FetchError::Malformed(m.into())
}

pub fn str_field<'a>(d: &'a Value, k: &str) -> Result<&'a str, FetchError> {
    d.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(format!("missing or non-text field `{k}`")))
}

/// A number that providers send as a number or as a string (`"2405.0"`, `"72"`); `None` for
/// null, missing or placeholders such as `"--"`.
pub fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('s').parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

/// A number within `[lo, hi]`, else JSON null (implausible values are dropped, not stored).
pub fn num_in(v: Option<&Value>, lo: f64, hi: f64) -> Value {
    match number(v) {
        Some(x) if x >= lo && x <= hi => json!(x),
        _ => Value::Null,
    }
}

/// As `num_in`, rounded to an integer.
pub fn int_in(v: Option<&Value>, lo: f64, hi: f64) -> Value {
    match number(v) {
        Some(x) if x >= lo && x <= hi => json!(x.round() as i64),
        _ => Value::Null,
    }
}

/// A required integer field.
pub fn int_field(d: &Value, k: &str) -> Result<i64, FetchError> {
    number(d.get(k))
        .map(|x| x.round() as i64)
        .ok_or_else(|| malformed(format!("missing or non-numeric field `{k}`")))
}

/// An id that providers send as a number or a string.
pub fn id_field(d: &Value, k: &str) -> Result<String, FetchError> {
    match d.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(malformed(format!("missing id field `{k}`"))),
    }
}

pub fn time_field(d: &Value, k: &str) -> Result<DateTime<FixedOffset>, FetchError> {
    let s = str_field(d, k)?;
    crate::model::parse_datetime(s)
        .ok_or_else(|| malformed(format!("`{k}` is not a date-time: {s:?}")))
}

pub fn epoch_field(d: &Value, k: &str) -> Result<i64, FetchError> {
    int_field(d, k)
}

pub fn day_field(d: &Value, k: &str) -> Result<NaiveDate, FetchError> {
    let s = str_field(d, k)?;
    crate::model::parse_day(s).ok_or_else(|| malformed(format!("`{k}` is not a date: {s:?}")))
}

/// `+01:00`, `-05:00`, `Z` → seconds east of UTC.
pub fn parse_offset(s: &str) -> Option<i32> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = s[1..].split_once(':').unwrap_or((&s[1..], "0"));
    let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
    (secs <= 18 * 3600).then_some(sign * secs)
}

pub fn offset(secs: i32) -> FixedOffset {
    FixedOffset::east_opt(secs).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap())
}

/// An epoch second as a date-time at `secs` east of UTC.
pub fn at(epoch: i64, secs_east: i32) -> DateTime<FixedOffset> {
    offset(secs_east)
        .timestamp_opt(epoch, 0)
        .single()
        .unwrap_or_else(|| Utc.timestamp_opt(0, 0).unwrap().fixed_offset())
}

/// The UTC offset (seconds east) of IANA zone `name` at `epoch`; None for an unknown zone.
pub fn tz_offset_at(name: &str, epoch: i64) -> Option<i32> {
    let tz = jiff::tz::TimeZone::get(name).ok()?;
    let ts = jiff::Timestamp::from_second(epoch).ok()?;
    Some(tz.to_offset(ts).seconds())
}

/// A window of days as UTC instants `[start 00:00Z, end+1 00:00Z)`, epoch seconds.
pub fn window_utc(w: Window) -> (i64, i64) {
    let s = w.start.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let e = (w.end + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    (s, e)
}

/// Vital's `ClientFacingSource` for a provider's records.
pub fn source(provider: &str, name: &str, source_type: &str) -> Value {
    json!({"provider": provider, "type": source_type, "name": name, "slug": provider, "logo": ""})
}

pub fn raw(resource: &str, key: impl Into<String>, day: Option<String>, d: &Value) -> RawRecord {
    RawRecord {
        resource: resource.to_string(),
        record_key: key.into(),
        day,
        payload: d.to_string(),
    }
}

/// A point sample.
pub fn point(
    metric: &'static str,
    unit: &'static str,
    ts_ms: i64,
    value: f64,
    tz: Option<i64>,
    source_type: &str,
) -> Sample {
    Sample {
        metric,
        ts: ts_ms,
        end_ts: None,
        value,
        unit,
        tz_offset: tz,
        source_type: Some(source_type.to_string()),
    }
}

/// Plausible values of each timeseries metric, in the unit this app stores it in: the one
/// table both the provider normalizers (which drop what falls outside) and the ingestion routes
/// (which refuse it) check against. Wide enough for athletes and the ill, narrow enough that a
/// unit mix-up or a corrupt number cannot pass as a reading.
pub const PLAUSIBLE: [(&str, &str, f64, f64); 18] = [
    ("heartrate", "bpm", 20.0, 260.0),
    ("hrv", "ms", 1.0, 500.0),
    ("glucose", "mmol/L", 0.5, 40.0),
    ("blood_oxygen", "%", 50.0, 100.0),
    ("respiratory_rate", "breaths/min", 1.0, 80.0),
    ("body_weight", "kg", 2.0, 500.0),
    ("body_fat", "%", 1.0, 80.0),
    ("steps", "count", 0.0, 200_000.0),
    ("distance", "m", 0.0, 2_000_000.0),
    ("calories_active", "kcal", 0.0, 20_000.0),
    ("calories_basal", "kcal", 0.0, 20_000.0),
    ("floors_climbed", "count", 0.0, 2_000.0),
    ("vo2_max", "mL/kg/min", 5.0, 100.0),
    ("stress_level", "index", 0.0, 100.0),
    ("body_temperature", "°C", 25.0, 45.0),
    ("body_temperature_delta", "°C", -10.0, 10.0),
    ("basal_body_temperature", "°C", 30.0, 45.0),
    ("water", "mL", 0.0, 20_000.0),
];

/// `(unit, lo, hi)` of `metric` in `PLAUSIBLE`.
pub fn plausible_range(metric: &str) -> Option<(&'static str, f64, f64)> {
    PLAUSIBLE
        .iter()
        .find(|(m, ..)| *m == metric)
        .map(|&(_, unit, lo, hi)| (unit, lo, hi))
}

/// Whether `value` (in the unit of `PLAUSIBLE`) is a plausible `metric`; false for a metric
/// missing from the table, so a new metric cannot slip through unchecked.
pub fn plausible(metric: &str, value: f64) -> bool {
    plausible_range(metric).is_some_and(|(_, lo, hi)| value >= lo && value <= hi)
}

/// `value` in `unit` converted to the unit `PLAUSIBLE` uses for its metric (pushed samples may
/// come in pounds, mg/dL, km, kJ or litres); other units are the table's already.
pub fn in_table_unit(value: f64, unit: &str) -> f64 {
    match unit {
        "lb" => value * 0.453_592_37,
        "g" | "gram" => value / 1000.0,
        "mg/dL" => value / super::dexcom_v3::MG_DL_PER_MMOL_L,
        "km" => value * 1000.0,
        "cm" | "centimeter" => value / 100.0,
        "kJ" => value / 4.184,
        "L" => value * 1000.0,
        _ => value,
    }
}

/// Seconds → whole minutes (Vital's `low`/`medium`/`high` are minutes).
pub fn minutes(v: Option<&Value>) -> Value {
    match number(v) {
        Some(x) if (0.0..=86400.0).contains(&x) => json!((x / 60.0).round() as i64),
        _ => Value::Null,
    }
}

/// ISO-8601 durations as providers send them (`PT45M12S`, `PT3H5M`, `1800s`) → seconds.
pub fn iso_duration_secs(s: &str) -> Option<f64> {
    if let Some(x) = s.strip_suffix('s') {
        return x.parse().ok();
    }
    let rest = s.strip_prefix("PT")?;
    let mut total = 0.0;
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' | 'M' | 'S' => {
                let x: f64 = num.parse().ok()?;
                num.clear();
                total += x * match c {
                    'H' => 3600.0,
                    'M' => 60.0,
                    _ => 1.0,
                };
            }
            _ => return None,
        }
    }
    num.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_numbers_and_durations() {
        assert_eq!(number(Some(&json!("2405.0"))), Some(2405.0));
        assert_eq!(number(Some(&json!("--"))), None);
        assert_eq!(number(Some(&json!("3600s"))), Some(3600.0));
        assert_eq!(iso_duration_secs("PT45M12S"), Some(2712.0));
        assert_eq!(iso_duration_secs("PT3H5M"), Some(11100.0));
        assert_eq!(iso_duration_secs("1800s"), Some(1800.0));
        assert_eq!(iso_duration_secs("P1D"), None);
        assert_eq!(parse_offset("+01:00"), Some(3600));
        assert_eq!(parse_offset("-05:30"), Some(-19800));
        assert_eq!(parse_offset("Z"), Some(0));
        // 2024-06-10 is summer time in Paris, 2024-01-10 is not.
        assert_eq!(tz_offset_at("Europe/Paris", 1717995600), Some(7200));
        assert_eq!(tz_offset_at("Europe/Paris", 1704844800), Some(3600));
        assert_eq!(tz_offset_at("Mars/Olympus", 0), None);
    }

    #[test]
    fn every_stored_metric_has_a_plausible_range() {
        for m in crate::resources::stored_metrics() {
            assert!(plausible_range(m).is_some(), "{m}");
        }
        assert!(plausible("heartrate", 61.0));
        assert!(!plausible("heartrate", 1e308));
        assert!(!plausible("heartrate", f64::NAN));
        assert!(!plausible("no_such_metric", 1.0));
    }
}
