//! FIT activity files (Garmin, Wahoo, Polar, Coros, Suunto... devices) → a Vital workout with
//! its per-second stream, and the per-second heart rate as `heartrate` samples, under the
//! provider named by the file's `file_id.manufacturer`.
//!
//! A FIT file is a few MB at most (one activity), so it is decoded whole with `fitparser`
//! (which checks the header and file CRCs); a folder is imported a file at a time.
use chrono::{DateTime, Local};
use fitparser::profile::MesgNum;
use fitparser::{FitDataRecord, Value};
use serde_json::{json, Value as Json};

use crate::model::{self, Sample, SummaryDoc};

/// Larger than any activity file a device writes (hours of 1 Hz records are a few MB).
pub const MAX_BYTES: u64 = 64 << 20;

/// One activity file, as this app stores it.
pub struct Activity {
    pub provider: String,
    pub workout: SummaryDoc,
    pub samples: Vec<Sample>,
}

/// Vital's slug for a FIT manufacturer (`fitparser` names them as the FIT profile does).
pub fn provider_of(manufacturer: &str) -> String {
    match manufacturer {
        "wahoo_fitness" => "wahoo".into(),
        "polar_electro" => "polar".into(),
        "coros" | "coros_byte" => "coros".into(),
        "zwift_byte" => "zwift".into(),
        "" => "fit".into(),
        m => m
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect(),
    }
}

fn field<'a>(r: &'a FitDataRecord, name: &str) -> Option<&'a Value> {
    r.fields()
        .iter()
        .find(|f| f.name() == name)
        .map(|f| f.value())
}

fn num(r: &FitDataRecord, name: &str) -> Option<f64> {
    let v = field(r, name)?;
    let x: f64 = v.clone().try_into().ok()?;
    x.is_finite().then_some(x)
}

fn time(r: &FitDataRecord, name: &str) -> Option<DateTime<Local>> {
    match field(r, name)? {
        Value::Timestamp(t) => Some(*t),
        _ => None,
    }
}

