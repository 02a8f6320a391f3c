//! Sync under provider faults, over real loopback HTTP into a real SQLite file: rate limits
//! (short and long `Retry-After`), 500s, dropped connections, slow answers, access tokens that
//! expire mid-backfill, rotating refresh tokens, `invalid_grant`. Each test ends with the store
//! complete and duplicate-free (counts equal to what the generator served) or the connection in
//! the right state.
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Days;
use common::*;
use vital_link::fake::faults::Faults;
use vital_link::sandbox_browser::{complete, Choice};
use vital_link::states::ConnectionStatus;
use vital_link::App;

/// Connects `login` through the sandbox consent page and waits for the first sync to end.
async fn connect(h: &Harness, login: &str) -> (String, i64) {
    let (token, url) = begin_link(&h.app, login).await;
    complete(&url, &Choice::default()).await.unwrap();
    assert_eq!(settle(&h.app, &token).await.state.as_str(), "success");
    h.app.wait_background().await;
    let user = h.app.store.user_by_client_id(login).unwrap();
    let conn = h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .unwrap();
    (user.user_id, conn.id)
}

fn faults(h: &Harness, f: Faults) {
    vital_link::sandbox(&h.app).fakes["oura"].faults.set(f);
}

/// The store holds exactly what the provider served for `login` over `days` days.
fn assert_complete(app: &Arc<App>, user_id: &str, login: &str, days: i64) {
    let want = expected(login, now().date_naive() - Days::days(days - 1));
    let got = app.store.counts(user_id).unwrap();
    assert_eq!(got.sleep as usize, want.sleep_docs, "sleep");
    assert_eq!(got.activity as usize, want.activity_days, "activity");
    assert_eq!(got.workouts as usize, want.workouts, "workouts");
    assert_eq!(got.heartrate as usize, want.heartrate, "heartrate");
    assert_eq!(got.hrv as usize, want.hrv, "hrv");
}

/// A second sync finds nothing new: nothing was missing, nothing is written twice.
async fn assert_resync_is_a_no_op(app: &Arc<App>, conn: i64) {
    let r = app.sync_connection(conn, None).await.unwrap();
    assert_eq!(r.status, "connected", "{:?}", r.errors);
    assert_eq!(r.written.summaries_written, 0);
    assert_eq!(r.written.samples_written, 0);
}

