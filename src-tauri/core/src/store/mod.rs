//! The one SQLite file: pragmas, migrations, and one sub-module per table group.
//!
//! Writes go through a single writer connection (serialised by a mutex, `BEGIN IMMEDIATE`), reads
//! through a small pool of read-only connections, so readers never wait on a long sync page and
//! writers never hit `SQLITE_BUSY` on a lock upgrade.
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{Migrations, SchemaVersion, M};

use crate::error::{AppError, AppResult};

pub mod connections;
pub mod console;
pub mod events;
pub mod links;
pub mod outbox;
pub mod pack;
pub mod readings;
pub mod samples;
pub mod study;
pub mod users;
pub mod webhooks;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_init.sql")),
    M::up(include_str!("migrations/0002_api.sql")),
    M::up(include_str!("migrations/0003_streams.sql")),
    M::up(include_str!("migrations/0004_samples_by_time.sql")),
    M::up(include_str!("migrations/0005_sync_forward.sql")),
    M::up(include_str!("migrations/0006_study.sql")),
    M::up(include_str!("migrations/0007_forward_dead_letters.sql")),
    M::up(include_str!("migrations/0008_compact.sql")),
];

/// The first schema of the compact store: a file older than this is rewritten (VACUUM) once
/// upgraded, so the space the old rows took is returned to the disk.
const COMPACT_SCHEMA: usize = 8;

/// The schema version this binary writes.
pub const LATEST_SCHEMA: usize = MIGRATIONS.len();

fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// Leave to run API data reads on the blocking pool: one reader fewer than the pool holds,
    /// so the short lookups still made on the runtime (the user, a link token) always find a
    /// free connection instead of blocking a runtime thread while they wait for one.
    range_reads: Arc<tokio::sync::Semaphore>,
    /// Why this store only reads (`open_read_only`); every write is refused with it.
    read_only: Option<AppError>,
}

/// Read-only connections in the pool.
const READERS: u32 = 4;

fn apply_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    pack::register(conn)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Deleted rows are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

