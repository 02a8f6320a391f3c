//! Sync throughput against the sandbox Oura over real loopback HTTP into a real SQLite file.
//!
//! `cargo bench --bench sync [-- --users N --days D]` (defaults: 1 user, 30 days). Prints the
//! time of the link flow and of the backfill, readings per second and the database size.
use std::time::Instant;

use vital_link::clock::Clock;
use vital_link::config::Config;
use vital_link::sandbox_browser::{complete, Choice};
use vital_link::store::links::NewLinkToken;

fn arg(name: &str, default: u32) -> u32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with("vital-link.sqlite3")
                })
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let users = arg("--users", 1);
    let days = arg("--days", 30);
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    config.history_days = days;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
        .unwrap()
        .to_utc();
    let app = vital_link::start(config, Clock::fixed(now)).await.unwrap();
    vital_link::api::serve(app.clone(), 0).await.unwrap();

    let mut link_ms = 0u128;
    let t_all = Instant::now();
    for i in 0..users {
        let user = app.store.create_user(&format!("bench-{i:03}")).unwrap();
        let link = app
            .create_link_token(NewLinkToken {
                user_id: user.user_id.clone(),
                ..Default::default()
            })
            .unwrap();
        let t = Instant::now();
        let started = app
            .link_start(&link.link_token, "oura", false)
            .await
            .unwrap();
        complete(&started.oauth_url, &Choice::default())
            .await
            .unwrap();
        loop {
            if app.link_state(&link.link_token).unwrap().state.as_str() != "pending" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        link_ms += t.elapsed().as_millis();
    }
    app.wait_background().await;
    let total = t_all.elapsed();
    let (mut summaries, mut samples) = (0i64, 0i64);
    let (list, _) = app.store.list_users(0, i64::MAX).unwrap();
    for u in &list {
        let c = app.store.counts(&u.user_id).unwrap();
        summaries += c.sleep + c.activity + c.workouts;
        samples += c.heartrate + c.hrv;
    }
    let readings = summaries + samples;
    println!("users: {users}, history: {days} days");
    println!(
        "link flow (authorize + consent + token exchange): {:.1} ms per user",
        link_ms as f64 / users as f64
    );
    println!(
        "connect + backfill, all users: {:.2} s",
        total.as_secs_f64()
    );
    println!("stored: {summaries} summaries, {samples} samples ({readings} readings)");
    println!(
        "throughput: {:.0} readings/s",
        readings as f64 / total.as_secs_f64()
    );
    println!(
        "database size: {:.1} MiB",
        dir_size(&dir.path().join("data")) as f64 / 1048576.0
    );
}
