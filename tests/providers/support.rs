//! Helpers shared by the provider tests: connecting through the link flow, reading what was
//! stored, and a raw HTTP client for conformance checks of a fake.
#![allow(dead_code)]
use std::collections::HashMap;
use std::sync::Arc;

use reqwest::redirect::Policy;
use serde_json::Value;
use vital_link::clock::Clock;
use vital_link::fake::faults::Faults;
use vital_link::fake::Sandbox;
use vital_link::providers::{FetchCtx, Provider};
use vital_link::sandbox_browser::{complete, Choice};
use vital_link::store::connections::ConnectionRow;
use vital_link::App;

use crate::common::*;

pub const VERIFIER: &str = "a-long-enough-code-verifier-for-the-sandbox-0123456789";

/// Connects `login` to `provider` through the link flow and waits for the first sync.
pub async fn connect(app: &Arc<App>, login: &str, provider: &str) -> ConnectionRow {
    let s = try_connect(app, login, provider, &Choice::default()).await;
    assert_eq!(s.state.as_str(), "success", "{s:?}");
    app.wait_background().await;
    crate::contract_check::assert_clean(app);
    connection(app, login, provider)
}

/// [`connect`], and the first sync left the connection `connected`.
pub async fn connected(app: &Arc<App>, login: &str, provider: &str) -> ConnectionRow {
    let c = connect(app, login, provider).await;
    assert_eq!(
        c.status.as_str(),
        "connected",
        "{provider} for {login}: {:?}",
        c.error_message
    );
    c
}

pub async fn try_connect(
    app: &Arc<App>,
    login: &str,
    provider: &str,
    choice: &Choice,
) -> vital_link::link::LinkState {
    crate::contract_check::watch(app);
    let _port = port_lock(provider).await;
    let (token, url) = begin_link_for(app, login, provider).await;
    complete(&url, choice).await.unwrap();
    settle(app, &token).await
}

pub fn connection(app: &Arc<App>, login: &str, provider: &str) -> ConnectionRow {
    let user = app.store.user_by_client_id(login).unwrap();
    app.store
        .connection_for(&user.user_id, provider)
        .unwrap()
        .unwrap()
}

pub fn user_id(app: &Arc<App>, login: &str) -> String {
    app.store.user_by_client_id(login).unwrap().user_id
}

pub fn faults(app: &Arc<App>, provider: &str, f: Faults) {
    vital_link::sandbox(app).fakes[provider].faults.set(f);
}

pub fn samples(
    app: &Arc<App>,
    login: &str,
    metric: &str,
) -> Vec<vital_link::store::readings::StoredSample> {
    crate::contract_check::assert_clean(app);
    app.store
        .samples(&user_id(app, login), metric, 0, i64::MAX, None)
        .unwrap()
}

pub fn summaries(app: &Arc<App>, login: &str, resource: &str) -> Vec<Value> {
    crate::contract_check::assert_clean(app);
    app.store
        .summaries(
            &user_id(app, login),
            resource,
            "0000-01-01",
            "9999-12-31",
            None,
        )
        .unwrap()
        .into_iter()
        .map(|s| s.data)
        .collect()
}

/// A fetch context with the connection's current tokens.
pub fn ctx(app: &Arc<App>, conn: &ConnectionRow) -> FetchCtx {
    let p = app.provider(&conn.provider).unwrap();
    let tokens = app.store.tokens(&app.vault, conn.id).unwrap();
    app.fetch_ctx(conn, p.as_ref(), tokens.access_token)
}

pub fn provider(app: &Arc<App>, slug: &str) -> Arc<dyn Provider> {
    app.provider(slug).unwrap()
}

/// Replaces the stored access token with one the provider never issued: the next call gets a
/// 401 and the sync must refresh and carry on.
pub fn spoil_access_token(app: &Arc<App>, conn: &ConnectionRow) {
    let mut t = app.store.tokens(&app.vault, conn.id).unwrap();
    t.access_token = "NOT-A-VALID-TOKEN".into();
    app.store
        .save_tokens(app.vault.clone(), conn.id, t)
        .unwrap();
}

