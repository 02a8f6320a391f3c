//! Timeseries samples in the compact schema (migration 0008): one `series` row per user ×
//! metric × provider holds the text, and each sample is (series, ts) with small integers
//! beside its value. Reads walk one series' contiguous, time-ordered rows per provider.
use std::collections::HashMap;

use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

use super::readings::{Page, PageChanges, PageOutcome};
use super::Store;
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize)]
pub struct StoredSample {
    pub provider: String,
    pub ts: i64,
    pub end_ts: Option<i64>,
    pub value: f64,
    pub unit: String,
    pub tz_offset: Option<i64>,
    pub source_type: Option<String>,
}

/// A sample in the compact schema's terms: ids in place of the texts.
pub(crate) struct CompactSample<I> {
    pub series: I,
    pub ts: i64,
    /// end - ts (ms), when the sample has an end.
    pub dur: Option<i64>,
    pub value: f64,
    pub tz_offset: Option<i64>,
    /// The sample's unit when it is not its series' unit.
    pub unit: Option<I>,
    pub source: Option<I>,
}

/// How a store finds (or adds) the ids the compact schema keys by.
pub(crate) trait CompactIds<I, E> {
    /// The id of a unit or source-type text, added the first time it is seen.
    fn label(&mut self, text: &str) -> Result<I, E>;
    /// (series id, the series' unit id) of the page's metric, created with this unit if new.
    fn series(&mut self, metric: &str, unit: I) -> Result<(I, I), E>;
}

/// `key`'s id from `cache`, else from `find` (then kept).
fn cached<'p, T: Copy, E>(
    cache: &mut HashMap<&'p str, T>,
    key: &'p str,
    find: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, E> {
    if let Some(v) = cache.get(key) {
        return Ok(*v);
    }
    let v = find(key)?;
    cache.insert(key, v);
    Ok(v)
}

/// A page's samples in compact form, in page order; each distinct text and metric is looked up
/// once. Both stores write these: SQLite row by row, PostgreSQL as one multi-row upsert.
pub(crate) fn compact<I: Copy + PartialEq, E>(
    page: &Page,
    ids: &mut impl CompactIds<I, E>,
) -> Result<Vec<CompactSample<I>>, E> {
    let mut labels: HashMap<&str, I> = HashMap::new();
    let mut series: HashMap<&str, (I, I)> = HashMap::new();
    let mut out = Vec::with_capacity(page.samples.len());
    for s in &page.samples {
        let unit = cached(&mut labels, s.unit, |t| ids.label(t))?;
        let (sid, series_unit) = cached(&mut series, s.metric, |m| ids.series(m, unit))?;
        let source = match s.source_type.as_deref() {
            Some(t) => Some(cached(&mut labels, t, |t| ids.label(t))?),
            None => None,
        };
        out.push(CompactSample {
            series: sid,
            ts: s.ts,
            dur: s.end_ts.map(|e| e - s.ts),
            value: s.value,
            tz_offset: s.tz_offset,
            unit: (unit != series_unit).then_some(unit),
            source,
        });
    }
    Ok(out)
}

struct SqliteIds<'a> {
    tx: &'a Transaction<'a>,
    page: &'a Page,
}

impl CompactIds<i64, rusqlite::Error> for SqliteIds<'_> {
    fn label(&mut self, text: &str) -> rusqlite::Result<i64> {
        self.tx
            .prepare_cached("INSERT INTO labels (text) VALUES (?1) ON CONFLICT(text) DO NOTHING")?
            .execute([text])?;
        self.tx
            .prepare_cached("SELECT id FROM labels WHERE text = ?1")?
            .query_row([text], |r| r.get(0))
    }

    fn series(&mut self, metric: &str, unit: i64) -> rusqlite::Result<(i64, i64)> {
        let p = self.page;
        self.tx
            .prepare_cached(
                "INSERT INTO series (user_id, metric, provider, connection_id, unit_id) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(user_id, metric, provider) DO NOTHING",
            )?
            .execute(params![p.user_id, metric, p.provider, p.connection_id, unit])?;
        self.tx
            .prepare_cached(
                "SELECT id, unit_id FROM series WHERE user_id = ?1 AND metric = ?2 AND provider = ?3",
            )?
            .query_row(params![p.user_id, metric, p.provider], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
    }
}

