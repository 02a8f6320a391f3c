//! The local Vital-compatible HTTP API on loopback, and the routes the link widget uses.
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::app::App;
use crate::error::{AppError, AppResult};

mod link;
mod logo;

pub type AppState = Arc<App>;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(json!({"detail": {"error_type": self.code, "error_message": self.message}})),
        )
            .into_response()
    }
}

pub fn router(app: AppState) -> Router {
    Router::new()
        .merge(link::routes())
        .merge(logo::routes())
        .route(
            "/health",
            axum::routing::get(|| async { Json(json!({"status": "ok"})) }),
        )
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(cors())
        .layer(middleware::from_fn(loopback_host_only))
        .with_state(app)
}

/// DNS rebinding defence: a page on `evil.example` that resolves to 127.0.0.1 still sends
/// `Host: evil.example`, and is refused.
async fn loopback_host_only(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let name = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    if matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
        next.run(req).await
    } else {
        AppError::new(
            "forbidden_host",
            403,
            format!("requests must be addressed to 127.0.0.1, not {host:?}"),
        )
        .into_response()
    }
}

/// Only the app's own origins: the desktop window and the link page served by this server.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| {
            let o = origin.to_str().unwrap_or("");
            o == "tauri://localhost"
                || o == "http://tauri.localhost"
                || o.strip_prefix("http://127.0.0.1:")
                    .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
        }))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-vital-link-token"),
            header::HeaderName::from_static("x-vital-api-key"),
        ])
}

pub(crate) fn link_token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-vital-link-token")
        .or_else(|| headers.get("linktoken"))
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Starts the API on `127.0.0.1:port` (0 = any free port) and returns the bound address.
pub async fn serve(app: Arc<App>, port: u16) -> AppResult<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        AppError::new(
            "port_in_use",
            500,
            format!("cannot listen on 127.0.0.1:{port} ({e}); pass another --port, or 0 for any free port"),
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| AppError::internal(e.to_string()))?;
    app.set_api_addr(addr);
    let r = router(app.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, r).await {
            tracing::error!("local API stopped: {e}");
        }
    });
    tracing::info!("local Vital API on http://{addr}");
    Ok(addr)
}
