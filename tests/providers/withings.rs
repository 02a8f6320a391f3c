//! Withings: connect → backfill → incremental → refresh → revoke, and the fake's conformance.
use chrono::{Duration, NaiveDate};
use serde_json::Value;
use vital_link::fake::faults::Faults;
use vital_link::fake::synth::{self, Account};
use vital_link::fake::withings::{intraday, user_id, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI};
use vital_link::providers::{FetchError, Window};

use crate::common::*;
use crate::support::*;

const SLUG: &str = "withings";

#[derive(Debug, Default, PartialEq)]
struct Want {
    sleep: usize,
    activity: usize,
    workouts: usize,
    body: usize,
    heartrate: usize,
    hrv: usize,
}

/// What the fake serves for `login` from `first` to the fixed now, from the generator.
fn expected(login: &str, first: NaiveDate) -> Want {
    let acct = Account::new(login);
    let now_s = now().timestamp();
    let local_today = now().with_timezone(&acct.tz()).date_naive();
    let last = (now().date_naive() + Duration::days(1)).min(local_today);
    let mut w = Want::default();
    let mut d = first;
    while d <= last {
        w.sleep += synth::sleeps(&acct, d)
            .iter()
            .filter(|n| n.end() <= now_s)
            .count();
        w.activity += usize::from(acct.day_start(d) <= now_s);
        w.workouts += synth::workouts(&acct, d)
            .iter()
            .filter(|x| x.end <= now_s)
            .count();
        d += Duration::days(1);
    }
    let from = first.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let mut d = first - Duration::days(1);
    while d <= now().date_naive() + Duration::days(1) {
        w.body += synth::weighing(&acct, d)
            .filter(|x| x.t >= from && x.t <= now_s)
            .is_some() as usize;
        d += Duration::days(1);
    }
    let series = intraday(&acct, from, now_s + 1);
    w.heartrate = series
        .values()
        .filter(|v| v.get("heart_rate").is_some())
        .count();
    w.hrv = series.values().filter(|v| v.get("rmssd").is_some()).count();
    w
}

#[tokio::test]
async fn withings_full_cycle() {
    let h = start(30).await;
    let login = "withings-user";
    let acct = Account::new(login);
    let conn = connected(&h.app, login, SLUG).await;
    // `userid` from the wrapped token response; the granted scopes, comma list made plain.
    assert_eq!(conn.external_user_id, Some(user_id(&acct).to_string()));
    assert_eq!(conn.scopes.as_deref(), Some("user.activity user.metrics"));

    let first = now().date_naive() - Duration::days(29);
    let want = expected(login, first);
    let got = Want {
        sleep: summaries(&h.app, login, "sleep").len(),
        activity: summaries(&h.app, login, "activity").len(),
        workouts: summaries(&h.app, login, "workouts").len(),
        body: summaries(&h.app, login, "body").len(),
        heartrate: samples(&h.app, login, "heartrate").len(),
        hrv: samples(&h.app, login, "hrv").len(),
    };
    assert_eq!(got, want);
    assert!(
        want.activity > 25 && want.body > 10 && want.heartrate > 25 * 270,
        "{want:?}"
    );
    assert_eq!(samples(&h.app, login, "body_weight").len(), want.body);
    assert_eq!(samples(&h.app, login, "body_fat").len(), want.body);
    // Values: weight through `value × 10^unit`, the zone's offset, activity and sleep totals.
    let day = now().date_naive() - Duration::days(3);
    let weighing = (0..7)
        .find_map(|i| synth::weighing(&acct, day - Duration::days(i)))
        .unwrap();
    let body = summaries(&h.app, login, "body");
    let b = body
        .iter()
        .find(|b| b["date"] == vital_link::model::iso_utc_ms(weighing.t * 1000))
        .unwrap();
    assert_eq!(b["weight"].as_f64(), Some(weighing.kg));
    assert_eq!(b["fat"].as_f64(), Some(weighing.fat_pct));
    assert_eq!(b["timezone_offset"], acct.utc_offset_secs);
    let acts = summaries(&h.app, login, "activity");
    let a = acts
        .iter()
        .find(|a| a["calendar_date"] == day.to_string())
        .unwrap();
    assert_eq!(a["steps"], synth::activity(&acct, day).steps);
    assert_eq!(a["time_zone"], acct.iana_zone());
    let sleeps = summaries(&h.app, login, "sleep");
    let n = synth::night(&acct, day);
    let s = sleeps
        .iter()
        .find(|s| s["bedtime_start"] == vital_link::model::iso_utc_ms(n.start * 1000))
        .unwrap();
    assert_eq!(s["total"], n.total_sleep());
    assert_eq!(s["deep"], n.seconds_in(1));
    assert_eq!(s["calendar_date"], day.to_string());

    // Incremental: nothing new.
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(
        (r.written.summaries_written, r.written.samples_written),
        (0, 0)
    );

    // Refresh (`action=requesttoken`, rotating); the same request again within 10 seconds is
    // Withings' status 601, reported as such rather than as a lost authorization.
    let (old, new) = force_refresh(&h.app, &conn).await;
    assert_ne!(new.unwrap().refresh_token, old.refresh_token);
    let again = refresh_with(&h.app, SLUG, old.refresh_token.as_deref().unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(again.code, "provider_api_error");
    assert!(again.message.contains("601"), "{}", again.message);
    // A refused access token (status 401 inside HTTP 200) mid-sync: refresh and carry on.
    spoil_access_token(&h.app, &conn);
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(r.status, "connected");

    // Status 601 on a data service: the wait comes from `body.wait_seconds`.
    faults(
        &h.app,
        SLUG,
        Faults {
            rate_limit_retry_after: Some(188),
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
        p.fetch_page(&c, "activity", w, None).await.err(),
        Some(FetchError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(188))
        })
    );
    faults(&h.app, SLUG, Faults::default());

    // Revoke: signed (nonce + HMAC with the client secret); the fake then refuses the tokens.
    let tokens = h.app.store.tokens(&h.app.vault, conn.id).unwrap();
    let cfg = h.app.client_config(p.as_ref()).unwrap();
    p.revoke(&c, &cfg, tokens.refresh_token.as_deref())
        .await
        .unwrap();
    assert_eq!(
        p.fetch_page(&c, "body", w, None).await.err(),
        Some(FetchError::Unauthorized)
    );
    let r = h.app.sync_connection(conn.id, None).await.unwrap();
    assert_eq!(r.status, "reauth_required");
}

