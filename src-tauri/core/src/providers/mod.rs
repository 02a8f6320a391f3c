//! Providers: a trait and a registry. Each provider is data (endpoints, scopes, auth style,
//! resources) plus small hooks (fetch one page, normalize it to Vital's model).
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::Environment;
use crate::model::{ProviderRef, RawRecord, Sample, SummaryDoc};

pub mod custom;
pub mod dexcom_v3;
pub mod garmin;
pub mod google_health;
pub mod http;
pub mod norm;
pub mod oura;
pub mod polar;
pub mod strava;
pub mod wahoo;
pub mod whoop_v2;
pub mod withings;

pub use http::{FetchCtx, FetchError};

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as form fields.
    RequestBody,
    /// HTTP Basic with `client_id:client_secret`.
    Basic,
}

/// Where the provider may send the browser back to (see `docs/providers/<slug>.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "port")]
pub enum RedirectKind {
    /// `http://127.0.0.1:<any port>/callback` (RFC 8252 §7.3).
    LoopbackAnyPort,
    /// Only the registered port is accepted: `http://127.0.0.1:<port>/callback`.
    LoopbackFixedPort(u16),
    /// Only `https` redirects: a forwarding page the user hosts hands the code to the loopback.
    HttpsForward,
}

/// Whether a desktop app can connect this provider at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum Availability {
    Available,
    /// The provider's terms or access programme block a desktop app; the reason says why.
    NotAvailable(&'static str),
}

/// The endpoints of one provider in one environment.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoints {
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: Option<String>,
    pub api_base: String,
}

impl Endpoints {
    /// The same endpoints served from `base` (a fake's `http://127.0.0.1:port`): each keeps its
    /// path, so a fake's routes are the provider's published ones and cannot drift from them.
    pub fn rehosted(&self, base: &str) -> Endpoints {
        let on = |url: &str| {
            let path = match url.split_once("://") {
                Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
                None => "",
            };
            format!(
                "{}{}",
                base.trim_end_matches('/'),
                path.trim_end_matches('/')
            )
        };
        Endpoints {
            authorize_url: on(&self.authorize_url),
            token_url: on(&self.token_url),
            revoke_url: self.revoke_url.as_deref().map(on),
            api_base: on(&self.api_base),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderSpec {
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Vital resources this provider offers (summaries and timeseries names).
    pub resources: &'static [&'static str],
    pub scopes: &'static [&'static str],
    /// Scopes without which the connection is useless; a consent that unticks one fails.
    pub required_scopes: &'static [&'static str],
    pub client_auth: ClientAuth,
    /// The provider's own limit on how far back data can be requested, in days.
    pub max_history_days: u32,
    pub redirect: RedirectKind,
    /// Vital's source type of the provider's devices (`ring`, `watch`, `scale`, ...).
    pub source_type: &'static str,
    /// The brand colour of the neutral tile drawn for the provider (see ui/src/shared/marks.ts).
    pub colour: &'static str,
}

impl ProviderSpec {
    pub fn reference(&self, logo_base: &str) -> ProviderRef {
        ProviderRef {
            name: self.name.to_string(),
            slug: self.slug.to_string(),
            logo: format!("{logo_base}/v2/providers/{}/logo.svg", self.slug),
        }
    }
}

/// A range of local days `[start, end]` (inclusive) to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// What one provider page produced, already normalized.
#[derive(Debug, Default)]
pub struct FetchedPage {
    pub raw: Vec<RawRecord>,
    pub summaries: Vec<SummaryDoc>,
    pub samples: Vec<Sample>,
    /// Where the next page of this window starts; `None` when the window is complete.
    pub next: Option<String>,
}

/// A resource as the provider syncs it: its name and how many days one request may span.
#[derive(Debug, Clone, Copy)]
pub struct SyncResource {
    pub name: &'static str,
    pub window_days: i64,
}

