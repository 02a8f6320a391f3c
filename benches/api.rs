//! The local API under concurrent clients, over HTTP on loopback, with `--users` participants
//! each holding a year of sandbox Oura (10 participant-years by default).
//!
//! `cargo bench --no-default-features --bench api [-- --users 10 --requests 2000]`
//!
//! For a 30-day sleep summary and a 7-day grouped heart rate: throughput and p99 with 1, 8 and
//! 32 concurrent clients, next to the floor, the same query answered in-process on one
//! connection (query + JSON, no HTTP). Targets (issue 18): p99 under 10 ms at 8 clients, and
//! throughput at 8 clients at least 1.6× that at 1 client on 2 cores.
use std::sync::Arc;
use std::time::Instant;

use vital_link::query::{self, DataQuery};

#[path = "common.rs"]
mod common;
use common::{arg, measure, pct, Run};

/// The floor: the same answers built in-process, one after another on one connection.
fn floor(n: usize, answer: impl Fn(usize) -> usize) -> Run {
    let mut ms = Vec::with_capacity(n);
    let t = Instant::now();
    for i in 0..n {
        let s = Instant::now();
        std::hint::black_box(answer(i));
        ms.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    let secs = t.elapsed().as_secs_f64();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Run {
        per_sec: n as f64 / secs,
        p50: pct(&ms, 0.5),
        p99: pct(&ms, 0.99),
    }
}

/// A route's name, its URLs (one per participant) and its in-process floor (answer bytes).
type Route = (&'static str, Vec<String>, Box<dyn Fn(usize) -> usize>);

#[tokio::main]
async fn main() {
    let (users, total) = (
        arg("--users", 10, 1) as usize,
        arg("--requests", 2000, 40) as usize,
    );
    let days = arg("--days", 365, 30);
    let t = Instant::now();
    let (app, _dir, _, ids) = common::synced(users as u32, days, "bench-api").await;
    let c = app.store.counts(&ids[0]).unwrap();
    println!(
        "api: {users} participants × {days} days of sandbox Oura stored in {:.1} s ({} nights, {} heart-rate samples each)",
        t.elapsed().as_secs_f64(),
        c.sleep,
        c.heartrate
    );
    let key = app.api_key().unwrap();
    let base = app.api_base_url();
    let sleep_q = DataQuery {
        start_date: Some("2026-10-21".into()),
        end_date: Some("2026-11-19".into()),
        ..Default::default()
    };
    let hr_q = DataQuery {
        start_date: Some("2026-11-13".into()),
        end_date: Some("2026-11-19".into()),
        ..Default::default()
    };
    let routes: [Route; 2] = [
        (
            "30-day sleep summary",
            ids.iter()
                .map(|u| format!("{base}/v2/summary/sleep/{u}?start_date=2026-10-21&end_date=2026-11-19"))
                .collect(),
            {
                let (app, ids) = (app.clone(), ids.clone());
                Box::new(move |i| {
                    let v = query::summary_of(&app, "sleep", &ids[i % ids.len()], &sleep_q).unwrap();
                    serde_json::to_vec(&v).unwrap().len()
                })
            },
        ),
        (
            "7-day heart rate grouped",
            ids.iter()
                .map(|u| format!("{base}/v2/timeseries/{u}/heartrate/grouped?start_date=2026-11-13&end_date=2026-11-19"))
                .collect(),
            {
                let (app, ids) = (app.clone(), ids.clone());
                Box::new(move |i| {
                    let v = query::grouped_page(&app, &ids[i % ids.len()], "heartrate", &hr_q).unwrap();
                    serde_json::to_vec(&v).unwrap().len()
                })
            },
        ),
    ];
    for (name, urls, answer) in routes {
        let urls = Arc::new(urls);
        measure(urls.clone(), &key, 4, 100).await; // warm-up
        let f = floor(total / 2, &answer);
        println!("{name}:");
        println!(
            "  floor (in-process, one connection): {:>7.0} answers/s, p50 {:.2} ms, p99 {:.2} ms",
            f.per_sec, f.p50, f.p99
        );
        let mut one = 0.0;
        for clients in [1, 8, 32] {
            let r = measure(urls.clone(), &key, clients, total).await;
            if clients == 1 {
                one = r.per_sec;
            }
            println!(
                "  {clients:>2} clients over HTTP:           {:>7.0} req/s ({:.2}× floor, {:.2}× 1 client), p50 {:.2} ms, p99 {:.2} ms",
                r.per_sec,
                r.per_sec / f.per_sec,
                r.per_sec / one,
                r.p50,
                r.p99
            );
        }
    }
}
