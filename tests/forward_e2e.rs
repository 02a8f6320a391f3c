//! Forwarding end to end with the real binary: machine A (`vital-link serve` on sandbox data)
//! forwards to machine B (`vital-link serve` as the receiver) over loopback; B is taken down in
//! the middle and brought back on the same port. Afterwards B's read API, queried through the
//! official Python SDK (PyPI `vital` 2.x in a venv under target/), answers with exactly A's
//! readings, which are exactly what the provider served.
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::child::{free_port, kill, Node};
use common::sdk::{python_with_sdk, readback};
use common::*;
use serde_json::{json, Value};

const DAYS: u32 = 60;
fn store(dir: &Path) -> vital_link::store::Store {
    vital_link::store::Store::open(&dir.join("vital-link.sqlite3")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwards_to_b_and_b_serves_exactly_a_readings_through_the_python_sdk() {
    let py = python_with_sdk();
    let tmp = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (tmp.path().join("a"), tmp.path().join("b"));

    // B: the receiver, on a fixed port so it can come back at the same address.
    let node_b = Node {
        dir: &dir_b,
        days: DAYS,
    };
    let key_b = node_b.run(&["api-key"]);
    let port_b = free_port();
    let (b, base_b) = node_b.serve(port_b);

    // A: forwards to B, then connects a demo participant through its own API.
    let node_a = Node {
        dir: &dir_a,
        days: DAYS,
    };
    let key_a = node_a.run(&["api-key"]);
    node_a.run(&["forward", "set", "--url", &base_b, "--api-key", &key_b]);
    let (a, base_a) = node_a.serve(0);
    let http = reqwest::Client::new();
    let user: Value = http
        .post(format!("{base_a}/v2/user"))
        .header("x-vital-api-key", &key_a)
        .json(&json!({"client_user_id": "forwarded-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user_a = user["user_id"].as_str().unwrap().to_string();
    let r = http
        .post(format!("{base_a}/v2/link/connect/demo"))
        .header("x-vital-api-key", &key_a)
        .json(&json!({"user_id": user_a, "provider": "oura"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Once something has arrived at B, take B down for a while.
    let t = Instant::now();
    while store(&dir_a)
        .setting("forward.delivered")
        .unwrap()
        .is_none()
    {
        assert!(t.elapsed() < Duration::from_secs(120), "nothing forwarded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    kill(b);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let down = vital_link::forward::status(&store(&dir_a)).unwrap();
    eprintln!("B down: {down:?}");
    assert!(down.last_error.is_some(), "A noticed B was down");
    let (b, _) = node_b.serve(port_b);

    // A finishes its backfill and drains its outbox into the restarted B.
    let t = Instant::now();
    loop {
        let s = store(&dir_a);
        let c = s.connections(None).unwrap().pop().unwrap();
        let depth = s.outbox_depth().unwrap();
        if c.sync_status == "connected" && c.backfill_progress.is_none() && depth.readings == 0 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "A did not finish: {} {depth:?}",
            c.sync_status
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let first = now().date_naive() - chrono::Duration::days(DAYS as i64 - 1);
    // From two days before the first synced day: the first night's samples begin the evening before.
    let (start, end) = (
        (first - chrono::Duration::days(2)).to_string(),
        (now().date_naive() + chrono::Duration::days(1)).to_string(),
    );
    let from_a = readback(&py, &base_a, &key_a, "forwarded-1", &start, &end);
    let from_b = readback(&py, &base_b, &key_b, "forwarded-1", &start, &end);
    kill(a);
    kill(b);
    assert_eq!(from_a, from_b, "B serves exactly A's readings");
    let want = expected("forwarded-1", first);
    let counts = &from_b["counts"];
    assert_eq!(counts["sleep"], want.sleep_docs);
    assert_eq!(counts["activity"], want.activity_days);
    assert_eq!(counts["workouts"], want.workouts);
    assert_eq!(counts["heartrate"], want.heartrate);
    assert_eq!(counts["hrv"], want.hrv);
}
