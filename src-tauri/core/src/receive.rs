//! The receiving side of forwarding: readings pushed with Vital's ingestion contract
//! (`shared/reference/vital-api.md` §8) by other Vital Link machines (or anything speaking it),
//! stored with the same identities as local sync, so a batch sent twice changes nothing:
//! summaries by (user, provider, resource, provider record id) → a stable uuid, samples by
//! (user, metric, timestamp, provider).
//!
//! A batch is checked whole before anything is written: one reading no body can have (a value
//! outside `norm::PLAUSIBLE`, a time outside `[EARLIEST_MS, now + FUTURE_SLACK_MS]`) refuses
//! the batch with a 422 naming it, and what was stored before stays as it was.
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::model::{Sample, SummaryDoc};
use crate::store::readings::{Page, PageOutcome};

/// The tagged envelope of a push ("TaggedPayload").
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    pub provider: String,
    #[serde(default)]
    pub is_final_chunk: Option<bool>,
    #[serde(default)]
    pub data: Value,
}

/// Unit strings the mobile SDKs (and this app) send.
const UNITS: [&str; 38] = [
    "bpm",
    "rmssd",
    "sdnn",
    "ms",
    "%",
    "kcal",
    "kJ",
    "count",
    "",
    "m",
    "meter",
    "km",
    "mL/kg/min",
    "mmol/L",
    "mg/dL",
    "mmHg",
    "mL",
    "L",
    "L/min",
    "g",
    "gram",
    "mg",
    "μg",
    "kg",
    "lb",
    "cm",
    "centimeter",
    "min",
    "minute",
    "s",
    "°C",
    "celsius",
    "stage",
    "index",
    "steps",
    "breaths/min",
    "unit",
    "degC",
];

fn unprocessable(msg: impl Into<String>) -> AppError {
    AppError::new("invalid_payload", msg)
}

/// 1980-01-01T00:00:00Z. No wearable recorded anything earlier; year 0 and the epoch are what
/// unset fields and broken clocks produce.
const EARLIEST_MS: i64 = 315_532_800_000;

/// How far past this machine's clock a reading may claim to be: a sender's clock or time zone
/// a little off, never a measurement from the future.
const FUTURE_SLACK_MS: i64 = 24 * 3600 * 1000;

/// The instants a pushed reading may claim, given this machine's clock.
#[derive(Clone, Copy)]
struct Window {
    earliest: i64,
    latest: i64,
}

impl Window {
    fn at(now_ms: i64) -> Window {
        Window {
            earliest: EARLIEST_MS,
            latest: now_ms + FUTURE_SLACK_MS,
        }
    }

    fn check(&self, what: &str, ms: i64) -> Result<(), String> {
        if (self.earliest..=self.latest).contains(&ms) {
            return Ok(());
        }
        Err(format!(
            "{what} {} is outside the time this server accepts readings for ({} to {}: not before 1980, not more than a day after this computer's clock)",
            crate::model::iso_utc_ms(ms),
            crate::model::iso_utc_ms(self.earliest),
            crate::model::iso_utc_ms(self.latest)
        ))
    }
}

/// The 422 for one implausible reading: which one, what is wrong, that the batch was not
/// stored, what to do.
fn implausible(reading: String, problem: String) -> AppError {
    AppError::new(
        "implausible_reading", format!("{reading}: {problem}; nothing in this batch was stored: correct or leave out this reading and send the batch again"),
    )
}

