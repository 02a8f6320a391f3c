//! The MCP face: a Model Context Protocol server over the core's explorer, for a person's own
//! assistant. It parses the protocol and renders answers; what may be seen, how answers are
//! sized and what is logged live in `vital_link_core::explore`.
use std::sync::Arc;

use rmcp::handler::server::router::{prompt::PromptRouter, tool::ToolRouter};
use rmcp::model::{
    Implementation, ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{prompt_handler, tool_handler, ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::Value;
use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::explore::Explorer;

pub use vital_link_core::explore::Scope;

mod prompts;
mod tools;

const DICTIONARY_URI: &str = "vital-link://data-dictionary";

#[derive(Clone)]
pub struct VitalLinkMcp {
    explorer: Arc<Explorer>,
    tool_router: ToolRouter<Self>,
    prompt_router: PromptRouter<Self>,
}

impl VitalLinkMcp {
    pub fn new(app: Arc<App>, scope: Scope, allow_raw: bool) -> Self {
        let mut tool_router = Self::tools();
        if !allow_raw {
            // Not offered at all: an assistant cannot ask for what it is not shown.
            tool_router.remove_route("get_raw");
        }
        Self {
            explorer: Arc::new(Explorer::new(app, scope, allow_raw)),
            tool_router,
            prompt_router: Self::prompts(),
        }
    }

    /// Runs a core read off the async threads, logs the call, and renders the answer.
    async fn answer(
        &self,
        tool: &str,
        user: Option<&str>,
        arguments: Value,
        read: impl FnOnce(&Explorer) -> AppResult<Value> + Send + 'static,
    ) -> rmcp::model::CallToolResult {
        let ex = self.explorer.clone();
        let outcome = tokio::task::spawn_blocking(move || read(&ex))
            .await
            .unwrap_or_else(|e| Err(AppError::internal(format!("the read stopped: {e}"))));
        let user_id = user
            .and_then(|u| self.explorer.participant(u).ok())
            .map(|u| u.user_id);
        self.explorer
            .record(tool, user_id.as_deref(), &arguments, &outcome);
        match outcome {
            Ok(v) => rmcp::model::CallToolResult::structured(v),
            Err(e) => rmcp::model::CallToolResult::structured_error(
                serde_json::json!({"error": e.code, "message": e.message}),
            ),
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Explorer) -> AppResult<T> + Send + 'static,
    ) -> Result<T, ErrorData> {
        let ex = self.explorer.clone();
        tokio::task::spawn_blocking(move || read(&ex))
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?
            .map_err(|e| ErrorData::invalid_params(e.message, None))
    }
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for VitalLinkMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("vital-link", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Read-only access to wearable data stored by Vital Link Desktop on this computer. \
             Start with list_participants; dates are YYYY-MM-DD or 'last N days'. Timeseries \
             are aggregated to fit a point budget and say the resolution used.",
        )
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        // Names only: listing resources must not count every participant's days of data.
        let users = self.blocking(|ex| ex.scoped_users()).await?;
        let mut resources = vec![Resource::new(DICTIONARY_URI, "data-dictionary")
            .with_description(
                "What can be asked for: summaries, metrics and their units, resolutions",
            )
            .with_mime_type("application/json")];
        for u in users {
            resources.push(
                Resource::new(
                    format!("vital-link://participants/{}/profile", u.user_id),
                    format!("{} profile", u.client_user_id),
                )
                .with_description("The participant's profile and enrolment details")
                .with_mime_type("application/json"),
            );
        }
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri.clone();
        let body = if uri == DICTIONARY_URI {
            self.explorer.dictionary()
        } else if let Some(id) = uri
            .strip_prefix("vital-link://participants/")
            .and_then(|r| r.strip_suffix("/profile"))
        {
            let id = id.to_string();
            self.blocking(move |ex| ex.profile(&id))
                .await
                .map_err(|e| ErrorData::resource_not_found(e.message, None))?
        } else {
            return Err(ErrorData::resource_not_found(
                format!("no resource {uri}; resources/list shows them"),
                None,
            ));
        };
        Ok(ReadResourceResult::new(vec![ResourceContents::text(body.to_string(), uri)]).into())
    }
}

/// Serves MCP over stdin/stdout until the client closes the stream (how desktop assistants
/// launch a local server). Nothing else may write to stdout meanwhile.
pub async fn serve_stdio(app: Arc<App>, scope: Scope, allow_raw: bool) -> AppResult<()> {
    let (read, write) = rmcp::transport::stdio();
    serve_io(app, scope, allow_raw, read, write).await
}

/// Serves MCP over any byte stream pair (newline-delimited JSON-RPC, as over stdio).
pub async fn serve_io<R, W>(
    app: Arc<App>,
    scope: Scope,
    allow_raw: bool,
    read: R,
    write: W,
) -> AppResult<()>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
    W: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let running = VitalLinkMcp::new(app, scope, allow_raw)
        .serve((read, write))
        .await
        .map_err(|e| AppError::internal(format!("MCP session failed to start: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| AppError::internal(format!("MCP session ended with an error: {e}")))?;
    Ok(())
}
