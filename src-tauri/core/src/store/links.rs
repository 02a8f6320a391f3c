//! Link tokens: random, short-lived, consumed by a successful connection. Only their SHA-256 is
//! stored, so a copy of the database cannot be used to start a link flow.
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{now_ms, Store};
use crate::error::{AppError, AppResult};
use crate::states::LinkStatus;

#[derive(Debug, Clone, Serialize)]
pub struct LinkTokenRow {
    #[serde(skip)]
    pub token_hash: String,
    pub user_id: String,
    pub provider: Option<String>,
    pub redirect_url: Option<String>,
    pub filter_on_providers: Option<Vec<String>>,
    pub on_error: Option<String>,
    pub on_close: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// created | pending | success | error | exited
    pub state: LinkStatus,
    pub state_provider: Option<String>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewLinkToken {
    pub user_id: String,
    pub provider: Option<String>,
    pub redirect_url: Option<String>,
    pub filter_on_providers: Option<Vec<String>>,
    pub on_error: Option<String>,
    pub on_close: Option<String>,
}

const COLUMNS: &str = "token_hash, user_id, provider, redirect_url, filter_on_providers, on_error, on_close, created_at, expires_at, state, state_provider, error_type, error_message";

fn from_row(r: &Row) -> rusqlite::Result<LinkTokenRow> {
    let filter: Option<String> = r.get(4)?;
    Ok(LinkTokenRow {
        token_hash: r.get(0)?,
        user_id: r.get(1)?,
        provider: r.get(2)?,
        redirect_url: r.get(3)?,
        filter_on_providers: filter.and_then(|f| serde_json::from_str(&f).ok()),
        on_error: r.get(5)?,
        on_close: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
        state: r.get(9)?,
        state_provider: r.get(10)?,
        error_type: r.get(11)?,
        error_message: r.get(12)?,
    })
}

impl Store {
    pub fn insert_link_token(
        &self,
        token_hash: &str,
        new: NewLinkToken,
        ttl_ms: i64,
    ) -> AppResult<LinkTokenRow> {
        let hash = token_hash.to_string();
        self.write(move |tx| {
            let now = now_ms();
            let filter = new
                .filter_on_providers
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?;
            tx.execute(
                "INSERT INTO link_tokens (token_hash, user_id, provider, redirect_url, filter_on_providers,
                     on_error, on_close, created_at, expires_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
                params![
                    hash,
                    new.user_id,
                    new.provider,
                    new.redirect_url,
                    filter,
                    new.on_error,
                    new.on_close,
                    now,
                    now + ttl_ms
                ],
            )?;
            Ok(LinkTokenRow {
                token_hash: hash,
                user_id: new.user_id,
                provider: new.provider,
                redirect_url: new.redirect_url,
                filter_on_providers: new.filter_on_providers,
                on_error: new.on_error,
                on_close: new.on_close,
                created_at: now,
                expires_at: now + ttl_ms,
                state: LinkStatus::Created,
                state_provider: None,
                error_type: None,
                error_message: None,
            })
        })
    }

    pub fn link_token(&self, token_hash: &str) -> AppResult<Option<LinkTokenRow>> {
        let hash = token_hash.to_string();
        self.read(move |c| {
            Ok(c.query_row(
                &format!("SELECT {COLUMNS} FROM link_tokens WHERE token_hash = ?1"),
                [hash],
                from_row,
            )
            .optional()?)
        })
    }

    pub fn set_link_state(
        &self,
        token_hash: &str,
        state: LinkStatus,
        provider: Option<&str>,
        error: Option<(&str, &str)>,
    ) -> AppResult<()> {
        let hash = token_hash.to_string();
        let provider = provider.map(str::to_string);
        let (etype, emsg) = match error {
            Some((t, m)) => (Some(t.to_string()), Some(m.to_string())),
            None => (None, None),
        };
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE link_tokens SET state = ?2, state_provider = COALESCE(?3, state_provider),
                     error_type = ?4, error_message = ?5, updated_at = ?6 WHERE token_hash = ?1",
                params![hash, state, provider, etype, emsg, now_ms()],
            )?;
            if n == 0 {
                return Err(AppError::new("invalid_token", "unknown link token"));
            }
            Ok(())
        })
    }
}
