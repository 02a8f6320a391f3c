//! The desktop shell: the Tauri window, its commands and events. Thin: every command converts
//! its arguments, calls the core and maps the error to `{code, message}`.
use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};
use tauri::{Emitter, State};

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
        "today": app.clock.now().date_naive().to_string(),
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

/// The window only ever shows the app's own pages; links elsewhere open in the system browser
/// (RFC 8252: a provider's sign-in page never loads inside the app).
fn is_app_origin(url: &tauri::Url) -> bool {
    matches!(url.scheme(), "tauri" | "asset")
        || (url.scheme() == "http" && url.host_str() == Some("tauri.localhost"))
        || url.scheme() == "about"
}

fn open_outside(url: &tauri::Url) {
    if matches!(url.scheme(), "http" | "https") {
        if let Err(e) = crate::oauth::open_browser(url.as_str()) {
            tracing::warn!("could not open a link in the browser: {}", e.message);
        }
    }
}

/// WebKit turns a `C`/`POSIX` locale into `navigator.language = "C"`, which `Intl` rejects
/// (RangeError), breaking the page. Minimal systems and CI run like that; give the web view a
/// valid language tag instead. Called before any other thread exists.
fn ensure_web_locale() {
    let effective = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    let is_c = effective
        .as_deref()
        .is_none_or(|v| v == "C" || v == "POSIX" || v.starts_with("C."));
    if is_c {
        std::env::set_var("LANG", "en_US.UTF-8");
        if std::env::var("LC_ALL").is_ok() {
            std::env::set_var("LC_ALL", "en_US.UTF-8");
        }
    }
}

/// Builds the core, starts the local API, then runs the window until it is closed.
pub fn run(cli: Cli, runtime: tokio::runtime::Runtime) -> AppResult<()> {
    ensure_web_locale();
    tauri::async_runtime::set(runtime.handle().clone());
    let config = cli.config()?;
    let port = config.api_port;
    let app = runtime.block_on(async {
        let app = App::start(config, crate::cli::clock()?).await?;
        // The configured port, or any free one if it is taken (another instance, a test).
        if crate::api::serve(app.clone(), port).await.is_err() {
            crate::api::serve(app.clone(), 0).await?;
        }
        crate::scheduler::start(app.clone(), std::time::Duration::from_secs(60 * 60));
        crate::webhooks::start_worker(app.clone());
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
            let config = tauri_app
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == "main")
                .cloned()
                .ok_or("tauri.conf.json has no main window")?;
            tauri::WebviewWindowBuilder::from_config(tauri_app.handle(), &config)?
                .on_navigation(|url| {
                    if is_app_origin(url) {
                        return true;
                    }
                    open_outside(url);
                    false
                })
                .on_new_window(|url, _| {
                    open_outside(&url);
                    tauri::webview::NewWindowResponse::Deny
                })
                .build()?;
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
