//! The link page (the same widget bundle as the window) and the `window.Vital` runtime that
//! `@tryvital/vital-link` loads, served from the UI build embedded in the binary.
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;

#[derive(rust_embed::RustEmbed)]
#[folder = "../../ui/dist/"]
struct Dist;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/link", get(|| async { Redirect::permanent("/link/") }))
        .route("/link/", get(|| async { file("link/index.html") }))
        .route(
            "/link/{*path}",
            get(|Path(p): Path<String>| async move { file(&format!("link/{p}")) }),
        )
        .route("/initialize.js", get(|| async { file("initialize.js") }))
        .route("/oauth/forward", get(forward))
}

fn file(path: &str) -> Response {
    let Some(f) = Dist::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = f.metadata.mimetype();
    let mut r = (StatusCode::OK, f.data.into_owned()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if path.ends_with(".html") {
        // The page may be framed by apps on this machine only (the Vital Link React hook).
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'self' http://localhost:* http://127.0.0.1:*",
            ),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if path == "initialize.js" {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    } else if path.contains("/assets/") {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    r
}

/// The https forwarding page (docs/forwarder/index.html), served here too so the path can be
/// tried locally. A request that carries `state` with a port is sent on at once, server-side, as
/// the page's script would.
async fn forward(axum::extract::RawQuery(q): axum::extract::RawQuery) -> Response {
    let query = q.unwrap_or_default();
    let port = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .and_then(|(_, v)| v.split('~').next().and_then(|p| p.parse::<u16>().ok()))
        .filter(|p| *p >= 1024);
    match port {
        Some(p) => Redirect::to(&format!("http://127.0.0.1:{p}/callback?{query}")).into_response(),
        None => {
            let mut r = (
                StatusCode::OK,
                include_str!("../../../docs/forwarder/index.html"),
            )
                .into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r.headers_mut().insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            r
        }
    }
}
