//! Command-line values of the benchmarks. `cargo test --all-targets` runs every bench binary
//! too, without cargo's `--bench` flag: it then gets the small smoke sizes, so CI proves the
//! benchmark still runs without spending minutes measuring a debug build.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Whether this is a real measurement (`cargo bench`).
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// `--name N`, else `full` when measuring and `smoke` under `cargo test`.
pub fn arg(name: &str, full: u32, smoke: u32) -> u32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if measuring() { full } else { smoke })
}

/// This process's peak resident memory (VmHWM), KiB.
#[allow(dead_code)]
pub fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A sandbox app on a fresh data directory with `users` participants, each with `days` of
/// sandbox Oura synced (the clock fixed as in the tests). Returns the app, its directory (kept
/// alive by the caller), the database path and the participants' ids.
#[allow(dead_code)]
pub async fn synced(
    users: u32,
    days: u32,
    prefix: &str,
) -> (
    std::sync::Arc<vital_link::App>,
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<String>,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = vital_link::config::Config::new(dir.path().join("data"));
    config.history_days = days;
    config.api_port = 0;
    // Every client is a benchmark: the local rate limit would measure itself.
    config.api_rate_limit = (1e9, 1e9);
    let path = config.db_path();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
        .unwrap()
        .to_utc();
    let app = vital_link::start(config, vital_link::clock::Clock::fixed(now))
        .await
        .unwrap();
    vital_link::api::serve(app.clone(), 0).await.unwrap();
    let mut ids = vec![];
    for i in 0..users {
        let u = app.store.create_user(&format!("{prefix}-{i:03}")).unwrap();
        app.connect_demo(&u.user_id, "oura").await.unwrap();
        ids.push(u.user_id);
    }
    app.wait_background().await;
    (app, dir, path, ids)
}

#[allow(dead_code)]
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[allow(dead_code)]
pub struct Run {
    pub per_sec: f64,
    pub p50: f64,
    pub p99: f64,
}

/// `total` requests spread over `clients` concurrent clients, each request to one of `urls`.
#[allow(dead_code)]
pub async fn measure(urls: Arc<Vec<String>>, key: &str, clients: usize, total: usize) -> Run {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let mut tasks = vec![];
    for _ in 0..clients {
        let (http, next, urls, key) = (http.clone(), next.clone(), urls.clone(), key.to_string());
        tasks.push(tokio::spawn(async move {
            let mut ms = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return ms;
                }
                let s = Instant::now();
                let r = http
                    .get(&urls[i % urls.len()])
                    .header("x-vital-api-key", &key)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                r.bytes().await.unwrap();
                ms.push(s.elapsed().as_secs_f64() * 1000.0);
            }
        }));
    }
    let mut ms = vec![];
    for t in tasks {
        ms.extend(t.await.unwrap());
    }
    let secs = t.elapsed().as_secs_f64();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Run {
        per_sec: total as f64 / secs,
        p50: pct(&ms, 0.5),
        p99: pct(&ms, 0.99),
    }
}
