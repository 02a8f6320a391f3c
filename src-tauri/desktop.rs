//! The desktop shell: the Tauri window, its commands and events. Thin: every command converts
//! its arguments, calls the core and maps the error to `{code, message}`.
use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};
use tauri::{Emitter, Manager, State};

use crate::app::App;
use crate::cli::Cli;
use crate::error::{AppError, AppResult};
use crate::store::connections::ConnectionRow;
use crate::store::links::NewLinkToken;
use crate::store::readings::Counts;

type Shared<'a> = State<'a, Arc<App>>;

#[derive(Serialize)]
struct Participant {
    user_id: String,
    client_user_id: String,
    created_at: i64,
    connections: Vec<ConnectionRow>,
    counts: Counts,
}

#[tauri::command(rename_all = "camelCase")]
async fn app_info(app: Shared<'_>) -> AppResult<Value> {
    Ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "environment": app.config.environment.as_str(),
        "api_base": app.api_base_url(),
        "data_dir": app.config.data_dir,
        "history_days": app.config.history_days,
    }))
}

#[tauri::command(rename_all = "camelCase")]
async fn list_participants(app: Shared<'_>) -> AppResult<Vec<Participant>> {
    let app = app.inner().clone();
    tokio::task::spawn_blocking(move || {
        let (users, _) = app.store.list_users(0, i64::MAX)?;
        users
            .into_iter()
            .map(|u| {
                Ok(Participant {
                    connections: app.store.connections(Some(&u.user_id))?,
                    counts: app.store.counts(&u.user_id)?,
                    user_id: u.user_id,
                    client_user_id: u.client_user_id,
                    created_at: u.created_at,
                })
            })
            .collect()
    })
    .await?
}

#[tauri::command(rename_all = "camelCase")]
async fn add_user(app: Shared<'_>, client_user_id: String) -> AppResult<crate::store::users::User> {
    app.store.create_user(client_user_id.trim())
}

#[tauri::command(rename_all = "camelCase")]
async fn create_link_token(
    app: Shared<'_>,
    user_id: String,
) -> AppResult<crate::link::LinkTokenResponse> {
    let user = app.store.resolve_user(&user_id)?;
    app.create_link_token(NewLinkToken {
        user_id: user.user_id,
        ..Default::default()
    })
}

#[tauri::command(rename_all = "camelCase")]
async fn user_data(
    app: Shared<'_>,
    user_id: String,
    kind: String,
    from: String,
    to: String,
) -> AppResult<Value> {
    let app = app.inner().clone();
    tokio::task::spawn_blocking(move || {
        let user = app.store.resolve_user(&user_id)?;
        let range = crate::shapes::parse_range(&from, Some(&to), app.clock.now().date_naive())?;
        match kind.as_str() {
            "heartrate" | "hrv" => {
                crate::shapes::timeseries_grouped(&app, &user.user_id, &kind, range, None)
            }
            _ => crate::shapes::summaries(&app, &user.user_id, &kind, range, None),
        }
    })
    .await?
}

#[tauri::command(rename_all = "camelCase")]
async fn sync_now(
    app: Shared<'_>,
    user_id: Option<String>,
) -> AppResult<Vec<crate::sync::SyncReport>> {
    let app = app.inner().clone();
    let uid = user_id
        .map(|u| app.store.resolve_user(&u))
        .transpose()?
        .map(|u| u.user_id);
    app.sync_user(uid.as_deref()).await
}

/// Builds the core, starts the local API, then runs the window until it is closed.
pub fn run(cli: Cli, runtime: tokio::runtime::Runtime) -> AppResult<()> {
    tauri::async_runtime::set(runtime.handle().clone());
    let config = cli.config()?;
    let port = config.api_port;
    let app = runtime.block_on(async {
        let app = App::start(config, crate::cli::clock()?).await?;
        // The configured port, or any free one if it is taken (another instance, a test).
        if crate::api::serve(app.clone(), port).await.is_err() {
            crate::api::serve(app.clone(), 0).await?;
        }
        Ok::<_, AppError>(app)
    })?;
    let events = app.events.clone();
    tauri::Builder::default()
        .manage(app)
        .setup(move |tauri_app| {
            let handle = tauri_app.handle().clone();
            let mut rx = events.subscribe();
            tauri::async_runtime::spawn(async move {
                while let Ok(ev) = rx.recv().await {
                    let _ = handle.emit("app://event", ev);
                }
            });
            if let Some(w) = tauri_app.get_webview_window("main") {
                let _ = w.set_title("Vital Link");
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            app_info,
            list_participants,
            add_user,
            create_link_token,
            user_data,
            sync_now
        ])
        .run(tauri::generate_context!())
        .map_err(|e| AppError::internal(format!("the window could not start: {e}")))?;
    drop(runtime);
    Ok(())
}
