//! Bytes on disk: sandbox Oura synced for `--users` participants × `--days` days into a real
//! SQLite file, then every table's pages (with its indexes) counted by SQLite's `dbstat`.
//!
//! `cargo bench --no-default-features --bench store_size [-- --users 1 --days 365]`
//!
//! Targets (issue 18): at most 32 bytes per stored sample, indexes included, and at most 10 MB
//! per participant-year with the raw documents kept. The floor printed beside them is what the
//! same readings take as bare fixed-width values (ts 8 + value 8 bytes per sample).
use std::collections::BTreeMap;

#[path = "common.rs"]
mod common;
use common::{arg, synced};

/// The tables a sample's bytes are spread over (the rest is summaries, raw documents, ...).
const SAMPLE_TABLES: &[&str] = &["series_samples", "series", "labels"];

#[tokio::main]
async fn main() {
    let (users, days) = (arg("--users", 1, 1), arg("--days", 365, 30));
    let (_app, _dir, path, _) = synced(users, days, "size").await;

    let c = rusqlite::Connection::open(&path).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let mut by_table: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut st = c
        .prepare(
            "SELECT s.tbl_name, d.name = s.tbl_name, SUM(d.pgsize) FROM dbstat d
             JOIN sqlite_schema s ON s.name = d.name GROUP BY d.name",
        )
        .unwrap();
    for r in st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap()
    {
        let (table, is_table, bytes) = r.unwrap();
        let e = by_table.entry(table).or_default();
        if is_table {
            e.0 += bytes
        } else {
            e.1 += bytes
        }
    }
    let samples: i64 = c
        .query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0))
        .unwrap();
    let file = std::fs::metadata(&path).unwrap().len() as f64;
    let mib = |b: f64| b / 1_000_000.0;
    println!("store_size: {users} participant(s) × {days} days of sandbox Oura");
    for (t, (tb, ib)) in &by_table {
        if tb + ib >= 64 * 1024 {
            println!(
                "  {t:<20} {:>8.2} MB table {:>8.2} MB indexes",
                mib(*tb as f64),
                mib(*ib as f64)
            );
        }
    }
    let sample_bytes: i64 = by_table
        .iter()
        .filter(|(t, _)| SAMPLE_TABLES.contains(&t.as_str()))
        .map(|(_, (a, b))| a + b)
        .sum();
    let per_sample = sample_bytes as f64 / samples as f64;
    println!(
        "  samples: {samples} rows, {per_sample:.1} bytes per sample with indexes (target ≤ 32; fixed-width floor 16, {:.2}×)",
        per_sample / 16.0
    );
    let years = users as f64 * days as f64 / 365.0;
    println!(
        "  file: {:.2} MB, {:.2} MB per participant-year (target ≤ 10)",
        mib(file),
        mib(file) / years
    );
    println!(
        "RESULT bytes_per_sample={per_sample:.2} mb_per_participant_year={:.3} samples={samples}",
        mib(file) / years
    );
}
