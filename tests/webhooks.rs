//! Webhooks over real loopback HTTP: Vital's envelope, Svix headers, retries on Svix's
//! schedule, and the events a connection produces (created, historical, daily).
mod common;

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use common::*;
use serde_json::Value;
use vital_link::sandbox_browser::{complete, Choice};

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    fail_first: Arc<Mutex<u32>>,
}

async fn receiver(fail_first: u32) -> (String, Receiver) {
    let r = Receiver {
        fail_first: Arc::new(Mutex::new(fail_first)),
        ..Default::default()
    };
    let state = r.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let mut left = state.fail_first.lock().unwrap();
                if *left > 0 {
                    *left -= 1;
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                state
                    .got
                    .lock()
                    .unwrap()
                    .push((headers, serde_json::from_str(&body).unwrap()));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let addr = vital_link::fake::serve(app).await.unwrap();
    (format!("http://{addr}/hook"), r)
}

fn events(r: &Receiver) -> Vec<String> {
    r.got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, v)| v["event_type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_connection_sends_signed_vital_events_and_a_failed_delivery_is_retried() {
    let h = start(10).await;
    let (url, rx) = receiver(1).await;
    let (_, secret) = h.app.add_webhook(&url, None).unwrap();
    assert!(secret.starts_with("whsec_"));
    vital_link::webhooks::start_worker(h.app.clone());

    let (token, oauth) = begin_link(&h.app, "hooked").await;
    complete(&oauth, &Choice::default()).await.unwrap();
    settle(&h.app, &token).await;
    h.app.wait_background().await;

    // The first attempt got a 500; Svix's schedule retries 5 seconds later.
    for _ in 0..100 {
        if events(&rx)
            .iter()
            .any(|e| e == "provider.connection.created")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let got = events(&rx);
    assert!(
        got.contains(&"provider.connection.created".to_string()),
        "{got:?}"
    );
    for r in ["sleep", "activity", "workouts", "heartrate"] {
        assert!(
            got.contains(&format!("historical.data.{r}.created")),
            "{r}: {got:?}"
        );
    }
    assert!(
        !got.iter().any(|e| e.starts_with("daily.")),
        "a backfill is not daily data: {got:?}"
    );
    let (headers, body) = rx.got.lock().unwrap()[0].clone();
    let user = h.app.store.user_by_client_id("hooked").unwrap();
    assert_eq!(body["user_id"], user.user_id.as_str());
    assert_eq!(body["client_user_id"], "hooked");
    assert_eq!(body["team_id"], h.app.team_id.as_str());
    let id = headers["svix-id"].to_str().unwrap();
    let ts: i64 = headers["svix-timestamp"].to_str().unwrap().parse().unwrap();
    assert!(headers["svix-signature"]
        .to_str()
        .unwrap()
        .starts_with("v1,"));
    let record = h.app.webhook_delivery(id).unwrap().unwrap();
    assert_eq!(record["status"], "delivered");
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);

    // Incremental data: a night missing from the store comes back as daily.data.sleep.created.
    let conn = h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .unwrap();
    let latest: String = h
        .app
        .store
        .read(|c| Ok(c.query_row("SELECT id FROM summaries WHERE resource = 'sleep' ORDER BY calendar_date DESC LIMIT 1", [], |r| r.get(0))?))
        .unwrap();
    h.app
        .store
        .write(|tx| Ok(tx.execute("DELETE FROM summaries WHERE id = ?1", [&latest])?))
        .unwrap();
    h.app.sync_connection(conn.id, None).await.unwrap();
    for _ in 0..50 {
        if events(&rx).iter().any(|e| e == "daily.data.sleep.created") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let daily: Vec<Value> = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["event_type"] == "daily.data.sleep.created")
        .map(|(_, v)| v["data"].clone())
        .collect();
    assert_eq!(daily.len(), 1);
    assert_eq!(daily[0]["id"], latest.as_str());
    assert_eq!(daily[0]["source"]["provider"], "oura");
}

#[tokio::test]
async fn endpoints_can_filter_events_and_be_removed() {
    let h = start(2).await;
    let (url, rx) = receiver(0).await;
    let (id, _) = h
        .app
        .add_webhook(&url, Some(vec!["provider.connection.*".into()]))
        .unwrap();
    vital_link::webhooks::start_worker(h.app.clone());
    let (token, oauth) = begin_link(&h.app, "filtered").await;
    complete(&oauth, &Choice::default()).await.unwrap();
    settle(&h.app, &token).await;
    h.app.wait_background().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(events(&rx), vec!["provider.connection.created".to_string()]);
    assert_eq!(h.app.webhooks().unwrap()[0].delivered, 1);
    h.app.remove_webhook(id).unwrap();
    assert!(h.app.webhooks().unwrap().is_empty());
    assert!(h.app.add_webhook("ftp://example.com", None).is_err());
}

#[tokio::test]
async fn a_delivery_waits_what_retry_after_asks() {
    let h = start(1).await;
    // The endpoint answers the first delivery 429 with `Retry-After: 2` (Svix's own schedule
    // would retry after 5 s), then accepts.
    let tries: Arc<Mutex<Vec<std::time::Instant>>> = Arc::default();
    let seen = tries.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let seen = seen.clone();
            async move {
                let mut t = seen.lock().unwrap();
                t.push(std::time::Instant::now());
                if t.len() == 1 {
                    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "2")])
                } else {
                    (StatusCode::NO_CONTENT, [("retry-after", "0")])
                }
            }
        }),
    );
    let addr = vital_link::fake::serve(app).await.unwrap();
    h.app
        .add_webhook(&format!("http://{addr}/hook"), None)
        .unwrap();
    vital_link::webhooks::start_worker(h.app.clone());
    h.app
        .emit_webhook("test.rate_limited", "nobody", serde_json::json!({}));
    let t0 = std::time::Instant::now();
    while tries.lock().unwrap().len() < 2 {
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(10),
            "no retry"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let t = tries.lock().unwrap().clone();
    let gap = t[1] - t[0];
    eprintln!("webhook Retry-After: 2 -> retried {gap:?} later");
    assert!(
        gap >= std::time::Duration::from_secs(1) && gap <= std::time::Duration::from_secs(3),
        "{gap:?}"
    );
}
