//! Forwarding in one process, over real loopback HTTP and real SQLite files: machine A syncs
//! from the sandbox and forwards with Vital's ingestion contract to machine B's local API, which
//! stores what it receives deduplicated. (The end-to-end version with two child processes and
//! the official Python SDK is in `forward_e2e.rs`.)
mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use common::*;
use serde_json::{json, Value};
use vital_link::forward::{ProviderMode, RetryPolicy};
use vital_link::sandbox_browser::{complete, Choice};

async fn connect(h: &Harness, login: &str) -> String {
    let (token, url) = begin_link(&h.app, login).await;
    complete(&url, &Choice::default()).await.unwrap();
    assert_eq!(settle(&h.app, &token).await.state.as_str(), "success");
    h.app.wait_background().await;
    h.app.store.user_by_client_id(login).unwrap().user_id
}

async fn drain(h: &Harness) {
    while h.app.forward_once().await.unwrap() > 0 {}
}

#[tokio::test]
async fn a_forwards_every_reading_to_b_exactly_once() {
    let b = start(1).await;
    let a = start(30).await;
    // Forwarding is on before the first sync: pages queue what they write.
    a.app
        .forward_set(
            &b.app.api_base_url(),
            &b.app.api_key().unwrap(),
            ProviderMode::Source,
        )
        .unwrap();
    let user_a = connect(&a, "lab-7").await;
    let queued = a.app.forward_status().unwrap();
    assert!(queued.outbox.readings > 7000, "{queued:?}");
    // A re-sync changes nothing and queues nothing.
    let conn = a
        .app
        .store
        .connection_for(&user_a, "oura")
        .unwrap()
        .unwrap();
    a.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(a.app.forward_status().unwrap().outbox, queued.outbox);

    drain(&a).await;
    let st = a.app.forward_status().unwrap();
    assert_eq!(st.outbox.readings, 0);
    assert_eq!(st.delivered_readings, queued.outbox.readings);
    assert!(st.last_delivery_at.is_some());
    assert_eq!(st.last_error, None);

    // B created the user by client_user_id and holds exactly A's readings.
    let user_b = b.app.store.user_by_client_id("lab-7").unwrap().user_id;
    let fa = fingerprint(&a.app.store, &user_a, true);
    let fb = fingerprint(&b.app.store, &user_b, true);
    assert_eq!(fa, fb);
    let cb = b
        .app
        .store
        .connection_for(&user_b, "oura")
        .unwrap()
        .unwrap();
    assert_eq!(cb.kind.as_str(), "push");
    // B serves them through the read API, with its own ids.
    let range = vital_link::shapes::parse_range("2026-10-01", None, now().date_naive()).unwrap();
    let sa = vital_link::shapes::summaries(&a.app, &user_a, "sleep", range, None).unwrap();
    let sb = vital_link::shapes::summaries(&b.app, &user_b, "sleep", range, None).unwrap();
    let strip = |v: &Value| -> Vec<Value> {
        v["sleep"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let mut d = d.clone();
                for k in ["id", "user_id", "created_at", "updated_at"] {
                    d.as_object_mut().unwrap().remove(k);
                }
                d["source"]["logo"] = Value::Null;
                d
            })
            .collect()
    };
    assert_eq!(strip(&sa), strip(&sb));
    assert!(sb["sleep"][0]["user_id"] == user_b.as_str());

    // Everything sent again (a crash between B's answer and A's delete): B changes nothing.
    a.app.forward_off().unwrap();
    a.app
        .forward_set(
            &b.app.api_base_url(),
            &b.app.api_key().unwrap(),
            ProviderMode::Source,
        )
        .unwrap();
    assert!(a.app.forward_status().unwrap().outbox.readings >= queued.outbox.readings);
    let before = b.app.store.counts(&user_b).unwrap();
    drain(&a).await;
    assert_eq!(b.app.store.counts(&user_b).unwrap(), before);
    assert_eq!(fingerprint(&b.app.store, &user_b, true), fa);
}

