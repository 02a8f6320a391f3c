//! Raw provider payloads, Vital summaries and timeseries samples, written one provider page
//! per transaction.
use rusqlite::{params, Transaction};
use serde::Serialize;

use super::connections::{put_cursor, Cursor};
use super::pack::{pack, unpack_json, unpack_row};
pub use super::samples::StoredSample;
use super::{now_ms, Store};
use crate::error::AppResult;
use crate::model::{RawRecord, Sample, SummaryDoc};

/// Everything one provider page produced. It lands in one transaction or not at all.
#[derive(Debug, Default)]
pub struct Page {
    pub connection_id: i64,
    /// The Vital resource this page was fetched for (`sleep`, `activity`, ...).
    pub resource: String,
    pub user_id: String,
    pub provider: String,
    pub raw: Vec<RawRecord>,
    pub summaries: Vec<SummaryDoc>,
    pub samples: Vec<Sample>,
    pub cursor: Option<Cursor>,
    /// New data of recent days (incremental), as opposed to backfill: the forward stage.
    pub daily: bool,
    /// The days the page was fetched for (`YYYY-MM-DD`, inclusive), when known.
    pub window: Option<(String, String)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PageOutcome {
    /// Summaries inserted or changed.
    pub summaries_written: usize,
    /// Samples inserted or changed.
    pub samples_written: usize,
}

impl std::ops::AddAssign for PageOutcome {
    fn add_assign(&mut self, o: Self) {
        self.summaries_written += o.summaries_written;
        self.samples_written += o.samples_written;
    }
}

/// What a page changed, for webhooks: summaries as (id, resource, newly created), and the
/// indexes of the page's samples that were new or changed.
#[derive(Debug, Default)]
pub struct PageChanges {
    pub summaries: Vec<(String, &'static str, bool)>,
    pub samples: Vec<usize>,
}

/// A summary's document without its stream, and the stream: streams are stored apart from the
/// document (see migration 0003) and served by their own route.
pub(crate) fn apart(s: &SummaryDoc) -> (serde_json::Value, Option<serde_json::Value>) {
    let mut data = s.data.clone();
    let stream = data.as_object_mut().and_then(|m| {
        let st = m.remove("sleep_stream").filter(|v| !v.is_null());
        let wk = m.remove("workout_stream").filter(|v| !v.is_null());
        st.or(wk)
    });
    (data, stream)
}

pub fn write_page(tx: &Transaction, page: &Page) -> AppResult<(PageOutcome, PageChanges)> {
    let now = now_ms();
    let mut out = PageOutcome::default();
    let mut changes = PageChanges::default();
    {
        let mut raw = tx.prepare_cached(
            "INSERT INTO raw_records (connection_id, resource, record_key, day, payload, fetched_at, vital_resource)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(connection_id, resource, record_key) DO UPDATE SET day = excluded.day,
                 payload = excluded.payload, fetched_at = excluded.fetched_at, vital_resource = excluded.vital_resource
             WHERE raw_records.payload IS NOT excluded.payload",
        )?;
        for r in &page.raw {
            raw.execute(params![
                page.connection_id,
                r.resource,
                r.record_key,
                r.day,
                pack(&r.payload),
                now,
                page.resource
            ])?;
        }
    }
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO summaries (id, user_id, connection_id, provider, resource, provider_record_id,
                 calendar_date, start_at, end_at, data, created_at, updated_at, stream)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)
             ON CONFLICT(connection_id, resource, provider_record_id) DO UPDATE SET
                 calendar_date = excluded.calendar_date, start_at = excluded.start_at,
                 end_at = excluded.end_at, data = excluded.data, updated_at = excluded.updated_at,
                 stream = excluded.stream
             WHERE summaries.data IS NOT excluded.data OR summaries.stream IS NOT excluded.stream
             RETURNING created_at = updated_at",
        )?;
        for s in &page.summaries {
            let (data, stream) = apart(s);
            let mut rows = st.query(params![
                s.id,
                page.user_id,
                page.connection_id,
                page.provider,
                s.resource,
                s.provider_record_id,
                s.calendar_date,
                s.start_at,
                s.end_at,
                pack(&serde_json::to_string(&data)?),
                now,
                stream.map(|v| pack(&v.to_string()))
            ])?;
            // A row comes back only when something was inserted or changed.
            if let Some(r) = rows.next()? {
                out.summaries_written += 1;
                changes
                    .summaries
                    .push((s.id.clone(), s.resource, r.get::<_, bool>(0)?));
            }
        }
    }
    super::samples::write_samples(tx, page, &mut out, &mut changes)?;
    if let Some(c) = &page.cursor {
        put_cursor(tx, page.connection_id, c)?;
    }
    super::outbox::enqueue_page(tx, page, &changes)?;
    Ok((out, changes))
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredSummary {
    pub provider: String,
    pub data: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A summary row as stored, for forwarding: the document, its stream and its identity.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub id: String,
    pub resource: String,
    pub provider: String,
    pub provider_record_id: String,
    pub calendar_date: String,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub data: serde_json::Value,
    pub stream: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredRaw {
    pub provider: String,
    /// The provider's own collection name (`daily_sleep`, `sleep`, ...).
    pub collection: String,
    pub record_key: String,
    pub day: Option<String>,
    pub payload: String,
    pub fetched_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceStat {
    pub provider: String,
    pub resource: String,
    pub count: i64,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// Counts of what is stored for a user, for status screens and tests.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Counts {
    pub sleep: i64,
    pub activity: i64,
    pub workouts: i64,
    pub heartrate: i64,
    pub hrv: i64,
    pub raw: i64,
}

impl Store {
    pub fn write_page(&self, page: Page) -> AppResult<PageOutcome> {
        self.write(move |tx| write_page(tx, &page)).map(|(o, _)| o)
    }

    /// Summaries whose `calendar_date` is within `[from, to]` (inclusive, `YYYY-MM-DD`).
    pub fn summaries(
        &self,
        user_id: &str,
        resource: &str,
        from: &str,
        to: &str,
        provider: Option<&str>,
    ) -> AppResult<Vec<StoredSummary>> {
        let args = (
            user_id.to_string(),
            resource.to_string(),
            from.to_string(),
            to.to_string(),
            provider.map(str::to_string),
        );
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT provider, data, created_at, updated_at FROM summaries
                 WHERE user_id = ?1 AND resource = ?2 AND calendar_date BETWEEN ?3 AND ?4
                   AND (?5 IS NULL OR provider = ?5)
                 ORDER BY calendar_date, start_at",
            )?;
            let rows = st
                .query_map(params![args.0, args.1, args.2, args.3, args.4], |r| {
                    Ok(StoredSummary {
                        provider: r.get(0)?,
                        data: unpack_json(&r.get::<_, Vec<u8>>(1)?),
                        created_at: r.get(2)?,
                        updated_at: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Summaries by id, as stored (missing ids are skipped).
    pub fn summary_rows(&self, ids: Vec<String>) -> AppResult<Vec<SummaryRow>> {
        use rusqlite::OptionalExtension;
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, resource, provider, provider_record_id, calendar_date, start_at, end_at, data, stream
                 FROM summaries WHERE id = ?1",
            )?;
            let mut out = Vec::with_capacity(ids.len());
            for id in &ids {
                let row = st
                    .query_row([id], |r| {
                        let stream: Option<Vec<u8>> = r.get(8)?;
                        Ok(SummaryRow {
                            id: r.get(0)?,
                            resource: r.get(1)?,
                            provider: r.get(2)?,
                            provider_record_id: r.get(3)?,
                            calendar_date: r.get(4)?,
                            start_at: r.get(5)?,
                            end_at: r.get(6)?,
                            data: unpack_json(&r.get::<_, Vec<u8>>(7)?),
                            stream: stream.map(|s| unpack_json(&s)).filter(|v| !v.is_null()),
                        })
                    })
                    .optional()?;
                out.extend(row);
            }
            Ok(out)
        })
    }

    /// The stream stored beside a summary (sleep stream, workout stream).
    pub fn summary_stream(
        &self,
        id: &str,
    ) -> AppResult<Option<(String, Option<serde_json::Value>)>> {
        use rusqlite::OptionalExtension;
        let id = id.to_string();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT resource, stream FROM summaries WHERE id = ?1",
                [id],
                |r| {
                    let s: Option<Vec<u8>> = r.get(1)?;
                    Ok((
                        r.get::<_, String>(0)?,
                        s.map(|s| unpack_json(&s)).filter(|v| !v.is_null()),
                    ))
                },
            )
            .optional()?)
        })
    }

    /// A summary by its Vital id.
    pub fn summary_by_id(&self, id: &str) -> AppResult<Option<(String, StoredSummary)>> {
        use rusqlite::OptionalExtension;
        let id = id.to_string();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT resource, provider, data, created_at, updated_at FROM summaries WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        StoredSummary {
                            provider: r.get(1)?,
                            data: unpack_json(&r.get::<_, Vec<u8>>(2)?),
                            created_at: r.get(3)?,
                            updated_at: r.get(4)?,
                        },
                    ))
                },
            )
            .optional()?)
        })
    }

    /// Per provider and resource: how many readings, and the first and last day stored.
    pub fn resource_stats(&self, user_id: &str) -> AppResult<Vec<ResourceStat>> {
        let u = user_id.to_string();
        self.read(move |c| {
            let mut out = vec![];
            let mut st = c.prepare(
                "SELECT provider, resource, COUNT(*), MIN(calendar_date), MAX(calendar_date) FROM summaries
                 WHERE user_id = ?1 GROUP BY provider, resource",
            )?;
            for r in st.query_map([&u], |r| {
                Ok(ResourceStat { provider: r.get(0)?, resource: r.get(1)?, count: r.get(2)?, first: r.get(3)?, last: r.get(4)? })
            })? {
                out.push(r?);
            }
            let mut st = c.prepare(
                "SELECT se.provider, se.metric, COUNT(*), MIN(s.ts), MAX(s.ts) FROM series se
                 JOIN series_samples s ON s.series_id = se.id WHERE se.user_id = ?1 GROUP BY se.id",
            )?;
            for r in st.query_map([&u], |r| {
                let (a, b): (i64, i64) = (r.get(3)?, r.get(4)?);
                Ok(ResourceStat {
                    provider: r.get(0)?,
                    resource: r.get(1)?,
                    count: r.get(2)?,
                    first: Some(crate::model::iso_utc_ms(a)),
                    last: Some(crate::model::iso_utc_ms(b)),
                })
            })? {
                out.push(r?);
            }
            Ok(out)
        })
    }

    pub fn raw_records(
        &self,
        user_id: &str,
        resource: &str,
        from_day: &str,
        to_day: &str,
    ) -> AppResult<Vec<StoredRaw>> {
        let args = (
            user_id.to_string(),
            resource.to_string(),
            from_day.to_string(),
            to_day.to_string(),
        );
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT c.provider, r.record_key, r.day, r.payload, r.fetched_at, r.resource
                 FROM raw_records r JOIN connections c ON c.id = r.connection_id
                 WHERE c.user_id = ?1 AND r.vital_resource = ?2 AND r.day BETWEEN ?3 AND ?4
                 ORDER BY r.day, r.record_key",
            )?;
            let rows = st
                .query_map(params![args.0, args.1, args.2, args.3], |r| {
                    Ok(StoredRaw {
                        provider: r.get(0)?,
                        record_key: r.get(1)?,
                        day: r.get(2)?,
                        payload: unpack_row(&r.get::<_, Vec<u8>>(3)?)?,
                        fetched_at: r.get(4)?,
                        collection: r.get(5)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    pub fn counts(&self, user_id: &str) -> AppResult<Counts> {
        let u = user_id.to_string();
        self.read(move |c| {
            let summary = |r: &str| -> rusqlite::Result<i64> {
                c.query_row(
                    "SELECT COUNT(*) FROM summaries WHERE user_id = ?1 AND resource = ?2",
                    params![u, r],
                    |row| row.get(0),
                )
            };
            let sample = |m: &str| super::samples::count(c, &u, m);
            Ok(Counts {
                sleep: summary("sleep")?,
                activity: summary("activity")?,
                workouts: summary("workouts")?,
                heartrate: sample("heartrate")?,
                hrv: sample("hrv")?,
                raw: c.query_row(
                    "SELECT COUNT(*) FROM raw_records r JOIN connections c ON c.id = r.connection_id WHERE c.user_id = ?1",
                    [&u],
                    |row| row.get(0),
                )?,
            })
        })
    }
}
