//! A year of sandbox data for 10 users, synced over real loopback HTTP into a real SQLite file,
//! against the floor: the time SQLite itself needs to bulk-insert the same normalized rows
//! (summaries and samples) in one prepared-statement transaction into a fresh database with the
//! same schema. Also the peak RSS (VmHWM) of the sync for 90 and for 365 days of history.
//!
//! `cargo bench --no-default-features --bench sync_year [-- --users 10 --days 365 --short-days 90]`
//!
//! Each measurement runs in its own child process (so VmHWM is that run's own peak).
use std::process::Command;
use std::time::Instant;

use rusqlite::params;
use vital_link::clock::Clock;
use vital_link::config::Config;

#[path = "common.rs"]
mod common;
use common::{arg, vm_hwm_kib};

struct Summary {
    id: String,
    user_id: String,
    provider: String,
    resource: String,
    record: String,
    day: String,
    start: Option<i64>,
    end: Option<i64>,
    data: String,
    stream: Option<String>,
}

struct Sample {
    user_id: String,
    metric: String,
    provider: String,
    ts: i64,
    end_ts: Option<i64>,
    value: f64,
    unit: String,
    tz: Option<i64>,
    source: Option<String>,
}

/// The schema-7 tables the floor used to insert into (text keys in every sample row, a
/// secondary index by connection, documents as text), for the old floor beside the new.
const OLD_SCHEMA: &str = "
CREATE TABLE summaries (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, connection_id INTEGER NOT NULL,
    provider TEXT NOT NULL, resource TEXT NOT NULL, provider_record_id TEXT NOT NULL,
    calendar_date TEXT NOT NULL, start_at INTEGER, end_at INTEGER, data TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, stream TEXT,
    UNIQUE (connection_id, resource, provider_record_id)) STRICT;
CREATE INDEX summaries_by_user_date ON summaries (user_id, resource, calendar_date);
CREATE TABLE samples (user_id TEXT NOT NULL, metric TEXT NOT NULL, provider TEXT NOT NULL,
    ts INTEGER NOT NULL, end_ts INTEGER, connection_id INTEGER NOT NULL, value REAL NOT NULL,
    unit TEXT NOT NULL, tz_offset INTEGER, source_type TEXT,
    PRIMARY KEY (user_id, metric, ts, provider)) STRICT, WITHOUT ROWID;
CREATE INDEX samples_by_connection ON samples (connection_id);";

type Rows = (
    Vec<(String, String)>,
    Vec<(i64, String, String)>,
    Vec<(i64, Summary)>,
    Vec<(i64, Sample)>,
);

/// Every normalized row the sync stored, read back as plain values.
fn stored_rows(src: &vital_link::store::Store) -> Rows {
    src.read(|c| {
        let users: Vec<(String, String)> = c
            .prepare("SELECT user_id, client_user_id FROM users")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let conns: Vec<(i64, String, String)> = c
            .prepare("SELECT id, user_id, provider FROM connections")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let summaries: Vec<(i64, Summary)> = c
            .prepare("SELECT connection_id, id, user_id, provider, resource, provider_record_id, calendar_date, start_at, end_at, vl_unpack(data), vl_unpack(stream) FROM summaries")?
            .query_map([], |r| {
                Ok((r.get(0)?, Summary { id: r.get(1)?, user_id: r.get(2)?, provider: r.get(3)?, resource: r.get(4)?, record: r.get(5)?, day: r.get(6)?, start: r.get(7)?, end: r.get(8)?, data: r.get(9)?, stream: r.get(10)? }))
            })?
            .collect::<Result<_, _>>()?;
        let samples: Vec<(i64, Sample)> = c
            .prepare("SELECT connection_id, user_id, metric, provider, ts, end_ts, value, unit, tz_offset, source_type FROM samples")?
            .query_map([], |r| {
                Ok((r.get(0)?, Sample { user_id: r.get(1)?, metric: r.get(2)?, provider: r.get(3)?, ts: r.get(4)?, end_ts: r.get(5)?, value: r.get(6)?, unit: r.get(7)?, tz: r.get(8)?, source: r.get(9)? }))
            })?
            .collect::<Result<_, _>>()?;
        Ok((users, conns, summaries, samples))
    })
    .unwrap()
}

