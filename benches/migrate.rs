//! The upgrade of an existing file to the compact store: `--users` participants × `--days` of
//! sandbox Oura written as a schema-7 file (the same rows the sync stored, in the old tables),
//! then opened by this code, which backs it up, migrates it in place and rewrites it. Time and
//! peak RSS (VmHWM) of that open, in a child process of its own, and the sizes before and after.
//!
//! `cargo bench --no-default-features --bench migrate [-- --users 10 --days 365]`
use std::process::Command;
use std::time::Instant;

#[path = "common.rs"]
mod common;
use common::{arg, synced, vm_hwm_kib};

/// Tables whose shape schema 8 kept: copied as they are.
const SAME: &[&str] = &[
    "settings",
    "users",
    "link_tokens",
    "connections",
    "connection_tokens",
    "sync_cursors",
    "events",
    "webhook_endpoints",
    "webhook_deliveries",
    "outbox",
    "consents",
];

/// Syncs into a fresh store, then writes its rows as a schema-7 file at `old`.
async fn make(users: u32, days: u32, old: &std::path::Path) {
    let (_app, _dir, src, _) = synced(users, days, "migrate").await;
    let c = vital_link::store::create_at_schema(old, 7).unwrap();
    c.execute("ATTACH DATABASE ?1 AS src", [src.to_str().unwrap()])
        .unwrap();
    let mut sql = String::from("BEGIN;");
    for t in SAME {
        sql += &format!("INSERT INTO main.{t} SELECT * FROM src.{t};");
    }
    sql += "INSERT INTO main.raw_records SELECT connection_id, resource, record_key, day, vl_unpack(payload), fetched_at, vital_resource FROM src.raw_records;
            INSERT INTO main.summaries SELECT id, user_id, connection_id, provider, resource, provider_record_id, calendar_date, start_at, end_at, vl_unpack(data), created_at, updated_at, vl_unpack(stream) FROM src.summaries;
            INSERT INTO main.samples SELECT user_id, metric, provider, ts, end_ts, connection_id, value, unit, tz_offset, source_type FROM src.samples;
            COMMIT;";
    c.execute_batch(&sql).unwrap();
    c.execute_batch("DETACH DATABASE src; PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
}

fn samples_in(path: &std::path::Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0))
        .unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--upgrade") {
        let path = std::path::PathBuf::from(&args[i + 1]);
        let t = Instant::now();
        let store = vital_link::store::Store::open(&path).unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(store.schema_version().unwrap(), 8);
        println!("RESULT secs={secs:.3} vmhwm_kib={}", vm_hwm_kib());
        return;
    }
    let (users, days) = (arg("--users", 10, 1), arg("--days", 365, 20));
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("vital-link.sqlite3");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(make(users, days, &old));
    let (before, samples) = (std::fs::metadata(&old).unwrap().len(), samples_in(&old));
    let o = Command::new(std::env::current_exe().unwrap())
        .args(["--upgrade", old.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let field = |k: &str| -> f64 {
        out.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let after = std::fs::metadata(&old).unwrap().len();
    assert_eq!(samples_in(&old), samples, "every sample is still there");
    let mb = |b: u64| b as f64 / 1_000_000.0;
    println!("migrate: a schema-7 file of {users} participants × {days} days ({samples} samples)");
    println!(
        "  upgrade (backup, migrate, rewrite): {:.2} s, peak RSS {:.1} MiB",
        field("secs"),
        field("vmhwm_kib") / 1024.0
    );
    println!(
        "  file: {:.2} MB before, {:.2} MB after ({:.1}× smaller); backup {:.2} MB",
        mb(before),
        mb(after),
        before as f64 / after as f64,
        mb(
            std::fs::metadata(dir.path().join("vital-link.sqlite3.schema-7.bak"))
                .unwrap()
                .len()
        )
    );
}
