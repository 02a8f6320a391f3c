//! Background work while the app or `vital-link serve` runs: each connection is synced when its
//! `next_sync_at` comes (every `interval` after a success, sooner after a failure, after the
//! provider's `Retry-After` when rate limited), connections run concurrently (capped per
//! provider, see `sync`), and the forwarder drains the outbox.
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::app::App;
use crate::store::now_ms;

/// How often the scheduler looks for due connections when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);

/// Starts the scheduler (and the forwarder) until the process ends.
pub fn start(app: Arc<App>, interval: Duration) -> tokio::task::JoinHandle<()> {
    app.set_sync_interval(interval);
    crate::forward::start_worker(app.clone());
    tokio::spawn(async move {
        let running: Arc<Mutex<HashSet<i64>>> = Arc::default();
        loop {
            match app.store.connections_due(now_ms()) {
                Ok(due) => {
                    for c in due {
                        if !running.lock().unwrap().insert(c.id) {
                            continue;
                        }
                        let (app, running) = (app.clone(), running.clone());
                        tokio::spawn(async move {
                            match app.sync_connection(c.id, None).await {
                                Ok(r) => tracing::info!(
                                    connection = c.id,
                                    provider = %c.provider,
                                    status = %r.status,
                                    pages = r.pages,
                                    "scheduled sync done"
                                ),
                                Err(e) => {
                                    tracing::warn!(
                                        connection = c.id,
                                        "scheduled sync failed: {}",
                                        e.message
                                    );
                                    // Do not retry in a tight loop on an unexpected failure.
                                    let next = now_ms() + app.sync_interval().as_millis() as i64;
                                    let _ = app
                                        .store
                                        .set_next_sync(c.id, Some(next.min(now_ms() + 600_000)));
                                }
                            }
                            running.lock().unwrap().remove(&c.id);
                            app.schedule_wake.notify_one();
                        });
                    }
                }
                Err(e) => tracing::warn!("scheduler: {}", e.message),
            }
            tokio::select! {
                _ = app.schedule_wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    })
}
