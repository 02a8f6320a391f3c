//! The Health app's export (`export.xml`, alone or in `export.zip`), read as a stream of XML
//! events: only the element being read is in memory, whatever the file's size.
//!
//! Shape: Apple publishes no schema beyond the DTD every export.xml begins with ("HealthKit
//! Export Version: 11" and later; reproduced in github.com/artxgj/apple_health's README), and
//! the identifiers are HealthKit's (developer.apple.com/documentation/healthkit, e.g.
//! `HKCategoryValueSleepAnalysis`). A `HealthData` root holds `Record` elements (`type`,
//! `sourceName`, `device`, `unit`, `startDate`, `endDate`, `value`; dates as
//! `2024-01-02 07:12:00 +0100`, local time with its offset), `Workout` elements
//! (`workoutActivityType`, `duration`, `totalDistance`, `totalEnergyBurned` and their units,
//! and since iOS 16 `WorkoutStatistics` children), and `ActivitySummary` elements.
use std::io::BufRead;

use chrono::DateTime;
use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion;
use serde_json::json;

use super::sleep::{Segment, Stage};
use super::{units, Readings};
use crate::error::AppResult;
use crate::model::{self, Sample, SummaryDoc};

pub const PROVIDER: &str = "apple_health_kit";

/// One element's attributes of interest, unescaped (predefined entities only: a DTD's own
/// entities are never expanded, so an "entity bomb" stays a few bytes).
#[derive(Default)]
struct Attrs {
    kind: String,
    source: String,
    device: String,
    unit: String,
    start: String,
    end: String,
    value: String,
    // Workout and WorkoutStatistics
    duration: String,
    distance: String,
    distance_unit: String,
    energy: String,
    energy_unit: String,
    sum: String,
    average: String,
    maximum: String,
}

fn attrs(e: &BytesStart) -> Result<Attrs, String> {
    let mut a = Attrs::default();
    for at in e.attributes() {
        let at = at.map_err(|e| format!("malformed attribute: {e}"))?;
        let slot = match at.key.as_ref() {
            "type" | "workoutActivityType" => &mut a.kind,
            "sourceName" => &mut a.source,
            "device" => &mut a.device,
            "unit" => &mut a.unit,
            "startDate" => &mut a.start,
            "endDate" => &mut a.end,
            "value" => &mut a.value,
            "duration" => &mut a.duration,
            "totalDistance" => &mut a.distance,
            "totalDistanceUnit" => &mut a.distance_unit,
            "totalEnergyBurned" => &mut a.energy,
            "totalEnergyBurnedUnit" => &mut a.energy_unit,
            "sum" => &mut a.sum,
            "average" => &mut a.average,
            "maximum" => &mut a.maximum,
            _ => continue,
        };
        *slot = at
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| format!("malformed attribute value: {e}"))?
            .into_owned();
    }
    Ok(a)
}

/// `2024-01-02 07:12:00 +0100` → (epoch ms, seconds east of UTC).
pub fn parse_date(s: &str) -> Option<(i64, i32)> {
    let d = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S %z").ok()?;
    Some((d.timestamp_millis(), d.offset().local_minus_utc()))
}

/// Vital's source type from HealthKit's `device` description and the source's name.
pub fn source_type(source: &str, device: &str) -> &'static str {
    if device.contains("model:Watch") || source.contains("Watch") {
        "watch"
    } else if device.contains("model:iPhone") || source.contains("iPhone") {
        "phone"
    } else {
        "app"
    }
}

/// A Workout being read: its own attributes and the statistics among its children.
struct OpenWorkout {
    a: Attrs,
    stats: Vec<Attrs>,
}