/// Refreshes through the app as the sync does (forced) and returns (old, new) tokens.
pub async fn force_refresh(
    app: &Arc<App>,
    conn: &ConnectionRow,
) -> (
    vital_link::store::connections::TokenSet,
    vital_link::error::AppResult<vital_link::store::connections::TokenSet>,
) {
    let p = provider(app, &conn.provider);
    let old = app.store.tokens(&app.vault, conn.id).unwrap();
    let new = app
        .fresh_tokens(conn, p.as_ref(), Some(&old.access_token))
        .await;
    (old, new)
}

/// A refresh with a given refresh token straight at the provider (no store involved).
pub async fn refresh_with(
    app: &Arc<App>,
    slug: &str,
    refresh_token: &str,
) -> vital_link::error::AppResult<vital_link::store::connections::TokenSet> {
    let p = provider(app, slug);
    let cfg = app.client_config(p.as_ref()).unwrap();
    vital_link::oauth::client::refresh(&app.http, &cfg, refresh_token).await
}

/// A plain HTTP client on one fake, for conformance checks.
pub struct FakeClient {
    pub base: String,
    pub http: reqwest::Client,
    pub sandbox: Sandbox,
    pub slug: &'static str,
}

impl FakeClient {
    pub async fn new(slug: &'static str) -> FakeClient {
        let sandbox = Sandbox::start(Clock::fixed(now()), None).await.unwrap();
        FakeClient {
            base: sandbox.base_url(slug).unwrap().to_string(),
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            sandbox,
            slug,
        }
    }

    pub fn faults(&self, f: Faults) {
        self.sandbox.fakes[self.slug].faults.set(f);
    }

    pub async fn authorize(&self, path: &str, q: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .query(q)
            .send()
            .await
            .unwrap()
    }

    /// Authorizes with `q` and presses Allow (keeping `scopes` ticked); returns the query of
    /// the redirect back to the app.
    pub async fn consent(
        &self,
        path: &str,
        q: &[(&str, &str)],
        scopes: &[&str],
    ) -> HashMap<String, String> {
        let page = self.authorize(path, q).await.text().await.unwrap();
        let rid = page
            .split("name=\"request_id\" value=\"")
            .nth(1)
            .unwrap_or_else(|| panic!("no consent form: {page}"))
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let mut form = vec![
            ("request_id".to_string(), rid),
            ("action".into(), "allow".into()),
        ];
        for s in scopes {
            form.push(("scope".into(), s.to_string()));
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

    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> (u16, Value) {
        let mut rb = self.http.post(format!("{}{path}", self.base)).form(form);
        if let Some((u, p)) = basic {
            rb = rb.basic_auth(u, Some(p));
        }
        let r = rb.send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(
        &self,
        token: &str,
        path: &str,
        q: &[(&str, &str)],
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .query(q)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        let h = r.headers().clone();
        (s, r.json().await.unwrap_or(Value::Null), h)
    }
}

/// The distinct `calendar_date`s of a user's stored summaries of `resource`.
pub fn stored_days(
    app: &Arc<App>,
    login: &str,
    resource: &str,
) -> std::collections::BTreeSet<chrono::NaiveDate> {
    crate::contract_check::assert_clean(app);
    let (u, r) = (user_id(app, login), resource.to_string());
    app.store
        .read(move |c| {
            let mut st = c.prepare(
                "SELECT DISTINCT calendar_date FROM summaries WHERE user_id = ?1 AND resource = ?2",
            )?;
            let rows = st
                .query_map(rusqlite::params![u, r], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .unwrap()
        .into_iter()
        .filter_map(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .collect()
}

/// Every day of `want` has a stored `resource` summary; the failure lists the days lost.
pub fn assert_every_day(
    app: &Arc<App>,
    login: &str,
    resource: &str,
    want: &std::collections::BTreeSet<chrono::NaiveDate>,
) {
    assert!(!want.is_empty(), "{resource}: the generator serves no day");
    let got = stored_days(app, login, resource);
    let missing: Vec<String> = want.difference(&got).map(|d| d.to_string()).collect();
    assert!(
        missing.is_empty(),
        "{resource}: {} of {} days not stored after the backfill: {}",
        missing.len(),
        want.len(),
        missing.join(", ")
    );
}

/// The days from `first` to the account's local today (both included).
pub fn days_of(first: chrono::NaiveDate, last: chrono::NaiveDate) -> Vec<chrono::NaiveDate> {
    first.iter_days().take_while(|d| *d <= last).collect()
}
