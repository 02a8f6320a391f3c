//! What each exported file holds: its columns, their types, units and meaning. This table is
//! the data dictionary too, so the two cannot disagree.
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Float,
    /// UTC instant: ISO-8601 in CSV/JSON, `TIMESTAMP(MILLIS, UTC)` in Parquet.
    Time,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "string",
            Kind::Int => "integer",
            Kind::Float => "number",
            Kind::Time => "timestamp (UTC)",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub unit: &'static str,
    pub description: &'static str,
    /// JSON pointer into the Vital document (summaries); empty for the common columns.
    pub pointer: &'static str,
}

const fn col(
    name: &'static str,
    kind: Kind,
    unit: &'static str,
    pointer: &'static str,
    description: &'static str,
) -> Column {
    Column {
        name,
        kind,
        unit,
        description,
        pointer,
    }
}

/// Columns every file starts with.
pub const COMMON: [Column; 3] = [
    col(
        "participant_id",
        Kind::Text,
        "",
        "",
        "the participant's client_user_id",
    ),
    col("user_id", Kind::Text, "", "", "Vital user id (uuid)"),
    col("provider", Kind::Text, "", "", "provider slug, e.g. oura"),
];

pub const SLEEP: &[Column] = &[
    col(
        "id",
        Kind::Text,
        "",
        "/id",
        "Vital sleep id, stable across re-syncs",
    ),
    col(
        "calendar_date",
        Kind::Text,
        "YYYY-MM-DD",
        "/calendar_date",
        "the day the sleep belongs to (usually the wake-up day)",
    ),
    col(
        "bedtime_start",
        Kind::Time,
        "",
        "/bedtime_start",
        "start of the sleep period",
    ),
    col(
        "bedtime_stop",
        Kind::Time,
        "",
        "/bedtime_stop",
        "end of the sleep period",
    ),
    col(
        "type",
        Kind::Text,
        "",
        "/type",
        "long_sleep, short_sleep, acknowledged_nap or unknown",
    ),
    col(
        "timezone_offset",
        Kind::Int,
        "s",
        "/timezone_offset",
        "offset of the participant's local time from UTC",
    ),
    col("duration", Kind::Int, "s", "/duration", "time in bed"),
    col(
        "total",
        Kind::Int,
        "s",
        "/total",
        "time asleep (light + rem + deep)",
    ),
    col("awake", Kind::Int, "s", "/awake", "time awake in bed"),
    col("light", Kind::Int, "s", "/light", "light sleep"),
    col("rem", Kind::Int, "s", "/rem", "REM sleep"),
    col("deep", Kind::Int, "s", "/deep", "deep sleep"),
    col(
        "score",
        Kind::Int,
        "1-100",
        "/score",
        "the provider's sleep score",
    ),
    col(
        "hr_lowest",
        Kind::Int,
        "bpm",
        "/hr_lowest",
        "lowest heart rate",
    ),
    col(
        "hr_average",
        Kind::Int,
        "bpm",
        "/hr_average",
        "average heart rate",
    ),
    col(
        "efficiency",
        Kind::Float,
        "%",
        "/efficiency",
        "share of time in bed spent asleep",
    ),
    col("latency", Kind::Int, "s", "/latency", "time to fall asleep"),
    col(
        "temperature_delta",
        Kind::Float,
        "°C",
        "/temperature_delta",
        "skin temperature deviation from baseline",
    ),
    col(
        "average_hrv",
        Kind::Float,
        "ms (RMSSD)",
        "/average_hrv",
        "average heart-rate variability",
    ),
    col(
        "respiratory_rate",
        Kind::Float,
        "breaths/min",
        "/respiratory_rate",
        "average breathing rate",
    ),
];

pub const ACTIVITY: &[Column] = &[
    col("id", Kind::Text, "", "/id", "Vital activity id"),
    col(
        "calendar_date",
        Kind::Text,
        "YYYY-MM-DD",
        "/calendar_date",
        "the day",
    ),
    col("steps", Kind::Int, "count", "/steps", "steps"),
    col(
        "calories_total",
        Kind::Float,
        "kcal",
        "/calories_total",
        "total energy expenditure",
    ),
    col(
        "calories_active",
        Kind::Float,
        "kcal",
        "/calories_active",
        "active energy expenditure",
    ),
    col(
        "distance",
        Kind::Float,
        "m",
        "/distance",
        "distance (walking equivalent where the provider gives no GPS distance)",
    ),
    col("low", Kind::Int, "min", "/low", "minutes of low activity"),
    col(
        "medium",
        Kind::Int,
        "min",
        "/medium",
        "minutes of medium activity",
    ),
    col(
        "high",
        Kind::Int,
        "min",
        "/high",
        "minutes of high activity",
    ),
    col(
        "timezone_offset",
        Kind::Int,
        "s",
        "/timezone_offset",
        "offset of local time from UTC",
    ),
];

