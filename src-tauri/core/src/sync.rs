//! Sync: backfill then incremental, one connection × resource at a time, one provider page per
//! transaction (raw payload, normalized rows and cursor together), so a crash leaves either the
//! whole page or none of it and a retry never duplicates.
use std::sync::Arc;
use std::time::Duration;

use chrono::{Duration as Days, NaiveDate};
use serde::Serialize;
use serde_json::json;

use crate::app::{App, AppEvent};
use crate::error::{AppError, AppResult};
use crate::providers::{FetchError, Provider, SyncResource, Window};
use crate::states::{ConnectionKind, ConnectionStatus};
use crate::store::connections::{ConnectionRow, Cursor, TokenSet};
use crate::store::now_ms;
use crate::store::readings::{Page, PageOutcome};

/// Refresh an access token this long before it expires.
const REFRESH_MARGIN_MS: i64 = 5 * 60 * 1000;
const MAX_ATTEMPTS: u32 = 5;
/// A `Retry-After` up to this long is waited out within the run; a longer one ends the run
/// (`error: rate_limited`) and schedules the next one after the wait.
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);
/// Syncs of one provider that may run at once (its rate limits are per app as well as per user).
pub const PER_PROVIDER_CONCURRENCY: usize = 4;
/// After a failed run (not a rate limit), the next one comes no later than this.
const RETRY_AFTER_FAILURE_MS: i64 = 10 * 60 * 1000;

/// Why a run stopped early: the error, and for a rate limit, how long the provider asked to wait.
struct Failure {
    err: AppError,
    retry_after: Option<Duration>,
}

impl From<tokio::task::JoinError> for Failure {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::from(e).into()
    }
}

impl From<AppError> for Failure {
    fn from(err: AppError) -> Self {
        Failure {
            err,
            retry_after: None,
        }
    }
}
/// Days before the newest synced day that every incremental sync fetches again.
pub const RESYNC_OVERLAP_DAYS: i64 = 2;

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    pub connection_id: i64,
    pub provider: String,
    pub pages: usize,
    pub written: PageOutcome,
    pub status: String,
    pub errors: Vec<String>,
    /// When the scheduler runs this connection next (epoch ms).
    pub next_sync_at: Option<i64>,
}

/// The day windows still to fetch for a resource, newest first: the recent days since the last
/// sync, then the rest of the backfill down to `target`.
pub fn plan_windows(
    cursor: &Cursor,
    today: NaiveDate,
    target: NaiveDate,
    window_days: i64,
) -> Vec<Window> {
    let mut out = vec![];
    let span = window_days.max(1);
    let mut push_range = |from: NaiveDate, to: NaiveDate| {
        let mut end = to;
        while end >= from {
            let start = (end - Days::days(span - 1)).max(from);
            out.push(Window { start, end });
            end = start - Days::days(1);
        }
    };
    let parse = |s: &Option<String>| s.as_deref().and_then(crate::model::parse_day);
    match (parse(&cursor.newest_day), parse(&cursor.oldest_day)) {
        (Some(newest), Some(oldest)) => {
            // Re-read the last days: providers revise recent documents (today's activity grows,
            // last night's sleep is re-scored), and the newest window ends tomorrow.
            push_range((newest - Days::days(RESYNC_OVERLAP_DAYS)).min(today), today);
            if oldest > target {
                push_range(target, oldest - Days::days(1));
            }
        }
        _ => push_range(target, today),
    }
    out
}

impl App {
    pub(crate) fn sync_lock_for(&self, connection_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        self.sync_locks
            .lock()
            .unwrap()
            .entry(connection_id)
            .or_default()
            .clone()
    }