/// Reads the export from `input`, handing every reading to `sink`.
pub fn read<R: BufRead>(input: R, sink: &mut impl Readings) -> AppResult<()> {
    let mut xml = quick_xml::Reader::from_reader(input);
    xml.config_mut().check_end_names = true;
    let mut buf = Vec::with_capacity(4096);
    let mut depth = 0usize;
    let mut seen_root = false;
    let mut workout: Option<OpenWorkout> = None;
    loop {
        let pos = xml.buffer_position();
        let ev = xml.read_event_into(&mut buf).map_err(|e| {
            sink.fatal(format!(
                "the XML is malformed at byte {} ({e})",
                xml.error_position()
            ))
        })?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                if !empty {
                    depth += 1;
                }
                match e.name().as_ref() {
                    "HealthData" => seen_root = true,
                    _ if !seen_root => {
                        return Err(sink.fatal(
                            "this is XML but not an Apple Health export (no <HealthData> root): export it again from the Health app (profile picture → Export All Health Data)".into(),
                        ))
                    }
                    "Record" => {
                        sink.record(pos);
                        match attrs(e) {
                            Ok(a) => record(a, sink)?,
                            Err(why) => sink.skip("malformed", why),
                        }
                    }
                    "Workout" => {
                        sink.record(pos);
                        match attrs(e) {
                            Ok(a) if empty => workout_done(a, vec![], sink)?,
                            Ok(a) => workout = Some(OpenWorkout { a, stats: vec![] }),
                            Err(why) => sink.skip("malformed", why),
                        }
                    }
                    "WorkoutStatistics" => {
                        if let (Some(w), Ok(a)) = (workout.as_mut(), attrs(e)) {
                            w.stats.push(a);
                        }
                    }
                    "ActivitySummary" => {
                        sink.record(pos);
                        sink.skip("not_imported", "ActivitySummary".into());
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => {
                depth = depth.saturating_sub(1);
                if e.name().as_ref() == "Workout" {
                    if let Some(w) = workout.take() {
                        workout_done(w.a, w.stats, sink)?;
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !seen_root {
        return Err(sink.fatal(
            "no <HealthData> found: this is not an Apple Health export.xml (or it is empty)".into(),
        ));
    }
    if depth > 0 {
        return Err(sink.fatal(
            "the file ends inside an element: it is truncated (copy or export it again)".into(),
        ));
    }
    Ok(())
}

fn dates(a: &Attrs) -> Result<(i64, i64, i32), String> {
    let (s, tz) =
        parse_date(&a.start).ok_or_else(|| format!("startDate {:?} is not a date", a.start))?;
    let (e, _) = parse_date(&a.end).ok_or_else(|| format!("endDate {:?} is not a date", a.end))?;
    if e < s {
        return Err(format!("endDate {} is before startDate {}", a.end, a.start));
    }
    Ok((s, e, tz))
}

fn record(a: Attrs, sink: &mut impl Readings) -> AppResult<()> {
    if a.kind == "HKCategoryTypeIdentifierSleepAnalysis" {
        let Some(stage) = Stage::from_value(&a.value) else {
            sink.skip(
                "malformed",
                format!("sleep analysis value {:?} is unknown", a.value),
            );
            return Ok(());
        };
        match dates(&a) {
            Ok((start, end, tz)) => sink.sleep(Segment {
                start,
                end,
                tz,
                stage,
                source_type: source_type(&a.source, &a.device),
                source: a.source,
            }),
            Err(why) => sink.skip("malformed", why),
        }
        return Ok(());
    }
    let Some((metric, unit)) = units::metric_of(&a.kind) else {
        sink.skip("not_imported", a.kind);
        return Ok(());
    };
    let parsed = dates(&a).and_then(|d| {
        let v: f64 = a
            .value
            .parse()
            .map_err(|_| format!("{} value {:?} is not a number", a.kind, a.value))?;
        Ok((d, units::convert(v, &a.unit, unit)?))
    });
    let ((start, end, tz), value) = match parsed {
        Ok(x) => x,
        Err(why) => {
            sink.skip("malformed", why);
            return Ok(());
        }
    };
    let table = crate::providers::norm::in_table_unit(value, unit);
    if !crate::providers::norm::plausible(metric, table) {
        sink.skip(
            "implausible",
            format!("{metric} {value} {unit} is not a plausible reading"),
        );
        return Ok(());
    }
    sink.sample(Sample {
        metric,
        ts: start,
        end_ts: (end != start).then_some(end),
        value,
        unit,
        tz_offset: Some(i64::from(tz)),
        source_type: Some(source_type(&a.source, &a.device).to_string()),
    })
}

fn number(s: &str) -> Option<f64> {
    s.parse().ok().filter(|x: &f64| x.is_finite() && *x >= 0.0)
}

fn workout_done(a: Attrs, stats: Vec<Attrs>, sink: &mut impl Readings) -> AppResult<()> {
    let (start, end, tz) = match dates(&a) {
        Ok(d) => d,
        Err(why) => {
            sink.skip("malformed", why);
            return Ok(());
        }
    };
    let stat = |suffix: &str| {
        stats
            .iter()
            .find(|s| s.kind.strip_prefix("HKQuantityTypeIdentifier") == Some(suffix))
    };
    let sum_in = |s: Option<&Attrs>, target: &str| {
        s.and_then(|s| units::convert(number(&s.sum)?, &s.unit, target).ok())
    };
    // iOS < 16 puts the totals on the Workout; later versions only in WorkoutStatistics.
    let distance = number(&a.distance)
        .and_then(|d| units::convert(d, &a.distance_unit, "m").ok())
        .or_else(|| {
            [
                "DistanceWalkingRunning",
                "DistanceCycling",
                "DistanceSwimming",
            ]
            .iter()
            .find_map(|k| sum_in(stat(k), "m"))
        });
    let calories = number(&a.energy)
        .and_then(|e| units::convert(e, &a.energy_unit, "kcal").ok())
        .or_else(|| sum_in(stat("ActiveEnergyBurned"), "kcal"));
    let hr = stat("HeartRate");
    let bpm = |f: fn(&Attrs) -> &str| {
        hr.and_then(|s| number(f(s)))
            .map(|x| x.round() as i64)
            .filter(|x| (20..=260).contains(x))
    };
    let activity = a
        .kind
        .strip_prefix("HKWorkoutActivityType")
        .unwrap_or(&a.kind);
    let (sport_id, sport_name, sport_slug) = model::sport(&snake(activity));
    let record_id = format!("workout-{start}-{activity}");
    let user_id = sink.user_id().to_string();
    let id = model::summary_id(&user_id, PROVIDER, "workouts", &record_id);
    let day = model::iso_utc_ms(start + i64::from(tz) * 1000)[..10].to_string();
    let source =
        crate::providers::norm::source(PROVIDER, &a.source, source_type(&a.source, &a.device));
    sink.summary(SummaryDoc {
        id: id.clone(),
        resource: "workouts",
        provider_record_id: record_id.clone(),
        calendar_date: day.clone(),
        start_at: Some(start),
        end_at: Some(end),
        data: json!({
            "id": id,
            "user_id": user_id,
            "title": activity,
            "timezone_offset": tz,
            "average_hr": bpm(|s| &s.average),
            "max_hr": bpm(|s| &s.maximum),
            "distance": distance,
            "calendar_date": day,
            "time_start": model::iso_utc_ms(start),
            "time_end": model::iso_utc_ms(end),
            "calories": calories,
            "sport": {"id": sport_id, "name": sport_name, "slug": sport_slug},
            "hr_zones": null,
            "moving_time": (end - start) / 1000,
            "total_elevation_gain": null,
            "average_speed": distance.filter(|_| end > start).map(|d| d / ((end - start) as f64 / 1000.0)),
            "max_speed": null,
            "average_watts": null,
            "map": null,
            "provider_id": record_id,
            "source": source,
        }),
    })
}

/// `TraditionalStrengthTraining` → `traditional_strength_training`.
fn snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    match out.as_str() {
        "traditional_strength_training" | "functional_strength_training" => {
            "strength_training".into()
        }
        "high_intensity_interval_training" => "hiit".into(),
        _ => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> (super::super::Collected, AppResult<()>) {
        let mut c = super::super::Collected {
            user_id: "u".into(),
            ..Default::default()
        };
        let r = read(xml.as_bytes(), &mut c);
        (c, r)
    }

    #[test]
    fn an_ios_15_workout_and_a_record_with_children_are_read() {
        let (c, r) = parse(
            r#"<?xml version="1.0"?><HealthData locale="en">
<Record type="HKQuantityTypeIdentifierBodyTemperature" sourceName="Thermo" unit="degF" startDate="2023-05-01 07:00:00 -0400" endDate="2023-05-01 07:00:00 -0400" value="98.6"><MetadataEntry key="k" value="v"/></Record>
<Workout workoutActivityType="HKWorkoutActivityTypeCycling" duration="60" durationUnit="min" totalDistance="20" totalDistanceUnit="mi" totalEnergyBurned="2092" totalEnergyBurnedUnit="kJ" sourceName="Ann’s iPhone" startDate="2023-05-01 17:00:00 -0400" endDate="2023-05-01 18:00:00 -0400"/>
<Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" startDate="2023-05-01 17:00:00 -0400" endDate="2023-05-01 17:00:00 -0400" value="999"/>
</HealthData>"#,
        );
        r.unwrap();
        assert_eq!(c.records, 3);
        assert_eq!(c.samples.len(), 1);
        assert!((c.samples[0].value - 37.0).abs() < 1e-9);
        assert_eq!(c.samples[0].tz_offset, Some(-4 * 3600));
        let w = &c.summaries[0].data;
        assert!((w["distance"].as_f64().unwrap() - 32186.88).abs() < 1e-6);
        assert!((w["calories"].as_f64().unwrap() - 500.0).abs() < 1e-9);
        assert_eq!(w["sport"]["slug"], "cycling");
        assert_eq!(w["source"]["type"], "phone");
        assert_eq!(
            c.skipped,
            [(
                "implausible",
                "heartrate 999 bpm is not a plausible reading".to_string()
            )]
        );
    }

    #[test]
    fn a_cut_or_foreign_document_is_an_error() {
        let (c, r) = parse(
            r#"<HealthData locale="en"><Record type="HKQuantityTypeIdentifierStepCount" unit="count" startDate="2023-05-01 07:00:00 +0000" endDate="2023-05-01 07:10:00 +0000" value="5"/><Workout workoutActivityType="HKWorkoutActivityTypeRunning""#,
        );
        assert!(r.is_err());
        assert_eq!(c.samples.len(), 1, "what came before the cut is kept");
        let (_, r) = parse("<html><body>hello</body></html>");
        assert!(r
            .unwrap_err()
            .message
            .contains("not an Apple Health export"));
        let (_, r) = parse("<HealthData><Record></HealthData>");
        assert!(r.is_err(), "mismatched end tag");
    }

    #[test]
    fn dates_keep_their_offset() {
        let (ms, tz) = parse_date("2024-01-02 07:12:00 +0100").unwrap();
        assert_eq!(model::iso_utc_ms(ms), "2024-01-02T06:12:00+00:00");
        assert_eq!(tz, 3600);
        let (_, tz) = parse_date("2024-07-02 07:12:00 -0700").unwrap();
        assert_eq!(tz, -7 * 3600);
        assert!(parse_date("2024-13-02 07:12:00 +0100").is_none());
        assert!(parse_date("yesterday").is_none());
    }

    #[test]
    fn sources_are_told_apart() {
        let watch = "<<HKDevice: 0x2>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:9.0>";
        assert_eq!(source_type("Ann’s Apple Watch", watch), "watch");
        assert_eq!(source_type("Ann’s iPhone", ""), "phone");
        assert_eq!(source_type("AutoSleep", ""), "app");
    }

    #[test]
    fn activity_types_become_vital_sports() {
        assert_eq!(model::sport(&snake("Running")).2, "running");
        assert_eq!(
            model::sport(&snake("TraditionalStrengthTraining")).2,
            "strength_training"
        );
        assert_eq!(model::sport(&snake("Cycling")).2, "cycling");
    }
}
