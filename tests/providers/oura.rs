//! Oura: a long backfill against the fake's real date semantics (date-only `end_date`
//! exclusive; `sleep`'s `start_date` exclusive too) stores every day of the range; the sign-in
//! uses the registered redirect URI, which Oura matches exactly.
use std::collections::BTreeSet;

use chrono::Duration;
use vital_link::fake::synth::{self, Account};

use crate::common::*;
use crate::support::*;

const SLUG: &str = "oura";

#[tokio::test]
async fn oura_backfill_of_120_days_stores_every_day() {
    let h = start(120).await;
    let login = "oura-every-day";
    let acct = Account::new(login);
    connected(&h.app, login, SLUG).await;

    let now_s = now().timestamp();
    let first = now().date_naive() - Duration::days(119);
    let local_today = now().with_timezone(&acct.tz()).date_naive();
    let days = days_of(first, local_today);
    let sleep: BTreeSet<_> = days
        .iter()
        .copied()
        .filter(|d| synth::sleeps(&acct, *d).iter().any(|n| n.end() <= now_s))
        .collect();
    let activity: BTreeSet<_> = days
        .iter()
        .copied()
        .filter(|d| acct.day_start(*d) + 4 * 3600 <= now_s)
        .collect();
    let workouts: BTreeSet<_> = days
        .iter()
        .copied()
        .filter(|d| synth::workouts(&acct, *d).iter().any(|w| w.end <= now_s))
        .collect();
    // 120 days are five 30-day windows: four window boundaries to lose a day at.
    assert!(sleep.len() >= 115, "{}", sleep.len());
    assert_every_day(&h.app, login, "sleep", &sleep);
    assert_every_day(&h.app, login, "activity", &activity);
    assert_every_day(&h.app, login, "workouts", &workouts);
    // Nothing is stored twice although the padded windows overlap: one summary per record.
    let stored = summaries(&h.app, login, "sleep").len();
    let generated: usize = days
        .iter()
        .map(|d| {
            synth::sleeps(&acct, *d)
                .iter()
                .filter(|n| n.end() <= now_s)
                .count()
        })
        .sum();
    assert_eq!(stored, generated);
}

/// Oura documents an exact match of the registered redirect URI (OpenAPI `openapi-1.35.json`,
/// tag "Authentication Troubleshooting"): the app listens on the registered port (8751 in
/// production, the sandbox's own registration here) and the fake refuses any other port.
#[tokio::test]
async fn oura_signs_in_on_the_registered_port_and_another_port_is_refused() {
    let h = start(2).await;
    let p = provider(&h.app, SLUG);
    assert_eq!(
        h.app
            .redirect_port(p.as_ref(), vital_link::config::Environment::Production)
            .unwrap(),
        vital_link::providers::oura::REDIRECT_PORT
    );
    let registered = vital_link::sandbox(&h.app).redirect_port(SLUG).unwrap();
    let (token, url) = begin_link_for(&h.app, "oura-port", SLUG).await;
    assert_eq!(
        redirect_uri_of(&url),
        format!("http://127.0.0.1:{registered}/callback")
    );
    let other = if registered == 65535 {
        1024
    } else {
        registered + 1
    };
    let mut wrong = url::Url::parse(&url).unwrap();
    let pairs: Vec<(String, String)> = wrong
        .query_pairs()
        .into_owned()
        .map(|(k, v)| match k.as_str() {
            "redirect_uri" => (k, format!("http://127.0.0.1:{other}/callback")),
            _ => (k, v),
        })
        .collect();
    wrong.query_pairs_mut().clear().extend_pairs(pairs);
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        400,
        "the fake must not redirect to another port"
    );
    assert!(r.text().await.unwrap().contains("not registered"));
    // The listener would otherwise wait out the sign-in timeout.
    h.app.link_cancel(&token).unwrap();
}

/// Oura answers 403 both for a scope not granted and for a lapsed membership (every route's 403
/// in the OpenAPI document: "Usually means the user's subscription to Oura has expired"). With
/// the scope granted it is the membership, and reconnecting would not help.
#[tokio::test]
async fn a_403_for_a_granted_scope_reads_as_a_lapsed_membership() {
    let h = start(3).await;
    let login = "oura-lapsed-member";
    let conn = connected(&h.app, login, SLUG).await;
    let oura = vital_link::sandbox(&h.app).fakes[SLUG]
        .oura
        .clone()
        .unwrap();
    oura.set_membership(login, false);
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    let c = connection(&h.app, login, SLUG);
    assert_eq!(
        c.error_type.as_deref(),
        Some("provider_membership_required"),
        "{r:?}"
    );
    let msg = c.error_message.unwrap_or_default();
    assert!(msg.contains("membership"), "{msg}");
    assert!(!msg.contains("grant the requested permissions"), "{msg}");
    // Renewed: the next sync works again.
    oura.set_membership(login, true);
    h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(connection(&h.app, login, SLUG).status.as_str(), "connected");
}

/// The same 403 for a scope the user unticked is a missing permission, named in the message.
#[tokio::test]
async fn a_403_for_an_unticked_scope_names_the_missing_permission() {
    let h = start(3).await;
    let login = "oura-no-workouts";
    let choice = vital_link::sandbox_browser::Choice {
        deny: false,
        untick: vec!["workout".into()],
    };
    let s = try_connect(&h.app, login, SLUG, &choice).await;
    assert_eq!(s.state.as_str(), "success", "{s:?}");
    h.app.wait_background().await;
    let conn = connection(&h.app, login, SLUG);
    let r = h
        .app
        .sync_connection(conn.id, Some("workouts"))
        .await
        .unwrap();
    let errors = r.errors.join("\n");
    assert!(
        errors.contains("the `workout` permission was not granted"),
        "{errors}"
    );
    assert!(!errors.contains("membership"), "{errors}");
    assert_eq!(connection(&h.app, login, SLUG).status.as_str(), "connected");
}
