//! The outbox: new or changed readings waiting to be forwarded to a remote Vital-compatible
//! server. Rows are added in the transaction of the page that produced the readings (so a crash
//! can never store a reading without queueing it), hold references (summary ids, sample
//! timestamps) rather than copies, and are deleted only once the target accepted them.
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use super::readings::{Page, PageChanges};
use super::{now_ms, Store};
use crate::error::AppResult;

/// The setting that holds the forward target; its presence turns queueing on.
pub const TARGET_SETTING: &str = "forward.url";
pub const KEY_SETTING: &str = "forward.api_key";
pub const MODE_SETTING: &str = "forward.provider_mode";
pub const LAST_DELIVERY: &str = "forward.last_delivery_at";
pub const LAST_ERROR: &str = "forward.last_error";
pub const LAST_ERROR_AT: &str = "forward.last_error_at";
pub const DELIVERED: &str = "forward.delivered";
/// At most this many summaries, or samples, per outbox row (and so per request).
pub const SUMMARY_CHUNK: usize = 100;
pub const SAMPLE_CHUNK: usize = 5000;

#[derive(Debug, Clone, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub user_id: String,
    pub provider: String,
    /// `summary` or `samples`.
    pub kind: String,
    pub resource: String,
    /// Summary ids (strings) or sample timestamps (numbers).
    pub keys: serde_json::Value,
    /// `daily` or `historical`.
    pub stage: String,
    pub start_day: Option<String>,
    pub end_day: Option<String>,
    pub attempts: i64,
}

/// A dead letter: a batch the target refused for good, kept until `forward retry`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ParkedBatch {
    pub id: i64,
    pub user_id: String,
    pub client_user_id: Option<String>,
    pub provider: String,
    pub resource: String,
    pub readings: i64,
    pub attempts: i64,
    /// The target's last HTTP status (none when the request got no answer).
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub parked_at: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Depth {
    /// Outbox rows (batches) waiting.
    pub batches: i64,
    /// Readings in them.
    pub readings: i64,
}

/// Whether pages should queue what they change (a forward target is configured).
pub fn enabled(c: &Connection) -> AppResult<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM settings WHERE key = ?1",
        [TARGET_SETTING],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

#[allow(clippy::too_many_arguments)]
fn insert(
    tx: &Transaction,
    user_id: &str,
    provider: &str,
    kind: &str,
    resource: &str,
    keys: &str,
    stage: &str,
    window: Option<&(String, String)>,
) -> AppResult<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO outbox (user_id, provider, kind, resource, keys, stage, start_day, end_day, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    st.execute(params![
        user_id,
        provider,
        kind,
        resource,
        keys,
        stage,
        window.map(|w| &w.0),
        window.map(|w| &w.1),
        now_ms()
    ])?;
    Ok(())
}

/// Queues what a page changed, inside the page's transaction.
pub fn enqueue_page(tx: &Transaction, page: &Page, changes: &PageChanges) -> AppResult<()> {
    if changes.summaries.is_empty() && changes.samples.is_empty() {
        return Ok(());
    }
    if !enabled(tx)? {
        return Ok(());
    }
    let stage = if page.daily { "daily" } else { "historical" };
    let window = page.window.as_ref();
    let mut by_resource: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (id, res, _) in &changes.summaries {
        by_resource.entry(res).or_default().push(id);
    }
    for (res, ids) in by_resource {
        for chunk in ids.chunks(SUMMARY_CHUNK) {
            let keys = serde_json::to_string(chunk)?;
            insert(
                tx,
                &page.user_id,
                &page.provider,
                "summary",
                res,
                &keys,
                stage,
                window,
            )?;
        }
    }
    let mut by_metric: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for i in &changes.samples {
        let s = &page.samples[*i];
        by_metric.entry(s.metric).or_default().push(s.ts);
    }
    for (metric, ts) in by_metric {
        for chunk in ts.chunks(SAMPLE_CHUNK) {
            let keys = serde_json::to_string(chunk)?;
            insert(
                tx,
                &page.user_id,
                &page.provider,
                "samples",
                metric,
                &keys,
                stage,
                window,
            )?;
        }
    }
    Ok(())
}

