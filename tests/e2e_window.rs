//! End to end in the real window: Xvfb + tauri-driver + WebKitWebDriver drive the built app,
//! and `$BROWSER` is the sandbox browser, which presses Allow (or Deny) on the fake Oura's
//! consent page as a person would. Screenshots land in `artifacts/e2e/`.
//!
//! Run with `scripts/test.sh` (or `cargo test --test e2e_window -- --ignored --test-threads=1`
//! with Xvfb, tauri-driver and WebKitWebDriver installed). tauri-driver serves one session at a
//! time, so these tests run serially.
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

mod window;
use window::*;

/// A session whose `$BROWSER` is the app's own sandbox browser (`--deny` presses Deny).
fn start_with_sandbox_browser(args: &str) -> Session {
    start(&format!("{APP} sandbox-browser {args}"))
}

async fn add_participant_and_open_link(c: &Client, id: &str) {
    let input = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#new-participant"))
        .await
        .unwrap();
    input.send_keys(id).await.unwrap();
    click(c, "#add-participant").await;
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(&format!("tr[data-user=\"{id}\"]")))
        .await
        .unwrap();
    shot(c, &format!("{id}-01-console")).await;
    click(c, "#connect-device").await;
    visible(c, "#agree-continue").await;
    shot(c, &format!("{id}-02-agreement")).await;
    click(c, "#agree-continue").await;
    visible(c, ".provider[data-slug=\"oura\"] img").await;
    shot(c, &format!("{id}-03-providers")).await;
    // Garmin cannot be connected from a desktop app: listed, greyed out, with the reason.
    let garmin = ".provider[data-slug=\"garmin\"]";
    js(
        c,
        &format!(
            "document.querySelector({garmin:?}).scrollIntoView({{block: 'center'}}); return true;"
        ),
    )
    .await;
    let reason = js(
        c,
        &format!("return document.querySelector({garmin:?} + ' .provider-note').textContent;"),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string();
    assert!(reason.starts_with("Not available:"), "{reason}");
    let disabled = js(
        c,
        &format!("return document.querySelector({garmin:?}).disabled;"),
    )
    .await;
    assert_eq!(disabled, serde_json::json!(true));
    shot(c, &format!("{id}-03b-providers-unavailable")).await;
    js(
        c,
        "document.querySelector('.provider').scrollIntoView({block: 'center'}); return true;",
    )
    .await;
    click(c, ".provider[data-slug=\"oura\"]").await;
}

#[tokio::test]
#[ignore = "needs Xvfb, tauri-driver and WebKitWebDriver: run by scripts/test.sh"]
async fn connect_oura_sandbox_through_the_window_and_see_the_data() {
    let s = start_with_sandbox_browser("");
    let c = connect(&s).await;
    add_participant_and_open_link(&c, "e2e-participant").await;
    let result = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#link-result[data-state=\"success\"]"))
        .await
        .unwrap();
    assert!(result.text().await.unwrap().contains("Oura"));
    shot(&c, "e2e-participant-04-success").await;
    click(&c, "#link-done").await;

    // The backfill runs in the background; the console shows the connection and its data.
    // Deadlines are generous: a slow CI machine backfills 90 days in more than a few seconds.
    let status_css = "tr[data-user=\"e2e-participant\"] .provider-status";
    let mut status = String::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        status = text(&c, status_css).await;
        if status.trim() == "connected" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(status.trim(), "connected");
    let nights: usize = text(&c, "#sleeps-count")
        .await
        .replace(',', "")
        .trim()
        .parse()
        .unwrap_or(0);
    for _ in 0..60 {
        let pts = c
            .find(Locator::Css("#chart-sleep"))
            .await
            .unwrap()
            .attr("data-points")
            .await
            .unwrap();
        if pts.and_then(|p| p.parse::<usize>().ok()).unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let nights_after: usize = text(&c, "#sleeps-count")
        .await
        .replace(',', "")
        .trim()
        .parse()
        .unwrap_or(0);
    assert!(
        nights.max(nights_after) >= 28,
        "about 30 nights of sleep shown, got {nights_after}"
    );
    for chart in ["#chart-sleep", "#chart-activity", "#chart-heartrate"] {
        // Charts draw after their own fetch; give each its few hundred milliseconds.
        let deadline = Instant::now() + Duration::from_secs(30);
        let pts = loop {
            let pts: usize = c
                .find(Locator::Css(chart))
                .await
                .unwrap()
                .attr("data-points")
                .await
                .unwrap()
                .unwrap_or_default()
                .parse()
                .unwrap_or(0);
            if pts > 0 || Instant::now() > deadline {
                break pts;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert!(pts > 0, "{chart} plotted no points");
        assert!(
            c.find(Locator::Css(&format!("{chart} canvas")))
                .await
                .is_ok(),
            "{chart} has no canvas"
        );
    }
    let counts = text(&c, "tr[data-user=\"e2e-participant\"] .counts").await;
    assert!(counts.contains("sleeps"), "{counts}");
    shot(&c, "e2e-participant-05-data").await;
    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs Xvfb, tauri-driver and WebKitWebDriver: run by scripts/test.sh"]
async fn deny_at_the_provider_ends_in_the_exit_state() {
    let s = start_with_sandbox_browser("--deny");
    let c = connect(&s).await;
    add_participant_and_open_link(&c, "e2e-denier").await;
    let result = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#link-result[data-state=\"exit\"]"))
        .await
        .unwrap();
    let msg = text(&c, "#result-message").await;
    assert!(msg.contains("declined"), "{msg}");
    assert!(result.find(Locator::Css("#link-retry")).await.is_ok());
    shot(&c, "e2e-denier-04-declined").await;
    click(&c, "#link-done").await;
    let status = c
        .find_all(Locator::Css(
            "tr[data-user=\"e2e-denier\"] .provider-status",
        ))
        .await
        .unwrap();
    assert!(status.is_empty(), "nothing was connected");
    c.close().await.unwrap();
}
