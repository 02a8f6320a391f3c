//! The event/audit log: connections, syncs, errors, consent. Never holds a secret.
use rusqlite::params;
use serde::Serialize;

use super::{now_ms, Store};
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Event {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub user_id: Option<String>,
    pub provider: Option<String>,
    pub detail: serde_json::Value,
}

impl Store {
    pub fn log_event(
        &self,
        kind: &str,
        user_id: Option<&str>,
        provider: Option<&str>,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        let (k, u, p) = (
            kind.to_string(),
            user_id.map(str::to_string),
            provider.map(str::to_string),
        );
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO events (at, kind, user_id, provider, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![now_ms(), k, u, p, detail.to_string()],
            )?;
            Ok(())
        })
    }

    pub fn events(&self, limit: i64) -> AppResult<Vec<Event>> {
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT id, at, kind, user_id, provider, detail FROM events ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = st
                .query_map([limit], |r| {
                    let d: String = r.get(5)?;
                    Ok(Event {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        kind: r.get(2)?,
                        user_id: r.get(3)?,
                        provider: r.get(4)?,
                        detail: serde_json::from_str(&d).unwrap_or_default(),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }
}