#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    fn spec(&self) -> &ProviderSpec;

    /// Whether a desktop app can connect this provider in `env`. The sandbox fakes are always
    /// reachable; a provider's terms or access programme may block production.
    fn availability(&self, _env: Environment) -> Availability {
        Availability::Available
    }

    /// The provider's published endpoints, declared once; in the sandbox each is served by the
    /// provider's fake at the same path ([`Endpoints::rehosted`]).
    fn endpoints(&self, env: Environment) -> Endpoints;

    /// What is synced, in order.
    fn sync_resources(&self) -> &'static [SyncResource];

    /// Fetches and normalizes one page of `resource` within `window`.
    async fn fetch_page(
        &self,
        ctx: &FetchCtx,
        resource: &str,
        window: Window,
        page: Option<String>,
    ) -> Result<FetchedPage, FetchError>;

    /// The provider's user id, fetched once after connecting (for `external_user_id`). Also
    /// the place for what a provider requires after the token (Polar's user registration).
    async fn external_user_id(&self, _ctx: &FetchCtx) -> Result<Option<String>, FetchError> {
        Ok(None)
    }

    /// True when `external_user_id` does something the connection cannot work without (Polar's
    /// registration): its failure then fails the link instead of being ignored.
    fn post_token_step_required(&self) -> bool {
        false
    }

    /// Rewrites the provider's token-endpoint answers into RFC 6749 shape before `oauth2`
    /// parses them (wrapped bodies, missing `token_type`, numbers as strings...).
    fn token_adapter(&self) -> crate::oauth::client::TokenAdapter {
        crate::oauth::client::standard_adapter
    }

    /// Extra form fields on every token request.
    fn token_params(&self) -> Vec<(&'static str, &'static str)> {
        vec![]
    }

    /// How the provider joins scopes in the authorize URL (Strava and Withings: a comma).
    fn scope_separator(&self) -> &'static str {
        " "
    }

    /// The issuer whose `iss` the authorization response must carry (RFC 9207), if known.
    fn issuer(&self) -> Option<String> {
        None
    }

    /// Verifies an OpenID Connect ID token; returns its claims. Providers without OIDC: None.
    async fn check_id_token(
        &self,
        _http: &reqwest::Client,
        _id_token: &str,
        _client_id: &str,
    ) -> crate::error::AppResult<Option<serde_json::Value>> {
        Ok(None)
    }

    /// Extra query parameters of the authorize URL (e.g. `access_type=offline`).
    fn authorize_params(&self) -> Vec<(&'static str, &'static str)> {
        vec![]
    }

    /// Revokes the connection's tokens at the provider where it has a way to (RFC 7009 or its
    /// own). The default does nothing.
    /// `client` carries the endpoints and the client credentials (Withings signs its revoke
    /// request with the client secret).
    async fn revoke(
        &self,
        _ctx: &FetchCtx,
        _client: &crate::oauth::ClientConfig,
        _refresh_token: Option<&str>,
    ) -> Result<(), FetchError> {
        Ok(())
    }
}

#[derive(Clone)]
pub struct Registry {
    /// Custom providers added while the app runs (QA): looked up after the built-in ones.
    custom: Arc<std::sync::RwLock<Vec<Arc<dyn Provider>>>>,
    providers: HashMap<&'static str, Arc<dyn Provider>>,
    order: Vec<&'static str>,
    /// Other slugs a provider answers to (Vital keeps `fitbit` for the Google Health API).
    aliases: HashMap<&'static str, &'static str>,
}

impl Default for Registry {
    fn default() -> Self {
        let mut r = Registry {
            custom: Arc::default(),
            providers: HashMap::new(),
            order: vec![],
            aliases: HashMap::new(),
        };
        r.add(Arc::new(oura::Oura));
        r.add(Arc::new(withings::Withings));
        r.add(Arc::new(strava::Strava));
        r.add(Arc::new(polar::Polar));
        r.add(Arc::new(whoop_v2::WhoopV2));
        r.add(Arc::new(dexcom_v3::DexcomV3));
        r.add(Arc::new(wahoo::Wahoo));
        r.add(Arc::new(google_health::GoogleHealth));
        r.add(Arc::new(garmin::Garmin));
        // The Fitbit Web API was switched off on 30 Oct 2026; Fitbit data now comes through the
        // Google Health API, and Vital keeps the `fitbit` slug for it.
        r.aliases.insert("fitbit", google_health::SLUG);
        r
    }
}

