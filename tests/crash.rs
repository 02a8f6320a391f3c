//! Crash safety with the real binary: a child `vital-link serve` syncing a year of sandbox data
//! (and forwarding it) is SIGKILLed at random moments (seeded, bounded) and restarted each time.
//! Afterwards its store equals that of an uninterrupted run (counts and a content hash over
//! summaries and samples), and the receiving server holds each reading exactly once.
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::child::{kill, Node};
use common::*;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const DAYS: u32 = 365;

/// (status, backfill progress, outbox readings) of the one connection, read from the file.
fn progress(dir: &Path) -> (String, Option<i64>, i64) {
    let store = vital_link::store::Store::open(&dir.join("vital-link.sqlite3")).unwrap();
    let c = store.connections(None).unwrap().pop().unwrap();
    (
        c.sync_status,
        c.backfill_progress,
        store.outbox_depth().unwrap().readings,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    // The receiving server (another machine in real life).
    let b = start(1).await;

    // Machine A: a user, forwarding to B, a demo connection made through the API.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    let a = Node {
        dir: &dir,
        days: DAYS,
    };
    let key = a.run(&["api-key"]);
    a.run(&[
        "forward",
        "set",
        "--url",
        &b.app.api_base_url(),
        "--api-key",
        &b.app.api_key().unwrap(),
    ]);
    let (mut child, base) = a.serve(0);
    let http = reqwest::Client::new();
    let user: Value = http
        .post(format!("{base}/v2/user"))
        .header("x-vital-api-key", &key)
        .json(&json!({"client_user_id": "crash-test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user_id = user["user_id"].as_str().unwrap().to_string();
    let r = http
        .post(format!("{base}/v2/link/connect/demo"))
        .header("x-vital-api-key", &key)
        .json(&json!({"user_id": user_id, "provider": "oura"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // Kill it at random moments of the backfill (and the forwarding), restarting each time.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5EED_CAFE);
    let mut kills = 0;
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(200..4000))).await;
        kill(child);
        kills += 1;
        let (status, progress, queued) = progress(&dir);
        eprintln!("kill {kills}: {status}, progress {progress:?}, {queued} readings queued");
        child = a.serve(0).0;
    }

    // Let the restarted process finish: backfill complete, outbox drained.
    let t = Instant::now();
    loop {
        let (status, progress, queued) = progress(&dir);
        if status == "connected" && progress.is_none() && queued == 0 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(600),
            "did not finish: {status} {progress:?} {queued}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    kill(child);

    let stored = vital_link::store::Store::open(&dir.join("vital-link.sqlite3")).unwrap();
    let crashed = fingerprint(&stored, &user_id, true);

    // An uninterrupted run of the same year.
    let clean = start(DAYS).await;
    let u = clean.app.store.create_user("crash-test").unwrap();
    clean.app.connect_demo(&u.user_id, "oura").await.unwrap();
    clean.app.wait_background().await;
    let want = fingerprint(&clean.app.store, &u.user_id, true);
    let first = now().date_naive() - chrono::Duration::days(DAYS as i64 - 1);
    let e = expected("crash-test", first);
    assert_eq!(
        want.samples,
        e.heartrate + e.hrv,
        "the clean run is complete"
    );
    assert!(want.samples > 100_000, "a year of data: {}", want.samples);
    assert_eq!(crashed, want, "after {kills} kills");

    // The receiving server holds each reading exactly once.
    let user_b = b.app.store.user_by_client_id("crash-test").unwrap().user_id;
    assert_eq!(fingerprint(&b.app.store, &user_b, true), want);
}
