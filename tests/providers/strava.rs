//! Strava: connect → backfill → incremental → refresh → revoke, and the fake's conformance.
use chrono::Duration;
use serde_json::Value;
use vital_link::fake::faults::Faults;
use vital_link::fake::strava::{heart_rate_stream, CLIENT_ID, CLIENT_SECRET};
use vital_link::fake::synth::{self, Account};
use vital_link::providers::{FetchError, Window};

use crate::common::*;
use crate::support::*;

const SLUG: &str = "strava";

/// What the fake serves for `login` from `first` 00:00Z until the fixed now.
fn expected(login: &str, first: chrono::NaiveDate) -> (Vec<synth::Workout>, usize) {
    let acct = Account::new(login);
    let from = first.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let now_s = now().timestamp();
    let (mut wos, mut hr) = (vec![], 0);
    let mut day = first - Duration::days(1);
    while day <= now().date_naive() + Duration::days(1) {
        for w in synth::workouts(&acct, day) {
            if w.start >= from && w.end <= now_s {
                hr += heart_rate_stream(&acct, day, &w).len();
                wos.push(w);
            }
        }
        day += Duration::days(1);
    }
    (wos, hr)
}

#[tokio::test]
async fn strava_full_cycle() {
    let h = start(30).await;
    let login = "strava-athlete";
    // Tokens issued with less than an hour left, so a refresh really rotates.
    faults(
        &h.app,
        SLUG,
        Faults {
            access_token_ttl: Some(1800),
            ..Default::default()
        },
    );
    let conn = connected(&h.app, login, SLUG).await;
    // The athlete id comes from the token response's `athlete` object.
    assert_eq!(
        conn.external_user_id.as_deref(),
        Some(
            vital_link::fake::kit::numeric_id(&Account::new(login))
                .to_string()
                .as_str()
        )
    );
    // Scope from the callback (Strava's token response has none), comma-separated.
    assert_eq!(conn.scopes.as_deref(), Some("read,activity:read_all"));

    let first = now().date_naive() - Duration::days(29);
    let (want, want_hr) = expected(login, first);
    assert!(want.len() >= 4, "a month has workouts: {}", want.len());
    let got = summaries(&h.app, login, "workouts");
    assert_eq!(got.len(), want.len());
    assert_eq!(samples(&h.app, login, "heartrate").len(), want_hr);
    // Values as served: distance, times and the sport.
    let w = &want[0];
    let doc = got
        .iter()
        .find(|d| d["time_start"] == vital_link::model::iso_utc_ms(w.start * 1000))
        .expect("the first workout is stored");
    assert_eq!(doc["distance"].as_f64(), w.distance.or(Some(0.0)));
    assert_eq!(doc["source"]["provider"], "strava");
    assert_eq!(doc["timezone_offset"], Account::new(login).utc_offset_secs);
    assert_eq!(doc["sport"]["slug"], vital_link::model::sport(w.activity).2);

    // Incremental: nothing new, nothing rewritten.
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(
        (r.written.summaries_written, r.written.samples_written),
        (0, 0)
    );

    // Refresh: a new access and refresh token; the old refresh token is spent at once.
    let (old, new) = force_refresh(&h.app, &conn).await;
    let new = new.unwrap();
    assert_ne!(new.access_token, old.access_token);
    let spent = refresh_with(&h.app, SLUG, old.refresh_token.as_deref().unwrap()).await;
    assert_eq!(
        spent.err().unwrap().code,
        "invalid_grant",
        "Strava's fault body is adapted"
    );
    // A refused access token mid-sync: the sync refreshes and carries on.
    spoil_access_token(&h.app, &conn);
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(r.status, "connected");

    // Rate limit: 429 with Strava's usage headers; the wait is the rest of the 15-minute window.
    faults(
        &h.app,
        SLUG,
        Faults {
            rate_limit_retry_after: Some(1),
            ..Default::default()
        },
    );
    let p = provider(&h.app, SLUG);
    let c = ctx(&h.app, &conn);
    let w = Window {
        start: first,
        end: first,
    };
    match p.fetch_page(&c, "workouts", w, None).await {
        Err(FetchError::RateLimited { retry_after }) => {
            assert_eq!(retry_after.unwrap().as_secs(), 900, "15:00:00 → 15:15:00")
        }
        other => panic!("{other:?}"),
    }
    faults(&h.app, SLUG, Faults::default());

    // Revoke: /oauth/deauthorize; afterwards the fake refuses the token and the refresh token.
    let tokens = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    p.revoke(
        &c,
        &h.app.client_config(p.as_ref()).unwrap(),
        tokens.refresh_token.as_deref(),
    )
    .await
    .unwrap();
    assert_eq!(
        p.fetch_page(&c, "workouts", w, None).await.err(),
        Some(FetchError::Unauthorized)
    );
    let r = refresh_with(&h.app, SLUG, tokens.refresh_token.as_deref().unwrap()).await;
    assert_eq!(r.err().unwrap().code, "invalid_grant");
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(r.status, "reauth_required");
}