/// Queues every stored reading (a new forward target gets everything), as historical batches.
pub fn enqueue_all(tx: &Transaction) -> AppResult<Depth> {
    let mut depth = Depth::default();
    type Group = (String, String, String);
    let mut flush = |tx: &Transaction,
                     kind: &str,
                     g: &Group,
                     keys: &mut Vec<serde_json::Value>,
                     days: &mut Option<(String, String)>|
     -> AppResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        depth.batches += 1;
        depth.readings += keys.len() as i64;
        let k = serde_json::to_string(&keys)?;
        insert(tx, &g.0, &g.1, kind, &g.2, &k, "historical", days.as_ref())?;
        keys.clear();
        *days = None;
        Ok(())
    };
    {
        let mut st = tx.prepare(
            "SELECT user_id, provider, resource, id, calendar_date FROM summaries
             ORDER BY user_id, provider, resource, calendar_date, id",
        )?;
        let mut rows = st.query([])?;
        let mut cur: Option<Group> = None;
        let mut keys = vec![];
        let mut days: Option<(String, String)> = None;
        while let Some(r) = rows.next()? {
            let g: Group = (r.get(0)?, r.get(1)?, r.get(2)?);
            let (id, day): (String, String) = (r.get(3)?, r.get(4)?);
            if cur.as_ref() != Some(&g) || keys.len() >= SUMMARY_CHUNK {
                if let Some(c) = &cur {
                    flush(tx, "summary", c, &mut keys, &mut days)?;
                }
                cur = Some(g);
            }
            days = Some(match days {
                None => (day.clone(), day),
                Some((a, _)) => (a, day),
            });
            keys.push(id.into());
        }
        if let Some(c) = &cur {
            flush(tx, "summary", c, &mut keys, &mut days)?;
        }
    }
    {
        let mut st = tx.prepare(
            "SELECT se.user_id, se.provider, se.metric, s.ts FROM series se JOIN series_samples s ON s.series_id = se.id
             ORDER BY se.user_id, se.metric, se.provider, s.ts",
        )?;
        let mut rows = st.query([])?;
        let mut cur: Option<Group> = None;
        let mut keys = vec![];
        let mut first_last: Option<(i64, i64)> = None;
        let day_of = |ms: i64| crate::model::iso_utc_ms(ms)[..10].to_string();
        while let Some(r) = rows.next()? {
            let g: Group = (r.get(0)?, r.get(1)?, r.get(2)?);
            let ts: i64 = r.get(3)?;
            if cur.as_ref() != Some(&g) || keys.len() >= SAMPLE_CHUNK {
                if let Some(c) = &cur {
                    let mut days = first_last.map(|(a, b)| (day_of(a), day_of(b)));
                    flush(tx, "samples", c, &mut keys, &mut days)?;
                    first_last = None;
                }
                cur = Some(g);
            }
            first_last = Some(first_last.map_or((ts, ts), |(a, _)| (a, ts)));
            keys.push(ts.into());
        }
        if let Some(c) = &cur {
            let mut days = first_last.map(|(a, b)| (day_of(a), day_of(b)));
            flush(tx, "samples", c, &mut keys, &mut days)?;
        }
    }
    Ok(depth)
}

impl Store {
    /// The batches that are due (their own retry time has come): never-tried ones first, so a
    /// batch that keeps failing cannot hold the others back, each group in queue order.
    pub fn outbox_due(&self, now: i64, limit: i64) -> AppResult<Vec<OutboxRow>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, user_id, provider, kind, resource, keys, stage, start_day, end_day, attempts
                 FROM outbox WHERE parked_at IS NULL AND next_attempt_at <= ?1
                 ORDER BY attempts > 0, id LIMIT ?2",
            )?;
            let rows = st
                .query_map(params![now, limit], |r| {
                    let keys: String = r.get(5)?;
                    Ok(OutboxRow {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        provider: r.get(2)?,
                        kind: r.get(3)?,
                        resource: r.get(4)?,
                        keys: serde_json::from_str(&keys).unwrap_or_default(),
                        stage: r.get(6)?,
                        start_day: r.get(7)?,
                        end_day: r.get(8)?,
                        attempts: r.get(9)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Batches waiting to be sent (`parked = false`), or parked as dead letters.
    pub fn outbox_depth_of(&self, parked: bool) -> AppResult<Depth> {
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT COUNT(*), COALESCE(SUM(json_array_length(keys)), 0) FROM outbox
                 WHERE (parked_at IS NOT NULL) = ?1",
                [parked],
                |r| {
                    Ok(Depth {
                        batches: r.get(0)?,
                        readings: r.get(1)?,
                    })
                },
            )?)
        })
    }

    /// Batches waiting to be sent (dead letters are counted apart).
    pub fn outbox_depth(&self) -> AppResult<Depth> {
        self.outbox_depth_of(false)
    }

    /// The oldest waiting batch's retry time, if any (to sleep until it).
    pub fn outbox_next_attempt(&self) -> AppResult<Option<i64>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE parked_at IS NULL",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// The dead letters, oldest first, at most `limit`.
    pub fn outbox_parked(&self, limit: i64) -> AppResult<Vec<ParkedBatch>> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT o.id, o.user_id, u.client_user_id, o.provider, o.resource,
                        json_array_length(o.keys), o.attempts, o.last_status, o.last_error, o.parked_at
                 FROM outbox o LEFT JOIN users u ON u.user_id = o.user_id
                 WHERE o.parked_at IS NOT NULL ORDER BY o.id LIMIT ?1",
            )?;
            let rows = st
                .query_map([limit], |r| {
                    Ok(ParkedBatch {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        client_user_id: r.get(2)?,
                        provider: r.get(3)?,
                        resource: r.get(4)?,
                        readings: r.get(5)?,
                        attempts: r.get(6)?,
                        last_status: r.get(7)?,
                        last_error: r.get(8)?,
                        parked_at: crate::model::iso_utc_ms(r.get(9)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Puts every dead letter back in the queue, due now and with its tries reset; returns how
    /// many.
    pub fn outbox_unpark(&self) -> AppResult<usize> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE outbox SET parked_at = NULL, attempts = 0, next_attempt_at = 0
                 WHERE parked_at IS NOT NULL",
                [],
            )?)
        })
    }
}

