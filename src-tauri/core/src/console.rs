//! What the researcher's and QA engineer's console needs from the core, beyond the Vital API:
//! the participant table, the coverage heatmap, connection details, forced refreshes.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::states::ConnectionStatus;
use crate::store::connections::ConnectionRow;
use crate::store::readings::Counts;
use crate::store::users::User;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Participant {
    pub user_id: String,
    pub client_user_id: String,
    pub created_at: i64,
    pub notes: Option<String>,
    pub cohort: Option<String>,
    pub connections: Vec<ConnectionRow>,
    pub counts: Counts,
    /// Days with data per resource over the study window.
    pub days: BTreeMap<String, i64>,
    pub consent: Option<crate::study::Consent>,
}

/// One participant's row of the coverage heatmap: per day, what is there.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CoverageRow {
    pub user_id: String,
    pub client_user_id: String,
    /// day → {resource → count}
    pub days: BTreeMap<String, BTreeMap<String, i64>>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionDetails {
    pub connection: ConnectionRow,
    pub token_expires_at: Option<i64>,
    pub has_refresh_token: bool,
    pub access_token: String,
    pub scopes_granted: Vec<String>,
    pub scopes_requested: Vec<String>,
    pub last_refresh: Option<i64>,
    pub cursors: Vec<crate::store::connections::Cursor>,
}

/// What the window shows of the app itself (`app_info`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppInfo {
    pub version: String,
    /// `sandbox` or `production`.
    pub environment: String,
    /// `http://127.0.0.1:PORT`
    pub api_base: String,
    pub data_dir: std::path::PathBuf,
    pub history_days: u32,
    /// The core's today (YYYY-MM-DD): pinned in the sandbox demos and tests.
    pub today: String,
    /// Providers with a running sandbox fake (fault switches apply to these).
    pub sandbox_providers: Vec<&'static str>,
}

/// The Settings screen: everything it shows, secrets redacted.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsView {
    /// `sandbox` or `production`.
    pub environment: String,
    pub history_days: u32,
    pub data_dir: std::path::PathBuf,
    pub api_base: String,
    /// Redacted.
    pub api_key: String,
    pub webhooks: Vec<crate::webhooks::Endpoint>,
    pub forward: crate::forward::ForwardStatus,
    pub credentials: Vec<crate::credentials::CredentialView>,
    pub agreement: crate::study::Agreement,
    pub enrol_pin_set: bool,
    /// The command line an AI assistant launches for the MCP server on this data.
    pub mcp_command: String,
}

fn user_row(app: &App, u: User, from: &str, to: &str) -> AppResult<Participant> {
    let days = app.store.days_with_data(&u.user_id, from, to)?;
    Ok(Participant {
        connections: app.store.connections(Some(&u.user_id))?,
        counts: app.store.counts(&u.user_id)?,
        consent: app.consents(Some(&u.user_id))?.pop(),
        days,
        user_id: u.user_id,
        client_user_id: u.client_user_id,
        created_at: u.created_at,
        notes: u.notes,
        cohort: u.cohort,
    })
}