fn text(r: &FitDataRecord, name: &str) -> Option<String> {
    match field(r, name)? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The FIT header (FIT protocol: a 12- or 14-byte header with `.FIT` at byte 8 and the data
/// size at byte 4, then the data and a 2-byte CRC): a file cut short is named so.
fn check_header(bytes: &[u8]) -> Result<(), String> {
    let not_fit = || "not a readable FIT file (no FIT header): copy it from the device again";
    let header = usize::from(*bytes.first().ok_or_else(not_fit)?);
    if !matches!(header, 12 | 14) || bytes.len() < header || &bytes[8..12] != b".FIT" {
        return Err(not_fit().into());
    }
    let data = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    if bytes.len() < header + data + 2 {
        return Err(format!(
            "the FIT file is truncated ({} of {} bytes): copy it from the device again",
            bytes.len(),
            header + data + 2
        ));
    }
    Ok(())
}

/// The activity in `bytes`, or why the file is not one (not FIT, a bad CRC, not an activity).
pub fn read(user_id: &str, file_name: &str, bytes: &[u8]) -> Result<Activity, String> {
    check_header(bytes)?;
    // fitparser is third-party code reading hostile bytes: a panic in it (fuzzing found one on
    // short input, which `check_header` now refuses first) is one bad file, not a crash.
    let recs = std::panic::catch_unwind(|| fitparser::from_bytes(bytes))
        .map_err(|_| "the FIT decoder failed on this file: copy it from the device again")?
        .map_err(|e| format!("not a readable FIT file ({e}): copy it from the device again"))?;
    let of = |k: MesgNum| recs.iter().filter(move |r| r.kind() == k);
    let file_id = of(MesgNum::FileId)
        .next()
        .ok_or("the FIT file has no file_id message")?;
    let kind = text(file_id, "type").unwrap_or_default();
    if kind != "activity" {
        return Err(format!(
            "a FIT {kind:?} file, not an activity: only activity files are imported"
        ));
    }
    let provider = provider_of(&text(file_id, "manufacturer").unwrap_or_default());
    let session = of(MesgNum::Session).next();
    let points: Vec<&FitDataRecord> = of(MesgNum::Record)
        .filter(|r| time(r, "timestamp").is_some())
        .collect();
    let start = session
        .and_then(|s| time(s, "start_time"))
        .or_else(|| points.first().and_then(|r| time(r, "timestamp")))
        .ok_or("the activity has neither a session nor timed records")?;
    let start_ms = start.timestamp_millis();
    let elapsed = session.and_then(|s| num(s, "total_elapsed_time"));
    let end_ms = elapsed
        .map(|e| start_ms + (e * 1000.0) as i64)
        .or_else(|| {
            points
                .last()
                .and_then(|r| time(r, "timestamp"))
                .map(|t| t.timestamp_millis())
        })
        .unwrap_or(start_ms);
    // FIT's only time-zone information: the activity's local wall time beside its UTC time.
    let tz = of(MesgNum::Activity)
        .next()
        .and_then(|a| {
            let local = time(a, "local_timestamp")?.naive_local();
            let utc = time(a, "timestamp")?.naive_utc();
            let secs = (local - utc).num_seconds();
            // Offsets are whole quarter hours; anything else is a device clock's noise.
            let q = ((secs as f64) / 900.0).round() as i64 * 900;
            (q.abs() <= 14 * 3600).then_some(q)
        })
        .unwrap_or(0);
    let mut stream = StreamCols::default();
    let mut samples = vec![];
    for r in &points {
        let t = time(r, "timestamp").expect("filtered above").timestamp();
        let hr =
            num(r, "heart_rate").filter(|h| crate::providers::norm::plausible("heartrate", *h));
        stream.time.push(json!(t));
        stream.heartrate.push(json!(hr));
        stream.power.push(json!(num(r, "power")));
        stream.cadence.push(json!(num(r, "cadence")));
        stream
            .velocity
            .push(json!(num(r, "enhanced_speed").or_else(|| num(r, "speed"))));
        stream.distance.push(json!(num(r, "distance")));
        stream.altitude.push(json!(
            num(r, "enhanced_altitude").or_else(|| num(r, "altitude"))
        ));
        if let Some(hr) = hr {
            samples.push(Sample {
                metric: "heartrate",
                ts: t * 1000,
                end_ts: None,
                value: hr,
                unit: "bpm",
                tz_offset: Some(tz),
                source_type: Some("watch".into()),
            });
        }
    }
    let s = |k: &str| session.and_then(|s| num(s, k));
    let sport_name = session.and_then(|s| text(s, "sport")).unwrap_or_default();
    let (sport_id, sport_title, sport_slug) = model::sport(&sport_name);
    let distance =
        s("total_distance").or_else(|| points.iter().rev().find_map(|r| num(r, "distance")));
    // The same activity under another file name is the same workout: keyed by its start.
    let record_id = format!("fit-{start_ms}-{sport_name}");
    let id = model::summary_id(user_id, &provider, "workouts", &record_id);
    let day = model::iso_utc_ms(start_ms + tz * 1000)[..10].to_string();
    let bpm = |k: &str| {
        s(k).map(|x| x.round() as i64)
            .filter(|x| (20..=260).contains(x))
    };
    let data = json!({
        "id": id,
        "user_id": user_id,
        "title": file_name,
        "timezone_offset": tz,
        "average_hr": bpm("avg_heart_rate"),
        "max_hr": bpm("max_heart_rate"),
        "distance": distance,
        "calendar_date": day,
        "time_start": model::iso_utc_ms(start_ms),
        "time_end": model::iso_utc_ms(end_ms),
        "calories": s("total_calories"),
        "sport": {"id": sport_id, "name": sport_title, "slug": sport_slug},
        "hr_zones": null,
        "moving_time": s("total_timer_time").map(|x| x.round() as i64),
        "total_elevation_gain": s("total_ascent"),
        "average_speed": s("enhanced_avg_speed").or_else(|| s("avg_speed")),
        "max_speed": s("enhanced_max_speed").or_else(|| s("max_speed")),
        "average_watts": s("avg_power"),
        "map": null,
        "provider_id": record_id,
        "source": crate::providers::norm::source(&provider, file_name, "watch"),
        "workout_stream": stream.json(),
    });
    Ok(Activity {
        workout: SummaryDoc {
            id,
            resource: "workouts",
            provider_record_id: record_id,
            calendar_date: day,
            start_at: Some(start_ms),
            end_at: Some(end_ms),
            data,
        },
        provider,
        samples,
    })
}

/// Vital's `ClientFacingWorkoutStream`: one column per measure, aligned on `time` (epoch
/// seconds), null where the device recorded nothing.
#[derive(Default)]
struct StreamCols {
    time: Vec<Json>,
    heartrate: Vec<Json>,
    power: Vec<Json>,
    cadence: Vec<Json>,
    velocity: Vec<Json>,
    distance: Vec<Json>,
    altitude: Vec<Json>,
}

impl StreamCols {
    fn json(self) -> Json {
        json!({"time": self.time, "heartrate": self.heartrate, "cadence": self.cadence,
            "altitude": self.altitude, "velocity_smooth": self.velocity, "lat": [], "lng": [],
            "distance": self.distance, "power": self.power, "resistance": [], "temperature": []})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manufacturers_become_provider_slugs() {
        assert_eq!(provider_of("garmin"), "garmin");
        assert_eq!(provider_of("wahoo_fitness"), "wahoo");
        assert_eq!(provider_of("polar_electro"), "polar");
        assert_eq!(provider_of("suunto"), "suunto");
        assert_eq!(provider_of(""), "fit");
    }

    #[test]
    fn what_is_not_fit_is_refused_with_a_reason() {
        let e = read("u", "x.fit", b"definitely not a fit file")
            .err()
            .unwrap();
        assert!(e.contains("not a readable FIT file"), "{e}");
        // fuzz/artifacts: two zero bytes made fitparser panic (subtract with overflow).
        for input in [&b"\0\0"[..], b"", b"\x0e", b"\x0c\x10\0\0"] {
            assert!(read("u", "x.fit", input).is_err());
        }
        let mut cut = vec![14u8, 0x20, 0, 0, 100, 0, 0, 0];
        cut.extend_from_slice(b".FIT\0\0");
        cut.extend_from_slice(&[0; 20]);
        let e = read("u", "x.fit", &cut).err().unwrap();
        assert!(e.contains("truncated (34 of 116 bytes)"), "{e}");
    }
}
