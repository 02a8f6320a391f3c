//! Provider marks. The providers' own logo files cannot be shipped, so each provider gets a
//! neutral tile in a colour of ours with its initial; this is the one place to swap in artwork.
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::AppState;
use crate::ErrorResponse;
use vital_link_core::error::AppError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v2/providers/{slug}/logo.svg", get(logo))
}

pub fn tile_svg(name: &str, colour: &str) -> String {
    let initial: String = name
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" viewBox=\"0 0 64 64\" role=\"img\" aria-label=\"{name}\">\
<rect width=\"64\" height=\"64\" rx=\"16\" fill=\"{colour}\"/>\
<text x=\"32\" y=\"42\" text-anchor=\"middle\" font-family=\"system-ui,Segoe UI,Helvetica,Arial,sans-serif\" font-size=\"30\" font-weight=\"700\" fill=\"#fff\">{initial}</text></svg>"
    )
}

async fn logo(State(app): State<AppState>, Path(slug): Path<String>) -> impl IntoResponse {
    match app.providers.get(&slug) {
        Some(p) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            tile_svg(p.spec().name, p.spec().colour),
        )
            .into_response(),
        None => AppError::not_found(format!("no provider {slug:?}")).into_response(),
    }
}
