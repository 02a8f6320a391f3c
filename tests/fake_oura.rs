//! The sandbox Oura refuses what the real Oura refuses. A fake that accepts anything proves
//! nothing, so each rule of the published API is checked here over real loopback HTTP.
use std::collections::HashMap;

use reqwest::redirect::Policy;
use serde_json::Value;
use vital_link::clock::Clock;
use vital_link::fake::faults::Faults;
use vital_link::fake::oauth_server::pkce_s256;
use vital_link::fake::oura::{CLIENT_ID, CLIENT_SECRET};
use vital_link::fake::Sandbox;

const VERIFIER: &str = "a-long-enough-code-verifier-for-the-sandbox-0123456789";

struct Fake {
    base: String,
    /// The redirect URI registered with this sandbox's Oura (exact match: no other port).
    redirect: String,
    http: reqwest::Client,
    sandbox: Sandbox,
}

async fn fake() -> Fake {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
        .unwrap()
        .to_utc();
    let sandbox = Sandbox::start(Clock::fixed(now), None).await.unwrap();
    Fake {
        base: sandbox.base_url("oura").unwrap().to_string(),
        redirect: vital_link::fake::oura::redirect_uri(sandbox.redirect_port("oura").unwrap()),
        http: reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap(),
        sandbox,
    }
}

impl Fake {
    /// Authorize (with PKCE unless `challenge` is None) and press Allow; returns the redirect.
    async fn code(
        &self,
        redirect: &str,
        challenge: Option<&str>,
        scope: &str,
    ) -> HashMap<String, String> {
        let mut q = vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", redirect),
            ("state", "st"),
            ("scope", scope),
        ];
        let ch;
        if let Some(c) = challenge {
            ch = c.to_string();
            q.push(("code_challenge", &ch));
            q.push(("code_challenge_method", "S256"));
        }
        let page = self
            .http
            .get(format!("{}/oauth/authorize", self.base))
            .query(&q)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let rid = page
            .split("name=\"request_id\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let mut form = vec![
            ("request_id".to_string(), rid),
            ("action".into(), "allow".into()),
        ];
        for s in scope.split(' ') {
            form.push(("scope".into(), s.into()));
        }
        let r = self
            .http
            .post(format!("{}/oauth/authorize/decision", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        url::Url::parse(&loc)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }

    async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/oauth/token", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn exchange(
        &self,
        code: &str,
        redirect: &str,
        verifier: Option<&str>,
        secret: &str,
    ) -> (u16, Value) {
        let mut f = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", CLIENT_ID),
            ("client_secret", secret),
        ];
        if let Some(v) = verifier {
            f.push(("code_verifier", v));
        }
        self.token(&f).await
    }

    async fn access(&self, scope: &str) -> Value {
        let cb = self
            .code(&self.redirect, Some(&pkce_s256(VERIFIER)), scope)
            .await;
        let (s, t) = self
            .exchange(&cb["code"], &self.redirect, Some(VERIFIER), CLIENT_SECRET)
            .await;
        assert_eq!(s, 200, "{t}");
        t
    }

    async fn get(&self, token: &str, path: &str, q: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .query(q)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn token_response_has_oura_shape_and_refresh_rotates() {
    let f = fake().await;
    let t = f.access("daily heartrate").await;
    assert_eq!(t["token_type"], "bearer", "Oura's token_type is lower case");
    assert_eq!(t["expires_in"], 86400);
    assert!(t.get("scope").is_none());
    let rt = t["refresh_token"].as_str().unwrap();
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ];
    let (s, t2) = f.token(&refresh).await;
    assert_eq!(s, 200);
    assert_ne!(t2["refresh_token"], t["refresh_token"]);
    let (s, e) = f.token(&refresh).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("invalid_grant")),
        "a used refresh token is spent"
    );
}