impl App {
    /// The participant table over a study window (`from`/`to` as YYYY-MM-DD; default the last
    /// history-depth days).
    pub fn participants(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> AppResult<Vec<Participant>> {
        let today = self.clock.now().date_naive();
        let to = to.map(str::to_string).unwrap_or_else(|| today.to_string());
        let from = from.map(str::to_string).unwrap_or_else(|| {
            (today - chrono::Duration::days(self.config.history_days as i64 - 1)).to_string()
        });
        let (users, _) = self.store.list_users(0, i64::MAX)?;
        users
            .into_iter()
            .map(|u| user_row(self, u, &from, &to))
            .collect()
    }

    pub fn coverage(&self, from: &str, to: &str) -> AppResult<Vec<CoverageRow>> {
        let (users, _) = self.store.list_users(0, i64::MAX)?;
        let mut rows = vec![];
        for u in users {
            let days = self.store.coverage_days(&u.user_id, from, to)?;
            rows.push(CoverageRow {
                user_id: u.user_id,
                client_user_id: u.client_user_id,
                days,
            });
        }
        Ok(rows)
    }

    /// The sync cursors as a person reads them. Sync windows reach into tomorrow (UTC) so that
    /// people east of UTC get their own today; that is not a day anyone has lived yet, so the
    /// newest day shown stops at this computer's today.
    fn shown_cursors(
        &self,
        connection_id: i64,
    ) -> AppResult<Vec<crate::store::connections::Cursor>> {
        let today = self
            .clock
            .now()
            .with_timezone(&chrono::Local)
            .date_naive()
            .to_string();
        let mut cursors = self.store.cursors(connection_id)?;
        for c in &mut cursors {
            if c.newest_day.as_deref().is_some_and(|d| d > today.as_str()) {
                c.newest_day = Some(today.clone());
            }
        }
        Ok(cursors)
    }

    pub fn connection_details(&self, connection_id: i64) -> AppResult<ConnectionDetails> {
        let c = self.store.connection(connection_id)?;
        let p = self.provider(&c.provider)?;
        let tokens = self.store.tokens(&self.vault, c.id).ok();
        let last_refresh = self.store.last_refresh_at(connection_id)?;
        Ok(ConnectionDetails {
            token_expires_at: tokens.as_ref().and_then(|t| t.expires_at),
            has_refresh_token: tokens.as_ref().is_some_and(|t| t.refresh_token.is_some()),
            access_token: tokens
                .as_ref()
                .map(|t| crate::vault::redact(&t.access_token))
                .unwrap_or_else(|| "none (reconnect)".into()),
            scopes_granted: c
                .scopes
                .as_deref()
                .unwrap_or("")
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            scopes_requested: p.spec().scopes.iter().map(|s| s.to_string()).collect(),
            last_refresh,
            cursors: self.shown_cursors(c.id)?,
            connection: c,
        })
    }

    /// Refreshes a connection's token now (QA): the rotated token is stored before returning.
    pub async fn force_refresh(&self, connection_id: i64) -> AppResult<ConnectionDetails> {
        let c = self.store.connection(connection_id)?;
        let p = self.provider(&c.provider)?;
        // Presenting the current access token as rejected forces a refresh.
        let current = self.store.tokens(&self.vault, c.id)?.access_token;
        match self.fresh_tokens(&c, p.as_ref(), Some(&current)).await {
            Ok(_) => {}
            Err(e) if e.code == "reauth_required" => {
                self.store.set_connection_status(
                    c.id,
                    ConnectionStatus::ReauthRequired,
                    Some((e.code, &e.message)),
                )?;
                return Err(e);
            }
            Err(e) => return Err(e),
        }
        self.connection_details(connection_id)
    }

    /// The sandbox provider's fault switches (QA).
    pub fn faults(&self, provider: &str) -> AppResult<crate::sandbox::Faults> {
        self.sandbox
            .faults(provider)
            .ok_or_else(|| not_sandbox(provider))
    }

    pub fn set_faults(&self, provider: &str, f: crate::sandbox::Faults) -> AppResult<()> {
        if !self.sandbox.set_faults(provider, f.clone()) {
            return Err(not_sandbox(provider));
        }
        self.store.log_event(
            "sandbox.faults.set",
            None,
            Some(provider),
            serde_json::to_value(f)?,
        )?;
        Ok(())
    }

    /// Settings as the console shows them: nothing secret, only redacted forms.
    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            environment: self.config.environment.as_str().to_string(),
            api_base: self.api_base_url(),
            data_dir: self.config.data_dir.clone(),
            history_days: self.config.history_days,
            today: self.clock.now().date_naive().to_string(),
            sandbox_providers: self.sandbox.providers(),
        }
    }

    pub fn settings_view(&self) -> AppResult<SettingsView> {
        Ok(SettingsView {
            environment: self.config.environment.as_str().to_string(),
            history_days: self.config.history_days,
            data_dir: self.config.data_dir.clone(),
            api_base: self.api_base_url(),
            api_key: crate::vault::redact(&self.api_key()?),
            webhooks: self.webhooks()?,
            forward: self.forward_status()?,
            credentials: self.credentials_view()?,
            agreement: self.agreement()?,
            enrol_pin_set: self.store.setting("enrol_pin_hash")?.is_some(),
            mcp_command: crate::explore::register_command(&self.config.data_dir),
        })
    }

    /// The PIN that lets the researcher leave enrol (kiosk) mode; `None` removes it.
    pub fn set_enrol_pin(&self, pin: Option<&str>) -> AppResult<()> {
        let pin = pin.filter(|p| !p.is_empty());
        if pin.is_some_and(|p| p.len() < 4) {
            return Err(AppError::bad_request(
                "pin_too_short",
                "use at least 4 digits or characters",
            ));
        }
        // A new PIN (or none) starts without the old one's wrong tries.
        self.store.delete_setting(PIN_FAILURES)?;
        self.store.delete_setting(PIN_LOCKED_UNTIL)?;
        match pin {
            Some(p) => self.store.set_setting(
                "enrol_pin_hash",
                &crate::link::hash_token(&format!("enrol-pin/{p}")),
            ),
            None => self.store.delete_setting("enrol_pin_hash"),
        }
    }

    /// Whether `pin` lets the researcher leave enrol mode. After `PIN_FREE_TRIES` wrong tries
    /// each further wrong one locks for twice as long as the last (30 s, 60 s, … 15 min), and
    /// while locked even the right PIN is refused: someone at a kiosk cannot try them all. The
    /// count lives in the store, so restarting the app does not reset it.
    pub fn check_enrol_pin(&self, pin: &str) -> AppResult<bool> {
        let Some(hash) = self.store.setting("enrol_pin_hash")? else {
            return Ok(true);
        };
        let now = self.clock.now().timestamp_millis();
        let number = |k: &str| -> AppResult<i64> {
            Ok(self
                .store
                .setting(k)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0))
        };
        let until = number(PIN_LOCKED_UNTIL)?;
        if until > now {
            return Err(pin_locked((until - now + 999) / 1000));
        }
        let right = bool::from(subtle::ConstantTimeEq::ct_eq(
            hash.as_bytes(),
            crate::link::hash_token(&format!("enrol-pin/{pin}")).as_bytes(),
        ));
        if right {
            self.store.delete_setting(PIN_FAILURES)?;
            self.store.delete_setting(PIN_LOCKED_UNTIL)?;
            return Ok(true);
        }
        let failures = number(PIN_FAILURES)? + 1;
        self.store
            .set_setting(PIN_FAILURES, &failures.to_string())?;
        if failures < PIN_FREE_TRIES {
            return Ok(false);
        }
        let doublings = (failures - PIN_FREE_TRIES).min(5) as u32;
        let secs = (30_i64 << doublings).min(900);
        self.store
            .set_setting(PIN_LOCKED_UNTIL, &(now + secs * 1000).to_string())?;
        self.store.log_event(
            "enrol_pin_locked",
            None,
            None,
            serde_json::json!({"wrong_tries": failures, "locked_seconds": secs}),
        )?;
        Err(pin_locked(secs))
    }
}

/// Wrong enrol PINs allowed before the first lockout.
pub const PIN_FREE_TRIES: i64 = 5;
const PIN_FAILURES: &str = "enrol_pin_failures";
const PIN_LOCKED_UNTIL: &str = "enrol_pin_locked_until";

fn pin_locked(secs: i64) -> AppError {
    AppError::new(
        "pin_locked",
        format!("Too many wrong PINs. Try again in {secs} s (the wait doubles with each further wrong PIN)."),
    )
}

fn not_sandbox(provider: &str) -> AppError {
    AppError::bad_request(
        "not_sandbox",
        format!("{provider} has no sandbox fake running (fault switches exist only in the sandbox environment)"),
    )
}
