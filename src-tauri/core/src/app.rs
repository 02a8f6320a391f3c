//! The core: one `App` built at start, owning the store, the vault, the providers, the sandbox
//! and the background work. The desktop shell, the CLI and the local API are thin faces over it.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::config::{prepare_data_dir, Config, Environment};
use crate::error::{AppError, AppResult};
use crate::oauth::client::ClientConfig;
use crate::providers::{Endpoints, Provider, Registry};
use crate::sandbox::{SandboxFakes, SandboxLauncher};
use crate::store::Store;
use crate::vault::Vault;

/// Something the UI may want to know about as it happens.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppEvent {
    LinkState {
        user_id: String,
        provider: Option<String>,
        state: crate::states::LinkStatus,
    },
    SyncProgress {
        connection_id: i64,
        resource: String,
        done: usize,
        total: usize,
    },
    SyncFinished {
        connection_id: i64,
        status: String,
    },
    ExportProgress {
        done: usize,
        total: usize,
        what: String,
    },
}

/// The next event for a listener. One that fell behind (a backfill reports progress faster than
/// a busy window takes it) skips what it missed instead of stopping for good: a window whose
/// listener ended would never show another sync.
pub async fn next_event(rx: &mut broadcast::Receiver<AppEvent>) -> Option<AppEvent> {
    loop {
        match rx.recv().await {
            Ok(ev) => return Some(ev),
            Err(broadcast::error::RecvError::Lagged(skipped)) => {
                tracing::debug!(skipped, "an event listener fell behind")
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}

pub struct App {
    pub config: Config,
    #[cfg(feature = "test-support")]
    pub store: Store,
    #[cfg(not(feature = "test-support"))]
    pub(crate) store: Store,
    /// Participants and readings: the SQLite store itself, or a study server's PostgreSQL.
    pub(crate) data: Arc<dyn crate::storage::Storage>,
    pub vault: Arc<Vault>,
    pub providers: Registry,
    pub sandbox: Arc<dyn SandboxFakes>,
    pub http: reqwest::Client,
    pub clock: Clock,
    pub team_id: String,
    pub events: broadcast::Sender<AppEvent>,
    pub inspector: Arc<crate::inspector::Inspector>,
    /// The running OAuth flow of each link token (by token hash): only the newest flow of a
    /// token may record an outcome.
    pub(crate) link_flows: Mutex<HashMap<String, crate::link::RunningFlow>>,
    pub(crate) sync_locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// Single-flight token refresh, per connection (see `sync::fresh_tokens`).
    pub(crate) refresh_locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// Concurrent syncs allowed per provider.
    pub(crate) provider_slots: Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>,
    /// Minutes between scheduled runs of a connection (set by the scheduler).
    pub(crate) sync_interval_ms: std::sync::atomic::AtomicI64,
    pub(crate) schedule_wake: tokio::sync::Notify,
    pub(crate) forward_wake: tokio::sync::Notify,
    pub(crate) forward_state: tokio::sync::Mutex<crate::forward::RemoteCache>,
    pub(crate) background: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    pub(crate) api_key_cache: Mutex<Option<String>>,
    pub(crate) webhook_wake: tokio::sync::Notify,
    api_addr: OnceLock<SocketAddr>,
}

impl App {
    /// Participants and their readings (see `storage`).
    pub fn data(&self) -> &dyn crate::storage::Storage {
        self.data.as_ref()
    }

    /// Vital's `{name, slug, logo}` of a provider.
    pub fn provider_ref(&self, slug: &str) -> serde_json::Value {
        match self.providers.get(slug) {
            Some(p) => {
                serde_json::to_value(p.spec().reference(&self.api_base_url())).unwrap_or_default()
            }
            None => serde_json::json!({"name": slug, "slug": slug, "logo": ""}),
        }
    }

    /// Opens (or creates) everything under `config.data_dir` and starts the sandbox providers
    /// when the environment is the sandbox.
    pub async fn start(
        mut config: Config,
        clock: Clock,
        sandbox: &dyn SandboxLauncher,
    ) -> AppResult<Arc<App>> {
        let store = match prepare_data_dir(&config.data_dir) {
            Ok(()) => Store::open(&config.db_path())?,
            Err(why) if config.only_reads => {
                tracing::warn!("{}; reading it without writing", why.message);
                Store::open_read_only(&config.db_path(), why)?
            }
            Err(why) => return Err(why),
        };
        if !config.environment_explicit {
            if let Some(e) = store.setting("environment")? {
                config.environment = if e == "production" {
                    Environment::Production
                } else {
                    Environment::Sandbox
                };
            }
        }
        let vault = Arc::new(Vault::open(&config.data_dir)?);
        let sandbox = match config.environment {
            Environment::Sandbox => {
                sandbox
                    .start(clock, Some(&config.data_dir.join("sandbox")))
                    .await?
            }
            Environment::Production => Arc::new(crate::sandbox::NoFakes),
        };
        let team_id = match store.setting("team_id")? {
            Some(t) => t,
            None => {
                let t = uuid::Uuid::new_v4().to_string();
                store.set_setting("team_id", &t)?;
                t
            }
        };
        let mut config = config;
        if !config.history_days_explicit {
            if let Some(d) = store
                .setting(crate::config::HISTORY_DAYS_SETTING)?
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|d| *d > 0)
            {
                config.history_days = d;
            }
        }
        let data: Arc<dyn crate::storage::Storage> = match &config.database_url {
            Some(url) => Arc::new(crate::store_pg::PgStore::open(url)?),
            None => Arc::new(store.clone()),
        };
        let (events, _) = broadcast::channel(256);
        let app = Arc::new(App {
            config,
            store,
            data,
            vault,
            providers: Registry::default(),
            sandbox,
            http: crate::providers::http::build_client(),
            clock,
            team_id,
            events,
            inspector: Arc::default(),
            link_flows: Mutex::default(),
            sync_locks: Mutex::default(),
            refresh_locks: Mutex::default(),
            provider_slots: Mutex::default(),
            sync_interval_ms: std::sync::atomic::AtomicI64::new(
                crate::config::DEFAULT_SYNC_INTERVAL_MINUTES * 60_000,
            ),
            schedule_wake: tokio::sync::Notify::new(),
            forward_wake: tokio::sync::Notify::new(),
            forward_state: tokio::sync::Mutex::default(),
            background: Mutex::default(),
            api_key_cache: Mutex::default(),
            webhook_wake: tokio::sync::Notify::new(),
            api_addr: OnceLock::new(),
        });
        app.load_custom_providers()?;
        Ok(app)
    }

    pub fn provider(&self, slug: &str) -> AppResult<Arc<dyn Provider>> {
        self.providers.get(slug).ok_or_else(|| {
            let known: Vec<_> = self.providers.all().iter().map(|p| p.spec().slug).collect();
            AppError::bad_request(
                "invalid_provider",
                format!(
                    "unknown provider {slug:?}; known providers: {}",
                    known.join(", ")
                ),
            )
        })
    }

    pub fn endpoints(&self, p: &dyn Provider) -> Endpoints {
        let env = self.config.environment;
        let published = p.endpoints(env);
        match self.sandbox.base_url(p.spec().slug) {
            Some(base) if env == Environment::Sandbox => published.rehosted(&base),
            _ => published,
        }
    }

    /// The OAuth client of a provider in the current environment.
    pub fn client_config(&self, p: &dyn Provider) -> AppResult<ClientConfig> {
        let slug = p.spec().slug;
        // A custom provider is the QA engineer's own server, in either environment.
        let env = if self.is_custom(slug) {
            Environment::Production
        } else {
            self.config.environment
        };
        let (client_id, client_secret) = match env {
            Environment::Sandbox => match self.sandbox.client(slug) {
                Some((id, secret)) => (id.to_string(), Some(secret.to_string())),
                None => {
                    return Err(AppError::bad_request(
                        "provider_unavailable",
                        format!("{slug} has no sandbox yet"),
                    ))
                }
            },
            Environment::Production => self.production_credentials(slug)?,
        };
        Ok(ClientConfig {
            client_id,
            client_secret,
            endpoints: self.endpoints(p),
            client_auth: p.spec().client_auth,
            adapter: p.token_adapter(),
            token_params: p.token_params(),
            trace: Some(self.trace(slug, None)),
        })
    }

    /// A recorder of HTTP exchanges for the QA inspector.
    pub fn trace(&self, provider: &str, connection_id: Option<i64>) -> crate::inspector::Trace {
        crate::inspector::Trace {
            inspector: self.inspector.clone(),
            provider: provider.to_string(),
            connection_id,
        }
    }

    /// The context of calls to a connection's provider API.
    pub fn fetch_ctx(
        &self,
        conn: &crate::store::connections::ConnectionRow,
        p: &dyn Provider,
        access_token: String,
    ) -> crate::providers::FetchCtx {
        crate::providers::FetchCtx {
            http: self.http.clone(),
            api_base: self.endpoints(p).api_base,
            access_token,
            user_id: conn.user_id.clone(),
            external_user_id: conn.external_user_id.clone(),
            clock: self.clock,
            trace: Some(self.trace(&conn.provider, Some(conn.id))),
            granted_scopes: conn.scopes.clone(),
        }
    }

    fn production_credentials(&self, slug: &str) -> AppResult<(String, Option<String>)> {
        self.stored_credentials(slug)?.ok_or_else(|| {
            AppError::bad_request(
                "credentials_missing",
                format!(
                    "no client credentials for {slug} in production: register an app as described in docs/providers/{slug}.md, then enter its client ID and secret in Settings (or `vital-link providers set {slug} --client-id … --client-secret …`); or use the sandbox"
                ),
            )
        })
    }

    pub fn set_api_addr(&self, addr: SocketAddr) {
        let _ = self.api_addr.set(addr);
    }

    pub fn api_addr(&self) -> Option<SocketAddr> {
        self.api_addr.get().copied()
    }

    pub fn api_base_url(&self) -> String {
        match self.api_addr() {
            Some(a) => format!("http://{a}"),
            None => format!("http://127.0.0.1:{}", self.config.api_port),
        }
    }

    pub(crate) fn emit(&self, e: AppEvent) {
        let _ = self.events.send(e);
    }

    pub(crate) fn track(&self, h: tokio::task::JoinHandle<()>) {
        let mut bg = self.background.lock().unwrap();
        bg.retain(|h| !h.is_finished());
        bg.push(h);
    }

    /// Waits until background syncs started by connects have finished (CLI, tests).
    pub async fn wait_background(&self) {
        loop {
            let handles: Vec<_> = std::mem::take(&mut *self.background.lock().unwrap());
            if handles.is_empty() {
                return;
            }
            for h in handles {
                let _ = h.await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listener_that_fell_behind_keeps_receiving() {
        let (tx, mut rx) = broadcast::channel(4);
        for done in 0..10 {
            tx.send(AppEvent::SyncProgress {
                connection_id: 1,
                resource: "sleep".into(),
                done,
                total: 10,
            })
            .unwrap();
        }
        let Some(AppEvent::SyncProgress { done, .. }) = next_event(&mut rx).await else {
            panic!("the listener stopped after falling behind");
        };
        assert_eq!(done, 6, "the oldest events it missed are skipped");
        drop(tx);
        while next_event(&mut rx).await.is_some() {}
    }
}
