//! What the faces report about connections: one connection of a user, its status line with the
//! next-run rule, what is stored, and the health check (`doctor`).
use serde::Serialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::model::iso_utc_ms;
use crate::states::{ConnectionKind, ConnectionStatus};
use crate::store::connections::ConnectionRow;
use crate::store::readings::Counts;
use crate::store::users::User;

/// When a connection syncs next.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum NextRun {
    /// Pushed to us (the ingestion API): never pulled.
    Received,
    /// Needs a reconnect, or was disconnected.
    NotScheduled,
    /// At this instant, or as soon as a scheduler runs (`None`).
    At(Option<String>),
}

impl std::fmt::Display for NextRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NextRun::Received => write!(f, "received, not synced"),
            NextRun::NotScheduled => write!(f, "not scheduled"),
            NextRun::At(Some(t)) => write!(f, "next run {t}"),
            NextRun::At(None) => write!(f, "next run when serving"),
        }
    }
}

impl NextRun {
    pub fn of(c: &ConnectionRow) -> NextRun {
        if c.kind == ConnectionKind::Push {
            NextRun::Received
        } else if !c.status.is_live() {
            NextRun::NotScheduled
        } else {
            NextRun::At(c.next_sync_at.map(iso_utc_ms))
        }
    }
}

/// One connection as a status screen lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionReport {
    pub client_user_id: String,
    pub user_id: String,
    pub provider: String,
    pub status: ConnectionStatus,
    pub sync_status: String,
    pub last_success: Option<String>,
    pub next_run: NextRun,
    /// The last error, while the connection is not healthy.
    pub error: Option<String>,
}

impl App {
    /// A user's connection to a provider (any state), with the user.
    pub fn connection_of(
        &self,
        user_key: &str,
        provider: &str,
    ) -> AppResult<(User, ConnectionRow)> {
        let u = self.resolve_user(user_key)?;
        let c = self
            .store
            .connection_for(&u.user_id, provider)?
            .ok_or_else(|| {
                AppError::not_found(format!("{} has no {provider} connection", u.client_user_id))
            })?;
        Ok((u, c))
    }

    /// The claims of the newest verified OpenID Connect ID token of a connection.
    pub fn id_token_claims(&self, connection_id: i64) -> AppResult<Option<Value>> {
        Ok(self
            .store
            .events(1000)?
            .into_iter()
            .find(|e| {
                e.kind == "oidc.id_token.verified" && e.detail["connection_id"] == connection_id
            })
            .map(|e| e.detail["claims"].clone()))
    }

    /// How many readings of each kind are stored for a user.
    pub fn stored_counts(&self, user_id: &str) -> AppResult<Counts> {
        self.store.counts(user_id)
    }

    /// Every connection of one user (or of everyone) with its state and next run.
    pub fn connection_statuses(&self, user_key: Option<&str>) -> AppResult<Vec<ConnectionReport>> {
        let uid = user_key
            .map(|u| self.resolve_user(u))
            .transpose()?
            .map(|u| u.user_id);
        self.store
            .connections(uid.as_deref())?
            .into_iter()
            .map(|c| {
                let u = self.store.user(&c.user_id)?;
                Ok(ConnectionReport {
                    client_user_id: u.client_user_id,
                    user_id: u.user_id,
                    next_run: NextRun::of(&c),
                    error: c
                        .error_message
                        .clone()
                        .filter(|_| c.status != ConnectionStatus::Connected),
                    last_success: c.last_sync_at.map(iso_utc_ms),
                    provider: c.provider,
                    status: c.status,
                    sync_status: c.sync_status,
                })
            })
            .collect()
    }

    /// What a support request needs: versions, paths, key source, display, the sandbox.
    pub fn doctor(&self, desktop: bool) -> Value {
        let sqlite = self.store.sqlite_version().unwrap_or_default();
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "desktop": desktop,
            "environment": self.config.environment.as_str(),
            "data_dir": self.config.data_dir,
            "database": {"path": self.store.path(), "schema_version": self.store.schema_version().ok(), "sqlite": sqlite, "writable": !self.store.is_read_only()},
            "vault": {"key_source": self.vault.source(), "key_file": matches!(self.vault.source(), crate::vault::KeySource::KeyFile).then(|| self.vault.key_file().to_path_buf())},
            "logs": self.config.log_dir(),
            "browser": std::env::var("BROWSER").ok(),
            "display": std::env::var("DISPLAY").ok(),
            "sandbox": self.sandbox.providers().into_iter().map(|k| (k.to_string(), json!(self.sandbox.base_url(k)))).collect::<serde_json::Map<_, _>>(),
            "providers": self.providers.all().iter().map(|p| p.spec().slug).collect::<Vec<_>>(),
            "study_database": self.data.about().unwrap_or_else(|e| json!({"error": e.message})),
        })
    }
}
