//! The desktop shell: the Tauri window, its commands and events. Thin: every command converts
//! its arguments, calls the core and maps the error to `{code, message}`.
use std::sync::Arc;

use tauri::{Emitter, State};

use vital_link_core::app::App;
use vital_link_core::config::Config;
use vital_link_core::console::{
    AppInfo, ConnectionDetails, CoverageRow, Participant, SettingsView,
};
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::export::{ExportReport, Format};
use vital_link_core::faces::{clock, Plugins};
use vital_link_core::inspector::Exchange;
use vital_link_core::link::LinkTokenResponse;
use vital_link_core::records::{Event, NewLinkToken, NewUser, User};
use vital_link_core::sandbox::Faults;
use vital_link_core::study::{Agreement, Consent, ImportPlan, ImportReport};
use vital_link_core::sync::SyncReport;
use vital_link_core::webhooks::NewWebhook;

pub mod bindings;

/// Tauri itself, for tests that drive the commands through its IPC (`tauri::test`).
pub use tauri;

type Shared<'a> = State<'a, Arc<App>>;

/// Vital's documents as the local API serves them (`user_data`, for the charts): their shape
/// depends on the resource, so the window types them itself (ui/src/console/types.ts, DataByKind).
type JsonValue = serde_json::Value;

/// Expands the one command list (commands.rs) into the invoke handler, the command names, the
/// signatures for the TypeScript bindings, and a check that each function has that signature.
macro_rules! window_commands {
    ($($name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)*) => {
        /// The window's commands, in the order of commands.rs.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// The window's commands, for the real window and for tests driving them through
        /// Tauri's IPC.
        pub fn handlers<R: tauri::Runtime>(
        ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// What each command takes and returns, for ui/src/console/bindings.ts.
        pub fn signatures() -> Vec<bindings::Signature> {
            vec![$(bindings::Signature {
                name: stringify!($name),
                args: vec![$(bindings::Arg::new::<$ty>(stringify!($arg))),*],
                result: bindings::Ty::of::<$ret>(),
            }),*]
        }

        /// Does not compile when a function's arguments or result differ from its line in
        /// commands.rs (the names are checked by tests/bindings.rs).
        #[allow(dead_code, unused_variables)]
        fn signatures_match_the_functions(app: Shared<'static>) {
            $(
                let app_ = app.clone();
                let _ = move |$($arg: $ty),*| async move {
                    let _: AppResult<$ret> = $name(app_, $($arg),*).await;
                };
            )*
        }
    };
}

include!("commands.rs");

/// The ui/src/console/bindings.ts these commands call for.
pub fn bindings_ts() -> String {
    bindings::render(
        &signatures(),
        &[bindings::Ty::of::<vital_link_core::app::AppEvent>()],
    )
}

#[tauri::command(rename_all = "camelCase")]
async fn app_info(app: Shared<'_>) -> AppResult<AppInfo> {
    Ok(app.app_info())
}

/// Runs blocking core work off the async runtime's threads.
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&App) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || f(&app)).await?
}

#[tauri::command(rename_all = "camelCase")]
async fn list_participants(
    app: Shared<'_>,
    from: Option<String>,
    to: Option<String>,
) -> AppResult<Vec<Participant>> {
    blocking(app.inner(), move |a| {
        a.participants(from.as_deref(), to.as_deref())
    })
    .await
}

#[tauri::command(rename_all = "camelCase")]
async fn add_user(
    app: Shared<'_>,
    client_user_id: String,
    notes: Option<String>,
    cohort: Option<String>,
) -> AppResult<User> {
    app.create_user(NewUser {
        client_user_id,
        notes,
        cohort,
        ..Default::default()
    })
}

/// Notes and cohort of a participant: a missing field stays, an empty one is cleared.
#[tauri::command(rename_all = "camelCase")]
async fn update_participant(
    app: Shared<'_>,
    user_id: String,
    notes: Option<String>,
    cohort: Option<String>,
) -> AppResult<User> {
    app.set_participant_info(&user_id, notes.as_deref(), cohort.as_deref())
}

#[tauri::command(rename_all = "camelCase")]
async fn plan_participant_import(app: Shared<'_>, csv: String) -> AppResult<ImportPlan> {
    blocking(app.inner(), move |a| a.plan_participant_import(&csv)).await
}

#[tauri::command(rename_all = "camelCase")]
async fn import_participants(app: Shared<'_>, csv: String) -> AppResult<ImportReport> {
    blocking(app.inner(), move |a| a.import_participants(&csv)).await
}

#[tauri::command(rename_all = "camelCase")]
async fn delete_user(app: Shared<'_>, user_id: String) -> AppResult<()> {
    app.delete_user(&user_id).await
}

#[tauri::command(rename_all = "camelCase")]
async fn disconnect(app: Shared<'_>, user_id: String, provider: String) -> AppResult<()> {
    app.deregister(&user_id, &provider).await
}