fn events(app: &Arc<App>, kind: &str) -> Vec<serde_json::Value> {
    app.store
        .events(10_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.detail)
        .collect()
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out_and_the_backfill_completes() {
    let h = start(30).await;
    faults(
        &h,
        Faults {
            rate_limit_retry_after: Some(1),
            after_pages: Some(3),
            fault_count: Some(2),
            ..Default::default()
        },
    );
    let t = Instant::now();
    let (user, conn) = connect(&h, "limited-short").await;
    assert_eq!(
        vital_link::sandbox(&h.app).fakes["oura"]
            .faults
            .faults_served(),
        2
    );
    // Two answers of `Retry-After: 1` were honoured.
    assert!(t.elapsed() >= Duration::from_secs(2), "{:?}", t.elapsed());
    let c = h.app.store.connection(conn).unwrap();
    assert_eq!(c.sync_status, "connected", "{:?}", c.error_message);
    assert_complete(&h.app, &user, "limited-short", 30);
    assert_resync_is_a_no_op(&h.app, conn).await;
}

#[tokio::test]
async fn a_long_retry_after_ends_the_run_and_schedules_the_next_after_the_wait() {
    let h = start(30).await;
    faults(
        &h,
        Faults {
            rate_limit_retry_after: Some(3600),
            after_pages: Some(3),
            ..Default::default()
        },
    );
    let t = Instant::now();
    let (user, conn) = connect(&h, "limited-long").await;
    // No hour-long sleep: the run ends at once.
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    let c = h.app.store.connection(conn).unwrap();
    assert_eq!(c.status, ConnectionStatus::Error);
    assert_eq!(c.sync_status, "error: rate_limited");
    let next = c.next_sync_at.unwrap();
    let wait = next - vital_link::store::now_ms();
    assert!(
        (3_500_000..=3_700_000).contains(&wait),
        "next run in {wait} ms"
    );
    // Not due before then.
    assert!(h
        .app
        .store
        .connections_due(vital_link::store::now_ms())
        .unwrap()
        .iter()
        .all(|d| d.id != conn));
    let partial = h.app.store.counts(&user).unwrap();
    // Once the provider lets us in again, the run completes what was missing.
    faults(&h, Faults::default());
    let r = h.app.sync_connection(conn, None).await.unwrap();
    assert_eq!(r.status, "connected");
    assert!(r.written.samples_written as i64 >= 0);
    assert!(h.app.store.counts(&user).unwrap().heartrate >= partial.heartrate);
    assert_complete(&h.app, &user, "limited-long", 30);
    assert_resync_is_a_no_op(&h.app, conn).await;
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_and_nothing_is_lost() {
    let h = start(30).await;
    faults(
        &h,
        Faults {
            server_error: true,
            after_pages: Some(4),
            fault_count: Some(2),
            ..Default::default()
        },
    );
    let (user, conn) = connect(&h, "five-hundred").await;
    assert_eq!(
        vital_link::sandbox(&h.app).fakes["oura"]
            .faults
            .faults_served(),
        2
    );
    assert_eq!(
        h.app.store.connection(conn).unwrap().sync_status,
        "connected"
    );
    assert_complete(&h.app, &user, "five-hundred", 30);
    assert_resync_is_a_no_op(&h.app, conn).await;
}

#[tokio::test]
async fn a_provider_down_for_longer_than_the_retries_ends_in_error_then_recovers() {
    let h = start(30).await;
    faults(
        &h,
        Faults {
            server_error: true,
            after_pages: Some(3),
            ..Default::default()
        },
    );
    let (user, conn) = connect(&h, "outage").await;
    let c = h.app.store.connection(conn).unwrap();
    assert_eq!(c.sync_status, "error: provider_unavailable");
    // The next run comes within the retry delay after a failure, not an hour later.
    assert!(c.next_sync_at.unwrap() - vital_link::store::now_ms() <= 10 * 60 * 1000);
    faults(&h, Faults::default());
    let r = h.app.sync_connection(conn, None).await.unwrap();
    assert_eq!(r.status, "connected");
    assert_complete(&h.app, &user, "outage", 30);
}

#[tokio::test]
async fn dropped_connections_mid_response_are_retried() {
    let h = start(30).await;
    faults(
        &h,
        Faults {
            drop_connection: true,
            after_pages: Some(5),
            fault_count: Some(2),
            ..Default::default()
        },
    );
    let (user, conn) = connect(&h, "reset").await;
    assert_eq!(
        vital_link::sandbox(&h.app).fakes["oura"]
            .faults
            .faults_served(),
        2
    );
    assert_eq!(
        h.app.store.connection(conn).unwrap().sync_status,
        "connected"
    );
    assert_complete(&h.app, &user, "reset", 30);
    assert_resync_is_a_no_op(&h.app, conn).await;
}

#[tokio::test]
async fn slow_answers_still_complete_and_show_backfill_progress() {
    let h = start(90).await;
    faults(
        &h,
        Faults {
            slow_ms: Some(150),
            ..Default::default()
        },
    );
    let (token, url) = begin_link(&h.app, "slowcoach").await;
    complete(&url, &Choice::default()).await.unwrap();
    assert_eq!(settle(&h.app, &token).await.state.as_str(), "success");
    let user = h.app.store.user_by_client_id("slowcoach").unwrap();
    // While the backfill runs, status screens say how far it has got.
    let mut seen = vec![];
    for _ in 0..400 {
        if let Some(c) = h.app.store.connection_for(&user.user_id, "oura").unwrap() {
            if seen.last() != Some(&c.sync_status) {
                seen.push(c.sync_status.clone());
            }
            if c.sync_status == "connected" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    h.app.wait_background().await;
    assert!(
        seen.iter().any(|s| s.starts_with("backfilling ")),
        "{seen:?}"
    );
    let conn = h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .unwrap();
    assert_eq!(conn.sync_status, "connected");
    assert_eq!(conn.backfill_progress, None);
    assert!(conn.last_sync_at.is_some() && conn.next_sync_at.is_some());
    assert_complete(&h.app, &user.user_id, "slowcoach", 90);
}

#[tokio::test]
async fn access_tokens_expiring_mid_backfill_are_refreshed_and_rotated() {
    let h = start(90).await;
    // Two-second access tokens, slow answers: the token expires many times during the backfill.
    faults(
        &h,
        Faults {
            access_token_ttl: Some(2),
            slow_ms: Some(250),
            ..Default::default()
        },
    );
    let (user, conn) = connect(&h, "short-lived").await;
    let c = h.app.store.connection(conn).unwrap();
    assert_eq!(c.sync_status, "connected", "{:?}", c.error_message);
    let refreshed = events(&h.app, "token.refreshed");
    assert!(refreshed.len() >= 2, "{}", refreshed.len());
    assert!(refreshed.iter().all(|e| e["rotated"] == true));
    assert_complete(&h.app, &user, "short-lived", 90);
}

#[tokio::test]
async fn a_401_refreshes_once_commits_the_rotated_token_and_resumes() {
    let h = start(30).await;
    let (user, conn) = connect(&h, "revoked").await;
    let before = h.app.store.tokens(&h.app.vault, conn).unwrap();
    // The provider forgets the access token (as after a server-side expiry): the next page
    // answers 401.
    let fake = vital_link::sandbox(&h.app).fakes["oura"]
        .oura
        .clone()
        .unwrap();
    assert!(fake.auth.revoke(&before.access_token));
    let r = h.app.sync_connection(conn, None).await.unwrap();
    assert_eq!(r.status, "connected", "{:?}", r.errors);
    assert_eq!(events(&h.app, "token.refreshed").len(), 1);
    let after = h.app.store.tokens(&h.app.vault, conn).unwrap();
    assert_ne!(after.access_token, before.access_token);
    // The refresh token rotated, and the new one was stored: the spent one is refused now.
    assert_ne!(after.refresh_token, before.refresh_token);
    let cfg = h
        .app
        .client_config(h.app.provider("oura").unwrap().as_ref())
        .unwrap();
    let reuse = vital_link::oauth::client::refresh(
        &h.app.http,
        &cfg,
        before.refresh_token.as_deref().unwrap(),
    )
    .await;
    assert_eq!(reuse.err().unwrap().code, "invalid_grant");
    assert_complete(&h.app, &user, "revoked", 30);
}

#[tokio::test]
async fn concurrent_refreshes_of_one_connection_are_single_flight() {
    let h = start(2).await;
    let (_, conn) = connect(&h, "crowd").await;
    let row = h.app.store.connection(conn).unwrap();
    let stale = h.app.store.tokens(&h.app.vault, conn).unwrap().access_token;
    let fake = vital_link::sandbox(&h.app).fakes["oura"]
        .oura
        .clone()
        .unwrap();
    fake.auth.revoke(&stale);
    // Eight jobs all got a 401 with the same token at once. Oura's refresh tokens are single
    // use: without single-flight, seven of them would spend a used token (invalid_grant).
    let mut jobs = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (app, row, stale) = (h.app.clone(), row.clone(), stale.clone());
        jobs.spawn(async move {
            let p = app.provider("oura").unwrap();
            app.fresh_tokens(&row, p.as_ref(), Some(&stale))
                .await
                .map(|t| t.access_token)
        });
    }
    let mut got = vec![];
    while let Some(r) = jobs.join_next().await {
        got.push(r.unwrap().expect("every job gets a usable token"));
    }
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 1, "all jobs use the one new token");
    assert_ne!(got[0], stale);
    assert_eq!(events(&h.app, "token.refreshed").len(), 1);
}

#[tokio::test]
async fn invalid_grant_on_refresh_marks_reauth_required_and_fires_the_error_event() {
    let h = start(10).await;
    let (hook, _) = h
        .app
        .add_webhook("http://127.0.0.1:9/unreachable", None)
        .unwrap();
    let (user, conn) = connect(&h, "expired-grant").await;
    let t = h.app.store.tokens(&h.app.vault, conn).unwrap();
    let fake = vital_link::sandbox(&h.app).fakes["oura"]
        .oura
        .clone()
        .unwrap();
    fake.auth.revoke(&t.access_token);
    faults(
        &h,
        Faults {
            invalid_grant: true,
            ..Default::default()
        },
    );
    let r = h.app.sync_connection(conn, None).await.unwrap();
    assert_eq!(r.status, "reauth_required");
    let c = h.app.store.connection(conn).unwrap();
    assert_eq!(c.sync_status, "reauth_required");
    assert_eq!(c.next_sync_at, None);
    let errs = events(&h.app, "provider.connection.error");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0]["error_type"], "token_refresh_failed");
    // The webhook is queued for delivery (Vital's payload shape).
    let payload: String = h
        .app
        .store
        .read(move |c| {
            Ok(c.query_row(
                "SELECT payload FROM webhook_deliveries WHERE endpoint_id = ?1 AND event_type = 'provider.connection.error'",
                [hook],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(v["user_id"], user.as_str());
    assert_eq!(v["data"]["provider"]["slug"], "oura");
    assert_eq!(v["data"]["error_type"], "token_refresh_failed");
    // The scheduler leaves it alone and a user-wide sync skips it until the user reconnects.
    assert!(h
        .app
        .store
        .connections_due(i64::MAX)
        .unwrap()
        .iter()
        .all(|d| d.id != conn));
    assert!(h.app.sync_user(Some(&user)).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_interrupted_backfill_resumes_where_it_stopped() {
    let h = start(120).await;
    faults(
        &h,
        Faults {
            malformed_json: true,
            after_pages: Some(9),
            ..Default::default()
        },
    );
    let (user, conn) = connect(&h, "resumer").await;
    let c = h.app.store.connection(conn).unwrap();
    assert_eq!(c.sync_status, "error: provider_malformed_response");
    let progress = c.backfill_progress.unwrap();
    assert!((1..100).contains(&progress), "{progress}");
    let cursors = h.app.store.cursors(conn).unwrap();
    let sleep = cursors.iter().find(|c| c.resource == "sleep").unwrap();
    assert!(
        sleep.oldest_day.as_deref().unwrap() > sleep.backfill_target.as_deref().unwrap(),
        "{sleep:?}"
    );
    // The newest days came first.
    assert!(sleep.newest_day.as_deref() >= Some(now().date_naive().to_string().as_str()));
    // The window reached into tomorrow (UTC); the connection's details say "through today".
    let local_today = now().with_timezone(&chrono::Local).date_naive().to_string();
    let shown = h.app.connection_details(conn).unwrap().cursors;
    assert!(
        shown
            .iter()
            .all(|c| c.newest_day.as_deref() <= Some(local_today.as_str())),
        "{shown:?}"
    );
    assert!(shown
        .iter()
        .any(|c| c.newest_day.as_deref() == Some(local_today.as_str())));
    faults(&h, Faults::default());
    let r = h.app.sync_connection(conn, None).await.unwrap();
    assert_eq!(r.status, "connected");
    assert_complete(&h.app, &user, "resumer", 120);
    // The resumed run fetched what was missing, not the whole history again.
    let fresh = start(120).await;
    connect(&fresh, "resumer").await;
    let full_pages = events(&fresh.app, "sync.finished")[0]["pages"]
        .as_u64()
        .unwrap();
    assert!(
        (r.pages as u64) < full_pages,
        "resumed {} pages, a full backfill {full_pages}",
        r.pages
    );
    assert_eq!(
        h.app.store.connection(conn).unwrap().backfill_progress,
        None
    );
}

#[tokio::test]
async fn the_scheduler_runs_due_connections_and_sets_the_next_run() {
    let h = start(5).await;
    let (_, conn) = connect(&h, "scheduled").await;
    let first = h.app.store.connection(conn).unwrap();
    h.app.store.set_next_sync(conn, Some(0)).unwrap();
    vital_link::scheduler::start(h.app.clone(), Duration::from_secs(1800));
    let mut ran = None;
    for _ in 0..100 {
        let c = h.app.store.connection(conn).unwrap();
        if c.last_attempt_at > first.last_attempt_at && c.status == ConnectionStatus::Connected {
            ran = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let c = ran.expect("the scheduler ran the due connection");
    let wait = c.next_sync_at.unwrap() - vital_link::store::now_ms();
    assert!((1_700_000..=1_800_000).contains(&wait), "{wait}");
}

#[tokio::test]
async fn introspection_and_participants_show_status_last_success_and_next_run() {
    let h = start(3).await;
    let (user, _) = connect(&h, "introspected").await;
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/v2/introspect/historical_pull?user_id={user}",
            h.app.api_base_url()
        ))
        .header("x-vital-api-key", h.app.api_key().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sync = &v["data"][0]["sync"]["oura"];
    assert_eq!(sync["status"], "connected", "{v}");
    assert!(sync["last_success"].as_str().unwrap().starts_with("20"));
    assert!(sync["next_run"].as_str().unwrap().starts_with("20"));
    let o = h.app.overview().unwrap();
    let p = o
        .participants
        .iter()
        .find(|p| p.client_user_id == "introspected")
        .unwrap();
    assert_eq!(p.connections[0].sync_status, "connected");
    assert!(p.connections[0].next_sync_at.is_some());
    assert!(!o.forward.enabled);
}

#[tokio::test]
async fn connections_sync_concurrently_so_one_slow_one_does_not_hold_up_the_rest() {
    let h = start(3).await;
    for i in 0..3 {
        connect(&h, &format!("parallel-{i}")).await;
    }
    faults(
        &h,
        Faults {
            slow_ms: Some(300),
            ..Default::default()
        },
    );
    let t = Instant::now();
    let only = h
        .app
        .sync_connection(h.app.store.connections(None).unwrap()[0].id, None)
        .await
        .unwrap();
    let one = t.elapsed();
    assert_eq!(only.status, "connected");
    let t = Instant::now();
    let reports = h.app.sync_user(None).await.unwrap();
    let all = t.elapsed();
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| r.status == "connected"));
    assert!(
        all < one * 2,
        "three connections took {all:?}, one alone {one:?}"
    );
}
