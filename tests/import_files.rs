//! Apple Health exports imported the way a researcher does it: a generated `export.xml` (and
//! the same zipped) written to disk, `vital-link import` run as a child process on a real data
//! directory, then read back through the local Vital API.
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const APP: &str = env!("CARGO_BIN_EXE_vital-link");

const WATCH: &str = "&lt;&lt;HKDevice: 0x283f5c9a0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.1&gt;";
const PHONE: &str = "&lt;&lt;HKDevice: 0x283f5c9b0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,2, software:17.1&gt;";

fn record(kind: &str, unit: &str, value: &str, start: &str, end: &str, device: &str) -> String {
    let source = if device == WATCH {
        "Ann’s Apple Watch"
    } else {
        "Ann’s iPhone"
    };
    format!(
        " <Record type=\"{kind}\" sourceName=\"{source}\" sourceVersion=\"10.1\" device=\"{device}\" unit=\"{unit}\" creationDate=\"{end}\" startDate=\"{start}\" endDate=\"{end}\" value=\"{value}\"/>\n"
    )
}

fn sleep(value: &str, start: &str, end: &str, source: &str) -> String {
    format!(
        " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\" sourceName=\"{source}\" sourceVersion=\"10.1\" creationDate=\"{end}\" startDate=\"{start}\" endDate=\"{end}\" value=\"HKCategoryValueSleepAnalysis{value}\"/>\n"
    )
}

/// An export in the documented shape: the DTD header, mixed sources, records in two time
/// zones, an exact duplicate, a malformed date, a type this app does not import, a record with
/// metadata children, a staged night with a third-party "in bed", an iOS 16+ workout.
fn export_xml() -> String {
    let hr = "HKQuantityTypeIdentifierHeartRate";
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED>
]>
<HealthData locale="en_GB">
 <ExportDate value="2024-01-10 09:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-04-01" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"#,
    );
    // Berlin, winter (+0100).
    x += &record(
        hr,
        "count/min",
        "62",
        "2024-01-02 07:12:00 +0100",
        "2024-01-02 07:12:00 +0100",
        WATCH,
    );
    x += &record(
        hr,
        "count/min",
        "64",
        "2024-01-02 07:17:00 +0100",
        "2024-01-02 07:17:00 +0100",
        WATCH,
    );
    x += &record(
        hr,
        "count/min",
        "64",
        "2024-01-02 07:17:00 +0100",
        "2024-01-02 07:17:00 +0100",
        WATCH,
    );
    // New York (-0500), a few days later.
    x += &record(
        hr,
        "count/min",
        "71",
        "2024-01-05 08:00:00 -0500",
        "2024-01-05 08:00:00 -0500",
        WATCH,
    );
    x += " <Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"Ann’s Apple Watch\" device=\"x\" unit=\"count/min\" creationDate=\"2024-01-05 08:05:00 -0500\" startDate=\"2024-01-05 08:05:00 -0500\" endDate=\"2024-01-05 08:05:00 -0500\" value=\"73\">\n  <MetadataEntry key=\"HKMetadataKeyHeartRateMotionContext\" value=\"0\"/>\n </Record>\n";
    // Malformed: no offset, not Apple's format.
    x += &record(
        hr,
        "count/min",
        "75",
        "2024-01-05T08:10",
        "2024-01-05T08:10",
        WATCH,
    );
    x += &record(
        "HKQuantityTypeIdentifierOxygenSaturation",
        "%",
        "0.97",
        "2024-01-02 03:00:00 +0100",
        "2024-01-02 03:00:00 +0100",
        WATCH,
    );
    x += &record(
        "HKQuantityTypeIdentifierBodyMass",
        "lb",
        "150",
        "2024-01-03 07:00:00 +0100",
        "2024-01-03 07:00:00 +0100",
        PHONE,
    );
    x += &record(
        "HKQuantityTypeIdentifierBloodGlucose",
        "mg/dL",
        "90",
        "2024-01-03 08:00:00 +0100",
        "2024-01-03 08:00:00 +0100",
        PHONE,
    );
    x += &record(
        "HKQuantityTypeIdentifierStepCount",
        "count",
        "412",
        "2024-01-02 09:00:00 +0100",
        "2024-01-02 09:10:00 +0100",
        PHONE,
    );
    x += &record(
        "HKQuantityTypeIdentifierActiveEnergyBurned",
        "kJ",
        "41.84",
        "2024-01-02 09:00:00 +0100",
        "2024-01-02 09:10:00 +0100",
        WATCH,
    );
    x += &record(
        "HKQuantityTypeIdentifierDistanceWalkingRunning",
        "km",
        "0.31",
        "2024-01-02 09:00:00 +0100",
        "2024-01-02 09:10:00 +0100",
        PHONE,
    );
    x += &record(
        "HKQuantityTypeIdentifierDietaryWater",
        "mL",
        "250",
        "2024-01-02 12:00:00 +0100",
        "2024-01-02 12:00:00 +0100",
        PHONE,
    );
    // The night of 1–2 January: the watch's stages and AutoSleep's "in bed" around them.
    x += &sleep(
        "InBed",
        "2024-01-01 22:50:00 +0100",
        "2024-01-02 07:10:00 +0100",
        "AutoSleep",
    );
    x += &sleep(
        "AsleepCore",
        "2024-01-01 23:00:00 +0100",
        "2024-01-02 00:00:00 +0100",
        "Ann’s Apple Watch",
    );
    x += &sleep(
        "AsleepDeep",
        "2024-01-02 00:00:00 +0100",
        "2024-01-02 01:00:00 +0100",
        "Ann’s Apple Watch",
    );
    x += &sleep(
        "Awake",
        "2024-01-02 01:00:00 +0100",
        "2024-01-02 01:10:00 +0100",
        "Ann’s Apple Watch",
    );
    x += &sleep(
        "AsleepREM",
        "2024-01-02 01:10:00 +0100",
        "2024-01-02 02:40:00 +0100",
        "Ann’s Apple Watch",
    );
    x += &sleep(
        "AsleepCore",
        "2024-01-02 02:40:00 +0100",
        "2024-01-02 07:00:00 +0100",
        "Ann’s Apple Watch",
    );
    x += r#" <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" durationUnit="min" sourceName="Ann’s Apple Watch" sourceVersion="10.1" device="&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, model:Watch&gt;" creationDate="2024-01-05 18:31:00 -0500" startDate="2024-01-05 18:00:00 -0500" endDate="2024-01-05 18:30:00 -0500">
  <MetadataEntry key="HKIndoorWorkout" value="0"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="2024-01-05 18:00:00 -0500" endDate="2024-01-05 18:30:00 -0500" sum="300" unit="kcal"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="2024-01-05 18:00:00 -0500" endDate="2024-01-05 18:30:00 -0500" sum="5.01" unit="km"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="2024-01-05 18:00:00 -0500" endDate="2024-01-05 18:30:00 -0500" average="140.4" minimum="95" maximum="171" unit="count/min"/>
 </Workout>
 <ActivitySummary dateComponents="2024-01-02" activeEnergyBurned="410" activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="kcal"/>
