//! Running a study: importing participants, the agreement they accept (text and version set
//! per study), and the record of each acceptance.
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::store::now_ms;

pub const DEFAULT_AGREEMENT_VERSION: &str = "1";
pub const DEFAULT_AGREEMENT: &str = "Vital Link Desktop will connect to your wearable account and store a copy of your sleep, activity, workouts and heart-rate data on this computer for the study. You sign in on your provider's own page; this app never sees your password. You can disconnect at any time.";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Agreement {
    pub version: String,
    pub text: String,
}

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    pub added: Vec<String>,
    pub already_present: Vec<String>,
    /// (line number, what is wrong)
    pub errors: Vec<(usize, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Add,
    AlreadyPresent,
    Skip,
}

/// One data line of a participants CSV and what importing it does.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportRow {
    /// The line the row starts on (the header is line 1).
    pub line: usize,
    pub participant_id: String,
    pub notes: Option<String>,
    pub cohort: Option<String>,
    pub action: ImportAction,
    /// Why the row is skipped.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPlan {
    pub rows: Vec<ImportRow>,
    pub to_add: usize,
    pub already_present: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consent {
    pub user_id: String,
    pub version: String,
    pub accepted_at: i64,
    pub via: String,
}

impl App {
    pub fn agreement(&self) -> AppResult<Agreement> {
        Ok(Agreement {
            version: self
                .store
                .setting("agreement_version")?
                .unwrap_or_else(|| DEFAULT_AGREEMENT_VERSION.into()),
            text: self
                .store
                .setting("agreement_text")?
                .unwrap_or_else(|| DEFAULT_AGREEMENT.into()),
        })
    }

    pub fn set_agreement(&self, a: &Agreement) -> AppResult<()> {
        if a.version.trim().is_empty() || a.text.trim().is_empty() {
            return Err(AppError::bad_request(
                "invalid_agreement",
                "the agreement needs a version and a text",
            ));
        }
        self.store
            .set_setting("agreement_version", a.version.trim())?;
        self.store.set_setting("agreement_text", a.text.trim())?;
        self.store.log_event(
            "study.agreement.changed",
            None,
            None,
            json!({"version": a.version.trim()}),
        )?;
        Ok(())
    }

    /// Records that the user accepted the current agreement (the version they were shown).
    pub fn record_consent(&self, user_id: &str, version: &str, via: &str) -> AppResult<Consent> {
        let current = self.agreement()?;
        if version != current.version {
            return Err(AppError::bad_request(
                "agreement_outdated",
                format!("the agreement changed (version {} is current, {version} was shown); reload and read it again", current.version),
            ));
        }
        let c = Consent {
            user_id: user_id.to_string(),
            version: version.to_string(),
            accepted_at: now_ms(),
            via: via.to_string(),
        };
        self.store
            .add_consent(&c.user_id, &c.version, c.accepted_at, &c.via)?;
        self.store.log_event(
            "consent.accepted",
            Some(user_id),
            None,
            json!({"version": version, "via": via}),
        )?;
        Ok(c)
    }

    pub fn consents(&self, user_id: Option<&str>) -> AppResult<Vec<Consent>> {
        self.store.consents(user_id)
    }

