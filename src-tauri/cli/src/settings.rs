//! `settings`, `agreement`, `passphrase`, `api-key` and `wipe`: the app's own configuration.
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};
use vital_link_core::app::App;
use vital_link_core::error::{AppError, AppResult};

use crate::text::print_json;
use crate::SettingsCmd;

const SETTINGS: [&str; 2] = [
    vital_link_core::config::HISTORY_DAYS_SETTING,
    vital_link_core::config::SYNC_INTERVAL_SETTING,
];

pub(crate) fn settings(app: &Arc<App>, cmd: SettingsCmd, json_out: bool) -> AppResult<()> {
    match cmd {
        SettingsCmd::List => {
            if json_out {
                let mut m = serde_json::Map::new();
                for k in SETTINGS {
                    m.insert(k.to_string(), json!(app.setting(k)?));
                }
                print_json(&Value::Object(m));
            } else {
                for k in SETTINGS {
                    println!("{k}\t{}", app.setting(k)?.unwrap_or_else(|| "-".into()));
                }
            }
        }
        SettingsCmd::Get { key } => {
            check_setting(&key)?;
            println!("{}", app.setting(&key)?.unwrap_or_default());
        }
        SettingsCmd::Set { key, value } => {
            check_setting(&key)?;
            if value.parse::<u32>().ok().filter(|v| *v > 0).is_none() {
                return Err(AppError::bad_request(
                    "invalid_setting",
                    format!("{key} takes a whole number above 0, not {value:?}"),
                ));
            }
            app.set_setting(&key, &value)?;
        }
    }
    Ok(())
}

fn check_setting(key: &str) -> AppResult<()> {
    if SETTINGS.contains(&key) {
        Ok(())
    } else {
        Err(AppError::bad_request(
            "invalid_setting",
            format!("unknown setting {key:?}; known: {}", SETTINGS.join(", ")),
        ))
    }
}

pub(crate) fn agreement(
    app: &Arc<App>,
    version: Option<String>,
    text_file: Option<PathBuf>,
) -> AppResult<()> {
    if let (Some(version), Some(file)) = (version, text_file) {
        let text = std::fs::read_to_string(&file).map_err(|e| {
            AppError::bad_request(
                "unreadable_file",
                format!("cannot read {}: {e}", file.display()),
            )
        })?;
        app.set_agreement(&vital_link_core::study::Agreement { version, text })?;
    }
    print_json(&serde_json::to_value(app.agreement()?)?);
    Ok(())
}

pub(crate) fn passphrase(app: &Arc<App>, action: &str) -> AppResult<()> {
    if action == "set" {
        let new = match std::env::var("VITAL_LINK_NEW_PASSPHRASE") {
            Ok(p) => p,
            Err(_) => {
                let a = rpassword::prompt_password("New vault passphrase: ")
                    .map_err(|e| AppError::internal(e.to_string()))?;
                let b = rpassword::prompt_password("Again: ")
                    .map_err(|e| AppError::internal(e.to_string()))?;
                if a != b {
                    return Err(AppError::bad_request(
                        "passphrase_mismatch",
                        "the two passphrases differ; nothing was changed",
                    ));
                }
                a
            }
        };
        app.set_passphrase(Some(&new))?;
        eprintln!("the vault key is now protected by the passphrase; start Vital Link with VITAL_LINK_PASSPHRASE set, or type it when asked");
    } else {
        app.set_passphrase(None)?;
        eprintln!(
            "the passphrase is removed; the vault key is in {} (0600)",
            app.config.data_dir.join("vault.key").display()
        );
    }
    Ok(())
}

pub(crate) fn api_key(app: &Arc<App>, rotate: bool) -> AppResult<()> {
    let key = if rotate {
        app.rotate_api_key()?
    } else {
        app.api_key()?
    };
    println!("{key}");
    Ok(())
}

pub(crate) async fn wipe(app: &Arc<App>, yes: bool) -> AppResult<()> {
    if !yes {
        return Err(AppError::bad_request(
            "confirmation_needed",
            "this deletes every participant, reading and token: run again with --yes",
        ));
    }
    app.wipe().await?;
    eprintln!("all data deleted from {}", app.config.data_dir.display());
    Ok(())
}
