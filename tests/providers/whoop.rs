//! WHOOP v2: connect → backfill → incremental → refresh → revoke, and the fake's conformance.
use chrono::Duration;
use serde_json::Value;
use vital_link::fake::faults::Faults;
use vital_link::fake::synth::{self, Account};
use vital_link::fake::whoop_v2::{
    body_of, cycle_records, score_state, sleep_records, unscorable_nap, CLIENT_ID, CLIENT_SECRET,
    FORWARD_URI, SCORING_SECS,
};
use vital_link::providers::{FetchError, Window};
use vital_link::sandbox_browser::Choice;

use crate::common::*;
use crate::support::*;

const SLUG: &str = "whoop_v2";

#[tokio::test]
async fn whoop_full_cycle() {
    let h = start(30).await;
    let login = "whoop-member";
    let acct = Account::new(login);
    let conn = connected(&h.app, login, SLUG).await;
    assert_eq!(
        conn.external_user_id,
        Some(vital_link::fake::kit::numeric_id(&acct).to_string())
    );
    assert!(conn.scopes.as_deref().unwrap().contains("offline"));

    let now_s = now().timestamp();
    let first = now().date_naive() - Duration::days(29);
    let from = first.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let days: Vec<_> = (0..40)
        .map(|i| now().date_naive() + Duration::days(2) - Duration::days(i))
        .collect();
    // Only SCORED records are stored: pending and unscorable ones carry no measurements.
    let sleeps: Vec<_> = sleep_records(&acct, now_s, &days)
        .into_iter()
        .filter(|(_, _, n)| n.start >= from)
        .filter(|(_, _, n)| score_state(Some(n.end()), now_s, unscorable_nap(n)) == "SCORED")
        .collect();
    let mains = sleeps.iter().filter(|(_, _, n)| !n.is_nap).count();
    let cycles = cycle_records(&acct, now_s, &days)
        .into_iter()
        .filter(|(_, s, e)| *s >= from && score_state(*e, now_s, false) == "SCORED")
        .count();
    let workouts: usize = days
        .iter()
        .map(|d| {
            synth::workouts(&acct, *d)
                .iter()
                .filter(|w| w.start >= from && w.end <= now_s - SCORING_SECS)
                .count()
        })
        .sum();
    assert_eq!(summaries(&h.app, login, "sleep").len(), sleeps.len());
    assert_eq!(samples(&h.app, login, "hrv").len(), mains);
    assert_eq!(samples(&h.app, login, "blood_oxygen").len(), mains);
    assert_eq!(summaries(&h.app, login, "activity").len(), cycles);
    assert_eq!(summaries(&h.app, login, "workouts").len(), workouts);
    let body = summaries(&h.app, login, "body");
    assert_eq!(body.len(), 1);
    assert_eq!(body[0]["weight"], body_of(&acct)["weight_kilogram"]);
    // About a scored night a day (some naps are UNSCORABLE and not stored).
    assert!(
        sleeps.len() >= 29 && cycles >= 29,
        "{} sleeps, {cycles} cycles",
        sleeps.len()
    );
    // Values: stages in seconds, the recovery joined onto its sleep.
    let (d, _, n) = sleeps.iter().find(|(_, _, n)| !n.is_nap).unwrap();
    let stored = summaries(&h.app, login, "sleep");
    let s = stored
        .iter()
        .find(|s| s["bedtime_start"] == vital_link::model::iso_utc_ms(n.start * 1000))
        .unwrap();
    assert_eq!(s["deep"], n.seconds_in(1));
    assert_eq!(s["average_hrv"].as_f64(), Some(n.avg_hrv() as f64));
    assert_eq!(s["hr_resting"], n.lowest_hr());
    assert_eq!(s["timezone_offset"], acct.utc_offset_secs);
    assert_eq!(s["calendar_date"], d.to_string());

    // Incremental: nothing new.
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(
        (r.written.summaries_written, r.written.samples_written),
        (0, 0)
    );

    // Refresh (with `scope=offline`): rotating, the old refresh token is spent.
    let (old, new) = force_refresh(&h.app, &conn).await;
    assert_ne!(new.unwrap().refresh_token, old.refresh_token);
    let spent = refresh_with(&h.app, SLUG, old.refresh_token.as_deref().unwrap()).await;
    assert_eq!(spent.err().unwrap().code, "invalid_grant");
    spoil_access_token(&h.app, &conn);
    assert_eq!(
        h.app.sync_connection(conn.id, None).await.unwrap().status,
        "connected"
    );

    // 429: the wait is X-RateLimit-Reset.
    faults(
        &h.app,
        SLUG,
        Faults {
            rate_limit_retry_after: Some(17),
            ..Default::default()
        },
    );
    let p = provider(&h.app, SLUG);
    let c = ctx(&h.app, &conn);
    let w = Window {
        start: first,
        end: first,
    };
    assert_eq!(
        p.fetch_page(&c, "workouts", w, None).await.err(),
        Some(FetchError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(17))
        })
    );
    faults(&h.app, SLUG, Faults::default());

    // Revoke: DELETE /v2/user/access; the tokens are refused afterwards.
    let t = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    p.revoke(&c, &h.app.client_config(p.as_ref()).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        p.fetch_page(&c, "sleep", w, None).await.err(),
        Some(FetchError::Unauthorized)
    );
    assert_eq!(
        refresh_with(&h.app, SLUG, t.refresh_token.as_deref().unwrap())
            .await
            .err()
            .unwrap()
            .code,
        "invalid_grant"
    );
    assert_eq!(
        h.app.sync_connection(conn.id, None).await.unwrap().status,
        "reauth_required"
    );
}

