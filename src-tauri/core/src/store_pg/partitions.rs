//! Monthly range partitions of `samples`: made before the first batch that reaches a month (a
//! backfill reaches years back), and for the coming months at start, so the everyday batch
//! never waits on DDL.
use chrono::{Datelike, TimeZone, Utc};

use super::{PgStore, SCHEMA_LOCK};
use crate::error::AppResult;

/// Months ahead of the current one created at start.
const AHEAD: i64 = 2;

/// Months since 1970-01 of an epoch-ms instant (UTC).
pub(super) fn month_of(ts_ms: i64) -> i64 {
    let t = Utc
        .timestamp_millis_opt(ts_ms)
        .single()
        .unwrap_or_else(Utc::now);
    (t.year() as i64 - 1970) * 12 + t.month0() as i64
}

/// `[start, end)` of a month in epoch ms, and its partition's name.
fn bounds(month: i64) -> (i64, i64, String) {
    let at = |m: i64| {
        Utc.with_ymd_and_hms(
            (1970 + m.div_euclid(12)) as i32,
            m.rem_euclid(12) as u32 + 1,
            1,
            0,
            0,
            0,
        )
        .single()
        .expect("the first of a month exists")
        .timestamp_millis()
    };
    let name = format!(
        "samples_{:04}_{:02}",
        1970 + month.div_euclid(12),
        month.rem_euclid(12) + 1
    );
    (at(month), at(month + 1), name)
}

impl PgStore {
    pub(super) fn create_ahead(&self) -> AppResult<()> {
        let now = month_of(Utc::now().timestamp_millis());
        self.ensure_months((now..=now + AHEAD).collect())
    }

    /// Makes sure each month has its partition; those already known are skipped without a
    /// round trip.
    pub(super) fn ensure_months(&self, months: Vec<i64>) -> AppResult<()> {
        let missing: Vec<i64> = {
            let known = self.months.lock().expect("partition cache");
            let mut m: Vec<i64> = months.into_iter().filter(|m| !known.contains(m)).collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        if missing.is_empty() {
            return Ok(());
        }
        self.with(|c| {
            let mut tx = c.transaction()?;
            // Two servers creating the same month: the second waits, then finds it.
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
            for m in &missing {
                let (from, to, name) = bounds(*m);
                tx.batch_execute(&format!(
                    "CREATE TABLE IF NOT EXISTS {name} PARTITION OF samples FOR VALUES FROM ({from}) TO ({to})"
                ))?;
            }
            tx.commit()
        })?;
        self.months.lock().expect("partition cache").extend(missing);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_cover_time_without_gaps() {
        let t = Utc
            .with_ymd_and_hms(2026, 12, 31, 23, 59, 59)
            .unwrap()
            .timestamp_millis();
        let m = month_of(t);
        let (from, to, name) = bounds(m);
        assert_eq!(name, "samples_2026_12");
        assert!(from <= t && t < to);
        assert_eq!(
            bounds(m + 1).0,
            to,
            "the next month starts where this one ends"
        );
        assert_eq!(bounds(m + 1).2, "samples_2027_01");
        assert_eq!(month_of(to), m + 1);
        assert_eq!(bounds(month_of(0)).2, "samples_1970_01");
    }
}
