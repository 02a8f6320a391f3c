//! Ending connections and users: revoke at the provider where it has a way to, then remove the
//! sealed tokens (and, for a user, everything of theirs).
use serde_json::json;

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::providers::FetchCtx;
use crate::states::ConnectionStatus;
use crate::store::connections::ConnectionRow;

impl App {
    /// Best-effort revocation: a provider that is down or refuses must not keep the user from
    /// deleting their data; the outcome goes to the event log.
    async fn revoke_at_provider(&self, c: &ConnectionRow) {
        let (Some(p), Ok(tokens)) = (
            self.providers.get(&c.provider),
            self.store.tokens(&self.vault, c.id),
        ) else {
            return;
        };
        let Ok(mut client) = self.client_config(p.as_ref()) else {
            return;
        };
        client.trace = Some(self.trace(&c.provider, Some(c.id)));
        let ctx = FetchCtx {
            http: self.http.clone(),
            api_base: client.endpoints.api_base.clone(),
            access_token: tokens.access_token.clone(),
            user_id: c.user_id.clone(),
            external_user_id: c.external_user_id.clone(),
            clock: self.clock,
            trace: Some(self.trace(&c.provider, Some(c.id))),
            granted_scopes: c.scopes.clone(),
        };
        let outcome = p
            .revoke(&ctx, &client, tokens.refresh_token.as_deref())
            .await;
        let _ = self.store.log_event(
            "token.revoked",
            Some(&c.user_id),
            Some(&c.provider),
            json!({"connection_id": c.id, "ok": outcome.is_ok(), "error": outcome.err().map(|e| e.message())}),
        );
    }

    /// Disconnects one provider of a user, keeping the data already synced.
    pub async fn deregister(&self, user_key: &str, provider: &str) -> AppResult<()> {
        let u = self.store.resolve_user(user_key)?;
        let c = self
            .store
            .connection_for(&u.user_id, provider)?
            .filter(|c| c.status != ConnectionStatus::Deregistered)
            .ok_or_else(|| {
                AppError::not_found(format!("{} has no {provider} connection", u.client_user_id))
            })?;
        let lock = self.sync_lock_for(c.id);
        let _guard = lock.lock().await;
        self.revoke_at_provider(&c).await;
        self.store.deregister_connection(c.id)?;
        self.store.log_event(
            "provider.connection.deregistered",
            Some(&u.user_id),
            Some(provider),
            json!({"connection_id": c.id}),
        )?;
        Ok(())
    }

    /// Deletes a user with every connection, token and reading, revoking tokens first.
    pub async fn delete_user(&self, user_key: &str) -> AppResult<()> {
        let u = self.store.resolve_user(user_key)?;
        for c in self.store.connections(Some(&u.user_id))? {
            let lock = self.sync_lock_for(c.id);
            let _guard = lock.lock().await;
            self.revoke_at_provider(&c).await;
        }
        self.store.delete_user(&u.user_id)?;
        self.store.log_event(
            "user.deleted",
            None,
            None,
            json!({"client_user_id_hash": crate::link::hash_token(&u.client_user_id)}),
        )?;
        Ok(())
    }
}

impl App {
    /// The danger zone: revokes every token it can, then deletes every participant, reading,
    /// token, webhook, consent and event, and rewrites the file so nothing stays in free pages or
    /// the WAL. Settings that are not data (the API key, the agreement) are kept.
    pub async fn wipe(&self) -> AppResult<()> {
        let users = self.store.list_users(0, i64::MAX)?.0;
        for u in &users {
            for c in self.store.connections(Some(&u.user_id))? {
                let lock = self.sync_lock_for(c.id);
                let _guard = lock.lock().await;
                self.revoke_at_provider(&c).await;
            }
        }
        self.store.delete_all_data()?;
        let sandbox = self.config.data_dir.join("sandbox");
        if sandbox.exists() {
            let _ = std::fs::remove_dir_all(&sandbox);
        }
        self.store.log_event(
            "data.wiped",
            None,
            None,
            json!({"participants": users.len()}),
        )?;
        Ok(())
    }
}
