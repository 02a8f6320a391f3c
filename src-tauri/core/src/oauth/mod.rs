//! OAuth for a native app: system browser, loopback redirect, PKCE, state (RFC 8252, 7636, 9207).
pub mod browser;
pub mod client;
pub mod loopback;

pub use browser::open_browser;
pub use client::{ClientConfig, PendingAuth};
pub use loopback::{CallbackOutcome, CancelHandle, Listener};
