//! Export for analysis: CSV (one tidy file per resource, with a data dictionary), JSON in
//! Vital's shapes, and Parquet for pandas/R/Arrow. Raw provider payloads on request. No token,
//! code or secret is ever written: exports read only readings, raw payloads and the event log.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::shapes::Range;
use crate::store::users::User;

pub mod columns;
mod writers;

use columns::{Cell, Column, COMMON, SAMPLES};
use writers::{CsvTable, ParquetTable, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
    Parquet,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: Format,
    pub out: PathBuf,
    /// client_user_ids or user_ids; empty means everyone.
    pub participants: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub raw: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportedFile {
    pub path: PathBuf,
    pub rows: usize,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportReport {
    pub dir: PathBuf,
    pub format: Format,
    pub participants: usize,
    pub files: Vec<ExportedFile>,
}

fn refuse_a_folder_in_use(out: &Path) -> AppResult<()> {
    // A folder that cannot be listed (or a file in its place) is left to the write below,
    // which says what is wrong with it.
    if std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(AppError::bad_request(
            "export_folder_not_empty",
            format!(
                "{} already holds files (an earlier export?); nothing was written: choose a new or empty folder",
                out.display()
            ),
        ));
    }
    Ok(())
}

fn io(p: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::storage(format!("cannot write {}: {e}", p.display()))
}

impl App {
    /// Writes the export into `opts.out` (created if needed; an existing folder must be empty,
    /// so an earlier export is never overwritten). `progress(done, total, what)` is called as
    /// each participant × resource is done.
    pub fn export(
        &self,
        opts: &ExportOptions,
        progress: &dyn Fn(usize, usize, &str),
    ) -> AppResult<ExportReport> {
        refuse_a_folder_in_use(&opts.out)?;
        std::fs::create_dir_all(&opts.out).map_err(|e| io(&opts.out, e))?;
        let users = self.export_users(&opts.participants)?;
        let today = self.clock.now().date_naive();
        let range = crate::shapes::parse_range(
            opts.from.as_deref().unwrap_or("0001-01-01"),
            Some(opts.to.as_deref().unwrap_or(&today.to_string())),
            today,
        )?;
        let metrics = self.export_metrics(&users)?;
        let total =
            users.len() * (crate::resources::stored_summaries().count() + metrics.len()) + 1;
        let mut files = vec![];
        match opts.format {
            Format::Json => {
                self.export_json(opts, &users, range, &metrics, progress, total, &mut files)?
            }
            Format::Csv | Format::Parquet => {
                self.export_tables(opts, &users, range, &metrics, progress, total, &mut files)?
            }
        }
        if opts.raw {
            files.extend(self.export_raw(&opts.out, &users, range)?);
        }
        files.push(self.export_events(opts, &users)?);
        files.extend(self.export_participants(&opts.out, &users)?);
        files.push(write_dictionary(&opts.out, &metrics)?);
        progress(total, total, "done");
        let report = ExportReport {
            dir: opts.out.clone(),
            format: opts.format,
            participants: users.len(),
            files,
        };
        let manifest = json!({
            "generated_at": crate::model::iso_utc_ms(crate::store::now_ms()),
            "app_version": env!("CARGO_PKG_VERSION"),
            "format": opts.format, "from": range.from_day.to_string(), "to": range.to_day.to_string(),
            "participants": users.iter().map(|u| &u.client_user_id).collect::<Vec<_>>(),
            "files": report.files.iter().map(|f| json!({"path": f.path.strip_prefix(&opts.out).unwrap_or(&f.path), "rows": f.rows})).collect::<Vec<_>>(),
        });
        let mpath = opts.out.join("manifest.json");
        std::fs::write(&mpath, serde_json::to_vec_pretty(&manifest)?).map_err(|e| io(&mpath, e))?;
        let event = json!({"format": opts.format, "participants": users.len(), "files": report.files.len(), "raw": opts.raw});
        if self.store.is_read_only() {
            // The export is what a full disk must not stop; only its audit entry cannot be kept.
            tracing::warn!(
                "export not recorded in the event log (data directory not writable): {event}"
            );
        } else {
            self.store.log_event("export.created", None, None, event)?;
        }
        Ok(report)
    }

    fn export_users(&self, wanted: &[String]) -> AppResult<Vec<User>> {
        if wanted.is_empty() {
            return Ok(self.store.list_users(0, i64::MAX)?.0);
        }
        wanted.iter().map(|w| self.store.resolve_user(w)).collect()
    }

    fn export_metrics(&self, users: &[User]) -> AppResult<Vec<String>> {
        let ids: Vec<String> = users.iter().map(|u| u.user_id.clone()).collect();
        self.store.metrics_of(&ids)
    }

    #[allow(clippy::too_many_arguments)]
    fn export_tables(
        &self,
        opts: &ExportOptions,
        users: &[User],
        range: Range,
        metrics: &[String],
        progress: &dyn Fn(usize, usize, &str),
        total: usize,
        files: &mut Vec<ExportedFile>,
    ) -> AppResult<()> {
        let ext = if opts.format == Format::Csv {
            "csv"
        } else {
            "parquet"
        };
        let open = |name: &str, cols: &[Column]| -> AppResult<(PathBuf, Box<dyn Table>)> {
            let path = opts.out.join(format!("{name}.{ext}"));
            let all: Vec<Column> = COMMON.iter().chain(cols).copied().collect();
            let t: Box<dyn Table> = match opts.format {
                Format::Csv => Box::new(CsvTable::create(&path, &all)?),
                _ => Box::new(ParquetTable::create(&path, &all)?),
            };
            Ok((path, t))
        };
        let mut done = 0;
        for resource in crate::resources::stored_summaries() {
            let cols = columns::summary_columns(resource).expect("listed above");
            let (path, mut table) = open(resource, cols)?;
            for u in users {
                let far = resource == "profile";
                let (from, to) = if far {
                    ("0001-01-01".to_string(), "9999-12-31".to_string())
                } else {
                    (range.from_day.to_string(), range.to_day.to_string())
                };
                for s in self
                    .store
                    .summaries(&u.user_id, resource, &from, &to, None)?
                {
                    let mut row = common(u, &s.provider);
                    row.extend(
                        cols.iter()
                            .map(|c| Cell::from_json(c.kind, s.data.pointer(c.pointer))),
                    );
                    table.write(row)?;
                }
                done += 1;
                progress(done, total, resource);
            }
            files.push(ExportedFile {
                path,
                rows: table.finish()?,
            });
        }
        for metric in metrics {
            let (path, mut table) = open(metric, SAMPLES)?;
            for u in users {
                for s in
                    self.store
                        .samples(&u.user_id, metric, range.from_ms, range.to_ms + 1, None)?
                {
                    let mut row = common(u, &s.provider);
                    row.extend([
                        Cell::Time(Some(s.ts)),
                        Cell::Time(s.end_ts),
                        Cell::Float(Some(s.value)),
                        Cell::Text(Some(s.unit.clone())),
                        Cell::Text(s.source_type.clone()),
                        Cell::Int(s.tz_offset),
                    ]);
                    table.write(row)?;
                }
                done += 1;
                progress(done, total, metric);
            }
            files.push(ExportedFile {
                path,
                rows: table.finish()?,
            });
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn export_json(
        &self,
        opts: &ExportOptions,
        users: &[User],
        range: Range,
        metrics: &[String],
        progress: &dyn Fn(usize, usize, &str),
        total: usize,
        files: &mut Vec<ExportedFile>,
    ) -> AppResult<()> {
        let mut done = 0;
        for u in users {
            let dir = opts.out.join(safe_name(&u.client_user_id));
            std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
            for resource in crate::resources::stored_summaries() {
                let r = if resource == "profile" {
                    crate::shapes::parse_range("0001-01-01", Some("9999-12-31"), range.to_day)?
                } else {
                    range
                };
                let v = crate::shapes::summaries(self, &u.user_id, resource, r, None)?;
                let rows = v[resource].as_array().map_or(0, Vec::len);
                files.push(write_json(&dir.join(format!("{resource}.json")), &v, rows)?);
                done += 1;
                progress(done, total, resource);
            }
            for metric in metrics {
                let v = crate::shapes::timeseries_grouped(self, &u.user_id, metric, range, None)?;
                let rows = v["groups"].as_object().map_or(0, |g| {
                    g.values()
                        .flat_map(|x| x.as_array().into_iter().flatten())
                        .map(|grp| grp["data"].as_array().map_or(0, Vec::len))
                        .sum()
                });
                files.push(write_json(&dir.join(format!("{metric}.json")), &v, rows)?);
                done += 1;
                progress(done, total, metric);
            }
        }
        Ok(())
    }

    fn export_raw(&self, out: &Path, users: &[User], range: Range) -> AppResult<Vec<ExportedFile>> {
        let dir = out.join("raw");
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let mut files = vec![];
        for resource in crate::resources::stored_summaries() {
            let path = dir.join(format!("{resource}.jsonl"));
            let mut f =
                std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| io(&path, e))?);
            let mut rows = 0;
            for u in users {
                let (from, to) = if resource == "profile" {
                    ("0001-01-01".to_string(), "9999-12-31".to_string())
                } else {
                    (range.from_day.to_string(), range.to_day.to_string())
                };
                for r in self.store.raw_records(&u.user_id, resource, &from, &to)? {
                    let line = json!({"participant_id": u.client_user_id, "user_id": u.user_id, "provider": r.provider, "collection": r.collection, "record_key": r.record_key, "day": r.day, "payload": serde_json::from_str::<Value>(&r.payload).unwrap_or(Value::Null)});
                    writeln!(f, "{line}").map_err(|e| io(&path, e))?;
                    rows += 1;
                }
            }
            f.flush().map_err(|e| io(&path, e))?;
            files.push(ExportedFile { path, rows });
        }
        Ok(files)
    }

    fn export_events(&self, opts: &ExportOptions, users: &[User]) -> AppResult<ExportedFile> {
        let ids: std::collections::HashMap<&str, &str> = users
            .iter()
            .map(|u| (u.user_id.as_str(), u.client_user_id.as_str()))
            .collect();
        let events: Vec<_> = self
            .store
            .events(i64::MAX)?
            .into_iter()
            .rev()
            .filter(|e| {
                opts.participants.is_empty()
                    || e.user_id.as_deref().is_some_and(|u| ids.contains_key(u))
            })
            .collect();
        let path = opts.out.join("events.csv");
        let mut w = csv::Writer::from_path(&path).map_err(|e| io(&path, e))?;
        w.write_record(["at", "kind", "participant_id", "provider", "detail"])
            .map_err(|e| io(&path, e))?;
        for e in &events {
            let who = e
                .user_id
                .as_deref()
                .and_then(|u| ids.get(u).copied())
                .unwrap_or("");
            w.write_record([
                crate::model::iso_utc_ms(e.at),
                e.kind.clone(),
                who.to_string(),
                e.provider.clone().unwrap_or_default(),
                e.detail.to_string(),
            ])
            .map_err(|x| io(&path, x))?;
        }
        w.flush().map_err(|e| io(&path, e))?;
        Ok(ExportedFile {
            path,
            rows: events.len(),
        })
    }
}

impl App {
    /// participants.csv (id, cohort, notes, enrolled) and consents.csv (who accepted which
    /// agreement version, when, where).
    fn export_participants(&self, out: &Path, users: &[User]) -> AppResult<Vec<ExportedFile>> {
        let path = out.join("participants.csv");
        let mut w = csv::Writer::from_path(&path).map_err(|e| io(&path, e))?;
        w.write_record(["participant_id", "user_id", "cohort", "notes", "created_at"])
            .map_err(|e| io(&path, e))?;
        for u in users {
            w.write_record([
                u.client_user_id.clone(),
                u.user_id.clone(),
                u.cohort.clone().unwrap_or_default(),
                u.notes.clone().unwrap_or_default(),
                crate::model::iso_utc_ms(u.created_at),
            ])
            .map_err(|e| io(&path, e))?;
        }
        w.flush().map_err(|e| io(&path, e))?;
        let cpath = out.join("consents.csv");
        let mut c = csv::Writer::from_path(&cpath).map_err(|e| io(&cpath, e))?;
        c.write_record(["participant_id", "agreement_version", "accepted_at", "via"])
            .map_err(|e| io(&cpath, e))?;
        let mut n = 0;
        for u in users {
            for k in self.consents(Some(&u.user_id))? {
                c.write_record([
                    u.client_user_id.clone(),
                    k.version,
                    crate::model::iso_utc_ms(k.accepted_at),
                    k.via,
                ])
                .map_err(|e| io(&cpath, e))?;
                n += 1;
            }
        }
        c.flush().map_err(|e| io(&cpath, e))?;
        Ok(vec![
            ExportedFile {
                path,
                rows: users.len(),
            },
            ExportedFile {
                path: cpath,
                rows: n,
            },
        ])
    }
}

fn common(u: &User, provider: &str) -> Vec<Cell> {
    vec![
        Cell::Text(Some(u.client_user_id.clone())),
        Cell::Text(Some(u.user_id.clone())),
        Cell::Text(Some(provider.to_string())),
    ]
}

/// A participant id as a directory name: anything but letters, digits, `-`, `_` and `.` becomes `_`.
fn safe_name(s: &str) -> String {
    let n: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if n.is_empty() || n.starts_with('.') {
        format!("_{n}")
    } else {
        n
    }
}

fn write_json(path: &Path, v: &Value, rows: usize) -> AppResult<ExportedFile> {
    use std::io::Write;
    let file = std::fs::File::create(path).map_err(|e| io(path, e))?;
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, v).map_err(|e| io(path, e))?;
    w.flush().map_err(|e| io(path, e))?;
    Ok(ExportedFile {
        path: path.to_path_buf(),
        rows,
    })
}

