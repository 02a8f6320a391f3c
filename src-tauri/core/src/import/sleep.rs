//! Sleep analysis segments (one per stage interval, as HealthKit stores them) assembled into
//! Vital sleep sessions. A night arrives as many short category records, often from two
//! sources at once (the watch's stages and a phone or third-party app's "in bed"), and not
//! next to each other in the export, so the segments are gathered first and grouped at the end.
use serde_json::{json, Value};

use crate::model::{self, SummaryDoc};

/// Segments further apart than this belong to different sleeps (a nap, the next night).
const SESSION_GAP_MS: i64 = 2 * 3600 * 1000;

/// No sleep lasts longer: a chain of segments each less than the gap apart (a source that
/// writes "asleep" all day) is cut here rather than becoming a sleep of weeks.
const MAX_SESSION_MS: i64 = 24 * 3600 * 1000;

/// Vital's hypnogram encoding (shared by its providers): 1 deep, 2 light, 3 REM, 4 awake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    InBed,
    /// Stage-less "asleep": iOS < 16's `Asleep` and iOS 16+'s `AsleepUnspecified`.
    Asleep,
    Core,
    Deep,
    Rem,
    Awake,
}

impl Stage {
    /// The stage of a `HKCategoryValueSleepAnalysis…` value; None for one this app does not know.
    pub fn from_value(v: &str) -> Option<Stage> {
        Some(match v.strip_prefix("HKCategoryValueSleepAnalysis")? {
            "InBed" => Stage::InBed,
            "Asleep" | "AsleepUnspecified" => Stage::Asleep,
            "AsleepCore" => Stage::Core,
            "AsleepDeep" => Stage::Deep,
            "AsleepREM" => Stage::Rem,
            "Awake" => Stage::Awake,
            _ => return None,
        })
    }

