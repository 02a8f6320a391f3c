//! `connect`, `sync`, `status` and `connection`: a participant's connections and their syncs.
use std::time::Duration;

use std::sync::Arc;

use serde_json::json;
use vital_link_core::app::App;
use vital_link_core::app::AppEvent;
use vital_link_core::error::{AppError, AppResult};
use vital_link_core::records::NewLinkToken;
use vital_link_core::states::ConnectionStatus;

use crate::text::{human_duration, print_json, quote};
use crate::ConnectionCmd;

pub(crate) async fn sync(app: &Arc<App>, user: Option<String>) -> AppResult<()> {
    let uid = user
        .map(|u| app.resolve_user(&u))
        .transpose()?
        .map(|u| u.user_id);
    let bar = progress_bar(app);
    let reports = app.sync_user(uid.as_deref()).await?;
    bar.abort();
    for r in &reports {
        eprintln!(
            "{} (connection {}): {} pages, {} summaries and {} samples new or changed, {}",
            r.provider,
            r.connection_id,
            r.pages,
            r.written.summaries_written,
            r.written.samples_written,
            r.status
        );
    }
    // Connections that need reconnect are not synced (or just found to need it):
    // say which and what to do, never nothing.
    let reauth: Vec<_> = app
        .connection_statuses(uid.as_deref())?
        .into_iter()
        .filter(|c| c.status == ConnectionStatus::ReauthRequired)
        .collect();
    if !reauth.is_empty() {
        return Err(needs_reconnect(&reauth));
    }
    if reports.iter().any(|r| r.status != "connected") {
        return Err(AppError::new(
            "sync_failed",
            "some connections did not sync; see above and `vital-link status`",
        ));
    }
    Ok(())
}

pub(crate) async fn connection(app: &Arc<App>, cmd: ConnectionCmd) -> AppResult<()> {
    let (user, provider) = match &cmd {
        ConnectionCmd::Show { user, provider }
        | ConnectionCmd::Refresh { user, provider }
        | ConnectionCmd::Disconnect { user, provider } => (user, provider),
    };
    let (u, c) = app.connection_of(user, provider)?;
    match cmd {
        ConnectionCmd::Show { .. } => {}
        ConnectionCmd::Refresh { .. } => {
            app.force_refresh(c.id).await?;
        }
        ConnectionCmd::Disconnect { .. } => {
            app.deregister(&u.user_id, provider).await?;
            eprintln!(
                "disconnected {provider} for {} (the token was revoked where the provider allows)",
                u.client_user_id
            );
            return Ok(());
        }
    }
    let d = app.connection_details(c.id)?;
    let claims = app.id_token_claims(c.id)?;
    print_json(&json!({"details": d, "id_token_claims": claims}));
    Ok(())
}

