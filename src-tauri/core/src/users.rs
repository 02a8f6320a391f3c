//! Users (participants): created, read, changed and listed the same way from every face.
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::App;
use crate::error::AppResult;
use crate::model::iso_utc_ms;
use crate::states::{ConnectionKind, ConnectionStatus};
use crate::store::connections::ConnectionRow;
use crate::store::users::User;

/// A new user as any face receives it. Every text is trimmed; an empty optional is absent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewUser {
    pub client_user_id: String,
    pub fallback_time_zone: Option<String>,
    pub fallback_birth_date: Option<String>,
    pub ingestion_start: Option<String>,
    pub ingestion_end: Option<String>,
    pub notes: Option<String>,
    pub cohort: Option<String>,
}

/// The fields of a user to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserPatch {
    pub client_user_id: Option<String>,
    pub fallback_time_zone: Option<String>,
    pub fallback_birth_date: Option<String>,
    pub ingestion_start: Option<String>,
    pub ingestion_end: Option<String>,
}

/// What `refresh_user` started.
#[derive(Debug, Clone, Serialize)]
pub struct Refresh {
    pub user_id: String,
    pub in_progress_sources: Vec<String>,
    pub failed_sources: Vec<String>,
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl App {
    /// Creates a user with all its fields in one transaction, and logs `user.created`.
    pub fn create_user(&self, new: NewUser) -> AppResult<User> {
        let fields = NewUser {
            client_user_id: new.client_user_id.trim().to_string(),
            fallback_time_zone: trimmed(new.fallback_time_zone),
            fallback_birth_date: trimmed(new.fallback_birth_date),
            ingestion_start: trimmed(new.ingestion_start),
            ingestion_end: trimmed(new.ingestion_end),
            notes: trimmed(new.notes),
            cohort: trimmed(new.cohort),
        };
        let u = self.data.create_user(fields)?;
        self.store
            .log_event("user.created", Some(&u.user_id), None, json!({}))?;
        Ok(u)
    }

    /// A user by its Vital `user_id`.
    pub fn user(&self, user_id: &str) -> AppResult<User> {
        self.data.user(user_id)
    }

    /// A user by `user_id` or `client_user_id`, as every CLI command and window command takes it.
    pub fn resolve_user(&self, key: &str) -> AppResult<User> {
        self.data.resolve_user(key.trim())
    }

    pub fn user_by_client_id(&self, client_user_id: &str) -> AppResult<User> {
        self.data.user_by_client_id(client_user_id)
    }

    /// Users in creation order, and how many there are in all.
    pub fn list_users(&self, offset: i64, limit: i64) -> AppResult<(Vec<User>, i64)> {
        self.data.list_users(offset, limit)
    }

    pub fn update_user(&self, user_id: &str, patch: UserPatch) -> AppResult<User> {
        self.data.update_user(
            user_id,
            crate::storage::UserChange {
                client_user_id: trimmed(patch.client_user_id),
                fallback_time_zone: trimmed(patch.fallback_time_zone),
                fallback_birth_date: trimmed(patch.fallback_birth_date),
                ingestion_start: trimmed(patch.ingestion_start),
                ingestion_end: trimmed(patch.ingestion_end),
            },
        )
    }

    /// A participant's study notes and cohort: `None` leaves a field as it is, `""` clears it.
    pub fn set_participant_info(
        &self,
        user_key: &str,
        notes: Option<&str>,
        cohort: Option<&str>,
    ) -> AppResult<User> {
        let u = self.resolve_user(user_key)?;
        self.store.set_participant_info(&u.user_id, notes, cohort)
    }

    /// Connections of one user (or of everyone), deregistered ones included.
    pub fn connections(&self, user_id: Option<&str>) -> AppResult<Vec<ConnectionRow>> {
        self.data.connections(user_id)
    }

    /// A user's connections that are not disconnected.
    fn current_connections(&self, user_id: &str) -> AppResult<Vec<ConnectionRow>> {
        Ok(self
            .data
            .connections(Some(user_id))?
            .into_iter()
            .filter(|c| c.status != ConnectionStatus::Deregistered)
            .collect())
    }

    /// Vital's `ClientFacingUser` of a user.
    pub fn vital_user(&self, u: &User) -> AppResult<Value> {
        let sources: Vec<Value> = self
            .current_connections(&u.user_id)?
            .into_iter()
            .map(|c| {
                let r = self.provider_ref(&c.provider);
                json!({"provider": r, "source": r, "created_on": iso_utc_ms(c.created_at)})
            })
            .collect();
        Ok(json!({
            "user_id": u.user_id,
            "team_id": self.team_id,
            "client_user_id": u.client_user_id,
            "created_on": iso_utc_ms(u.created_at),
            "connected_sources": sources,
            "fallback_time_zone": u.fallback_time_zone.as_ref().map(|tz| json!({"id": tz, "source_slug": "manual", "updated_at": iso_utc_ms(u.created_at)})),
            "fallback_birth_date": u.fallback_birth_date.as_ref().map(|d| json!({"value": d, "source_slug": "manual", "updated_at": iso_utc_ms(u.created_at)})),
            "ingestion_start": u.ingestion_start,
            "ingestion_end": u.ingestion_end,
        }))
    }

    /// Vital's list of a user's providers with their status and resources.
    pub fn user_providers(&self, user_id: &str) -> AppResult<Vec<Value>> {
        let u = self.data.user(user_id)?;
        Ok(self
            .current_connections(&u.user_id)?
            .into_iter()
            .map(|c| {
                let r = self.provider_ref(&c.provider);
                let resources: serde_json::Map<String, Value> = self
                    .providers
                    .get(&c.provider)
                    .map(|p| {
                        p.spec()
                            .resources
                            .iter()
                            .map(|r| (r.to_string(), json!({"status": "available"})))
                            .collect()
                    })
                    .unwrap_or_default();
                // Vital's providers list knows no `syncing`: a syncing connection is connected.
                let status = match c.status {
                    ConnectionStatus::Syncing => ConnectionStatus::Connected,
                    other => other,
                };
                json!({
                    "name": r["name"], "slug": r["slug"], "logo": r["logo"],
                    "created_on": iso_utc_ms(c.created_at),
                    "status": status,
                    "external_user_id": c.external_user_id,
                    "error_details": c.error_type.as_ref().map(|t| json!({"error_type": t, "error_message": c.error_message, "errored_at": iso_utc_ms(c.updated_at)})),
                    "resource_availability": resources,
                })
            })
            .collect())
    }

    /// Starts a sync of each of a user's live OAuth connections in the background.
    pub fn refresh_user(self: &Arc<Self>, user_id: &str) -> AppResult<Refresh> {
        let u = self.data.user(user_id)?;
        let conns: Vec<_> = self
            .store
            .connections(Some(&u.user_id))?
            .into_iter()
            .filter(|c| c.status.is_live() && c.kind == ConnectionKind::Oauth)
            .collect();
        let (ok, failed): (Vec<_>, Vec<_>) = conns
            .into_iter()
            .partition(|c| self.providers.get(&c.provider).is_some());
        let in_progress_sources = ok.iter().map(|c| c.provider.clone()).collect();
        for c in ok {
            let a = self.clone();
            self.track(tokio::spawn(async move {
                let _ = a.sync_connection(c.id, None).await;
            }));
        }
        Ok(Refresh {
            user_id: u.user_id,
            in_progress_sources,
            failed_sources: failed.into_iter().map(|c| c.provider).collect(),
        })
    }

    /// The newest events of the log.
    pub fn events(&self, limit: i64) -> AppResult<Vec<crate::store::events::Event>> {
        self.store.events(limit)
    }
}
