//! The sandbox link flow end to end over real loopback HTTP and a real SQLite file: OAuth with
//! PKCE and state through the loopback listener, then a 30-day backfill from the fake Oura.
mod common;

use chrono::Duration;
use common::*;
use vital_link::fake::faults::Faults;
use vital_link::sandbox_browser::{complete, Choice};

#[tokio::test]
async fn connect_backfills_exactly_what_the_provider_served_and_resync_adds_nothing() {
    let h = start(30).await;
    let (token, url) = begin_link(&h.app, "participant-001").await;
    let title = complete(&url, &Choice::default()).await.unwrap();
    assert_eq!(title, "You can return to Vital Link");
    let s = settle(&h.app, &token).await;
    assert_eq!(s.state.as_str(), "success", "{s:?}");
    h.app.wait_background().await;

    let user = h.app.store.user_by_client_id("participant-001").unwrap();
    let conn = h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .unwrap();
    assert_eq!(
        conn.status.as_str(),
        "connected",
        "{:?}",
        conn.error_message
    );
    assert!(conn.external_user_id.is_some());

    let first = now().date_naive() - Duration::days(29);
    let want = expected("participant-001", first);
    let got = h.app.store.counts(&user.user_id).unwrap();
    assert_eq!(got.sleep as usize, want.sleep_docs);
    assert_eq!(got.activity as usize, want.activity_days);
    assert_eq!(got.workouts as usize, want.workouts);
    assert_eq!(got.heartrate as usize, want.heartrate);
    assert_eq!(got.hrv as usize, want.hrv);
    assert!(
        want.sleep_docs >= 30 && want.heartrate > 25 * 270,
        "a month of data: {}",
        want.heartrate
    );

    // A second sync finds nothing new and changes nothing.
    let report = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(report.written.summaries_written, 0);
    assert_eq!(report.written.samples_written, 0);
    assert_eq!(h.app.store.counts(&user.user_id).unwrap(), got);

    // The data reads back in Vital's shape.
    let range =
        vital_link::shapes::parse_range(&first.to_string(), None, now().date_naive()).unwrap();
    let sleep = vital_link::shapes::summaries(&h.app, &user.user_id, "sleep", range, None).unwrap();
    let nights = sleep["sleep"].as_array().unwrap();
    assert_eq!(nights.len(), want.sleep_docs);
    let n = &nights[0];
    for f in [
        "id",
        "user_id",
        "date",
        "calendar_date",
        "bedtime_start",
        "bedtime_stop",
        "type",
        "duration",
        "total",
        "awake",
        "light",
        "rem",
        "deep",
        "source",
        "created_at",
        "updated_at",
    ] {
        assert!(!n[f].is_null(), "sleep is missing {f}: {n}");
    }
    assert_eq!(
        n["total"].as_i64().unwrap(),
        n["light"].as_i64().unwrap() + n["rem"].as_i64().unwrap() + n["deep"].as_i64().unwrap()
    );
}

