//! Polar: connect (with the user registration) → backfill → incremental → later exercises →
//! no refresh → revoke, and the fake's conformance.
use chrono::Duration;
use serde_json::Value;
use vital_link::fake::faults::Faults;
use vital_link::fake::polar::{
    continuous, exercise_hr, nights, polar_user_id, recharge_blocks, visible_exercises, CLIENT_ID,
    CLIENT_SECRET, REDIRECT_URI,
};
use vital_link::fake::synth::{self, Account};
use vital_link::providers::{FetchError, Window};

use crate::common::*;
use crate::support::*;

const SLUG: &str = "polar";

#[tokio::test]
async fn polar_full_cycle() {
    let h = start(30).await;
    let login = "polar-user";
    let acct = Account::new(login);
    let conn = connected(&h.app, login, SLUG).await;
    assert_eq!(
        conn.external_user_id,
        Some(polar_user_id(&acct).to_string())
    );
    assert_eq!(conn.scopes.as_deref(), Some("accesslink.read_all"));
    // No refresh token: Polar's tokens last about a year.
    let t = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    assert!(t.refresh_token.is_none());
    assert!(t.expires_at.unwrap() > chrono::Utc::now().timestamp_millis() + 300 * 86_400_000);

    // Polar keeps 28 days: the backfill is capped there whatever the app asks for.
    let now_s = now().timestamp();
    let first = now().date_naive() - Duration::days(27);
    let local_today = now().with_timezone(&acct.tz()).date_naive();
    let last = (now().date_naive() + Duration::days(1)).min(local_today);
    let ns: Vec<_> = nights(&acct, now_s)
        .into_iter()
        .filter(|(d, _)| *d >= first && *d <= last)
        .collect();
    let hrv: usize = ns
        .iter()
        .map(|(_, n)| recharge_blocks(n).filter(|i| n.hrv[*i].is_some()).count())
        .sum();
    let breaths: usize = ns.iter().map(|(_, n)| recharge_blocks(n).len()).sum();
    let (mut activity, mut hr) = (0, 0);
    let mut d = first;
    while d <= last {
        activity += usize::from(acct.day_start(d) <= now_s);
        hr += continuous(&acct, d)
            .iter()
            .filter(|(t, _)| *t <= now_s)
            .count();
        d += Duration::days(1);
    }
    assert_eq!(summaries(&h.app, login, "sleep").len(), ns.len());
    assert_eq!(samples(&h.app, login, "hrv").len(), hrv);
    assert_eq!(samples(&h.app, login, "respiratory_rate").len(), breaths);
    assert_eq!(summaries(&h.app, login, "activity").len(), activity);
    assert_eq!(samples(&h.app, login, "heartrate").len(), hr);
    // Exercises uploaded before the registration are never visible: none yet.
    assert_eq!(summaries(&h.app, login, "workouts").len(), 0);
    assert!(
        ns.len() >= 26 && hrv > 26 * 40,
        "{} nights, {hrv} hrv",
        ns.len()
    );
    // Values: a night's stages and its offset.
    let (day, n) = &ns[ns.len() / 2];
    let sleep = summaries(&h.app, login, "sleep");
    let s = sleep
        .iter()
        .find(|s| s["calendar_date"] == day.to_string())
        .unwrap();
    assert_eq!(s["deep"], n.seconds_in(1));
    assert_eq!(s["total"], n.total_sleep());
    assert_eq!(s["timezone_offset"], acct.utc_offset_secs);
    // A daily activity's `start_time` is device-local without an offset (AccessLink OpenAPI, tag
    // "Daily activity"): the day is its date, the offset the user's (from the sleeps), and the
    // day begins at local midnight, not at midnight UTC.
    assert_ne!(
        acct.utc_offset_secs, 0,
        "the account must not be on UTC to tell"
    );
    let activity = summaries(&h.app, login, "activity");
    let a = activity
        .iter()
        .find(|a| a["calendar_date"] == day.to_string())
        .unwrap();
    assert_eq!(a["timezone_offset"], acct.utc_offset_secs);
    assert_eq!(
        s["bedtime_start"],
        vital_link::model::iso_utc_ms(n.start * 1000)
    );

    // Incremental: nothing new.
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(
        (r.written.summaries_written, r.written.samples_written),
        (0, 0),
        "{r:?}"
    );

    // Connecting again: the registration answers 409, which is success.
    let again = connect(&h.app, login, SLUG).await;
    assert_eq!((again.id, again.status.as_str()), (conn.id, "connected"));

    // Ten days later the same app sees the exercises uploaded since the registration.
    let later = now() + Duration::days(10);
    let app2 = reopen(h.dir.path(), later, 30).await;
    let r = app2.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(r.status, "connected", "{r:?}");
    let seen = visible_exercises(&acct, now_s, later.timestamp());
    assert!(!seen.is_empty());
    let wos = summaries(&app2, login, "workouts");
    assert_eq!(wos.len(), seen.len());
    let (d0, w0) = &seen[0];
    let in_workout = samples(&app2, login, "heartrate")
        .into_iter()
        .filter(|s| s.ts >= w0.start * 1000 && s.ts <= w0.end * 1000)
        .count();
    assert_eq!(in_workout, exercise_hr(&acct, *d0, w0).len());
    assert!(wos
        .iter()
        .any(|w| w["sport"]["slug"] == vital_link::model::sport(w0.activity).2));

    // 429 with Polar's RateLimit-Reset.
    faults(
        &app2,
        SLUG,
        Faults {
            rate_limit_retry_after: Some(640),
            ..Default::default()
        },
    );
    let p = provider(&app2, SLUG);
    let c = ctx(&app2, &conn);
    let w = Window {
        start: first,
        end: first,
    };
    assert_eq!(
        p.fetch_page(&c, "sleep", w, None).await.err(),
        Some(FetchError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(640))
        })
    );
    faults(&app2, SLUG, Faults::default());

    // No refresh grant: a refused token means connecting again.
    let (_, refreshed) = force_refresh(&app2, &conn).await;
    assert_eq!(refreshed.err().unwrap().code, "reauth_required");

    // Revoke: DELETE /v3/users/{id}; the token is refused afterwards, the sync asks to reconnect.
    p.revoke(&c, &app2.client_config(p.as_ref()).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        p.fetch_page(&c, "sleep", w, None).await.err(),
        Some(FetchError::Unauthorized)
    );
    let r = app2.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(r.status, "reauth_required");
}

