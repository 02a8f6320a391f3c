//! Google Health API (and the `fitbit` alias): connect → backfill → incremental → refresh →
//! revoke, and the fake's conformance (PKCE, redirect, codes, secret, pages, filters).
use chrono::Duration;
use serde_json::Value;
use vital_link::fake::faults::Faults;
use vital_link::fake::google_health::{served, steps_of, CLIENT_ID, CLIENT_SECRET};
use vital_link::fake::oauth_server::pkce_s256;
use vital_link::fake::synth::{self, Account};
use vital_link::providers::{FetchError, Window};

use crate::common::*;
use crate::support::*;

const SLUG: &str = "google_health";

#[tokio::test]
async fn google_health_full_cycle_through_the_fitbit_alias() {
    let h = start(30).await;
    let login = "fitbit-user";
    let acct = Account::new(login);
    // Vital's `fitbit` slug connects the Google Health API, stored under its own slug.
    let s = try_connect(&h.app, login, "fitbit", &Default::default()).await;
    assert_eq!(s.state.as_str(), "success", "{s:?}");
    h.app.wait_background().await;
    let conn = connection(&h.app, login, SLUG);
    assert_eq!(
        conn.status.as_str(),
        "connected",
        "{:?}",
        conn.error_message
    );
    assert_eq!(conn.external_user_id, Some(format!("hu-{}", acct.id)));

    let now_s = now().timestamp();
    let from = (now().date_naive() - Duration::days(29))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let to = (now().date_naive() + Duration::days(2))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let count = |k: &str| served(&acct, k, from, to, now_s).len();
    assert_eq!(summaries(&h.app, login, "sleep").len(), count("sleep"));
    assert_eq!(
        summaries(&h.app, login, "workouts").len(),
        count("exercise")
    );
    assert_eq!(
        samples(&h.app, login, "heartrate").len(),
        count("heart-rate")
    );
    assert_eq!(samples(&h.app, login, "steps").len(), count("steps"));
    assert_eq!(summaries(&h.app, login, "body").len(), count("weight"));
    assert_eq!(samples(&h.app, login, "body_weight").len(), count("weight"));
    assert!(count("heart-rate") > 25 * 270 && count("sleep") >= 30);
    // Values: a day's steps add up; an interval sample carries its end; distances from mm.
    let day = now().date_naive() - Duration::days(4);
    let day_steps: f64 = samples(&h.app, login, "steps")
        .iter()
        .filter(|s| {
            s.ts >= acct.day_start(day) * 1000 && s.ts < (acct.day_start(day) + 86400) * 1000
        })
        .map(|s| s.value)
        .sum();
    assert_eq!(day_steps as i64, synth::activity(&acct, day).steps);
    let first_hour = steps_of(&acct, day)[0];
    let st = samples(&h.app, login, "steps")
        .into_iter()
        .find(|s| s.ts == first_hour.0 * 1000)
        .unwrap();
    assert_eq!(st.end_ts, Some((first_hour.0 + 3600) * 1000));
    let range = vital_link::shapes::parse_range(
        &day.to_string(),
        Some(&day.to_string()),
        now().date_naive(),
    )
    .unwrap();
    let ts = vital_link::shapes::timeseries_grouped(&h.app, &conn.user_id, "steps", range, None)
        .unwrap();
    let pt = &ts["groups"]["google_health"][0]["data"][0];
    assert!(
        pt["start"].is_string() && pt["end"].is_string() && pt["unit"] == "count",
        "{pt}"
    );
    let wos = summaries(&h.app, login, "workouts");
    if let Some(w) = wos.iter().find(|w| !w["distance"].is_null()) {
        assert!(
            w["distance"].as_f64().unwrap() < 100_000.0,
            "metres, not millimetres"
        );
    }

    // Incremental: nothing new.
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(
        (r.written.summaries_written, r.written.samples_written),
        (0, 0)
    );

    // Refresh: a new access token; Google keeps the refresh token (and does not resend it).
    let (old, new) = force_refresh(&h.app, &conn).await;
    let new = new.unwrap();
    assert_ne!(new.access_token, old.access_token);
    assert_eq!(
        h.app
            .store
            .tokens(&h.app.vault, conn.id)
            .unwrap()
            .refresh_token,
        old.refresh_token
    );
    assert!(
        refresh_with(&h.app, SLUG, old.refresh_token.as_deref().unwrap())
            .await
            .is_ok(),
        "not rotated"
    );
    spoil_access_token(&h.app, &conn);
    assert_eq!(
        h.app.sync_connection(conn.id, None).await.unwrap().status,
        "connected"
    );

    // 429 RESOURCE_EXHAUSTED, no header: no invented wait.
    faults(
        &h.app,
        SLUG,
        Faults {
            rate_limit_retry_after: Some(3),
            ..Default::default()
        },
    );
    let p = provider(&h.app, SLUG);
    let c = ctx(&h.app, &conn);
    let w = Window {
        start: day,
        end: day,
    };
    assert_eq!(
        p.fetch_page(&c, "sleep", w, None).await.err(),
        Some(FetchError::RateLimited { retry_after: None })
    );
    faults(&h.app, SLUG, Faults::default());

    // Revoke with the refresh token: the whole grant goes.
    let t = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    p.revoke(
        &c,
        &h.app.client_config(p.as_ref()).unwrap(),
        t.refresh_token.as_deref(),
    )
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
async fn google_health_invalid_grant_fails_the_link() {
    let h = start(2).await;
    faults(
        &h.app,
        SLUG,
        Faults {
            invalid_grant: true,
            ..Default::default()
        },
    );
    let s = try_connect(&h.app, "google-grantless", SLUG, &Default::default()).await;
    assert_eq!(s.error_type.as_deref(), Some("invalid_grant"));
}

const REDIRECT: &str = "http://127.0.0.1:41234/callback";
const VERIFIER: &str = "a-long-enough-code-verifier-for-the-sandbox-0123456789";

async fn code(f: &FakeClient, scope: &str, challenge: bool) -> String {
    let ch = pkce_s256(VERIFIER);
    let mut q = vec![
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", scope),
        ("state", "s"),
        ("access_type", "offline"),
    ];
    if challenge {
        q.push(("code_challenge", &ch));
        q.push(("code_challenge_method", "S256"));
    }
    f.consent(
        "/o/oauth2/v2/auth",
        &q,
        &scope.split(' ').collect::<Vec<_>>(),
    )
    .await["code"]
        .clone()
}

async fn exchange(
    f: &FakeClient,
    code: &str,
    verifier: Option<&str>,
    secret: &str,
    redirect: &str,
) -> (u16, Value) {
    let mut form = vec![
        ("client_id", CLIENT_ID),
        ("client_secret", secret),
        ("code", code),
        ("grant_type", "authorization_code"),
        ("redirect_uri", redirect),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    f.post_form("/token", &form, None).await
}

#[tokio::test]
async fn google_health_fake_refuses_what_google_refuses() {
    let f = FakeClient::new(SLUG).await;
    let sleep = "https://www.googleapis.com/auth/googlehealth.sleep.readonly";
    let hm =
        "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly";
    // Loopback with any port is fine; anything else is not.
    let r = f
        .authorize(
            "/o/oauth2/v2/auth",
            &[
                ("client_id", CLIENT_ID),
                ("redirect_uri", "http://localhost.evil.example/callback"),
                ("response_type", "code"),
                ("scope", sleep),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    // PKCE: a challenge sent means a verifier is required and must match.
    let c = code(&f, sleep, true).await;
    assert_eq!(
        exchange(&f, &c, None, CLIENT_SECRET, REDIRECT).await.1["error_description"],
        "code_verifier is required"
    );
    let c = code(&f, sleep, true).await;
    assert_eq!(
        exchange(
            &f,
            &c,
            Some("another-verifier-of-sufficient-length-000000000"),
            CLIENT_SECRET,
            REDIRECT
        )
        .await
        .1["error"],
        "invalid_grant"
    );
    // Wrong secret; another redirect at the token endpoint.
    let c = code(&f, sleep, true).await;
    assert_eq!(
        exchange(&f, &c, Some(VERIFIER), "wrong", REDIRECT).await.1["error"],
        "invalid_client"
    );
    let c = code(&f, sleep, true).await;
    assert_eq!(
        exchange(
            &f,
            &c,
            Some(VERIFIER),
            CLIENT_SECRET,
            "http://127.0.0.1:41235/callback"
        )
        .await
        .1["error"],
        "redirect_uri_mismatch"
    );
    // A good exchange; the code is then spent.
    let c = code(&f, &format!("{sleep} {hm}"), true).await;
    let (s, t) = exchange(&f, &c, Some(VERIFIER), CLIENT_SECRET, REDIRECT).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        (t["token_type"].as_str(), t["expires_in"].as_i64()),
        (Some("Bearer"), Some(3599))
    );
    assert_eq!(t["scope"], format!("{sleep} {hm}"));
    assert_eq!(
        exchange(&f, &c, Some(VERIFIER), CLIENT_SECRET, REDIRECT)
            .await
            .1["error"],
        "invalid_grant"
    );
    let tok = t["access_token"].as_str().unwrap();
    // A refresh keeps the refresh token and does not send it again.
    let (s, r) = f
        .post_form(
            "/token",
            &[
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("grant_type", "refresh_token"),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ],
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert!(r.get("refresh_token").is_none());
    // Filters: snake_case fields of the type, only >= and <; pages newest first.
    let path = "/v4/users/me/dataTypes/heart-rate/dataPoints";
    let good = "heart_rate.sample_time.physical_time >= \"2026-11-10T00:00:00Z\" AND heart_rate.sample_time.physical_time < \"2026-11-12T00:00:00Z\"";
    let (s, e, _) = f
        .get(
            tok,
            path,
            &[(
                "filter",
                "heart-rate.sample_time.physical_time >= \"2026-11-10T00:00:00Z\"",
            )],
        )
        .await;
    assert_eq!(
        (s, e["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT"))
    );
    assert_eq!(
        f.get(
            tok,
            path,
            &[(
                "filter",
                "heart_rate.sample_time.physical_time > \"2026-11-10T00:00:00Z\""
            )]
        )
        .await
        .0,
        400
    );
    let (s, p1, _) = f
        .get(tok, path, &[("filter", good), ("pageSize", "500")])
        .await;
    assert_eq!(s, 200);
    let pts = p1["dataPoints"].as_array().unwrap();
    assert_eq!(pts.len(), 500);
    assert!(
        pts[0]["heartRate"]["beatsPerMinute"].is_string(),
        "int64 as a string"
    );
    assert!(
        pts[0]["heartRate"]["sampleTime"]["physicalTime"].as_str()
            > pts[1]["heartRate"]["sampleTime"]["physicalTime"].as_str()
    );
    let next = p1["nextPageToken"].as_str().unwrap();
    let (_, p2, _) = f
        .get(
            tok,
            path,
            &[("filter", good), ("pageSize", "500"), ("pageToken", next)],
        )
        .await;
    assert!(!p2["dataPoints"].as_array().unwrap().is_empty());
    // Sleep pages hold at most 25; a scope not granted is PERMISSION_DENIED.
    let (_, s25, _) = f
        .get(
            tok,
            "/v4/users/me/dataTypes/sleep/dataPoints",
            &[("pageSize", "100")],
        )
        .await;
    assert!(
        s25["dataPoints"]
            .as_array()
            .unwrap_or_else(|| panic!("{s25}"))
            .len()
            <= 25
    );
    let (s, e, _) = f
        .get(tok, "/v4/users/me/dataTypes/steps/dataPoints", &[])
        .await;
    assert_eq!(
        (s, e["error"]["status"].as_str()),
        (403, Some("PERMISSION_DENIED"))
    );
    // Expired and made-up tokens: UNAUTHENTICATED.
    assert_eq!(
        f.get("made-up", path, &[]).await.1["error"]["status"],
        "UNAUTHENTICATED"
    );
    f.faults(Faults {
        access_token_ttl: Some(-1),
        ..Default::default()
    });
    let c = code(&f, hm, false).await;
    let (_, t2) = exchange(&f, &c, None, CLIENT_SECRET, REDIRECT).await;
    assert_eq!(
        f.get(t2["access_token"].as_str().unwrap(), path, &[])
            .await
            .0,
        401
    );
    f.faults(Faults::default());
    // Revoking the refresh token revokes the grant.
    let (s, _) = f
        .post_form(
            "/revoke",
            &[("token", t["refresh_token"].as_str().unwrap())],
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        f.get(r["access_token"].as_str().unwrap(), path, &[])
            .await
            .0,
        401
    );
    assert_eq!(
        f.post_form("/revoke", &[("token", "nope")], None).await.1["error"],
        "invalid_token"
    );
}
