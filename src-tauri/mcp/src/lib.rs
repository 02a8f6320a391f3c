//! The MCP face (issue 17, first step): a Model Context Protocol server over the core, for a
//! person's own assistant. Read-only, and scoped to the participants it was started for, so a
//! study machine can expose one person's data without the rest of the cohort.
//!
//! Not yet wired to `vital-link mcp`; only the participant list exists so far.
use std::sync::Arc;

use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Json};
use rmcp::{tool, tool_handler, tool_router, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use serde::Serialize;
use vital_link_core::app::App;

/// Which participants the server may show: everyone (a personal machine), or only those named.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// client_user_id or user_id values; empty means everyone.
    pub participants: Vec<String>,
    pub cohort: Option<String>,
}

impl Scope {
    fn admits(&self, user_id: &str, client_user_id: &str, cohort: Option<&str>) -> bool {
        let named = self.participants.is_empty()
            || self
                .participants
                .iter()
                .any(|p| p == user_id || p == client_user_id);
        let in_cohort = self.cohort.as_deref().is_none_or(|c| cohort == Some(c));
        named && in_cohort
    }
}

#[derive(Serialize, JsonSchema)]
pub struct Participant {
    pub user_id: String,
    pub client_user_id: String,
    pub cohort: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct Participants {
    pub participants: Vec<Participant>,
}

#[derive(Clone)]
pub struct VitalLinkMcp {
    app: Arc<App>,
    scope: Scope,
    tool_router: ToolRouter<Self>,
}

#[tool_router(router = tool_router)]
impl VitalLinkMcp {
    pub fn new(app: Arc<App>, scope: Scope) -> Self {
        Self {
            app,
            scope,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        name = "list_participants",
        description = "The participants this server may show: id, client id and cohort."
    )]
    pub async fn list_participants(&self) -> Result<Json<Participants>, String> {
        let (users, _) = self
            .app
            .list_users(0, i64::MAX)
            .map_err(|e| e.to_string())?;
        let participants = users
            .into_iter()
            .filter(|u| {
                self.scope
                    .admits(&u.user_id, &u.client_user_id, u.cohort.as_deref())
            })
            .map(|u| Participant {
                user_id: u.user_id,
                client_user_id: u.client_user_id,
                cohort: u.cohort,
            })
            .collect();
        Ok(Json(Participants { participants }))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for VitalLinkMcp {}

/// Serves MCP over stdin/stdout until the client closes the stream (how desktop assistants
/// launch a local server).
pub async fn serve_stdio(app: Arc<App>, scope: Scope) -> anyhow::Result<()> {
    let running = VitalLinkMcp::new(app, scope)
        .serve(rmcp::transport::stdio())
        .await?;
    running.waiting().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn an_empty_scope_admits_everyone_and_a_named_one_only_those_named() {
        assert!(Scope::default().admits("u1", "alice", None));
        let named = Scope {
            participants: vec!["alice".into()],
            cohort: None,
        };
        assert!(named.admits("u1", "alice", None));
        assert!(!named.admits("u2", "bob", None));
        let cohort = Scope {
            participants: vec![],
            cohort: Some("a".into()),
        };
        assert!(cohort.admits("u1", "alice", Some("a")));
        assert!(!cohort.admits("u2", "bob", Some("b")));
        assert!(!cohort.admits("u3", "carol", None));
    }
}