/// A pushed sample's value is plausible for its metric and its times lie in `w`.
fn check_sample(i: usize, s: &Sample, raw: &Value, w: Window) -> AppResult<()> {
    let value = raw.get("value").map(Value::to_string).unwrap_or_default();
    let reading = format!(
        "data[{i}] ({} {value} {} at {})",
        s.metric,
        s.unit,
        crate::model::iso_utc_ms(s.ts)
    );
    let (unit, lo, hi) = crate::providers::norm::plausible_range(s.metric)
        .ok_or_else(|| AppError::internal(format!("no plausible range for {}", s.metric)))?;
    if !crate::providers::norm::plausible(
        s.metric,
        crate::providers::norm::in_table_unit(s.value, s.unit),
    ) {
        return Err(implausible(
            reading,
            format!(
                "{value} {} is not a plausible {} (expected {lo} to {hi} {unit})",
                s.unit, s.metric
            ),
        ));
    }
    w.check("start_date", s.ts)
        .and_then(|_| s.end_ts.map_or(Ok(()), |e| w.check("end_date", e)))
        .map_err(|p| implausible(reading, p))
}

/// A pushed summary's start, end and calendar date lie in `w`.
fn check_summary(i: usize, d: &SummaryDoc, w: Window) -> AppResult<()> {
    let reading = format!(
        "data[{i}] ({} {:?} of {})",
        d.resource, d.provider_record_id, d.calendar_date
    );
    let day_ms = crate::model::parse_day(&d.calendar_date)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(i64::MIN);
    d.start_at
        .map_or(Ok(()), |s| w.check("start", s))
        .and_then(|_| d.end_at.map_or(Ok(()), |e| w.check("end", e)))
        .and_then(|_| w.check("calendar_date", day_ms))
        .map_err(|p| implausible(reading, p))
}

/// Read name of a pushed timeseries resource.
pub fn metric_of(push_name: &str) -> Option<&'static str> {
    crate::resources::by_push_name(push_name)
        .or_else(|| crate::resources::get(push_name))
        .filter(|r| r.kind == crate::resources::Kind::Timeseries && r.stored)
        .map(|r| r.name)
}

pub fn validate_provider(p: &str) -> AppResult<()> {
    if p.is_empty()
        || p.len() > 64
        || !p
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(unprocessable(format!(
            "{p:?} is not a provider slug (lower-case letters, digits and _)"
        )));
    }
    Ok(())
}

fn time_ms(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_str)
        .and_then(crate::model::parse_datetime)
        .map(|d| d.timestamp_millis())
}

fn summary_from(
    user_id: &str,
    provider: &str,
    resource: &'static str,
    doc: Value,
    today: &str,
) -> AppResult<SummaryDoc> {
    let Value::Object(mut m) = doc else {
        return Err(unprocessable(format!(
            "a {resource} item must be an object"
        )));
    };
    let meta = m.remove("_vital_link").unwrap_or(Value::Null);
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let record_id = text(meta.get("provider_record_id"))
        .or_else(|| text(m.get("provider_id")))
        .or_else(|| text(m.get("id")))
        .ok_or_else(|| {
            unprocessable(format!(
                "a {resource} item needs an id (or provider_id) to identify it"
            ))
        })?;
    let first = |keys: &[&str]| keys.iter().find_map(|k| time_ms(m.get(*k)));
    let start_at = meta["start_at"]
        .as_i64()
        .or_else(|| first(&["bedtime_start", "time_start", "start_date", "start"]));
    let end_at = meta["end_at"]
        .as_i64()
        .or_else(|| first(&["bedtime_stop", "time_end", "end_date", "end"]));
    let calendar_date = text(meta.get("calendar_date"))
        .or_else(|| text(m.get("calendar_date")))
        .or_else(|| {
            ["date", "bedtime_stop", "time_start"]
                .iter()
                .find_map(|k| m.get(*k).and_then(Value::as_str))
                .filter(|s| s.len() >= 10)
                .map(|s| s[..10].to_string())
        })
        .or_else(|| (resource == "profile").then(|| today.to_string()))
        .filter(|d| crate::model::parse_day(d).is_some())
        .ok_or_else(|| unprocessable(format!("a {resource} item needs a calendar_date")))?;
    let id = crate::model::summary_id(user_id, provider, resource, &record_id);
    m.insert("id".into(), json!(id));
    m.insert("user_id".into(), json!(user_id));
    m.remove("created_at");
    m.remove("updated_at");
    if !m.get("source").is_some_and(Value::is_object) {
        m.insert(
            "source".into(),
            json!({"provider": provider, "type": "unknown"}),
        );
    }
    Ok(SummaryDoc {
        id,
        resource,
        provider_record_id: record_id,
        calendar_date,
        start_at,
        end_at,
        data: Value::Object(m),
    })
}