#[tokio::test]
async fn strava_link_errors() {
    let h = start(2).await;
    // invalid_grant at the token endpoint, in Strava's fault shape.
    faults(
        &h.app,
        SLUG,
        Faults {
            invalid_grant: true,
            ..Default::default()
        },
    );
    let s = try_connect(&h.app, "strava-grantless", SLUG, &Default::default()).await;
    assert_eq!(
        (s.state.as_str(), s.error_type.as_deref()),
        ("error", Some("invalid_grant"))
    );
    // Unticking the activity scope on Strava's consent page.
    faults(&h.app, SLUG, Faults::default());
    let s = try_connect(
        &h.app,
        "strava-stingy",
        SLUG,
        &vital_link::sandbox_browser::Choice {
            deny: false,
            untick: vec!["activity:read_all".into()],
        },
    )
    .await;
    assert_eq!(s.error_type.as_deref(), Some("required_scopes_not_granted"));
}

const REDIRECT: &str = "http://127.0.0.1:40123/callback";

async fn code(f: &FakeClient, scope: &str) -> String {
    let cb = f
        .consent(
            "/oauth/authorize",
            &[
                ("client_id", CLIENT_ID),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("scope", scope),
                ("state", "st"),
            ],
            &scope.split(',').collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(
        cb["scope"], scope,
        "the granted scopes come back comma-separated"
    );
    cb["code"].clone()
}

async fn exchange(f: &FakeClient, code: &str, secret: &str) -> (u16, Value) {
    f.post_form(
        "/oauth/token",
        &[
            ("client_id", CLIENT_ID),
            ("client_secret", secret),
            ("code", code),
            ("grant_type", "authorization_code"),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn strava_fake_refuses_what_strava_refuses() {
    let f = FakeClient::new(SLUG).await;
    // An unregistered redirect is shown as an error, never redirected to.
    let r = f
        .authorize(
            "/oauth/authorize",
            &[
                ("client_id", CLIENT_ID),
                ("redirect_uri", "https://evil.example/cb"),
                ("response_type", "code"),
                ("scope", "read"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    // Wrong secret: 401 with Strava's fault body; HTTP Basic is not Strava's way either.
    let c = code(&f, "read,activity:read_all").await;
    let (s, e) = exchange(&f, &c, "wrong").await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (401, Some("client_secret"))
    );
    let (s, _) = f
        .post_form(
            "/oauth/token",
            &[("code", &c), ("grant_type", "authorization_code")],
            Some((CLIENT_ID, CLIENT_SECRET)),
        )
        .await;
    assert_eq!(s, 401);
    // Code exchange has no redirect_uri and PKCE is not documented: neither is required.
    let c = code(&f, "read,activity:read_all").await;
    let (s, t) = exchange(&f, &c, CLIENT_SECRET).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 21600);
    assert!(t["expires_at"].as_i64().unwrap() > chrono::Utc::now().timestamp());
    assert!(t["athlete"]["id"].is_number());
    // A code is single use: Strava's RequestToken fault.
    let (s, e) = exchange(&f, &c, CLIENT_SECRET).await;
    assert_eq!(s, 400);
    assert_eq!(e["message"], "Bad Request");
    assert_eq!(e["errors"][0]["resource"], "RequestToken");
    // Refresh with more than an hour left returns the same access token and no athlete.
    let rt = t["refresh_token"].as_str().unwrap();
    let (s, t2) = f
        .post_form(
            "/oauth/token",
            &[
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
            ],
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(t2["access_token"], t["access_token"]);
    assert!(t2["expires_in"].as_i64().unwrap() <= 21600);
    assert!(t2.get("athlete").is_none());
    let tok = t["access_token"].as_str().unwrap();
    // Data: pages of activities within after/before; rate-limit headers on every answer.
    let (s, list, hdr) = f
        .get(
            tok,
            "/api/v3/athlete/activities",
            &[("after", "1790000000"), ("per_page", "2"), ("page", "1")],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(hdr["x-ratelimit-limit"], "200,2000");
    assert!(hdr.contains_key("x-readratelimit-usage"));
    let (_, p2, _) = f
        .get(
            tok,
            "/api/v3/athlete/activities",
            &[("after", "1790000000"), ("per_page", "2"), ("page", "2")],
        )
        .await;
    assert_ne!(list[0]["id"], p2[0]["id"]);
    assert!(
        list[0]["start_date"].as_str() < p2[0]["start_date"].as_str(),
        "ascending with after"
    );
    // Streams keyed by type include distance even when not asked for.
    let id = list[0]["id"].as_i64().unwrap();
    let (s, st, _) = f
        .get(
            tok,
            &format!("/api/v3/activities/{id}/streams"),
            &[("keys", "time,heartrate"), ("key_by_type", "true")],
        )
        .await;
    assert_eq!(s, 200);
    assert!(st["distance"].is_object() && st["heartrate"]["data"].as_array().unwrap().len() > 100);
    assert_eq!(
        f.get(tok, "/api/v3/activities/42/streams", &[]).await.0,
        404
    );
    // Missing scope: 401 with the permission named.
    let c = code(&f, "read").await;
    let (_, t3) = exchange(&f, &c, CLIENT_SECRET).await;
    let (s, e, _) = f
        .get(
            t3["access_token"].as_str().unwrap(),
            "/api/v3/athlete/activities",
            &[],
        )
        .await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (401, Some("activity:read_permission"))
    );
    // Expired and made-up tokens: 401 Authorization Error.
    f.faults(Faults {
        access_token_ttl: Some(-1),
        ..Default::default()
    });
    let c = code(&f, "read,activity:read_all").await;
    let (_, t4) = exchange(&f, &c, CLIENT_SECRET).await;
    let (s, e, _) = f
        .get(t4["access_token"].as_str().unwrap(), "/api/v3/athlete", &[])
        .await;
    assert_eq!(
        (s, e["message"].as_str()),
        (401, Some("Authorization Error"))
    );
    // Deauthorize invalidates every token of the athlete.
    let (s, _) = f
        .post_form("/oauth/deauthorize", &[("access_token", tok)], None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(f.get(tok, "/api/v3/athlete", &[]).await.0, 401);
}

/// Regression (issue 13): the list has no `calories`; every sandbox workout of a 120-day
/// backfill now has them, from a ride's `kilojoules` or from the detailed activity, and they
/// match what the athlete's generator burned (kcal; kJ of work ≈ kcal at ~24% efficiency).
#[tokio::test]
async fn strava_workouts_have_calories() {
    let h = start(120).await;
    let login = "strava-calories";
    connected(&h.app, login, SLUG).await;
    let got = summaries(&h.app, login, "workouts");
    let (want, _) = expected(login, now().date_naive() - Duration::days(119));
    assert_eq!(got.len(), want.len());
    let missing: Vec<&Value> = got.iter().filter(|d| d["calories"].is_null()).collect();
    assert!(
        missing.is_empty(),
        "{} of {} workouts have no calories: {:?}",
        missing.len(),
        got.len(),
        missing.first().map(|d| &d["sport"])
    );
    for w in &want {
        let d = got
            .iter()
            .find(|d| d["time_start"] == vital_link::model::iso_utc_ms(w.start * 1000))
            .unwrap();
        let kcal = d["calories"].as_f64().unwrap();
        assert!(
            (kcal - w.calories).abs() <= w.calories * 0.01 + 0.1,
            "{kcal} vs {}",
            w.calories
        );
    }
    assert!(
        got.iter().any(|d| d["sport"]["slug"] == "cycling"),
        "the sandbox has rides"
    );
}
