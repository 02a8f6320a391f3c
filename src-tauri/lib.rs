//! The composition root: the one place where the core, its sandbox and the faces meet. The
//! binary (`main.rs`) wires them through [`plugins`]; the integration tests and benchmarks reach
//! every crate through this library under one name.
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub use vital_link_api as api;
pub use vital_link_cli as cli;
pub use vital_link_core::*;
#[cfg(feature = "desktop")]
pub use vital_link_desktop as desktop;
pub use vital_link_fake as fake;
pub use vital_link_mcp as mcp;

use vital_link_core::clock::Clock;
use vital_link_core::config::Config;
use vital_link_core::faces::{ApiServer, McpServer, Plugins};

/// The HTTP API face, as the core's other faces start it.
struct HttpApi;

#[async_trait::async_trait]
impl ApiServer for HttpApi {
    async fn serve(&self, app: Arc<App>, ip: IpAddr, port: u16) -> AppResult<SocketAddr> {
        api::serve_on(app, ip, port).await
    }
}

/// The MCP face, as `vital-link mcp` starts it.
struct Mcp;

#[async_trait::async_trait]
impl McpServer for Mcp {
    async fn serve_stdio(
        &self,
        app: Arc<App>,
        scope: explore::Scope,
        allow_raw: bool,
    ) -> AppResult<()> {
        mcp::serve_stdio(app, scope, allow_raw).await
    }
}

/// The sandbox's fakes, the HTTP API and the MCP face, plugged into the core.
pub fn plugins() -> Plugins {
    Plugins {
        sandbox: Arc::new(fake::Launcher),
        api: Arc::new(HttpApi),
        mcp: Arc::new(Mcp),
        desktop: cfg!(feature = "desktop"),
    }
}

/// Builds the core as the binary does.
pub async fn start(config: Config, clock: Clock) -> AppResult<Arc<App>> {
    plugins().start(config, clock).await
}

/// The running fakes of an app in the sandbox environment.
pub fn sandbox(app: &App) -> &fake::Sandbox {
    fake::Sandbox::of(app)
}