#[tokio::test]
async fn nothing_is_dropped_while_the_target_is_down() {
    let a = start(10).await;
    let user_a = connect(&a, "offline-lab").await;
    // A target that refuses connections: batches stay queued, the error is shown.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let set = a
        .app
        .forward_set(&dead_url, "sk_whatever", ProviderMode::Source)
        .unwrap();
    assert!(set.outbox.readings > 2000, "existing readings are queued");
    for _ in 0..3 {
        let e = a.app.forward_once().await.err().unwrap();
        assert_eq!(e.code, "forward_target_unavailable");
    }
    let st = a.app.forward_status().unwrap();
    assert_eq!(st.outbox, set.outbox);
    assert!(st.last_error.unwrap().contains("connection refused"));
    // The outbox survives a restart of A.
    let b = start(1).await;
    let data_dir = a.app.config.data_dir.clone();
    drop(a.app);
    let mut config = vital_link::config::Config::new(data_dir);
    config.api_port = 0;
    let a2 = vital_link::start(config, vital_link::clock::Clock::fixed(now()))
        .await
        .unwrap();
    assert_eq!(a2.forward_status().unwrap().outbox, set.outbox);
    // The target comes (back) up: everything arrives.
    a2.forward_set(
        &b.app.api_base_url(),
        &b.app.api_key().unwrap(),
        ProviderMode::Source,
    )
    .unwrap();
    while a2.forward_once().await.unwrap() > 0 {}
    let user_b = b
        .app
        .store
        .user_by_client_id("offline-lab")
        .unwrap()
        .user_id;
    assert_eq!(
        fingerprint(&a2.store, &user_a, true),
        fingerprint(&b.app.store, &user_b, true)
    );
}

#[tokio::test]
async fn manual_provider_mode_pushes_as_manual_and_keeps_the_readings() {
    let b = start(1).await;
    let a = start(5).await;
    let user_a = connect(&a, "manual-lab").await;
    a.app
        .forward_set(
            &b.app.api_base_url(),
            &b.app.api_key().unwrap(),
            ProviderMode::Manual,
        )
        .unwrap();
    drain(&a).await;
    let user_b = b.app.store.user_by_client_id("manual-lab").unwrap().user_id;
    assert!(b
        .app
        .store
        .connection_for(&user_b, "manual")
        .unwrap()
        .is_some());
    assert!(b
        .app
        .store
        .connection_for(&user_b, "oura")
        .unwrap()
        .is_none());
    assert_eq!(
        fingerprint(&a.app.store, &user_a, false),
        fingerprint(&b.app.store, &user_b, false)
    );
}

fn gzip(v: &Value) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(v.to_string().as_bytes()).unwrap();
    e.finish().unwrap()
}