</HealthData>
"#;
    x
}

fn vl(dir: &Path, args: &[&str]) -> Output {
    Command::new(APP)
        .args(args)
        .env("VITAL_LINK_DATA_DIR", dir)
        .env("VITAL_LINK_SANDBOX_NOW", "2026-11-20T15:00:00Z")
        .env_remove("VITAL_LINK_ENV")
        .output()
        .unwrap()
}

fn import(dir: &Path, file: &Path) -> Value {
    let o = vl(dir, &["import", "ann", file.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn zip_of(xml: &str, to: &Path) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("apple_health_export/export_cda.xml", opts)
        .unwrap();
    z.write_all(b"<ClinicalDocument/>").unwrap();
    z.start_file("apple_health_export/export.xml", opts)
        .unwrap();
    z.write_all(xml.as_bytes()).unwrap();
    z.finish().unwrap();
}

async fn get(app: &vital_link::App, path: &str) -> Value {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", app.api_base_url()))
        .header("x-vital-api-key", app.api_key().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn an_apple_health_export_is_served_as_vital_data_and_a_second_import_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let xml = tmp.path().join("export.xml");
    std::fs::write(&xml, export_xml()).unwrap();
    let o = vl(&data, &["users", "add", "ann"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let uid = serde_json::from_slice::<Value>(&o.stdout).unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string();

    let first = import(&data, &xml);
    assert_eq!(first["providers"], serde_json::json!(["apple_health_kit"]));
    assert_eq!(first["kinds"]["heartrate"]["added"], 4, "{first}");
    assert_eq!(first["kinds"]["sleep"]["added"], 1, "{first}");
    assert_eq!(first["kinds"]["workouts"]["added"], 1, "{first}");
    assert_eq!(first["skipped"]["malformed"], 1, "{first}");
    assert_eq!(first["skipped"]["duplicate"], 1, "{first}");
    assert_eq!(
        first["skipped"]["not_imported"], 2,
        "water and ActivitySummary: {first}"
    );
    let example = first["skipped_examples"][0].as_str().unwrap();
    assert!(
        example.contains("record 6") && example.contains("2024-01-05T08:10"),
        "{example}"
    );

    let again = import(&data, &xml);
    let added: u64 = again["kinds"]
        .as_object()
        .unwrap()
        .values()
        .map(|k| k["added"].as_u64().unwrap())
        .sum();
    assert_eq!(added, 0, "{again}");
    assert_eq!(again["kinds"]["heartrate"]["unchanged"], 4);

    // The same export zipped, as the Health app shares it: nothing new either.
    let zipped = tmp.path().join("export.zip");
    zip_of(&export_xml(), &zipped);
    let z = import(&data, &zipped);
    assert_eq!(z["format"], "apple_health_zip");
    assert_eq!(z["kinds"]["sleep"]["unchanged"], 1, "{z}");
    assert!(
        z["kinds"]
            .as_object()
            .unwrap()
            .values()
            .all(|k| k["added"] == 0),
        "{z}"
    );

    let mut config = vital_link::config::Config::new(data.clone());
    config.api_port = 0;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
        .unwrap()
        .to_utc();
    let app = vital_link::start(config, vital_link::clock::Clock::fixed(now))
        .await
        .unwrap();
    vital_link::api::serve(app.clone(), 0).await.unwrap();
    let q = "start_date=2024-01-01&end_date=2024-01-07";

    let hr = get(&app, &format!("/v2/timeseries/{uid}/heartrate?{q}")).await;
    let hr = hr.as_array().unwrap();
    let seen: Vec<(&str, f64, i64)> = hr
        .iter()
        .map(|s| {
            (
                s["timestamp"].as_str().unwrap(),
                s["value"].as_f64().unwrap(),
                s["timezone_offset"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("2024-01-02T06:12:00+00:00", 62.0, 3600),
            ("2024-01-02T06:17:00+00:00", 64.0, 3600),
            ("2024-01-05T13:00:00+00:00", 71.0, -18000),
            ("2024-01-05T13:05:00+00:00", 73.0, -18000),
        ]
    );
    assert!(hr
        .iter()
        .all(|s| s["unit"] == "bpm" && s["type"] == "watch"));

    let one = |v: Value| v.as_array().unwrap()[0].clone();
    let spo2 = one(get(&app, &format!("/v2/timeseries/{uid}/blood_oxygen?{q}")).await);
    assert_eq!(
        (
            spo2["value"].as_f64().unwrap(),
            spo2["unit"].as_str().unwrap()
        ),
        (97.0, "%")
    );
    let kg = one(get(&app, &format!("/v2/timeseries/{uid}/body_weight?{q}")).await);
    assert!(
        (kg["value"].as_f64().unwrap() - 68.039).abs() < 0.001,
        "{kg}"
    );
    assert_eq!(kg["unit"], "kg");
    assert_eq!(kg["type"], "phone");
    let glucose = one(get(&app, &format!("/v2/timeseries/{uid}/glucose?{q}")).await);
    assert!(
        (glucose["value"].as_f64().unwrap() - 4.996).abs() < 0.001,
        "{glucose}"
    );
    let kcal = one(get(&app, &format!("/v2/timeseries/{uid}/calories_active?{q}")).await);
    assert!(
        (kcal["value"].as_f64().unwrap() - 10.0).abs() < 1e-9,
        "kJ → kcal: {kcal}"
    );
    let steps = one(get(&app, &format!("/v2/timeseries/{uid}/steps?{q}")).await);
    assert_eq!(steps["value"], 412.0);
    assert_eq!(steps["start"], "2024-01-02T08:00:00+00:00");
    assert_eq!(steps["end"], "2024-01-02T08:10:00+00:00");
    let m = one(get(&app, &format!("/v2/timeseries/{uid}/distance?{q}")).await);
    assert!((m["value"].as_f64().unwrap() - 310.0).abs() < 1e-9, "{m}");

    let sleeps = get(&app, &format!("/v2/summary/sleep/{uid}?{q}")).await;
    let sleeps = sleeps["sleep"].as_array().unwrap();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    let s = &sleeps[0];
    assert_eq!(s["calendar_date"], "2024-01-02");
    assert_eq!(
        s["bedtime_start"], "2024-01-01T21:50:00+00:00",
        "AutoSleep's in bed"
    );
    assert_eq!(s["bedtime_stop"], "2024-01-02T06:10:00+00:00");
    assert_eq!(s["timezone_offset"], 3600);
    assert_eq!(s["deep"], 3600);
    assert_eq!(s["rem"], 5400);
    assert_eq!(s["light"], 3600 + 4 * 3600 + 1200);
    assert_eq!(s["awake"], 600);
    assert_eq!(s["total"], 3600 + 5400 + 3600 + 4 * 3600 + 1200);
    let stream = get(
        &app,
        &format!("/v2/timeseries/sleep/{}/stream", s["id"].as_str().unwrap()),
    )
    .await;
    let stages: Vec<i64> = stream["hypnogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["value"].as_i64().unwrap())
        .collect();
    assert_eq!(stages, [2, 1, 4, 3, 2]);

    let w = get(&app, &format!("/v2/summary/workouts/{uid}?{q}")).await;
    let w = &w["workouts"].as_array().unwrap()[0];
    assert_eq!(w["sport"]["slug"], "running");
    assert_eq!(w["calories"], 300.0);
    assert!(
        (w["distance"].as_f64().unwrap() - 5010.0).abs() < 1e-6,
        "{w}"
    );
    assert_eq!(w["average_hr"], 140);
    assert_eq!(w["max_hr"], 171);
    assert_eq!(w["timezone_offset"], -18000);
    assert_eq!(w["calendar_date"], "2024-01-05");
    assert_eq!(w["source"]["type"], "watch");
}

#[tokio::test]
async fn damaged_files_end_with_a_clear_error_and_keep_what_was_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert!(vl(&data, &["users", "add", "ann"]).status.success());

    let zipped = tmp.path().join("export.zip");
    zip_of(&export_xml(), &zipped);
    let bytes = std::fs::read(&zipped).unwrap();
    let cut = tmp.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = vl(&data, &["import", "ann", cut.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cut.zip") && err.contains("truncated"),
        "{err}"
    );

    // An XML cut mid-file: the readings before the cut are stored, the error says where.
    let xml = export_xml();
    let half = tmp.path().join("half.xml");
    let at = xml.find("HKQuantityTypeIdentifierDietaryWater").unwrap();
    std::fs::write(&half, &xml[..at]).unwrap();
    let o = vl(&data, &["import", "ann", half.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("half.xml") && err.contains("record 12"),
        "{err}"
    );
    let full = tmp.path().join("export.xml");
    std::fs::write(&full, &xml).unwrap();
    let rest = import(&data, &full);
    assert_eq!(
        rest["kinds"]["heartrate"]["unchanged"], 4,
        "kept from the cut file: {rest}"
    );
    assert_eq!(rest["kinds"]["sleep"]["added"], 1, "{rest}");

    // Hostile XML: an entity bomb in the DTD (never expanded: the record using it is skipped)
    // and a 10 MB attribute (read, no panic).
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE HealthData [\n<!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        bomb += &format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&lol{};", i - 1).repeat(10)
        );
    }
    bomb += "]>\n<HealthData locale=\"en\">\n";
    let rec = |source: &str, v: u32, minute: u32| {
        format!(" <Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"{source}\" unit=\"count/min\" startDate=\"2024-02-01 10:{minute:02}:00 +0000\" endDate=\"2024-02-01 10:{minute:02}:00 +0000\" value=\"{v}\"/>\n")
    };
    bomb += &rec("&lol9;", 60, 0);
    bomb += &rec(&"a".repeat(10 << 20), 61, 1);
    bomb += &rec("Watch", 62, 2);
    bomb += "</HealthData>\n";
    let hostile = tmp.path().join("hostile.xml");
    std::fs::write(&hostile, bomb).unwrap();
    let r = import(&data, &hostile);
    assert_eq!(r["skipped"]["malformed"], 1, "{r}");
    assert_eq!(r["kinds"]["heartrate"]["added"], 2, "{r}");

    let not = tmp.path().join("notes.txt");
    std::fs::write(&not, "hello").unwrap();
    let o = vl(&data, &["import", "ann", not.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("notes.txt") && err.contains("neither an Apple Health export"),
        "{err}"
    );
}

/// FIT activity files written by Garmin's own FIT SDK encoder (tests/fit/make_activities.mjs,
/// which decodes them again with the SDK before handing them over), and what it wrote.
fn fit_fixtures(dir: &Path) -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fit");
    if !root.join("node_modules/@garmin/fitsdk").exists() {
        let o = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&root)
            .output()
            .expect("the FIT fixtures need node and npm (Garmin's FIT SDK encoder writes them)");
        assert!(
            o.status.success(),
            "npm ci in tests/fit: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = Command::new("node")
        .arg(root.join("make_activities.mjs"))
        .arg(dir)
        .output()
        .expect("node runs tests/fit/make_activities.mjs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[tokio::test]
async fn a_folder_of_fit_activities_becomes_workouts_with_per_second_streams() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let fits = tmp.path().join("fit");
    let written = fit_fixtures(&fits);
    // A copy with one byte changed: the file CRC no longer matches.
    let mut bad = std::fs::read(fits.join("ride.fit")).unwrap();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x5a;
    std::fs::write(fits.join("bad.fit"), &bad).unwrap();
    std::fs::write(fits.join("notes.txt"), "not a FIT file, not read").unwrap();
    assert!(vl(&data, &["users", "add", "ann"]).status.success());

    let first = import(&data, &fits);
    assert_eq!(first["format"], "fit_folder");
    assert_eq!(
        first["providers"],
        serde_json::json!(["garmin", "wahoo"]),
        "{first}"
    );
    assert_eq!(first["kinds"]["workouts"]["added"], 2, "{first}");
    assert_eq!(first["kinds"]["heartrate"]["added"], 600 + 900, "{first}");
    assert_eq!(first["skipped"]["malformed"], 1, "{first}");
    assert!(
        first["skipped_examples"][0]
            .as_str()
            .unwrap()
            .contains("bad.fit"),
        "{first}"
    );
    let again = import(&data, &fits);
    assert!(
        again["kinds"]
            .as_object()
            .unwrap()
            .values()
            .all(|k| k["added"] == 0),
        "{again}"
    );

    let o = vl(
        &data,
        &["import", "ann", fits.join("bad.fit").to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.fit") && err.contains("FIT"), "{err}");

    let mut config = vital_link::config::Config::new(data.clone());
    config.api_port = 0;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
        .unwrap()
        .to_utc();
    let app = vital_link::start(config, vital_link::clock::Clock::fixed(now))
        .await
        .unwrap();
    vital_link::api::serve(app.clone(), 0).await.unwrap();
    let uid = app.resolve_user("ann").unwrap().user_id;
    let w = get(
        &app,
        &format!("/v2/summary/workouts/{uid}?start_date=2024-03-01&end_date=2024-03-31"),
    )
    .await;
    let ws = w["workouts"].as_array().unwrap();
    assert_eq!(ws.len(), 2, "{w}");
    for want in &written {
        let sport = if want["sport"] == "cycling" {
            "cycling"
        } else {
            "running"
        };
        let got = ws.iter().find(|x| x["sport"]["slug"] == sport).unwrap();
        assert_eq!(
            got["time_start"].as_str().unwrap(),
            want["start"].as_str().unwrap().replace(".000Z", "+00:00")
        );
        assert_eq!(got["timezone_offset"], want["offsetSecs"], "{got}");
        assert!(
            (got["distance"].as_f64().unwrap() - want["distance"].as_f64().unwrap()).abs() < 0.01,
            "{got}"
        );
        assert_eq!(
            got["calories"].as_f64().unwrap(),
            want["calories"].as_f64().unwrap()
        );
        assert_eq!(got["average_hr"], want["avgHr"]);
        assert_eq!(got["max_hr"], want["maxHr"]);
        let provider = if want["manufacturer"] == "garmin" {
            "garmin"
        } else {
            "wahoo"
        };
        assert_eq!(got["source"]["provider"], provider);

        let stream = get(
            &app,
            &format!(
                "/v2/timeseries/workouts/{}/stream",
                got["id"].as_str().unwrap()
            ),
        )
        .await;
        let records = want["records"].as_array().unwrap();
        let col = |k: &str| stream[k].as_array().unwrap().clone();
        assert_eq!(col("time").len(), records.len());
        for (i, r) in records.iter().enumerate() {
            assert_eq!(col("time")[i], r["t"]);
            assert_eq!(col("heartrate")[i].as_f64(), r["hr"].as_f64());
            assert_eq!(col("power")[i].as_f64(), r["power"].as_f64(), "second {i}");
        }
    }
    let hr = get(
        &app,
        &format!("/v2/timeseries/{uid}/heartrate?start_date=2024-03-10&end_date=2024-03-10"),
    )
    .await;
    let values: Vec<f64> = hr
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_f64().unwrap())
        .collect();
    let want: Vec<f64> = written[0]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hr"].as_f64().unwrap())
        .collect();
    assert_eq!(values, want);
}
