//! Wahoo: connect → backfill → incremental → refresh (single-use, old access token retired on
//! first use) → revoke, the 10-token cap, and the fake's conformance.
use chrono::Duration;
use serde_json::Value;
use vital_link::fake::faults::Faults;
use vital_link::fake::oauth_server::pkce_s256;
use vital_link::fake::synth::Account;
use vital_link::fake::wahoo::{
    all_workouts, workout_type_id, CLIENT_ID, CLIENT_SECRET, FORWARD_URI, MAX_TOKENS,
};
use vital_link::providers::wahoo::workout_type;
use vital_link::providers::{FetchCtx, FetchError, Window};

use crate::common::*;
use crate::support::*;

const SLUG: &str = "wahoo";

#[tokio::test]
async fn wahoo_full_cycle() {
    let h = start(60).await;
    let login = "wahoo-rider";
    let acct = Account::new(login);
    let conn = connected(&h.app, login, SLUG).await;
    assert_eq!(
        conn.external_user_id,
        Some(vital_link::fake::kit::numeric_id(&acct).to_string())
    );

    // 60 days of workouts, paged newest first until past the start of the range.
    let from = (now().date_naive() - Duration::days(59))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let want: Vec<_> = all_workouts(&acct, now().timestamp())
        .into_iter()
        .filter(|(_, w)| w.start >= from)
        .collect();
    let got = summaries(&h.app, login, "workouts");
    assert_eq!(got.len(), want.len());
    assert!(want.len() >= 10, "{}", want.len());
    let (_, w) = &want[3];
    let doc = got
        .iter()
        .find(|d| d["time_start"] == vital_link::model::iso_utc_ms(w.start * 1000))
        .unwrap();
    assert_eq!(doc["moving_time"], w.end - w.start - 30);
    assert_eq!(
        doc["calories"].as_f64(),
        Some((w.calories * 10.0).round() / 10.0)
    );
    assert_eq!(doc["timezone_offset"], acct.utc_offset_secs);
    assert_eq!(
        doc["sport"]["slug"],
        vital_link::model::sport(workout_type(workout_type_id(w.activity))).2
    );

    // Incremental: nothing new.
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(
        (r.written.summaries_written, r.written.samples_written),
        (0, 0)
    );

    // Refresh: single use; the old access token works until the new one is first used.
    let p = provider(&h.app, SLUG);
    let w1 = Window {
        start: now().date_naive() - Duration::days(3),
        end: now().date_naive(),
    };
    let (old, new) = force_refresh(&h.app, &conn).await;
    let new = new.unwrap();
    assert_eq!(
        refresh_with(&h.app, SLUG, old.refresh_token.as_deref().unwrap())
            .await
            .err()
            .unwrap()
            .code,
        "invalid_grant"
    );
    let with = |token: &str| FetchCtx {
        access_token: token.to_string(),
        ..ctx(&h.app, &conn)
    };
    assert!(
        p.fetch_page(&with(&old.access_token), "workouts", w1, None)
            .await
            .is_ok(),
        "still valid"
    );
    assert!(p
        .fetch_page(&with(&new.access_token), "workouts", w1, None)
        .await
        .is_ok());
    assert_eq!(
        p.fetch_page(&with(&old.access_token), "workouts", w1, None)
            .await
            .err(),
        Some(FetchError::Unauthorized),
        "retired by the new token's first use"
    );
    spoil_access_token(&h.app, &conn);
    assert_eq!(
        h.app.sync_connection(conn.id, None).await.unwrap().status,
        "connected"
    );

    // 429 with X-RateLimit-Reset.
    faults(
        &h.app,
        SLUG,
        Faults {
            rate_limit_retry_after: Some(300),
            ..Default::default()
        },
    );
    let c = ctx(&h.app, &conn);
    assert_eq!(
        p.fetch_page(&c, "workouts", w1, None).await.err(),
        Some(FetchError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(300))
        })
    );
    faults(&h.app, SLUG, Faults::default());

    // Revoke: DELETE /v1/permissions; every token is refused afterwards.
    let t = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    p.revoke(&c, &h.app.client_config(p.as_ref()).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        p.fetch_page(&c, "workouts", w1, None).await.err(),
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

const REDIRECT: &str = "http://127.0.0.1:45678/callback";

async fn code(f: &FakeClient, pkce: bool) -> String {
    let ch = pkce_s256(VERIFIER);
    let mut q = vec![
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "user_read workouts_read offline_data"),
        ("state", "s"),
    ];
    if pkce {
        q.push(("code_challenge", &ch));
        q.push(("code_challenge_method", "S256"));
    }
    f.consent(
        "/oauth/authorize",
        &q,
        &["user_read", "workouts_read", "offline_data"],
    )
    .await["code"]
        .clone()
}

