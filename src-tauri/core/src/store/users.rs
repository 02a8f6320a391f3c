//! Users: one per person (a Vital user), keyed by a uuid and the caller's `client_user_id`.
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{now_ms, Store};
use crate::error::{AppError, AppResult};
use crate::users::NewUser;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct User {
    pub user_id: String,
    pub client_user_id: String,
    pub created_at: i64,
    pub fallback_time_zone: Option<String>,
    pub fallback_birth_date: Option<String>,
    pub ingestion_start: Option<String>,
    pub ingestion_end: Option<String>,
    pub notes: Option<String>,
    pub cohort: Option<String>,
}

impl User {
    /// A new user with a fresh id, created now.
    pub(crate) fn new(f: NewUser) -> User {
        User {
            user_id: uuid::Uuid::new_v4().to_string(),
            client_user_id: f.client_user_id,
            created_at: now_ms(),
            fallback_time_zone: f.fallback_time_zone,
            fallback_birth_date: f.fallback_birth_date,
            ingestion_start: f.ingestion_start,
            ingestion_end: f.ingestion_end,
            notes: f.notes,
            cohort: f.cohort,
        }
    }
}

const COLUMNS: &str = "user_id, client_user_id, created_at, fallback_time_zone, fallback_birth_date, ingestion_start, ingestion_end, notes, cohort";

fn from_row(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        user_id: r.get(0)?,
        client_user_id: r.get(1)?,
        created_at: r.get(2)?,
        fallback_time_zone: r.get(3)?,
        fallback_birth_date: r.get(4)?,
        ingestion_start: r.get(5)?,
        ingestion_end: r.get(6)?,
        notes: r.get(7)?,
        cohort: r.get(8)?,
    })
}

/// Characters that reorder or hide text: an id holding one displays as another id.
fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

pub fn validate_client_user_id(id: &str) -> AppResult<()> {
    if id.trim().is_empty()
        || id.len() > 256
        || id
            .chars()
            .any(|c| c.is_control() || is_bidi_or_invisible(c))
    {
        return Err(AppError::bad_request(
            "invalid_client_user_id",
            "client_user_id must be 1 to 256 printable characters, with no control, bidirectional or invisible ones",
        ));
    }
    Ok(())
}

impl Store {
    /// Creates a user. A duplicate `client_user_id` is an error that names the existing user.
    pub fn create_user(&self, client_user_id: &str) -> AppResult<User> {
        self.create_user_with(NewUser {
            client_user_id: client_user_id.to_string(),
            ..Default::default()
        })
    }

