//! `doctor`: what this installation is and what, if anything, is wrong with it.
use std::sync::Arc;

use serde_json::Value;
use vital_link_core::app::App;
use vital_link_core::error::AppResult;

use crate::text::print_json;

/// `doctor`: what the app uses, then a verdict with what to do; `--json` for a support request.
pub(crate) fn doctor(app: &Arc<App>, desktop: bool, json_out: bool) -> AppResult<()> {
    let d = app.doctor(desktop);
    if json_out {
        print_json(&d);
        return Ok(());
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    let db = &d["database"];
    let writable = db["writable"].as_bool().unwrap_or(false);
    println!(
        "Vital Link {} ({} environment{})",
        text(&d["version"]),
        text(&d["environment"]),
        if desktop {
            ", with the desktop window"
        } else {
            ", no desktop window in this build"
        }
    );
    println!("  data directory  {}", text(&d["data_dir"]));
    println!(
        "  database        {} (schema {}, SQLite {}, {})",
        text(&db["path"]),
        text(&db["schema_version"]),
        text(&db["sqlite"]),
        if writable { "writable" } else { "read-only" }
    );
    if let Some(pg) = d["study_database"].as_object() {
        println!(
            "  study database  {} (PostgreSQL {}, schema {} of {})",
            text(&pg["url"]),
            text(&pg["server_version"]),
            text(&pg["schema_version"]),
            text(&pg["latest_schema"])
        );
    }
    let key = match d["vault"]["key_source"].as_str().unwrap_or("") {
        "os_keyring" => "the system keyring".to_string(),
        "passphrase" => "a key file protected by a passphrase".to_string(),
        "key_file" => format!("the key file {}", text(&d["vault"]["key_file"])),
        other => other.to_string(),
    };
    println!("  vault key       {key}");
    println!("  logs            {}", text(&d["logs"]));
    println!(
        "  browser         {}",
        d["browser"]
            .as_str()
            .unwrap_or("the system default ($BROWSER is not set)")
    );
    if let Some(fakes) = d["sandbox"].as_object().filter(|m| !m.is_empty()) {
        println!("  sandbox fakes   {} running", fakes.len());
    }
    let mut problems = vec![];
    if !writable {
        problems.push(format!(
            "the database is read-only: make {} writable, or choose another with --data-dir",
            text(&d["data_dir"])
        ));
    }
    if desktop && d["display"].is_null() && cfg!(target_os = "linux") {
        problems.push(
            "no display ($DISPLAY is not set): the window cannot open; use the commands or `serve`"
                .to_string(),
        );
    }
    let attention = app
        .connection_statuses(None)?
        .into_iter()
        .filter(|c| c.status.needs_attention())
        .count();
    if attention > 0 {
        problems.push(format!(
            "{attention} connection{} need{} attention: see `vital-link status`",
            if attention == 1 { "" } else { "s" },
            if attention == 1 { "s" } else { "" }
        ));
    }
    if problems.is_empty() {
        println!("\nVerdict: all is well.");
    } else {
        println!("\nVerdict: {} to fix:", problems.len());
        for p in problems {
            println!("  - {p}");
        }
    }
    Ok(())
}