#[tokio::test]
async fn withings_invalid_grant_fails_the_link() {
    let h = start(2).await;
    faults(
        &h.app,
        SLUG,
        Faults {
            invalid_grant: true,
            ..Default::default()
        },
    );
    let s = try_connect(&h.app, "withings-grantless", SLUG, &Default::default()).await;
    assert_eq!(
        (s.state.as_str(), s.error_type.as_deref()),
        ("error", Some("invalid_grant"))
    );
    assert!(s.error.unwrap().contains("Withings status 503"));
}

fn authorize_query<'a>(
    state: Option<&'a str>,
    redirect: &'a str,
    scope: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", redirect),
        ("scope", scope),
    ];
    if let Some(s) = state {
        q.push(("state", s));
    }
    q
}

async fn code(f: &FakeClient, scope: &str) -> String {
    f.consent(
        "/oauth2_user/authorize2",
        &authorize_query(Some("st"), REDIRECT_URI, scope),
        &scope.split(',').collect::<Vec<_>>(),
    )
    .await["code"]
        .clone()
}

async fn token(f: &FakeClient, form: &[(&str, &str)]) -> Value {
    let (s, v) = f.post_form("/v2/oauth2", form, None).await;
    assert_eq!(s, 200, "Withings answers HTTP 200 whatever happened");
    v
}

async fn exchange(f: &FakeClient, code: &str, secret: &str, extra: &[(&str, &str)]) -> Value {
    let mut form = vec![
        ("action", "requesttoken"),
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT_ID),
        ("client_secret", secret),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
    ];
    form.extend_from_slice(extra);
    token(f, &form).await
}

