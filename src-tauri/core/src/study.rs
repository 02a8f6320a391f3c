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

    /// Imports participants from CSV: a header with `participant_id` (or `client_user_id`) and
    /// optional `notes` and `cohort`. Existing participants are left as they are; bad lines are
    /// reported with their line number and nothing of them is stored.
    pub fn import_participants(&self, csv_text: &str) -> AppResult<ImportReport> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(csv_text.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| {
                AppError::bad_request("invalid_csv", format!("cannot read the CSV header: {e}"))
            })?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        let idx = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let id_col =
            idx(&["participant_id", "client_user_id", "participant", "id"]).ok_or_else(|| {
                AppError::bad_request(
                    "invalid_csv",
                    "the CSV needs a participant_id column (optional: notes, cohort)",
                )
            })?;
        let (notes_col, cohort_col) = (idx(&["notes", "note"]), idx(&["cohort", "group", "arm"]));
        let mut report = ImportReport::default();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    report.errors.push((line, format!("unreadable line: {e}")));
                    continue;
                }
            };
            let id = rec.get(id_col).unwrap_or("").to_string();
            if id.is_empty() {
                report.errors.push((line, "empty participant_id".into()));
                continue;
            }
            let get = |c: Option<usize>| {
                c.and_then(|c| rec.get(c))
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            match self.store.create_user(&id) {
                Ok(u) => {
                    self.store.set_participant_info(
                        &u.user_id,
                        get(notes_col).as_deref(),
                        get(cohort_col).as_deref(),
                    )?;
                    report.added.push(id);
                }
                Err(e) if e.code == "duplicate_user" => report.already_present.push(id),
                Err(e) => report.errors.push((line, e.message)),
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
