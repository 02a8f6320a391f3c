//! Vital's data model as the core stores and serves it.
//!
//! Summaries are kept as Vital-shaped JSON documents (`ClientFacingSleep`, `ClientFacingActivity`,
//! `ClientFacingWorkout`, ...) with their indexable columns beside them; timeseries samples are
//! rows. Field names and units follow `shared/reference/vital-api.md` §6.
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::Serialize;

/// A provider record exactly as received (kept for the `/raw` routes and for audits).
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub resource: String,
    pub record_key: String,
    pub day: Option<String>,
    pub payload: String,
}

/// One Vital summary document.
#[derive(Debug, Clone)]
pub struct SummaryDoc {
    pub id: String,
    /// `sleep`, `activity`, `workouts`, `body` or `profile`.
    pub resource: &'static str,
    pub provider_record_id: String,
    pub calendar_date: String,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    /// The Vital document without `created_at`/`updated_at`, which the store adds.
    pub data: serde_json::Value,
}

/// One Vital timeseries sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Vital's read name: `heartrate`, `hrv`, `steps`, ...
    pub metric: &'static str,
    pub ts: i64,
    pub end_ts: Option<i64>,
    pub value: f64,
    pub unit: &'static str,
    pub tz_offset: Option<i64>,
    pub source_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProviderRef {
    pub name: String,
    pub slug: String,
    pub logo: String,
}

const ID_NAMESPACE: uuid::Uuid = uuid::uuid!("6f1a3c52-9d0e-4a8b-b7c1-2e5d8f0a4b61");

/// A summary's id is derived from what identifies it at the provider, so a re-sync of the same
/// record keeps its id (Vital's "latest version replaces older").
pub fn summary_id(user_id: &str, provider: &str, resource: &str, record_id: &str) -> String {
    uuid::Uuid::new_v5(
        &ID_NAMESPACE,
        format!("{user_id}/{provider}/{resource}/{record_id}").as_bytes(),
    )
    .to_string()
}

/// ISO-8601 with an explicit `+00:00` offset, which both SDK parsers accept.
pub fn iso_utc_ms(ms: i64) -> String {
    use chrono::{Datelike, Timelike};
    // Hand-formatted: this runs once per sample in every timeseries answer.
    let t = Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

pub fn iso_utc(dt: DateTime<FixedOffset>) -> String {
    dt.with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub fn date_midnight_utc(d: NaiveDate) -> String {
    format!("{d}T00:00:00+00:00")
}

/// Parses an ISO-8601 date-time with offset, as providers send them (`...+02:00`, `...Z`,
/// with or without fractional seconds).
pub fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

pub fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Vital's sport slugs for the activity names providers use.
pub fn sport(activity: &str) -> (i64, &'static str, &'static str) {
    let a = activity.to_ascii_lowercase().replace([' ', '-'], "_");
    match a.as_str() {
        "walking" | "walk" | "hiking" => (1, "Walking", "walking"),
        "running" | "run" | "jogging" => (2, "Running", "running"),
        "cycling" | "bike" | "biking" | "ride" => (3, "Cycling", "cycling"),
        "swimming" | "swim" => (4, "Swimming", "swimming"),
        "yoga" => (5, "Yoga", "yoga"),
        "strength_training" | "weight_training" | "weightlifting" => {
            (6, "Strength Training", "strength_training")
        }
        "rowing" => (7, "Rowing", "rowing"),
        "elliptical" => (8, "Elliptical", "elliptical"),
        "hiit" | "high_intensity_interval_training" => (9, "HIIT", "hiit"),
        "dancing" | "dance" => (10, "Dancing", "dancing"),
        "tennis" => (11, "Tennis", "tennis"),
        "football" | "soccer" => (12, "Soccer", "soccer"),
        _ => (0, "Other", "other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_ids_are_stable_and_distinct() {
        let a = summary_id("u", "oura", "sleep", "rec-1");
        assert_eq!(a, summary_id("u", "oura", "sleep", "rec-1"));
        assert_ne!(a, summary_id("u", "oura", "sleep", "rec-2"));
        assert_ne!(a, summary_id("v", "oura", "sleep", "rec-1"));
        assert!(uuid::Uuid::parse_str(&a).is_ok());
    }

    #[test]
    fn utc_times_carry_an_offset() {
        assert_eq!(iso_utc_ms(0), "1970-01-01T00:00:00+00:00");
        let dt = parse_datetime("2024-10-10T01:01:59.000+02:00").unwrap();
        assert_eq!(iso_utc(dt), "2024-10-09T23:01:59+00:00");
    }
}
