//! Vital Link Desktop's core: one `App` (see [`app`]) owns the store, the vault, the providers,
//! the sandbox and the sync engine. The faces (the window, the CLI and the local HTTP API, each
//! its own crate) call `App` methods and hold no logic of their own; the store is private to
//! this crate, so a face that reaches past `App` does not compile.
pub mod api_key;
pub mod app;
pub mod clock;
pub mod config;
pub mod console;
pub mod credentials;
pub mod custom_providers;
pub mod error;
pub mod explore;
pub mod export;
pub mod faces;
pub mod forward;
#[cfg(test)]
mod generated;
pub mod import;
pub mod inspector;
pub mod introspect;
pub mod lifecycle;
pub mod link;
pub mod logging;
pub mod model;
pub mod oauth;
pub mod providers;
pub mod query;
pub mod ratelimit;
pub mod receive;
pub mod report;
pub mod resources;
pub mod sandbox;
pub mod sandbox_browser;
pub mod scheduler;
pub mod shapes;
pub mod states;
pub mod status;
pub mod storage;
#[cfg(feature = "test-support")]
pub mod store;
#[cfg(not(feature = "test-support"))]
pub(crate) mod store;
pub mod store_pg;
pub mod study;

/// The rows the store hands out, as plain data for the faces (the store itself stays private).
pub mod records {
    pub use crate::store::connections::{ConnectionRow, Cursor};
    pub use crate::store::events::Event;
    pub use crate::store::links::NewLinkToken;
    pub use crate::store::readings::Counts;
    pub use crate::store::users::User;
    pub use crate::users::{NewUser, Refresh, UserPatch};
}
pub mod sync;
pub mod users;
pub mod vault;
pub mod webhooks;
pub mod when;

pub use app::App;
pub use error::{AppError, AppResult};
