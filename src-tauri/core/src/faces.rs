//! What the faces share that is not a capability: how the binary plugs in the parts the core
//! may not depend on (the sandbox's fake servers, the HTTP API), how a face's options become a
//! `Config`, and the background work every long-running face starts.
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::clock::Clock;
use crate::config::{Config, Environment, DEFAULT_SYNC_INTERVAL_MINUTES, SYNC_INTERVAL_SETTING};
use crate::error::{AppError, AppResult};
use crate::sandbox::SandboxLauncher;

/// Serves the local HTTP API for an app (the API face, plugged in by the binary).
#[async_trait::async_trait]
pub trait ApiServer: Send + Sync {
    async fn serve(&self, app: Arc<App>, ip: IpAddr, port: u16) -> AppResult<SocketAddr>;
}

/// Serves the MCP face over stdio for an app (plugged in by the binary).
#[async_trait::async_trait]
pub trait McpServer: Send + Sync {
    async fn serve_stdio(
        &self,
        app: Arc<App>,
        scope: crate::explore::Scope,
        allow_raw: bool,
    ) -> AppResult<()>;
}

/// The parts the binary plugs into the core.
#[derive(Clone)]
pub struct Plugins {
    pub sandbox: Arc<dyn SandboxLauncher>,
    pub api: Arc<dyn ApiServer>,
    pub mcp: Arc<dyn McpServer>,
    /// Whether this binary has the window (for `doctor`).
    pub desktop: bool,
}

impl Plugins {
    /// Builds the core with these parts.
    pub async fn start(&self, config: Config, clock: Clock) -> AppResult<Arc<App>> {
        App::start(config, clock, self.sandbox.as_ref()).await
    }
}

/// The options every face takes (flags or environment variables), `None` where not given.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub data_dir: Option<PathBuf>,
    pub environment: Option<Environment>,
    pub history_days: Option<u32>,
    pub port: u16,
    /// A study server's PostgreSQL URL (`--database`).
    pub database_url: Option<String>,
}

impl Options {
    pub fn config(&self) -> AppResult<Config> {
        let (dir, log_dir) = match &self.data_dir {
            Some(d) => (d.clone(), None),
            None => (Config::default_data_dir()?, Config::default_log_dir()),
        };
        let mut c = Config::new(dir);
        c.log_dir = log_dir;
        c.environment = self.environment.unwrap_or(Environment::Sandbox);
        c.environment_explicit = self.environment.is_some();
        if let Some(d) = self.history_days {
            c.history_days = d.max(1);
            c.history_days_explicit = true;
        }
        c.api_port = self.port;
        c.database_url = self.database_url.clone().filter(|u| !u.trim().is_empty());
        Ok(c)
    }
}

/// The clock: the system's, or the fixed instant of `VITAL_LINK_SANDBOX_NOW`.
pub fn clock() -> AppResult<Clock> {
    Clock::from_env().map_err(|m| AppError::bad_request("invalid_clock", m))
}

impl App {
    /// Minutes between scheduled syncs: `explicit` (a flag), else the `sync_interval_minutes`
    /// setting, else the default. The window and `serve` both read it here.
    pub fn sync_interval_minutes(&self, explicit: Option<u64>) -> AppResult<u64> {
        Ok(match explicit {
            Some(m) => m,
            None => self
                .store
                .setting(SYNC_INTERVAL_SETTING)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_SYNC_INTERVAL_MINUTES as u64),
        }
        .max(1))
    }

    /// Starts what a long-running face keeps going: the sync scheduler (with the forwarder)
    /// and the webhook worker.
    pub fn start_background(self: &Arc<Self>, sync_interval_minutes: Option<u64>) -> AppResult<()> {
        let minutes = self.sync_interval_minutes(sync_interval_minutes)?;
        crate::scheduler::start(self.clone(), Duration::from_secs(minutes * 60));
        crate::webhooks::start_worker(self.clone());
        Ok(())
    }

    /// A stored setting as text.
    pub fn setting(&self, key: &str) -> AppResult<Option<String>> {
        self.store.setting(key)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> AppResult<()> {
        self.store.set_setting(key, value)
    }

    /// Protects the vault key with a passphrase, or (with `None`) removes it.
    pub fn set_passphrase(&self, passphrase: Option<&str>) -> AppResult<()> {
        let dir = &self.config.data_dir;
        let key = *self.vault.key_bytes();
        match passphrase {
            Some(p) => crate::vault::set_passphrase(dir, &key, p)?,
            None => crate::vault::remove_passphrase(dir, &key)?,
        }
        let action = if passphrase.is_some() {
            "set"
        } else {
            "remove"
        };
        self.store.log_event(
            "vault.passphrase",
            None,
            None,
            serde_json::json!({"action": action}),
        )?;
        Ok(())
    }

    /// Chooses the environment the next start uses.
    pub fn set_environment(&self, environment: &str) -> AppResult<()> {
        if environment != "sandbox" && environment != "production" {
            return Err(AppError::bad_request(
                "invalid_environment",
                "the environment is sandbox or production",
            ));
        }
        self.store.set_setting("environment", environment)
    }
}
