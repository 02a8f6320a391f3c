//! A recording layer for the fakes' routers: when a sink is installed (the test suites do, to
//! check every exchange against `tests/contracts/<slug>.json`), each request a client sends and
//! each response a fake returns is handed to it; without one the layer passes requests through.
//! The sink is process-wide and keyed by nothing but the request's `Host` (the fake's
//! `127.0.0.1:<port>`), so a test can pick its own sandbox's exchanges out of a shared process.
use std::sync::{Arc, RwLock};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

/// One request and its response as the wire carried them.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The fake's slug (`oura`, `withings`, …).
    pub provider: &'static str,
    /// The `Host` header: `127.0.0.1:<port>` of the fake that answered.
    pub host: String,
    pub method: String,
    pub path: String,
    /// The query pairs, then those of a form body.
    pub pairs: Vec<(String, String)>,
    pub status: u16,
    /// The response body as JSON; `None` when it is not JSON (an HTML page, a truncated body).
    pub body: Option<Value>,
    pub content_type: String,
}

pub type Sink = Arc<dyn Fn(Exchange) + Send + Sync>;

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Installs the process-wide sink (replacing any other).
pub fn install(sink: Sink) {
    *SINK.write().unwrap() = Some(sink);
}

pub fn installed() -> bool {
    SINK.read().unwrap().is_some()
}

const LIMIT: usize = 256 << 20;

/// The middleware (`axum::middleware::from_fn_with_state(slug, record::layer)`).
pub async fn layer(State(provider): State<&'static str>, req: Request, next: Next) -> Response {
    let Some(sink) = SINK.read().unwrap().clone() else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, LIMIT).await.unwrap_or_default();
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let form = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        pairs.extend(url::form_urlencoded::parse(&bytes).into_owned());
    }
    let host = parts
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (method, path) = (parts.method.to_string(), parts.uri.path().to_string());
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (rparts, rbody) = resp.into_parts();
    let rbytes = axum::body::to_bytes(rbody, LIMIT).await.unwrap_or_default();
    let content_type = rparts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = serde_json::from_slice(&rbytes).ok();
    sink(Exchange {
        provider,
        host,
        method,
        path,
        pairs,
        status: rparts.status.as_u16(),
        body,
        content_type,
    });
    Response::from_parts(rparts, Body::from(rbytes))
}

/// `router` with the recording layer for `provider`.
pub fn recorded(provider: &'static str, router: axum::Router) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(provider, layer))
}