pub const WORKOUTS: &[Column] = &[
    col("id", Kind::Text, "", "/id", "Vital workout id"),
    col(
        "calendar_date",
        Kind::Text,
        "YYYY-MM-DD",
        "/calendar_date",
        "the day",
    ),
    col("time_start", Kind::Time, "", "/time_start", "start"),
    col("time_end", Kind::Time, "", "/time_end", "end"),
    col("sport", Kind::Text, "", "/sport/slug", "Vital sport slug"),
    col("title", Kind::Text, "", "/title", "the participant's label"),
    col(
        "calories",
        Kind::Float,
        "kcal",
        "/calories",
        "energy burned",
    ),
    col("distance", Kind::Float, "m", "/distance", "distance"),
    col(
        "moving_time",
        Kind::Int,
        "s",
        "/moving_time",
        "time in motion",
    ),
    col(
        "average_hr",
        Kind::Int,
        "bpm",
        "/average_hr",
        "average heart rate",
    ),
    col("max_hr", Kind::Int, "bpm", "/max_hr", "maximum heart rate"),
];

pub const BODY: &[Column] = &[
    col("id", Kind::Text, "", "/id", "Vital body id"),
    col(
        "calendar_date",
        Kind::Text,
        "YYYY-MM-DD",
        "/calendar_date",
        "the day",
    ),
    col("weight", Kind::Float, "kg", "/weight", "body weight"),
    col("fat", Kind::Float, "%", "/fat", "body fat"),
    col(
        "body_mass_index",
        Kind::Float,
        "kg/m²",
        "/body_mass_index",
        "BMI",
    ),
];

pub const PROFILE: &[Column] = &[
    col("height", Kind::Int, "cm", "/height", "height"),
    col(
        "birth_date",
        Kind::Text,
        "YYYY-MM-DD",
        "/birth_date",
        "birth date (year precision where the provider gives an age)",
    ),
    col("sex", Kind::Text, "", "/sex", "female, male or other"),
];

/// Timeseries files (one per metric) share these columns.
pub const SAMPLES: &[Column] = &[
    col(
        "timestamp",
        Kind::Time,
        "",
        "",
        "the sample's time (interval samples: start)",
    ),
    col(
        "end",
        Kind::Time,
        "",
        "",
        "end of an interval sample; empty for point samples",
    ),
    col("value", Kind::Float, "see unit", "", "the reading"),
    col(
        "unit",
        Kind::Text,
        "",
        "",
        "unit of value (bpm, rmssd, ...)",
    ),
    col(
        "type",
        Kind::Text,
        "",
        "",
        "the provider's context of the sample (e.g. awake, rest, sleep, workout)",
    ),
    col(
        "timezone_offset",
        Kind::Int,
        "s",
        "",
        "offset of local time from UTC, where known",
    ),
];

pub fn summary_columns(resource: &str) -> Option<&'static [Column]> {
    Some(match resource {
        "sleep" => SLEEP,
        "activity" => ACTIVITY,
        "workouts" => WORKOUTS,
        "body" => BODY,
        "profile" => PROFILE,
        _ => return None,
    })
}

/// A cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    /// Epoch milliseconds.
    Time(Option<i64>),
}

impl Cell {
    pub fn from_json(kind: Kind, v: Option<&Value>) -> Cell {
        let v = v.filter(|v| !v.is_null());
        match kind {
            Kind::Text => Cell::Text(v.map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })),
            Kind::Int => Cell::Int(
                v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f.round() as i64))),
            ),
            Kind::Float => Cell::Float(v.and_then(Value::as_f64)),
            Kind::Time => Cell::Time(
                v.and_then(Value::as_str)
                    .and_then(crate::model::parse_datetime)
                    .map(|d| d.timestamp_millis()),
            ),
        }
    }

    pub fn csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone().unwrap_or_default(),
            Cell::Int(i) => i.map(|i| i.to_string()).unwrap_or_default(),
            Cell::Float(f) => f.map(|f| f.to_string()).unwrap_or_default(),
            Cell::Time(t) => t.map(crate::model::iso_utc_ms).unwrap_or_default(),
        }
    }
}
