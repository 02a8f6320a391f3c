//! Where participants and their readings live: the desktop's SQLite file (`store::Store`), or a
//! study server's PostgreSQL database (`store_pg::PgStore`). The read API, the receiving side of
//! forwarding and user management go through this one interface, so each is written once.
//!
//! Everything machine-local (settings, the vault, OAuth tokens, the event log, the outbox)
//! stays in the SQLite file: a study server has one too, in its data directory.
use crate::error::AppResult;
use crate::store::connections::ConnectionRow;
use crate::store::readings::{Page, PageOutcome, StoredRaw, StoredSummary};
use crate::store::samples::StoredSample;
use crate::store::users::User;
use crate::store::Store;
use crate::users::NewUser;

/// The fields of a user to change (already trimmed); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub client_user_id: Option<String>,
    pub fallback_time_zone: Option<String>,
    pub fallback_birth_date: Option<String>,
    pub ingestion_start: Option<String>,
    pub ingestion_end: Option<String>,
}

/// The participant data of one installation: its participants and their readings. Calls
/// block: the API runs its reads on the blocking pool, and short lookups made on the runtime
/// step off it (see `store_pg`).
pub trait Storage: Participants + Readings {
    /// `sqlite` or `postgres`, for `doctor` and logs.
    fn backend(&self) -> &'static str;
    /// What `doctor` shows of a database other than the SQLite file (`Null` for that file).
    fn about(&self) -> AppResult<serde_json::Value> {
        Ok(serde_json::Value::Null)
    }
}

/// Users and the connections their readings arrive through.
pub trait Participants: Send + Sync + 'static {
    fn user(&self, user_id: &str) -> AppResult<User>;
    fn user_by_client_id(&self, client_user_id: &str) -> AppResult<User>;
    /// Either the Vital `user_id` or the `client_user_id`.
    fn resolve_user(&self, key: &str) -> AppResult<User>;
    /// Users in creation order, and how many there are in all.
    fn list_users(&self, offset: i64, limit: i64) -> AppResult<(Vec<User>, i64)>;
    /// A new user, all fields or none; a taken `client_user_id` names the existing user.
    fn create_user(&self, f: NewUser) -> AppResult<User>;
    fn update_user(&self, user_id: &str, change: UserChange) -> AppResult<User>;

    /// Connections of one user (or of everyone), deregistered ones included.
    fn connections(&self, user_id: Option<&str>) -> AppResult<Vec<ConnectionRow>>;
    /// The connection pushed readings of (user, provider) land in, and whether it was created.
    fn push_connection(&self, user_id: &str, provider: &str) -> AppResult<(ConnectionRow, bool)>;
}

/// Summaries and samples: written a received batch at a time, read by range.
pub trait Readings: Send + Sync + 'static {
    /// A received batch, stored whole in one transaction or not at all.
    fn write_received(&self, page: Page) -> AppResult<PageOutcome>;

    /// Summaries whose `calendar_date` is within `[from, to]` (inclusive, `YYYY-MM-DD`),
    /// ordered by day then start.
    fn summaries(
        &self,
        user_id: &str,
        resource: &str,
        from: &str,
        to: &str,
        provider: Option<&str>,
    ) -> AppResult<Vec<StoredSummary>>;
    /// A summary's resource and the stream stored beside it.
    fn summary_stream(&self, id: &str) -> AppResult<Option<(String, Option<serde_json::Value>)>>;
    /// Samples with `from_ms <= ts < to_ms`, ordered by time then provider.
    fn samples(
        &self,
        user_id: &str,
        metric: &str,
        from_ms: i64,
        to_ms: i64,
        provider: Option<&str>,
    ) -> AppResult<Vec<StoredSample>>;
    /// One page of samples ordered by (ts, provider), strictly after `after` (provider, ts).
    #[allow(clippy::too_many_arguments)]
    fn samples_page(
        &self,
        user_id: &str,
        metric: &str,
        from_ms: i64,
        to_ms: i64,
        provider: Option<&str>,
        after: Option<(String, i64)>,
        limit: i64,
    ) -> AppResult<Vec<StoredSample>>;
    /// Raw provider payloads of a Vital resource between two days (inclusive).
    fn raw_records(
        &self,
        user_id: &str,
        resource: &str,
        from_day: &str,
        to_day: &str,
    ) -> AppResult<Vec<StoredRaw>>;
}

impl Storage for Store {
    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

impl Participants for Store {
    fn user(&self, user_id: &str) -> AppResult<User> {
        Store::user(self, user_id)
    }
    fn user_by_client_id(&self, client_user_id: &str) -> AppResult<User> {
        Store::user_by_client_id(self, client_user_id)
    }
    fn resolve_user(&self, key: &str) -> AppResult<User> {
        Store::resolve_user(self, key)
    }
    fn list_users(&self, offset: i64, limit: i64) -> AppResult<(Vec<User>, i64)> {
        Store::list_users(self, offset, limit)
    }
    fn create_user(&self, f: NewUser) -> AppResult<User> {
        Store::create_user_with(self, f)
    }
    fn update_user(&self, user_id: &str, c: UserChange) -> AppResult<User> {
        Store::update_user(
            self,
            user_id,
            c.client_user_id,
            c.fallback_time_zone,
            c.fallback_birth_date,
            c.ingestion_start,
            c.ingestion_end,
        )
    }
    fn connections(&self, user_id: Option<&str>) -> AppResult<Vec<ConnectionRow>> {
        Store::connections(self, user_id)
    }
    fn push_connection(&self, user_id: &str, provider: &str) -> AppResult<(ConnectionRow, bool)> {
        Store::push_connection(self, user_id, provider)
    }
}

impl Readings for Store {
    fn write_received(&self, page: Page) -> AppResult<PageOutcome> {
        Store::write_page(self, page)
    }
    fn summaries(
        &self,
        user_id: &str,
        resource: &str,
        from: &str,
        to: &str,
        provider: Option<&str>,
    ) -> AppResult<Vec<StoredSummary>> {
        Store::summaries(self, user_id, resource, from, to, provider)
    }
    fn summary_stream(&self, id: &str) -> AppResult<Option<(String, Option<serde_json::Value>)>> {
        Store::summary_stream(self, id)
    }
    fn samples(
        &self,
        user_id: &str,
        metric: &str,
        from_ms: i64,
        to_ms: i64,
        provider: Option<&str>,
    ) -> AppResult<Vec<StoredSample>> {
        Store::samples(self, user_id, metric, from_ms, to_ms, provider)
    }
    fn samples_page(
        &self,
        user_id: &str,
        metric: &str,
        from_ms: i64,
        to_ms: i64,
        provider: Option<&str>,
        after: Option<(String, i64)>,
        limit: i64,
    ) -> AppResult<Vec<StoredSample>> {
        Store::samples_page(
            self, user_id, metric, from_ms, to_ms, provider, after, limit,
        )
    }
    fn raw_records(
        &self,
        user_id: &str,
        resource: &str,
        from_day: &str,
        to_day: &str,
    ) -> AppResult<Vec<StoredRaw>> {
        Store::raw_records(self, user_id, resource, from_day, to_day)
    }
}