/// Upserts the page's samples; an unchanged sample writes nothing and is not reported.
pub(super) fn write_samples(
    tx: &Transaction,
    page: &Page,
    out: &mut PageOutcome,
    changes: &mut PageChanges,
) -> AppResult<()> {
    if page.samples.is_empty() {
        return Ok(());
    }
    let rows = compact(page, &mut SqliteIds { tx, page })?;
    let mut st = tx.prepare_cached(
        "INSERT INTO series_samples (series_id, ts, dur, value, tz_offset, unit_id, source_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(series_id, ts) DO UPDATE SET dur = excluded.dur, value = excluded.value,
             tz_offset = excluded.tz_offset, unit_id = excluded.unit_id, source_id = excluded.source_id
         WHERE series_samples.value IS NOT excluded.value OR series_samples.dur IS NOT excluded.dur
             OR series_samples.source_id IS NOT excluded.source_id",
    )?;
    for (i, r) in rows.iter().enumerate() {
        let n = st.execute(params![
            r.series,
            r.ts,
            r.dur,
            r.value,
            r.tz_offset,
            r.unit,
            r.source
        ])?;
        if n > 0 {
            out.samples_written += n;
            changes.samples.push(i);
        }
    }
    Ok(())
}

/// Every label, by id (a few dozen rows: units and source types).
fn labels(c: &Connection) -> rusqlite::Result<HashMap<i64, String>> {
    c.prepare_cached("SELECT id, text FROM labels")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

struct SeriesRef {
    id: i64,
    provider: String,
    unit: i64,
}

fn series_of(
    c: &Connection,
    user_id: &str,
    metric: &str,
    provider: Option<&str>,
) -> rusqlite::Result<Vec<SeriesRef>> {
    c.prepare_cached(
        "SELECT id, provider, unit_id FROM series WHERE user_id = ?1 AND metric = ?2
           AND (?3 IS NULL OR provider = ?3) ORDER BY provider",
    )?
    .query_map(params![user_id, metric, provider], |r| {
        Ok(SeriesRef {
            id: r.get(0)?,
            provider: r.get(1)?,
            unit: r.get(2)?,
        })
    })?
    .collect()
}

/// One series' samples with `from_ms <= ts < to_ms`, in time order, at most `limit` (a page's
/// caller moves `from_ms` past its cursor).
fn series_rows(
    c: &Connection,
    s: &SeriesRef,
    labels: &HashMap<i64, String>,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
    out: &mut Vec<StoredSample>,
) -> AppResult<()> {
    let mut st = c.prepare_cached(
        "SELECT ts, dur, value, tz_offset, unit_id, source_id FROM series_samples
         WHERE series_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts LIMIT ?4",
    )?;
    let mut rows = st.query(params![s.id, from_ms, to_ms, limit])?;
    let text = |id: i64| labels.get(&id).cloned().unwrap_or_default();
    while let Some(r) = rows.next()? {
        let ts: i64 = r.get(0)?;
        out.push(StoredSample {
            provider: s.provider.clone(),
            ts,
            end_ts: r.get::<_, Option<i64>>(1)?.map(|d| ts + d),
            value: r.get(2)?,
            tz_offset: r.get(3)?,
            unit: text(r.get::<_, Option<i64>>(4)?.unwrap_or(s.unit)),
            source_type: r.get::<_, Option<i64>>(5)?.map(text),
        });
    }
    Ok(())
}

/// Samples with `from_ms <= ts < to_ms`, ordered by time then provider.
pub(super) fn query_samples(
    c: &Connection,
    user_id: &str,
    metric: &str,
    from_ms: i64,
    to_ms: i64,
    provider: Option<&str>,
) -> AppResult<Vec<StoredSample>> {
    let labels = labels(c)?;
    let mut out = vec![];
    for s in series_of(c, user_id, metric, provider)? {
        series_rows(c, &s, &labels, from_ms, to_ms, i64::MAX, &mut out)?;
    }
    sort_by_time(&mut out);
    Ok(out)
}

/// Where a page of `provider`'s series starts: a series sorting after the cursor's provider
/// resumes at the cursor's time, the others just after it.
pub(crate) fn resume_at(from_ms: i64, after: Option<&(String, i64)>, provider: &str) -> i64 {
    match after {
        None => from_ms,
        Some((p, at)) if provider > p.as_str() => from_ms.max(*at),
        Some((_, at)) => from_ms.max(at.saturating_add(1)),
    }
}

/// Each series is already in time order, and series come in provider order: a stable sort of
/// the concatenated runs is a merge.
pub(crate) fn sort_by_time(rows: &mut [StoredSample]) {
    rows.sort_by(|a, b| a.ts.cmp(&b.ts).then_with(|| a.provider.cmp(&b.provider)));
}

impl Store {
    /// Samples with `from_ms <= ts < to_ms`, ordered by time then provider.
    pub fn samples(
        &self,
        user_id: &str,
        metric: &str,
        from_ms: i64,
        to_ms: i64,
        provider: Option<&str>,
    ) -> AppResult<Vec<StoredSample>> {
        let args = (
            user_id.to_string(),
            metric.to_string(),
            provider.map(str::to_string),
        );
        self.read(move |c| query_samples(c, &args.0, &args.1, from_ms, to_ms, args.2.as_deref()))
    }

    /// One page of samples ordered by (ts, provider), strictly after `after` (provider, ts).
    #[allow(clippy::too_many_arguments)]
    pub fn samples_page(
        &self,
        user_id: &str,
        metric: &str,
        from_ms: i64,
        to_ms: i64,
        provider: Option<&str>,
        after: Option<(String, i64)>,
        limit: i64,
    ) -> AppResult<Vec<StoredSample>> {
        let args = (
            user_id.to_string(),
            metric.to_string(),
            provider.map(str::to_string),
        );
        self.read(move |c| {
            let labels = labels(c)?;
            let mut out = vec![];
            for s in series_of(c, &args.0, &args.1, args.2.as_deref())? {
                let from = resume_at(from_ms, after.as_ref(), &s.provider);
                series_rows(c, &s, &labels, from, to_ms, limit, &mut out)?;
            }
            sort_by_time(&mut out);
            out.truncate(usize::try_from(limit).unwrap_or(0));
            Ok(out)
        })
    }

    /// The samples of (user, metric, provider) at exactly these timestamps.
    pub fn samples_at(
        &self,
        user_id: &str,
        metric: &str,
        provider: &str,
        ts: Vec<i64>,
    ) -> AppResult<Vec<StoredSample>> {
        let (u, m, p) = (
            user_id.to_string(),
            metric.to_string(),
            provider.to_string(),
        );
        self.read(move |c| {
            let (Some(lo), Some(hi)) = (ts.iter().min().copied(), ts.iter().max().copied()) else {
                return Ok(vec![]);
            };
            let wanted: std::collections::HashSet<i64> = ts.into_iter().collect();
            let rows = query_samples(c, &u, &m, lo, hi + 1, Some(&p))?;
            Ok(rows
                .into_iter()
                .filter(|s| wanted.contains(&s.ts))
                .collect())
        })
    }
}

/// How many samples of `metric` a user has.
pub(super) fn count(c: &Connection, user_id: &str, metric: &str) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT COUNT(*) FROM series_samples WHERE series_id IN
             (SELECT id FROM series WHERE user_id = ?1 AND metric = ?2)",
        params![user_id, metric],
        |r| r.get(0),
    )
}