#[tokio::test]
async fn polar_invalid_grant_fails_the_link() {
    let h = start(2).await;
    faults(
        &h.app,
        SLUG,
        Faults {
            invalid_grant: true,
            ..Default::default()
        },
    );
    let s = try_connect(&h.app, "polar-grantless", SLUG, &Default::default()).await;
    assert_eq!(
        (s.state.as_str(), s.error_type.as_deref()),
        ("error", Some("invalid_grant"))
    );
}

async fn code(f: &FakeClient, redirect: Option<&str>) -> String {
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("scope", "accesslink.read_all"),
        ("state", "s"),
    ];
    if let Some(r) = redirect {
        q.push(("redirect_uri", r));
    }
    f.consent("/oauth2/authorization", &q, &["accesslink.read_all"])
        .await["code"]
        .clone()
}

async fn exchange(
    f: &FakeClient,
    code: &str,
    redirect: Option<&str>,
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code)];
    if let Some(r) = redirect {
        form.push(("redirect_uri", r));
    }
    f.post_form("/v2/oauth2/token", &form, basic).await
}

#[tokio::test]
async fn polar_fake_refuses_what_polar_refuses() {
    let f = FakeClient::new(SLUG).await;
    let basic = Some((CLIENT_ID, CLIENT_SECRET));
    // An unregistered redirect is not followed.
    let r = f
        .authorize(
            "/oauth2/authorization",
            &[
                ("response_type", "code"),
                ("client_id", CLIENT_ID),
                ("redirect_uri", "http://127.0.0.1:9999/callback"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    // Basic only: the secret in the body is refused; a wrong secret too.
    let c = code(&f, Some(REDIRECT_URI)).await;
    let (s, e) = f
        .post_form(
            "/v2/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &c),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ],
            None,
        )
        .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("invalid_client")));
    assert_eq!(
        exchange(&f, &c, Some(REDIRECT_URI), Some((CLIENT_ID, "wrong")))
            .await
            .1["error"],
        "invalid_client"
    );
    // A redirect_uri sent to authorize must be sent again, identical.
    let c = code(&f, Some(REDIRECT_URI)).await;
    assert_eq!(
        exchange(&f, &c, None, basic).await.1["error"],
        "invalid_grant"
    );
    // Without redirect_uri at all (one registered URL), the exchange works.
    let c = code(&f, None).await;
    let (s, t) = exchange(&f, &c, None, basic).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        (t["token_type"].as_str(), t["expires_in"].as_i64()),
        (Some("bearer"), Some(31_535_999))
    );
    assert!(t["x_user_id"].is_number() && t.get("refresh_token").is_none());
    let tok = t["access_token"].as_str().unwrap().to_string();
    // Data before the registration is refused; registration, then 409 for a second one.
    assert_eq!(f.get(&tok, "/v3/users/sleep", &[]).await.0, 403);
    let reg = f
        .http
        .post(format!("{}/v3/users", f.base))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"member-id": "member-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reg.status(), 200);
    let user: Value = reg.json().await.unwrap();
    assert_eq!(user["polar-user-id"], t["x_user_id"]);
    let again = f
        .http
        .post(format!("{}/v3/users", f.base))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"member-id": "member-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    // Rate-limit headers on every answer; 28-day ranges; a 429 with the reset.
    let (s, nights, h) = f.get(&tok, "/v3/users/sleep", &[]).await;
    assert_eq!(s, 200);
    assert!(nights["nights"].as_array().unwrap().len() >= 27);
    assert_eq!(h["ratelimit-limit"], "520, 5100");
    assert!(h.contains_key("ratelimit-usage") && h.contains_key("ratelimit-reset"));
    assert_eq!(
        f.get(
            &tok,
            "/v3/users/activities",
            &[("from", "2026-10-01"), ("to", "2026-11-15")]
        )
        .await
        .0,
        400
    );
    let (s, acts, _) = f
        .get(
            &tok,
            "/v3/users/activities",
            &[("from", "2026-11-01"), ("to", "2026-11-14")],
        )
        .await;
    assert_eq!((s, acts.as_array().unwrap().len()), (200, 14));
    f.faults(Faults {
        rate_limit_retry_after: Some(33),
        ..Default::default()
    });
    let (s, _, h) = f.get(&tok, "/v3/users/sleep", &[]).await;
    assert_eq!(
        (s, h["ratelimit-reset"].to_str().unwrap()),
        (429, "33, 80211")
    );
    f.faults(Faults::default());
    // No refresh grant.
    let (s, e) = f
        .post_form(
            "/v2/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", "x")],
            basic,
        )
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    // Re-using a code is refused and deletes the tokens issued for it.
    let (s, _) = exchange(&f, &c, None, basic).await;
    assert_eq!(s, 400);
    assert_eq!(f.get(&tok, "/v3/users/sleep", &[]).await.0, 401);
    // Expired and made-up tokens: 401 with Polar's error model.
    let (s, e, _) = f.get("made-up", "/v3/exercises", &[]).await;
    assert_eq!((s, e["status"].as_i64()), (401, Some(401)));
    assert!(e["errorType"].is_string() && e["corrId"].is_string());
    f.faults(Faults {
        access_token_ttl: Some(-1),
        ..Default::default()
    });
    let c = code(&f, None).await;
    let (_, t) = exchange(&f, &c, None, basic).await;
    assert_eq!(
        f.get(t["access_token"].as_str().unwrap(), "/v3/users/sleep", &[])
            .await
            .0,
        401
    );
    // The generator gives the same night for any request.
    let _ = synth::night(&Account::new("x"), now().date_naive());
}