impl Store {
    pub fn open(path: &Path) -> AppResult<Store> {
        // Create the file owner-only before SQLite touches it: its WAL and shared-memory files
        // take the database file's permissions.
        create_private(path)?;
        let mut conn = Connection::open(path).map_err(|e| open_error(path, &e.to_string()))?;
        apply_pragmas(&conn).map_err(|e| open_error(path, &e.to_string()))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(|e| open_error(path, &e.to_string()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(AppError::storage(format!(
                "could not switch {} to WAL mode (got {mode})",
                path.display()
            )));
        }
        restrict_file(path);
        let migrations = migrations();
        match migrations.current_version(&conn) {
            Ok(SchemaVersion::Outside(v)) => {
                return Err(AppError::new(
                    "db_too_new", format!(
                        "{} was written by a newer Vital Link (schema {v}); update the app or use another --data-dir",
                        path.display()
                    ),
                ))
            }
            Err(e) => return Err(open_error(path, &e.to_string())),
            _ => {}
        }
        let before = migrations
            .current_version(&conn)
            .map(usize::from)
            .map_err(|e| open_error(path, &e.to_string()))?;
        if before > 0 && before < LATEST_SCHEMA {
            backup_before_upgrade(&conn, path, before)?;
        }
        // One transaction: a process killed mid-upgrade leaves the old schema whole, and the
        // next start upgrades again from the backup-protected file.
        migrations
            .to_latest(&mut conn)
            .map_err(|e| open_error(path, &e.to_string()))?;
        if before > 0 && before < COMPACT_SCHEMA {
            tracing::info!(
                from = before,
                "store upgraded to the compact schema; returning freed pages to the disk"
            );
            conn.execute_batch("VACUUM;")
                .and_then(|_| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
                .map_err(|e| open_error(path, &e.to_string()))?;
        }
        // The writer checkpoints the WAL every ~40 MiB instead of every 4 MiB: a sync commits a
        // page at a time, and frequent checkpoints rewrite the same hot b-tree pages over and over.
        // The WAL file is cut back to 64 MiB after a checkpoint.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)
            .and_then(|_| conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024))
            .map_err(|e| open_error(path, &e.to_string()))?;

        let readers = reader_pool(SqliteConnectionManager::file(path), OpenFlags::empty())?;
        Ok(Store::assemble(path, conn, readers, None))
    }

    /// Opens an existing database for reading only, creating no file (the disk may be full or
    /// read-only); `why` is the error every write then gets. Without a WAL file the database
    /// file is complete and is opened immutable (no `-shm` to create); with one (a running
    /// `serve` or an unclean exit) SQLite reads through the existing WAL index.
    pub fn open_read_only(path: &Path, why: AppError) -> AppResult<Store> {
        if !path.exists() {
            return Err(why);
        }
        let wal = path.with_extension("sqlite3-wal");
        let immutable = std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
        // `?` and `#` would end the path part of the URI; `%` starts an escape.
        let escaped = path
            .display()
            .to_string()
            .replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23");
        let uri = format!(
            "file:{escaped}{}",
            if immutable { "?immutable=1" } else { "" }
        );
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&uri, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .and_then(|c| c.busy_timeout(Duration::from_secs(5)).map(|_| c))
            .and_then(|c| pack::register(&c).map(|_| c))
            .map_err(|e| open_error(path, &e.to_string()))?;
        let version = migrations()
            .current_version(&conn)
            .map(usize::from)
            .map_err(|e| open_error(path, &e.to_string()))?;
        if version != LATEST_SCHEMA {
            return Err(AppError::new(
                why.code, format!(
                    "{} (and {} has schema {version}, this Vital Link reads {LATEST_SCHEMA}: it must be writable once to be upgraded)",
                    why.message,
                    path.display()
                ),
            ));
        }
        let readers = reader_pool(
            SqliteConnectionManager::file(&uri),
            OpenFlags::SQLITE_OPEN_URI,
        )?;
        Ok(Store::assemble(path, conn, readers, Some(why)))
    }

    fn assemble(
        path: &Path,
        writer: Connection,
        readers: r2d2::Pool<SqliteConnectionManager>,
        read_only: Option<AppError>,
    ) -> Store {
        Store {
            inner: Arc::new(StoreInner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                readers,
                range_reads: Arc::new(tokio::sync::Semaphore::new(READERS as usize - 1)),
                read_only,
            }),
        }
    }

    /// Whether this store was opened by `open_read_only`.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only.is_some()
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Run `f` in one `BEGIN IMMEDIATE` transaction: all of it lands or none of it does.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction) -> AppResult<T>) -> AppResult<T> {
        if let Some(why) = &self.inner.read_only {
            return Err(why.clone());
        }
        let mut conn = self
            .inner
            .writer
            .lock()
            .map_err(|_| AppError::internal("database writer poisoned by an earlier panic"))?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> AppResult<T>) -> AppResult<T> {
        let conn = self.inner.readers.get()?;
        f(&conn)
    }

    /// The same as `write`, from async code, without blocking the runtime.
    pub async fn write_async<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write(f)).await?
    }

    pub async fn read_async<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read(f)).await?
    }

    /// Waits (without holding a thread) until a range read may start; the read holds the
    /// permit until it is done.
    pub async fn range_read_permit(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.inner
            .range_reads
            .clone()
            .acquire_owned()
            .await
            .expect("the range-read semaphore is never closed")
    }

    pub fn setting(&self, key: &str) -> AppResult<Option<String>> {
        use rusqlite::OptionalExtension;
        let key = key.to_string();
        self.read(|c| {
            Ok(
                c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()?,
            )
        })
    }

    pub fn set_setting(&self, key: &str, value: &str) -> AppResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
            Ok(())
        })
    }

    pub fn delete_setting(&self, key: &str) -> AppResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM settings WHERE key = ?1", [key])?;
            Ok(())
        })
    }

    /// Rewrites the database so deleted rows leave no trace in free pages or the WAL.
    pub fn compact(&self) -> AppResult<()> {
        let conn = self
            .inner
            .writer
            .lock()
            .map_err(|_| AppError::internal("database writer poisoned by an earlier panic"))?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.execute_batch("VACUUM;")?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    pub fn schema_version(&self) -> AppResult<usize> {
        self.read(|c| {
            migrations()
                .current_version(c)
                .map(usize::from)
                .map_err(|e| AppError::storage(e.to_string()))
        })
    }
}

