//! A study server's store on PostgreSQL: the participant data of `storage::Storage`, with the
//! same identities as the SQLite store, samples partitioned by month.
//!
//! Built on `postgres` (the blocking face of `tokio-postgres`) with an `r2d2` pool, as the
//! SQLite store is: the storage interface is synchronous, and the API already runs its reads on
//! the blocking pool. A call made on a runtime thread steps off it first (`off_runtime`): the
//! client drives its socket on a runtime of its own, which cannot start inside another.
use std::collections::HashSet;
use std::sync::Mutex;

use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;

use crate::error::{AppError, AppResult};

mod partitions;
mod readings;
mod users;

const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("migrations/0001_study.sql"))];

/// Serialises schema changes (migrations, new partitions) across every server on the database.
const SCHEMA_LOCK: i64 = 0x7669_7461_6c6c;

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

pub struct PgStore {
    /// Taken in `drop`: a client closes its socket by blocking, which must not happen on a
    /// runtime thread.
    pool: Option<Pool>,
    /// `postgres://user@host:port/db`, never the password.
    shown: String,
    /// Months (`partitions::month_of`) whose partition is known to exist.
    months: Mutex<HashSet<i64>>,
}

/// Runs `f` where a blocking PostgreSQL call may run.
pub(crate) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        Ok(_) => std::thread::scope(|s| {
            s.spawn(f)
                .join()
                .expect("a PostgreSQL call panicked on its helper thread")
        }),
        Err(_) => f(),
    }
}

/// The URL as it may be shown: without its password.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(an unparseable database URL)".into(),
    }
}

/// A PostgreSQL error in words a user can act on; connection failures are told apart.
pub(crate) fn pg_error(shown: &str, e: &postgres::Error) -> AppError {
    match e.as_db_error() {
        Some(db) => AppError::storage(format!(
            "PostgreSQL at {shown} refused a statement: {} ({})",
            db.message(),
            db.code().code()
        )),
        None => unreachable_db(shown, &e.to_string()),
    }
}

fn unreachable_db(shown: &str, why: &str) -> AppError {
    AppError::new(
        "database_unreachable",
        format!("cannot reach the study database at {shown}: {why}. Check that PostgreSQL is running and that --database (or VITAL_LINK_DATABASE_URL) is right"),
    )
}

impl PgStore {
    /// Connects, upgrades the schema to this binary's, and creates the coming months'
    /// partitions.
    pub fn open(url: &str) -> AppResult<PgStore> {
        let shown = redacted(url);
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            AppError::bad_request(
                "invalid_database_url",
                format!(
                    "{shown} is not a PostgreSQL URL ({e}); use postgres://USER@HOST:PORT/DATABASE"
                ),
            )
        })?;
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = off_runtime(|| {
            r2d2::Pool::builder()
                .max_size(8)
                .min_idle(Some(1))
                .connection_timeout(std::time::Duration::from_secs(10))
                .build(manager)
        })
        .map_err(|e| unreachable_db(&shown, &e.to_string()))?;
        let store = PgStore {
            pool: Some(pool),
            shown,
            months: Mutex::default(),
        };
        store.migrate()?;
        store.create_ahead()?;
        Ok(store)
    }

    /// The database, as `doctor` shows it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub(crate) fn with<T: Send>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send,
    ) -> AppResult<T> {
        let pool = self.pool.as_ref().expect("the pool lives until drop");
        off_runtime(|| {
            let mut c = pool
                .get()
                .map_err(|e| unreachable_db(&self.shown, &e.to_string()))?;
            f(&mut c).map_err(|e| pg_error(&self.shown, &e))
        })
    }

    /// The server's version and the schema version, for `doctor`.
    pub fn versions(&self) -> AppResult<(String, i32)> {
        self.with(|c| {
            let v: String = c.query_one("SHOW server_version", &[])?.get(0);
            let s: i32 = c
                .query_one(
                    "SELECT COALESCE(MAX(version), 0) FROM vital_link_migrations",
                    &[],
                )?
                .get(0);
            Ok((v, s))
        })
    }

    fn migrate(&self) -> AppResult<()> {
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        let found = self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS vital_link_migrations (
                     version integer PRIMARY KEY,
                     applied_at timestamptz NOT NULL DEFAULT now())",
            )?;
            let current: i32 = tx
                .query_one(
                    "SELECT COALESCE(MAX(version), 0) FROM vital_link_migrations",
                    &[],
                )?
                .get(0);
            if current <= latest {
                for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
                    tx.batch_execute(sql)?;
                    tx.execute(
                        "INSERT INTO vital_link_migrations (version) VALUES ($1)",
                        &[v],
                    )?;
                }
            }
            tx.commit()?;
            Ok(current)
        })?;
        if found > latest {
            return Err(AppError::new(
                "db_too_new",
                format!("the study database at {} was set up by a newer Vital Link (schema {found}, this one knows {latest}); update this server", self.shown),
            ));
        }
        Ok(())
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            std::thread::spawn(move || drop(pool));
        }
    }
}

impl crate::storage::Storage for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }
    fn about(&self) -> AppResult<serde_json::Value> {
        let (server, schema) = self.versions()?;
        Ok(serde_json::json!({
            "url": self.shown,
            "server_version": server,
            "schema_version": schema,
            "latest_schema": MIGRATIONS.last().map_or(0, |m| m.0),
        }))
    }
}