    /// What importing this CSV would do, row by row, without writing anything: the preview the
    /// window shows and `users import --dry-run` prints.
    pub fn plan_participant_import(&self, csv_text: &str) -> AppResult<ImportPlan> {
        let parsed = parse_participants(csv_text)?;
        let mut rows = Vec::with_capacity(parsed.len());
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for mut r in parsed {
            if r.action == ImportAction::Add {
                if let Some(first) = seen.get(&r.participant_id) {
                    r.action = ImportAction::Skip;
                    r.problem = Some(format!(
                        "participant {} is already on line {first} of this file",
                        r.participant_id
                    ));
                } else {
                    seen.insert(r.participant_id.clone(), r.line);
                    match self.store.user_by_client_id(&r.participant_id) {
                        Ok(_) => r.action = ImportAction::AlreadyPresent,
                        Err(e) if e.code == "user_not_found" => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            rows.push(r);
        }
        let count = |a: ImportAction| rows.iter().filter(|r| r.action == a).count();
        Ok(ImportPlan {
            to_add: count(ImportAction::Add),
            already_present: count(ImportAction::AlreadyPresent),
            skipped: count(ImportAction::Skip),
            rows,
        })
    }

    /// Imports participants from CSV: a header with `participant_id` (or `client_user_id`) and
    /// optional `notes` and `cohort`. Existing participants are left as they are; bad lines are
    /// reported with their line number and nothing of them is stored. A quote left open refuses
    /// the whole file: where its rows end can only be guessed.
    pub fn import_participants(&self, csv_text: &str) -> AppResult<ImportReport> {
        let plan = self.plan_participant_import(csv_text)?;
        let mut report = ImportReport::default();
        for r in plan.rows {
            match r.action {
                ImportAction::AlreadyPresent => report.already_present.push(r.participant_id),
                ImportAction::Skip => report.errors.push((r.line, r.problem.unwrap_or_default())),
                ImportAction::Add => {
                    let new = crate::users::NewUser {
                        client_user_id: r.participant_id.clone(),
                        notes: r.notes,
                        cohort: r.cohort,
                        ..Default::default()
                    };
                    match self.create_user(new) {
                        Ok(_) => report.added.push(r.participant_id),
                        Err(e) if e.code == "duplicate_user" => {
                            report.already_present.push(r.participant_id)
                        }
                        Err(e) => report.errors.push((r.line, e.message)),
                    }
                }
            }
        }
        self.store.log_event(
            "participants.imported",
            None,
            None,
            json!({"added": report.added.len(), "already_present": report.already_present.len(), "errors": report.errors.len()}),
        )?;
        Ok(report)
    }
}

fn invalid_csv(message: String) -> AppError {
    AppError::bad_request("invalid_csv", message)
}

/// The data rows of a participants CSV, checked one by one; the file as a whole is refused
/// (`invalid_csv`) when its header lacks an id column or a quote is left open.
fn parse_participants(csv_text: &str) -> AppResult<Vec<ImportRow>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| invalid_csv(format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    if headers.iter().any(|h| h.contains('\n')) {
        return Err(invalid_csv(
            "the header line opens a quote that is never closed: fix the quote and import again (nothing was imported)".into(),
        ));
    }
    let idx = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let id_col =
        idx(&["participant_id", "client_user_id", "participant", "id"]).ok_or_else(|| {
            invalid_csv("the CSV needs a participant_id column (optional: notes, cohort)".into())
        })?;
    let (notes_col, cohort_col) = (idx(&["notes", "note"]), idx(&["cohort", "group", "arm"]));
    let mut rows = vec![];
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                rows.push(skip(line, String::new(), format!("unreadable line: {e}")));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        // A field holding a line break is almost always a quote left open: every line after
        // it, to the next quote or the end of the file, was read into that one field.
        if let Some(f) = rec.iter().find(|f| f.contains('\n') || f.contains('\r')) {
            let spans = f.lines().count();
            return Err(invalid_csv(format!(
                "line {line} opens a quote that runs over {spans} lines{}: close the quote (or remove it) and import again; nothing was imported",
                if rec.len() < headers.len() { ", to the end of the file" } else { "" }
            )));
        }
        let id = rec.get(id_col).unwrap_or("").to_string();
        if rec.len() > headers.len() {
            rows.push(skip(line, id, format!(
                "{} fields where the header has {}: an unquoted comma? Put the value in double quotes",
                rec.len(),
                headers.len()
            )));
            continue;
        }
        if id.is_empty() {
            rows.push(skip(line, id, "empty participant_id".into()));
            continue;
        }
        if let Err(e) = crate::store::users::validate_client_user_id(&id) {
            rows.push(skip(line, id, e.message));
            continue;
        }
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        rows.push(ImportRow {
            line,
            participant_id: id,
            notes: get(notes_col),
            cohort: get(cohort_col),
            action: ImportAction::Add,
            problem: None,
        });
    }
    Ok(rows)
}

fn skip(line: usize, participant_id: String, problem: String) -> ImportRow {
    ImportRow {
        line,
        participant_id,
        notes: None,
        cohort: None,
        action: ImportAction::Skip,
        problem: Some(problem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> AppResult<Vec<(usize, String, ImportAction)>> {
        Ok(parse_participants(text)?
            .into_iter()
            .map(|r| (r.line, r.participant_id, r.action))
            .collect())
    }

    #[test]
    fn an_unbalanced_quote_refuses_the_file_and_names_its_line() {
        let text = "participant_id,notes,cohort\nP-101,ok,A\nP-102,\"unterminated quote,B\nP-103,,A\nP-104,,B\n";
        let err = plan(text).unwrap_err();
        assert_eq!(err.code, "invalid_csv");
        assert!(err.message.contains("line 3"), "{}", err.message);
        assert!(
            err.message.contains("nothing was imported"),
            "{}",
            err.message
        );
    }

    #[test]
    fn too_many_fields_skips_the_row_and_later_lines_keep_their_numbers() {
        let text = "participant_id,notes\nP-1,a\nP-2,b,extra\n\"P-3\",\"two\nlines\"\n";
        // A quoted line break in a note is refused too: a stray quote looks exactly like it.
        assert!(plan(text).is_err());
        let text =
            "participant_id,notes\nP-1,a\nP-2,b,extra\n,c\nP-\u{202e}4\nP-5,\"quoted, comma\"\n";
        let rows = plan(text).unwrap();
        use ImportAction::*;
        assert_eq!(
            rows,
            vec![
                (2, "P-1".into(), Add),
                (3, "P-2".into(), Skip),
                (4, "".into(), Skip),
                (5, "P-\u{202e}4".into(), Skip),
                (6, "P-5".into(), Add),
            ]
        );
    }
}