#[tauri::command(rename_all = "camelCase")]
async fn create_link_token(
    app: Shared<'_>,
    user_id: String,
    provider: Option<String>,
) -> AppResult<LinkTokenResponse> {
    let user = app.resolve_user(&user_id)?;
    app.create_link_token(NewLinkToken {
        user_id: user.user_id,
        provider,
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
) -> AppResult<JsonValue> {
    blocking(app.inner(), move |app| {
        vital_link_core::query::resource_data(app, &user_id, &kind, &from, Some(&to), None)
    })
    .await
}

#[tauri::command(rename_all = "camelCase")]
async fn coverage(app: Shared<'_>, from: String, to: String) -> AppResult<Vec<CoverageRow>> {
    blocking(app.inner(), move |a| a.coverage(&from, &to)).await
}

#[tauri::command(rename_all = "camelCase")]
async fn sync_now(app: Shared<'_>, user_id: Option<String>) -> AppResult<Vec<SyncReport>> {
    let app = app.inner().clone();
    let uid = user_id
        .map(|u| app.resolve_user(&u))
        .transpose()?
        .map(|u| u.user_id);
    app.sync_user(uid.as_deref()).await
}

#[tauri::command(rename_all = "camelCase")]
async fn export(
    app: Shared<'_>,
    format: Format,
    out: Option<String>,
    participants: Vec<String>,
    from: Option<String>,
    to: Option<String>,
    raw: bool,
) -> AppResult<ExportReport> {
    let handle = app.inner().clone();
    let out = out
        .filter(|o| !o.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
            let fmt = serde_json::to_value(format)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            handle
                .config
                .data_dir
                .join("exports")
                .join(format!("{stamp}-{fmt}"))
        });
    blocking(app.inner(), move |a| {
        let events = a.events.clone();
        a.export(
            &vital_link_core::export::ExportOptions {
                format,
                out,
                participants,
                from,
                to,
                raw,
            },
            &|done, total, what| {
                let _ = events.send(vital_link_core::app::AppEvent::ExportProgress {
                    done,
                    total,
                    what: what.to_string(),
                });
            },
        )
    })
    .await
}

#[tauri::command(rename_all = "camelCase")]
async fn agreement(app: Shared<'_>) -> AppResult<Agreement> {
    app.agreement()
}

#[tauri::command(rename_all = "camelCase")]
async fn set_agreement(app: Shared<'_>, version: String, text: String) -> AppResult<()> {
    app.set_agreement(&Agreement { version, text })
}

#[tauri::command(rename_all = "camelCase")]
async fn consents(app: Shared<'_>, user_id: Option<String>) -> AppResult<Vec<Consent>> {
    app.consents(user_id.as_deref())
}

#[tauri::command(rename_all = "camelCase")]
async fn event_log(app: Shared<'_>, limit: Option<i64>) -> AppResult<Vec<Event>> {
    app.events(limit.unwrap_or(500))
}

#[tauri::command(rename_all = "camelCase")]
async fn inspector(
    app: Shared<'_>,
    connection_id: Option<i64>,
    provider: Option<String>,
    limit: Option<usize>,
) -> AppResult<Vec<Exchange>> {
    Ok(app
        .inspector
        .list(connection_id, provider.as_deref(), limit.unwrap_or(500)))
}

#[tauri::command(rename_all = "camelCase")]
async fn connection_details(app: Shared<'_>, connection_id: i64) -> AppResult<ConnectionDetails> {
    app.connection_details(connection_id)
}

#[tauri::command(rename_all = "camelCase")]
async fn force_refresh(app: Shared<'_>, connection_id: i64) -> AppResult<ConnectionDetails> {
    app.force_refresh(connection_id).await
}

#[tauri::command(rename_all = "camelCase")]
async fn faults(app: Shared<'_>, provider: String) -> AppResult<Faults> {
    app.faults(&provider)
}

#[tauri::command(rename_all = "camelCase")]
async fn set_faults(app: Shared<'_>, provider: String, faults: Faults) -> AppResult<()> {
    app.set_faults(&provider, faults)
}

#[tauri::command(rename_all = "camelCase")]
async fn settings(app: Shared<'_>) -> AppResult<SettingsView> {
    app.settings_view()
}

#[tauri::command(rename_all = "camelCase")]
async fn set_environment(app: Shared<'_>, environment: String) -> AppResult<()> {
    app.set_environment(&environment)
}

#[tauri::command(rename_all = "camelCase")]
async fn set_credentials(
    app: Shared<'_>,
    provider: String,
    client_id: String,
    client_secret: Option<String>,
) -> AppResult<()> {
    app.set_credentials(&provider, &client_id, client_secret.as_deref())
}

#[tauri::command(rename_all = "camelCase")]
async fn rotate_api_key(app: Shared<'_>) -> AppResult<String> {
    app.rotate_api_key()
}

#[tauri::command(rename_all = "camelCase")]
async fn add_webhook(app: Shared<'_>, url: String) -> AppResult<NewWebhook> {
    let (id, secret) = app.add_webhook(&url, None)?;
    Ok(NewWebhook { id, secret })
}

#[tauri::command(rename_all = "camelCase")]
async fn remove_webhook(app: Shared<'_>, id: i64) -> AppResult<()> {
    app.remove_webhook(id)
}

/// Queues the forwarder's dead letters again; returns how many.
#[tauri::command(rename_all = "camelCase")]
async fn forward_retry(app: Shared<'_>) -> AppResult<usize> {
    app.forward_retry()
}

#[tauri::command(rename_all = "camelCase")]
async fn set_enrol_pin(app: Shared<'_>, pin: Option<String>) -> AppResult<()> {
    app.set_enrol_pin(pin.as_deref())
}

#[tauri::command(rename_all = "camelCase")]
async fn check_enrol_pin(app: Shared<'_>, pin: String) -> AppResult<bool> {
    app.check_enrol_pin(&pin)
}

#[tauri::command(rename_all = "camelCase")]
async fn wipe_all(app: Shared<'_>, confirm: String) -> AppResult<()> {
    if confirm != "WIPE" {
        return Err(AppError::bad_request(
            "confirmation_needed",
            "type WIPE to confirm",
        ));
    }
    app.wipe().await
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
        if let Err(e) = vital_link_core::oauth::open_browser(url.as_str()) {
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

/// Without a GPU render node the only OpenGL is Mesa's software rasteriser, in which WebKit's
/// GL compositor crashes the web process now and then (a segfault in `swrast_dri.so` under
/// Xvfb: the window goes blank). Drawing in software without GL compositing avoids it and is
/// no slower there. A choice the user made with WebKit's own variables stands.
fn software_rendering_without_gpu() {
    let user_chose = [
        "WEBKIT_DISABLE_COMPOSITING_MODE",
        "WEBKIT_DISABLE_DMABUF_RENDERER",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some());
    if cfg!(target_os = "linux") && !user_chose && !has_gpu_render_node() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        tracing::info!("no GPU render node: the window draws in software, without GL compositing");
    }
}

fn has_gpu_render_node() -> bool {
    std::fs::read_dir("/dev/dri")
        .map(|dir| {
            dir.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// If the web process ends anyway (a crash, WebKit's memory limit), the window would stay blank
/// until restarted: log why and load the page again. Its state lives in the core. Bounded, so a
/// page that kills its process at once is not reloaded forever.
#[cfg(target_os = "linux")]
fn reload_when_the_page_dies(window: &tauri::WebviewWindow) {
    let _ = window.with_webview(|w| {
        use webkit2gtk::WebViewExt;
        let reloads = std::cell::Cell::new(0u32);
        w.inner()
            .connect_web_process_terminated(move |view, reason| {
                reloads.set(reloads.get() + 1);
                if reloads.get() > 3 {
                    tracing::error!(
                        ?reason,
                        "the window's web process ended again; not reloading"
                    );
                    return;
                }
                tracing::error!(
                    ?reason,
                    "the window's web process ended; reloading the page"
                );
                view.reload();
            });
    });
}

/// Builds the core, starts the local API, then runs the window until it is closed.
pub fn run(config: Config, plugins: Plugins, runtime: tokio::runtime::Runtime) -> AppResult<()> {
    ensure_web_locale();
    software_rendering_without_gpu();
    tauri::async_runtime::set(runtime.handle().clone());
    let port = config.api_port;
    let loopback = std::net::IpAddr::from([127, 0, 0, 1]);
    let app = runtime.block_on(async {
        let app = plugins.start(config, clock()?).await?;
        // The configured port, or any free one if it is taken (another instance, a test).
        if plugins
            .api
            .serve(app.clone(), loopback, port)
            .await
            .is_err()
        {
            plugins.api.serve(app.clone(), loopback, 0).await?;
        }
        app.start_background(None)?;
        Ok::<_, AppError>(app)
    })?;
    let events = app.events.clone();
    tauri::Builder::default()
        .manage(app)
        .setup(move |tauri_app| {
            let handle = tauri_app.handle().clone();
            let mut rx = events.subscribe();
            tauri::async_runtime::spawn(async move {
                while let Some(ev) = vital_link_core::app::next_event(&mut rx).await {
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
            let window = tauri::WebviewWindowBuilder::from_config(tauri_app.handle(), &config)?
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
            #[cfg(target_os = "linux")]
            reload_when_the_page_dies(&window);
            #[cfg(not(target_os = "linux"))]
            let _ = window;
            Ok(())
        })
        .invoke_handler(handlers())
        .run(tauri::generate_context!("../../tauri.conf.json"))
        .map_err(|e| AppError::internal(format!("the window could not start: {e}")))?;
    drop(runtime);
    Ok(())
}
