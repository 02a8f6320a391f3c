//! Latency of the local API over HTTP with one user holding a year of sandbox data.
//!
//! `cargo bench --no-default-features --bench api [-- --requests N]`: p50/p99 of a 30-day sleep
//! summary query and a 7-day grouped heart-rate query (target: p99 under 10 ms).
use std::time::Instant;

use vital_link::clock::Clock;
use vital_link::config::Config;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn measure(http: &reqwest::Client, url: &str, key: &str, n: usize) -> (f64, f64, usize) {
    let mut ms = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let t = Instant::now();
        let body = http
            .get(url)
            .header("x-vital-api-key", key)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        size = body.len();
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (pct(&ms, 0.5), pct(&ms, 0.99), size)
}

#[tokio::main]
async fn main() {
    let n = arg("--requests", 500);
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    config.history_days = 365;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
        .unwrap()
        .to_utc();
    let app = vital_link::start(config, Clock::fixed(now)).await.unwrap();
    let addr = vital_link::api::serve(app.clone(), 0).await.unwrap();
    let user = app.store.create_user("bench-api").unwrap();
    let t = Instant::now();
    app.connect_demo(&user.user_id, "oura").await.unwrap();
    app.wait_background().await;
    let c = app.store.counts(&user.user_id).unwrap();
    println!(
        "backfill of 365 days: {:.2} s ({} nights, {} heart-rate samples)",
        t.elapsed().as_secs_f64(),
        c.sleep,
        c.heartrate
    );
    let key = app.api_key().unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let uid = &user.user_id;
    let sleep = format!("{base}/v2/summary/sleep/{uid}?start_date=2026-10-21&end_date=2026-11-19");
    let hr = format!(
        "{base}/v2/timeseries/{uid}/heartrate/grouped?start_date=2026-11-13&end_date=2026-11-19"
    );
    measure(&http, &sleep, &key, 20).await; // warm-up
    let (p50, p99, size) = measure(&http, &sleep, &key, n).await;
    println!("30-day sleep summary: p50 {p50:.2} ms, p99 {p99:.2} ms ({size} bytes, {n} requests)");
    let (p50, p99, size) = measure(&http, &hr, &key, n).await;
    println!(
        "7-day heart rate grouped: p50 {p50:.2} ms, p99 {p99:.2} ms ({size} bytes, {n} requests)"
    );
}
