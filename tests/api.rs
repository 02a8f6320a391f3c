//! The local Vital API over real loopback HTTP with a real SQLite file: auth, users, link
//! tokens, demo connections, summaries, raw payloads, timeseries, streams, introspection.
mod common;

use common::*;
use serde_json::{json, Value};

struct Api {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Api {
    async fn new(h: &Harness) -> Api {
        Api {
            base: h.app.api_base_url(),
            key: h.app.api_key().unwrap(),
            http: reqwest::Client::new(),
        }
    }
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-vital-api-key", &self.key);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

#[tokio::test]
async fn every_data_route_needs_the_api_key() {
    let h = start(2).await;
    let api = Api::new(&h).await;
    for path in [
        "/v2/user",
        "/v2/providers",
        "/v2/summary/sleep/x?start_date=2026-01-01",
    ] {
        let r = api
            .http
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let r = api
            .http
            .get(format!("{}{path}", api.base))
            .header("x-vital-api-key", "vlk_wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    // After rotation the old key stops working.
    let old = api.key.clone();
    let new = h.app.rotate_api_key().unwrap();
    let r = api
        .http
        .get(format!("{}/v2/user", api.base))
        .header("x-vital-api-key", &old)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = api
        .http
        .get(format!("{}/v2/user", api.base))
        .header("x-vital-api-key", &new)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn users_link_tokens_demo_connection_and_data() {
    let h = start(30).await;
    let api = Api::new(&h).await;
    let (s, u) = api
        .post(
            "/v2/user",
            json!({"client_user_id": "sdk-user", "fallback_time_zone": null}),
        )
        .await;
    assert_eq!(s, 200, "{u}");
    let uid = u["user_id"].as_str().unwrap().to_string();
    for k in [
        "user_id",
        "team_id",
        "client_user_id",
        "created_on",
        "connected_sources",
    ] {
        assert!(u.get(k).is_some(), "user lacks {k}");
    }
    // A duplicate is a 400 naming the existing user.
    let (s, d) = api
        .post("/v2/user", json!({"client_user_id": "sdk-user"}))
        .await;
    assert_eq!(s, 400);
    assert_eq!(d["detail"]["user_id"], uid.as_str());
    assert_eq!(
        api.get("/v2/user/resolve/sdk-user").await.1["user_id"],
        uid.as_str()
    );
    assert_eq!(api.get("/v2/user?offset=0&limit=10").await.1["total"], 1);

    // Link tokens: trailing slash and the 1.x `user_key` both work.
    let (s, t) = api
        .post(
            "/v2/link/token/",
            json!({"user_key": uid, "provider": null, "redirect_url": "https://example.com/done"}),
        )
        .await;
    assert_eq!(s, 200, "{t}");
    assert!(t["link_web_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/link/?token=", api.base)));
    let valid: Value = api
        .http
        .post(format!("{}/v2/link/token/isValid", api.base))
        .json(&json!({"token": t["link_token"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(valid["valid"], true);

    // Demo connection (sandbox), then the backfill.
    let (s, demo) = api
        .post(
            "/v2/link/connect/demo",
            json!({"user_id": uid, "provider": "oura"}),
        )
        .await;
    assert_eq!(s, 200, "{demo}");
    h.app.wait_background().await;
    let (_, prov) = api.get(&format!("/v2/user/providers/{uid}")).await;
    assert_eq!(prov["providers"][0]["slug"], "oura");
    assert_eq!(prov["providers"][0]["status"], "connected");

    // Summaries equal what the store holds; raw payloads are the provider's documents.
    let want = expected("sdk-user", now().date_naive() - chrono::Duration::days(29));
    let (_, sleep) = api
        .get(&format!(
            "/v2/summary/sleep/{uid}?start_date=2026-10-01&end_date=2026-11-21"
        ))
        .await;
    let nights = sleep["sleep"].as_array().unwrap();
    assert_eq!(nights.len(), want.sleep_docs);
    let (_, raw) = api
        .get(&format!(
            "/v2/summary/sleep/{uid}/raw?start_date=2026-10-01&end_date=2026-11-21"
        ))
        .await;
    let raws = raw["sleep"].as_array().unwrap();
    let sleep_raw = raws
        .iter()
        .filter(|r| r["provider_collection"] == "sleep")
        .count();
    assert_eq!(sleep_raw, want.sleep_docs);
    assert!(raws
        .iter()
        .any(|r| r["data"]["sleep_phase_5_min"].is_string()));
    let (_, act) = api
        .get(&format!("/v2/summary/activity/{uid}?start_date=2026-10-01"))
        .await;
    assert_eq!(
        act["activity"].as_array().unwrap().len(),
        want.activity_days
    );
    let (s, prof) = api.get(&format!("/v2/summary/profile/{uid}")).await;
    assert_eq!(s, 200, "{prof}");
    assert!(prof["height"].as_i64().unwrap() > 100);

    // Sleep stream: the hypnogram covers the night in 5-minute stages.
    let first = &nights[nights.len() - 1];
    let (_, stream) = api
        .get(&format!(
            "/v2/timeseries/sleep/{}/stream",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        stream["hypnogram"].as_array().unwrap().len() as i64 * 300,
        first["duration"].as_i64().unwrap() / 300 * 300
    );

    // Grouped (paged by cursor) and flat heart rate agree.
    let q = "start_date=2026-11-10&end_date=2026-11-19";
    let (_, flat) = api
        .get(&format!("/v2/timeseries/{uid}/heartrate?{q}"))
        .await;
    let flat_n = flat.as_array().unwrap().len();
    let mut grouped_n = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v2/timeseries/{uid}/heartrate/grouped?{q}&next_cursor={c}"),
            None => format!("/v2/timeseries/{uid}/heartrate/grouped?{q}"),
        };
        let (_, g) = api.get(&path).await;
        grouped_n += g["groups"]["oura"][0]["data"]
            .as_array()
            .map_or(0, |d| d.len());
        match g["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert!(flat_n > 2500, "ten days of 5-minute heart rate: {flat_n}");
    assert_eq!(grouped_n, flat_n);

    // Introspection shows the backfill as done.
    let (_, hist) = api
        .get(&format!("/v2/introspect/historical_pull?user_id={uid}"))
        .await;
    assert_eq!(
        hist["data"][0]["provider"]["oura"]["pulled"]["sleep"]["status"],
        "success"
    );
    let (_, res) = api
        .get(&format!("/v2/introspect/resources?user_id={uid}"))
        .await;
    assert_eq!(
        res["data"][0]["provider"]["oura"]["heartrate"]["sent_count"]
            .as_i64()
            .unwrap() as usize,
        h.app.store.counts(&uid).unwrap().heartrate as usize
    );

    // Deregister keeps the data but ends the connection; delete removes everything.
    let (s, _) = api
        .call(
            reqwest::Method::DELETE,
            &format!("/v2/user/{uid}/oura"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        api.get(&format!("/v2/user/providers/{uid}")).await.1["providers"],
        json!([])
    );
    assert!(h.app.store.counts(&uid).unwrap().sleep > 0);
    let (s, _) = api
        .call(reqwest::Method::DELETE, &format!("/v2/user/{uid}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(api.get(&format!("/v2/user/{uid}")).await.0, 404);
}

#[tokio::test]
async fn bad_input_gets_clear_errors() {
    let h = start(2).await;
    let api = Api::new(&h).await;
    let (_, u) = api
        .post("/v2/user", json!({"client_user_id": "bad-input"}))
        .await;
    let uid = u["user_id"].as_str().unwrap();
    assert_eq!(
        api.get("/v2/user/00000000-0000-0000-0000-000000000000")
            .await
            .0,
        404
    );
    let (s, e) = api
        .get(&format!("/v2/summary/sleep/{uid}?start_date=yesterday"))
        .await;
    assert_eq!(s, 422);
    assert!(e["detail"][0]["msg"]
        .as_str()
        .unwrap()
        .contains("is not a date"));
    assert_eq!(
        api.get(&format!("/v2/summary/sleep/{uid}")).await.0,
        422,
        "start_date is required"
    );
    let (s, e) = api.post("/v2/user", json!({"client_user_id": 5})).await;
    assert_eq!(s, 422, "{e}");
    // Oversized body.
    let big = "x".repeat(2 * 1024 * 1024);
    let (s, _) = api.post("/v2/user", json!({"client_user_id": big})).await;
    assert_eq!(s, 413);
    // Gzip bodies are accepted (the mobile SDKs send them).
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"client_user_id": "zipped"}"#).unwrap();
    let r = api
        .http
        .post(format!("{}/v2/user", api.base))
        .header("x-vital-api-key", &api.key)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Expired and reused link tokens.
    let (_, t) = api.post("/v2/link/token", json!({"user_id": uid})).await;
    let token = t["link_token"].as_str().unwrap();
    h.app
        .store
        .write(|tx| Ok(tx.execute("UPDATE link_tokens SET expires_at = 0", [])?))
        .unwrap();
    let r = api
        .http
        .get(format!("{}/v2/link/providers", api.base))
        .header("x-vital-link-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"]["error_type"],
        "token_expired"
    );
}

/// A user with a year of sandbox Oura data (heart rate every five minutes, with gaps).
async fn year_of_heart_rate() -> (Harness, String) {
    let h = start(365).await;
    let user = h.app.store.create_user("a-year").unwrap();
    h.app.connect_demo(&user.user_id, "oura").await.unwrap();
    h.app.wait_background().await;
    (h, user.user_id)
}

/// Latencies in ms of `n` sequential keyed GETs of `url`, from a runtime of its own so the
/// client's timing does not depend on the server's threads.
fn latencies(url: String, key: String, n: usize) -> Vec<f64> {
    on_own_runtime(async move {
        let http = reqwest::Client::new();
        let mut ms = Vec::with_capacity(n);
        for _ in 0..n {
            let t = std::time::Instant::now();
            let r = http
                .get(&url)
                .header("x-vital-api-key", &key)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
        ms
    })
    .join()
    .unwrap()
}

/// Runs `f` on a thread with a runtime of its own.
fn on_own_runtime<T: Send + 'static>(
    f: impl std::future::Future<Output = T> + Send + 'static,
) -> std::thread::JoinHandle<T> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    })
}

fn p99(sorted: &[f64]) -> f64 {
    sorted[((sorted.len() - 1) as f64 * 0.99).round() as usize]
}

/// `clients` loops of keyed GETs of `url` on a thread of their own until `stop`; returns how
/// many answers came back.
fn heavy_load(
    url: String,
    key: String,
    clients: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    on_own_runtime(async move {
        let http = reqwest::Client::new();
        let loops = (0..clients).map(|_| {
            let (http, url, key, stop) = (http.clone(), url.clone(), key.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let r = http.get(&url).header("x-vital-api-key", &key).send().await;
                    assert_eq!(
                        r.unwrap().bytes().await.map(|b| b.len() > 1000).ok(),
                        Some(true)
                    );
                    n += 1;
                }
                n
            })
        });
        let mut total = 0;
        for l in loops.collect::<Vec<_>>() {
            total += l.await.unwrap();
        }
        total
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heavy_timeseries_reads_do_not_stall_light_routes() {
    let (h, uid) = year_of_heart_rate().await;
    let (base, key) = (h.app.api_base_url(), h.app.api_key().unwrap());
    let light = format!("{base}/v2/user");
    // Four months of heart rate in one flat answer: legal, and heavy.
    let heavy =
        format!("{base}/v2/timeseries/{uid}/heartrate?start_date=2026-07-01&end_date=2026-10-31");
    latencies(light.clone(), key.clone(), 20); // warm-up
    let alone = latencies(light.clone(), key.clone(), 200);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = heavy_load(heavy, key.clone(), 4, stop.clone());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let t = std::time::Instant::now();
    let loaded = latencies(light, key, 200);
    let secs = t.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let heavy_done = load.join().unwrap();
    let (p_alone, p_loaded) = (p99(&alone), p99(&loaded));
    println!(
        "/v2/user alone: p99 {p_alone:.2} ms; beside 4 flat four-month heart-rate readers: p99 {p_loaded:.2} ms, slowest {:.2} ms, {:.0} req/s ({heavy_done} heavy answers)",
        loaded[loaded.len() - 1],
        200.0 / secs
    );
    assert!(heavy_done > 0, "the heavy readers were answered");
    assert!(
        p_loaded <= 10.0 * p_alone + 50.0,
        "a light route's p99 beside heavy reads ({p_loaded:.2} ms) stays near its p99 alone ({p_alone:.2} ms)"
    );
}

#[tokio::test]
async fn a_flat_timeseries_above_the_cap_is_refused_with_what_to_do() {
    let (h, uid) = year_of_heart_rate().await;
    let api = Api::new(&h).await;
    let year = "start_date=2025-11-21&end_date=2026-11-20";
    let (s, e) = api
        .get(&format!("/v2/timeseries/{uid}/heartrate?{year}"))
        .await;
    assert_eq!(s, 422, "a year of flat heart rate is refused");
    let msg = e["detail"][0]["msg"].as_str().unwrap();
    assert_eq!(e["detail"][0]["type"], "too_many_samples");
    assert!(
        msg.contains("50000") && msg.contains("shorter range") && msg.contains("/grouped"),
        "the error names the cap and the ways round it: {msg}"
    );
    // The grouped route pages the same year with next_cursor; a week stays one flat answer.
    let (s, g) = api
        .get(&format!("/v2/timeseries/{uid}/heartrate/grouped?{year}"))
        .await;
    assert_eq!(s, 200);
    assert!(
        g["next_cursor"].is_string(),
        "a year of grouped samples has a next page"
    );
    let (s, week) = api
        .get(&format!(
            "/v2/timeseries/{uid}/heartrate?start_date=2026-11-14&end_date=2026-11-20"
        ))
        .await;
    assert_eq!(s, 200);
    assert!(week.as_array().unwrap().len() > 1000);
}
