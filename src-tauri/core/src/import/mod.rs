//! Imports of files no provider API delivers (docs/imports.md): the Health app's export and
//! FIT activity files.
//!
//! A file is read as a stream and written in bounded batches, each one `Page` through
//! `store::readings::write_page` in one transaction, into the participant's `apple_health_kit`
//! connection (the push kind: received, never synced). The store's keys make it idempotent:
//! samples by (series, ts), summaries by (connection, resource, provider record id), so the
//! same file imported twice stores nothing new, and a process killed mid-import loses only the
//! batch in flight, which the next run writes.
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::model::{Sample, SummaryDoc};
use crate::store::readings::Page;

pub mod apple_health;
pub mod fit;
pub mod sleep;
pub mod units;

/// Readings per transaction: large enough that SQLite's per-commit cost vanishes, small enough
/// that a batch is a few MB.
pub const DEFAULT_BATCH: usize = 5_000;

/// Skipped records whose reason is kept word for word in the report (the rest are counted).
const EXAMPLES: usize = 20;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub batch: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            batch: DEFAULT_BATCH,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct KindCount {
    /// New or changed in the store.
    pub added: u64,
    /// Already stored exactly so.
    pub unchanged: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub file: PathBuf,
    pub format: &'static str,
    /// Vital provider slugs the readings were stored under (`apple_health_kit`; a FIT file's
    /// manufacturer).
    pub providers: BTreeSet<String>,
    /// `Record`, `Workout` and `ActivitySummary` elements read, or FIT files.
    pub records: u64,
    /// Per Vital resource or metric (`heartrate`, `sleep`, `workouts`, ...).
    pub kinds: BTreeMap<&'static str, KindCount>,
    /// Skipped records per reason: `malformed`, `implausible`, `not_imported`, `duplicate`.
    pub skipped: BTreeMap<&'static str, u64>,
    /// The first skipped records, each with its place in the file.
    pub skipped_examples: Vec<String>,
    /// Transactions committed.
    pub batches: u64,
}

impl ImportReport {
    pub fn added(&self) -> u64 {
        self.kinds.values().map(|k| k.added).sum()
    }
}

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
    app: &'a App,
    pub(crate) user_id: String,
    provider: String,
    connection_id: i64,
    batch: usize,
    samples: Vec<Sample>,
    summaries: Vec<SummaryDoc>,
    sleep: Vec<sleep::Segment>,
    report: ImportReport,
    /// The record being read: its number and byte offset in the (unzipped) XML.
    at: (u64, u64),
}