#[tokio::test]
async fn the_token_endpoint_refuses_what_oura_refuses() {
    let f = fake().await;
    let ch = pkce_s256(VERIFIER);
    // Wrong client secret, in the body and via HTTP Basic.
    let cb = f.code(&f.redirect, Some(&ch), "daily").await;
    assert_eq!(
        f.exchange(&cb["code"], &f.redirect, Some(VERIFIER), "wrong")
            .await
            .1["error"],
        "invalid_client"
    );
    let basic = f
        .http
        .post(format!("{}/oauth/token", f.base))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    // Redirect URI different from the authorize request.
    let cb = f.code(&f.redirect, Some(&ch), "daily").await;
    let (s, e) = f
        .exchange(
            &cb["code"],
            "http://127.0.0.1:40001/callback",
            Some(VERIFIER),
            CLIENT_SECRET,
        )
        .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (400, Some("invalid_redirect_uri"))
    );
    // Missing and wrong PKCE verifier.
    let cb = f.code(&f.redirect, Some(&ch), "daily").await;
    assert_eq!(
        f.exchange(&cb["code"], &f.redirect, None, CLIENT_SECRET)
            .await
            .1["error_description"],
        "code_verifier is required"
    );
    let cb = f.code(&f.redirect, Some(&ch), "daily").await;
    assert_eq!(
        f.exchange(
            &cb["code"],
            &f.redirect,
            Some("another-verifier-of-sufficient-length-000000000"),
            CLIENT_SECRET
        )
        .await
        .1["error"],
        "invalid_grant"
    );
    // A code is single use.
    let cb = f.code(&f.redirect, Some(&ch), "daily").await;
    assert_eq!(
        f.exchange(&cb["code"], &f.redirect, Some(VERIFIER), CLIENT_SECRET)
            .await
            .0,
        200
    );
    let (s, e) = f
        .exchange(&cb["code"], &f.redirect, Some(VERIFIER), CLIENT_SECRET)
        .await;
    assert_eq!(
        (s, e["error_description"].as_str()),
        (400, Some("authorization code was already used"))
    );
    // An expired code.
    f.sandbox.fakes["oura"].faults.set(Faults {
        expire_code: true,
        ..Default::default()
    });
    let cb = f.code(&f.redirect, Some(&ch), "daily").await;
    assert_eq!(
        f.exchange(&cb["code"], &f.redirect, Some(VERIFIER), CLIENT_SECRET)
            .await
            .1["error_description"],
        "authorization code has expired"
    );
}

