//! Summaries and samples on PostgreSQL: a received batch in one transaction (whole or not at
//! all), samples as one multi-row upsert per batch, reads in the SQLite store's order.
use std::collections::HashMap;

use postgres::Transaction;

use super::partitions::month_of;
use super::PgStore;
use crate::error::AppResult;
use crate::storage::Readings;
use crate::store::pack::{pack, unpack_json};
use crate::store::readings::{apart, Page, PageOutcome, StoredRaw, StoredSummary};
use crate::store::samples::{compact, resume_at, sort_by_time, CompactIds, StoredSample};

struct PgIds<'a, 't> {
    tx: &'a mut Transaction<'t>,
    page: &'a Page,
}

impl CompactIds<i32, postgres::Error> for PgIds<'_, '_> {
    fn label(&mut self, text: &str) -> Result<i32, postgres::Error> {
        self.tx.execute(
            "INSERT INTO labels (text) VALUES ($1) ON CONFLICT (text) DO NOTHING",
            &[&text],
        )?;
        Ok(self
            .tx
            .query_one("SELECT id FROM labels WHERE text = $1", &[&text])?
            .get(0))
    }

    fn series(&mut self, metric: &str, unit: i32) -> Result<(i32, i32), postgres::Error> {
        let p = self.page;
        self.tx.execute(
            "INSERT INTO series (user_id, metric, provider, connection_id, unit_id) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (user_id, metric, provider) DO NOTHING",
            &[&p.user_id, &metric, &p.provider, &p.connection_id, &unit],
        )?;
        let r = self.tx.query_one(
            "SELECT id, unit_id FROM series WHERE user_id = $1 AND metric = $2 AND provider = $3",
            &[&p.user_id, &metric, &p.provider],
        )?;
        Ok((r.get(0), r.get(1)))
    }
}

fn write_summaries(tx: &mut Transaction, page: &Page) -> Result<usize, postgres::Error> {
    let now = crate::store::now_ms();
    let st = tx.prepare(
        "INSERT INTO summaries (id, user_id, connection_id, provider, resource, provider_record_id,
             calendar_date, start_at, end_at, data, created_at, updated_at, stream)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
         ON CONFLICT (connection_id, resource, provider_record_id) DO UPDATE SET
             calendar_date = excluded.calendar_date, start_at = excluded.start_at,
             end_at = excluded.end_at, data = excluded.data, updated_at = excluded.updated_at,
             stream = excluded.stream
         WHERE summaries.data IS DISTINCT FROM excluded.data
            OR summaries.stream IS DISTINCT FROM excluded.stream",
    )?;
    let mut written = 0;
    for s in &page.summaries {
        let (data, stream) = apart(s);
        let doc = pack(&serde_json::to_string(&data).expect("a JSON value serialises"));
        let stream = stream.map(|v| pack(&v.to_string()));
        written += tx.execute(
            &st,
            &[
                &s.id,
                &page.user_id,
                &page.connection_id,
                &page.provider,
                &s.resource,
                &s.provider_record_id,
                &s.calendar_date,
                &s.start_at,
                &s.end_at,
                &doc,
                &now,
                &stream,
            ],
        )? as usize;
    }
    Ok(written)
}

/// Column arrays of one batch's samples, the last of two at the same (series, ts) winning, as
/// it would writing them one by one.
#[derive(Default)]
struct Columns {
    series: Vec<i32>,
    ts: Vec<i64>,
    dur: Vec<Option<i64>>,
    value: Vec<f64>,
    tz: Vec<Option<i32>>,
    unit: Vec<Option<i32>>,
    source: Vec<Option<i32>>,
}

fn write_samples(tx: &mut Transaction, page: &Page) -> Result<usize, postgres::Error> {
    if page.samples.is_empty() {
        return Ok(0);
    }
    let rows = compact(page, &mut PgIds { tx, page })?;
    let mut at: HashMap<(i32, i64), usize> = HashMap::new();
    let mut cols = Columns::default();
    for r in rows {
        let tz = r.tz_offset.and_then(|o| i32::try_from(o).ok());
        match at.get(&(r.series, r.ts)) {
            Some(&i) => {
                (
                    cols.dur[i],
                    cols.value[i],
                    cols.tz[i],
                    cols.unit[i],
                    cols.source[i],
                ) = (r.dur, r.value, tz, r.unit, r.source);
            }
            None => {
                at.insert((r.series, r.ts), cols.ts.len());
                cols.series.push(r.series);
                cols.ts.push(r.ts);
                cols.dur.push(r.dur);
                cols.value.push(r.value);
                cols.tz.push(tz);
                cols.unit.push(r.unit);
                cols.source.push(r.source);
            }
        }
    }
    let n = tx.execute(
        "INSERT INTO samples (series_id, ts, dur, value, tz_offset, unit_id, source_id)
         SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bigint[], $4::double precision[],
                              $5::integer[], $6::integer[], $7::integer[])
         ON CONFLICT (series_id, ts) DO UPDATE SET dur = excluded.dur, value = excluded.value,
             tz_offset = excluded.tz_offset, unit_id = excluded.unit_id, source_id = excluded.source_id
         WHERE samples.value IS DISTINCT FROM excluded.value OR samples.dur IS DISTINCT FROM excluded.dur
            OR samples.source_id IS DISTINCT FROM excluded.source_id",
        &[&cols.series, &cols.ts, &cols.dur, &cols.value, &cols.tz, &cols.unit, &cols.source],
    )?;
    Ok(n as usize)
}