impl Sink<'_> {
    /// Readings from here on belong to `provider`'s connection (created when new).
    fn use_provider(&mut self, provider: &str) -> AppResult<()> {
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

    fn skip_file(&mut self, file: &Path, why: String) {
        *self.report.skipped.entry("malformed").or_default() += 1;
        if self.report.skipped_examples.len() < EXAMPLES {
            self.report
                .skipped_examples
                .push(format!("{}: {why}", file.display()));
        }
    }

    /// Writes the pending readings in one transaction.
    fn flush(&mut self) -> AppResult<()> {
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
        if self.summaries.len() >= self.batch / 10 {
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
            Ok(k) => format!("the {n} records before it were imported ({k} readings new) and stay stored; importing the file again completes it without duplicates"),
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

/// What a file is, from its first bytes (names lie: `export (1).zip`, `export.xml.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Zip,
    Xml,
    Fit,
}

fn sniff(path: &Path) -> AppResult<Format> {
    let mut head = [0u8; 16];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| unreadable(path, e))?;
    let head = &head[..n];
    if head.starts_with(b"PK\x03\x04") {
        Ok(Format::Zip)
    } else if n >= 12 && &head[8..12] == b".FIT" {
        Ok(Format::Fit)
    } else if head
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
        == Some(&b'<')
    {
        Ok(Format::Xml)
    } else {
        Err(AppError::new(
            "invalid_import_file",
            format!(
                "{}: neither an Apple Health export (export.zip or export.xml) nor a FIT file: give the file the Health app's \"Export All Health Data\" wrote, or a device's .fit activity",
                path.display()
            ),
        ))
    }
}

fn unreadable(path: &Path, e: std::io::Error) -> AppError {
    AppError::new(
        "unreadable_file",
        format!("{}: cannot be read: {e}", path.display()),
    )
}

impl App {
    /// Imports `path` for `user` (its user_id or client_user_id): an Apple Health export
    /// (`export.zip`, `export.xml`, or the folder holding it), a FIT activity file, or a folder
    /// of FIT files.
    pub fn import_file(
        &self,
        user: &str,
        path: &Path,
        options: &ImportOptions,
    ) -> AppResult<ImportReport> {
        let u = self.store.resolve_user(user)?;
        let mut sink = Sink {
            app: self,
            user_id: u.user_id.clone(),
            provider: String::new(),
            connection_id: 0,
            batch: options.batch.max(10),
            samples: Vec::with_capacity(options.batch.max(10)),
            summaries: vec![],
            sleep: vec![],
            report: ImportReport {
                file: path.to_path_buf(),
                ..Default::default()
            },
            at: (0, 0),
        };
        if path.is_dir() {
            let inner = path.join("export.xml");
            if inner.is_file() {
                self.import_apple(&inner, Format::Xml, &mut sink)?;
            } else {
                sink.report.format = "fit_folder";
                for f in fit_files(path)? {
                    import_fit(&f, false, &mut sink)?;
                }
            }
        } else {
            match sniff(path)? {
                Format::Fit => {
                    sink.report.format = "fit";
                    import_fit(path, true, &mut sink)?;
                }
                f => self.import_apple(path, f, &mut sink)?,
            }
        }
        sink.flush()?;
        self.forward_wake.notify_one();
        Ok(sink.report)
    }

    fn import_apple(&self, path: &Path, format: Format, sink: &mut Sink) -> AppResult<()> {
        sink.report.format = if format == Format::Zip {
            "apple_health_zip"
        } else {
            "apple_health_xml"
        };
        sink.use_provider(apple_health::PROVIDER)?;
        let file = File::open(path).map_err(|e| unreadable(path, e))?;
        match format {
            Format::Zip => read_zip(file, sink)?,
            _ => apple_health::read(BufReader::with_capacity(1 << 16, file), sink)?,
        }
        let segs = std::mem::take(&mut sink.sleep);
        for d in sleep::sessions(&sink.user_id, apple_health::PROVIDER, segs) {
            sink.summaries.push(d);
        }
        sink.flush()
    }
}

/// The `.fit` files directly in `dir`, in name order (so reports read the same every run).
fn fit_files(dir: &Path) -> AppResult<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("fit")))
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(AppError::new(
            "invalid_import_file",
            format!(
                "{}: holds neither an Apple Health export.xml nor .fit files",
                dir.display()
            ),
        ));
    }
    Ok(out)
}

/// One FIT file, written as its own batch. In a folder a bad file is skipped and counted; given
/// alone it is an error.
fn import_fit(path: &Path, alone: bool, sink: &mut Sink) -> AppResult<()> {
    sink.record(0);
    let read = std::fs::metadata(path)
        .map_err(|e| e.to_string())
        .and_then(|m| {
            if m.len() > fit::MAX_BYTES {
                Err(format!(
                    "{} bytes is larger than any activity file",
                    m.len()
                ))
            } else {
                std::fs::read(path).map_err(|e| e.to_string())
            }
        })
        .and_then(|bytes| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            fit::read(&sink.user_id, &name.unwrap_or_default(), &bytes)
        });
    match read {
        Ok(a) => {
            sink.use_provider(&a.provider)?;
            sink.samples.extend(a.samples);
            sink.summaries.push(a.workout);
            sink.flush()
        }
        Err(why) if alone => Err(AppError::new(
            "invalid_import_file",
            format!("{}: {why}", path.display()),
        )),
        Err(why) => {
            sink.skip_file(path, why);
            Ok(())
        }
    }
}

fn read_zip(file: File, sink: &mut Sink) -> AppResult<()> {
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        sink.fatal(format!(
            "the zip cannot be opened ({e}): it is probably truncated; copy or export it again"
        ))
    })?;
    // `apple_health_export/export.xml`; `export_cda.xml` beside it is the same data as CDA.
    let idx = (0..zip.len())
        .find(|i| {
            zip.name_for_index(*i)
                .and_then(|n| n.ok())
                .is_some_and(|n| n == "export.xml" || n.ends_with("/export.xml"))
        })
        .ok_or_else(|| {
            sink.fatal("the zip holds no export.xml: it is not an Apple Health export".into())
        })?;
    let entry = zip
        .by_index(idx)
        .map_err(|e| sink.fatal(format!("export.xml in the zip cannot be read ({e})")))?;
    apple_health::read(BufReader::with_capacity(1 << 16, entry), sink)
}
