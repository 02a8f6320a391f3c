//! Study records: consents to the agreement; and what spans every table (the danger zone).
use rusqlite::params;

use super::Store;
use crate::error::AppResult;
use crate::study::Consent;

impl Store {
    pub fn add_consent(&self, user_id: &str, version: &str, at: i64, via: &str) -> AppResult<()> {
        let (u, v, w) = (user_id.to_string(), version.to_string(), via.to_string());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO consents (user_id, version, accepted_at, via) VALUES (?1, ?2, ?3, ?4)",
                params![u, v, at, w],
            )?;
            Ok(())
        })
    }

    /// Consents of one user (or everyone's), oldest first.
    pub fn consents(&self, user_id: Option<&str>) -> AppResult<Vec<Consent>> {
        let u = user_id.map(str::to_string);
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT user_id, version, accepted_at, via FROM consents WHERE ?1 IS NULL OR user_id = ?1 ORDER BY accepted_at",
            )?;
            let rows = st
                .query_map([u], |r| Ok(Consent { user_id: r.get(0)?, version: r.get(1)?, accepted_at: r.get(2)?, via: r.get(3)? }))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// The metrics any of these users has samples of, sorted.
    pub fn metrics_of(&self, user_ids: &[String]) -> AppResult<Vec<String>> {
        let ids = user_ids.to_vec();
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT DISTINCT metric FROM series se WHERE user_id = ?1
                   AND EXISTS (SELECT 1 FROM series_samples WHERE series_id = se.id) ORDER BY metric",
            )?;
            let mut out: Vec<String> = vec![];
            for id in &ids {
                for m in st.query_map([id], |r| r.get::<_, String>(0))? {
                    let m = m?;
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
            out.sort();
            Ok(out)
        })
    }

    /// Deletes every participant, reading, token, webhook, consent and event, then rewrites the
    /// file so nothing stays in free pages or the WAL. Settings are kept.
    pub fn delete_all_data(&self) -> AppResult<()> {
        self.write(|tx| {
            for t in [
                "webhook_deliveries",
                "webhook_endpoints",
                "consents",
                "events",
                "series_samples",
                "series",
                "summaries",
                "raw_records",
                "sync_cursors",
                "connection_tokens",
                "connections",
                "link_tokens",
                "users",
            ] {
                tx.execute(&format!("DELETE FROM {t}"), [])?;
            }
            Ok(())
        })?;
        self.compact()
    }

    pub fn sqlite_version(&self) -> AppResult<String> {
        self.read(|c| Ok(c.query_row("SELECT sqlite_version()", [], |r| r.get(0))?))
    }
}
