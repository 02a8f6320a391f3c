//! The console's queries: which days hold data, per participant and per day.
use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::AppResult;

/// The first and last millisecond of a `YYYY-MM-DD` range (all time where a bound is unreadable).
fn day_bounds_ms(from: &str, to: &str) -> (i64, i64) {
    let from_ms = crate::model::parse_day(from)
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis())
        .unwrap_or(0);
    let to_ms = crate::model::parse_day(to)
        .map(|d| {
            d.and_hms_opt(23, 59, 59)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        })
        .unwrap_or(i64::MAX);
    (from_ms, to_ms)
}

impl Store {
    /// Per resource or metric, on how many (local) days of `from..=to` a user has data.
    pub fn days_with_data(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> AppResult<BTreeMap<String, i64>> {
        let (uid, f, t) = (user_id.to_string(), from.to_string(), to.to_string());
        let (from_ms, to_ms) = day_bounds_ms(from, to);
        self.read(move |c| {
            let mut out = BTreeMap::new();
            let mut st = c.prepare(
                "SELECT resource, COUNT(DISTINCT calendar_date) FROM summaries WHERE user_id = ?1 AND calendar_date BETWEEN ?2 AND ?3 GROUP BY resource",
            )?;
            for r in st.query_map(params![uid, f, t], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
                let (k, v) = r?;
                out.insert(k, v);
            }
            let mut st = c.prepare(
                "SELECT se.metric, COUNT(DISTINCT (s.ts + COALESCE(s.tz_offset, 0) * 1000) / 86400000) FROM series se
                 JOIN series_samples s ON s.series_id = se.id WHERE se.user_id = ?1 AND s.ts BETWEEN ?2 AND ?3 GROUP BY se.metric",
            )?;
            for r in st.query_map(params![uid, from_ms, to_ms], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
                let (k, v) = r?;
                out.insert(k, v);
            }
            Ok(out)
        })
    }

    /// Per day of `from..=to`: how many documents or samples of each resource a user has.
    pub fn coverage_days(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> AppResult<BTreeMap<String, BTreeMap<String, i64>>> {
        let (uid, f, t) = (user_id.to_string(), from.to_string(), to.to_string());
        let (from_ms, to_ms) = day_bounds_ms(from, to);
        self.read(move |c| {
            let mut days: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
            let mut st = c.prepare(
                "SELECT calendar_date, resource, COUNT(*) FROM summaries WHERE user_id = ?1 AND calendar_date BETWEEN ?2 AND ?3 GROUP BY calendar_date, resource",
            )?;
            for r in st.query_map(params![uid, f, t], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))? {
                let (d, res, n) = r?;
                days.entry(d).or_default().insert(res, n);
            }
            let mut st = c.prepare(
                "SELECT (s.ts + COALESCE(s.tz_offset, 0) * 1000) / 86400000 AS d, se.metric, COUNT(*) FROM series se
                 JOIN series_samples s ON s.series_id = se.id WHERE se.user_id = ?1 AND s.ts BETWEEN ?2 AND ?3 GROUP BY d, se.metric",
            )?;
            for r in st.query_map(params![uid, from_ms, to_ms], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))? {
                let (day, metric, n) = r?;
                let d = chrono::DateTime::from_timestamp(day * 86400, 0).map(|d| d.date_naive().to_string()).unwrap_or_default();
                days.entry(d).or_default().insert(metric, n);
            }
            Ok(days)
        })
    }

    /// When a connection's token was last refreshed (from the event log).
    pub fn last_refresh_at(&self, connection_id: i64) -> AppResult<Option<i64>> {
        self.read(move |db| {
            Ok(db
                .query_row(
                    "SELECT MAX(at) FROM events WHERE kind = 'token.refreshed' AND json_extract(detail, '$.connection_id') = ?1",
                    [connection_id],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .optional()?
                .flatten())
        })
    }
}
