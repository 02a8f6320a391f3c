//! The sandbox as the core sees it: fake providers on loopback that stand in for the real ones.
//! The fakes themselves live in their own crate (`vital-link-fake`, an HTTP server), so the
//! core holds only this interface; the binary hands it a [`SandboxLauncher`] at start.
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::error::AppResult;

/// Fault switches of a sandbox provider, so every error path can be exercised on purpose: from
/// tests over loopback (`PUT /__sandbox/faults`) and from the QA inspector.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Faults {
    /// The consent page answers as if the user pressed Deny.
    pub deny_consent: bool,
    /// Authorization codes are issued already expired.
    pub expire_code: bool,
    /// The token endpoint answers `invalid_grant` to every grant.
    pub invalid_grant: bool,
    /// Data routes answer 429 with this `Retry-After` (seconds).
    pub rate_limit_retry_after: Option<u64>,
    /// Data routes answer 500.
    pub server_error: bool,
    /// Data routes answer 200 with a truncated JSON body.
    pub malformed_json: bool,
    /// Data routes wait this long before answering.
    pub slow_ms: Option<u64>,
    /// Data routes send the headers and part of the body, then drop the connection.
    pub drop_connection: bool,
    /// The data faults above apply only after this many data responses succeeded.
    pub after_pages: Option<u32>,
    /// ... and then only to this many responses, after which the provider recovers.
    pub fault_count: Option<u32>,
    /// Lifetime of issued access tokens, in seconds (default: the provider's own).
    pub access_token_ttl: Option<i64>,
}

/// The running fakes of the sandbox environment.
pub trait SandboxFakes: Send + Sync {
    /// Where a provider's fake listens (`http://127.0.0.1:port`), if one runs.
    fn base_url(&self, provider: &str) -> Option<String>;
    /// The providers with a running fake, in a stable order.
    fn providers(&self) -> Vec<&'static str>;
    /// A provider's fault switches, if its fake runs.
    fn faults(&self, provider: &str) -> Option<Faults>;
    /// The client credentials registered with a provider's fake (public: sandbox only).
    fn client(&self, provider: &str) -> Option<(&'static str, &'static str)>;
    /// Sets a provider's fault switches; false when no fake runs for it.
    fn set_faults(&self, provider: &str, faults: Faults) -> bool;
    /// The loopback port registered with a fixed-port provider's fake, when the sandbox chose
    /// one other than the provider's default (None: the default is registered).
    fn redirect_port(&self, _provider: &str) -> Option<u16> {
        None
    }
    /// The concrete fakes, for tests that drive them directly.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// Starts the fakes when the environment is the sandbox.
#[async_trait::async_trait]
pub trait SandboxLauncher: Send + Sync {
    /// With a `state_dir` the fakes remember issued tokens across restarts, as a real provider
    /// does; without one they forget everything when the process ends.
    async fn start(
        &self,
        clock: Clock,
        state_dir: Option<&Path>,
    ) -> AppResult<Arc<dyn SandboxFakes>>;
}

/// The production environment: no fakes.
pub struct NoFakes;

impl SandboxFakes for NoFakes {
    fn base_url(&self, _: &str) -> Option<String> {
        None
    }
    fn providers(&self) -> Vec<&'static str> {
        Vec::new()
    }
    fn faults(&self, _: &str) -> Option<Faults> {
        None
    }
    fn client(&self, _: &str) -> Option<(&'static str, &'static str)> {
        None
    }
    fn set_faults(&self, _: &str, _: Faults) -> bool {
        false
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
