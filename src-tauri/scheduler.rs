//! Periodic sync while the app or `vital-link serve` runs.
use std::sync::Arc;
use std::time::Duration;

use crate::app::App;

/// Syncs every active connection now and then every `interval`, until the process ends.
pub fn start(app: Arc<App>, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match app.sync_user(None).await {
                Ok(reports) => {
                    let failed = reports.iter().filter(|r| r.status != "connected").count();
                    tracing::info!(connections = reports.len(), failed, "scheduled sync done");
                }
                Err(e) => tracing::warn!("scheduled sync failed: {}", e.message),
            }
        }
    })
}
