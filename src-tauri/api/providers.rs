//! `GET /v2/providers` and per-user introspection.
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::Q;
use super::AppState;
use crate::error::AppResult;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/providers", get(all))
        .route("/v2/introspect/resources", get(resources))
        .route("/v2/introspect/historical_pull", get(historical))
}

async fn all(State(app): State<AppState>) -> Json<Value> {
    let base = app.api_base_url();
    Json(Value::Array(
        app.providers
            .all()
            .iter()
            .map(|p| {
                let s = p.spec();
                json!({
                    "name": s.name,
                    "slug": s.slug,
                    "description": s.description,
                    "logo": s.reference(&base).logo,
                    "auth_type": "oauth",
                    "supported_resources": s.resources,
                    "availability": s.availability,
                })
            })
            .collect(),
    ))
}

#[derive(Deserialize, Default)]
struct IntrospectQuery {
    user_id: Option<String>,
    provider: Option<String>,
    user_limit: Option<i64>,
    cursor: Option<String>,
    next_cursor: Option<String>,
}

fn users_for(
    app: &crate::app::App,
    q: &IntrospectQuery,
) -> AppResult<Vec<crate::store::users::User>> {
    Ok(match &q.user_id {
        Some(u) => vec![app.store.user(u)?],
        None => {
            let offset = q
                .next_cursor
                .as_deref()
                .or(q.cursor.as_deref())
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            app.store
                .list_users(offset, q.user_limit.unwrap_or(50).clamp(1, 1000))?
                .0
        }
    })
}

/// The connection's sync state as status screens show it (an extension of Vital's shape).
fn sync_state(c: &crate::store::connections::ConnectionRow) -> Value {
    json!({
        "status": c.sync_status,
        "backfill_progress": c.backfill_progress,
        "last_success": c.last_sync_at.map(crate::model::iso_utc_ms),
        "last_attempt": c.last_attempt_at.map(crate::model::iso_utc_ms),
        "next_run": c.next_sync_at.map(crate::model::iso_utc_ms),
        "error_type": c.error_type.as_ref().filter(|_| c.status != "connected"),
    })
}

/// Per user and provider: each resource's status, with what is stored.
async fn resources(
    State(app): State<AppState>,
    Q(q): Q<IntrospectQuery>,
) -> AppResult<Json<Value>> {
    let mut data = vec![];
    for u in users_for(&app, &q)? {
        let stats = app.store.resource_stats(&u.user_id)?;
        for c in app.store.connections(Some(&u.user_id))? {
            if q.provider.as_deref().is_some_and(|p| p != c.provider) {
                continue;
            }
            let mut res = serde_json::Map::new();
            for s in stats.iter().filter(|s| s.provider == c.provider) {
                res.insert(
                    s.resource.clone(),
                    json!({"status": "active", "count": s.count, "first_data_point": s.first, "last_data_point": s.last, "last_attempt": c.last_sync_at.map(crate::model::iso_utc_ms)}),
                );
            }
            data.push(json!({"user_id": u.user_id, "provider": c.provider, "user_resources": res, "status": c.status, "sync": sync_state(&c)}));
        }
    }
    Ok(Json(
        json!({"data": data, "next": Value::Null, "next_cursor": Value::Null}),
    ))
}

/// Per user and provider: how far the historical backfill has got.
async fn historical(
    State(app): State<AppState>,
    Q(q): Q<IntrospectQuery>,
) -> AppResult<Json<Value>> {
    let mut data = vec![];
    for u in users_for(&app, &q)? {
        for c in app.store.connections(Some(&u.user_id))? {
            if q.provider.as_deref().is_some_and(|p| p != c.provider) {
                continue;
            }
            let mut pulls = serde_json::Map::new();
            for cur in app.store.cursors(c.id)? {
                let done =
                    matches!((&cur.oldest_day, &cur.backfill_target), (Some(o), Some(t)) if o <= t);
                let status = if c.status == "syncing" && !done {
                    "in_progress"
                } else if done {
                    "success"
                } else {
                    "pending"
                };
                pulls.insert(
                    cur.resource.clone(),
                    json!({"status": status, "range_start": cur.oldest_day, "range_end": cur.newest_day, "target_start": cur.backfill_target}),
                );
            }
            data.push(json!({"user_id": u.user_id, "provider": c.provider, "historical_pulls": pulls, "status": c.status, "sync": sync_state(&c)}));
        }
    }
    Ok(Json(
        json!({"data": data, "next": Value::Null, "next_cursor": Value::Null}),
    ))
}