impl Registry {
    fn add(&mut self, p: Arc<dyn Provider>) {
        self.order.push(p.spec().slug);
        self.providers.insert(p.spec().slug, p);
    }

    /// The provider's own slug for `slug`, resolving aliases; None if unknown.
    pub fn canonical(&self, slug: &str) -> Option<&'static str> {
        self.get(slug).map(|p| p.spec().slug)
    }

    pub fn get(&self, slug: &str) -> Option<Arc<dyn Provider>> {
        self.providers
            .get(self.aliases.get(slug).copied().unwrap_or(slug))
            .cloned()
            .or_else(|| {
                self.custom
                    .read()
                    .unwrap()
                    .iter()
                    .find(|p| p.spec().slug == slug)
                    .cloned()
            })
    }

    pub fn all(&self) -> Vec<Arc<dyn Provider>> {
        let mut all: Vec<_> = self
            .order
            .iter()
            .filter_map(|s| self.providers.get(s).cloned())
            .collect();
        all.extend(self.custom.read().unwrap().iter().cloned());
        all
    }

    pub fn is_builtin(&self, slug: &str) -> bool {
        self.providers.contains_key(slug) || self.aliases.contains_key(slug)
    }

    /// Adds (or replaces) a custom provider.
    pub fn add_custom(&self, p: Arc<dyn Provider>) {
        let mut c = self.custom.write().unwrap();
        c.retain(|x| x.spec().slug != p.spec().slug);
        c.push(p);
    }

    pub fn remove_custom(&self, slug: &str) -> bool {
        let mut c = self.custom.write().unwrap();
        let before = c.len();
        c.retain(|x| x.spec().slug != slug);
        c.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UI names providers from the registry: `ui/src/shared/provider-names.ts` is written
    /// from each provider's spec, so a new provider needs no line in the UI.
    #[test]
    fn the_uis_provider_names_are_generated_from_the_registry() {
        let mut ts = String::from(
            "// Generated from the core's provider registry (src-tauri/core/src/providers): do not\n\
             // edit. Regenerate with VITAL_LINK_REGENERATE=1 cargo test -p vital-link-core --lib\n\n\
             /** Each built-in provider's name, and `connectable: false` where no desktop app may connect it. */\n\
             export const PROVIDERS = {\n",
        );
        for p in Registry::default().all() {
            let s = p.spec();
            let nowhere = [Environment::Sandbox, Environment::Production]
                .iter()
                .all(|e| matches!(p.availability(*e), Availability::NotAvailable(_)));
            let name = s.name.replace('\'', "\\'");
            ts.push_str(&match nowhere {
                true => format!("  {}: {{ name: '{name}', connectable: false }},\n", s.slug),
                false => format!("  {}: {{ name: '{name}' }},\n", s.slug),
            });
        }
        ts.push_str(
            "} as const satisfies Record<string, { name: string; connectable?: boolean }>;\n",
        );
        crate::generated::check_generated("ui/src/shared/provider-names.ts", ts);
    }

    #[test]
    fn the_sandbox_serves_each_published_endpoint_at_its_own_path() {
        let google = google_health::GoogleHealth.endpoints(Environment::Production);
        let fake = google.rehosted("http://127.0.0.1:9/");
        assert_eq!(fake.authorize_url, "http://127.0.0.1:9/o/oauth2/v2/auth");
        assert_eq!(fake.token_url, "http://127.0.0.1:9/token");
        assert_eq!(
            fake.revoke_url.as_deref(),
            Some("http://127.0.0.1:9/revoke")
        );
        assert_eq!(fake.api_base, "http://127.0.0.1:9/v4");
        let oura = oura::Oura.endpoints(Environment::Production);
        assert_eq!(oura.api_base, "https://api.ouraring.com");
        assert_eq!(
            oura.rehosted("http://127.0.0.1:9").api_base,
            "http://127.0.0.1:9"
        );
    }
}