fn put_setting(tx: &Transaction, k: &str, v: &str) -> AppResult<()> {
    tx.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![k, v],
    )?;
    Ok(())
}

impl Store {
    /// Sets the forward target. A new target (URL or provider mode) starts over: its queue is
    /// everything stored, and its counters are reset; the same target keeps its queue.
    pub fn set_forward_target(&self, url: &str, sealed_key: &str, mode: &str) -> AppResult<()> {
        let (url, sealed, mode) = (url.to_string(), sealed_key.to_string(), mode.to_string());
        self.write(move |tx| {
            let get = |k: &str| -> AppResult<Option<String>> {
                Ok(tx
                    .query_row("SELECT value FROM settings WHERE key = ?1", [k], |r| {
                        r.get(0)
                    })
                    .optional()?)
            };
            let same = get(TARGET_SETTING)?.as_deref() == Some(url.as_str())
                && get(MODE_SETTING)?.as_deref() == Some(mode.as_str());
            put_setting(tx, TARGET_SETTING, &url)?;
            put_setting(tx, KEY_SETTING, &sealed)?;
            put_setting(tx, MODE_SETTING, &mode)?;
            if !same {
                tx.execute("DELETE FROM outbox", [])?;
                tx.execute(
                    "DELETE FROM settings WHERE key IN (?1, ?2, ?3, ?4)",
                    params![LAST_DELIVERY, LAST_ERROR, LAST_ERROR_AT, DELIVERED],
                )?;
                enqueue_all(tx)?;
            }
            Ok(())
        })
    }

    /// No forward target, and an empty queue.
    pub fn clear_forward_target(&self) -> AppResult<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM settings WHERE key IN (?1, ?2, ?3)",
                params![TARGET_SETTING, KEY_SETTING, MODE_SETTING],
            )?;
            tx.execute("DELETE FROM outbox", [])?;
            Ok(())
        })
    }

    pub fn forward_error(&self, message: &str, at: i64) -> AppResult<()> {
        let m = message.to_string();
        self.write(move |tx| {
            put_setting(tx, LAST_ERROR, &m)?;
            put_setting(tx, LAST_ERROR_AT, &at.to_string())
        })
    }

    /// The target took batch `id` of `readings` readings: it leaves the outbox, and the last
    /// error is over.
    pub fn outbox_delivered(&self, id: i64, readings: i64, at: i64) -> AppResult<()> {
        self.write(move |tx| {
            tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
            tx.execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(settings.value AS INTEGER) + ?3 AS TEXT)",
                params![DELIVERED, readings.to_string(), readings],
            )?;
            put_setting(tx, LAST_DELIVERY, &at.to_string())?;
            tx.execute(
                "DELETE FROM settings WHERE key IN (?1, ?2)",
                params![LAST_ERROR, LAST_ERROR_AT],
            )?;
            Ok(())
        })
    }

    /// One more failed try of batch `id`: it waits until `next`.
    pub fn outbox_retry_later(
        &self,
        id: i64,
        attempts: i64,
        next: i64,
        error: &str,
        status: Option<u16>,
    ) -> AppResult<()> {
        let e = error.to_string();
        self.write(move |tx| {
            tx.execute(
                "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4, last_status = ?5
                 WHERE id = ?1",
                params![id, attempts, next, e, status],
            )?;
            Ok(())
        })
    }

    /// Makes batch `id` a dead letter, sent again only when unparked.
    pub fn outbox_park(
        &self,
        id: i64,
        attempts: i64,
        at: i64,
        error: &str,
        status: Option<u16>,
    ) -> AppResult<()> {
        let e = error.to_string();
        self.write(move |tx| {
            tx.execute(
                "UPDATE outbox SET attempts = ?2, parked_at = ?3, last_error = ?4, last_status = ?5
                 WHERE id = ?1",
                params![id, attempts, at, e, status],
            )?;
            Ok(())
        })
    }
}