#[tokio::test]
async fn the_ingestion_routes_take_gzip_dedupe_and_refuse_what_they_cannot_store() {
    let b = start(1).await;
    let base = b.app.api_base_url();
    let key = b.app.api_key().unwrap();
    let http = reqwest::Client::new();
    let user = b.app.store.create_user("pushed").unwrap().user_id;
    let post = |path: String, body: Value, gz: bool, key: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let mut r = http
                .post(format!("{base}{path}"))
                .header("x-vital-api-key", key)
                .header("content-type", "application/json");
            r = if gz {
                r.header("content-encoding", "gzip").body(gzip(&body))
            } else {
                r.body(body.to_string())
            };
            let resp = r.send().await.unwrap();
            (
                resp.status().as_u16(),
                resp.json::<Value>().await.unwrap_or_default(),
            )
        }
    };
    let manual = json!({"user_id": user});
    let (s, _) = post(
        "/v2/link/provider/manual/oura".into(),
        manual.clone(),
        false,
        key.clone(),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        "/v2/link/provider/manual/oura".into(),
        manual,
        false,
        key.clone(),
    )
    .await;
    assert_eq!(s, 409, "an existing connection is Vital's 409");
    let (s, _) = post(
        "/v2/link/provider/manual/oura".into(),
        json!({"user_id": user}),
        false,
        "wrong".into(),
    )
    .await;
    assert_eq!(s, 401);

    // The mobile SDK's sample shape, gzipped, and a large body (over the 1 MiB default limit).
    let samples: Vec<Value> = (0..20_000)
        .map(|i| {
            let t = 1_780_000_000_000i64 + i * 60_000;
            let iso = vital_link::forward::iso_ms(t);
            json!({"id": null, "value": 60 + i % 40, "unit": "bpm", "start_date": iso, "end_date": iso,
                   "type": "ring", "source_bundle": "com.ouraring.oura", "metadata": {}})
        })
        .collect();
    let env = json!({"stage": "historical", "start_date": null, "end_date": null, "time_zone": "UTC",
                     "provider": "oura", "data": samples});
    assert!(env.to_string().len() > 1024 * 1024);
    let path = format!("/v2/timeseries/{user}/heartrate");
    let (s, v) = post(path.clone(), env.clone(), true, key.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["samples_written"], 20_000);
    let (s, v) = post(path, env, true, key.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["samples_written"], 0,
        "a batch sent twice changes nothing"
    );
    assert_eq!(b.app.store.counts(&user).unwrap().heartrate, 20_000);

    // Summaries: an id identifies the record; the receiver gives it its own stable id.
    let sleep = json!({"stage": "daily", "time_zone": "UTC", "provider": "oura", "data": [{
        "id": "night-1", "calendar_date": "2026-06-01", "bedtime_start": "2026-05-31T23:00:00+00:00",
        "bedtime_stop": "2026-06-01T07:00:00+00:00", "type": "long_sleep", "duration": 28800,
        "total": 27000, "awake": 1800, "light": 15000, "rem": 6000, "deep": 6000}]});
    let (s, v) = post(
        format!("/v2/summary/sleep/{user}"),
        sleep.clone(),
        false,
        key.clone(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["summaries_written"], 1);
    let (_, v) = post(
        format!("/v2/summary/sleep/{user}"),
        sleep,
        true,
        key.clone(),
    )
    .await;
    assert_eq!(v["summaries_written"], 0);
    assert_eq!(b.app.store.counts(&user).unwrap().sleep, 1);

    // What cannot be stored is refused (422), never silently dropped.
    let bad_unit = json!({"provider": "oura", "data": [{"value": 1, "unit": "furlongs", "start_date": "2026-06-01T00:00:00Z"}]});
    let (s, _) = post(
        format!("/v2/timeseries/{user}/heartrate"),
        bad_unit,
        false,
        key.clone(),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = post(
        format!("/v2/summary/meal/{user}"),
        json!({"provider": "oura", "data": []}),
        false,
        key.clone(),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = post(
        "/v2/timeseries/00000000-0000-0000-0000-000000000000/heartrate".into(),
        json!({"provider": "oura", "data": []}),
        false,
        key,
    )
    .await;
    assert_eq!(s, 404);
}

/// POSTs `body` to `path` on `h`'s API with its key: (status, JSON body).
async fn push(h: &Harness, path: &str, body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", h.app.api_base_url()))
        .header("x-vital-api-key", h.app.api_key().unwrap())
        .json(body)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json::<Value>().await.unwrap_or_default(),
    )
}

fn hr(value: Value, at: &str) -> Value {
    json!({"value": value, "unit": "bpm", "start_date": at, "end_date": at, "type": "ring"})
}

#[tokio::test]
async fn readings_no_body_can_have_refuse_the_whole_batch_and_name_the_reading() {
    let b = start(1).await;
    let user = b.app.store.create_user("implausible").unwrap().user_id;
    let path = format!("/v2/timeseries/{user}/heartrate");
    let batch = |data: Vec<Value>| json!({"provider": "oura", "data": data});
    let good = hr(json!(61), "2026-06-01T08:00:00Z");
    let (s, v) = push(
        &b,
        &path,
        &batch(vec![good.clone(), hr(json!(250), "2026-06-01T07:00:00Z")]),
    )
    .await;
    assert_eq!(s, 200, "a plausible batch is accepted: {v}");
    assert_eq!(v["samples_written"], 2);

    let fresh = hr(json!(62), "2026-06-01T09:00:00Z");
    for (bad, named) in [
        (hr(json!(1e308), "2026-06-01T10:00:00Z"), "1e+308"),
        (hr(json!(-1e308), "2026-06-01T10:00:00Z"), "-1e+308"),
        (hr(json!(1e26), "2026-06-01T10:00:00Z"), "1e+26"),
        (hr(json!(60), "9999-12-31T00:00:00Z"), "9999-12-31"),
        (hr(json!(60), "0000-01-01T00:00:00Z"), "0000-01-01"),
    ] {
        let (s, v) = push(&b, &path, &batch(vec![fresh.clone(), bad])).await;
        assert_eq!(s, 422, "{named}: {v}");
        let msg = v["detail"][0]["msg"].as_str().unwrap();
        assert!(msg.contains("data[1]") && msg.contains(named), "{msg}");
        assert!(msg.contains("nothing in this batch was stored"), "{msg}");
        assert_eq!(v["detail"][0]["type"], "implausible_reading");
    }
    // The refused batches stored nothing, not even their plausible first reading, and lost
    // nothing stored before.
    let (s, v) = reqwest::Client::new()
        .get(format!(
            "{}/v2/timeseries/{user}/heartrate?start_date=2026-06-01&end_date=2026-06-02",
            b.app.api_base_url()
        ))
        .header("x-vital-api-key", b.app.api_key().unwrap())
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(s, 200);
    let rows: Value = v.json().await.unwrap();
    let values: Vec<f64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, vec![250.0, 61.0], "{rows}");
    assert_eq!(b.app.store.counts(&user).unwrap().heartrate, 2);

    // Units are converted before the check: 150 lb is a plausible weight, 150 kg-as-grams not.
    let w = |v: f64, unit: &str| json!({"provider": "withings", "data": [{"value": v, "unit": unit, "start_date": "2026-06-01T07:00:00Z"}]});
    let wpath = format!("/v2/timeseries/{user}/body_weight");
    assert_eq!(push(&b, &wpath, &w(150.0, "lb")).await.0, 200);
    assert_eq!(push(&b, &wpath, &w(150.0, "g")).await.0, 422);

    // Summaries: a night in the year 9999 is refused the same way.
    let sleep = json!({"provider": "oura", "data": [{"id": "n-9999", "calendar_date": "9999-12-31",
        "bedtime_start": "9999-12-30T23:00:00+00:00", "bedtime_stop": "9999-12-31T07:00:00+00:00"}]});
    let (s, v) = push(&b, &format!("/v2/summary/sleep/{user}"), &sleep).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["detail"][0]["msg"].as_str().unwrap().contains("n-9999"),
        "{v}"
    );
    assert_eq!(b.app.store.counts(&user).unwrap().sleep, 0);
}

