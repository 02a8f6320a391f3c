//! Two periods (or two participants) side by side: one number per metric and its change.
use serde_json::{json, Value};

use super::Explorer;
use crate::error::{AppError, AppResult};
use crate::shapes::{self, Range};

pub struct CompareMetric {
    pub name: &'static str,
    pub unit: &'static str,
    pub means: &'static str,
    source: Source,
}

enum Source {
    /// A numeric field of a summary, averaged over its documents.
    Field(&'static str, &'static str, f64),
    /// Documents per day.
    PerDay(&'static str),
    /// A timeseries' samples, averaged.
    Level(&'static str),
}

pub const COMPARE_METRICS: &[CompareMetric] = &[
    CompareMetric {
        name: "sleep_hours",
        unit: "h",
        means: "mean total sleep per night",
        source: Source::Field("sleep", "total", 3600.0),
    },
    CompareMetric {
        name: "sleep_efficiency",
        unit: "%",
        means: "mean sleep efficiency",
        source: Source::Field("sleep", "efficiency", 1.0),
    },
    CompareMetric {
        name: "sleep_hr_lowest",
        unit: "bpm",
        means: "mean lowest heart rate in sleep",
        source: Source::Field("sleep", "hr_lowest", 1.0),
    },
    CompareMetric {
        name: "sleep_hrv",
        unit: "ms",
        means: "mean HRV in sleep",
        source: Source::Field("sleep", "average_hrv", 1.0),
    },
    CompareMetric {
        name: "steps",
        unit: "count",
        means: "mean steps per day",
        source: Source::Field("activity", "steps", 1.0),
    },
    CompareMetric {
        name: "calories_active",
        unit: "kcal",
        means: "mean active calories per day",
        source: Source::Field("activity", "calories_active", 1.0),
    },
    CompareMetric {
        name: "workouts_per_week",
        unit: "count",
        means: "workouts per 7 days",
        source: Source::PerDay("workouts"),
    },
    CompareMetric {
        name: "heartrate",
        unit: "bpm",
        means: "mean of every heart-rate sample",
        source: Source::Level("heartrate"),
    },
    CompareMetric {
        name: "hrv",
        unit: "ms",
        means: "mean of every HRV sample",
        source: Source::Level("hrv"),
    },
];

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl Explorer {
    fn measure(
        &self,
        user_id: &str,
        r: Range,
        m: &CompareMetric,
    ) -> AppResult<(Option<f64>, usize)> {
        let mean = |xs: Vec<f64>| {
            let n = xs.len();
            ((n > 0).then(|| round(xs.iter().sum::<f64>() / n as f64)), n)
        };
        Ok(match m.source {
            Source::Field(resource, field, divisor) => {
                let v = shapes::summaries(&self.app, user_id, resource, r, None)?;
                let xs = v[resource]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d[field].as_f64())
                    .map(|x| x / divisor)
                    .collect();
                mean(xs)
            }
            Source::PerDay(resource) => {
                let v = shapes::summaries(&self.app, user_id, resource, r, None)?;
                let n = v[resource].as_array().map_or(0, Vec::len);
                let days = (r.to_day - r.from_day).num_days() + 1;
                (Some(round(n as f64 * 7.0 / days as f64)), n)
            }
            Source::Level(metric) => {
                let xs = self
                    .app
                    .store
                    .samples(user_id, metric, r.from_ms, r.to_ms + 1, None)?;
                mean(xs.into_iter().map(|s| s.value).collect())
            }
        })
    }

    /// `a` against `b`: each a participant and a range. Metrics default to all of them.
    pub fn compare(
        &self,
        a: (&str, &str, Option<&str>),
        b: (&str, &str, Option<&str>),
        metrics: &[String],
    ) -> AppResult<Value> {
        let chosen: Vec<&CompareMetric> = if metrics.is_empty() {
            COMPARE_METRICS.iter().collect()
        } else {
            metrics
                .iter()
                .map(|n| {
                    COMPARE_METRICS.iter().find(|m| m.name == n).ok_or_else(|| {
                        let known: Vec<_> = COMPARE_METRICS.iter().map(|m| m.name).collect();
                        AppError::bad_request(
                            "invalid_resource",
                            format!(
                                "unknown compare metric {n:?}; use one of {}",
                                known.join(", ")
                            ),
                        )
                    })
                })
                .collect::<AppResult<_>>()?
        };
        let (ua, ra) = (self.participant(a.0)?, self.span(a.1, a.2)?);
        let (ub, rb) = (self.participant(b.0)?, self.span(b.1, b.2)?);
        let mut rows = vec![];
        for m in chosen {
            let (va, na) = self.measure(&ua.user_id, ra, m)?;
            let (vb, nb) = self.measure(&ub.user_id, rb, m)?;
            let diff = va.zip(vb).map(|(x, y)| round(y - x));
            let pct = va
                .zip(vb)
                .filter(|(x, _)| *x != 0.0)
                .map(|(x, y)| round((y - x) / x * 100.0));
            rows.push(json!({
                "metric": m.name, "unit": m.unit, "means": m.means,
                "a": va, "a_readings": na, "b": vb, "b_readings": nb,
                "difference": diff, "percent_change": pct,
            }));
        }
        let side = |u: &crate::store::users::User, r: Range| json!({"user_id": u.user_id, "from": r.from_day.to_string(), "to": r.to_day.to_string()});
        Ok(
            json!({"a": side(&ua, ra), "b": side(&ub, rb), "metrics": rows, "difference_is": "b minus a"}),
        )
    }
}