async fn service(f: &FakeClient, tok: &str, path: &str, form: &[(&str, &str)]) -> Value {
    let r = f
        .http
        .post(format!("{}{path}", f.base))
        .bearer_auth(tok)
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn withings_fake_refuses_what_withings_refuses() {
    let f = FakeClient::new(SLUG).await;
    // `state` is required; the registered callback must match (port included).
    let r = f
        .authorize(
            "/oauth2_user/authorize2",
            &authorize_query(None, REDIRECT_URI, "user.activity"),
        )
        .await;
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=invalid_state"));
    let r = f
        .authorize(
            "/oauth2_user/authorize2",
            &authorize_query(Some("s"), "http://127.0.0.1:8753/callback", "user.activity"),
        )
        .await;
    assert_eq!(r.status(), 400);
    // Without `action=requesttoken` the token endpoint does not know what to do.
    let c = code(&f, "user.activity,user.metrics").await;
    let e = token(&f, &[("grant_type", "authorization_code"), ("code", &c)]).await;
    assert_eq!(e["status"], 503);
    // Wrong secret, and HTTP Basic instead of the body.
    let e = exchange(&f, &c, "wrong", &[]).await;
    assert_eq!(
        (e["status"].as_i64(), e["error"].as_str()),
        (
            Some(503),
            Some("Invalid Params: invalid client_id or client_secret")
        )
    );
    let (_, e) = f
        .post_form(
            "/v2/oauth2",
            &[
                ("action", "requesttoken"),
                ("grant_type", "authorization_code"),
                ("code", &c),
            ],
            Some((CLIENT_ID, CLIENT_SECRET)),
        )
        .await;
    assert_eq!(e["status"], 503);
    // A good exchange: the wrapped token, `userid`, comma scopes.
    let c = code(&f, "user.activity,user.metrics").await;
    let t = exchange(&f, &c, CLIENT_SECRET, &[]).await;
    assert_eq!(t["status"], 0, "{t}");
    let b = &t["body"];
    assert_eq!(
        (b["expires_in"].as_i64(), b["token_type"].as_str()),
        (Some(10800), Some("Bearer"))
    );
    assert_eq!(b["scope"], "user.activity,user.metrics");
    assert!(b["userid"].is_number() && b["csrf_token"].is_string());
    // The same arguments again within 10 s: 601; a reused code otherwise: invalid code.
    let e = exchange(&f, &c, CLIENT_SECRET, &[]).await;
    assert_eq!(e["status"], 601);
    assert!(e["body"]["wait_seconds"].as_u64().unwrap() <= 10);
    let e = exchange(&f, &c, CLIENT_SECRET, &[("mode", "again")]).await;
    assert_eq!(e["error"], "Invalid Params: invalid code");
    // An expired code (they live 30 seconds).
    f.faults(Faults {
        expire_code: true,
        ..Default::default()
    });
    let c2 = code(&f, "user.activity").await;
    assert_eq!(
        exchange(&f, &c2, CLIENT_SECRET, &[]).await["error"],
        "Invalid Params: invalid code"
    );
    f.faults(Faults::default());
    // Rotation with grace: the old refresh token works until the new access token is used.
    let r1 = b["refresh_token"].as_str().unwrap();
    let refresh = |rt: &str, salt: &'static str| {
        let rt = rt.to_string();
        let f = &f;
        async move {
            token(
                f,
                &[
                    ("action", "requesttoken"),
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT_ID),
                    ("client_secret", CLIENT_SECRET),
                    ("refresh_token", &rt),
                    ("salt", salt),
                ],
            )
            .await
        }
    };
    let t2 = refresh(r1, "1").await;
    assert_eq!(t2["status"], 0);
    assert_eq!(
        refresh(r1, "2").await["status"],
        0,
        "still valid before the new token is used"
    );
    let a2 = t2["body"]["access_token"].as_str().unwrap();
    let v = service(
        &f,
        a2,
        "/v2/measure",
        &[
            ("action", "getactivity"),
            ("startdateymd", "2026-10-01"),
            ("enddateymd", "2026-11-09"),
        ],
    )
    .await;
    assert_eq!(v["status"], 0);
    assert_eq!(
        refresh(r1, "3").await["error"],
        "Invalid Params: invalid refresh_token"
    );
    // Paging: `more` (bool) + `offset`, 25 per page.
    assert_eq!(
        (v["body"]["more"].as_bool(), v["body"]["offset"].as_i64()),
        (Some(true), Some(25))
    );
    let v2 = service(
        &f,
        a2,
        "/v2/measure",
        &[
            ("action", "getactivity"),
            ("startdateymd", "2026-10-01"),
            ("enddateymd", "2026-11-09"),
            ("offset", "25"),
        ],
    )
    .await;
    assert_eq!(
        v["body"]["activities"].as_array().unwrap().len()
            + v2["body"]["activities"].as_array().unwrap().len(),
        40
    );
    assert_eq!(v2["body"]["more"], false);
    // getmeas: `more` is an int; values with a unit exponent. Parameters in the query work too.
    let r = f
        .http
        .post(format!("{}/measure?action=getmeas&meastypes=1&category=1&startdate=1790000000&enddate=1795000000", f.base))
        .bearer_auth(a2)
        .send()
        .await
        .unwrap();
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["body"]["more"], 1);
    assert_eq!(m["body"]["measuregrps"][0]["measures"][0]["unit"], -3);
    // Intraday: only the first 24 hours after startdate.
    let v = service(
        &f,
        a2,
        "/v2/measure",
        &[
            ("action", "getintradayactivity"),
            ("startdate", "1794000000"),
            ("enddate", "1795000000"),
        ],
    )
    .await;
    let keys: Vec<i64> = v["body"]["series"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.parse().unwrap())
        .collect();
    assert!(keys.iter().all(|k| (1794000000..1794086400).contains(k)) && keys.len() > 250);
    // A scope not granted, an unknown action, a made-up token — all inside HTTP 200.
    let c = code(&f, "user.activity").await;
    let t = exchange(&f, &c, CLIENT_SECRET, &[]).await;
    let only_activity = t["body"]["access_token"].as_str().unwrap();
    let e = service(
        &f,
        only_activity,
        "/measure",
        &[("action", "getmeas"), ("lastupdate", "1790000000")],
    )
    .await;
    assert_eq!(e["status"], 403);
    assert_eq!(
        service(&f, a2, "/v2/measure", &[("action", "nope")]).await["status"],
        2554
    );
    let e = service(
        &f,
        "made-up",
        "/v2/sleep",
        &[("action", "getsummary"), ("lastupdate", "1")],
    )
    .await;
    assert_eq!(e["status"], 401);
    // An expired access token.
    f.faults(Faults {
        access_token_ttl: Some(-1),
        ..Default::default()
    });
    let c = code(&f, "user.activity").await;
    let t = exchange(&f, &c, CLIENT_SECRET, &[]).await;
    let e = service(
        &f,
        t["body"]["access_token"].as_str().unwrap(),
        "/v2/sleep",
        &[("action", "getsummary"), ("lastupdate", "1")],
    )
    .await;
    assert_eq!(e["status"], 401);
    // Revoke needs a valid signature and a fresh nonce.
    let e = token(
        &f,
        &[
            ("action", "revoke"),
            ("client_id", CLIENT_ID),
            ("nonce", "x"),
            ("signature", "y"),
            ("userid", "1"),
        ],
    )
    .await;
    assert_eq!(e["status"], 100);
}

