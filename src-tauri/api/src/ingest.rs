//! Vital's ingestion routes (the mobile SDKs' push contract, `vital-api.md` §8), so one server
//! can collect what many Vital Link machines forward and serve it through the same read API.
//! Bodies may be gzipped (the decompression layer inflates them) and may be large.
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::Body;
use super::AppState;

use vital_link_core::receive::{accepted, Envelope};

/// Inflated size a push body may have (5,000 samples are about 1 MiB of JSON).
pub const MAX_PUSH_BODY: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/link/provider/manual/{provider}", post(manual))
        .route("/v2/summary/{resource}/{user_id}", post(summary))
        .route("/v2/timeseries/{user_id}/{resource}", post(timeseries))
        .layer(DefaultBodyLimit::max(MAX_PUSH_BODY))
}

#[derive(Deserialize)]
struct ManualBody {
    user_id: String,
    #[allow(dead_code)]
    #[serde(default)]
    provider_id: Option<String>,
}

async fn manual(
    State(app): State<AppState>,
    Path(provider): Path<String>,
    Body(b): Body<ManualBody>,
) -> crate::ApiResult<Response> {
    if app.receive_connection(&b.user_id, &provider)? {
        Ok(Json(json!({"success": true})).into_response())
    } else {
        // Vital answers 409 for an existing connection; the mobile SDKs treat it as success.
        Ok((
            StatusCode::CONFLICT,
            Json(json!({"detail": {"error_type": "duplicate_connection", "error_message": format!("{provider} is already connected for this user")}})),
        )
            .into_response())
    }
}

async fn summary(
    State(app): State<AppState>,
    Path((resource, user_id)): Path<(String, String)>,
    Body(env): Body<Envelope>,
) -> crate::ApiResult<Json<Value>> {
    Ok(Json(accepted(
        app.receive_summaries(&user_id, &resource, env).await?,
    )))
}

async fn timeseries(
    State(app): State<AppState>,
    Path((user_id, resource)): Path<(String, String)>,
    Body(env): Body<Envelope>,
) -> crate::ApiResult<Json<Value>> {
    Ok(Json(accepted(
        app.receive_samples(&user_id, &resource, env).await?,
    )))
}