fn sample_from(metric: &'static str, v: &Value) -> AppResult<Sample> {
    let value = v
        .get("value")
        .and_then(Value::as_f64)
        .ok_or_else(|| unprocessable(format!("a {metric} sample needs a numeric value")))?;
    let unit_in = v.get("unit").and_then(Value::as_str).unwrap_or("");
    let unit = UNITS
        .iter()
        .copied()
        .find(|u| *u == unit_in)
        .ok_or_else(|| unprocessable(format!("unknown unit {unit_in:?}")))?;
    let ts = time_ms(v.get("start_date").or_else(|| v.get("timestamp")))
        .ok_or_else(|| unprocessable(format!("a {metric} sample needs an ISO-8601 start_date")))?;
    let end = time_ms(v.get("end_date").or_else(|| v.get("end")));
    let meta = v.get("metadata").unwrap_or(&Value::Null);
    Ok(Sample {
        metric,
        ts,
        end_ts: end.filter(|e| *e != ts),
        value,
        unit,
        tz_offset: meta
            .get("timezone_offset")
            .or_else(|| v.get("timezone_offset"))
            .and_then(Value::as_i64),
        source_type: v.get("type").and_then(Value::as_str).map(str::to_string),
    })
}

impl App {
    fn ingest_window(&self) -> Window {
        Window::at(self.clock.now().timestamp_millis())
    }

    /// `POST /v2/link/provider/manual/{provider}`: the connection pushed readings land in.
    /// Returns whether it was created (false: it exists, Vital's 409).
    pub fn receive_connection(&self, user_id: &str, provider: &str) -> AppResult<bool> {
        validate_provider(provider)?;
        let u = self.data.user(user_id)?;
        Ok(self.data.push_connection(&u.user_id, provider)?.1)
    }

    async fn receive_page(
        &self,
        user_id: &str,
        resource: &str,
        env: &Envelope,
        summaries: Vec<SummaryDoc>,
        samples: Vec<Sample>,
    ) -> AppResult<PageOutcome> {
        let (conn, _) = self.data.push_connection(user_id, &env.provider)?;
        let page = Page {
            connection_id: conn.id,
            resource: resource.to_string(),
            user_id: user_id.to_string(),
            provider: env.provider.clone(),
            raw: vec![],
            summaries,
            samples,
            cursor: None,
            daily: env.stage.as_deref() == Some("daily"),
            window: None,
        };
        let data = self.data.clone();
        let out = tokio::task::spawn_blocking(move || data.write_received(page)).await??;
        self.forward_wake.notify_one();
        Ok(out)
    }