/// The pool of read-only connections readers share.
fn reader_pool(
    manager: SqliteConnectionManager,
    extra: OpenFlags,
) -> AppResult<r2d2::Pool<SqliteConnectionManager>> {
    let manager = manager
        .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | extra)
        .with_init(|c| {
            c.busy_timeout(Duration::from_secs(5))?;
            pack::register(c)?;
            Ok(())
        });
    Ok(r2d2::Pool::builder()
        .max_size(READERS)
        .min_idle(Some(0))
        .build(manager)?)
}

fn open_error(path: &Path, raw: &str) -> AppError {
    let lower = raw.to_ascii_lowercase();
    let what = if lower.contains("not a database") || lower.contains("malformed") {
        "is not a readable Vital Link database (it may be corrupt): move it aside to start fresh, or restore a backup"
    } else if lower.contains("readonly")
        || lower.contains("unable to open")
        || lower.contains("permission")
    {
        "cannot be opened for writing: check its permissions or choose another --data-dir"
    } else {
        "could not be opened"
    };
    AppError::new(
        "db_open_failed",
        format!("the database {} {what} ({raw})", path.display()),
    )
}

/// A database file at an older schema, as that version of the app left it (benchmarks and
/// tests of the upgrade path build old files with it).
#[cfg(feature = "test-support")]
pub fn create_at_schema(path: &Path, version: usize) -> AppResult<Connection> {
    let mut conn = Connection::open(path)?;
    apply_pragmas(&conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    migrations()
        .to_version(&mut conn, version)
        .map_err(|e| AppError::storage(e.to_string()))?;
    Ok(conn)
}

/// Before a schema upgrade, a consistent copy of the file as it was (`<file>.schema-N.bak`,
/// owner-only), written under a temporary name and renamed when complete: a copy left by an
/// earlier, interrupted upgrade is whole and is kept.
fn backup_before_upgrade(conn: &Connection, path: &Path, version: usize) -> AppResult<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let backup = path.with_file_name(format!("{name}.schema-{version}.bak"));
    if backup.exists() {
        return Ok(());
    }
    let tmp = path.with_file_name(format!("{name}.schema-{version}.bak.partial"));
    let _ = std::fs::remove_file(&tmp);
    create_private(&tmp)?;
    let fail = |e: String| {
        let _ = std::fs::remove_file(&tmp);
        AppError::storage(format!(
            "could not back up {} before upgrading it from schema {version} ({e}); nothing was changed: free some disk space and start again",
            path.display()
        ))
    };
    conn.execute("VACUUM INTO ?1", [tmp.to_string_lossy()])
        .map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&tmp, &backup).map_err(|e| fail(e.to_string()))?;
    tracing::info!(backup = %backup.display(), "backed up the database before the schema upgrade");
    Ok(())
}

fn create_private(path: &Path) -> AppResult<()> {
    if path.exists() {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(open_error(path, &e.to_string())),
    }
}

fn restrict_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        // `validate` on its own connection would lack the store's SQL functions (`vl_pack`).
        let mut c = Connection::open_in_memory().unwrap();
        pack::register(&c).unwrap();
        c.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrations().to_latest(&mut c).unwrap();
        assert_eq!(
            usize::from(migrations().current_version(&c).unwrap()),
            LATEST_SCHEMA
        );
    }

    #[test]
    fn opens_in_wal_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
        let (mode, fk): (String, i64) = store
            .write(|tx| {
                Ok((
                    tx.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                    tx.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?,
                ))
            })
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
    }

    #[test]
    fn corrupt_file_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
        let err = Store::open(&path)
            .err()
            .expect("corrupt file must not open");
        assert_eq!(err.code, "db_open_failed");
        assert!(err.message.contains("corrupt"), "{}", err.message);
        // The bad file is left as it was for the user to inspect.
        assert_eq!(std::fs::read(&path).unwrap(), vec![0x42u8; 8192]);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let err = Store::open(&path).err().unwrap();
        assert_eq!(err.code, "db_too_new");
    }
}