#[tokio::test]
async fn a_refresh_on_the_receiver_leaves_pushed_connections_alone() {
    let b = start(1).await;
    let a = start(3).await;
    connect(&a, "refreshed").await;
    a.app
        .forward_set(
            &b.app.api_base_url(),
            &b.app.api_key().unwrap(),
            ProviderMode::Source,
        )
        .unwrap();
    drain(&a).await;
    let user_b = b.app.store.user_by_client_id("refreshed").unwrap().user_id;
    let r: Value = reqwest::Client::new()
        .post(format!("{}/v2/user/refresh/{user_b}", b.app.api_base_url()))
        .header("x-vital-api-key", b.app.api_key().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["success"], true);
    b.app.wait_background().await;
    assert!(b.app.sync_user(Some(&user_b)).await.unwrap().is_empty());
    let c = b
        .app
        .store
        .connection_for(&user_b, "oura")
        .unwrap()
        .unwrap();
    assert_eq!(c.sync_status, "connected");
}

/// How the test target answers the readings it is sent (`POST /v2/summary|timeseries/...`).
#[derive(Clone)]
enum Rule {
    /// Every path starting with this gets this status; the rest are accepted.
    Refuse(&'static str, StatusCode),
    /// The first readings request gets this status and `Retry-After`; the rest are accepted.
    First(StatusCode, Option<&'static str>),
    AcceptAll,
}

#[derive(Default)]
struct Seen {
    /// Every readings request: when, its path, the status it got.
    requests: Vec<(Instant, String, u16)>,
    /// Readings accepted, by path.
    accepted: std::collections::HashMap<String, i64>,
}

/// A Vital-compatible forward target over real loopback HTTP whose answers the test sets.
struct Target {
    url: String,
    rule: Arc<Mutex<Rule>>,
    seen: Arc<Mutex<Seen>>,
}

impl Target {
    async fn start(rule: Rule) -> Target {
        let rule = Arc::new(Mutex::new(rule));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (r, s) = (rule.clone(), seen.clone());
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| {
                let (rule, seen) = (r.clone(), s.clone());
                async move { answer(&rule, &seen, uri.path(), &headers, &body) }
            },
        );
        let addr = vital_link::fake::serve(app).await.unwrap();
        Target {
            url: format!("http://{addr}"),
            rule,
            seen,
        }
    }

    fn accepted(&self) -> i64 {
        self.seen.lock().unwrap().accepted.values().sum()
    }

    fn requests_to(&self, prefix: &str) -> Vec<(Instant, u16)> {
        let seen = self.seen.lock().unwrap();
        let to = seen
            .requests
            .iter()
            .filter(|(_, p, _)| p.starts_with(prefix));
        to.map(|(t, _, s)| (*t, *s)).collect()
    }
}

fn answer(
    rule: &Mutex<Rule>,
    seen: &Mutex<Seen>,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if path.starts_with("/v2/user") {
        return axum::Json(json!({"user_id": "remote-user"})).into_response();
    }
    if path.starts_with("/v2/link/") {
        return StatusCode::OK.into_response();
    }
    let mut seen = seen.lock().unwrap();
    let (status, retry_after) = match rule.lock().unwrap().clone() {
        Rule::Refuse(prefix, s) if path.starts_with(prefix) => (s, None),
        Rule::First(s, ra) if seen.requests.is_empty() => (s, ra),
        _ => (StatusCode::OK, None),
    };
    seen.requests
        .push((Instant::now(), path.to_string(), status.as_u16()));
    if status != StatusCode::OK {
        let mut h = HeaderMap::new();
        if let Some(ra) = retry_after {
            h.insert("retry-after", ra.parse().unwrap());
        }
        return (status, h, "refused by the test").into_response();
    }
    let mut raw = body.to_vec();
    if headers.get("content-encoding").is_some_and(|v| v == "gzip") {
        raw.clear();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut raw)
            .unwrap();
    }
    let v: Value = serde_json::from_slice(&raw).unwrap();
    let n = v["data"].as_array().map_or(1, Vec::len) as i64;
    *seen.accepted.entry(path.to_string()).or_default() += n;
    StatusCode::OK.into_response()
}