#[tokio::test]
async fn denied_consent_ends_as_an_exit_and_connects_nothing() {
    let h = start(30).await;
    let (token, url) = begin_link(&h.app, "denier").await;
    let title = complete(
        &url,
        &Choice {
            deny: true,
            untick: vec![],
        },
    )
    .await
    .unwrap();
    assert_eq!(title, "Connection not completed");
    let s = settle(&h.app, &token).await;
    assert_eq!(s.state.as_str(), "exited");
    assert_eq!(s.error_type.as_deref(), Some("user_cancelled"));
    assert!(s.error.unwrap().contains("declined"));
    let user = h.app.store.user_by_client_id("denier").unwrap();
    assert!(h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn forged_state_is_refused_and_the_real_callback_still_completes() {
    let h = start(2).await;
    let (token, url) = begin_link(&h.app, "forged").await;
    let redirect = redirect_uri_of(&url);
    let forged = reqwest::get(format!("{redirect}?code=stolen&state=not-the-state"))
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert!(forged
        .text()
        .await
        .unwrap()
        .contains("state does not match"));
    assert_eq!(h.app.link_state(&token).unwrap().state.as_str(), "pending");
    complete(&url, &Choice::default()).await.unwrap();
    assert_eq!(settle(&h.app, &token).await.state.as_str(), "success");
    // The listener is closed after the flow: nothing answers any more.
    assert!(reqwest::get(format!("{redirect}?code=again&state=x"))
        .await
        .is_err());
    h.app.wait_background().await;
}

#[tokio::test]
async fn unticking_a_required_scope_is_reported_as_such() {
    let h = start(2).await;
    let (token, url) = begin_link(&h.app, "stingy").await;
    complete(
        &url,
        &Choice {
            deny: false,
            untick: vec!["daily".into()],
        },
    )
    .await
    .unwrap();
    let s = settle(&h.app, &token).await;
    assert_eq!(s.state.as_str(), "error");
    assert_eq!(s.error_type.as_deref(), Some("required_scopes_not_granted"));
}

#[tokio::test]
async fn authorize_timeout_closes_the_listener_with_a_clear_error() {
    let h = start_with(2, |c| {
        c.oauth_timeout = std::time::Duration::from_millis(600)
    })
    .await;
    let (token, url) = begin_link(&h.app, "slowpoke").await;
    let s = settle(&h.app, &token).await;
    assert_eq!(s.state.as_str(), "error");
    assert_eq!(s.error_type.as_deref(), Some("authorization_timeout"));
    assert!(
        reqwest::get(redirect_uri_of(&url)).await.is_err(),
        "listener must be closed"
    );
}

#[tokio::test]
async fn invalid_grant_at_the_token_endpoint_fails_the_link_and_stores_nothing() {
    let h = start(2).await;
    vital_link::sandbox(&h.app).fakes["oura"]
        .faults
        .set(Faults {
            invalid_grant: true,
            ..Default::default()
        });
    let (token, url) = begin_link(&h.app, "grantless").await;
    complete(&url, &Choice::default()).await.unwrap();
    let s = settle(&h.app, &token).await;
    assert_eq!(s.state.as_str(), "error");
    assert_eq!(s.error_type.as_deref(), Some("invalid_grant"));
    assert!(s.error.unwrap().contains("connect the provider again"));
    let user = h.app.store.user_by_client_id("grantless").unwrap();
    assert!(h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn malformed_page_mid_backfill_keeps_earlier_pages_and_marks_the_connection() {
    let h = start(30).await;
    // Two data responses succeed (personal_info and the first daily_sleep), then garbage.
    vital_link::sandbox(&h.app).fakes["oura"]
        .faults
        .set(Faults {
            malformed_json: true,
            after_pages: Some(3),
            ..Default::default()
        });
    let (token, url) = begin_link(&h.app, "broken").await;
    complete(&url, &Choice::default()).await.unwrap();
    assert_eq!(settle(&h.app, &token).await.state.as_str(), "success");
    h.app.wait_background().await;
    let user = h.app.store.user_by_client_id("broken").unwrap();
    let conn = h
        .app
        .store
        .connection_for(&user.user_id, "oura")
        .unwrap()
        .unwrap();
    assert_eq!(conn.status.as_str(), "error");
    assert_eq!(
        conn.error_type.as_deref(),
        Some("provider_malformed_response")
    );
    assert!(conn
        .error_message
        .unwrap()
        .contains("pages before it were kept"));
    let partial = h.app.store.counts(&user.user_id).unwrap();
    assert!(partial.sleep > 0, "the page before the bad one was kept");
    // Once the provider recovers, the next sync completes without duplicating anything.
    vital_link::sandbox(&h.app).fakes["oura"]
        .faults
        .set(Faults::default());
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(r.status, "connected");
    let want = expected("broken", now().date_naive() - Duration::days(29));
    let full = h.app.store.counts(&user.user_id).unwrap();
    assert_eq!(full.sleep as usize, want.sleep_docs);
    assert_eq!(full.heartrate as usize, want.heartrate);
}

#[tokio::test]
async fn data_dir_that_cannot_be_created_is_reported_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let config = vital_link::config::Config::new(file.join("data"));
    let err = vital_link::start(config, vital_link::clock::Clock::system())
        .await
        .err()
        .unwrap();
    assert_eq!(err.code, "data_dir_not_writable");
    assert!(err.message.contains("--data-dir"));
}

#[tokio::test]
async fn starting_again_supersedes_the_earlier_attempt() {
    let h = start(2).await;
    let (token, first_url) = begin_link(&h.app, "twice").await;
    let second = h.app.link_start(&token, "oura", false).await.unwrap();
    // The first attempt's listener is closed and records nothing; the second completes. Oura
    // has one registered port, so the second attempt listens where the first did.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(
        redirect_uri_of(&first_url),
        redirect_uri_of(&second.oauth_url)
    );
    assert_eq!(h.app.link_state(&token).unwrap().state.as_str(), "pending");
    assert_eq!(
        h.app.link_state(&token).unwrap().oauth_url.as_deref(),
        Some(second.oauth_url.as_str())
    );
    complete(&second.oauth_url, &Choice::default())
        .await
        .unwrap();
    assert_eq!(settle(&h.app, &token).await.state.as_str(), "success");
    // A used token cannot start another connection.
    let err = h.app.link_start(&token, "oura", false).await.err().unwrap();
    assert_eq!(err.code, "token_consumed");
    h.app.wait_background().await;
}

#[tokio::test]
async fn https_only_providers_sign_in_through_the_forwarding_page() {
    let h = start(2).await;
    // The page as the user would host it; here the app's own copy on loopback.
    let page = format!("{}/oauth/forward", h.app.api_base_url());
    h.app.set_forward_page("whoop_v2", Some(&page)).unwrap();
    let user = h.app.store.create_user("whoop-forwarded").unwrap();
    let link = h
        .app
        .create_link_token(vital_link::store::links::NewLinkToken {
            user_id: user.user_id.clone(),
            ..Default::default()
        })
        .unwrap();
    let started = h
        .app
        .link_start(&link.link_token, "whoop_v2", false)
        .await
        .unwrap();
    let q: std::collections::HashMap<String, String> = url::Url::parse(&started.oauth_url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(
        q["redirect_uri"], page,
        "the provider sees only the https page"
    );
    let (port, _) = q["state"]
        .split_once('~')
        .expect("the state carries the loopback port");
    assert!(port.parse::<u16>().unwrap() >= 1024);
    assert_eq!(
        complete(&started.oauth_url, &Choice::default())
            .await
            .unwrap(),
        "You can return to Vital Link"
    );
    assert_eq!(
        settle(&h.app, &link.link_token).await.state.as_str(),
        "success"
    );
    h.app.wait_background().await;
    let c = h
        .app
        .store
        .connection_for(&user.user_id, "whoop_v2")
        .unwrap()
        .unwrap();
    assert_eq!(c.status.as_str(), "connected", "{:?}", c.error_message);
    // A plain http page elsewhere is refused as a forwarding page.
    assert!(h
        .app
        .set_forward_page("whoop_v2", Some("http://pages.example/forward"))
        .is_err());
}
