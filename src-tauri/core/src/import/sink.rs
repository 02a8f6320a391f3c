//! Where the parsers hand what they read: the import's batching writer, or (tests, fuzzing)
//! memory.
use std::path::Path;

use super::{sleep, ImportReport, EXAMPLES};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::model::{Sample, SummaryDoc};
use crate::store::readings::Page;

/// Where a parser hands what it reads.
pub trait Readings {
    /// The participant the readings are for (summary ids derive from it).
    fn user_id(&self) -> &str;
    /// A record starts at `offset` in the file: the place later messages name.
    fn record(&mut self, offset: u64);
    fn skip(&mut self, reason: &'static str, why: String);
    fn sample(&mut self, s: Sample) -> AppResult<()>;
    fn summary(&mut self, d: SummaryDoc) -> AppResult<()>;
    fn sleep(&mut self, s: sleep::Segment);
    /// The error that ends the import, naming the place.
    fn fatal(&mut self, why: String) -> AppError;
}

/// Everything a parser read, kept in memory: for tests and the fuzz targets.
#[derive(Debug, Default)]
pub struct Collected {
    pub user_id: String,
    pub records: u64,
    pub samples: Vec<Sample>,
    pub summaries: Vec<SummaryDoc>,
    pub sleep: Vec<sleep::Segment>,
    pub skipped: Vec<(&'static str, String)>,
}

impl Readings for Collected {
    fn user_id(&self) -> &str {
        &self.user_id
    }
    fn record(&mut self, _: u64) {
        self.records += 1;
    }
    fn skip(&mut self, reason: &'static str, why: String) {
        self.skipped.push((reason, why));
    }
    fn sample(&mut self, s: Sample) -> AppResult<()> {
        self.samples.push(s);
        Ok(())
    }
    fn summary(&mut self, d: SummaryDoc) -> AppResult<()> {
        self.summaries.push(d);
        Ok(())
    }
    fn sleep(&mut self, s: sleep::Segment) {
        self.sleep.push(s);
    }
    fn fatal(&mut self, why: String) -> AppError {
        AppError::new("invalid_import_file", why)
    }
}

/// The import's `Readings`: writes them out a batch at a time.
pub(crate) struct Sink<'a> {
    pub(super) app: &'a App,
    pub(super) user_id: String,
    pub(super) provider: String,
    pub(super) connection_id: i64,
    pub(super) batch: usize,
    pub(super) samples: Vec<Sample>,
    pub(super) summaries: Vec<SummaryDoc>,
    pub(super) sleep: Vec<sleep::Segment>,
    pub(super) report: ImportReport,
    /// The record being read: its number and byte offset in the (unzipped) XML.
    pub(super) at: (u64, u64),
    pub(super) progress: Option<super::Progress>,
}

impl Sink<'_> {
    /// Readings from here on belong to `provider`'s connection (created when new).
    pub(super) fn use_provider(&mut self, provider: &str) -> AppResult<()> {
        if self.provider == provider {
            return Ok(());
        }
        self.flush()?;
        let (conn, _) = self.app.store.push_connection(&self.user_id, provider)?;
        self.provider = provider.to_string();
        self.connection_id = conn.id;
        self.report.providers.insert(provider.to_string());
        Ok(())
    }

    pub(super) fn skip_file(&mut self, file: &Path, why: String) {
        *self.report.skipped.entry("malformed").or_default() += 1;
        if self.report.skipped_examples.len() < EXAMPLES {
            self.report
                .skipped_examples
                .push(format!("{}: {why}", file.display()));
        }
    }

