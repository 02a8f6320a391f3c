//! Makes `tests/fixtures/store-v7/`: a data directory written by the schema-7 code (commit
//! ad4a675) and every read API answer that code gave on it. Run once on that commit with
//! `cargo test --no-default-features --test store_fixture_v7 -- --ignored`; later code cannot
//! write a v7 file, so this generator is deleted right after.
mod common;

use common::*;
use serde_json::{json, Value};
use std::io::Write;

pub const SUMMARY_RANGE: &str = "start_date=2026-10-20&end_date=2026-11-20";

#[tokio::test]
#[ignore]
async fn write_v7_fixture() {
    let h = start(30).await;
    let a = h.app.store.create_user("fixture-synced").unwrap();
    for p in ["oura", "withings", "strava", "dexcom_v3", "whoop_v2", "polar", "wahoo", "google_health"] {
        h.app.connect_demo(&a.user_id, p).await.unwrap();
    }
    h.app.wait_background().await;
    let b = h.app.store.create_user("fixture-pushed").unwrap();
    let key = h.app.api_key().unwrap();
    let base = h.app.api_base_url();
    let http = reqwest::Client::new();
    let post = |path: String, body: Value| {
        let http = http.clone();
        let key = key.clone();
        let url = format!("{base}{path}");
        async move {
            let r = http
                .post(url)
                .header("x-vital-api-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        }
    };
    post(
        "/v2/link/provider/manual/oura".into(),
        json!({"user_id": b.user_id}),
    )
    .await;
    // One series with two units and two source types: what a compact store must keep per sample.
    let hrv: Vec<Value> = (0..300)
        .map(|i| {
            let t = 1_763_000_000_000i64 + i * 300_000;
            json!({"value": 30.5 + (i % 17) as f64, "unit": if i % 50 == 0 { "ms" } else { "rmssd" },
                   "start_date": vital_link::forward::iso_ms(t), "end_date": vital_link::forward::iso_ms(t + 60_000),
                   "type": if i % 3 == 0 { "ring" } else { "watch" }, "timezone_offset": 3600})
        })
        .collect();
    post(
        format!("/v2/timeseries/{}/hrv", b.user_id),
        json!({"stage": "historical", "time_zone": "UTC", "provider": "oura", "data": hrv}),
    )
    .await;
    let sleep = json!({"stage": "daily", "time_zone": "UTC", "provider": "oura", "data": [{
        "id": "night-1", "calendar_date": "2026-11-10", "bedtime_start": "2026-11-09T23:00:00+00:00",
        "bedtime_stop": "2026-11-10T07:00:00+00:00", "type": "long_sleep", "duration": 28800,
        "total": 27000, "awake": 1800, "light": 15000, "rem": 6000, "deep": 6000}]});
    post(format!("/v2/summary/sleep/{}", b.user_id), sleep).await;

    let get = |path: String| {
        let http = http.clone();
        let key = key.clone();
        let url = format!("{base}{path}");
        async move {
            let r = http
                .get(url)
                .header("x-vital-api-key", key)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let mut paths = vec!["/v2/user?offset=0&limit=100".to_string()];
    for u in [&a.user_id, &b.user_id] {
        paths.push(format!("/v2/user/{u}"));
        paths.push(format!("/v2/user/providers/{u}"));
        paths.push(format!("/v2/introspect/resources?user_id={u}"));
        paths.push(format!("/v2/introspect/historical_pull?user_id={u}"));
        paths.push(format!("/v2/summary/sleep/{u}/stream?{SUMMARY_RANGE}"));
        for r in vital_link::resources::RESOURCES {
            match r.kind {
                vital_link::resources::Kind::Summary => {
                    paths.push(format!("/v2/summary/{}/{u}?{SUMMARY_RANGE}", r.name));
                    paths.push(format!("/v2/summary/{}/{u}/raw?{SUMMARY_RANGE}", r.name));
                }
                vital_link::resources::Kind::Timeseries => {
                    paths.push(format!("/v2/timeseries/{u}/{}?{SUMMARY_RANGE}", r.name));
                    paths.push(format!(
                        "/v2/timeseries/{u}/{}/grouped?{SUMMARY_RANGE}",
                        r.name
                    ));
                    paths.push(format!(
                        "/v2/timeseries/{u}/{}/grouped?start_date=2026-11-18&end_date=2026-11-19&provider=oura",
                        r.name
                    ));
                }
            }
        }
        for (kind, route) in [("sleep", "sleep"), ("workouts", "workouts")] {
            let (_, body) = get(format!("/v2/summary/{kind}/{u}?{SUMMARY_RANGE}")).await;
            let v: Value = serde_json::from_str(&body).unwrap();
            for d in v[kind].as_array().unwrap() {
                paths.push(format!(
                    "/v2/timeseries/{route}/{}/stream",
                    d["id"].as_str().unwrap()
                ));
            }
        }
    }
    let mut answers = serde_json::Map::new();
    for p in paths {
        let (status, body) = get(p.clone()).await;
        answers.insert(p, json!({"status": status, "body": body}));
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v7");
    std::fs::create_dir_all(&out).unwrap();
    let gz = |name: &str, bytes: &[u8]| {
        let f = std::fs::File::create(out.join(format!("{name}.gz"))).unwrap();
        let mut e = flate2::write::GzEncoder::new(f, flate2::Compression::best());
        e.write_all(bytes).unwrap();
        e.finish().unwrap();
    };
    gz(
        "answers.json",
        serde_json::to_string_pretty(&answers).unwrap().as_bytes(),
    );
    let db = h.app.config.db_path();
    let copy = h.dir.path().join("copy.sqlite3");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    gz("vital-link.sqlite3", &std::fs::read(&copy).unwrap());
    let names: Vec<String> = std::fs::read_dir(h.dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    println!("data dir: {names:?}; {} answers", answers.len());
}