    /// Creates a user with its fields (as given: the caller trims) in one transaction: all of it
    /// is stored, or none.
    pub fn create_user_with(&self, f: NewUser) -> AppResult<User> {
        validate_client_user_id(&f.client_user_id)?;
        self.write(move |tx| {
            if let Some(existing) = by_client_id(tx, &f.client_user_id)? {
                return Err(duplicate_user(&existing));
            }
            let user = User::new(f);
            tx.execute(
                "INSERT INTO users (user_id, client_user_id, created_at, fallback_time_zone,
                     fallback_birth_date, ingestion_start, ingestion_end, notes, cohort)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    user.user_id,
                    user.client_user_id,
                    user.created_at,
                    user.fallback_time_zone,
                    user.fallback_birth_date,
                    user.ingestion_start,
                    user.ingestion_end,
                    user.notes,
                    user.cohort
                ],
            )?;
            Ok(user)
        })
    }

    /// A participant's study notes and cohort: `None` leaves a field as it is, `""` clears it.
    pub fn set_participant_info(
        &self,
        user_id: &str,
        notes: Option<&str>,
        cohort: Option<&str>,
    ) -> AppResult<User> {
        let (id, notes, cohort) = (
            user_id.to_string(),
            notes.map(|s| s.trim().to_string()),
            cohort.map(|s| s.trim().to_string()),
        );
        let changed = self.write(move |tx| {
            Ok(tx.execute(
                "UPDATE users SET
                   notes = CASE WHEN ?2 IS NULL THEN notes ELSE NULLIF(?2, '') END,
                   cohort = CASE WHEN ?3 IS NULL THEN cohort ELSE NULLIF(?3, '') END
                 WHERE user_id = ?1",
                params![id, notes, cohort],
            )?)
        })?;
        if changed == 0 {
            return Err(AppError::not_found(format!("no user with id {user_id:?}")));
        }
        self.user(user_id)
    }

    pub fn user(&self, user_id: &str) -> AppResult<User> {
        let id = user_id.to_string();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM users WHERE user_id = ?1"),
                [&id],
                from_row,
            )
            .optional()?
            .ok_or_else(|| unknown_user(&id))
        })
    }

    pub fn user_by_client_id(&self, client_user_id: &str) -> AppResult<User> {
        let id = client_user_id.to_string();
        self.read(move |c| by_client_id(c, &id)?.ok_or_else(|| unknown_user(&id)))
    }

    /// Accepts either the Vital `user_id` or the `client_user_id`, as every CLI command does.
    pub fn resolve_user(&self, key: &str) -> AppResult<User> {
        let key = key.to_string();
        self.read(move |c| {
            let by_id = c
                .query_row(
                    &format!("SELECT {COLUMNS} FROM users WHERE user_id = ?1"),
                    [&key],
                    from_row,
                )
                .optional()?;
            match by_id {
                Some(u) => Ok(u),
                None => by_client_id(c, &key)?.ok_or_else(|| unknown_user(&key)),
            }
        })
    }

    pub fn list_users(&self, offset: i64, limit: i64) -> AppResult<(Vec<User>, i64)> {
        self.read(move |c| {
            let total: i64 = c.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
            let mut st = c.prepare(&format!(
                "SELECT {COLUMNS} FROM users ORDER BY created_at, client_user_id LIMIT ?1 OFFSET ?2"
            ))?;
            let users = st
                .query_map(params![limit, offset], from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((users, total))
        })
    }

    /// Updates the fields that are given; a new `client_user_id` must not be taken.
    pub fn update_user(
        &self,
        user_id: &str,
        client_user_id: Option<String>,
        fallback_time_zone: Option<String>,
        fallback_birth_date: Option<String>,
        ingestion_start: Option<String>,
        ingestion_end: Option<String>,
    ) -> AppResult<User> {
        if let Some(c) = &client_user_id {
            validate_client_user_id(c)?;
        }
        let id = user_id.to_string();
        self.write(move |tx| {
            if let Some(c) = &client_user_id {
                if let Some(other) = by_client_id(tx, c)?.filter(|o| o.user_id != id) {
                    return Err(duplicate_user(&other));
                }
            }
            let n = tx.execute(
                "UPDATE users SET client_user_id = COALESCE(?2, client_user_id),
                     fallback_time_zone = COALESCE(?3, fallback_time_zone),
                     fallback_birth_date = COALESCE(?4, fallback_birth_date),
                     ingestion_start = COALESCE(?5, ingestion_start),
                     ingestion_end = COALESCE(?6, ingestion_end)
                 WHERE user_id = ?1",
                params![
                    id,
                    client_user_id,
                    fallback_time_zone,
                    fallback_birth_date,
                    ingestion_start,
                    ingestion_end
                ],
            )?;
            if n == 0 {
                return Err(unknown_user(&id));
            }
            Ok(tx.query_row(
                &format!("SELECT {COLUMNS} FROM users WHERE user_id = ?1"),
                [&id],
                from_row,
            )?)
        })
    }

    pub fn delete_user(&self, user_id: &str) -> AppResult<()> {
        let id = user_id.to_string();
        self.write(move |tx| {
            let n = tx.execute("DELETE FROM users WHERE user_id = ?1", [&id])?;
            if n == 0 {
                return Err(unknown_user(&id));
            }
            Ok(())
        })
    }
}

fn by_client_id(c: &Connection, client_user_id: &str) -> AppResult<Option<User>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE client_user_id = ?1"),
        [client_user_id],
        from_row,
    )
    .optional()?)
}

pub(crate) fn unknown_user(key: &str) -> AppError {
    AppError::new(
        "user_not_found",
        format!(
            "no user with id or client_user_id {key:?}; list users with `vital-link users list`"
        ),
    )
}

pub(crate) fn duplicate_user(existing: &User) -> AppError {
    AppError::bad_request(
        "duplicate_user",
        format!(
            "a user with client_user_id {:?} already exists (user_id {})",
            existing.client_user_id, existing.user_id
        ),
    )
}