    /// Writes the pending readings in one transaction.
    pub(super) fn flush(&mut self) -> AppResult<()> {
        if self.samples.is_empty() && self.summaries.is_empty() {
            return Ok(());
        }
        let mut samples = std::mem::take(&mut self.samples);
        let dups = dedup(&mut samples);
        if dups > 0 {
            *self.report.skipped.entry("duplicate").or_default() += dups;
        }
        let page = Page {
            connection_id: self.connection_id,
            resource: "import".into(),
            user_id: self.user_id.clone(),
            provider: self.provider.clone(),
            raw: vec![],
            summaries: std::mem::take(&mut self.summaries),
            samples,
            cursor: None,
            daily: false,
            window: None,
        };
        let (page, changes) = self.app.store.write(move |tx| {
            crate::store::readings::write_page(tx, &page).map(|(_, c)| (page, c))
        })?;
        self.report.batches += 1;
        let mut changed = vec![false; page.samples.len()];
        for i in changes.samples {
            changed[i] = true;
        }
        for (s, c) in page.samples.iter().zip(changed) {
            count(&mut self.report, s.metric, c);
        }
        for d in &page.summaries {
            let c = changes.summaries.iter().any(|(id, ..)| *id == d.id);
            count(&mut self.report, d.resource, c);
        }
        if let Some(p) = &self.progress {
            p(&self.report);
        }
        Ok(())
    }
}

impl Readings for Sink<'_> {
    fn user_id(&self) -> &str {
        &self.user_id
    }

    fn record(&mut self, offset: u64) {
        self.report.records += 1;
        self.at = (self.report.records, offset);
    }

    fn skip(&mut self, reason: &'static str, why: String) {
        *self.report.skipped.entry(reason).or_default() += 1;
        if reason != "not_imported" && self.report.skipped_examples.len() < EXAMPLES {
            let (n, off) = self.at;
            self.report
                .skipped_examples
                .push(format!("record {n} (byte {off}): {why}"));
        }
    }

    fn sample(&mut self, s: Sample) -> AppResult<()> {
        self.samples.push(s);
        if self.samples.len() >= self.batch {
            self.flush()?;
        }
        Ok(())
    }

    fn summary(&mut self, d: SummaryDoc) -> AppResult<()> {
        self.summaries.push(d);
        // A summary (a sleep with its hypnogram, a workout with its stream) weighs as much as
        // dozens of samples.
        if self.summaries.len() >= (self.batch / 50).max(1) {
            self.flush()?;
        }
        Ok(())
    }

    fn sleep(&mut self, s: sleep::Segment) {
        self.sleep.push(s);
    }

    /// A fatal error naming the file and the place, after writing what was read before it.
    fn fatal(&mut self, why: String) -> AppError {
        let kept = self.flush().map(|_| self.report.added());
        let (n, off) = self.at;
        let file = self.report.file.display();
        let kept = match kept {
            Ok(_) if n == 0 => "nothing was imported".to_string(),
            Ok(k) => format!("what the {n} records before it hold stays stored ({k} new readings); copy or export the file again and import it: nothing is stored twice"),
            Err(e) => format!("and the last batch could not be stored: {e}"),
        };
        AppError::new(
            "invalid_import_file",
            if n == 0 {
                format!("{file}: {why}; {kept}")
            } else {
                format!("{file}: after record {n} (byte {off}): {why}; {kept}")
            },
        )
    }
}

fn count(r: &mut ImportReport, kind: &'static str, changed: bool) {
    let k = r.kinds.entry(kind).or_default();
    if changed {
        k.added += 1;
    } else {
        k.unchanged += 1;
    }
}

/// Keeps one sample per (metric, start): the store keys samples so, and two writes to one key
/// in a batch would each count as a change. The watch's reading wins over the phone's, then
/// the larger value, so the choice does not depend on the order of the file.
fn dedup(samples: &mut Vec<Sample>) -> u64 {
    let rank = |s: &Sample| match s.source_type.as_deref() {
        Some("watch") => 0,
        Some("phone") => 1,
        _ => 2,
    };
    samples.sort_by(|a, b| {
        (a.metric, a.ts, rank(a))
            .cmp(&(b.metric, b.ts, rank(b)))
            .then(b.value.total_cmp(&a.value))
    });
    let before = samples.len();
    samples.dedup_by(|later, first| later.metric == first.metric && later.ts == first.ts);
    (before - samples.len()) as u64
}
