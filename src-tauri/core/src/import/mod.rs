//! Imports of files no provider API delivers (docs/imports.md): the Health app's export and
//! FIT activity files.
//!
//! A file is read as a stream and written in bounded batches, each one `Page` through
//! `store::readings::write_page` in one transaction, into the participant's connection of the
//! provider (`apple_health_kit`, or a FIT file's manufacturer; the push kind: received, never
//! synced). The store's keys make it idempotent:
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

pub mod apple_health;
pub mod fit;
mod sink;
pub mod sleep;
pub mod units;

use sink::Sink;
pub use sink::{Collected, Readings};

/// Readings per transaction: large enough that SQLite's per-commit cost vanishes, small enough
/// that a batch is a few MB.
pub const DEFAULT_BATCH: usize = 5_000;

/// Skipped records whose reason is kept word for word in the report (the rest are counted).
pub(crate) const EXAMPLES: usize = 20;

/// Told the report so far after every committed batch (a face's progress bar).
pub type Progress = std::sync::Arc<dyn Fn(&ImportReport) + Send + Sync>;

#[derive(Clone)]
pub struct ImportOptions {
    pub batch: usize,
    pub progress: Option<Progress>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            batch: DEFAULT_BATCH,
            progress: None,
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
            progress: options.progress.clone(),
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
        let user_id = sink.user_id.clone();
        sleep::each_session(&user_id, apple_health::PROVIDER, segs, |d| sink.summary(d))?;
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