#[tokio::test]
async fn the_authorize_step_refuses_unregistered_redirects_and_bad_requests() {
    let f = fake().await;
    let r = f
        .http
        .get(format!("{}/oauth/authorize", f.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "https://evil.example/cb"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "never redirect to an unregistered URI");
    assert!(r.text().await.unwrap().contains("not registered"));
    // Oura matches the registered URI exactly: the same loopback callback on another port is
    // refused (OpenAPI "Authentication Troubleshooting").
    let port = f.sandbox.redirect_port("oura").unwrap();
    let other = vital_link::fake::oura::redirect_uri(if port == 65535 { 1024 } else { port + 1 });
    let r = f
        .http
        .get(format!("{}/oauth/authorize", f.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", other.as_str()),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "another port is not the registered URI");
    assert!(r.text().await.unwrap().contains("not registered"));
    let r = f
        .http
        .get(format!("{}/oauth/authorize", f.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", "nobody"),
            ("redirect_uri", f.redirect.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = f
        .http
        .get(format!("{}/oauth/authorize", f.base))
        .query(&[
            ("response_type", "token"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", f.redirect.as_str()),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        loc.starts_with(&f.redirect)
            && loc.contains("error=unsupported_response_type")
            && loc.contains("state=s"),
        "{loc}"
    );
}

#[tokio::test]
async fn data_routes_follow_the_published_api() {
    let f = fake().await;
    let t = f.access("daily heartrate").await;
    let tok = t["access_token"].as_str().unwrap();
    // No token, a made-up token: 401 with FastAPI's detail.
    assert_eq!(
        f.get("nope", "/v2/usercollection/daily_sleep", &[]).await,
        (401, serde_json::json!({"detail": "Unauthorized"}))
    );
    // A scope the user did not grant: 403.
    assert_eq!(f.get(tok, "/v2/usercollection/workout", &[]).await.0, 403);
    // Start after end: 422 with the validation shape.
    let (s, e) = f
        .get(
            tok,
            "/v2/usercollection/daily_sleep",
            &[("start_date", "2026-11-10"), ("end_date", "2026-11-01")],
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(
        e["detail"][0]["loc"],
        serde_json::json!(["query", "start_date"])
    );
    // A date-only `end_date` is exclusive (midnight), as the real API answers
    // (docs/providers/oura.md, "Real-API behaviours"); required fields present.
    let (s, v) = f
        .get(
            tok,
            "/v2/usercollection/daily_sleep",
            &[("start_date", "2026-11-11"), ("end_date", "2026-11-12")],
        )
        .await;
    assert_eq!(s, 200);
    let days: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["day"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-11-11"]);
    assert!(v.get("next_token").is_some() && v["next_token"].is_null());
    // A date-time `end_date` includes its day.
    let (_, v2) = f
        .get(
            tok,
            "/v2/usercollection/daily_sleep",
            &[
                ("start_date", "2026-11-11"),
                ("end_date", "2026-11-12T23:59:59"),
            ],
        )
        .await;
    assert_eq!(v2["data"].as_array().unwrap().len(), 2);
    // `sleep` excludes the start day as well: D-1..D+1 is the night of D alone, D..D nothing.
    let sleep_days = |v: &Value| -> Vec<String> {
        let mut d: Vec<String> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["day"].as_str().unwrap().to_string())
            .collect();
        d.dedup();
        d
    };
    let (_, s3) = f
        .get(
            tok,
            "/v2/usercollection/sleep",
            &[("start_date", "2026-11-10"), ("end_date", "2026-11-12")],
        )
        .await;
    assert_eq!(sleep_days(&s3), ["2026-11-11"]);
    let (_, s4) = f
        .get(
            tok,
            "/v2/usercollection/sleep",
            &[("start_date", "2026-11-11"), ("end_date", "2026-11-11")],
        )
        .await;
    assert!(sleep_days(&s4).is_empty(), "{s4}");
    for k in ["id", "meta", "contributors", "day", "timestamp", "score"] {
        assert!(v["data"][0].get(k).is_some(), "daily_sleep lacks {k}");
    }
    // `fields` keeps the always-returned fields and the ones asked for.
    let (_, v) = f
        .get(
            tok,
            "/v2/usercollection/sleep",
            &[
                ("start_date", "2026-11-10"),
                ("end_date", "2026-11-12"),
                ("fields", "average_hrv"),
            ],
        )
        .await;
    let doc = v["data"][0].as_object().unwrap();
    assert!(
        doc.contains_key("average_hrv")
            && doc.contains_key("bedtime_start")
            && !doc.contains_key("hrv")
    );
    // Heart rate: UTC timestamps, unix milliseconds, next_token pages, the same rows however paged.
    let q = [
        ("start_datetime", "2026-10-22T00:00:00+00:00"),
        ("end_datetime", "2026-11-20T00:00:00+00:00"),
    ];
    let (s, p1) = f.get(tok, "/v2/usercollection/heartrate", &q).await;
    assert_eq!(s, 200);
    let next = p1["next_token"]
        .as_str()
        .expect("a month of 5-minute heart rate spans pages");
    let (_, p2) = f
        .get(
            tok,
            "/v2/usercollection/heartrate",
            &[q[0], q[1], ("next_token", next)],
        )
        .await;
    let rows: Vec<&Value> = p1["data"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2["data"].as_array().unwrap())
        .collect();
    assert!(rows.len() > 8000);
    let r0 = rows[0];
    assert!(r0["timestamp"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(r0["timestamp"].as_str().unwrap())
            .unwrap()
            .timestamp_millis(),
        r0["timestamp_unix"].as_i64().unwrap()
    );
    assert!(rows
        .windows(2)
        .all(|w| w[0]["timestamp_unix"].as_i64() < w[1]["timestamp_unix"].as_i64()));
    // A token from another query is refused; a span over 30 days is refused.
    assert_eq!(
        f.get(
            tok,
            "/v2/usercollection/heartrate",
            &[
                ("start_datetime", "2026-11-01T00:00:00Z"),
                ("next_token", next)
            ]
        )
        .await
        .0,
        400
    );
    assert_eq!(
        f.get(
            tok,
            "/v2/usercollection/heartrate",
            &[
                ("start_datetime", "2026-09-01T00:00:00+00:00"),
                ("end_datetime", "2026-11-01T00:00:00+00:00")
            ]
        )
        .await
        .0,
        400
    );
    // Single documents and their 404.
    let id = v["data"][0]["id"].as_str().unwrap();
    assert_eq!(
        f.get(tok, &format!("/v2/usercollection/sleep/{id}"), &[])
            .await
            .1["id"],
        id
    );
    assert_eq!(
        f.get(tok, "/v2/usercollection/sleep/not-existing", &[])
            .await,
        (404, serde_json::json!({"detail": "Document not found."}))
    );
}

#[tokio::test]
async fn expired_access_tokens_and_rate_limits_answer_like_oura() {
    let f = fake().await;
    f.sandbox.fakes["oura"].faults.set(Faults {
        access_token_ttl: Some(-1),
        ..Default::default()
    });
    let t = f.access("daily").await;
    assert_eq!(
        f.get(
            t["access_token"].as_str().unwrap(),
            "/v2/usercollection/daily_sleep",
            &[]
        )
        .await
        .0,
        401
    );
    f.sandbox.fakes["oura"].faults.set(Faults {
        rate_limit_retry_after: Some(7),
        ..Default::default()
    });
    let t = f.access("daily").await;
    let r = f
        .http
        .get(format!("{}/v2/usercollection/daily_activity", f.base))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
}

#[tokio::test]
async fn the_same_account_gets_the_same_data_for_any_range() {
    let f = fake().await;
    let t = f.access("daily").await;
    let tok = t["access_token"].as_str().unwrap();
    let (_, wide) = f
        .get(
            tok,
            "/v2/usercollection/sleep",
            &[("start_date", "2026-10-01"), ("end_date", "2026-11-15")],
        )
        .await;
    let (_, narrow) = f
        .get(
            tok,
            "/v2/usercollection/sleep",
            &[("start_date", "2026-11-02"), ("end_date", "2026-11-04")],
        )
        .await;
    let pick = wide["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["day"] == "2026-11-03" && d["type"] == "long_sleep")
        .unwrap();
    assert_eq!(
        pick,
        &narrow["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["type"] == "long_sleep")
            .unwrap()
            .clone()
    );
}
