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
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::model::iso_utc_ms;
use crate::store::users::User;

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
    let sources: Vec<Value> = app
        .store
        .connections(Some(&u.user_id))?
        .into_iter()
        .filter(|c| c.status != "deregistered")
        .map(|c| {
            let r = provider_ref(app, &c.provider);
            json!({"provider": r, "source": r, "created_on": iso_utc_ms(c.created_at)})
        })
        .collect();
    Ok(json!({
        "user_id": u.user_id,
        "team_id": app.team_id,
        "client_user_id": u.client_user_id,
        "created_on": iso_utc_ms(u.created_at),
        "connected_sources": sources,
        "fallback_time_zone": u.fallback_time_zone.as_ref().map(|tz| json!({"id": tz, "source_slug": "manual", "updated_at": iso_utc_ms(u.created_at)})),
        "fallback_birth_date": u.fallback_birth_date.as_ref().map(|d| json!({"value": d, "source_slug": "manual", "updated_at": iso_utc_ms(u.created_at)})),
        "ingestion_start": u.ingestion_start,
        "ingestion_end": u.ingestion_end,
    }))
}

/// Vital's `{name, slug, logo}` of a provider.
pub fn provider_ref(app: &App, slug: &str) -> Value {
    match app.providers.get(slug) {
        Some(p) => {
            serde_json::to_value(p.spec().reference(&app.api_base_url())).unwrap_or_default()
        }
        None => json!({"name": slug, "slug": slug, "logo": ""}),
    }
}

#[derive(Deserialize)]
struct CreateUser {
    client_user_id: Option<String>,
    fallback_time_zone: Option<String>,
    fallback_birth_date: Option<String>,
    ingestion_start: Option<String>,
    ingestion_end: Option<String>,
}

async fn create(State(app): State<AppState>, Body(b): Body<CreateUser>) -> Response {
    let Some(cuid) = b.client_user_id.filter(|c| !c.is_empty()) else {
        return AppError::new("invalid_request", 422, "client_user_id is required").into_response();
    };
    match app.store.create_user(&cuid) {
        Ok(u) => {
            let u = match app.store.update_user(
                &u.user_id,
                None,
                b.fallback_time_zone,
                b.fallback_birth_date,
                b.ingestion_start,
                b.ingestion_end,
            ) {
                Ok(u) => u,
                Err(e) => return e.into_response(),
            };
            let _ = app
                .store
                .log_event("user.created", Some(&u.user_id), None, json!({}));
            match client_facing_user(&app, &u) {
                Ok(v) => Json(v).into_response(),
                Err(e) => e.into_response(),
            }
        }
        // Vital answers a duplicate with 400 (not 409, which the Python SDK would retry),
        // naming the existing user.
        Err(e) if e.code == "duplicate_user" => {
            let existing = app.store.user_by_client_id(&cuid).ok();
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

async fn list(State(app): State<AppState>, Q(p): Q<Page>) -> AppResult<Json<Value>> {
    let offset = p.offset.unwrap_or(0).max(0);
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let (users, total) = app.store.list_users(offset, limit)?;
    let users = users
        .iter()
        .map(|u| client_facing_user(&app, u))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(
        json!({"users": users, "total": total, "offset": offset, "limit": limit}),
    ))
}

async fn one(State(app): State<AppState>, Path(user_id): Path<String>) -> AppResult<Json<Value>> {
    Ok(Json(client_facing_user(&app, &app.store.user(&user_id)?)?))
}

async fn resolve(State(app): State<AppState>, Path(cuid): Path<String>) -> AppResult<Json<Value>> {
    Ok(Json(client_facing_user(
        &app,
        &app.store.user_by_client_id(&cuid)?,
    )?))
}

#[derive(Deserialize)]
struct PatchUser {
    client_user_id: Option<String>,
    fallback_time_zone: Option<String>,
    fallback_birth_date: Option<String>,
    ingestion_start: Option<String>,
    ingestion_end: Option<String>,
}

async fn update(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
    Body(b): Body<PatchUser>,
) -> AppResult<StatusCode> {
    app.store.update_user(
        &user_id,
        b.client_user_id,
        b.fallback_time_zone,
        b.fallback_birth_date,
        b.ingestion_start,
        b.ingestion_end,
    )?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
) -> AppResult<Json<Value>> {
    app.delete_user(&user_id).await?;
    Ok(Json(json!({"success": true})))
}

async fn providers(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
) -> AppResult<Json<Value>> {
    let u = app.store.user(&user_id)?;
    let list: Vec<Value> = app
        .store
        .connections(Some(&u.user_id))?
        .into_iter()
        .filter(|c| c.status != "deregistered")
        .map(|c| {
            let r = provider_ref(&app, &c.provider);
            let resources: serde_json::Map<String, Value> = app
                .providers
                .get(&c.provider)
                .map(|p| p.spec().resources.iter().map(|r| (r.to_string(), json!({"status": "available"}))).collect())
                .unwrap_or_default();
            let status = match c.status.as_str() {
                "connected" | "syncing" => "connected",
                other => other,
            };
            json!({
                "name": r["name"], "slug": r["slug"], "logo": r["logo"],
                "created_on": iso_utc_ms(c.created_at),
                "status": status,
                "external_user_id": c.external_user_id,
                "error_details": c.error_type.as_ref().map(|t| json!({"error_type": t, "error_message": c.error_message, "errored_at": iso_utc_ms(c.updated_at)})),
                "resource_availability": resources,
            })
        })
        .collect();
    Ok(Json(json!({"providers": list})))
}

async fn deregister(
    State(app): State<AppState>,
    Path((user_id, provider)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
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
) -> AppResult<Json<Value>> {
    let u = app.store.user(&user_id)?;
    let conns: Vec<_> = app
        .store
        .connections(Some(&u.user_id))?
        .into_iter()
        .filter(|c| {
            c.status != "deregistered" && c.status != "reauth_required" && c.kind == "oauth"
        })
        .collect();
    let (ok, failed): (Vec<_>, Vec<_>) = conns
        .into_iter()
        .partition(|c| app.providers.get(&c.provider).is_some());
    let in_progress: Vec<String> = ok.iter().map(|c| c.provider.clone()).collect();
    for c in ok {
        let a = app.clone();
        let h = tokio::spawn(async move {
            let _ = a.sync_connection(c.id, None).await;
        });
        app.track(h);
    }
    Ok(Json(json!({
        "success": true,
        "user_id": u.user_id,
        "refreshed_sources": [],
        "in_progress_sources": in_progress,
        "failed_sources": failed.iter().map(|c| c.provider.clone()).collect::<Vec<_>>(),
    })))
}
