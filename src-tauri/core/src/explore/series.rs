//! A timeseries sized for an assistant's context: every sample when they fit, otherwise buckets
//! (min/mean/max, and the total for counted metrics) at the finest resolution that fits the
//! budget. A year of 5-minute heart rate is 105 120 samples; as days it is 365 points.
use std::collections::BTreeMap;

use chrono::DateTime;
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::shapes::Range;
use crate::store::samples::StoredSample;

/// Points per answer unless the caller asks for another budget.
pub const DEFAULT_BUDGET: usize = 500;
/// The budget a caller may ask for, so that no call floods a context.
pub const BUDGET_RANGE: (usize, usize) = (10, 5000);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Raw,
    Minute,
    FiveMinutes,
    FifteenMinutes,
    Hour,
    Day,
    Week,
}

impl Resolution {
    const BUCKETS: [Resolution; 6] = [
        Resolution::Minute,
        Resolution::FiveMinutes,
        Resolution::FifteenMinutes,
        Resolution::Hour,
        Resolution::Day,
        Resolution::Week,
    ];

    fn width_ms(self) -> i64 {
        let min = 60_000;
        match self {
            Resolution::Raw => 0,
            Resolution::Minute => min,
            Resolution::FiveMinutes => 5 * min,
            Resolution::FifteenMinutes => 15 * min,
            Resolution::Hour => 60 * min,
            Resolution::Day => 1440 * min,
            Resolution::Week => 7 * 1440 * min,
        }
    }

    pub fn parse(s: &str) -> AppResult<Option<Resolution>> {
        Ok(Some(match s {
            "auto" | "" => return Ok(None),
            "raw" => Resolution::Raw,
            "minute" | "1m" => Resolution::Minute,
            "5m" | "five_minutes" => Resolution::FiveMinutes,
            "15m" | "fifteen_minutes" => Resolution::FifteenMinutes,
            "hour" | "1h" => Resolution::Hour,
            "day" | "1d" => Resolution::Day,
            "week" | "1w" => Resolution::Week,
            other => {
                return Err(AppError::bad_request(
                    "invalid_resource",
                    format!("resolution {other:?} is not one of auto, raw, minute, 5m, 15m, hour, day, week"),
                ))
            }
        }))
    }
}

