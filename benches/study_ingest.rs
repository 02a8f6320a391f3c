//! The study server on PostgreSQL: senders pushing a year each, concurrently, through the
//! ingestion routes over HTTP on loopback, next to PostgreSQL's own `COPY` of the same rows
//! into the same table in the same run (the floor). Then the read queries with every
//! participant-year stored.
//!
//! `cargo bench --no-default-features --bench study_ingest [-- --senders 10 --days 365]`
//!
//! Each sender is one participant with 5-minute heart rate all day and 5-minute HRV over eight
//! hours a night (384 readings a day: 10 × 365 days ≈ 1.4 M), and one sleep summary a night, in
//! batches of 2016 samples (a week of heart rate), serialised before the clock starts. Targets (issue 15): ingest within 2× of the
//! floor; 30-day sleep and 7-day grouped heart rate p99 < 20 ms.
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

#[path = "common.rs"]
mod common;
#[path = "../tests/common/postgres.rs"]
mod postgres_cluster;
use common::{arg, measure, vm_hwm_kib};

/// 2025-11-20T00:00:00Z: a year before the sandbox's fixed now.
const START: i64 = 1_763_596_800_000;
const DAY: i64 = 86_400_000;
const BATCH: usize = 2016;

fn iso(ms: i64) -> String {
    vital_link::forward::iso_ms(ms)
}

/// One participant's readings of `metric`: (ts, value).
fn readings(sender: usize, days: i64, metric: &str) -> Vec<(i64, f64)> {
    let mut out = vec![];
    for d in 0..days {
        let day = START + d * DAY;
        match metric {
            "heartrate" => {
                for i in 0..288 {
                    out.push((
                        day + i * 300_000,
                        50.0 + ((sender as i64 * 7 + d + i) % 60) as f64,
                    ));
                }
            }
            _ => {
                for i in 0..96 {
                    out.push((
                        day + i * 300_000,
                        20.0 + ((sender as i64 + d * 3 + i) % 80) as f64,
                    ));
                }
            }
        }
    }
    out
}

fn unit(metric: &str) -> &'static str {
    if metric == "heartrate" {
        "bpm"
    } else {
        "rmssd"
    }
}