/// The old floor: the same rows into the schema-7 tables, in one transaction with prepared
/// statements. Returns seconds.
fn floor_old(rows: &Rows, dir: &std::path::Path) -> f64 {
    let (_, _, summaries, samples) = rows;
    let mut c = rusqlite::Connection::open(dir.join("floor-v7.sqlite3")).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "synchronous", "NORMAL").unwrap();
    c.execute_batch(OLD_SCHEMA).unwrap();
    let t = Instant::now();
    let tx = c.transaction().unwrap();
    {
        let mut st = tx.prepare(
            "INSERT INTO summaries (id, user_id, connection_id, provider, resource, provider_record_id,
                 calendar_date, start_at, end_at, data, created_at, updated_at, stream)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, 0, ?11)",
        ).unwrap();
        for (c, s) in summaries {
            st.execute(params![
                s.id, s.user_id, c, s.provider, s.resource, s.record, s.day, s.start, s.end,
                s.data, s.stream
            ])
            .unwrap();
        }
        let mut st = tx.prepare(
            "INSERT INTO samples (user_id, metric, provider, ts, end_ts, connection_id, value, unit, tz_offset, source_type)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        ).unwrap();
        for (c, s) in samples {
            st.execute(params![
                s.user_id, s.metric, s.provider, s.ts, s.end_ts, c, s.value, s.unit, s.tz, s.source
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    t.elapsed().as_secs_f64()
}

/// The new floor: the same rows into this schema (documents packed, samples keyed by series,
/// labels and series looked up once each), in one transaction. Returns (seconds, rows).
fn floor(rows: &Rows, dir: &std::path::Path) -> (f64, usize) {
    use std::collections::HashMap;
    use vital_link::store::pack::pack;
    let (users, conns, summaries, samples) = rows;
    let dst = vital_link::store::Store::open(&dir.join("floor.sqlite3")).unwrap();
    dst.write(|tx| {
        for (u, c) in users {
            tx.execute(
                "INSERT INTO users (user_id, client_user_id, created_at) VALUES (?1, ?2, 0)",
                params![u, c],
            )?;
        }
        for (id, u, p) in conns {
            tx.execute(
                "INSERT INTO connections (id, user_id, provider, status, created_at, updated_at) VALUES (?1, ?2, ?3, 'connected', 0, 0)",
                params![id, u, p],
            )?;
        }
        Ok(())
    })
    .unwrap();
    let n = summaries.len() + samples.len();
    let t = Instant::now();
    dst.write(|tx| {
        let mut st = tx.prepare(
            "INSERT INTO summaries (id, user_id, connection_id, provider, resource, provider_record_id,
                 calendar_date, start_at, end_at, data, created_at, updated_at, stream)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, 0, ?11)",
        )?;
        for (c, s) in summaries {
            st.execute(params![
                s.id, s.user_id, c, s.provider, s.resource, s.record, s.day, s.start, s.end,
                pack(&s.data), s.stream.as_deref().map(pack)
            ])?;
        }
        let mut labels: HashMap<String, i64> = HashMap::new();
        let mut label = |tx: &rusqlite::Transaction, text: &str| -> rusqlite::Result<i64> {
            if let Some(id) = labels.get(text) {
                return Ok(*id);
            }
            tx.execute("INSERT INTO labels (text) VALUES (?1) ON CONFLICT DO NOTHING", [text])?;
            let id = tx.query_row("SELECT id FROM labels WHERE text = ?1", [text], |r| r.get(0))?;
            labels.insert(text.to_string(), id);
            Ok(id)
        };
        let mut series: HashMap<(String, String, String), (i64, i64)> = HashMap::new();
        let mut st = tx.prepare(
            "INSERT INTO series_samples (series_id, ts, dur, value, tz_offset, unit_id, source_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (c, s) in samples {
            let unit = label(tx, &s.unit)?;
            let source = s.source.as_deref().map(|t| label(tx, t)).transpose()?;
            let key = (s.user_id.clone(), s.metric.clone(), s.provider.clone());
            let (sid, su) = match series.get(&key) {
                Some(v) => *v,
                None => {
                    let id = tx.query_row(
                        "INSERT INTO series (user_id, metric, provider, connection_id, unit_id) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                        params![s.user_id, s.metric, s.provider, c, unit],
                        |r| r.get(0),
                    )?;
                    *series.entry(key).or_insert((id, unit))
                }
            };
            st.execute(params![sid, s.ts, s.end_ts.map(|e| e - s.ts), s.value, s.tz, (unit != su).then_some(unit), source])?;
        }
        Ok(())
    })
    .unwrap();
    (t.elapsed().as_secs_f64(), n)
}

/// One measured run (in a child process): sync `users` × `days`, then the floor.
async fn child(users: u32, days: u32, with_floor: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    config.history_days = days;
    config.api_port = 0;
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
        .unwrap()
        .to_utc();
    let app = vital_link::start(config, Clock::fixed(now)).await.unwrap();
    vital_link::api::serve(app.clone(), 0).await.unwrap();
    let t = Instant::now();
    for i in 0..users {
        let u = app.store.create_user(&format!("bench-{i:03}")).unwrap();
        app.connect_demo(&u.user_id, "oura").await.unwrap();
    }
    app.wait_background().await;
    let secs = t.elapsed().as_secs_f64();
    let hwm = vm_hwm_kib();
    let (mut summaries, mut samples) = (0i64, 0i64);
    for u in app.store.list_users(0, i64::MAX).unwrap().0 {
        let c = app.store.counts(&u.user_id).unwrap();
        summaries += c.sleep + c.activity + c.workouts;
        samples += c.heartrate + c.hrv;
        for c in app.store.connections(Some(&u.user_id)).unwrap() {
            assert_eq!(c.status.as_str(), "connected", "{:?}", c.error_message);
        }
    }
    let readings = summaries + samples;
    println!("RESULT sync_secs={secs:.3} summaries={summaries} samples={samples} readings={readings} vmhwm_kib={hwm}");
    if with_floor {
        let rows = stored_rows(&app.store);
        let old = floor_old(&rows, dir.path());
        let (fs, n) = floor(&rows, dir.path());
        println!("RESULT floor_secs={fs:.3} floor_rows={n} old_floor_secs={old:.3}");
    }
}

fn field(out: &str, key: &str) -> f64 {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let users = arg("--users", 10, 1);
    let days = arg("--days", 365, 20);
    let short = arg("--short-days", 90, 10);
    if args.iter().any(|a| a == "--child") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(child(users, days, args.iter().any(|a| a == "--floor")));
        return;
    }
    let me = std::env::current_exe().unwrap();
    let run = |d: u32, with_floor: bool| -> String {
        let mut c = Command::new(&me);
        c.args([
            "--child",
            "--users",
            &users.to_string(),
            "--days",
            &d.to_string(),
        ]);
        if with_floor {
            c.arg("--floor");
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let long = run(days, true);
    let brief = run(short, false);
    // The same for one user, where no other user's sync overlaps to blur the peak.
    let run1 = |d: u32| -> String {
        let o = Command::new(&me)
            .args(["--child", "--users", "1", "--days", &d.to_string()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let (one_long, one_short) = (run1(days), run1(short));
    let (secs, readings, samples) = (
        field(&long, "sync_secs"),
        field(&long, "readings"),
        field(&long, "samples"),
    );
    let floor_secs = field(&long, "floor_secs");
    println!("sync_year: {users} users × {days} days of sandbox Oura (5-minute heart rate, nightly sleep, daily activity)");
    println!(
        "  sync (link + backfill, loopback HTTP → SQLite): {secs:.2} s, {readings} readings ({samples} samples), {:.0} readings/s",
        readings / secs
    );
    println!(
        "  floor (same {} rows, one transaction, prepared INSERTs): {floor_secs:.2} s, {:.0} rows/s",
        field(&long, "floor_rows"),
        field(&long, "floor_rows") / floor_secs
    );
    let old_floor = field(&long, "old_floor_secs");
    println!(
        "  old floor (the same rows into the schema-7 tables): {old_floor:.2} s, {:.0} rows/s",
        field(&long, "floor_rows") / old_floor
    );
    println!(
        "  sync / floor: {:.2}× (target ≤ 1.5×); sync / old floor: {:.2}×",
        secs / floor_secs,
        secs / old_floor
    );
    println!(
        "  peak RSS (VmHWM), {users} users: {days} days {:.1} MiB, {short} days {:.1} MiB",
        field(&long, "vmhwm_kib") / 1024.0,
        field(&brief, "vmhwm_kib") / 1024.0
    );
    println!(
        "  peak RSS (VmHWM), 1 user: {days} days {:.1} MiB, {short} days {:.1} MiB",
        field(&one_long, "vmhwm_kib") / 1024.0,
        field(&one_short, "vmhwm_kib") / 1024.0
    );
}
