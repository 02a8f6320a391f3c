//! Users and the push connections their readings arrive through, on PostgreSQL.
use postgres::{GenericClient, Row};

use super::PgStore;
use crate::error::AppResult;
use crate::states::{ConnectionKind, ConnectionStatus};
use crate::storage::{Participants, UserChange};
use crate::store::connections::{display_status, ConnectionRow};
use crate::store::now_ms;
use crate::store::users::{duplicate_user, unknown_user, validate_client_user_id, User};
use crate::users::NewUser;

const COLUMNS: &str = "user_id, client_user_id, created_at, fallback_time_zone, fallback_birth_date, ingestion_start, ingestion_end, notes, cohort";

fn user_of(r: &Row) -> User {
    User {
        user_id: r.get(0),
        client_user_id: r.get(1),
        created_at: r.get(2),
        fallback_time_zone: r.get(3),
        fallback_birth_date: r.get(4),
        ingestion_start: r.get(5),
        ingestion_end: r.get(6),
        notes: r.get(7),
        cohort: r.get(8),
    }
}

fn connection_of(r: &Row) -> ConnectionRow {
    let status = ConnectionStatus::parse(r.get(3)).unwrap_or(ConnectionStatus::Connected);
    ConnectionRow {
        id: r.get(0),
        user_id: r.get(1),
        provider: r.get(2),
        status,
        external_user_id: None,
        scopes: None,
        created_at: r.get(5),
        updated_at: r.get(6),
        last_sync_at: None,
        error_type: None,
        error_message: None,
        kind: ConnectionKind::parse(r.get(4)).unwrap_or(ConnectionKind::Push),
        next_sync_at: None,
        last_attempt_at: None,
        backfill_progress: None,
        sync_status: display_status(status, None, None),
    }
}

const CONNECTION_COLUMNS: &str = "id, user_id, provider, status, kind, created_at, updated_at";

fn by_id(c: &mut impl GenericClient, id: &str) -> Result<Option<User>, postgres::Error> {
    Ok(c.query_opt(
        &format!("SELECT {COLUMNS} FROM users WHERE user_id = $1"),
        &[&id],
    )?
    .as_ref()
    .map(user_of))
}

fn by_client_id(c: &mut impl GenericClient, id: &str) -> Result<Option<User>, postgres::Error> {
    Ok(c.query_opt(
        &format!("SELECT {COLUMNS} FROM users WHERE client_user_id = $1"),
        &[&id],
    )?
    .as_ref()
    .map(user_of))
}

impl Participants for PgStore {
    fn user(&self, user_id: &str) -> AppResult<User> {
        self.with(|c| by_id(c, user_id))?
            .ok_or_else(|| unknown_user(user_id))
    }

    fn user_by_client_id(&self, id: &str) -> AppResult<User> {
        self.with(|c| by_client_id(c, id))?
            .ok_or_else(|| unknown_user(id))
    }

    fn resolve_user(&self, key: &str) -> AppResult<User> {
        self.with(|c| match by_id(c, key)? {
            Some(u) => Ok(Some(u)),
            None => by_client_id(c, key),
        })?
        .ok_or_else(|| unknown_user(key))
    }

    fn list_users(&self, offset: i64, limit: i64) -> AppResult<(Vec<User>, i64)> {
        self.with(|c| {
            let total: i64 = c.query_one("SELECT COUNT(*) FROM users", &[])?.get(0);
            let rows = c.query(
                &format!("SELECT {COLUMNS} FROM users ORDER BY created_at, client_user_id LIMIT $1 OFFSET $2"),
                &[&limit, &offset],
            )?;
            Ok((rows.iter().map(user_of).collect(), total))
        })
    }

    fn create_user(&self, f: NewUser) -> AppResult<User> {
        validate_client_user_id(&f.client_user_id)?;
        let user = User::new(f);
        let u = &user;
        // ON CONFLICT: two lab machines creating the same participant at once; the loser is
        // told who has the id, as on the desktop.
        let inserted = self.with(|c| {
            c.execute(
                &format!(
                    "INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                          ON CONFLICT (client_user_id) DO NOTHING"
                ),
                &[
                    &u.user_id,
                    &u.client_user_id,
                    &u.created_at,
                    &u.fallback_time_zone,
                    &u.fallback_birth_date,
                    &u.ingestion_start,
                    &u.ingestion_end,
                    &u.notes,
                    &u.cohort,
                ],
            )
        })?;
        if inserted == 0 {
            return Err(duplicate_user(
                &self.user_by_client_id(&user.client_user_id)?,
            ));
        }
        Ok(user)
    }

    fn update_user(&self, user_id: &str, ch: UserChange) -> AppResult<User> {
        if let Some(c) = &ch.client_user_id {
            validate_client_user_id(c)?;
            if let Some(other) = self
                .with(|db| by_client_id(db, c))?
                .filter(|o| o.user_id != user_id)
            {
                return Err(duplicate_user(&other));
            }
        }
        self.with(|c| {
            let row = c.query_opt(
                &format!(
                    "UPDATE users SET client_user_id = COALESCE($2, client_user_id),
                         fallback_time_zone = COALESCE($3, fallback_time_zone),
                         fallback_birth_date = COALESCE($4, fallback_birth_date),
                         ingestion_start = COALESCE($5, ingestion_start),
                         ingestion_end = COALESCE($6, ingestion_end)
                     WHERE user_id = $1 RETURNING {COLUMNS}"
                ),
                &[
                    &user_id,
                    &ch.client_user_id,
                    &ch.fallback_time_zone,
                    &ch.fallback_birth_date,
                    &ch.ingestion_start,
                    &ch.ingestion_end,
                ],
            )?;
            Ok(row.as_ref().map(user_of))
        })?
        .ok_or_else(|| unknown_user(user_id))
    }

    fn connections(&self, user_id: Option<&str>) -> AppResult<Vec<ConnectionRow>> {
        self.with(|c| {
            let rows = c.query(
                &format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE $1::text IS NULL OR user_id = $1
                          ORDER BY user_id, provider"),
                &[&user_id],
            )?;
            Ok(rows.iter().map(connection_of).collect())
        })
    }

    fn push_connection(&self, user_id: &str, provider: &str) -> AppResult<(ConnectionRow, bool)> {
        self.with(|c| {
            let now = now_ms();
            let n = c.execute(
                "INSERT INTO connections (user_id, provider, status, kind, created_at, updated_at)
                 VALUES ($1, $2, 'connected', 'push', $3, $3) ON CONFLICT (user_id, provider) DO NOTHING",
                &[&user_id, &provider, &now],
            )?;
            let row = c.query_one(
                &format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE user_id = $1 AND provider = $2"),
                &[&user_id, &provider],
            )?;
            Ok((connection_of(&row), n > 0))
        })
    }
}
