//! Vital Link Desktop: the core and its faces.
//!
//! One `App` (see [`app`]) owns the store, the vault, the providers, the sandbox and the sync
//! engine; the desktop shell ([`desktop`]), the CLI ([`cli`]) and the local HTTP API ([`api`])
//! call into it and hold no logic of their own.
pub mod api;
pub mod api_key;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod credentials;
pub mod custom_providers;
#[cfg(feature = "desktop")]
pub mod desktop;
pub mod error;
pub mod export;
pub mod fake;
pub mod forward;
pub mod inspector;
pub mod lifecycle;
pub mod link;
pub mod logging;
pub mod model;
pub mod oauth;
pub mod providers;
pub mod ratelimit;
pub mod receive;
pub mod sandbox_browser;
pub mod scheduler;
pub mod shapes;
pub mod status;
pub mod store;
pub mod study;
pub mod sync;
pub mod vault;
pub mod webhooks;

pub use app::App;
pub use error::{AppError, AppResult};