    fn provider_slots(&self, provider: &str) -> Arc<tokio::sync::Semaphore> {
        self.provider_slots
            .lock()
            .unwrap()
            .entry(provider.to_string())
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(PER_PROVIDER_CONCURRENCY)))
            .clone()
    }

    pub(crate) fn refresh_lock_for(&self, connection_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        self.refresh_locks
            .lock()
            .unwrap()
            .entry(connection_id)
            .or_default()
            .clone()
    }

    /// Minutes between scheduled runs of a connection.
    pub fn sync_interval(&self) -> Duration {
        Duration::from_millis(
            self.sync_interval_ms
                .load(std::sync::atomic::Ordering::Relaxed)
                .max(1000) as u64,
        )
    }

    pub fn set_sync_interval(&self, d: Duration) {
        self.sync_interval_ms.store(
            d.as_millis().min(i64::MAX as u128) as i64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Syncs every connection of a user (or all users), all at once: connections of different
    /// providers never wait on each other, those of one provider share its concurrency cap.
    pub async fn sync_user(self: &Arc<Self>, user_id: Option<&str>) -> AppResult<Vec<SyncReport>> {
        let mut jobs = tokio::task::JoinSet::new();
        for (i, c) in self.store.connections(user_id)?.into_iter().enumerate() {
            if !c.status.is_live() || c.kind != ConnectionKind::Oauth {
                continue;
            }
            let app = self.clone();
            jobs.spawn(async move { (i, app.sync_connection(c.id, None).await) });
        }
        // Every job runs to its end (dropping the set would abort the others); the first
        // error, if any, is returned after.
        let mut reports = vec![];
        let mut first_error = None;
        while let Some(done) = jobs.join_next().await {
            match done.map_err(AppError::from) {
                Ok((i, Ok(r))) => reports.push((i, r)),
                Ok((_, Err(e))) | Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        reports.sort_by_key(|(i, _)| *i);
        Ok(reports.into_iter().map(|(_, r)| r).collect())
    }

    /// Syncs one connection. Only one sync of a connection runs at a time; a second caller
    /// waits for the first and then finds little left to do.
    pub async fn sync_connection(
        self: &Arc<Self>,
        connection_id: i64,
        only: Option<&str>,
    ) -> AppResult<SyncReport> {
        let lock = self.sync_lock_for(connection_id);
        let _guard = lock.lock().await;
        let conn = self.store.connection(connection_id)?;
        if conn.kind != ConnectionKind::Oauth {
            // Readings pushed to this server: there is nothing to fetch.
            return Ok(SyncReport {
                connection_id,
                provider: conn.provider.clone(),
                status: conn.sync_status,
                next_sync_at: conn.next_sync_at,
                ..Default::default()
            });
        }
        let p = self.provider(&conn.provider)?;
        let slots = self.provider_slots(&conn.provider);
        let _slot = slots
            .acquire()
            .await
            .map_err(|_| AppError::internal("provider slots closed"))?;
        let mut report = SyncReport {
            connection_id,
            provider: conn.provider.clone(),
            ..Default::default()
        };
        // Windows end tomorrow (UTC) so users east of UTC get their local today too.
        let utc_today = self.clock.now().date_naive();
        let today = utc_today + Days::days(1);
        let history = self
            .config
            .history_days
            .min(p.spec().max_history_days)
            .max(1) as i64;
        let target = utc_today - Days::days(history - 1);
        let resources: Vec<&SyncResource> = p
            .sync_resources()
            .iter()
            .filter(|r| only.is_none_or(|o| o == r.name))
            .collect();
        let progress = self.backfill_progress(conn.id, &resources, today, target)?;
        self.store.set_sync_started(conn.id, progress)?;
        let mut failure: Option<Failure> = None;
        for res in &resources {
            match self
                .sync_resource(
                    &conn,
                    p.as_ref(),
                    res,
                    today,
                    target,
                    &resources,
                    &mut report,
                )
                .await
            {
                Ok(()) => {}
                Err(f) if f.err.code == "reauth_required" => {
                    failure = Some(f);
                    break;
                }
                // A provider asking to wait long is asked again after the wait, not hammered
                // with the other resources now; one that stays down after the retries is not
                // tried again for every other resource either.
                Err(f)
                    if f.retry_after.is_some()
                        || matches!(f.err.code, "provider_unavailable" | "network_error") =>
                {
                    report
                        .errors
                        .push(format!("{}: {}", res.name, f.err.message));
                    failure = Some(f);
                    break;
                }
                // A permission the user left unticked only makes that resource unavailable.
                Err(f)
                    if f.err.code == "required_scopes_not_granted"
                        && !p.spec().required_scopes.is_empty() =>
                {
                    report
                        .errors
                        .push(format!("{}: {}", res.name, f.err.message));
                    self.store.log_event(
                        "resource.unavailable",
                        Some(&conn.user_id),
                        Some(&conn.provider),
                        json!({"resource": res.name, "reason": f.err.message}),
                    )?;
                }
                Err(f) => {
                    report
                        .errors
                        .push(format!("{}: {}", res.name, f.err.message));
                    failure.get_or_insert(f);
                }
            }
        }
        let progress = self.backfill_progress(conn.id, &resources, today, target)?;
        self.store.set_backfill_progress(conn.id, progress)?;
        let now = now_ms();
        let interval = self.sync_interval().as_millis() as i64;
        let (status, next) = match &failure {
            None => {
                self.store
                    .set_connection_status(conn.id, ConnectionStatus::Connected, None)?;
                ("connected".to_string(), Some(now + interval))
            }
            Some(f) if f.err.code == "reauth_required" => {
                let e = &f.err;
                self.store.set_connection_status(
                    conn.id,
                    ConnectionStatus::ReauthRequired,
                    Some((e.code, &e.message)),
                )?;
                self.store.log_event(
                    "provider.connection.error",
                    Some(&conn.user_id),
                    Some(&conn.provider),
                    json!({"error_type": "token_refresh_failed", "message": e.message}),
                )?;
                let pref = self.provider_ref(&conn.provider);
                self.emit_webhook(
                    "provider.connection.error",
                    &conn.user_id,
                    json!({"user_id": conn.user_id, "provider": pref, "message": e.message, "error_type": "token_refresh_failed",
                           "error_details": {"error_type": "token_refresh_failed", "error_message": e.message, "errored_at": crate::model::iso_utc_ms(now)}}),
                );
                ("reauth_required".to_string(), None)
            }
            Some(f) => {
                let e = &f.err;
                self.store.set_connection_status(
                    conn.id,
                    ConnectionStatus::Error,
                    Some((e.code, &e.message)),
                )?;
                let next = match f.retry_after {
                    Some(d) => now + d.as_millis() as i64 + jitter_ms(1000),
                    None => now + interval.min(RETRY_AFTER_FAILURE_MS),
                };
                (format!("error: {}", e.code), Some(next))
            }
        };
        self.store.set_next_sync(conn.id, next)?;
        self.store.log_event(
            "sync.finished",
            Some(&conn.user_id),
            Some(&conn.provider),
            json!({"connection_id": conn.id, "pages": report.pages, "summaries": report.written.summaries_written, "samples": report.written.samples_written, "status": status}),
        )?;
        report.status = status.clone();
        report.next_sync_at = next;
        self.emit(AppEvent::SyncFinished {
            connection_id,
            status,
        });
        Ok(report)
    }

    /// How far the backfill of these resources has got (0..=99), or `None` when it is complete.
    fn backfill_progress(
        &self,
        connection_id: i64,
        resources: &[&SyncResource],
        today: NaiveDate,
        target: NaiveDate,
    ) -> AppResult<Option<i64>> {
        let cursors = self.store.cursors(connection_id)?;
        let span = (today - target).num_days() + 1;
        let (mut covered, mut total, mut complete) = (0i64, 0i64, true);
        for r in resources {
            total += span;
            let c = cursors.iter().find(|c| c.resource == r.name);
            let day = |s: &Option<String>| s.as_deref().and_then(crate::model::parse_day);
            match c.map(|c| (day(&c.newest_day), day(&c.oldest_day))) {
                Some((Some(newest), Some(oldest))) => {
                    let from = oldest.max(target);
                    let to = newest.min(today);
                    covered += ((to - from).num_days() + 1).clamp(0, span);
                    complete &= oldest <= target;
                }
                _ => complete = false,
            }
        }
        Ok((!complete).then(|| (covered * 100 / total.max(1)).clamp(0, 99)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn sync_resource(
        self: &Arc<Self>,
        conn: &ConnectionRow,
        p: &dyn Provider,
        res: &SyncResource,
        today: NaiveDate,
        target: NaiveDate,
        all: &[&SyncResource],
        report: &mut SyncReport,
    ) -> Result<(), Failure> {
        let mut cursor = self.store.cursor(conn.id, res.name)?;
        cursor.backfill_target = Some(target.to_string());
        let at_start = cursor.clone();
        let synced_before = at_start
            .newest_day
            .as_deref()
            .and_then(crate::model::parse_day);
        let windows = plan_windows(&cursor, today, target, res.window_days);
        let total = windows.len();
        for (i, w) in windows.into_iter().enumerate() {
            // New data of recent days is "daily" (incremental); anything older is backfill.
            let daily = synced_before.is_some_and(|n| w.end >= n);
            let mut page_token = None;
            loop {
                let page = self
                    .fetch_with_retries(conn, p, res.name, w, page_token.clone())
                    .await?;
                let next = page.next.clone();
                if next.is_none() {
                    // The window is complete: the cursor moves in the same transaction.
                    let newest = cursor
                        .newest_day
                        .as_deref()
                        .and_then(crate::model::parse_day);
                    let oldest = cursor
                        .oldest_day
                        .as_deref()
                        .and_then(crate::model::parse_day);
                    cursor.newest_day = Some(newest.map_or(w.end, |n| n.max(w.end)).to_string());
                    cursor.oldest_day =
                        Some(oldest.map_or(w.start, |o| o.min(w.start)).to_string());
                }
                let page = Page {
                    connection_id: conn.id,
                    resource: res.name.to_string(),
                    user_id: conn.user_id.clone(),
                    provider: conn.provider.clone(),
                    raw: page.raw,
                    summaries: page.summaries,
                    samples: page.samples,
                    cursor: next.is_none().then(|| cursor.clone()),
                    daily,
                    window: Some((w.start.to_string(), w.end.to_string())),
                };
                let store = self.store.clone();
                let (written, changes, page) = tokio::task::spawn_blocking(move || {
                    store
                        .write(|tx| crate::store::readings::write_page(tx, &page))
                        .map(|(o, c)| (o, c, page))
                })
                .await??;
                report.pages += 1;
                report.written += written;
                if written.summaries_written + written.samples_written > 0 {
                    self.forward_wake.notify_one();
                }
                if daily {
                    self.emit_daily_webhooks(conn, &page, &changes);
                }
                match next {
                    Some(t) => page_token = Some(t),
                    None => break,
                }
            }
            if !daily {
                let progress = self.backfill_progress(conn.id, all, today, target)?;
                self.store.set_backfill_progress(conn.id, progress)?;
            }
            self.emit(AppEvent::SyncProgress {
                connection_id: conn.id,
                resource: res.name.into(),
                done: i + 1,
                total,
            });
        }
        let reached = |c: &Cursor| matches!((&c.oldest_day, &c.backfill_target), (Some(o), Some(t)) if o <= t);
        if reached(&cursor) && !reached(&at_start) {
            self.emit_webhook(
                &format!("historical.data.{}.created", res.name),
                &conn.user_id,
                json!({"user_id": conn.user_id, "start_date": cursor.oldest_day, "end_date": cursor.newest_day, "is_final": true, "provider": conn.provider}),
            );
        }
        Ok(())
    }

    /// `daily.data.<resource>.created|updated` for what an incremental page changed.
    fn emit_daily_webhooks(
        &self,
        conn: &ConnectionRow,
        page: &Page,
        changes: &crate::store::readings::PageChanges,
    ) {
        for (id, res, is_new) in &changes.summaries {
            let Ok(Some((_, s))) = self.store.summary_by_id(id) else {
                continue;
            };
            let day = s
                .data
                .get("calendar_date")
                .and_then(|d| d.as_str())
                .unwrap_or("");
            let range = crate::model::parse_day(day).map(|d| crate::shapes::Range {
                from_ms: 0,
                to_ms: 0,
                from_day: d,
                to_day: d,
            });
            let Some(doc) = range
                .and_then(|r| {
                    crate::shapes::summaries_any(self, &conn.user_id, res, r, Some(&conn.provider))
                        .ok()
                })
                .and_then(|docs| docs.into_iter().find(|d| d["id"] == id.as_str()))
            else {
                continue;
            };
            let verb = if *is_new { "created" } else { "updated" };
            self.emit_webhook(&format!("daily.data.{res}.{verb}"), &conn.user_id, doc);
        }
        let mut by_metric: std::collections::BTreeMap<&str, Vec<serde_json::Value>> =
            Default::default();
        for i in &changes.samples {
            let s = &page.samples[*i];
            let stored = crate::store::readings::StoredSample {
                provider: conn.provider.clone(),
                ts: s.ts,
                end_ts: s.end_ts,
                value: s.value,
                unit: s.unit.to_string(),
                tz_offset: s.tz_offset,
                source_type: s.source_type.clone(),
            };
            by_metric
                .entry(s.metric)
                .or_default()
                .push(crate::shapes::sample_json(&stored));
        }
        let source = self
            .providers
            .get(&conn.provider)
            .map(|p| json!({"provider": conn.provider, "type": p.spec().source_type}));
        for (metric, data) in by_metric {
            self.emit_webhook(
                &format!("daily.data.{metric}.created"),
                &conn.user_id,
                json!({"user_id": conn.user_id, "source": source, "data": data}),
            );
        }
    }

    async fn fetch_with_retries(
        self: &Arc<Self>,
        conn: &ConnectionRow,
        p: &dyn Provider,
        resource: &str,
        w: Window,
        page: Option<String>,
    ) -> Result<crate::providers::FetchedPage, Failure> {
        let mut rejected: Option<String> = None;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let tokens = self.fresh_tokens(conn, p, rejected.as_deref()).await?;
            let ctx = self.fetch_ctx(conn, p, tokens.access_token);
            let fail = |e: &FetchError| {
                AppError::new(
                    e.code(),
                    format!(
                        "{} {resource} {}..{}: {}",
                        conn.provider,
                        w.start,
                        w.end,
                        e.message()
                    ),
                )
            };
            match p.fetch_page(&ctx, resource, w, page.clone()).await {
                Ok(pg) => return Ok(pg),
                // Refresh (once) and retry: the token may have expired mid-backfill.
                Err(FetchError::Unauthorized) if !refreshed => {
                    refreshed = true;
                    rejected = Some(ctx.access_token.clone());
                    attempt -= 1;
                }
                Err(FetchError::Unauthorized) => {
                    return Err(AppError::new(
                        "reauth_required",
                        format!(
                            "{} keeps refusing the refreshed access token; reconnect it",
                            conn.provider
                        ),
                    )
                    .into())
                }
                Err(FetchError::RateLimited {
                    retry_after: Some(d),
                }) if d > MAX_INLINE_WAIT => {
                    let e = FetchError::RateLimited {
                        retry_after: Some(d),
                    };
                    tracing::warn!(provider = %conn.provider, resource, "rate limited for {:?}; the next run waits for it", d);
                    return Err(Failure {
                        err: fail(&e),
                        retry_after: Some(d),
                    });
                }
                Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                    let wait = match &e {
                        FetchError::RateLimited {
                            retry_after: Some(d),
                        } => *d + Duration::from_millis(jitter_ms(250) as u64),
                        _ => backoff(attempt),
                    };
                    tracing::warn!(provider = %conn.provider, resource, attempt, "{}; retrying in {:?}", e.message(), wait);
                    tokio::time::sleep(wait).await;
                }
                // Still rate limited after the retries: wait a minute before the next run.
                Err(e @ FetchError::RateLimited { .. }) => {
                    return Err(Failure {
                        err: fail(&e),
                        retry_after: Some(Duration::from_secs(60)),
                    })
                }
                Err(e) => return Err(fail(&e).into()),
            }
        }
    }

    /// The connection's tokens, refreshed first when they expire soon or when `rejected` (the
    /// access token the provider just refused with 401) is still the stored one.
    ///
    /// Single-flight: refreshes of one connection are serialised by a lock, and whoever gets it
    /// reads the stored tokens again, so a job that waited uses the token the first job got
    /// instead of spending the (single-use, rotating) refresh token a second time. The rotated
    /// refresh token is committed before the new access token is used, so a crash cannot leave
    /// the connection holding only a spent refresh token.
    pub async fn fresh_tokens(
        &self,
        conn: &ConnectionRow,
        p: &dyn Provider,
        rejected: Option<&str>,
    ) -> AppResult<TokenSet> {
        // Refresh within 5 minutes of expiry, or in the last quarter of a shorter lifetime.
        let needs = |t: &TokenSet| {
            t.expires_at.is_some_and(|e| {
                let lifetime = t.issued_at.map_or(REFRESH_MARGIN_MS * 4, |i| e - i);
                e - now_ms() < REFRESH_MARGIN_MS.min(lifetime / 4)
            }) || rejected.is_some_and(|r| r == t.access_token)
        };
        let tokens = self.store.tokens(&self.vault, conn.id)?;
        if !needs(&tokens) {
            return Ok(tokens);
        }
        let lock = self.refresh_lock_for(conn.id);
        let _guard = lock.lock().await;
        let tokens = self.store.tokens(&self.vault, conn.id)?;
        if !needs(&tokens) {
            return Ok(tokens);
        }
        let Some(refresh) = tokens.refresh_token.clone() else {
            return Err(AppError::new(
                "reauth_required",
                format!(
                    "the {} access token expired and there is no refresh token; reconnect",
                    conn.provider
                ),
            ));
        };
        let mut cfg = self.client_config(p)?;
        cfg.trace = Some(self.trace(&conn.provider, Some(conn.id)));
        match crate::oauth::client::refresh(&self.http, &cfg, &refresh).await {
            Ok(mut new) => {
                if new.scope.is_none() {
                    new.scope = tokens.scope.clone();
                }
                let rotated = new.refresh_token.is_some();
                // Providers that keep the refresh token (Google) do not send it again.
                if new.refresh_token.is_none() {
                    new.refresh_token = Some(refresh.clone());
                }
                self.store
                    .save_tokens(self.vault.clone(), conn.id, new.clone())?;
                self.store.log_event(
                    "token.refreshed",
                    Some(&conn.user_id),
                    Some(&conn.provider),
                    json!({"connection_id": conn.id, "rotated": rotated}),
                )?;
                Ok(TokenSet {
                    refresh_token: new.refresh_token.or(Some(refresh)),
                    ..new
                })
            }
            Err(e) if e.code == "invalid_grant" => Err(AppError::new(
                "reauth_required",
                format!(
                    "{} no longer accepts this connection's refresh token ({}); reconnect it",
                    conn.provider, e.message
                ),
            )),
            Err(e) => Err(e),
        }
    }
}

fn jitter_ms(max: u64) -> i64 {
    use rand::Rng;
    rand::thread_rng().gen_range(0..=max) as i64
}

/// Exponential back-off with full jitter on top: 1 s, 2 s, 4 s, 8 s (+ up to half again).
fn backoff(attempt: u32) -> Duration {
    let base = 500u64 * 2u64.pow(attempt.min(6));
    Duration::from_millis(base + jitter_ms(base / 2) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::model::parse_day(s).unwrap()
    }

    fn cursor(newest: Option<&str>, oldest: Option<&str>) -> Cursor {
        Cursor {
            resource: "sleep".into(),
            newest_day: newest.map(Into::into),
            oldest_day: oldest.map(Into::into),
            backfill_target: None,
        }
    }

    #[test]
    fn first_sync_walks_back_from_today_in_windows() {
        let w = plan_windows(&cursor(None, None), d("2026-03-30"), d("2026-03-01"), 7);
        assert_eq!(
            w[0],
            Window {
                start: d("2026-03-24"),
                end: d("2026-03-30")
            }
        );
        assert_eq!(w.last().unwrap().start, d("2026-03-01"));
        let days: i64 = w.iter().map(|x| (x.end - x.start).num_days() + 1).sum();
        assert_eq!(days, 30);
    }

    #[test]
    fn later_syncs_fetch_only_recent_days_then_resume_backfill() {
        let w = plan_windows(
            &cursor(Some("2026-03-28"), Some("2026-03-20")),
            d("2026-03-30"),
            d("2026-03-01"),
            30,
        );
        // The last days again (providers revise them), then the rest of the backfill.
        assert_eq!(
            w[0],
            Window {
                start: d("2026-03-26"),
                end: d("2026-03-30")
            }
        );
        assert_eq!(
            w[1],
            Window {
                start: d("2026-03-01"),
                end: d("2026-03-19")
            }
        );
        let done = plan_windows(
            &cursor(Some("2026-03-30"), Some("2026-03-01")),
            d("2026-03-30"),
            d("2026-03-01"),
            30,
        );
        assert_eq!(
            done,
            vec![Window {
                start: d("2026-03-28"),
                end: d("2026-03-30")
            }]
        );
    }
}