async fn post(http: &reqwest::Client, url: &str, key: &str, body: Vec<u8>) {
    let r = http
        .post(url)
        .header("x-vital-api-key", key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{url}: {}", r.status());
}

/// One sender's batches, serialised before the clock starts (as the forwarder's outbox holds
/// them): the route after the user (`timeseries/{user}/<this>` or `summary/sleep`), the body,
/// and how many samples it carries.
struct Batch {
    route: &'static str,
    body: Vec<u8>,
    samples: usize,
}

fn batches(sender: usize, days: i64) -> Vec<Batch> {
    let mut out = vec![];
    for metric in ["heartrate", "hrv"] {
        let route = if metric == "hrv" {
            "heartrate_variability"
        } else {
            "heartrate"
        };
        for chunk in readings(sender, days, metric).chunks(BATCH) {
            let data: Vec<Value> = chunk
                .iter()
                .map(|(t, v)| json!({"value": v, "unit": unit(metric), "start_date": iso(*t), "end_date": iso(*t), "type": "ring"}))
                .collect();
            let body = json!({"stage": "historical", "provider": "oura", "time_zone": "UTC", "data": data});
            out.push(Batch {
                route,
                body: serde_json::to_vec(&body).unwrap(),
                samples: chunk.len(),
            });
        }
    }
    let nights: Vec<Value> = (0..days)
        .map(|d| {
            let end = START + d * DAY + 7 * 3_600_000;
            json!({"id": format!("night-{d}"), "calendar_date": &iso(end)[..10], "bedtime_start": iso(end - 8 * 3_600_000),
                   "bedtime_stop": iso(end), "type": "long_sleep", "duration": 28800, "total": 27000,
                   "awake": 1800, "light": 15000, "rem": 6000, "deep": 6000})
        })
        .collect();
    for chunk in nights.chunks(60) {
        let body =
            json!({"stage": "historical", "provider": "oura", "time_zone": "UTC", "data": chunk});
        out.push(Batch {
            route: "sleep",
            body: serde_json::to_vec(&body).unwrap(),
            samples: 0,
        });
    }
    out
}

/// One sender: its participant created, then its batches one after another, as the forwarder
/// sends them.
async fn send(
    http: reqwest::Client,
    base: String,
    key: String,
    sender: usize,
    batches: Vec<Batch>,
) -> usize {
    let u: Value = http
        .post(format!("{base}/v2/user"))
        .header("x-vital-api-key", &key)
        .json(&json!({"client_user_id": format!("sender-{sender}")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user = u["user_id"].as_str().unwrap().to_string();
    let mut sent = 0;
    for b in batches {
        let url = match b.route {
            "sleep" => format!("{base}/v2/summary/sleep/{user}"),
            r => format!("{base}/v2/timeseries/{user}/{r}"),
        };
        sent += b.samples;
        post(&http, &url, &key, b.body).await;
    }
    sent
}

#[tokio::main]
async fn main() {
    let senders = arg("--senders", 10, 2) as usize;
    let days = arg("--days", 365, 3) as i64;
    let requests = arg("--requests", 2000, 40) as usize;
    let pg = postgres_cluster::Postgres::start();
    let url = pg.database("study");
    let dir = tempfile::tempdir().unwrap();
    let mut config = vital_link::config::Config::new(dir.path().join("data"));
    config.api_port = 0;
    config.api_rate_limit = (1e9, 1e9);
    config.database_url = Some(url.clone());
    let app = vital_link::start(config, vital_link::clock::Clock::system())
        .await
        .unwrap();
    vital_link::api::serve(app.clone(), 0).await.unwrap();
    let (base, key) = (app.api_base_url(), app.api_key().unwrap());

    let prepared: Vec<Vec<Batch>> = (0..senders).map(|s| batches(s, days)).collect();
    let t = Instant::now();
    let http = reqwest::Client::new();
    let tasks: Vec<_> = prepared
        .into_iter()
        .enumerate()
        .map(|(s, b)| tokio::spawn(send(http.clone(), base.clone(), key.clone(), s, b)))
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    let ingest = t.elapsed().as_secs_f64();
    let stored = pg.query("study", "SELECT COUNT(*) FROM samples");
    assert_eq!(stored, total.to_string(), "every reading stored once");

    // The floor: the same rows, COPYed by PostgreSQL itself into the same (emptied) table.
    let rows = pg.query(
        "study",
        "COPY (SELECT series_id, ts, dur, value, tz_offset, unit_id, source_id FROM samples) TO STDOUT (FORMAT csv)",
    );
    pg.query("study", "TRUNCATE samples");
    let csv = dir.path().join("rows.csv");
    std::fs::File::create(&csv)
        .unwrap()
        .write_all(rows.as_bytes())
        .unwrap();
    let t = Instant::now();
    pg.query(
        "study",
        &format!("\\copy samples (series_id, ts, dur, value, tz_offset, unit_id, source_id) FROM '{}' (FORMAT csv)", csv.display()),
    );
    let floor = t.elapsed().as_secs_f64();
    assert_eq!(
        pg.query("study", "SELECT COUNT(*) FROM samples"),
        total.to_string()
    );
    let size = pg.query("study", "SELECT pg_total_relation_size('samples') + (SELECT COALESCE(SUM(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits WHERE inhparent = 'samples'::regclass)");

    println!(
        "study_ingest: {senders} senders × {days} days, {total} readings over HTTP in {ingest:.1} s = {:.0} readings/s",
        total as f64 / ingest
    );
    println!(
        "  floor (COPY of the same rows into the same table): {floor:.1} s = {:.0} rows/s; ingest is {:.2}× the floor's time",
        total as f64 / floor,
        ingest / floor
    );
    println!(
        "  samples on disk: {:.1} MB ({:.1} bytes a reading, partitions and index included)",
        size.parse::<f64>().unwrap() / 1e6,
        size.parse::<f64>().unwrap() / total as f64
    );

    let ids: Vec<String> = pg
        .query(
            "study",
            "SELECT string_agg(user_id, ',' ORDER BY client_user_id) FROM users",
        )
        .split(',')
        .map(str::to_string)
        .collect();
    let last = START + (days - 1) * DAY;
    let day = |ms: i64| iso(ms)[..10].to_string();
    let sleep_urls: Vec<String> = ids
        .iter()
        .map(|u| {
            format!(
                "{base}/v2/summary/sleep/{u}?start_date={}&end_date={}",
                day(last - 29 * DAY),
                day(last)
            )
        })
        .collect();
    let hr_urls: Vec<String> = ids
        .iter()
        .map(|u| {
            format!(
                "{base}/v2/timeseries/{u}/heartrate/grouped?start_date={}&end_date={}",
                day(last - 6 * DAY),
                day(last)
            )
        })
        .collect();
    for (name, urls) in [
        ("30-day sleep", sleep_urls),
        ("7-day heart rate grouped", hr_urls),
    ] {
        let urls = Arc::new(urls);
        measure(urls.clone(), &key, 4, 40).await; // warm-up
        for clients in [1, 8, 32] {
            let r = measure(urls.clone(), &key, clients, requests).await;
            println!(
                "  {name}, {clients:>2} clients: {:>6.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
                r.per_sec, r.p50, r.p99
            );
        }
    }
    println!(
        "  peak RSS of this process (server, senders and generator together): {} MB",
        vm_hwm_kib() / 1024
    );
}