    fn hypnogram(self) -> Option<i64> {
        match self {
            Stage::InBed => None,
            Stage::Deep => Some(1),
            // Core is Apple's name for light (N1/N2) sleep.
            Stage::Core | Stage::Asleep => Some(2),
            Stage::Rem => Some(3),
            Stage::Awake => Some(4),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub start: i64,
    pub end: i64,
    /// Seconds east of UTC, from the record's own date.
    pub tz: i32,
    pub stage: Stage,
    pub source: String,
    pub source_type: &'static str,
}

/// Groups `segs` into sleeps and writes each as a Vital sleep document.
pub fn sessions(user_id: &str, provider: &str, segs: Vec<Segment>) -> Vec<SummaryDoc> {
    let mut out = vec![];
    each_session(user_id, provider, segs, |d| {
        out.push(d);
        Ok::<_, std::convert::Infallible>(())
    })
    .unwrap_or_else(|e| match e {});
    out
}

/// [`sessions`], handing each sleep to `emit` as soon as it is assembled: a document with its
/// hypnogram is far larger than its segments, so years of nights are never all in memory.
pub fn each_session<E>(
    user_id: &str,
    provider: &str,
    mut segs: Vec<Segment>,
    mut emit: impl FnMut(SummaryDoc) -> Result<(), E>,
) -> Result<(), E> {
    segs.sort_by(|a, b| (a.start, a.end, &a.source).cmp(&(b.start, b.end, &b.source)));
    segs.dedup_by(|a, b| {
        a.start == b.start && a.end == b.end && a.stage == b.stage && a.source == b.source
    });
    let mut group: Vec<Segment> = vec![];
    let mut group_end = i64::MIN;
    for s in segs {
        let too_long = group
            .first()
            .is_some_and(|f| s.end - f.start > MAX_SESSION_MS);
        if !group.is_empty() && (s.start > group_end + SESSION_GAP_MS || too_long) {
            emit(session(user_id, provider, std::mem::take(&mut group)))?;
            group_end = i64::MIN;
        }
        group_end = group_end.max(s.end);
        group.push(s);
    }
    if !group.is_empty() {
        emit(session(user_id, provider, group))?;
    }
    Ok(())
}

fn session(user_id: &str, provider: &str, group: Vec<Segment>) -> SummaryDoc {
    let start = group.iter().map(|s| s.start).min().unwrap_or(0);
    let end = group.iter().map(|s| s.end).max().unwrap_or(start);
    // Stages are counted from one source only: two sources each saying "asleep" for the same
    // hour are one hour of sleep. The one with the most staged time is the most detailed.
    let mut staged: Vec<(&str, i64)> = vec![];
    for s in group.iter().filter(|s| s.stage != Stage::InBed) {
        match staged.iter_mut().find(|(n, _)| *n == s.source) {
            Some((_, t)) => *t += s.end - s.start,
            None => staged.push((&s.source, s.end - s.start)),
        }
    }
    let primary = staged
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(n, _)| n.to_string());
    let first = &group[0];
    let tz = first.tz;
    let stages: Vec<&Segment> = group
        .iter()
        .filter(|s| Some(&s.source) == primary.as_ref() && s.stage != Stage::InBed)
        .collect();
    // A source's segments overlapping each other (a stage edited, exported twice) count once:
    // each counts only from where the previous ones ended.
    let mut clipped: Vec<(&Segment, i64)> = Vec::with_capacity(stages.len());
    let mut cursor = i64::MIN;
    for s in &stages {
        let from = s.start.max(cursor);
        if s.end > from {
            clipped.push((*s, from));
        }
        cursor = cursor.max(s.end);
    }
    let secs = |want: &[Stage]| -> i64 {
        clipped
            .iter()
            .filter(|(s, _)| want.contains(&s.stage))
            .map(|(s, from)| (s.end - from) / 1000)
            .sum()
    };
    let (deep, rem, light, awake) = (
        secs(&[Stage::Deep]),
        secs(&[Stage::Rem]),
        secs(&[Stage::Core, Stage::Asleep]),
        secs(&[Stage::Awake]),
    );
    let total = deep + rem + light;
    let src = group
        .iter()
        .find(|s| Some(&s.source) == primary.as_ref())
        .unwrap_or(first);
    let hypnogram: Vec<Value> = clipped
        .iter()
        .filter_map(|(s, from)| {
            let v = s.stage.hypnogram()?;
            Some(
                json!({"start": model::iso_utc_ms(*from), "end": model::iso_utc_ms(s.end),
                "timestamp": model::iso_utc_ms(*from), "value": v, "unit": "stage",
                "timezone_offset": s.tz, "type": s.source_type}),
            )
        })
        .collect();
    // Vital dates a sleep by the day it ends, in the sleeper's local time.
    let day = model::iso_utc_ms(end + i64::from(tz) * 1000)[..10].to_string();
    let record_id = format!("sleep-{start}");
    let id = model::summary_id(user_id, provider, "sleep", &record_id);
    let date = model::parse_day(&day).expect("formatted above");
    SummaryDoc {
        id: id.clone(),
        resource: "sleep",
        provider_record_id: record_id.clone(),
        calendar_date: day.clone(),
        start_at: Some(start),
        end_at: Some(end),
        data: json!({
            "id": id,
            "user_id": user_id,
            "date": model::date_midnight_utc(date),
            "calendar_date": day,
            "bedtime_start": model::iso_utc_ms(start),
            "bedtime_stop": model::iso_utc_ms(end),
            "type": if total >= 3 * 3600 { "long_sleep" } else { "short_sleep" },
            "timezone_offset": tz,
            "duration": (end - start) / 1000,
            "total": total,
            "awake": awake,
            "light": light,
            "rem": rem,
            "deep": deep,
            "score": null, "hr_lowest": null, "hr_average": null, "efficiency": null,
            "latency": null, "temperature_delta": null, "average_hrv": null,
            "respiratory_rate": null,
            "source": crate::providers::norm::source(provider, &src.source, src.source_type),
            "sleep_stream": {"hrv": [], "heartrate": [], "hypnogram": hypnogram, "respiratory_rate": []},
            "provider_id": record_id,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start_min: i64, end_min: i64, stage: Stage, source: &str) -> Segment {
        let t0 = 1_704_146_400_000; // 2024-01-01T22:00:00Z
        Segment {
            start: t0 + start_min * 60_000,
            end: t0 + end_min * 60_000,
            tz: 3600,
            stage,
            source: source.into(),
            source_type: "watch",
        }
    }

    #[test]
    fn a_staged_night_with_an_overlapping_in_bed_is_one_sleep() {
        let segs = vec![
            seg(-10, 490, Stage::InBed, "Sleep App"),
            seg(0, 60, Stage::Core, "Watch"),
            seg(60, 120, Stage::Deep, "Watch"),
            seg(120, 130, Stage::Awake, "Watch"),
            seg(130, 220, Stage::Rem, "Watch"),
            seg(220, 480, Stage::Core, "Watch"),
            seg(220, 480, Stage::Core, "Watch"), // exported twice
            seg(400, 480, Stage::Core, "Watch"), // overlaps the one before
        ];
        let docs = sessions("u", "apple_health_kit", segs);
        assert_eq!(docs.len(), 1);
        let d = &docs[0].data;
        assert_eq!(d["deep"], 3600);
        assert_eq!(d["rem"], 90 * 60);
        assert_eq!(d["light"], (60 + 260) * 60);
        assert_eq!(d["awake"], 600);
        assert_eq!(d["total"], (60 + 60 + 90 + 260) * 60);
        assert_eq!(d["duration"], 500 * 60, "in bed from the other source");
        assert_eq!(d["calendar_date"], "2024-01-02");
        assert_eq!(d["source"]["name"], "Watch");
        assert_eq!(d["sleep_stream"]["hypnogram"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn a_gap_of_hours_starts_another_sleep() {
        let segs = vec![
            seg(0, 400, Stage::Asleep, "Phone"),
            seg(900, 960, Stage::Asleep, "Phone"),
        ];
        let docs = sessions("u", "apple_health_kit", segs);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].data["type"], "long_sleep");
        assert_eq!(docs[1].data["type"], "short_sleep");
        assert_ne!(docs[0].id, docs[1].id);
    }

    #[test]
    fn segments_chained_for_days_are_cut_into_days() {
        let segs: Vec<Segment> = (0..72)
            .map(|h| seg(h * 60, h * 60 + 30, Stage::Asleep, "App"))
            .collect();
        let docs = sessions("u", "apple_health_kit", segs);
        assert_eq!(docs.len(), 3);
        assert!(docs
            .iter()
            .all(|d| d.data["duration"].as_i64().unwrap() <= 24 * 3600));
    }

    #[test]
    fn stage_values_of_old_and_new_ios() {
        assert_eq!(
            Stage::from_value("HKCategoryValueSleepAnalysisAsleep"),
            Some(Stage::Asleep)
        );
        assert_eq!(
            Stage::from_value("HKCategoryValueSleepAnalysisAsleepREM"),
            Some(Stage::Rem)
        );
        assert_eq!(Stage::from_value("3"), None);
    }
}