/// Fast retries so a test sees a batch parked within a second.
fn quick_retries(c: &mut vital_link::config::Config) {
    c.forward_retry = RetryPolicy {
        first_wait: Duration::from_millis(50),
        max_wait: Duration::from_millis(200),
        max_attempts: 4,
    };
}

/// Polls `done` every 50 ms for at most `limit`; returns how long it took.
async fn within(limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let t0 = Instant::now();
    while !done() {
        assert!(t0.elapsed() < limit, "not done within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t0.elapsed()
}

#[tokio::test]
async fn one_poison_batch_is_parked_while_the_others_arrive_and_retry_resends_it() {
    let a = start_with(30, quick_retries).await;
    connect(&a, "poison-lab").await;
    let target = Target::start(Rule::Refuse(
        "/v2/summary/profile/",
        StatusCode::INTERNAL_SERVER_ERROR,
    ))
    .await;
    let queued = a
        .app
        .forward_set(&target.url, "sk_poison", ProviderMode::Source)
        .unwrap()
        .outbox;
    vital_link::forward::start_worker(a.app.clone());

    // Everything but the profile arrives; the profile is parked after its 4 tries.
    let took = within(Duration::from_secs(30), || {
        let st = a.app.forward_status().unwrap();
        st.outbox.batches == 0 && st.parked.batches == 1
    })
    .await;
    let st = a.app.forward_status().unwrap();
    let poison = target.requests_to("/v2/summary/profile/");
    eprintln!(
        "poison scenario: {} of {} readings in {} batches arrived in {took:?}; the poison batch was tried {} times",
        target.accepted(),
        queued.readings,
        queued.batches - 1,
        poison.len()
    );
    assert_eq!(target.accepted(), queued.readings - st.parked.readings);
    assert_eq!(poison.len(), 4);
    let dead = &st.dead_letters[0];
    assert_eq!(
        (dead.resource.as_str(), dead.attempts, dead.last_status),
        ("profile", 4, Some(500))
    );
    assert_eq!(dead.client_user_id.as_deref(), Some("poison-lab"));
    assert!(dead.last_error.as_deref().unwrap().contains("500"));
    let events = a.app.store.events(50).unwrap();
    let parked = events
        .iter()
        .find(|e| e.kind == "forward.batch_parked")
        .expect("a forward.batch_parked event");
    assert_eq!(parked.detail["resource"], "profile");
    // A dead letter stays parked: no more tries until asked.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(target.requests_to("/v2/summary/profile/").len(), 4);

    // The target is fixed; `forward retry` sends the dead letter, once.
    *target.rule.lock().unwrap() = Rule::AcceptAll;
    assert_eq!(a.app.forward_retry().unwrap(), 1);
    within(Duration::from_secs(10), || {
        let st = a.app.forward_status().unwrap();
        st.outbox.batches == 0 && st.parked.batches == 0
    })
    .await;
    assert_eq!(target.accepted(), queued.readings);
    let poison = target.requests_to("/v2/summary/profile/");
    assert_eq!(poison.len(), 5);
    assert_eq!(poison[4].1, 200);
    assert_eq!(a.app.forward_status().unwrap().last_error, None);
}

#[tokio::test]
async fn a_permanent_refusal_parks_the_batch_at_once() {
    let a = start_with(3, quick_retries).await;
    connect(&a, "refused-lab").await;
    let target = Target::start(Rule::Refuse(
        "/v2/summary/profile/",
        StatusCode::UNPROCESSABLE_ENTITY,
    ))
    .await;
    a.app
        .forward_set(&target.url, "sk_refused", ProviderMode::Source)
        .unwrap();
    while a.app.forward_once().await.unwrap() > 0 {}
    let st = a.app.forward_status().unwrap();
    assert_eq!((st.outbox.batches, st.parked.batches), (0, 1));
    assert_eq!(st.dead_letters[0].attempts, 1);
    assert_eq!(st.dead_letters[0].last_status, Some(422));
    assert_eq!(target.requests_to("/v2/summary/profile/").len(), 1);
}

#[tokio::test]
async fn the_forwarder_waits_what_retry_after_asks() {
    let a = start_with(2, quick_retries).await;
    connect(&a, "slow-lab").await;
    let target = Target::start(Rule::First(StatusCode::TOO_MANY_REQUESTS, Some("3"))).await;
    a.app
        .forward_set(&target.url, "sk_slow", ProviderMode::Source)
        .unwrap();
    vital_link::forward::start_worker(a.app.clone());
    within(Duration::from_secs(20), || {
        a.app.forward_status().unwrap().outbox.batches == 0
    })
    .await;
    let sent = target.requests_to("/v2/");
    assert_eq!(sent[0].1, 429);
    let gap = sent[1].0 - sent[0].0;
    eprintln!("Retry-After: 3 -> the next request came {gap:?} later");
    assert!(
        gap >= Duration::from_secs(2) && gap <= Duration::from_secs(4),
        "{gap:?}"
    );
    assert_eq!(a.app.forward_status().unwrap().parked.batches, 0);
}

#[tokio::test]
async fn a_success_clears_the_last_error_and_shows_when() {
    let a = start_with(2, quick_retries).await;
    connect(&a, "flaky-lab").await;
    let target = Target::start(Rule::Refuse("/v2/", StatusCode::SERVICE_UNAVAILABLE)).await;
    a.app
        .forward_set(&target.url, "sk_flaky", ProviderMode::Source)
        .unwrap();
    assert!(a.app.forward_once().await.is_err());
    let failed = a.app.forward_status().unwrap();
    assert!(failed.last_error.unwrap().contains("503"));
    *target.rule.lock().unwrap() = Rule::AcceptAll;
    let t0 = Instant::now();
    while a.app.forward_status().unwrap().outbox.batches > 0 {
        assert!(t0.elapsed() < Duration::from_secs(10), "still queued");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let _ = a.app.forward_once().await;
    }
    let st = a.app.forward_status().unwrap();
    assert_eq!(st.last_error, None);
    assert_eq!(st.last_error_at, None);
    assert!(st.last_delivery_at.unwrap() >= failed.last_error_at.unwrap());
}
