//! Connections (user × provider), their sealed tokens and their sync cursors.
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::Serialize;

use super::{now_ms, Store};
use crate::error::{AppError, AppResult};
use crate::states::{ConnectionKind, ConnectionStatus};
use crate::vault::Vault;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionRow {
    pub id: i64,
    pub user_id: String,
    pub provider: String,
    pub status: ConnectionStatus,
    pub external_user_id: Option<String>,
    pub scopes: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_sync_at: Option<i64>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// `oauth` (synced from the provider) or `push` (readings received through the ingestion
    /// routes; never synced).
    pub kind: ConnectionKind,
    /// When the scheduler runs this connection next (epoch ms); `None` = as soon as possible.
    pub next_sync_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    /// 0..100 while a backfill is under way.
    pub backfill_progress: Option<i64>,
    /// What the status screens show: `connected`, `syncing`, `backfilling 40%`,
    /// `error: rate_limited`, `reauth_required`, `deregistered`.
    pub sync_status: String,
}

impl ConnectionRow {
    /// The status line of status screens (see `sync_status`).
    pub fn display_status(&self) -> String {
        display_status(
            self.status,
            self.error_type.as_deref(),
            self.backfill_progress,
        )
    }
}

pub fn display_status(
    status: ConnectionStatus,
    error_type: Option<&str>,
    progress: Option<i64>,
) -> String {
    match (status, progress) {
        (ConnectionStatus::Syncing, Some(p)) if p < 100 => format!("backfilling {p}%"),
        (ConnectionStatus::Error, _) => format!("error: {}", error_type.unwrap_or("unknown")),
        (s, _) => s.to_string(),
    }
}

/// Tokens as the provider issued them; only ever held in memory, sealed at rest.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub token_type: String,
    /// When the access token was issued (stored: when it was saved), epoch ms.
    pub issued_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub scope: Option<String>,
    /// The provider's user id when its token response carries one (not stored with the tokens:
    /// it becomes the connection's `external_user_id`).
    pub provider_user_id: Option<String>,
    /// An OpenID Connect ID token from the same response (checked, never stored).
    pub id_token: Option<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Cursor {
    pub resource: String,
    pub newest_day: Option<String>,
    pub oldest_day: Option<String>,
    pub backfill_target: Option<String>,
}

const COLUMNS: &str = "id, user_id, provider, status, external_user_id, scopes, created_at, updated_at, last_sync_at, error_type, error_message, kind, next_sync_at, last_attempt_at, backfill_progress";

fn from_row(r: &Row) -> rusqlite::Result<ConnectionRow> {
    let status: ConnectionStatus = r.get(3)?;
    let error_type: Option<String> = r.get(9)?;
    let backfill_progress: Option<i64> = r.get(14)?;
    Ok(ConnectionRow {
        sync_status: display_status(status, error_type.as_deref(), backfill_progress),
        kind: r.get(11)?,
        next_sync_at: r.get(12)?,
        last_attempt_at: r.get(13)?,
        backfill_progress,
        id: r.get(0)?,
        user_id: r.get(1)?,
        provider: r.get(2)?,
        status,
        external_user_id: r.get(4)?,
        scopes: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        last_sync_at: r.get(8)?,
        error_type,
        error_message: r.get(10)?,
    })
}

fn aad(column: &str, id: i64) -> String {
    format!("connection_tokens/{column}/{id}")
}

/// Seals and stores a token set for a connection, inside the caller's transaction.
pub fn put_tokens(tx: &Transaction, vault: &Vault, id: i64, t: &TokenSet) -> AppResult<()> {
    let access = vault.seal_str(&aad("access_token", id), &t.access_token);
    let refresh = t
        .refresh_token
        .as_ref()
        .map(|r| vault.seal_str(&aad("refresh_token", id), r));
    tx.execute(
        "INSERT INTO connection_tokens (connection_id, access_token, refresh_token, token_type, expires_at, scope, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(connection_id) DO UPDATE SET access_token = excluded.access_token,
             refresh_token = COALESCE(excluded.refresh_token, connection_tokens.refresh_token),
             token_type = excluded.token_type, expires_at = excluded.expires_at,
             scope = COALESCE(excluded.scope, connection_tokens.scope), updated_at = excluded.updated_at",
        params![id, access, refresh, t.token_type, t.expires_at, t.scope, now_ms()],
    )?;
    Ok(())
}