    /// `POST /v2/summary/{resource}/{user_id}`.
    pub async fn receive_summaries(
        &self,
        user_id: &str,
        resource: &str,
        env: Envelope,
    ) -> AppResult<PageOutcome> {
        validate_provider(&env.provider)?;
        let u = self.data.user(user_id)?;
        let resource: &'static str = crate::resources::stored_summaries()
            .find(|r| *r == resource)
            .ok_or_else(|| {
                unprocessable(format!(
                    "this server stores the summaries {}, not {resource:?}",
                    crate::resources::stored_summaries()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let items = match &env.data {
            Value::Array(a) => a.clone(),
            Value::Object(_) => vec![env.data.clone()],
            Value::Null => vec![],
            _ => return Err(unprocessable("data must be a list or an object")),
        };
        let today = self.clock.now().date_naive().to_string();
        let docs = items
            .into_iter()
            .map(|d| summary_from(&u.user_id, &env.provider, resource, d, &today))
            .collect::<AppResult<Vec<_>>>()?;
        let w = self.ingest_window();
        for (i, d) in docs.iter().enumerate() {
            check_summary(i, d, w)?;
        }
        self.receive_page(&u.user_id, resource, &env, docs, vec![])
            .await
    }

    /// `POST /v2/timeseries/{user_id}/{resource}`.
    pub async fn receive_samples(
        &self,
        user_id: &str,
        resource: &str,
        env: Envelope,
    ) -> AppResult<PageOutcome> {
        validate_provider(&env.provider)?;
        let u = self.data.user(user_id)?;
        let metric = metric_of(resource).ok_or_else(|| {
            unprocessable(format!(
                "this server does not store the timeseries {resource:?}"
            ))
        })?;
        let items = match &env.data {
            Value::Array(a) => a,
            Value::Null => &vec![],
            _ => return Err(unprocessable("data must be a list of samples")),
        };
        let samples = items
            .iter()
            .map(|s| sample_from(metric, s))
            .collect::<AppResult<Vec<_>>>()?;
        let w = self.ingest_window();
        for (i, (s, raw)) in samples.iter().zip(items).enumerate() {
            check_sample(i, s, raw, w)?;
        }
        self.receive_page(&u.user_id, metric, &env, vec![], samples)
            .await
    }
}

/// The answer of an accepted push (bodies are ignored by the SDKs; ours says what changed).
pub fn accepted(out: PageOutcome) -> Value {
    let mut m = Map::new();
    m.insert("success".into(), json!(true));
    m.insert("summaries_written".into(), json!(out.summaries_written));
    m.insert("samples_written".into(), json!(out.samples_written));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_names_map_to_read_names() {
        assert_eq!(metric_of("heartrate_variability"), Some("hrv"));
        assert_eq!(metric_of("heartrate"), Some("heartrate"));
        assert_eq!(metric_of("temperature"), Some("body_temperature"));
        assert_eq!(metric_of("nonsense"), None);
    }

    #[test]
    fn a_forwarded_sample_keeps_its_identity_and_values() {
        let s = sample_from(
            "heartrate",
            &json!({"value": 61.0, "unit": "bpm", "start_date": "2026-01-02T03:04:05+00:00",
                    "end_date": "2026-01-02T03:04:05+00:00", "type": "rest", "metadata": {"timezone_offset": 3600}}),
        )
        .unwrap();
        assert_eq!(s.ts, 1767323045000);
        assert_eq!(s.end_ts, None);
        assert_eq!(s.tz_offset, Some(3600));
        assert_eq!(s.source_type.as_deref(), Some("rest"));
        assert!(sample_from(
            "heartrate",
            &json!({"value": 1.0, "unit": "furlongs", "start_date": "2026-01-02T03:04:05Z"})
        )
        .is_err());
    }

    #[test]
    fn a_summary_gets_the_receivers_stable_id() {
        let doc = json!({"id": "a-uuid", "user_id": "other", "calendar_date": "2026-01-02",
            "bedtime_start": "2026-01-01T23:00:00+00:00", "bedtime_stop": "2026-01-02T07:00:00+00:00",
            "_vital_link": {"provider_record_id": "rec-1", "calendar_date": "2026-01-02"}});
        let a = summary_from("u1", "oura", "sleep", doc.clone(), "2026-01-05").unwrap();
        let b = summary_from("u1", "oura", "sleep", doc, "2026-01-05").unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(
            a.id,
            crate::model::summary_id("u1", "oura", "sleep", "rec-1")
        );
        assert_eq!(a.data["user_id"], "u1");
        assert!(a.data.get("_vital_link").is_none());
        assert_eq!(a.start_at, Some(1767308400000));
    }
}