#[tokio::test]
async fn whoop_without_offline_is_refused_and_token_errors_fail_the_link() {
    let h = start(2).await;
    // Without `offline` WHOOP issues no refresh token: the connection would die within the hour.
    let s = try_connect(
        &h.app,
        "whoop-no-offline",
        SLUG,
        &Choice {
            deny: false,
            untick: vec!["offline".into()],
        },
    )
    .await;
    assert_eq!(s.error_type.as_deref(), Some("required_scopes_not_granted"));
    faults(
        &h.app,
        SLUG,
        Faults {
            invalid_grant: true,
            ..Default::default()
        },
    );
    let s = try_connect(&h.app, "whoop-grantless", SLUG, &Choice::default()).await;
    assert_eq!(s.error_type.as_deref(), Some("invalid_grant"));
}

async fn code(f: &FakeClient, scope: &str) -> String {
    f.consent(
        "/oauth/oauth2/auth",
        &[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", FORWARD_URI),
            ("scope", scope),
            ("state", "state-1234"),
        ],
        &scope.split(' ').collect::<Vec<_>>(),
    )
    .await["code"]
        .clone()
}

async fn exchange(f: &FakeClient, code: &str, secret: &str) -> (u16, Value) {
    f.post_form(
        "/oauth/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", FORWARD_URI),
            ("client_id", CLIENT_ID),
            ("client_secret", secret),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn whoop_fake_refuses_what_whoop_refuses() {
    let f = FakeClient::new(SLUG).await;
    // `state` shorter than 8 characters; an unregistered redirect.
    let r = f
        .authorize(
            "/oauth/oauth2/auth",
            &[
                ("response_type", "code"),
                ("client_id", CLIENT_ID),
                ("redirect_uri", FORWARD_URI),
                ("state", "short"),
            ],
        )
        .await;
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=invalid_state"));
    let r = f
        .authorize(
            "/oauth/oauth2/auth",
            &[
                ("response_type", "code"),
                ("client_id", CLIENT_ID),
                ("redirect_uri", "https://evil.example/cb"),
                ("state", "state-1234"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    // Wrong secret; HTTP Basic is not WHOOP's documented style.
    let c = code(&f, "read:sleep offline").await;
    assert_eq!(
        exchange(&f, &c, "wrong").await,
        (
            401,
            serde_json::json!({"error": "invalid_client", "error_description": "client authentication failed"})
        )
    );
    let (s, _) = f
        .post_form(
            "/oauth/oauth2/token",
            &[("grant_type", "authorization_code"), ("code", &c)],
            Some((CLIENT_ID, CLIENT_SECRET)),
        )
        .await;
    assert_eq!(s, 401);
    // With offline: a refresh token; the code is single use.
    let c = code(&f, "read:sleep read:cycles offline").await;
    let (s, t) = exchange(&f, &c, CLIENT_SECRET).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        (t["token_type"].as_str(), t["expires_in"].as_i64()),
        (Some("bearer"), Some(3600))
    );
    assert!(t["refresh_token"].is_string());
    assert_eq!(
        exchange(&f, &c, CLIENT_SECRET).await.1["error"],
        "invalid_grant"
    );
    // Without offline: no refresh token at all.
    let c = code(&f, "read:sleep").await;
    let (_, t2) = exchange(&f, &c, CLIENT_SECRET).await;
    assert!(t2.get("refresh_token").is_none());
    // Pages: limit ≤ 25, `next_token` out and `nextToken` in, newest first.
    let tok = t["access_token"].as_str().unwrap();
    let q = [
        ("start", "2026-09-01T00:00:00.000Z"),
        ("end", "2026-11-01T00:00:00.000Z"),
    ];
    assert_eq!(
        f.get(
            tok,
            "/developer/v2/activity/sleep",
            &[q[0], q[1], ("limit", "26")]
        )
        .await
        .0,
        400
    );
    let (s, p1, h) = f
        .get(
            tok,
            "/developer/v2/activity/sleep",
            &[q[0], q[1], ("limit", "25")],
        )
        .await;
    assert_eq!(s, 200);
    assert!(h.contains_key("x-ratelimit-limit") && h.contains_key("x-ratelimit-reset"));
    let recs = p1["records"].as_array().unwrap();
    assert_eq!(recs.len(), 25);
    assert!(
        recs[0]["start"].as_str() > recs[24]["start"].as_str(),
        "newest first"
    );
    let next = p1["next_token"].as_str().unwrap();
    let (_, p2, _) = f
        .get(
            tok,
            "/developer/v2/activity/sleep",
            &[q[0], q[1], ("limit", "25"), ("nextToken", next)],
        )
        .await;
    assert!(p2["records"][0]["start"].as_str() < recs[24]["start"].as_str());
    assert_eq!(
        f.get(
            tok,
            "/developer/v2/activity/sleep",
            &[q[0], q[1], ("limit", "25"), ("next_token", next)]
        )
        .await
        .1,
        p1,
        "the snake_case name is not the request parameter"
    );
    // A scope not granted; an expired token.
    assert_eq!(
        f.get(tok, "/developer/v2/activity/workout", &[]).await.0,
        401
    );
    f.faults(Faults {
        access_token_ttl: Some(-1),
        ..Default::default()
    });
    let c = code(&f, "read:sleep").await;
    let (_, t3) = exchange(&f, &c, CLIENT_SECRET).await;
    assert_eq!(
        f.get(
            t3["access_token"].as_str().unwrap(),
            "/developer/v2/activity/sleep",
            &[]
        )
        .await
        .0,
        401
    );
    f.faults(Faults::default());
    // Refresh rotates; DELETE /v2/user/access revokes.
    let (s, r) = f
        .post_form(
            "/oauth/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("scope", "offline"),
            ],
            None,
        )
        .await;
    assert_eq!(s, 200);
    let tok = r["access_token"].as_str().unwrap();
    let del = f
        .http
        .delete(format!("{}/developer/v2/user/access", f.base))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(f.get(tok, "/developer/v2/cycle", &[]).await.0, 401);
}

/// WHOOP sends `PENDING_SCORE` records while it evaluates them and `UNSCORABLE` ones it cannot
/// score, both without a `score` object (OpenAPI `components.schemas.*.score_state`): they are
/// skipped, not stored as empty readings and not a failed page; a pending sleep arrives with a
/// later sync once WHOOP has scored it.
#[tokio::test]
async fn pending_and_unscorable_records_are_skipped_and_pending_ones_arrive_later() {
    let login = "whoop-pending";
    let acct = Account::new(login);
    let day = now().with_timezone(&acct.tz()).date_naive() - Duration::days(1);
    let night = synth::night(&acct, day);
    let dir = tempfile::tempdir().unwrap();
    // Ten minutes after the night ended: WHOOP is still scoring it.
    let early = chrono::DateTime::from_timestamp(night.end() + 600, 0).unwrap();
    let app = reopen(dir.path(), early, 3).await;
    let conn = connected(&app, login, SLUG).await;
    let bedtime = vital_link::model::iso_utc_ms(night.start * 1000);
    let has_night = |app: &std::sync::Arc<vital_link::App>| {
        summaries(app, login, "sleep")
            .iter()
            .any(|s| s["bedtime_start"] == bedtime)
    };
    assert!(!has_night(&app), "a PENDING_SCORE sleep must not be stored");
    let c = connection(&app, login, SLUG);
    assert_eq!(c.status.as_str(), "connected", "{:?}", c.error_message);
    // No summary without its measurements (a null score, zero stages).
    for s in summaries(&app, login, "sleep") {
        assert!(s["total"].as_i64().unwrap_or(0) > 0, "{s}");
    }
    let stored = summaries(&app, login, "sleep").len();
    drop(app);
    // Two hours later the night is scored; the next sync's recent window fetches it.
    let later = early + chrono::Duration::seconds(SCORING_SECS + 3600);
    let app = reopen(dir.path(), later, 3).await;
    app.sync_connection(conn.id, None).await.unwrap();
    assert!(
        has_night(&app),
        "the scored sleep arrives with the next sync"
    );
    assert!(summaries(&app, login, "sleep").len() > stored);
}

/// A deactivated WHOOP member: the list routes answer 401 (the only refusal they document), and
/// the client reads a `403 {"error": "deactivated_user"}` (documented on the sleep stream route)
/// as an inactive membership, not a missing permission.
#[tokio::test]
async fn a_deactivated_member_is_refused_as_published() {
    let h = start(2).await;
    let login = "whoop-deactivated";
    let conn = connected(&h.app, login, SLUG).await;
    let sb = vital_link::sandbox(&h.app);
    let base = sb.base_url(SLUG).unwrap().to_string();
    let tokens = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    let whoop = sb.whoop.clone().unwrap();
    whoop.set_membership(login, false);
    let r = reqwest::Client::new()
        .get(format!("{base}/developer/v2/cycle"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        vital_link::providers::whoop_v2::forbidden_reason(FetchError::Forbidden(
            vital_link::providers::http::detail_of(r#"{"error": "deactivated_user"}"#)
        ))
        .code(),
        "provider_membership_required"
    );
    whoop.set_membership(login, true);
}

/// A cycle WHOOP is still scoring (it ended ten minutes ago, at sleep onset) is not stored as an
/// activity day without values; the scored cycles are.
#[tokio::test]
async fn a_cycle_pending_its_score_is_not_stored_empty() {
    let login = "whoop-pending-cycle";
    let acct = Account::new(login);
    let day = now().with_timezone(&acct.tz()).date_naive() - Duration::days(1);
    let onset = synth::night(&acct, day).start;
    let at = chrono::DateTime::from_timestamp(onset + 600, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = reopen(dir.path(), at, 3).await;
    connected(&app, login, SLUG).await;
    let days: Vec<_> = (0..6)
        .map(|i| day + Duration::days(1) - Duration::days(i))
        .collect();
    let records = cycle_records(&acct, at.timestamp(), &days);
    assert!(
        records
            .iter()
            .any(|(_, _, e)| score_state(*e, at.timestamp(), false) == "PENDING_SCORE"),
        "the generator should have a cycle ending at {onset}"
    );
    let stored = summaries(&app, login, "activity");
    assert!(!stored.is_empty());
    for a in &stored {
        assert!(
            a["calories_total"].is_number(),
            "stored without its score: {a}"
        );
    }
}