fn write_dictionary(out: &Path, metrics: &[String]) -> AppResult<ExportedFile> {
    let path = out.join("data_dictionary.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| io(&path, e))?;
    w.write_record(["file", "column", "type", "unit", "description"])
        .map_err(|e| io(&path, e))?;
    let mut rows = 0;
    let mut put = |file: &str, c: &Column| -> AppResult<()> {
        w.write_record([file, c.name, c.kind.name(), c.unit, c.description])
            .map_err(|e| io(&path, e))?;
        rows += 1;
        Ok(())
    };
    for r in crate::resources::stored_summaries() {
        for c in COMMON
            .iter()
            .chain(columns::summary_columns(r).expect("listed"))
        {
            put(r, c)?;
        }
    }
    for m in metrics {
        for c in COMMON.iter().chain(SAMPLES) {
            put(m, c)?;
        }
    }
    for (name, desc) in [
        ("at", "when it happened (UTC)"),
        ("kind", "event type"),
        ("participant_id", "the participant, if any"),
        ("provider", "the provider, if any"),
        ("detail", "JSON details (never secrets)"),
    ] {
        w.write_record(["events", name, "string", "", desc])
            .map_err(|e| io(&path, e))?;
        rows += 1;
    }
    for (file, name, desc) in [
        (
            "participants",
            "participant_id",
            "the participant's id (client_user_id)",
        ),
        ("participants", "user_id", "the app's user id"),
        ("participants", "cohort", "study cohort, if set"),
        ("participants", "notes", "researcher notes, if any"),
        (
            "participants",
            "created_at",
            "when the participant was enrolled (UTC)",
        ),
        ("consents", "participant_id", "the participant who accepted"),
        (
            "consents",
            "agreement_version",
            "version of the agreement text accepted",
        ),
        ("consents", "accepted_at", "when it was accepted (UTC)"),
        (
            "consents",
            "via",
            "where it was accepted (window, link page, enrol mode)",
        ),
    ] {
        w.write_record([file, name, "string", "", desc])
            .map_err(|e| io(&path, e))?;
        rows += 1;
    }
    w.flush().map_err(|e| io(&path, e))?;
    Ok(ExportedFile { path, rows })
}
