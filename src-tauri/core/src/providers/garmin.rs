//! Garmin Connect Developer Program (Health API + Activity API). Listed so that users see it and
//! why it cannot be connected: Garmin delivers data by push (or ping/pull) to the partner's
//! public HTTPS endpoints, does not grant production keys to poll-only integrations, and its
//! guide forbids shipping the consumer secret in consumer apps. A local desktop app has neither
//! a public endpoint nor a place to keep the secret, so there is no connection path here — not
//! a half one. There is no sandbox either: a fake that polled would test a path production can
//! never take, and Garmin's OAuth2 PKCE specification is confidential (see
//! docs/providers/garmin.md for the reasoning and what a relay server would need).
use super::{
    Availability, ClientAuth, Endpoints, FetchCtx, FetchError, FetchedPage, Provider, ProviderSpec,
    RedirectKind, SyncResource, Window,
};
use crate::config::Environment;

pub struct Garmin;

pub const SLUG: &str = "garmin";

pub const NOT_AVAILABLE: &str = "Garmin delivers data only by push or ping to a partner's public HTTPS webhook and does not grant production keys to poll-only apps; it also forbids embedding the consumer secret in consumer software. A local desktop app has no webhook and no server to hold the secret, so Garmin cannot be connected here (a relay server would be needed).";

static SPEC: ProviderSpec = ProviderSpec {
    slug: SLUG,
    name: "Garmin",
    description: "Garmin watches — not connectable from a desktop app (Garmin pushes data to a server webhook)",
    resources: &[],
    scopes: &[],
    required_scopes: &[],
    client_auth: ClientAuth::RequestBody,
    max_history_days: 90,
    redirect: RedirectKind::HttpsForward,
    source_type: "watch",
    colour: "#007cc3",
};

#[async_trait::async_trait]
impl Provider for Garmin {
    fn spec(&self) -> &ProviderSpec {
        &SPEC
    }

    fn availability(&self, _env: Environment) -> Availability {
        Availability::NotAvailable(NOT_AVAILABLE)
    }

    fn endpoints(&self, _env: Environment) -> Endpoints {
        Endpoints {
            authorize_url: "https://connect.garmin.com/oauth2Confirm".into(),
            token_url: "https://diauth.garmin.com/di-oauth2-service/oauth/token".into(),
            revoke_url: Some("https://apis.garmin.com/wellness-api/rest/user/registration".into()),
            api_base: "https://apis.garmin.com/wellness-api/rest".into(),
        }
    }

    fn sync_resources(&self) -> &'static [SyncResource] {
        &[]
    }

    async fn fetch_page(
        &self,
        _ctx: &FetchCtx,
        _resource: &str,
        _window: Window,
        _page: Option<String>,
    ) -> Result<FetchedPage, FetchError> {
        Err(FetchError::Rejected {
            status: 400,
            message: NOT_AVAILABLE.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garmin_is_not_available_anywhere_and_says_why() {
        for env in [Environment::Sandbox, Environment::Production] {
            match Garmin.availability(env) {
                Availability::NotAvailable(why) => assert!(why.contains("webhook")),
                Availability::Available => panic!("garmin must not be connectable"),
            }
        }
        assert!(Garmin.sync_resources().is_empty());
    }
}
