//! Command-line values of the benchmarks. `cargo test --all-targets` runs every bench binary
//! too, without cargo's `--bench` flag: it then gets the small smoke sizes, so CI proves the
//! benchmark still runs without spending minutes measuring a debug build.

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
