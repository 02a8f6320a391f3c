//! One error type for the whole core. Every face maps it once: HTTP status + FastAPI-style
//! `detail` in the local API, `{code, message}` over Tauri IPC, a message and exit code in the CLI.
//! The code's HTTP status and exit code come from the one catalogue ([`catalogue`]).
use serde::Serialize;

pub mod catalogue;

pub use catalogue::{ErrorSpec, Exit, CATALOGUE};

#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Stable machine-readable code from the catalogue; the UI switches on it, never on the
    /// message.
    pub code: &'static str,
    /// What went wrong and what to do about it. Never contains a secret.
    pub message: String,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// An error with a catalogued `code` (its status and exit code are the catalogue's).
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        debug_assert!(
            catalogue::lookup(code).is_some(),
            "error code {code:?} is not in src-tauri/core/src/error/catalogue.rs"
        );
        Self {
            code,
            message: message.into(),
        }
    }
    /// The same as [`AppError::new`]; kept so input errors read as such at their call sites.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, message)
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new("not_found", what)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new("unauthorized", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("internal", message)
    }
    /// The same as [`AppError::new`]; kept so provider errors read as such at their call sites.
    pub fn provider(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, message)
    }
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new("storage_error", message)
    }
    /// This error's catalogue entry.
    pub fn spec(&self) -> &'static ErrorSpec {
        catalogue::spec(self.code)
    }
    /// The local API's HTTP status for this error.
    pub fn status(&self) -> u16 {
        self.spec().status
    }
    /// The CLI's exit code for this error (docs/errors.md).
    pub fn exit_code(&self) -> i32 {
        self.spec().exit.code()
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        storage_error(&e.to_string())
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        storage_error(&e.to_string())
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::internal(format!("JSON error: {e}"))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::internal(format!("background task failed: {e}"))
    }
}

/// SQLite errors carry their own words; add what the user can do about the common ones.
fn storage_error(raw: &str) -> AppError {
    let lower = raw.to_ascii_lowercase();
    let hint = if lower.contains("disk") && lower.contains("full") {
        " The disk is full: free some space and retry; nothing was half-written."
    } else if lower.contains("readonly") || lower.contains("read-only") {
        " The data directory is read-only: choose a writable one with --data-dir or VITAL_LINK_DATA_DIR."
    } else if lower.contains("not a database") || lower.contains("malformed") {
        " The database file is damaged: move it aside (the app will create a new one) or restore a backup."
    } else {
        ""
    };
    AppError::storage(format!("database error: {raw}.{hint}"))
}
