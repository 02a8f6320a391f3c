//! Users: Vital's `/v2/user` routes (and the legacy `/v2/user/key` ones of the 1.x SDKs).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Body, Q};
use super::AppState;
use crate::ErrorResponse;
use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::model::iso_utc_ms;
use vital_link_core::records::{NewUser, User, UserPatch};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/user", post(create).get(list))
        .route("/v2/user/key", post(create))
        .route("/v2/user/key/{client_user_id}", get(resolve))
        .route("/v2/user/resolve/{client_user_id}", get(resolve))
        .route("/v2/user/providers/{user_id}", get(providers))
        .route("/v2/user/refresh/{user_id}", post(refresh))
        .route("/v2/user/{user_id}", get(one).patch(update).delete(remove))
        .route("/v2/user/{user_id}/{provider}", delete(deregister))
        .route("/v2/user/{user_id}/patch", patch(update))
}

pub fn client_facing_user(app: &App, u: &User) -> AppResult<Value> {
    app.vital_user(u)
}

pub fn provider_ref(app: &App, slug: &str) -> Value {
    app.provider_ref(slug)
}

async fn create(State(app): State<AppState>, Body(b): Body<NewUser>) -> Response {
    if b.client_user_id.trim().is_empty() {
        return AppError::new("invalid_request", "client_user_id is required").into_response();
    }
    let cuid = b.client_user_id.trim().to_string();
    match app.create_user(b) {
        Ok(u) => match app.vital_user(&u) {
            Ok(v) => Json(v).into_response(),
            Err(e) => e.into_response(),
        },
        // Vital answers a duplicate with 400 (not 409, which the Python SDK would retry),
        // naming the existing user.
        Err(e) if e.code == "duplicate_user" => {
            let existing = app.user_by_client_id(&cuid).ok();
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"detail": {
                    "error_type": "INVALID_REQUEST",
                    "error_message": e.message,
                    "user_id": existing.as_ref().map(|u| u.user_id.clone()),
                    "created_on": existing.as_ref().map(|u| iso_utc_ms(u.created_at)),
                }})),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct Page {
    offset: Option<i64>,
    limit: Option<i64>,
}

async fn list(State(app): State<AppState>, Q(p): Q<Page>) -> crate::ApiResult<Json<Value>> {
    let offset = p.offset.unwrap_or(0).max(0);
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let (users, total) = app.list_users(offset, limit)?;
    let users = users
        .iter()
        .map(|u| client_facing_user(&app, u))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(
        json!({"users": users, "total": total, "offset": offset, "limit": limit}),
    ))
}

async fn one(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
) -> crate::ApiResult<Json<Value>> {
    Ok(Json(client_facing_user(&app, &app.user(&user_id)?)?))
}

async fn resolve(
    State(app): State<AppState>,
    Path(cuid): Path<String>,
) -> crate::ApiResult<Json<Value>> {
    Ok(Json(client_facing_user(
        &app,
        &app.user_by_client_id(&cuid)?,
    )?))
}

async fn update(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
    Body(b): Body<UserPatch>,
) -> crate::ApiResult<StatusCode> {
    app.update_user(&user_id, b)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
) -> crate::ApiResult<Json<Value>> {
    app.delete_user(&user_id).await?;
    Ok(Json(json!({"success": true})))
}

async fn providers(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
) -> crate::ApiResult<Json<Value>> {
    Ok(Json(json!({"providers": app.user_providers(&user_id)?})))
}

async fn deregister(
    State(app): State<AppState>,
    Path((user_id, provider)): Path<(String, String)>,
) -> crate::ApiResult<Json<Value>> {
    app.deregister(&user_id, &provider).await?;
    Ok(Json(json!({"success": true})))
}

#[derive(Deserialize)]
struct RefreshQuery {
    #[allow(dead_code)]
    timeout: Option<f64>,
}

async fn refresh(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
    Q(_q): Q<RefreshQuery>,
) -> crate::ApiResult<Json<Value>> {
    let r = app.refresh_user(&user_id)?;
    Ok(Json(json!({
        "success": true,
        "user_id": r.user_id,
        "refreshed_sources": [],
        "in_progress_sources": r.in_progress_sources,
        "failed_sources": r.failed_sources,
    })))
}
