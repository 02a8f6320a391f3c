//! Webhook endpoints and their deliveries.
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};

use super::Store;
use crate::error::{AppError, AppResult};
use crate::store::now_ms;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub event_types: Option<Vec<String>>,
    pub created_at: i64,
    pub delivered: i64,
    pub pending: i64,
    pub failed: i64,
}

/// A delivery whose attempt is due, with its endpoint.
pub struct DueDelivery {
    pub id: i64,
    pub endpoint: i64,
    pub url: String,
    pub msg_id: String,
    pub payload: String,
    pub attempts: i64,
    pub sealed_secret: Vec<u8>,
}

/// How an attempt ended.
pub enum Attempt {
    Delivered {
        status: Option<i64>,
    },
    /// `retry_at: None` when the schedule is spent: the delivery has failed for good.
    Failed {
        status: Option<i64>,
        error: Option<String>,
        retry_at: Option<i64>,
    },
}

impl Store {
    /// Adds an endpoint; `seal` turns its new id into the sealed secret (bound to the row).
    pub fn add_webhook_endpoint(
        &self,
        url: &str,
        event_types: Option<String>,
        seal: impl FnOnce(i64) -> Vec<u8> + Send + 'static,
    ) -> AppResult<i64> {
        let url = url.to_string();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO webhook_endpoints (url, secret, event_types, created_at) VALUES (?1, x'', ?2, ?3)",
                params![url, event_types, now_ms()],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "UPDATE webhook_endpoints SET secret = ?2 WHERE id = ?1",
                params![id, seal(id)],
            )?;
            Ok(id)
        })
    }

    pub fn remove_webhook_endpoint(&self, id: i64) -> AppResult<()> {
        self.write(move |tx| {
            if tx.execute("DELETE FROM webhook_endpoints WHERE id = ?1", [id])? == 0 {
                return Err(AppError::not_found(format!("no webhook endpoint {id}")));
            }
            Ok(())
        })
    }

    pub fn webhook_endpoints(&self) -> AppResult<Vec<Endpoint>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT e.id, e.url, e.event_types, e.created_at,
                   (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'delivered'),
                   (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending'),
                   (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed')
                 FROM webhook_endpoints e ORDER BY e.id",
            )?;
            let rows = st
                .query_map([], |r| {
                    let f: Option<String> = r.get(2)?;
                    Ok(Endpoint {
                        id: r.get(0)?,
                        url: r.get(1)?,
                        event_types: f.and_then(|f| serde_json::from_str(&f).ok()),
                        created_at: r.get(3)?,
                        delivered: r.get(4)?,
                        pending: r.get(5)?,
                        failed: r.get(6)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Queues one message for every enabled endpoint whose filter wants `event_type`.
    pub fn queue_webhook_deliveries(
        &self,
        msg_id: &str,
        event_type: &str,
        envelope: &str,
    ) -> AppResult<()> {
        let (msg_id, event_type, envelope) = (
            msg_id.to_string(),
            event_type.to_string(),
            envelope.to_string(),
        );
        self.write(move |tx| {
            let mut st = tx.prepare("SELECT id, event_types FROM webhook_endpoints WHERE disabled_at IS NULL")?;
            let endpoints: Vec<(i64, Option<String>)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            for (id, filter) in endpoints {
                let wanted = filter
                    .and_then(|f| serde_json::from_str::<Vec<String>>(&f).ok())
                    .is_none_or(|f| f.iter().any(|e| e == &event_type || (e.ends_with('*') && event_type.starts_with(e.trim_end_matches('*')))));
                if wanted {
                    tx.execute(
                        "INSERT INTO webhook_deliveries (endpoint_id, msg_id, event_type, payload, next_attempt_at, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                        params![id, msg_id, event_type, envelope, now_ms()],
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Pending deliveries due by `now`, oldest first.
    pub fn due_webhook_deliveries(&self, now: i64, limit: i64) -> AppResult<Vec<DueDelivery>> {
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT d.id, e.id, e.url, d.msg_id, d.payload, d.attempts, e.secret FROM webhook_deliveries d
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id
                 WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND e.disabled_at IS NULL
                 ORDER BY d.id LIMIT ?2",
            )?;
            let rows = st
                .query_map(params![now, limit], |r| {
                    Ok(DueDelivery {
                        id: r.get(0)?,
                        endpoint: r.get(1)?,
                        url: r.get(2)?,
                        msg_id: r.get(3)?,
                        payload: r.get(4)?,
                        attempts: r.get(5)?,
                        sealed_secret: r.get(6)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Records the `attempts`-th attempt of a delivery.
    pub fn record_webhook_attempt(
        &self,
        id: i64,
        attempts: i64,
        outcome: Attempt,
        now: i64,
    ) -> AppResult<()> {
        self.write(move |tx| {
            match outcome {
                Attempt::Delivered { status } => tx.execute(
                    "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?2, last_status = ?3, last_error = NULL, delivered_at = ?4 WHERE id = ?1",
                    params![id, attempts, status, now],
                )?,
                Attempt::Failed { status, error, retry_at } => {
                    let (st, at) = match retry_at {
                        Some(at) => ("pending", at),
                        None => ("failed", now),
                    };
                    tx.execute(
                        "UPDATE webhook_deliveries SET status = ?2, attempts = ?3, last_status = ?4, last_error = ?5, next_attempt_at = ?6 WHERE id = ?1",
                        params![id, st, attempts, status, error, at],
                    )?
                }
            };
            Ok(())
        })
    }

    /// When the next pending delivery is due, if any.
    pub fn next_webhook_attempt(&self) -> AppResult<Option<i64>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id
                 WHERE d.status = 'pending' AND e.disabled_at IS NULL",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// A delivery's record, for the QA inspector and tests.
    pub fn webhook_delivery(&self, msg_id: &str) -> AppResult<Option<Value>> {
        let m = msg_id.to_string();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT event_type, status, attempts, last_status, last_error, next_attempt_at FROM webhook_deliveries WHERE msg_id = ?1",
                [m],
                |r| {
                    Ok(json!({"event_type": r.get::<_, String>(0)?, "status": r.get::<_, String>(1)?, "attempts": r.get::<_, i64>(2)?,
                        "last_status": r.get::<_, Option<i64>>(3)?, "last_error": r.get::<_, Option<String>>(4)?, "next_attempt_at": r.get::<_, i64>(5)?}))
                },
            )
            .optional()?)
        })
    }
}
