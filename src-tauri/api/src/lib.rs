//! The local Vital-compatible HTTP API on loopback: what the official SDKs, the link widget and
//! the `@tryvital/vital-link` hook talk to.
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;
use tower::Layer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::decompression::RequestDecompressionLayer;

use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};

mod blocking;
mod data;
pub mod extract;
pub mod ingest;
mod limits;
mod link;
mod logo;
mod page;
mod providers;
mod users;

pub type AppState = Arc<App>;

pub use users::provider_ref;

/// An error of the core as this face answers it. (`AppError` belongs to the core, which knows
/// no HTTP framework, so the response is made here.)
pub struct ApiError(pub AppError);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError(e.into())
    }
}

/// `AppError` → response, for handlers that answer a `Response`.
pub trait ErrorResponse {
    fn into_response(self) -> Response;
}

impl ErrorResponse for AppError {
    fn into_response(self) -> Response {
        ApiError(self).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(e) = self;
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = if status == StatusCode::UNPROCESSABLE_ENTITY {
            // FastAPI's validation shape, which both SDKs surface as-is.
            json!({"detail": [{"loc": ["query"], "msg": e.message, "type": e.code}]})
        } else {
            json!({"detail": {"error_type": e.code, "error_message": e.message}})
        };
        (status, Json(body)).into_response()
    }
}

pub fn router(app: AppState) -> Router {
    let keyed = Router::new()
        .merge(users::routes())
        .merge(link::keyed_routes())
        .merge(data::routes())
        .merge(providers::routes())
        .merge(ingest::routes())
        .layer(middleware::from_fn_with_state(app.clone(), require_api_key));
    Router::new()
        .merge(keyed)
        .merge(link::routes())
        .merge(logo::routes())
        .merge(page::routes())
        .route(
            "/health",
            axum::routing::get(|| async { Json(json!({"status": "ok"})) }),
        )
        .fallback(|| async {
            AppError::not_found("no such route; see the Vital API reference").into_response()
        })
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(middleware::from_fn_with_state(
            (
                app.clone(),
                Arc::new(limits::Limits::new(
                    app.config.api_rate_limit,
                    app.config.api_anonymous_rate_limit,
                )),
            ),
            limits::limit,
        ))
        .layer(RequestDecompressionLayer::new().gzip(true))
        .layer(cors(app.clone()))
        .layer(middleware::from_fn(loopback_host_only))
        .with_state(app)
}

/// Every data route needs the team API key: `x-vital-api-key` (the SDKs) or a bearer token.
async fn require_api_key(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let presented = presented_api_key(req.headers());
    match presented {
        None => AppError::unauthorized(
            "missing API key: send it in the x-vital-api-key header (see `vital-link api-key`)",
        )
        .into_response(),
        Some(k) => match app.check_api_key(k) {
            Ok(true) => next.run(req).await,
            Ok(false) => AppError::unauthorized(
                "invalid API key; `vital-link api-key` prints the current one",
            )
            .into_response(),
            Err(e) => e.into_response(),
        },
    }
}

/// The API key a request presents: `x-vital-api-key` (the SDKs) or a bearer token.
pub(crate) fn presented_api_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-vital-api-key")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
        })
        .map(str::trim)
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
    let bound = req.extensions().get::<BoundIp>().map(|b| b.0.to_string());
    if matches!(name, "127.0.0.1" | "localhost" | "[::1]") || bound.as_deref() == Some(name) {
        next.run(req).await
    } else {
        AppError::new(
            "forbidden_host",
            format!("requests must be addressed to 127.0.0.1, not {host:?}"),
        )
        .into_response()
    }
}

/// Only the app's own origins: the desktop window and pages served by this server.
fn cors(app: AppState) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin
                .to_str()
                .is_ok_and(|o| own_origins(app.api_addr()).iter().any(|own| own == o))
        }))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-vital-link-token"),
            header::HeaderName::from_static("x-vital-api-key"),
        ])
}

/// The desktop window (`tauri://localhost` on macOS and Linux, `http://tauri.localhost` on
/// Windows) and this server's own pages, by the names its Host check accepts. The address is
/// read per request: the port is only known once the listener is bound.
fn own_origins(addr: Option<SocketAddr>) -> Vec<String> {
    let mut own = vec!["tauri://localhost".into(), "http://tauri.localhost".into()];
    if let Some(a) = addr {
        own.push(format!("http://{a}"));
        if a.ip().is_loopback() {
            own.push(format!("http://localhost:{}", a.port()));
        }
    }
    own
}

pub(crate) fn link_token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-vital-link-token")
        .or_else(|| headers.get("linktoken"))
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The non-loopback address the server was explicitly bound to: its own name is a valid Host.
#[derive(Clone, Copy)]
struct BoundIp(std::net::IpAddr);

/// Older SDKs add a trailing slash (`/v2/link/token/`); route them as if they had not. The link
/// page keeps its slash, which its relative asset URLs need.
fn trim_trailing_slash<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') && path.starts_with("/v2/") {
        let trimmed = path.trim_end_matches('/').to_string();
        let pq = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed,
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Starts the API on `127.0.0.1:port` (0 = any free port) and returns the bound address.
pub async fn serve(app: Arc<App>, port: u16) -> AppResult<SocketAddr> {
    serve_on(app, std::net::IpAddr::from([127, 0, 0, 1]), port).await
}

/// Starts the API on `ip:port`. Callers check that a non-loopback `ip` was asked for explicitly.
pub async fn serve_on(app: Arc<App>, ip: std::net::IpAddr, port: u16) -> AppResult<SocketAddr> {
    let listener = tokio::net::TcpListener::bind((ip, port)).await.map_err(|e| {
        AppError::new("port_in_use", format!("cannot listen on {ip}:{port} ({e}); pass another --port, or 0 for any free port"))
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| AppError::internal(e.to_string()))?;
    app.set_api_addr(addr);
    let bound = BoundIp(ip);
    let svc = tower::util::MapRequestLayer::new(move |mut req: Request| {
        if !ip.is_loopback() {
            req.extensions_mut().insert(bound);
        }
        trim_trailing_slash(req)
    })
    .layer(router(app.clone()));
    // Answers are streamed in chunks: without TCP_NODELAY the last small chunk waits for the
    // client's delayed ACK, ~40 ms on every response of more than one segment.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("could not set TCP_NODELAY: {e}");
        }
    });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(
            listener,
            axum::ServiceExt::<Request>::into_make_service(svc),
        )
        .await
        {
            tracing::error!("local API stopped: {e}");
        }
    });
    tracing::info!("local Vital API on http://{addr}");
    Ok(addr)
}
