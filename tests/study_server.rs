//! The study server on a real PostgreSQL (a cluster of its own per test, on loopback): the
//! ingestion routes the forwarder speaks, and the same read API, with PostgreSQL as the store.
mod common;

use common::postgres::Postgres;
use common::*;
use serde_json::{json, Value};

async fn call(
    h: &Harness,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut rq = reqwest::Client::new()
        .request(method, format!("{}{path}", h.app.api_base_url()))
        .header("x-vital-api-key", h.app.api_key().unwrap());
    if let Some(b) = body {
        rq = rq.json(b);
    }
    let resp = rq.send().await.unwrap();
    (
        resp.status().as_u16(),
        resp.json::<Value>().await.unwrap_or_default(),
    )
}

fn hr(value: Value, at_ms: i64) -> Value {
    let iso = vital_link::forward::iso_ms(at_ms);
    json!({"value": value, "unit": "bpm", "start_date": iso, "end_date": iso, "type": "ring"})
}

/// 2026-06-01T00:00:00Z.
const JUNE: i64 = 1_780_272_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_batches_land_in_postgres_whole_once_and_read_back_through_the_vital_api() {
    let pg = Postgres::start();
    let url = pg.database("study");
    let h = start_with(1, |c| c.database_url = Some(url.clone())).await;
    let post = reqwest::Method::POST;

    let (s, u) = call(
        &h,
        post.clone(),
        "/v2/user",
        Some(&json!({"client_user_id": "site-a-001"})),
    )
    .await;
    assert_eq!(s, 200, "{u}");
    let user = u["user_id"].as_str().unwrap().to_string();
    assert_eq!(
        pg.query("study", "SELECT client_user_id FROM users"),
        "site-a-001",
        "the user is in PostgreSQL"
    );
    assert!(
        h.app.store.user(&user).is_err(),
        "and not in the server's own SQLite file"
    );
    let (s, v) = call(
        &h,
        post.clone(),
        "/v2/user",
        Some(&json!({"client_user_id": "site-a-001"})),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v.to_string().contains(&user),
        "the refusal names the existing user: {v}"
    );

    // Ten weeks of 5-minute heart rate: three months, so three partitions made on the way.
    let samples: Vec<Value> = (0..20_000i64)
        .map(|i| hr(json!(55 + i % 50), JUNE + i * 300_000))
        .collect();
    let batch =
        json!({"stage": "historical", "time_zone": "UTC", "provider": "oura", "data": samples});
    let path = format!("/v2/timeseries/{user}/heartrate");
    let (s, v) = call(&h, post.clone(), &path, Some(&batch)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["samples_written"], 20_000);
    let (s, v) = call(&h, post.clone(), &path, Some(&batch)).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["samples_written"], 0,
        "a batch sent twice changes nothing"
    );
    assert_eq!(pg.query("study", "SELECT COUNT(*) FROM samples"), "20000");
    let parts = pg.query(
        "study",
        "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'samples'::regclass",
    );
    for month in ["samples_2026_06", "samples_2026_07", "samples_2026_08"] {
        assert!(parts.contains(month), "{month} in {parts}");
    }
    let in_june = pg.query("study", "SELECT COUNT(*) FROM samples_2026_06");
    assert_eq!(
        in_june,
        (30 * 288).to_string(),
        "June's readings are in June's partition"
    );

    // A batch with one reading no body can have is refused whole, naming it.
    let bad = json!({"provider": "oura", "data": [hr(json!(61), JUNE - 60_000), hr(json!(1e26), JUNE - 120_000)]});
    let (s, v) = call(&h, post.clone(), &path, Some(&bad)).await;
    assert_eq!(s, 422, "{v}");
    let msg = v["detail"][0]["msg"].as_str().unwrap();
    assert!(
        msg.contains("data[1]") && msg.contains("nothing in this batch was stored"),
        "{msg}"
    );
    assert_eq!(
        pg.query("study", "SELECT COUNT(*) FROM samples"),
        "20000",
        "nothing of it was stored"
    );

    // Read back the way the SDKs read: flat, and grouped page by page.
    let (s, day) = call(
        &h,
        reqwest::Method::GET,
        &format!("{path}?start_date=2026-06-02&end_date=2026-06-02"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{day}");
    let day = day.as_array().unwrap();
    assert_eq!(day.len(), 288, "one UTC day of 5-minute samples");
    let first = JUNE + 86_400_000;
    let i = (first - JUNE) / 300_000;
    assert_eq!(day[0]["value"].as_f64().unwrap(), (55 + i % 50) as f64);
    assert_eq!(day[0]["unit"], "bpm");
    assert_eq!(day[0]["type"], "ring");
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("&next_cursor={c}"),
            None => String::new(),
        };
        let (s, page) = call(
            &h,
            reqwest::Method::GET,
            &format!("{path}/grouped?start_date=2026-05-01&end_date=2026-09-01{q}"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{page}");
        seen += page["groups"]["oura"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["data"].as_array().unwrap().len())
            .sum::<usize>();
        cursor = page["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, 20_000, "every sample once across the grouped pages");

    // Summaries keep the receiver's stable id; sent twice, stored once.
    let sleep = json!({"stage": "daily", "time_zone": "UTC", "provider": "oura", "data": [{
        "id": "night-1", "calendar_date": "2026-06-01", "bedtime_start": "2026-05-31T23:00:00+00:00",
        "bedtime_stop": "2026-06-01T07:00:00+00:00", "type": "long_sleep", "duration": 28800,
        "total": 27000, "awake": 1800, "light": 15000, "rem": 6000, "deep": 6000}]});
    let spath = format!("/v2/summary/sleep/{user}");
    let (s, v) = call(&h, post.clone(), &spath, Some(&sleep)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["summaries_written"], 1);
    let (_, v) = call(&h, post.clone(), &spath, Some(&sleep)).await;
    assert_eq!(v["summaries_written"], 0);
    let (s, v) = call(
        &h,
        reqwest::Method::GET,
        &format!("{spath}?start_date=2026-06-01&end_date=2026-06-01"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let nights = v["sleep"].as_array().unwrap();
    assert_eq!(nights.len(), 1, "{v}");
    assert_eq!(nights[0]["total"], 27000);
    assert_eq!(nights[0]["user_id"], user);
    assert_eq!(nights[0]["source"]["provider"], "oura");

    // The user's providers come from PostgreSQL's push connection.
    let (s, v) = call(
        &h,
        reqwest::Method::GET,
        &format!("/v2/user/providers/{user}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["providers"][0]["slug"], "oura", "{v}");
}

const DAYS: u32 = 30;

/// Waits until `node` has synced its participant whole and forwarded everything.
async fn drained(dir: &std::path::Path, within: std::time::Duration) {
    let t = std::time::Instant::now();
    loop {
        let s = vital_link::store::Store::open(&dir.join("vital-link.sqlite3")).unwrap();
        let c = s.connections(None).unwrap().pop();
        let depth = s.outbox_depth().unwrap();
        if let Some(c) = c {
            if c.sync_status == "connected" && c.backfill_progress.is_none() && depth.readings == 0
            {
                return;
            }
        }
        assert!(
            t.elapsed() < within,
            "{} did not drain: {depth:?}",
            dir.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_lab_machines_forward_into_one_postgres_server_through_crashes_and_each_reading_arrives_once(
) {
    use common::child::{free_port, kill, Node};
    use common::sdk::{python_with_sdk, readback};
    let py = python_with_sdk();
    let pg = Postgres::start();
    let url = pg.database("study");
    let tmp = tempfile::tempdir().unwrap();

    // The study server: `serve --database`, on a fixed port so it comes back at one address.
    let server_dir = tmp.path().join("server");
    let server = Node {
        dir: &server_dir,
        days: DAYS,
    };
    let key = server.run(&["api-key", "--database", &url]);
    let port = free_port();
    let (srv, base) = server.serve_with(port, &["--database", &url]);

    // Three lab machines, each with its own participant, all forwarding to it at once.
    let dirs: Vec<_> = (1..=3)
        .map(|i| tmp.path().join(format!("lab{i}")))
        .collect();
    let mut labs = vec![];
    let http = reqwest::Client::new();
    for (i, dir) in dirs.iter().enumerate() {
        let node = Node { dir, days: DAYS };
        let lab_key = node.run(&["api-key"]);
        node.run(&["forward", "set", "--url", &base, "--api-key", &key]);
        let (child, lab_base) = node.serve(0);
        let cuid = format!("lab{}-p1", i + 1);
        let user: Value = http
            .post(format!("{lab_base}/v2/user"))
            .header("x-vital-api-key", &lab_key)
            .json(&json!({"client_user_id": cuid}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = http
            .post(format!("{lab_base}/v2/link/connect/demo"))
            .header("x-vital-api-key", &lab_key)
            .json(&json!({"user_id": user["user_id"], "provider": "oura"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        labs.push((child, lab_base, lab_key, cuid));
    }

    // Once readings arrive, the server is killed and PostgreSQL crashes and comes back.
    let t = std::time::Instant::now();
    while pg.query("study", "SELECT COUNT(*) FROM samples") == "0" {
        assert!(
            t.elapsed().as_secs() < 120,
            "nothing arrived at the study server"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    kill(srv);
    let at_crash: usize = pg
        .query("study", "SELECT COUNT(*) FROM samples")
        .parse()
        .unwrap();
    pg.restart_crashed();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (srv, _) = server.serve_with(port, &["--database", &url]);

    for dir in &dirs {
        drained(dir, std::time::Duration::from_secs(400)).await;
    }
    let first = now().date_naive() - chrono::Duration::days(DAYS as i64 - 1);
    let (start, end) = (
        (first - chrono::Duration::days(2)).to_string(),
        (now().date_naive() + chrono::Duration::days(1)).to_string(),
    );
    let mut total_samples = 0;
    for (child, lab_base, lab_key, cuid) in labs {
        let at_lab = readback(&py, &lab_base, &lab_key, &cuid, &start, &end);
        let at_server = readback(&py, &base, &key, &cuid, &start, &end);
        kill(child);
        assert_eq!(
            at_lab, at_server,
            "the server serves exactly {cuid}'s readings"
        );
        let want = expected(&cuid, first);
        let counts = &at_server["counts"];
        assert_eq!(counts["sleep"], want.sleep_docs, "{cuid}");
        assert_eq!(counts["workouts"], want.workouts, "{cuid}");
        assert_eq!(counts["heartrate"], want.heartrate, "{cuid}");
        assert_eq!(counts["hrv"], want.hrv, "{cuid}");
        total_samples += want.heartrate + want.hrv;
    }
    kill(srv);
    // Each reading once: no duplicate rows behind the identical answers.
    let stored: usize = pg
        .query(
            "study",
            "SELECT COUNT(*) FROM samples s JOIN series se ON se.id = s.series_id WHERE se.metric IN ('heartrate', 'hrv')",
        )
        .parse()
        .unwrap();
    assert_eq!(stored, total_samples);
    eprintln!("{at_crash} of {stored} samples were stored when the server was killed");
    assert!(at_crash < stored, "the crash came in the middle of the run");
    assert_eq!(pg.query("study", "SELECT COUNT(*) FROM users"), "3");
}
