//! The link widget's HTTP routes on the local API, as the window and a browser call them.
mod common;

use common::*;
use serde_json::Value;
use vital_link::store::links::NewLinkToken;

async fn token_for(h: &Harness, who: &str) -> String {
    let u = h.app.store.create_user(who).unwrap();
    h.app
        .create_link_token(NewLinkToken {
            user_id: u.user_id,
            ..Default::default()
        })
        .unwrap()
        .link_token
}

#[tokio::test]
async fn the_widget_routes_walk_a_link_session() {
    let h = start(2).await;
    let base = h.app.api_base_url();
    let token = token_for(&h, "api-user").await;
    let http = reqwest::Client::new();
    let providers: Value = http
        .get(format!("{base}/v2/link/providers"))
        .header("x-vital-link-token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let oura = &providers[0];
    assert_eq!(oura["slug"], "oura");
    assert_eq!(oura["name"], "Oura (sandbox)");
    let logo = http
        .get(oura["logo"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(logo.headers()["content-type"], "image/svg+xml");
    // The legacy `LinkToken` header works too.
    let s: Value = http
        .get(format!("{base}/v2/link/state"))
        .header("LinkToken", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["state"], "created");
    // Vital's OAuth route hands back the authorize URL for the caller to open.
    let src: Value = http
        .get(format!("{base}/v2/link/provider/oauth/oura"))
        .header("x-vital-link-token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = src["oauth_url"].as_str().unwrap().to_string();
    assert!(url.contains("code_challenge_method=S256") && url.contains("state="));
    let s: Value = http
        .get(format!("{base}/v2/link/state"))
        .header("x-vital-link-token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (s["state"].as_str(), s["oauth_url"].as_str()),
        (Some("pending"), Some(url.as_str()))
    );
    // Closing the widget cancels the flow.
    http.post(format!("{base}/v2/link/exit"))
        .header("x-vital-link-token", &token)
        .send()
        .await
        .unwrap();
    let s = settle(&h.app, &token).await;
    assert_eq!(
        (s.state.as_str(), s.error_type.as_deref()),
        ("exited", Some("user_cancelled"))
    );
    assert!(
        reqwest::get(redirect_uri_of(&url)).await.is_err(),
        "the listener closed"
    );
}

#[tokio::test]
async fn bad_tokens_foreign_hosts_and_foreign_origins_are_refused() {
    let h = start(2).await;
    let base = h.app.api_base_url();
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{base}/v2/link/providers"))
        .header("x-vital-link-token", "vlt_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["detail"]["error_type"], "invalid_token");
    let r = http
        .get(format!("{base}/v2/link/providers"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // DNS rebinding: a page on another name that resolves to 127.0.0.1.
    let token = token_for(&h, "host-check").await;
    let r = http
        .get(format!("{base}/v2/link/state"))
        .header("host", "evil.example")
        .header("x-vital-link-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // CORS: the window's origin may call; another site's may not.
    let pre = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, format!("{base}/v2/link/state"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-vital-link-token")
            .send()
    };
    let ok = pre("tauri://localhost").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "tauri://localhost"
    );
    let no = pre("https://evil.example").await.unwrap();
    assert!(no.headers().get("access-control-allow-origin").is_none());
}

/// The production environment, with the study's own app registered for `slug` only.
async fn production_with_credentials_for(slug: &str) -> Harness {
    let h = start_with(2, |c| {
        c.environment = vital_link::config::Environment::Production
    })
    .await;
    h.app
        .set_credentials(slug, "study-client-id", Some("study-secret"))
        .unwrap();
    h
}

#[tokio::test]
async fn production_lists_every_provider_and_says_which_cannot_be_connected_yet() {
    let h = production_with_credentials_for("oura").await;
    let base = h.app.api_base_url();
    let token = token_for(&h, "prod-widget").await;
    let list: Vec<Value> = reqwest::Client::new()
        .get(format!("{base}/v2/link/providers"))
        .header("x-vital-link-token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let by = |slug: &str| {
        list.iter()
            .find(|p| p["slug"] == slug)
            .unwrap_or_else(|| panic!("{slug} not listed: {list:?}"))
    };
    // Credentials entered: connectable, under its plain name.
    assert_eq!(by("oura")["name"], "Oura");
    assert_eq!(by("oura")["is_active"], true);
    assert_eq!(by("oura")["needs_credentials"], false);
    // No credentials yet: listed, marked, not active.
    assert_eq!(by("withings")["needs_credentials"], true);
    assert_eq!(by("withings")["is_active"], false);
    assert_eq!(by("withings")["availability"]["state"], "available");
    // Blocked by the provider's terms: listed with the reason.
    for slug in ["garmin", "dexcom_v3"] {
        assert_eq!(by(slug)["is_active"], false, "{slug}");
        assert_eq!(by(slug)["availability"]["state"], "not_available", "{slug}");
        assert!(
            by(slug)["availability"]["reason"]
                .as_str()
                .is_some_and(|r| r.len() > 20),
            "{slug}"
        );
    }
    // The same list never carries a secret.
    assert!(!serde_json::to_string(&list)
        .unwrap()
        .contains("study-secret"));
}

#[tokio::test]
async fn a_registered_redirect_port_is_where_the_production_sign_in_listens() {
    let h = production_with_credentials_for("withings").await;
    // Providers that take any loopback port have nothing to register; root-only ports are refused.
    let e = h.app.set_redirect_port("strava", Some(9000)).unwrap_err();
    assert_eq!(e.code, "redirect_port_not_used");
    assert_eq!(
        h.app
            .set_redirect_port("withings", Some(80))
            .unwrap_err()
            .code,
        "invalid_port"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    h.app.set_redirect_port("withings", Some(port)).unwrap();
    let token = token_for(&h, "fixed-port").await;
    let started = h.app.link_start(&token, "withings", false).await.unwrap();
    assert!(started
        .oauth_url
        .starts_with("https://account.withings.com/oauth2_user/authorize2?"));
    assert_eq!(
        redirect_uri_of(&started.oauth_url),
        format!("http://127.0.0.1:{port}/callback")
    );
    // The listener is on that port now, and on loopback only.
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());
    h.app.link_cancel(&token).unwrap();
    // Forgetting it goes back to the documented default.
    h.app.set_redirect_port("withings", None).unwrap();
    let p = h.app.provider("withings").unwrap();
    assert_eq!(
        h.app
            .redirect_port(p.as_ref(), vital_link::config::Environment::Production)
            .unwrap(),
        8752
    );
}