/// Regression (issue 13): the fake honours `data_fields` (only the requested data fields come
/// back), and the client asks for the fields it reads, so its workouts and activity keep them.
#[tokio::test]
async fn withings_data_fields_are_honoured_and_sent() {
    let f = FakeClient::new(SLUG).await;
    let c = code(&f, "user.activity,user.metrics").await;
    let t = exchange(&f, &c, CLIENT_SECRET, &[]).await;
    let tok = t["body"]["access_token"].as_str().unwrap().to_string();
    let post = |form: Vec<(&'static str, &'static str)>| {
        let (http, base, tok) = (f.http.clone(), f.base.clone(), tok.clone());
        async move {
            http.post(format!("{base}/v2/measure"))
                .bearer_auth(tok)
                .form(&form)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let range = [("startdateymd", "2026-10-01"), ("enddateymd", "2026-11-19")];
    let mut form = vec![("action", "getworkouts"), ("data_fields", "calories,steps")];
    form.extend(range);
    let v = post(form).await;
    assert_eq!(v["status"], 0, "{v}");
    let w = &v["body"]["series"][0];
    let keys: Vec<&String> = w["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["calories", "steps"], "{w}");
    assert!(w["startdate"].is_number() && w["category"].is_number());
    let mut form = vec![("action", "getactivity"), ("data_fields", "steps")];
    form.extend(range);
    let v = post(form).await;
    let a = &v["body"]["activities"][0];
    assert!(a["steps"].is_number() && a.get("totalcalories").is_none() && a["date"].is_string());
    // The app asks for its fields: a synced workout has calories, heart rate and distance,
    // and the floors of `elevation` are not stored as metres of elevation gain.
    let h = start(10).await;
    let login = "withings-fields";
    connect(&h.app, login, SLUG).await;
    let wos = summaries(&h.app, login, "workouts");
    assert!(!wos.is_empty());
    for d in &wos {
        assert!(
            d["calories"].is_number() && d["average_hr"].is_number(),
            "{d}"
        );
        assert!(d["total_elevation_gain"].is_null(), "{d}");
    }
    let act = summaries(&h.app, login, "activity");
    assert!(act
        .iter()
        .all(|d| d["calories_total"].is_number() && d["steps"].is_number()));
}

/// The client's reading of the in-body status agrees with the document's families: every
/// "Invalid params" status is permanent (a clear failure, never retried as an outage).
#[tokio::test]
async fn withings_statuses_follow_the_documented_families() {
    use vital_link::providers::withings::envelope;
    let c = vital_link_contract::Contract::load("withings").unwrap();
    for code in 500..=533 {
        let r = envelope(serde_json::json!({"status": code, "body": {}, "error": "x"}));
        let family = c.status_family(code);
        match family {
            Some("Invalid params") => assert!(
                matches!(r, Err(FetchError::Rejected { status: 400, .. })),
                "{code} is invalid params, got {r:?}"
            ),
            Some(_) => assert!(
                matches!(r, Err(FetchError::Server { .. })),
                "{code} ({family:?}) should stay retryable, got {r:?}"
            ),
            None => {}
        }
    }
}