/// Counted metrics add up over a bucket; the others are levels, whose total means nothing.
pub fn is_counted(metric: &str) -> bool {
    matches!(
        metric,
        "steps" | "distance" | "calories_active" | "calories_basal" | "floors_climbed" | "water"
    )
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Point {
    /// The bucket's start (or the sample's time), in the readings' own local time with its
    /// offset, as a person reads a day.
    pub start: String,
    pub min: f64,
    pub mean: f64,
    pub max: f64,
    pub count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct ProviderSeries {
    pub provider: String,
    pub unit: String,
    pub samples: usize,
    pub points: Vec<Point>,
}

#[derive(Debug, Serialize)]
pub struct Sized {
    pub resolution: Resolution,
    /// Why this resolution: the budget and what the finer one would have needed.
    pub resolution_reason: String,
    pub budget_points: usize,
    pub points: usize,
    pub series: Vec<ProviderSeries>,
}

/// The finest resolution whose points (per provider, over the whole range) fit the budget.
fn choose(range: &Range, samples: usize, providers: usize, budget: usize) -> (Resolution, String) {
    let providers = providers.max(1);
    if samples <= budget {
        return (
            Resolution::Raw,
            format!("all {samples} samples fit the budget of {budget} points"),
        );
    }
    let span = (range.to_ms - range.from_ms + 1).max(1);
    let mut finer: Option<String> = None;
    let head = format!("{samples} samples do not fit the budget of {budget} points");
    let but = |f: &Option<String>| {
        f.as_ref()
            .map(|f| format!(" ({f} would not either)"))
            .unwrap_or_default()
    };
    for r in Resolution::BUCKETS {
        let need = (span + r.width_ms() - 1) / r.width_ms() * providers as i64;
        let name = format!("{r:?}").to_lowercase();
        if need as usize <= budget {
            return (
                r,
                format!("{head}{}; {need} {name} buckets do", but(&finer)),
            );
        }
        finer = Some(format!("{need} {name} buckets"));
    }
    (
        Resolution::Week,
        format!("{head}{}; ask for a shorter range", but(&finer)),
    )
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn local_label(ts: i64, offset_s: i64, with_time: bool) -> String {
    let local = DateTime::from_timestamp_millis(ts + offset_s * 1000).unwrap_or_default();
    let sign = if offset_s < 0 { '-' } else { '+' };
    let o = offset_s.abs();
    let clock = if with_time {
        local.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        local.format("%Y-%m-%d").to_string()
    };
    format!("{clock}{sign}{:02}:{:02}", o / 3600, o % 3600 / 60)
}

/// Sizes `samples` (one metric, ordered by time) to `budget` points, or to `asked` if given.
pub fn size(
    metric: &str,
    range: &Range,
    samples: Vec<StoredSample>,
    asked: Option<Resolution>,
    budget: usize,
) -> AppResult<Sized> {
    let mut by_provider: BTreeMap<String, Vec<StoredSample>> = BTreeMap::new();
    let total = samples.len();
    for s in samples {
        by_provider.entry(s.provider.clone()).or_default().push(s);
    }
    let (resolution, reason) = match asked {
        Some(r) => (r, "as asked".to_string()),
        None => choose(range, total, by_provider.len(), budget),
    };
    let counted = is_counted(metric);
    let series: Vec<ProviderSeries> = by_provider
        .into_iter()
        .map(|(provider, xs)| {
            let unit = xs.first().map(|s| s.unit.clone()).unwrap_or_default();
            let n = xs.len();
            let points = bucket(&xs, resolution, counted);
            ProviderSeries {
                provider,
                unit,
                samples: n,
                points,
            }
        })
        .collect();
    let points: usize = series.iter().map(|s| s.points.len()).sum();
    if points > BUDGET_RANGE.1 {
        return Err(AppError::new(
            "too_many_samples",
            format!("{points} {resolution:?} points for {metric} from {} to {} is more than {} in one answer; use a coarser resolution (or auto) or a shorter range", range.from_day, range.to_day, BUDGET_RANGE.1),
        ));
    }
    Ok(Sized {
        resolution,
        resolution_reason: reason,
        budget_points: budget,
        points,
        series,
    })
}

fn bucket(xs: &[StoredSample], r: Resolution, counted: bool) -> Vec<Point> {
    if r == Resolution::Raw {
        return xs
            .iter()
            .map(|s| Point {
                start: local_label(s.ts, s.tz_offset.unwrap_or(0), true),
                min: round(s.value),
                mean: round(s.value),
                max: round(s.value),
                count: 1,
                total: counted.then(|| round(s.value)),
            })
            .collect();
    }
    let w = r.width_ms();
    // Keyed by the local bucket so a day is the person's day, not UTC's.
    let mut buckets: BTreeMap<i64, (i64, Vec<f64>)> = BTreeMap::new();
    for s in xs {
        let off = s.tz_offset.unwrap_or(0);
        let local = s.ts + off * 1000;
        // Weeks start on Monday: the epoch was a Thursday.
        let shift = if r == Resolution::Week {
            3 * 86_400_000
        } else {
            0
        };
        let key = (local + shift).div_euclid(w) * w - shift;
        buckets
            .entry(key)
            .or_insert_with(|| (off, vec![]))
            .1
            .push(s.value);
    }
    buckets
        .into_iter()
        .map(|(key, (off, vs))| {
            let sum: f64 = vs.iter().sum();
            let min = vs.iter().copied().fold(f64::INFINITY, f64::min);
            let max = vs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Point {
                start: local_label(key - off * 1000, off, w < 86_400_000),
                min: round(min),
                mean: round(sum / vs.len() as f64),
                max: round(max),
                count: vs.len(),
                total: counted.then(|| round(sum)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::parse_range;

    fn hr(ts: i64, v: f64, off: i64) -> StoredSample {
        StoredSample {
            provider: "oura".into(),
            ts,
            end_ts: None,
            value: v,
            unit: "bpm".into(),
            tz_offset: Some(off),
            source_type: None,
        }
    }

    #[test]
    fn a_year_of_five_minute_heart_rate_comes_back_as_days_under_the_budget() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let r = parse_range("2026-01-01", Some("2026-12-31"), today).unwrap();
        let xs: Vec<_> = (0..365 * 288)
            .map(|i| hr(r.from_ms + i * 300_000, 50.0 + (i % 60) as f64, 0))
            .collect();
        let n = xs.len();
        let out = size("heartrate", &r, xs, None, DEFAULT_BUDGET).unwrap();
        assert_eq!(out.resolution, Resolution::Day);
        assert!(out.points <= DEFAULT_BUDGET, "{} points", out.points);
        assert_eq!(out.points, 365);
        assert_eq!(out.series[0].samples, n);
        assert!(out.resolution_reason.contains("budget"));
        let day = &out.series[0].points[0];
        assert_eq!((day.min, day.max, day.count), (50.0, 109.0, 288));
        assert!(day.total.is_none());
    }

    #[test]
    fn few_samples_come_back_as_they_are_and_counted_metrics_carry_totals() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let r = parse_range("2026-01-01", Some("2026-01-02"), today).unwrap();
        let xs = vec![
            hr(r.from_ms, 60.0, 3600),
            hr(r.from_ms + 60_000, 70.0, 3600),
        ];
        let out = size("steps", &r, xs, None, DEFAULT_BUDGET).unwrap();
        assert_eq!(out.resolution, Resolution::Raw);
        assert_eq!(out.series[0].points[0].start, "2026-01-01T01:00+01:00");
        assert_eq!(out.series[0].points[1].total, Some(70.0));
        let by_day = size(
            "steps",
            &r,
            vec![
                hr(r.from_ms, 60.0, 3600),
                hr(r.from_ms + 60_000, 70.0, 3600),
            ],
            Some(Resolution::Day),
            10,
        )
        .unwrap();
        assert_eq!(
            by_day.series[0].points,
            vec![Point {
                start: "2026-01-01+01:00".into(),
                min: 60.0,
                mean: 65.0,
                max: 70.0,
                count: 2,
                total: Some(130.0)
            }]
        );
    }

    #[test]
    fn a_local_day_is_the_persons_day() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let r = parse_range("2026-01-01", Some("2026-01-02"), today).unwrap();
        // 23:30 UTC on the 1st is 08:30 on the 2nd in Tokyo.
        let late = r.from_ms + 23 * 3_600_000 + 1_800_000;
        let out = size(
            "heartrate",
            &r,
            vec![hr(late, 60.0, 9 * 3600)],
            Some(Resolution::Day),
            10,
        )
        .unwrap();
        assert_eq!(out.series[0].points[0].start, "2026-01-02+09:00");
    }
}