struct SeriesRef {
    id: i32,
    provider: String,
    unit: i32,
}

impl Readings for PgStore {
    fn write_received(&self, page: Page) -> AppResult<PageOutcome> {
        self.ensure_months(page.samples.iter().map(|s| month_of(s.ts)).collect())?;
        self.with(|c| {
            let mut tx = c.transaction()?;
            let summaries_written = write_summaries(&mut tx, &page)?;
            let samples_written = write_samples(&mut tx, &page)?;
            tx.commit()?;
            Ok(PageOutcome {
                summaries_written,
                samples_written,
            })
        })
    }

    fn summaries(
        &self,
        user_id: &str,
        resource: &str,
        from: &str,
        to: &str,
        provider: Option<&str>,
    ) -> AppResult<Vec<StoredSummary>> {
        self.with(|c| {
            // NULLS FIRST: SQLite's order for a document without a start.
            let rows = c.query(
                "SELECT provider, data, created_at, updated_at FROM summaries
                 WHERE user_id = $1 AND resource = $2 AND calendar_date BETWEEN $3 AND $4
                   AND ($5::text IS NULL OR provider = $5)
                 ORDER BY calendar_date, start_at NULLS FIRST",
                &[&user_id, &resource, &from, &to, &provider],
            )?;
            Ok(rows
                .iter()
                .map(|r| StoredSummary {
                    provider: r.get(0),
                    data: unpack_json(r.get(1)),
                    created_at: r.get(2),
                    updated_at: r.get(3),
                })
                .collect())
        })
    }

    fn summary_stream(&self, id: &str) -> AppResult<Option<(String, Option<serde_json::Value>)>> {
        self.with(|c| {
            let row = c.query_opt(
                "SELECT resource, stream FROM summaries WHERE id = $1",
                &[&id],
            )?;
            Ok(row.map(|r| {
                let s: Option<&[u8]> = r.get(1);
                (
                    r.get::<_, String>(0),
                    s.map(unpack_json).filter(|v| !v.is_null()),
                )
            }))
        })
    }

    fn samples(
        &self,
        user_id: &str,
        metric: &str,
        from_ms: i64,
        to_ms: i64,
        provider: Option<&str>,
    ) -> AppResult<Vec<StoredSample>> {
        self.read_series(user_id, metric, provider, |_| from_ms, to_ms, i64::MAX)
    }

    fn samples_page(
        &self,
        user_id: &str,
        metric: &str,
        from_ms: i64,
        to_ms: i64,
        provider: Option<&str>,
        after: Option<(String, i64)>,
        limit: i64,
    ) -> AppResult<Vec<StoredSample>> {
        let from = |p: &str| resume_at(from_ms, after.as_ref(), p);
        let mut out = self.read_series(user_id, metric, provider, from, to_ms, limit)?;
        out.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(out)
    }

    /// A study server receives Vital documents, not the providers' payloads: none to serve.
    fn raw_records(
        &self,
        _user_id: &str,
        _resource: &str,
        _from_day: &str,
        _to_day: &str,
    ) -> AppResult<Vec<StoredRaw>> {
        Ok(vec![])
    }
}

impl PgStore {
    /// Samples of (user, metric) from each series (in provider order) between `from(series)`
    /// and `to_ms`, at most `limit` a series, merged into (ts, provider) order.
    fn read_series(
        &self,
        user_id: &str,
        metric: &str,
        provider: Option<&str>,
        from: impl Fn(&str) -> i64 + Send + Sync,
        to_ms: i64,
        limit: i64,
    ) -> AppResult<Vec<StoredSample>> {
        self.with(|c| {
            let labels: HashMap<i32, String> = c
                .query("SELECT id, text FROM labels", &[])?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let series: Vec<SeriesRef> = c
                .query(
                    "SELECT id, provider, unit_id FROM series WHERE user_id = $1 AND metric = $2
                       AND ($3::text IS NULL OR provider = $3) ORDER BY provider",
                    &[&user_id, &metric, &provider],
                )?
                .iter()
                .map(|r| SeriesRef {
                    id: r.get(0),
                    provider: r.get(1),
                    unit: r.get(2),
                })
                .collect();
            let st = c.prepare(
                "SELECT ts, dur, value, tz_offset, unit_id, source_id FROM samples
                 WHERE series_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT $4",
            )?;
            let text = |id: i32| labels.get(&id).cloned().unwrap_or_default();
            let mut out = vec![];
            for s in &series {
                for r in c.query(&st, &[&s.id, &from(&s.provider), &to_ms, &limit])? {
                    let ts: i64 = r.get(0);
                    out.push(StoredSample {
                        provider: s.provider.clone(),
                        ts,
                        end_ts: r.get::<_, Option<i64>>(1).map(|d| ts + d),
                        value: r.get(2),
                        tz_offset: r.get::<_, Option<i32>>(3).map(i64::from),
                        unit: text(r.get::<_, Option<i32>>(4).unwrap_or(s.unit)),
                        source_type: r.get::<_, Option<i32>>(5).map(text),
                    });
                }
            }
            sort_by_time(&mut out);
            Ok(out)
        })
    }
}
