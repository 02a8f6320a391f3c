//! `serve`: the local Vital API and the background sync, without the window.
use std::net::IpAddr;
use std::sync::Arc;

use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::faces::Plugins;

pub(crate) async fn serve(
    app: &Arc<App>,
    plugins: &Plugins,
    bind: IpAddr,
    allow_remote: bool,
    sync_interval_minutes: Option<u64>,
) -> AppResult<()> {
    if !bind.is_loopback() && !allow_remote {
        return Err(AppError::bad_request(
            "remote_bind_refused",
            format!("refusing to listen on {bind}: the API would be reachable from the network; add --allow-remote if that is what you want"),
        ));
    }
    if !bind.is_loopback() {
        eprintln!("WARNING: listening on {bind}: any device that can reach this address can call the API with the key.");
    }
    let addr = plugins
        .api
        .serve(app.clone(), bind, app.config.api_port)
        .await?;
    let _ = app.api_key()?;
    app.start_background(sync_interval_minutes)?;
    eprintln!(
        "Vital Link API on http://{addr} ({} environment). API key: `vital-link api-key`. Ctrl-C to stop.",
        app.config.environment.as_str()
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(())
}
