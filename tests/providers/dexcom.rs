//! Dexcom v3: connect → backfill → incremental → refresh (→ no revoke endpoint), production
//! refused for a desktop app, and the fake's conformance.
use chrono::Duration;
use serde_json::Value;
use vital_link::fake::dexcom_v3::{readings, user_id, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI};
use vital_link::fake::faults::Faults;
use vital_link::fake::synth::Account;
use vital_link::providers::dexcom_v3::MG_DL_PER_MMOL_L;
use vital_link::providers::{FetchError, Window};

use crate::common::*;
use crate::support::*;

const SLUG: &str = "dexcom_v3";

#[tokio::test]
async fn dexcom_full_cycle() {
    let h = start(45).await;
    let login = "SandboxUser7";
    let acct = Account::new(login);
    let conn = connected(&h.app, login, SLUG).await;
    assert_eq!(conn.external_user_id, Some(user_id(&acct)));

    // 45 days in 30-day requests; every five-minute reading served, in mmol/L.
    let first = now().date_naive() - Duration::days(44);
    let from = first.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let want = readings(&acct, from, now().timestamp());
    let got = samples(&h.app, login, "glucose");
    assert_eq!(got.len(), want.len());
    assert!(want.len() > 44 * 270, "{}", want.len());
    let (_, _, t, mg) = want[want.len() / 2];
    let s = got.iter().find(|s| s.ts == t * 1000).unwrap();
    assert_eq!(s.unit, "mmol/L");
    assert_eq!(
        s.value,
        (mg as f64 / MG_DL_PER_MMOL_L * 100.0).round() / 100.0
    );
    assert_eq!(s.tz_offset, Some(acct.utc_offset_secs as i64));
    assert_eq!(s.source_type.as_deref(), Some("automatic"));

    // Incremental: nothing new.
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(
        (r.written.summaries_written, r.written.samples_written),
        (0, 0)
    );

    // Refresh rotates: the old refresh token is spent; a refused access token is refreshed.
    let (old, new) = force_refresh(&h.app, &conn).await;
    assert_ne!(new.unwrap().refresh_token, old.refresh_token);
    assert_eq!(
        refresh_with(&h.app, SLUG, old.refresh_token.as_deref().unwrap())
            .await
            .err()
            .unwrap()
            .code,
        "invalid_grant"
    );
    spoil_access_token(&h.app, &conn);
    assert_eq!(
        h.app.sync_connection(conn.id, None).await.unwrap().status,
        "connected"
    );

    // 429 without any rate-limit header: no wait is invented, the sync backs off on its own.
    faults(
        &h.app,
        SLUG,
        Faults {
            rate_limit_retry_after: Some(5),
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
        p.fetch_page(&c, "glucose", w, None).await.err(),
        Some(FetchError::RateLimited { retry_after: None })
    );
    faults(&h.app, SLUG, Faults::default());

    // Dexcom publishes no revoke endpoint: the hook does nothing and the token still works
    // (the user revokes at Dexcom; the app drops its tokens when disconnecting).
    p.revoke(&c, &h.app.client_config(p.as_ref()).unwrap(), None)
        .await
        .unwrap();
    assert!(p.fetch_page(&c, "glucose", w, None).await.is_ok());
}

#[tokio::test]
async fn dexcom_and_google_health_are_refused_in_production_with_the_reason() {
    let h = start_with(2, |c| {
        c.environment = vital_link::config::Environment::Production
    })
    .await;
    let user = h.app.store.create_user("prod-user").unwrap();
    for (slug, why) in [
        ("dexcom_v3", "on their own servers"),
        ("google_health", "not taking new projects"),
        ("fitbit", "not taking new projects"),
        ("garmin", "webhook"),
    ] {
        let link = h
            .app
            .create_link_token(vital_link::store::links::NewLinkToken {
                user_id: user.user_id.clone(),
                ..Default::default()
            })
            .unwrap();
        let err = h
            .app
            .link_start(&link.link_token, slug, false)
            .await
            .err()
            .unwrap();
        assert_eq!(err.code, "provider_unavailable", "{slug}");
        assert!(err.message.contains(why), "{slug}: {}", err.message);
    }
}

async fn code(f: &FakeClient) -> String {
    f.consent(
        "/v2/oauth2/login",
        &[
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("response_type", "code"),
            ("scope", "offline_access"),
            ("state", "s"),
        ],
        &["offline_access"],
    )
    .await["code"]
        .clone()
}

async fn exchange(f: &FakeClient, code: &str, secret: &str, redirect: &str) -> (u16, Value) {
    f.post_form(
        "/v2/oauth2/token",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", secret),
            ("code", code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn dexcom_fake_refuses_what_dexcom_refuses() {
    let f = FakeClient::new(SLUG).await;
    // The registered redirect URI only (port included).
    let r = f
        .authorize(
            "/v2/oauth2/login",
            &[
                ("client_id", CLIENT_ID),
                ("redirect_uri", "http://127.0.0.1:8755/callback"),
                ("response_type", "code"),
                ("scope", "offline_access"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let c = code(&f).await;
    assert_eq!(
        exchange(&f, &c, "wrong", REDIRECT_URI).await.1["error"],
        "invalid_client"
    );
    let c = code(&f).await;
    assert_eq!(
        exchange(&f, &c, CLIENT_SECRET, "http://127.0.0.1:1/callback")
            .await
            .1["error"],
        "invalid_grant"
    );
    // PKCE is not documented: no verifier needed. The code is single use.
    let c = code(&f).await;
    let (s, t) = exchange(&f, &c, CLIENT_SECRET, REDIRECT_URI).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        (t["token_type"].as_str(), t["expires_in"].as_i64()),
        (Some("Bearer"), Some(7200))
    );
    assert_eq!(
        exchange(&f, &c, CLIENT_SECRET, REDIRECT_URI).await.1["error"],
        "invalid_grant"
    );
    let tok = t["access_token"].as_str().unwrap();
    // Windows: both ends required, no offset, at most 30 days.
    assert_eq!(
        f.get(
            tok,
            "/v3/users/self/egvs",
            &[("startDate", "2026-11-01T00:00:00")]
        )
        .await
        .0,
        400
    );
    assert_eq!(
        f.get(
            tok,
            "/v3/users/self/egvs",
            &[
                ("startDate", "2026-11-01T00:00:00+01:00"),
                ("endDate", "2026-11-02T00:00:00")
            ]
        )
        .await
        .0,
        400
    );
    assert_eq!(
        f.get(
            tok,
            "/v3/users/self/egvs",
            &[
                ("startDate", "2026-09-01T00:00:00"),
                ("endDate", "2026-11-01T00:00:00")
            ]
        )
        .await
        .0,
        400
    );
    let (s, v, _) = f
        .get(
            tok,
            "/v3/users/self/egvs",
            &[
                ("startDate", "2026-11-01T00:00:00"),
                ("endDate", "2026-11-01T01:00:00"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let recs = v["records"].as_array().unwrap();
    assert_eq!(recs.len(), 13, "every five minutes, both ends inclusive");
    assert_eq!(
        (recs[0]["unit"].as_str(), v["recordVersion"].as_str()),
        (Some("mg/dL"), Some("3.0"))
    );
    // Expired and made-up tokens: 401 with Dexcom's fault body.
    let (s, e, _) = f.get("made-up", "/v3/users/self/egvs", &[]).await;
    assert_eq!(
        (s, e["fault"]["faultstring"].as_str()),
        (401, Some("Invalid Access Token"))
    );
    f.faults(Faults {
        access_token_ttl: Some(-1),
        ..Default::default()
    });
    let c = code(&f).await;
    let (_, t2) = exchange(&f, &c, CLIENT_SECRET, REDIRECT_URI).await;
    assert_eq!(
        f.get(
            t2["access_token"].as_str().unwrap(),
            "/v3/users/self/dataRange",
            &[]
        )
        .await
        .0,
        401
    );
}