pub fn get_connection(c: &Connection, id: i64) -> AppResult<ConnectionRow> {
    c.query_row(
        &format!("SELECT {COLUMNS} FROM connections WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| AppError::not_found(format!("no connection {id}")))
}

impl Store {
    /// Creates or re-activates the (user, provider) connection and stores its sealed tokens in
    /// the same transaction, so a connection never exists without the tokens it needs.
    pub fn connect(
        &self,
        vault: std::sync::Arc<Vault>,
        user_id: &str,
        provider: &str,
        external_user_id: Option<String>,
        tokens: TokenSet,
    ) -> AppResult<ConnectionRow> {
        let (user_id, provider) = (user_id.to_string(), provider.to_string());
        self.write(move |tx| {
            let now = now_ms();
            tx.execute(
                "INSERT INTO connections (user_id, provider, status, external_user_id, scopes, created_at, updated_at)
                 VALUES (?1, ?2, 'connected', ?3, ?4, ?5, ?5)
                 ON CONFLICT(user_id, provider) DO UPDATE SET status = 'connected', kind = 'oauth',
                     next_sync_at = NULL, backfill_progress = NULL,
                     external_user_id = COALESCE(excluded.external_user_id, connections.external_user_id),
                     scopes = excluded.scopes, updated_at = excluded.updated_at,
                     error_type = NULL, error_message = NULL",
                params![user_id, provider, external_user_id, tokens.scope, now],
            )?;
            let id: i64 = tx.query_row(
                "SELECT id FROM connections WHERE user_id = ?1 AND provider = ?2",
                params![user_id, provider],
                |r| r.get(0),
            )?;
            put_tokens(tx, &vault, id, &tokens)?;
            get_connection(tx, id)
        })
    }

    pub fn connection(&self, id: i64) -> AppResult<ConnectionRow> {
        self.read(move |c| get_connection(c, id))
    }

    pub fn connection_for(
        &self,
        user_id: &str,
        provider: &str,
    ) -> AppResult<Option<ConnectionRow>> {
        let (u, p) = (user_id.to_string(), provider.to_string());
        self.read(move |c| {
            Ok(c.query_row(
                &format!("SELECT {COLUMNS} FROM connections WHERE user_id = ?1 AND provider = ?2"),
                params![u, p],
                from_row,
            )
            .optional()?)
        })
    }

    pub fn connections(&self, user_id: Option<&str>) -> AppResult<Vec<ConnectionRow>> {
        let u = user_id.map(str::to_string);
        self.read(move |c| {
            let mut st = c.prepare(&format!(
                "SELECT {COLUMNS} FROM connections WHERE ?1 IS NULL OR user_id = ?1 ORDER BY user_id, provider"
            ))?;
            let rows = st
                .query_map([u], from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    pub fn tokens(&self, vault: &Vault, connection_id: i64) -> AppResult<TokenSet> {
        type Sealed = (
            Vec<u8>,
            Option<Vec<u8>>,
            String,
            Option<i64>,
            Option<String>,
            i64,
        );
        let row: Option<Sealed> = self.read(move |c| {
            Ok(c.query_row(
                "SELECT access_token, refresh_token, token_type, expires_at, scope, updated_at FROM connection_tokens WHERE connection_id = ?1",
                [connection_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?)
        })?;
        let (access, refresh, token_type, expires_at, scope, updated_at) =
            row.ok_or_else(|| {
                AppError::new(
                    "reauth_required",
                    format!(
                        "connection {connection_id} has no stored tokens; reconnect the provider"
                    ),
                )
            })?;
        Ok(TokenSet {
            access_token: vault.open_str(&aad("access_token", connection_id), &access)?,
            refresh_token: refresh
                .map(|r| vault.open_str(&aad("refresh_token", connection_id), &r))
                .transpose()?,
            token_type,
            issued_at: Some(updated_at),
            expires_at,
            scope,
            provider_user_id: None,
            id_token: None,
        })
    }

    pub fn save_tokens(&self, vault: std::sync::Arc<Vault>, id: i64, t: TokenSet) -> AppResult<()> {
        self.write(move |tx| put_tokens(tx, &vault, id, &t))
    }

    pub fn set_connection_status(
        &self,
        id: i64,
        status: ConnectionStatus,
        error: Option<(&str, &str)>,
    ) -> AppResult<()> {
        let (et, em) = match error {
            Some((t, m)) => (Some(t.to_string()), Some(m.to_string())),
            None => (None, None),
        };
        self.write(move |tx| {
            tx.execute(
                "UPDATE connections SET status = ?2, error_type = ?3, error_message = ?4, updated_at = ?5,
                     last_sync_at = CASE WHEN ?2 = 'connected' AND ?3 IS NULL THEN ?5 ELSE last_sync_at END
                 WHERE id = ?1",
                params![id, status, et, em, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Ends a connection but keeps its data: the sealed tokens are deleted and the status
    /// becomes `deregistered`; connecting again re-activates it.
    pub fn deregister_connection(&self, id: i64) -> AppResult<()> {
        self.write(move |tx| {
            tx.execute("DELETE FROM connection_tokens WHERE connection_id = ?1", [id])?;
            tx.execute(
                "UPDATE connections SET status = 'deregistered', error_type = NULL, error_message = NULL, updated_at = ?2 WHERE id = ?1",
                params![id, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Removes a connection with its tokens, cursors and data (cascade).
    pub fn delete_connection(&self, id: i64) -> AppResult<()> {
        self.write(move |tx| {
            tx.execute("DELETE FROM connections WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// The connection that holds readings pushed for (user, provider): an existing one, or a
    /// new `push` connection (never synced, no tokens). Returns it and whether it was created.
    pub fn push_connection(
        &self,
        user_id: &str,
        provider: &str,
    ) -> AppResult<(ConnectionRow, bool)> {
        let (u, p) = (user_id.to_string(), provider.to_string());
        self.write(move |tx| {
            let now = now_ms();
            let n = tx.execute(
                "INSERT INTO connections (user_id, provider, status, kind, created_at, updated_at)
                 VALUES (?1, ?2, 'connected', 'push', ?3, ?3) ON CONFLICT(user_id, provider) DO NOTHING",
                params![u, p, now],
            )?;
            let id: i64 = tx.query_row(
                "SELECT id FROM connections WHERE user_id = ?1 AND provider = ?2",
                params![u, p],
                |r| r.get(0),
            )?;
            Ok((get_connection(tx, id)?, n > 0))
        })
    }

    /// A sync run starts: `syncing`, with the backfill progress when a backfill is under way.
    pub fn set_sync_started(&self, id: i64, progress: Option<i64>) -> AppResult<()> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE connections SET status = 'syncing', backfill_progress = ?2, last_attempt_at = ?3, updated_at = ?3 WHERE id = ?1",
                params![id, progress, now_ms()],
            )?;
            Ok(())
        })
    }

    pub fn set_backfill_progress(&self, id: i64, progress: Option<i64>) -> AppResult<()> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE connections SET backfill_progress = ?2 WHERE id = ?1",
                params![id, progress],
            )?;
            Ok(())
        })
    }

    /// When the scheduler should run the connection next (epoch ms).
    pub fn set_next_sync(&self, id: i64, at: Option<i64>) -> AppResult<()> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE connections SET next_sync_at = ?2 WHERE id = ?1",
                params![id, at],
            )?;
            Ok(())
        })
    }

    /// Connections the scheduler should run now: synced ones whose next run is due.
    pub fn connections_due(&self, now: i64) -> AppResult<Vec<ConnectionRow>> {
        self.read(move |c| {
            let mut st = c.prepare(&format!(
                "SELECT {COLUMNS} FROM connections WHERE kind = 'oauth'
                   AND status NOT IN ('reauth_required', 'deregistered')
                   AND (next_sync_at IS NULL OR next_sync_at <= ?1)
                 ORDER BY COALESCE(next_sync_at, 0), id"
            ))?;
            let rows = st
                .query_map([now], from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    pub fn cursor(&self, connection_id: i64, resource: &str) -> AppResult<Cursor> {
        let r = resource.to_string();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT newest_day, oldest_day, backfill_target FROM sync_cursors WHERE connection_id = ?1 AND resource = ?2",
                params![connection_id, r],
                |row| {
                    Ok(Cursor {
                        resource: r.clone(),
                        newest_day: row.get(0)?,
                        oldest_day: row.get(1)?,
                        backfill_target: row.get(2)?,
                    })
                },
            )
            .optional()?
            .unwrap_or(Cursor {
                resource: r.clone(),
                newest_day: None,
                oldest_day: None,
                backfill_target: None,
            }))
        })
    }

    pub fn cursors(&self, connection_id: i64) -> AppResult<Vec<Cursor>> {
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT resource, newest_day, oldest_day, backfill_target FROM sync_cursors WHERE connection_id = ?1 ORDER BY resource",
            )?;
            let rows = st
                .query_map([connection_id], |row| {
                    Ok(Cursor {
                        resource: row.get(0)?,
                        newest_day: row.get(1)?,
                        oldest_day: row.get(2)?,
                        backfill_target: row.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }
}

/// Advances a cursor inside a page's transaction.
pub fn put_cursor(tx: &Transaction, connection_id: i64, c: &Cursor) -> AppResult<()> {
    tx.execute(
        "INSERT INTO sync_cursors (connection_id, resource, newest_day, oldest_day, backfill_target, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(connection_id, resource) DO UPDATE SET newest_day = excluded.newest_day,
             oldest_day = excluded.oldest_day, backfill_target = excluded.backfill_target, updated_at = excluded.updated_at",
        params![connection_id, c.resource, c.newest_day, c.oldest_day, c.backfill_target, now_ms()],
    )?;
    Ok(())
}