/// `status`: the connections, then what needs attention; exits 4 (reconnect) or 1 (failed).
pub(crate) fn status(app: &Arc<App>, user: Option<&str>, json_out: bool) -> AppResult<()> {
    let statuses = app.connection_statuses(user)?;
    if json_out {
        print_json(&serde_json::to_value(&statuses)?);
    } else {
        for c in &statuses {
            println!(
                "{}\t{}\t{}\tlast success {}\t{}{}",
                c.client_user_id,
                c.provider,
                c.sync_status,
                c.last_success.as_deref().unwrap_or("never"),
                c.next_run,
                c.error
                    .as_ref()
                    .map(|m| format!("  {m}"))
                    .unwrap_or_default(),
            );
        }
        let f = app.forward_status()?;
        if f.enabled {
            println!(
                "forwarding to {}: {} readings queued, {} batches parked, last delivery {}{}",
                f.url.unwrap_or_default(),
                f.outbox.readings,
                f.parked.batches,
                f.last_delivery_at.unwrap_or_else(|| "never".into()),
                f.last_error
                    .map(|e| format!(", last error: {e}"))
                    .unwrap_or_default()
            );
        }
    }
    let reauth: Vec<_> = statuses
        .iter()
        .filter(|c| c.status == ConnectionStatus::ReauthRequired)
        .cloned()
        .collect();
    if !reauth.is_empty() {
        return Err(needs_reconnect(&reauth));
    }
    let failed: Vec<_> = statuses
        .iter()
        .filter(|c| c.status == ConnectionStatus::Error)
        .collect();
    if !failed.is_empty() {
        let which: Vec<String> = failed
            .iter()
            .map(|c| format!("{} of {}", c.provider, c.client_user_id))
            .collect();
        return Err(AppError::new(
            "sync_failed",
            format!(
                "the last sync of {} failed (see above); it is retried at the next run, or now with `vital-link sync`",
                which.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The error for connections that need the participant to sign in again: which, and the
/// command that reconnects each.
fn needs_reconnect(conns: &[vital_link_core::report::ConnectionReport]) -> AppError {
    let what: Vec<String> = conns
        .iter()
        .map(|c| {
            format!(
                "{} needs {} to sign in again (`vital-link connect {} {}`)",
                c.provider,
                c.client_user_id,
                quote(&c.client_user_id),
                c.provider
            )
        })
        .collect();
    AppError::new(
        "reauth_required",
        format!(
            "{} not synced: {}",
            if conns.len() == 1 {
                "1 connection is".to_string()
            } else {
                format!("{} connections are", conns.len())
            },
            what.join("; ")
        ),
    )
}

fn progress_bar(app: &Arc<App>) -> tokio::task::JoinHandle<()> {
    let mut rx = app.events.subscribe();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg:24} [{bar:30}] {pos}/{len} windows",
        )
        .unwrap()
        .progress_chars("=> "),
    );
    tokio::spawn(async move {
        while let Some(ev) = vital_link_core::app::next_event(&mut rx).await {
            match ev {
                AppEvent::SyncProgress {
                    resource,
                    done,
                    total,
                    ..
                } => {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                    bar.set_message(format!("syncing {resource}"));
                }
                AppEvent::SyncFinished { .. } => bar.finish_and_clear(),
                _ => {}
            }
        }
    })
}

pub(crate) async fn connect(
    app: &Arc<App>,
    user: &str,
    provider: &str,
    no_browser: bool,
) -> AppResult<()> {
    let u = app.resolve_user(user)?;
    let link = app.create_link_token(NewLinkToken {
        user_id: u.user_id.clone(),
        provider: Some(provider.to_string()),
        ..Default::default()
    })?;
    let mut rx = app.events.subscribe();
    let started = app
        .link_start(&link.link_token, provider, !no_browser)
        .await?;
    let wait = app.config.oauth_timeout.as_secs();
    if no_browser {
        println!(
            "Open this URL in a browser to connect {provider} for {}:\n{}",
            u.client_user_id, started.oauth_url
        );
        eprintln!(
            "Waiting for the sign-in to come back to this computer (up to {}; --timeout to change). Ctrl-C stops.",
            human_duration(wait)
        );
    } else {
        eprintln!(
            "Opened your browser to sign in to {provider}. Waiting for you to approve (up to {}; Ctrl-C stops)...",
            human_duration(wait)
        );
    }
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let s = app.link_state(&link.link_token)?;
        match s.state {
            vital_link_core::states::LinkStatus::Success => break,
            vital_link_core::states::LinkStatus::Error
            | vital_link_core::states::LinkStatus::Exited => {
                return Err(AppError::new(
                    "link_failed",
                    format!(
                        "{provider} was not connected: {} ({})",
                        s.error.unwrap_or_default(),
                        s.error_type.unwrap_or_default()
                    ),
                ))
            }
            _ => {
                tokio::select! {
                    _ = &mut ctrl_c => {
                        let _ = app.link_cancel(&link.link_token);
                        return Err(AppError::new(
                            "user_cancelled",
                            format!("stopped with Ctrl-C: {provider} was not connected"),
                        ));
                    }
                    _ = tokio::time::timeout(Duration::from_millis(500), rx.recv()) => {}
                }
            }
        }
    }
    eprintln!(
        "Connected {provider} for {}. Syncing the last {} days...",
        u.client_user_id, app.config.history_days
    );
    let bar = progress_bar(app);
    app.wait_background().await;
    bar.abort();
    let (_, c) = app.connection_of(&u.user_id, provider)?;
    let counts = app.stored_counts(&u.user_id)?;
    print_json(
        &json!({"state": "success", "provider": provider, "user_id": u.user_id, "client_user_id": u.client_user_id, "status": c.status, "error": c.error_message, "stored": counts}),
    );
    if c.status != ConnectionStatus::Connected {
        return Err(AppError::new(
            "sync_failed",
            format!(
                "connected, but the first sync failed: {}",
                c.error_message.unwrap_or_default()
            ),
        ));
    }
    Ok(())
}
