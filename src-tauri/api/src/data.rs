//! Vital's read API: summaries (and their raw payloads), timeseries (grouped and flat), streams.
//! The answers come from the core (`vital_link_core::query`); this face routes and streams them.
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::extract::Q;
use super::{blocking, AppState};
use vital_link_core::query::{self, DataQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/summary/{resource}/{user_id}", get(summary))
        .route("/v2/summary/{resource}/{user_id}/raw", get(raw))
        // The 1.x Node SDK's `Sleep.getSleepWithStream`.
        .route(
            "/v2/summary/sleep/{user_id}/stream",
            get(sleep_with_streams),
        )
        .route("/v2/timeseries/sleep/{sleep_id}/stream", get(sleep_stream))
        .route(
            "/v2/timeseries/workouts/{workout_id}/stream",
            get(workout_stream),
        )
        .route("/v2/timeseries/{user_id}/{resource}/grouped", get(grouped))
        .route("/v2/timeseries/{user_id}/{resource}", get(flat))
}

async fn summary(
    State(app): State<AppState>,
    Path((resource, user_id)): Path<(String, String)>,
    Q(q): Q<DataQuery>,
) -> Response {
    blocking::json(&app, move |app| {
        let mut v = query::summary_of(app, &resource, &user_id, &q)?;
        if resource == "sleep" && q.with_stream == Some(true) {
            query::embed_sleep_streams(app, &mut v)?;
        }
        Ok(v)
    })
    .await
}

async fn sleep_with_streams(
    State(app): State<AppState>,
    Path(user_id): Path<String>,
    Q(q): Q<DataQuery>,
) -> Response {
    blocking::json(&app, move |app| {
        let mut v = query::summary_of(app, "sleep", &user_id, &q)?;
        query::embed_sleep_streams(app, &mut v)?;
        Ok(v)
    })
    .await
}

async fn raw(
    State(app): State<AppState>,
    Path((resource, user_id)): Path<(String, String)>,
    Q(q): Q<DataQuery>,
) -> Response {
    blocking::json(&app, move |app| query::raw_of(app, &resource, &user_id, &q)).await
}

async fn grouped(
    State(app): State<AppState>,
    Path((user_id, resource)): Path<(String, String)>,
    Q(q): Q<DataQuery>,
) -> Response {
    blocking::json(&app, move |app| {
        query::grouped_page(app, &user_id, &resource, &q)
    })
    .await
}

async fn flat(
    State(app): State<AppState>,
    Path((user_id, resource)): Path<(String, String)>,
    Q(q): Q<DataQuery>,
) -> Response {
    blocking::json(&app, move |app| {
        query::flat_samples(app, &user_id, &resource, &q)
    })
    .await
}

async fn sleep_stream(State(app): State<AppState>, Path(sleep_id): Path<String>) -> Response {
    blocking::json(&app, move |app| query::sleep_stream_of(app, &sleep_id)).await
}

async fn workout_stream(State(app): State<AppState>, Path(workout_id): Path<String>) -> Response {
    blocking::json(&app, move |app| query::workout_stream_of(app, &workout_id)).await
}