async fn exchange(
    f: &FakeClient,
    code: &str,
    verifier: Option<&str>,
    secret: &str,
) -> (u16, Value) {
    let mut form = vec![
        ("client_id", CLIENT_ID),
        ("client_secret", secret),
        ("code", code),
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    f.post_form("/oauth/token", &form, None).await
}

#[tokio::test]
async fn wahoo_fake_refuses_what_wahoo_refuses() {
    let f = FakeClient::new(SLUG).await;
    // Only the registered https page (and, in the sandbox, the loopback).
    let r = f
        .authorize(
            "/oauth/authorize",
            &[
                ("client_id", CLIENT_ID),
                ("redirect_uri", "http://localhost:3000/callback"),
                ("response_type", "code"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = f
        .authorize(
            "/oauth/authorize",
            &[
                ("client_id", CLIENT_ID),
                ("redirect_uri", FORWARD_URI),
                ("response_type", "code"),
                ("scope", "workouts_read"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    // PKCE, when used, is verified; a wrong secret is refused; codes are single use.
    let c = code(&f, true).await;
    assert_eq!(
        exchange(&f, &c, None, CLIENT_SECRET).await.1["error_description"],
        "code_verifier is required"
    );
    let c = code(&f, true).await;
    assert_eq!(
        exchange(&f, &c, Some(VERIFIER), "wrong").await.1["error"],
        "invalid_client"
    );
    let c = code(&f, true).await;
    let (s, t) = exchange(&f, &c, Some(VERIFIER), CLIENT_SECRET).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["expires_in"], 7200);
    assert!(t["created_at"].is_number());
    assert_eq!(
        exchange(&f, &c, Some(VERIFIER), CLIENT_SECRET).await.1["error"],
        "invalid_grant"
    );
    let tok = t["access_token"].as_str().unwrap().to_string();
    // Pages newest first, numbers as strings, per_page at most 100.
    let (s, p1, h) = f
        .get(&tok, "/v1/workouts", &[("page", "1"), ("per_page", "500")])
        .await;
    assert_eq!(s, 200);
    assert_eq!(p1["per_page"], 100);
    assert!(h.contains_key("x-ratelimit-reset"));
    let ws = p1["workouts"].as_array().unwrap();
    assert!(ws[0]["starts"].as_str() > ws[1]["starts"].as_str());
    assert!(ws[0]["workout_summary"]["calories_accum"].is_string());
    assert!(p1["total"].as_u64().unwrap() > 100);
    // At most 10 unrevoked access tokens per user: the 11th is refused until DELETE /v1/permissions.
    for _ in 1..MAX_TOKENS {
        let c = code(&f, false).await;
        assert_eq!(exchange(&f, &c, None, CLIENT_SECRET).await.0, 200);
    }
    let c = code(&f, false).await;
    let (s, e) = exchange(&f, &c, None, CLIENT_SECRET).await;
    assert_eq!(
        (s, e["error_description"].as_str()),
        (
            400,
            Some("Too many unrevoked access tokens exist for this app and user")
        )
    );
    let del = f
        .http
        .delete(format!("{}/v1/permissions", f.base))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 200);
    assert_eq!(f.get(&tok, "/v1/user", &[]).await.0, 401);
    let c = code(&f, false).await;
    assert_eq!(exchange(&f, &c, None, CLIENT_SECRET).await.0, 200);
    // Expired token: 401 with Wahoo's `{"error"}`.
    f.faults(Faults {
        access_token_ttl: Some(-1),
        ..Default::default()
    });
    let c = code(&f, false).await;
    let (_, t2) = exchange(&f, &c, None, CLIENT_SECRET).await;
    let (s, e, _) = f
        .get(t2["access_token"].as_str().unwrap(), "/v1/workouts", &[])
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (401, Some("Invalid access token"))
    );
}
