//! `GET /v2/providers` and per-user introspection.
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::extract::Q;
use super::AppState;
use vital_link_core::introspect::{self, IntrospectQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/providers", get(all))
        .route("/v2/introspect/resources", get(resources))
        .route("/v2/introspect/historical_pull", get(historical))
}

async fn all(State(app): State<AppState>) -> Json<Value> {
    Json(app.provider_catalogue())
}

/// Per user: for each provider, each resource's statistics (Vital's `UserResourcesResponse`).
async fn resources(
    State(app): State<AppState>,
    Q(q): Q<IntrospectQuery>,
) -> crate::ApiResult<Json<Value>> {
    Ok(Json(introspect::introspect_resources(&app, &q)?))
}

/// Per user: for each provider, how far each resource's historical backfill has got (Vital's
/// `UserHistoricalPullsResponse`).
async fn historical(
    State(app): State<AppState>,
    Q(q): Q<IntrospectQuery>,
) -> crate::ApiResult<Json<Value>> {
    Ok(Json(introspect::historical_pulls(&app, &q)?))
}
